from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

# The admin's titles are set, translatably, in departments/admin.py.
# Uploaded evidence is never served from MEDIA_URL, not even in DEBUG: it is
# downloaded through ratings.views.evidence_download, which checks who may see it.
urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("ratings/", include("ratings.urls")),
    path("", RedirectView.as_view(url="/admin/", permanent=False), name="home"),
]
