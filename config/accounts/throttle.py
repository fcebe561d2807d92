"""Login throttling, on top of django-axes.

A person is locked out after ``LIANGBANG_LOGIN_FAILURE_LIMIT`` failed logins with one
username from one address (``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]``),
for ``LIANGBANG_LOGIN_COOLOFF_MINUTES`` after the last of them. Keying by both means one
person mistyping does not lock out the whole office behind one NAT address, and nobody
can lock a colleague out from elsewhere by typing their username. An address that fails
with many usernames (``LIANGBANG_LOGIN_ADDRESS_FAILURE_LIMIT`` failures in all, someone
trying one password on every account) is locked out as a whole. A successful login
clears the person's count; the office clears a lockout in the admin (账号安全) or with
``python manage.py axes_reset_username NAME``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin
from django.db.models import Max, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _


def client_ip(request: HttpRequest) -> str | None:
    """The address a login came from.

    Behind ``LIANGBANG_TRUSTED_PROXIES`` proxies (nginx in front of gunicorn: 1) it is the
    address that the outermost trusted proxy appended to X-Forwarded-For, counted from the
    right, which a client cannot forge; anything further left is the client's own say.
    Without proxies, or when the header is short or not an address, REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def _recent_attempts(request: HttpRequest) -> QuerySet[AccessAttempt]:
    """The address's failures that still count (the last one within the cool-off)."""
    address = getattr(request, "axes_ip_address", None)
    if not address:
        return AccessAttempt.objects.none()
    cool_off = get_cool_off(request)
    attempts = AccessAttempt.objects.filter(ip_address=address)
    if cool_off:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts


def address_failures(request: HttpRequest) -> int:
    return _recent_attempts(request).aggregate(total=Sum("failures_since_start"))["total"] or 0


class LoginThrottleHandler(AxesDatabaseHandler):
    """axes' database handler (SQLite and PostgreSQL alike), plus the limit per address."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        failures = super().get_failures(request, credentials)
        limit = get_failure_limit(request, credentials)
        if failures < limit and address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return limit  # the address is locked out, whoever tries from it
        return failures


@dataclass(frozen=True)
class Lockout:
    until: datetime | None  # None: no cool-off configured, it lasts until the office clears it
    whole_address: bool  # the address failed with many usernames, rather than this person


def lockout_of(request: HttpRequest, credentials: dict | None) -> Lockout:
    """The lockout this request ran into. It ends a cool-off after the last counted failure
    (failures during a lockout are not counted, so it does not move)."""
    attempts = _recent_attempts(request)
    own = attempts.filter(username=get_client_username(request, credentials))
    own_failures = own.aggregate(total=Sum("failures_since_start"))["total"] or 0
    whole_address = own_failures < get_failure_limit(request, credentials)
    cool_off = get_cool_off(request)
    latest = (attempts if whole_address else own).aggregate(latest=Max("attempt_time"))["latest"]
    return Lockout(until=latest + cool_off if cool_off and latest else None, whole_address=whole_address)


def lockout_response(request: HttpRequest, original_response: HttpResponse | None,
                     credentials: dict | None) -> HttpResponse:
    """The page shown instead of the login form while locked out (HTTP 429)."""
    lockout = lockout_of(request, credentials)
    cool_off = get_cool_off(request)
    if lockout.until:
        wait_seconds = max(60, int((lockout.until - timezone.now()).total_seconds()))
    else:
        wait_seconds = int(cool_off.total_seconds()) if cool_off else 0
    context = {
        **admin.site.each_context(request),
        "title": _("登录已暂时锁定"),
        "username": get_client_username(request, credentials) or "",
        "whole_address": lockout.whole_address,
        "until": timezone.localtime(lockout.until) if lockout.until else None,
        "wait_minutes": (wait_seconds + 59) // 60,
        "failure_limit": get_failure_limit(request, credentials),
    }
    response = render(request, "accounts/lockout.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
    if wait_seconds:
        response["Retry-After"] = str(wait_seconds)
    add_never_cache_headers(response)
    return response
