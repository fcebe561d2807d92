"""Reading and writing a cache that may live on another machine (Redis in production),
without letting it take a page down: when the cache cannot be reached, a read finds
nothing and a write is dropped, and the caller computes what it needs from the database.

The first failure of a run of failures is logged with its traceback, the others are
counted in one line a minute, so that a Redis outage does not fill the log.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache import caches

logger = logging.getLogger(__name__)

_REPORT_EVERY = 60.0  # seconds
_failures = {"count": 0, "reported_at": 0.0}


def _failed(alias: str, operation: str) -> None:
    now = time.monotonic()
    _failures["count"] += 1
    if _failures["count"] == 1:
        logger.exception("cache %r unavailable (%s); computing without it", alias, operation)
        _failures["reported_at"] = now
    elif now - _failures["reported_at"] >= _REPORT_EVERY:
        logger.warning("cache %r still unavailable: %d operations without it", alias, _failures["count"])
        _failures["reported_at"] = now


def _worked() -> None:
    if _failures["count"]:
        logger.warning("cache available again after %d operations without it", _failures["count"])
        _failures["count"] = 0


def cache_get(alias: str, key: str, default: Any = None) -> Any:
    """``caches[alias].get(key)``, or ``default`` when the cache cannot be reached."""
    try:
        value = caches[alias].get(key, default)
    except Exception:  # redis.ConnectionError, a timeout, a refused socket: the page goes on
        _failed(alias, "get")
        return default
    _worked()
    return value


def cache_set(alias: str, key: str, value: Any, timeout: float | None) -> bool:
    """``caches[alias].set(...)``; False when the cache cannot be reached."""
    try:
        caches[alias].set(key, value, timeout=timeout)
    except Exception:
        _failed(alias, "set")
        return False
    _worked()
    return True


def cache_add(alias: str, key: str, value: Any, timeout: float | None) -> bool:
    """``caches[alias].add(...)`` (set only if absent); False when absent and not added,
    or when the cache cannot be reached."""
    try:
        added = caches[alias].add(key, value, timeout=timeout)
    except Exception:
        _failed(alias, "add")
        return False
    _worked()
    return bool(added)
