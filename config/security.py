"""Security headers that Django does not set itself.

Django's SecurityMiddleware and XFrameOptionsMiddleware send X-Content-Type-Options,
Referrer-Policy, Cross-Origin-Opener-Policy and X-Frame-Options (settings in base.py);
these two add Permissions-Policy and the Content-Security-Policy.
"""

from __future__ import annotations

from collections.abc import Callable

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import HttpRequest, HttpResponse


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """``{"camera": [], "fullscreen": ["self"]}`` → ``camera=(), fullscreen=(self)``."""
    return ", ".join(f"{feature}=({' '.join(origins)})" for feature, origins in policy.items())


class PermissionsPolicyMiddleware:
    """Switches off the browser features no page uses (settings.PERMISSIONS_POLICY)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware (which leaves a view's own policy alone, such as the
    evidence download's ``default-src 'none'; sandbox``), except on PDFs: a browser shows
    a PDF in a viewer page of its own, which a page's policy would only break."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if response.get("Content-Type", "").startswith("application/pdf"):
            return response
        return super().process_response(request, response)
