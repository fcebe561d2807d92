"""Counting requests per client within a time window, for doors open to anyone (the
public report form, the tracking page, later the survey).

Counts live in a Django cache (``THROTTLE_CACHE_ALIAS``: per process locally, Redis in
production so that every worker counts together). The key is an HMAC of the address
with the site's secret: the cache never holds anyone's address."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time

from django.conf import settings
from django.core.cache import caches

logger = logging.getLogger(__name__)


def _digest(key: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), key.encode(), hashlib.sha256).hexdigest()[:32]


def throttle_hit(*, scope: str, key: str, limit: int, window_seconds: int = 3600, now: float | None = None) -> bool:
    """Count one request by ``key`` (an address) in ``scope``; True while it is within
    ``limit`` requests in the current window, False once it is over."""
    if limit <= 0:
        return True  # 0 turns the limit off
    cache = caches[settings.THROTTLE_CACHE_ALIAS]
    bucket = int((now if now is not None else time.time()) // window_seconds)
    name = f"throttle:{scope}:{_digest(key or '-')}:{bucket}"
    try:
        cache.add(name, 0, window_seconds)
        try:
            count = cache.incr(name)
        except ValueError:  # expired between add and incr
            cache.set(name, 1, window_seconds)
            count = 1
    except Exception:  # the cache is down: a citizen's report is not refused for that
        logger.exception("throttle cache unavailable; %s not counted", scope)
        return True
    return count <= limit
