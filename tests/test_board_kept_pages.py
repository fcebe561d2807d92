"""A board page answered once from its snapshot is answered again before the rest of the
middleware stack (``boards.middleware.KeptPageMiddleware``): the same bytes and headers
the view sends, a 304 to a reader who holds it, and never an edition a publication has
replaced. Whether the stack ran shows on the request: authentication gives it a user.
"""

from __future__ import annotations

import pytest
from django.test.utils import override_settings

from ratings import rules
from ratings import services as ratings_services
from tests.board_support import _board_cache, approved, close, fast_pdf, published  # noqa: F401
from boards import services

pytestmark = pytest.mark.django_db
PAGES = ("/", "/2026/01/", "/lobby/")


def through_the_stack(response) -> bool:
    return hasattr(response.wsgi_request, "user")


def headers(response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name != "Date"}


@pytest.mark.parametrize("url", PAGES)
def test_a_page_asked_again_is_the_same_page_without_the_rest_of_the_stack(client, published, url):
    first, second = client.get(url), client.get(url)
    assert first.status_code == second.status_code == 200
    assert through_the_stack(first) and not through_the_stack(second)
    assert second.content == first.content
    assert headers(second) == headers(first)
    assert "Accept-Language" in second["Vary"] and second["Content-Language"] == "zh-CN"
    assert "default-src" in second["Content-Security-Policy"]  # the security headers still come


def test_a_reader_holding_the_page_gets_a_304(client, published):
    etag = client.get("/2026/01/")["ETag"]
    again = client.get("/2026/01/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and not again.content and not through_the_stack(again)


def test_a_publication_replaces_the_kept_page_at_once(
    client, published, alice, dept_b, town2, january, django_capture_on_commit_callbacks,
):
    for _ in range(2):
        assert "一月新增的红旗事由" not in client.get("/").content.decode()
    period = ratings_services.period_reopen(period=january, by=alice, reason="补录一面红旗")
    approved(period, dept_b, town2, rules.RED_FLAG, "一月新增的红旗事由", office=alice)
    close(period, alice)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.edition_publish(period=period, by=alice, note="补录一面红旗").edition

    fresh = client.get("/")
    assert through_the_stack(fresh) and fresh.content.decode() == second.html
    assert not through_the_stack(client.get("/")) and client.get("/").content.decode() == second.html


def test_an_address_nothing_is_published_at_always_takes_the_usual_way(client, published):
    for _ in range(2):
        missing = client.get("/2026/02/")
        assert missing.status_code == 404 and through_the_stack(missing)


def test_a_post_takes_the_usual_way(client, published):
    client.get("/2026/01/")
    assert client.post("/2026/01/").status_code == 405


def test_with_the_cache_off_every_request_takes_the_usual_way(client, published):
    with override_settings(BOARD_SNAPSHOT_CACHE_SECONDS=0):
        for _ in range(2):
            page = client.get("/2026/01/")
            assert page.status_code == 200 and through_the_stack(page)
