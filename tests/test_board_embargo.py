"""The embargo: only published editions reach the public. Drafts, submitted, returned
and approved-but-unpublished ratings, closed-but-unpublished and open months, and a
correction not yet republished never appear on any public page, file or feed."""

from __future__ import annotations

import pytest

from boards import services
from ratings import rules
from ratings import services as rating_services
from tests.board_support import _board_cache, approved, close, draft, pdf_text, reopen, response_bytes, submitted  # noqa: F401
from tests.factories import OrganisationFactory, PeriodFactory

pytestmark = pytest.mark.django_db

PUBLISHED = "已发布的红旗事由"
SECRETS = {
    "closed_unpublished": "已关账未发布的黄灯事由",
    "open_approved": "开放月份已通过的事由",
    "submitted": "待审核的事由",
    "draft": "草稿的事由",
    "returned": "被退回的事由",
    "correction": "更正中新增未再发布的事由",
}
HIDDEN_UNIT = "只在未发布月份出现的单位"


@pytest.fixture
def district(alice, bob, dept_a, dept_b, town, town2):
    """January published; then reopened and corrected but not republished. February
    closed, not published. March open with every status."""
    hidden = OrganisationFactory(code="HID", name=HIDDEN_UNIT)
    january = PeriodFactory(year=2026, month=1)
    approved(january, dept_a, town, rules.RED_FLAG, PUBLISHED, office=alice)
    close(january, alice)
    services.edition_publish(period=january, by=alice)
    reopen(january, alice)
    approved(january, dept_b, town2, rules.YELLOW_LIGHT, SECRETS["correction"], office=alice)
    close(january, alice)

    february = PeriodFactory(year=2026, month=2)
    approved(february, dept_b, hidden, rules.YELLOW_LIGHT, SECRETS["closed_unpublished"], office=alice)
    close(february, alice)

    march = PeriodFactory(year=2026, month=3)
    approved(march, dept_a, hidden, rules.RED_FLAG, SECRETS["open_approved"], office=alice)
    submitted(march, dept_a, town, rules.RED_FLAG, SECRETS["submitted"], by=bob)
    draft(march, dept_a, town2, rules.YELLOW_LIGHT, SECRETS["draft"], by=bob)
    returned = submitted(march, dept_a, town2, rules.RED_FLAG, SECRETS["returned"], by=bob)
    rating_services.rating_return(rating=returned, by=alice, reason="材料不全")
    return {"hidden": hidden, "town": town, "town2": town2}


PUBLIC_URLS = [
    "/", "/2026/01/", "/2026/01/r1/", "/2026/01/board.json", "/2026/01/r1/board.json", "/2026/01/board.csv",
    "/2026/01/r1/board.csv", "/2026/01/board.pdf", "/2026/01/r1/board.pdf", "/archive/", "/archive/2026/",
    "/units/", "/units/T01/", "/units/T02/", "/units/HID/", "/lobby/", "/lobby/status.json", "/data/",
    "/data/editions.json", "/feed/",
]
UNPUBLISHED_URLS = [
    f"/2026/{month}/{suffix}"
    for month in ("02", "03")
    for suffix in ("", "r1/", "board.pdf", "r1/board.pdf", "board.json", "r1/board.json", "board.csv", "r1/board.csv")
] + ["/2026/01/r2/", "/2026/01/r2/board.pdf", "/2026/01/r2/board.json", "/2026/01/r2/board.csv", "/years/2026/"]


def _text(response) -> str:
    body = response_bytes(response)
    if response["Content-Type"].startswith("application/pdf"):
        return pdf_text(body)
    return body.decode("utf-8-sig")


def test_no_public_page_file_or_feed_shows_anything_unpublished(client, district):
    # One district for every address (the PDF is real: its text is read back).
    problems = []
    for url in PUBLIC_URLS:
        response = client.get(url)
        if response.status_code != 200:
            problems.append(f"{url}: {response.status_code}")
            continue
        text = _text(response)
        problems += [f"{url} shows {name}" for name, secret in SECRETS.items() if secret in text]
        if HIDDEN_UNIT in text and url != "/units/HID/":
            problems.append(f"{url} names {HIDDEN_UNIT}")
        problems += [f"{url} mentions {month}" for month in ("2026-02", "2026年2月", "2026/02", "2026-03",
                                                             "2026年3月", "2026/03") if month in text]
    assert problems == []


def test_an_unpublished_month_or_revision_is_not_found(client, district):
    found = [url for url in UNPUBLISHED_URLS if client.get(url).status_code != 404]
    assert found == []


def test_the_published_board_is_what_was_approved_when_it_was_published(client, district):
    body = client.get("/2026/01/").content.decode()
    assert PUBLISHED in body
    pdf = pdf_text(response_bytes(client.get("/2026/01/board.pdf")))
    assert PUBLISHED in pdf


def test_a_unit_seen_only_in_unpublished_months_has_no_public_record(client, district):
    assert HIDDEN_UNIT not in client.get("/units/").content.decode()
    page = client.get("/units/HID/").content.decode()
    assert "已发布的亮榜中还没有该单位的红旗或亮灯" in page


def test_the_lobby_shows_only_the_published_board(client, district):
    status = client.get("/lobby/status.json").json()
    assert status["edition"] == "2026-01-r1"
    assert PUBLISHED in client.get("/lobby/").content.decode()


def test_before_anything_is_published_the_site_shows_nothing_of_the_ratings(client, alice, dept_a, town):
    january = PeriodFactory(year=2026, month=1)
    approved(january, dept_a, town, rules.RED_FLAG, SECRETS["closed_unpublished"], office=alice)
    close(january, alice)
    for url in ("/", "/archive/", "/units/", "/lobby/", "/feed/", "/data/editions.json", "/lobby/status.json"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRETS["closed_unpublished"] not in response.content.decode(), url
        assert "淳溪街道" not in response.content.decode(), url
    assert "还没有发布任何月份的亮榜" in client.get("/").content.decode()
    assert client.get("/lobby/status.json").json()["edition"] == ""
