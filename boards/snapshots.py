"""The responses built from stored snapshots (edition pages, the lobby screen), kept so
that a busy board page costs a cache read instead of database queries.

Two levels, both keyed by a *generation* that every publication moves on:

- the generation itself and the responses live in ``BOARD_CACHE_ALIAS``: per process
  locally, Redis in production, shared by every web process;
- each process also keeps the responses it sent last in memory (``LOCAL_ENTRIES`` of
  them), so that a page asked again costs one small read of the generation, not the
  transfer of the page out of Redis.

A publication sets a new generation in the shared cache: from the next request on, every
process reads it and finds none of its kept responses under it, so the new edition shows
on every worker at once. A response is kept at most ``BOARD_SNAPSHOT_CACHE_SECONDS``
(what does not come with a publication, a jurisdiction renamed or closed, shows within
that time). When the shared cache cannot be reached, pages are built from the database.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from lib.sharedcache import cache_add, cache_get, cache_set

GENERATION_KEY = "boards:generation"
LOCAL_ENTRIES = 256
_MISSING = "missing"  # a cached "not published": unknown months do not reach the database either


@dataclass(frozen=True)
class Snapshot:
    """A response ready to send: the stored page, and what conditional requests compare."""

    etag: str  # quoted
    last_modified: int  # a timestamp
    body: bytes
    language: str


class _Kept:
    """This process's last responses: full key -> (expires at, snapshot or _MISSING)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[str, tuple[float, Snapshot | str]] = OrderedDict()
        self.lock = threading.Lock()  # gunicorn's threaded workers share it

    def get(self, key: str, now: float) -> Snapshot | str | None:
        with self.lock:
            held = self.entries.get(key)
            if held is None:
                return None
            if held[0] <= now:
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return held[1]

    def put(self, key: str, value: Snapshot | str, expires: float) -> None:
        with self.lock:
            self.entries[key] = (expires, value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


kept = _Kept(LOCAL_ENTRIES)


def _alias() -> str:
    return settings.BOARD_CACHE_ALIAS


def _generation() -> int | None:
    """The current generation, or None when the shared cache cannot be reached."""
    generation = cache_get(_alias(), GENERATION_KEY, _MISSING)
    if generation == _MISSING:
        # Never seen, evicted, or the cache is down: start a new generation, which no old
        # entry carries (another process may have started one first: take the stored one).
        candidate = time.time_ns()
        if not cache_add(_alias(), GENERATION_KEY, candidate, timeout=None):
            stored = cache_get(_alias(), GENERATION_KEY, _MISSING)
            return None if stored == _MISSING else stored
        return candidate
    return generation


def generation_bump() -> None:
    """Forget every kept snapshot response, in every process (after a publication)."""
    cache_set(_alias(), GENERATION_KEY, time.time_ns(), timeout=None)
    kept.clear()


def edition_key(jurisdiction: str | None, year: int, month: int, revision: int | None) -> str:
    """The cache key of a month's page: the current revision and each numbered revision
    have keys of their own, so that asking for a revision that does not exist (``r0``,
    ``r99``) caches "not published" under that revision only, never under the month."""
    which = "current" if revision is None else f"r{int(revision)}"
    return f"edition:{jurisdiction or ''}:{int(year)}:{int(month)}:{which}"


def _full_key(generation: int, key: str) -> str:
    full_key = f"boards:snapshot:{generation}:{key}"
    if len(full_key) > 200 or not full_key.isascii():
        # An address with a long or odd jurisdiction code: a key every cache backend takes.
        full_key = f"boards:snapshot:{generation}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"
    return full_key


def _current(key: str, seconds: int, build: Callable[[], Snapshot | None] | None) -> Snapshot | str | None:
    """What is kept for ``key`` under the current generation: this process's copy, else
    the shared cache's (then kept here too). Missing: built and kept when ``build`` is
    given, else None. None too when the shared cache is down (nothing is known current)."""
    generation = _generation()
    if generation is None:
        return None
    full_key = _full_key(generation, key)
    now = time.monotonic()
    found = kept.get(full_key, now)
    if found is None:
        found = cache_get(_alias(), full_key)
        if found is None:
            if build is None:
                return None
            snapshot = build()
            found = _MISSING if snapshot is None else snapshot
            cache_set(_alias(), full_key, found, timeout=seconds)
        kept.put(full_key, found, now + seconds)
    return found


def snapshot_get(key: str, build: Callable[[], Snapshot | None], *, path: str | None = None) -> Snapshot | None:
    """The kept response for ``key``, built (and kept) when missing. ``build`` returns
    None for "nothing published there". ``path``: the address it was asked at, which
    ``snapshot_for_path`` then answers for without the view."""
    seconds = settings.BOARD_SNAPSHOT_CACHE_SECONDS
    if seconds <= 0:
        return build()
    found = _current(key, seconds, build)
    if found is None:
        return build()  # the shared cache is down
    if found == _MISSING:
        return None
    if path is not None:
        _path_remember(path, key)
    return found


# Addresses already answered from a snapshot: path -> key. Bounded; only addresses that
# found a published page get in, so a crawl of made-up ones cannot fill it.
PATHS = 4 * LOCAL_ENTRIES
_paths: dict[str, str] = {}


def _path_remember(path: str, key: str) -> None:
    if _paths.get(path) != key:
        if len(_paths) >= PATHS:
            _paths.clear()
        _paths[path] = key


def snapshot_for_path(path: str) -> Snapshot | None:
    """The current kept response for an address a view answered from a snapshot before,
    without building anything: None when the address is new, nothing is kept under the
    current generation (a publication moved it on) or the cache is off or down. Then
    the request takes the usual way, through the view."""
    key = _paths.get(path)
    seconds = settings.BOARD_SNAPSHOT_CACHE_SECONDS
    if key is None or seconds <= 0:
        return None
    found = _current(key, seconds, None)
    return None if found is None or found == _MISSING else found
