from django.urls import path

from ratings import views

app_name = "ratings"

urlpatterns = [
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/view/", views.evidence_view, name="evidence_view"),
]
