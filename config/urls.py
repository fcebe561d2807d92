from django.contrib import admin
from django.urls import include, path

from config import errors
from config.accounts import views as accounts
from config.health import healthz

# The admin's titles are set, translatably, in departments/admin.py.
# Uploaded evidence is never served from MEDIA_URL, not even in DEBUG: it is
# downloaded through ratings.views.evidence_download, which checks who may see it.
urlpatterns = [
    path("healthz", healthz, name="healthz"),  # database and broker, for load balancers and monitoring
    path("i18n/", include("django.conf.urls.i18n")),
    path("login/", accounts.LoginView.as_view(), name="login"),  # every role; unit staff have no other
    path("logout/", accounts.LogoutView.as_view(), name="logout"),
    path("password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", accounts.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("admin/", admin.site.urls),
    path("ratings/", include("ratings.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("notifications/", include("notifications.urls")),  # every role's notification centre
    path("desk/", include("desk.urls")),  # the rated units' desk
    path("reviews/", include("reviews.urls")),  # review requests (复核申请)
    path("help/", include("manual.urls")),
    path("open311/v2/", include("casework.open311_urls")),
    path("", include("evaluations.urls")),  # the evaluators' sheets and the public survey
    path("", include("casework.urls")),  # the public report form and tracking page (问题举报)  # the user manual: the public chapter for all, the rest for staff
    # The public site (boards): the latest board at the root, no login.
    path("", include("boards.urls")),
]

# Error pages in Chinese, in the frame of the address (config/errors.py).
handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
