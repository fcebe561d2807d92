"""A database that stays busy longer than its timeout: a 503 page that says so and asks
to try again, instead of a server error.

SQLite (the embedded default) lets one writer in at a time; the others wait up to the
``timeout`` in DATABASES, then fail with "database is locked". PostgreSQL ends a lock
wait with an error only for a deadlock, a lock timeout or a serialization failure. In
each case the transaction was rolled back, so nothing was half written, and the same
request a moment later succeeds: the person is told exactly that (HTTP 503 with
Retry-After), and the event is logged.
"""

from __future__ import annotations

import logging

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5

# PostgreSQL's SQLSTATEs for "try again": lock_not_available, deadlock_detected,
# serialization_failure.
_RETRYABLE_SQLSTATES = frozenset({"55P03", "40P01", "40001"})
_SQLITE_BUSY = ("database is locked", "database table is locked")


def database_is_busy(exc: BaseException) -> bool:
    """Is this the database saying "busy, try again" (and not a real failure)?"""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__ or exc
    if getattr(cause, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return True
    text = str(exc).lower()
    return any(phrase in text for phrase in _SQLITE_BUSY)


def busy_response(request: HttpRequest) -> HttpResponse:
    message = _("数据库正忙，本次操作没有完成。请稍等几秒后重试。")
    if "application/json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse({"error": message, "retry_after": RETRY_AFTER_SECONDS}, status=503)
    else:
        # No request context: rendering this page must not need the database.
        html = render_to_string("db_busy.html", {
            "title": _("系统繁忙，请稍后重试"), "message": message, "language": get_language() or "zh-hans",
            # A page can simply be asked for again; a form is sent again from the page before.
            "retry_url": request.get_full_path() if request.method in ("GET", "HEAD") else "",
            "retry": _("重试"),
        })
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseBusyMiddleware:
    """Turns "database is locked" (and PostgreSQL's retryable lock errors) raised by a
    view into the 503 page above."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not database_is_busy(exception):
            return None
        logger.warning("database busy on %s %s: %s", request.method, request.path, exception)
        return busy_response(request)
