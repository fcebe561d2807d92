"""A revision that does not exist never shares a cached answer with the page that does:
asking for /2026/01/r0/ (or a negative or huge revision) before or after the real page
leaves the real page, its PDF and its open data intact, in every process that shares
the cache."""

from __future__ import annotations

import pytest

from boards import services
from ratings import rules
from tests.board_support import _board_cache, approved, close, fast_pdf  # noqa: F401

pytestmark = pytest.mark.django_db

MISSING_REVISIONS = ("r0", "r00", "r-1", "r2", "r99", "r" + "9" * 30)
PAGES = ("", "board.pdf", "board.json", "board.csv")


@pytest.fixture
def published(alice, dept_a, town, january, fast_pdf):
    approved(january, dept_a, town, rules.RED_FLAG, "主动承办疑难工单9件", office=alice)
    close(january, alice)
    return services.edition_publish(period=january, by=alice).edition


def _missing_are_not_found(client, page: str = "") -> None:
    for revision in MISSING_REVISIONS:
        response = client.get(f"/2026/01/{revision}/{page}")
        assert response.status_code == 404, (revision, page, response.status_code)


@pytest.mark.parametrize("page", PAGES)
def test_missing_revisions_asked_first_leave_the_real_month_intact(client, published, page):
    _missing_are_not_found(client, page)
    current = client.get(f"/2026/01/{page}")
    assert current.status_code == 200
    assert client.get(f"/2026/01/r1/{page}").status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_missing_revisions_asked_after_the_real_month_are_still_not_found(client, published, page):
    assert client.get(f"/2026/01/{page}").status_code == 200
    assert client.get(f"/2026/01/r1/{page}").status_code == 200
    _missing_are_not_found(client, page)
    assert client.get(f"/2026/01/{page}").status_code == 200
    assert client.get(f"/2026/01/r1/{page}").status_code == 200


def test_revision_zero_never_serves_the_current_page(client, published):
    assert client.get("/2026/01/").content.decode() == published.html
    assert client.get("/2026/01/r0/").status_code == 404
    assert client.get("/2026/01/").content.decode() == published.html


def test_a_month_not_yet_published_asked_for_first_appears_once_published(
    client, alice, dept_a, town, january, fast_pdf, django_capture_on_commit_callbacks,
):
    assert client.get("/2026/01/").status_code == 404
    assert client.get("/2026/01/r1/").status_code == 404
    assert client.get("/2026/01/r0/").status_code == 404
    approved(january, dept_a, town, rules.RED_FLAG, "主动承办疑难工单9件", office=alice)
    close(january, alice)
    with django_capture_on_commit_callbacks(execute=True):  # publishing moves the cache on when it commits
        services.edition_publish(period=january, by=alice)
    assert client.get("/2026/01/").status_code == 200
    assert client.get("/2026/01/r1/").status_code == 200
    assert client.get("/2026/01/r0/").status_code == 404


def test_the_home_page_and_the_lobby_are_untouched_by_missing_revisions(client, published):
    _missing_are_not_found(client)
    assert client.get("/").content.decode() == published.html
    assert client.get("/lobby/").status_code == 200
    _missing_are_not_found(client)
    assert client.get("/").content.decode() == published.html
