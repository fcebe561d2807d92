"""A short-lived cache of the responses built from stored snapshots (edition pages, the
lobby screen), so that a busy board page costs a cache read instead of database queries.

Entries are keyed by a *generation* that every publication moves on: in the process
that publishes (and in every process, with a shared cache such as Redis) a new edition
shows at once. With the default per-process memory cache, other processes see it
within ``BOARD_SNAPSHOT_CACHE_SECONDS``; the pages' own HTTP caching (max-age) is longer.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

GENERATION_KEY = "boards:generation"
_MISSING = "missing"  # a cached "not published": unknown months do not reach the database either


@dataclass(frozen=True)
class Snapshot:
    """A response ready to send: the stored page, and what conditional requests compare."""

    etag: str  # quoted
    last_modified: int  # a timestamp
    body: bytes
    language: str


def _cache():
    return caches[settings.BOARD_CACHE_ALIAS]


def _generation() -> int:
    cache = _cache()
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # Never seen, or evicted: start a new generation, which no old entry carries.
        generation = time.time_ns()
        cache.add(GENERATION_KEY, generation, timeout=None)
        generation = cache.get(GENERATION_KEY, generation)
    return generation


def generation_bump() -> None:
    """Forget every cached snapshot response (after a publication)."""
    _cache().set(GENERATION_KEY, time.time_ns(), timeout=None)


def edition_key(jurisdiction: str | None, year: int, month: int, revision: int | None) -> str:
    """The cache key of a month's page: the current revision and each numbered revision
    have keys of their own, so that asking for a revision that does not exist (``r0``,
    ``r99``) caches "not published" under that revision only, never under the month."""
    which = "current" if revision is None else f"r{int(revision)}"
    return f"edition:{jurisdiction or ''}:{int(year)}:{int(month)}:{which}"


def snapshot_get(key: str, build: Callable[[], Snapshot | None]) -> Snapshot | None:
    """The cached response for ``key``, built (and cached) when missing. ``build``
    returns None for "nothing published there"."""
    seconds = settings.BOARD_SNAPSHOT_CACHE_SECONDS
    if seconds <= 0:
        return build()
    cache = _cache()
    full_key = f"boards:snapshot:{_generation()}:{key}"
    if len(full_key) > 200 or not full_key.isascii():
        # An address with a long or odd jurisdiction code: a key every cache backend takes.
        full_key = f"boards:snapshot:{_generation()}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"
    found = cache.get(full_key)
    if found is not None:
        return None if found == _MISSING else found
    snapshot = build()
    cache.set(full_key, _MISSING if snapshot is None else snapshot, timeout=seconds)
    return snapshot
