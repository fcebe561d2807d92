"""``/healthz``: is this web process able to reach the database and the task broker?

For a load balancer and for monitoring: no login, no secrets (no URLs, no error text
that could carry a password, only the kind of failure), never cached. 200 when both are
reachable, 503 otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _timed(check: Callable[[], dict | None]) -> dict:
    started = time.perf_counter()
    try:
        extra = check() or {}
    except Exception as exc:  # noqa: BLE001 - any failure is a failed check
        return {"ok": False, "error": type(exc).__name__, "ms": round((time.perf_counter() - started) * 1000, 1)}
    return {"ok": True, **extra, "ms": round((time.perf_counter() - started) * 1000, 1)}


def database_check() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def broker_check() -> dict:
    """Connect to the broker (Redis answers a PING when kombu opens a channel). Tasks
    run in-process need none."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"mode": "in-process"}
    from config.celery import app

    with app.connection_for_write(url=settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        conn.default_channel  # noqa: B018 - opening a channel is what proves the broker answers
        return {"mode": conn.transport.driver_type}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _timed(database_check), "broker": _timed(broker_check)}
    ok = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503)
