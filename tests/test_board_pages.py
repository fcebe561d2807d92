"""The public pages: served from the stored snapshot with conditional GET, the archive
with its revisions, unit pages, the lobby screen, and what every page promises (no
login, zh-CN, a phone's viewport, nothing from another site)."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.utils.http import http_date

from boards import services
from boards.models import Edition
from departments.models import Jurisdiction
from ratings import rules
from ratings import services as rating_services
from tests.board_support import _board_cache, approved, close, fast_pdf, reopen  # noqa: F401
from tests.factories import JurisdictionFactory, OrganisationFactory, PeriodFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(alice, dept_a, dept_b, town, town2, january, fast_pdf):
    approved(january, dept_a, town, rules.RED_FLAG, "主动承办疑难工单9件", office=alice)
    approved(january, dept_b, town2, rules.YELLOW_LIGHT, "随意退单6件", office=alice)
    close(january, alice)
    return services.edition_publish(period=january, by=alice).edition


@pytest.fixture
def corrected(published, alice, january, town2, fast_pdf):
    reopen(january, alice)
    rating = january.ratings.get(unit=town2)
    rating_services.rating_update(rating=rating, by=alice, reason="随意退单4件（经复核更正）")
    close(january, alice)
    return services.edition_publish(period=january, by=alice, note="更正古柏街道黄灯事由中的件数").edition


# Stored pages and conditional GET ------------------------------------------------------------------


def test_the_home_page_shows_the_latest_board_without_a_login(client, published, alice, dept_a, town, fast_pdf):
    february = PeriodFactory(year=2026, month=2)
    approved(february, dept_a, town, rules.RED_FLAG, "二月的红旗", office=alice)
    close(february, alice)
    services.edition_publish(period=february, by=alice)

    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "2026年2月效能亮榜" in body and "二月的红旗" in body


def test_an_edition_page_is_the_stored_snapshot_not_a_new_rendering(client, published):
    body = client.get("/2026/01/").content.decode()
    assert body == published.html
    # Changing what templates would render today does not change a published page.
    Jurisdiction.objects.filter(pk=published.jurisdiction_id).update(name="改名后的辖区")
    assert client.get("/2026/01/r1/").content.decode() == published.html


def test_an_edition_page_carries_validators_and_cache_headers(client, published):
    response = client.get("/2026/01/")
    assert response["ETag"].startswith('"') and published.html_sha256[:32] in response["ETag"]
    assert response["Last-Modified"] == http_date(int(published.published_at.timestamp()))
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    assert response["Content-Language"] == "zh-CN"


def test_a_client_holding_the_page_gets_not_modified(client, published):
    etag = client.get("/2026/01/")["ETag"]
    response = client.get("/2026/01/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_a_client_with_a_recent_copy_by_date_gets_not_modified(client, published):
    since = client.get("/2026/01/")["Last-Modified"]
    assert client.get("/2026/01/", HTTP_IF_MODIFIED_SINCE=since).status_code == 304
    assert client.get("/", HTTP_IF_MODIFIED_SINCE=since).status_code == 304


def test_a_stale_validator_gets_the_page(client, published):
    response = client.get("/2026/01/", HTTP_IF_NONE_MATCH='"something-else"')
    assert response.status_code == 200 and response.content


def test_the_pdf_and_open_data_are_revalidated_too(client, published):
    for url in ("/2026/01/board.pdf", "/2026/01/board.json", "/2026/01/board.csv"):
        etag = client.get(url)["ETag"]
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304, url


def test_a_new_revision_changes_the_validators(client, published, corrected):
    assert client.get("/2026/01/")["ETag"] != client.get("/2026/01/r1/")["ETag"]
    old_etag = f'"{published.html_sha256[:32]}-p-0"'
    assert client.get("/2026/01/r1/", HTTP_IF_NONE_MATCH=old_etag).status_code == 200


# Revisions in the archive ----------------------------------------------------------------------------


def test_a_superseded_revision_says_so_and_links_to_the_correction(client, published, corrected):
    body = client.get("/2026/01/r1/").content.decode()
    assert "本页为第 1 版，已被更正" in body
    assert 'href="/2026/01/r2/"' in body
    assert "随意退单6件" in body  # as it was published


def test_the_month_address_serves_the_current_revision_with_its_note(client, corrected):
    body = client.get("/2026/01/").content.decode()
    assert "第 2 版" in body and "（更正）" in body
    assert "更正古柏街道黄灯事由中的件数" in body
    assert "随意退单4件（经复核更正）" in body
    assert "已被更正" not in body


def test_the_archive_lists_both_revisions_with_the_note(client, published, corrected):
    body = client.get("/archive/").content.decode()
    assert "2026年1月" in body
    assert "更正古柏街道黄灯事由中的件数" in body
    assert 'href="/2026/01/r1/"' in body and "已被更正" in body
    year = client.get("/archive/2026/").content.decode()
    assert 'href="/2026/01/"' in year
    assert client.get("/archive/2025/").status_code == 404


# Units -------------------------------------------------------------------------------------------------


def test_a_unit_page_lists_its_published_flags_and_lights_over_time(client, published, alice, dept_b, town, fast_pdf):
    february = PeriodFactory(year=2026, month=2)
    approved(february, dept_b, town, rules.YELLOW_LIGHT, "二月逾期未整改", office=alice)
    close(february, alice)
    services.edition_publish(period=february, by=alice)

    body = client.get("/units/T01/").content.decode()
    assert body.index("2026年2月") < body.index("2026年1月")  # newest first
    assert "二月逾期未整改" in body and "主动承办疑难工单9件" in body
    assert "红旗" in body and "黄灯" in body


def test_a_unit_page_follows_the_current_revision(client, corrected):
    body = client.get("/units/T02/").content.decode()
    assert "随意退单4件（经复核更正）" in body
    assert "随意退单6件" not in body


def test_the_units_page_links_every_published_unit(client, published):
    body = client.get("/units/").content.decode()
    assert 'href="/units/T01/"' in body and 'href="/units/T02/"' in body


def test_an_unknown_unit_is_not_found(client, published):
    assert client.get("/units/NOPE/").status_code == 404


def test_the_board_links_each_unit_to_its_page(client, published):
    assert 'href="/units/T01/"' in client.get("/2026/01/").content.decode()


# The lobby screen -----------------------------------------------------------------------------------------


def test_the_lobby_screen_turns_pages_and_watches_for_a_new_edition(client, published):
    response = client.get("/lobby/")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('class="slide') >= 3  # the cover, the honour board, the warning board
    assert 'data-edition="2026-01-r1"' in body
    assert 'data-status-url="/lobby/status.json"' in body
    assert re.search(r'<script src="/static/boards/lobby\.js" defer>', body)
    assert "暂停翻页" in body  # a way to stop the motion (WCAG 2.2.2)


def test_the_lobby_splits_long_boards_into_pages(client, alice, dept_a, settings, fast_pdf):
    settings.BOARD_LOBBY_ROWS = 3
    january = PeriodFactory(year=2026, month=1)
    for i in range(7):
        approved(january, dept_a, OrganisationFactory(name=f"镇{i}"), rules.RED_FLAG, f"红旗{i}", office=alice)
    close(january, alice)
    services.edition_publish(period=january, by=alice)
    body = client.get("/lobby/").content.decode()
    assert "（1/3）" in body and "（3/3）" in body


def test_the_lobby_status_names_the_latest_edition_and_changes_with_a_correction(client, published, corrected):
    status = client.get("/lobby/status.json")
    assert status["Cache-Control"].startswith("max-age=0") or "no-cache" in status["Cache-Control"]
    assert status.json()["edition"] == "2026-01-r2"
    assert 'data-edition="2026-01-r2"' in client.get("/lobby/").content.decode()


def test_before_the_first_edition_the_lobby_waits_and_polls(client, db):
    body = client.get("/lobby/").content.decode()
    assert 'data-edition=""' in body and "lobby.js" in body


# Every page ---------------------------------------------------------------------------------------------------


PAGES = ["/", "/2026/01/", "/archive/", "/units/", "/units/T01/", "/lobby/", "/data/"]


@pytest.mark.parametrize("url", PAGES)
def test_a_public_page_is_chinese_mobile_ready_and_self_contained(client, published, url):
    body = client.get(url).content.decode()
    assert '<html lang="zh-CN"' in body
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in body
    assert "<h1" in body or url == "/lobby/" and "<h2" in body
    # Nothing from another site: no CDN, no web font; every script and stylesheet is ours.
    for ref in re.findall(r'(?:src|href)="([^"]+)"', body):
        assert not re.match(r"(https?:)?//", ref), ref
    for asset in re.findall(r'(?:<script src|<link rel="stylesheet" href)="([^"]+)"', body):
        assert asset.startswith("/static/boards/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
    assert "@font-face" not in body


def test_flags_and_lights_are_told_in_words_as_well_as_colour(client, published):
    body = client.get("/2026/01/").content.decode()
    assert re.search(r'class="badge badge-red-flag">.*?红旗</span>', body)
    assert re.search(r'class="badge badge-yellow-light">.*?黄灯</span>', body)


def test_the_stylesheets_use_the_system_cjk_fonts():
    css = open(finders.find("boards/board.css"), encoding="utf-8").read()
    assert 'font-family: "Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif' in css
    for name in ("boards/board.css", "boards/site.css", "boards/lobby.css", "boards/print.css", "boards/lobby.js"):
        text = open(finders.find(name), encoding="utf-8").read()
        assert "http://" not in text and "https://" not in text and "@import" not in text, name


def test_an_english_reader_gets_an_english_frame_around_the_chinese_board(client, published, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    archive = client.get("/archive/").content.decode()
    assert '<html lang="en"' in archive
    edition = client.get("/2026/01/")
    assert edition["Content-Language"] == "zh-CN"  # the edition is a Chinese document


def test_user_text_is_escaped_on_every_page(client, alice, dept_a, fast_pdf):
    evil = OrganisationFactory(code="EV1", name="<b>粗体街道</b>")
    january = PeriodFactory(year=2026, month=1)
    approved(january, dept_a, evil, rules.RED_FLAG, '<script>alert("x")</script>&amp;', office=alice)
    close(january, alice)
    services.edition_publish(period=january, by=alice)
    for url in ("/", "/2026/01/", "/lobby/", "/units/", "/units/EV1/"):
        body = client.get(url).content.decode()
        assert "<script>alert" not in body and "<b>粗体街道</b>" not in body, url
        assert "&lt;b&gt;粗体街道&lt;/b&gt;" in body, url


# Several jurisdictions ------------------------------------------------------------------------------------------


def test_another_jurisdiction_has_its_own_board_under_its_code(client, published, alice, fast_pdf):
    other = JurisdictionFactory(code="lishui", name="南京市溧水区")
    unit = OrganisationFactory(jurisdiction=other, code="LS1", name="永阳街道")
    dept = OrganisationFactory(jurisdiction=other, code="LSD", name="溧水区住建局", is_department=True, is_unit=False)
    period = PeriodFactory(jurisdiction=other, year=2026, month=1)
    approved(period, dept, unit, rules.RED_FLAG, "溧水的红旗", office=None)
    close(period, None)
    services.edition_publish(period=period, by=None)

    assert "溧水的红旗" in client.get("/j/lishui/").content.decode()
    assert 'href="/j/lishui/units/LS1/"' in client.get("/j/lishui/2026/01/").content.decode()
    assert "溧水的红旗" not in client.get("/").content.decode()
    assert client.get("/j/nowhere/").status_code == 404
    assert Edition.objects.filter(jurisdiction=other).count() == 1
