"""The board's kept pages are shared by every web process through one cache (Redis in
production), and a cache that cannot be reached takes nothing down.

A citizen reads the published January board. Another web process publishes (here: the
shared cache is given a new generation, which is all a publication elsewhere changes in
this process's view); the very next read here shows the new edition, although this
process kept the old page in its memory. With the cache unreachable (a Redis on a port
nobody listens on), the board and the leaders' dashboard are still served, from the
database.
"""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from boards import services, snapshots
from ratings import rules
from ratings import services as ratings_services
from scripts.localstack import free_port
from tests.board_support import _board_cache, approved, close, fast_pdf, published  # noqa: F401
from tests.factories import RuleBookFactory

pytestmark = pytest.mark.django_db


def queries(client, url: str) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries), response.content


def test_a_page_read_again_asks_the_database_nothing(client, published):
    for url in ("/", "/2026/01/"):
        queries(client, url)
        asked, body = queries(client, url)
        assert asked == 0 and body.decode() == published.html


def test_a_page_kept_in_this_process_asks_the_shared_cache_only_for_the_generation(client, published, settings):
    client.get("/2026/01/")
    shared = caches[settings.BOARD_CACHE_ALIAS]
    for key in list(shared._cache):  # the page leaves the shared cache; the generation stays
        if "boards:snapshot:" in key:
            del shared._cache[key]
    asked, body = queries(client, "/2026/01/")
    assert asked == 0 and body.decode() == published.html


def test_a_publication_by_another_process_shows_here_at_once(
    client, published, alice, dept_b, town2, january, settings, django_capture_on_commit_callbacks,
):
    assert client.get("/").content.decode() == published.html  # kept in this process now

    # The office corrects January; the correction is published by another process: this
    # process never ran generation_bump, it only shares the cache where that process wrote.
    period = ratings_services.period_reopen(period=january, by=alice, reason="补录一面红旗")
    approved(period, dept_b, town2, rules.RED_FLAG, "一月新增的红旗事由", office=alice)
    close(period, alice)
    with django_capture_on_commit_callbacks(execute=False):
        second = services.edition_publish(period=period, by=alice, note="补录一面红旗").edition
    assert "一月新增的红旗事由" not in client.get("/").content.decode()  # nobody said anything yet
    caches[settings.BOARD_CACHE_ALIAS].set(snapshots.GENERATION_KEY, 1, timeout=None)  # the other process's bump

    for url in ("/", "/2026/01/"):
        page = client.get(url).content.decode()
        assert "一月新增的红旗事由" in page and page == second.html
    assert "一月新增的红旗事由" not in client.get("/2026/01/r1/").content.decode()


def test_the_local_memory_holds_a_bounded_number_of_pages(client, published, monkeypatch):
    monkeypatch.setattr(snapshots.kept, "size", 3)
    for year in range(2000, 2010):
        assert client.get(f"/{year}/01/").status_code == 404
    assert len(snapshots.kept.entries) == 3


def _unreachable_redis() -> dict:
    return {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "shared": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    }


def test_with_the_shared_cache_unreachable_the_board_is_served_from_the_database(client, published, caplog):
    with override_settings(CACHES=_unreachable_redis(), BOARD_CACHE_ALIAS="shared"):
        for url in ("/", "/2026/01/", "/2026/01/"):
            asked, body = queries(client, url)
            assert asked > 0 and body.decode() == published.html
        assert client.get("/2026/02/").status_code == 404
    assert "cache 'shared' unavailable" in caplog.text


def test_with_the_shared_cache_unreachable_the_dashboard_is_still_shown(client, leo, dept_a, town, alice):
    RuleBookFactory(year=2026)
    january = ratings_services.period_get_or_open(jurisdiction=dept_a.jurisdiction, year=2026, month=1)
    rating = ratings_services.rating_record(period=january, department=dept_a, unit=town, kind=rules.RED_FLAG,
                                            reason="一月红旗", by=alice, submit=True)
    ratings_services.rating_approve(rating=rating, by=alice)
    ratings_services.period_close(period=january, by=alice)
    client.force_login(leo)
    with override_settings(CACHES=_unreachable_redis(), DASHBOARD_CACHE_ALIAS="shared"):
        for _ in range(2):
            response = client.get("/dashboard/?year=2026&month_to=1")
            assert response.status_code == 200 and "红旗 1 面" in response.content.decode()
