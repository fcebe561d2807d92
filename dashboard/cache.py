"""The dashboard's figures, kept once rendered for months that no longer change.

A closed month does not change until the office reopens it. So the heavy part of the
page (figures, charts' data, leaderboard, watch list, grid, activity) is rendered once
per jurisdiction, filters, language and *stamp* (``selectors.overview_stamp``: every
month the figures read, each with its status and closing time, and the last change of
the rule books, the roll-up and the organisations), and served from the cache while
the stamp stays the same. A review that changes a rating (复核变更) marks its months
revised, which changes the stamp too. Reopening a month makes it open (nothing is cached while a
month the figures read is open); closing it again gives it a new closing time, hence a
new key: the old entry is never read again and expires.

``DASHBOARD_CACHE_SECONDS`` (LIANGBANG_DASHBOARD_CACHE_SECONDS, default one hour; 0 turns the
cache off) and ``DASHBOARD_CACHE_ALIAS`` (LIANGBANG_DASHBOARD_CACHE: per process locally,
Redis in production, so that a closed month is rendered once for every web process) come
from the settings; a cache that cannot be reached renders every time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.http import QueryDict
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from dashboard.selectors import DashboardQuery
from lib.sharedcache import cache_get, cache_set

PREFIX = "dashboard:figures:v1"


def cache_seconds() -> int:
    return int(settings.DASHBOARD_CACHE_SECONDS)


def figures_key(*, query: DashboardQuery, params: QueryDict, years: list[int], stamp: str) -> str:
    """The key of one rendering: who (jurisdiction), what (the resolved filters, and the
    address as typed, which the page's own links and error messages repeat), in which
    language, and the stamp of the data."""
    typed = "&".join(f"{key}={value}" for key, values in sorted(params.lists()) for value in values)
    what = (
        query.jurisdiction.pk, query.year, query.month_from, query.month_to,
        query.category.pk if query.category is not None else None,
        query.department.pk if query.department is not None else None,
        query.unit.pk if query.unit is not None else None,
        tuple(years), get_language(), typed,
    )
    digest = hashlib.sha256(repr(what).encode("utf-8", errors="surrogatepass")).hexdigest()[:40]
    return f"{PREFIX}:{query.jurisdiction.pk}:{query.year}-{query.month_to:02d}:{stamp}:{digest}"


def figures_html(*, key: str | None, render: Callable[[], str]) -> SafeString:
    """The rendered figures for ``key``, rendered (and kept) when missing; ``key`` None
    (a month the figures read is open) or a cache turned off renders every time."""
    seconds = cache_seconds()
    if key is None or seconds <= 0:
        return mark_safe(render())  # noqa: S308  (our own template's output)
    found = cache_get(settings.DASHBOARD_CACHE_ALIAS, key)
    if found is None:
        found = render()
        cache_set(settings.DASHBOARD_CACHE_ALIAS, key, found, timeout=seconds)
    return mark_safe(found)  # noqa: S308  (our own template's output)


def figures_keep(*, key: str, render: Callable[[], str]) -> bool:
    """Render and keep the figures for ``key`` ahead of a reader, unless kept already.
    True when it rendered."""
    seconds = cache_seconds()
    if seconds <= 0 or cache_get(settings.DASHBOARD_CACHE_ALIAS, key) is not None:
        return False
    cache_set(settings.DASHBOARD_CACHE_ALIAS, key, render(), timeout=seconds)
    return True
