"""The product's login outside the admin: unit staff, who have no admin, log in here;
everyone else may too. After login each role lands on its own page."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import reverse, reverse_lazy

from departments.roles import is_evaluator, is_leader, is_office, is_rater, is_unit_staff


def home_for(user) -> str:
    """Where a role starts: unit staff their desk, leaders the dashboard, the office and
    raters the admin, evaluators their sheets."""
    if is_office(user) or is_rater(user):
        return reverse("admin:index")
    if is_leader(user):
        return reverse("dashboard:index")
    if is_unit_staff(user):
        return reverse("desk:home")
    if is_evaluator(user):
        return reverse("evaluations:index")
    return reverse("boards:home")


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return home_for(self.request.user)


class LogoutView(auth_views.LogoutView):
    next_page = "login"


class PasswordChangeView(auth_views.PasswordChangeView):
    """修改密码 in the product's frame: unit staff have no admin, and an imported account's
    initial password should be changed at the first login. The password rule is the
    project's (AUTH_PASSWORD_VALIDATORS)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "home": home_for(self.request.user)}
