"""The product's login outside the admin: unit staff, who have no admin, log in here;
everyone else may too. After login each role lands on its own page."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import reverse

from departments.roles import is_leader, is_office, is_rater, is_unit_staff


def home_for(user) -> str:
    """Where a role starts: unit staff their desk, leaders the dashboard, the office and
    raters the admin."""
    if is_office(user) or is_rater(user):
        return reverse("admin:index")
    if is_leader(user):
        return reverse("dashboard:index")
    if is_unit_staff(user):
        return reverse("desk:home")
    return reverse("boards:home")


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return home_for(self.request.user)


class LogoutView(auth_views.LogoutView):
    next_page = "login"
