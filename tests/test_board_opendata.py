"""Open data: each edition as JSON and CSV, the index of editions, and the Atom feed."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest

from boards import opendata, services
from ratings import rules
from ratings import services as rating_services
from tests.board_support import _board_cache, approved, close, fast_pdf, reopen  # noqa: F401
from tests.factories import OrganisationFactory, PeriodFactory

ATOM = "{http://www.w3.org/2005/Atom}"
EVIL_REASON = '=HYPERLINK("http://evil.example","点我")<script>alert(1)</script>'


@pytest.fixture
def published(db, alice, dept_a, dept_b, town, town2, january, february, fast_pdf):
    """January: a red flag, a yellow light; February: 淳溪街道's second yellow in a row → red."""
    approved(january, dept_a, town, rules.RED_FLAG, "主动承办疑难工单9件", office=alice)
    approved(january, dept_b, town2, rules.YELLOW_LIGHT, EVIL_REASON, office=alice)
    approved(january, dept_b, town, rules.YELLOW_LIGHT, "一月逾期未整改", office=alice)
    close(january, alice)
    services.edition_publish(period=january, by=alice)
    approved(february, dept_a, town, rules.YELLOW_LIGHT, "二月又逾期", office=alice)
    close(february, alice)
    return services.edition_publish(period=february, by=alice).edition


# Cells that a spreadsheet would run ---------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"),
    ("+86 025", "'+86 025"),
    ("-2", "'-2"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tTAB", "'\tTAB"),
    ("\rCR", "'\rCR"),
    ("主动承办", "主动承办"),
    ("a=b", "a=b"),
    ("", ""),
    (3, 3),
])
def test_a_csv_cell_never_starts_a_formula(value, expected):
    assert opendata.csv_cell(value) == expected


def test_json_keeps_markup_characters_out_of_the_file_but_in_the_data():
    data = opendata.json_bytes({"reason": "<script>&</script>"})
    assert b"<" not in data and b">" not in data and b"&" not in data
    assert json.loads(data) == {"reason": "<script>&</script>"}


# An edition as JSON ---------------------------------------------------------------------------------------------


def test_an_editions_json_has_both_boards_escalations_and_checksums(client, published):
    response = client.get("/2026/02/board.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    assert data["format"] == "liangbang-board/1"
    assert data["period"] == "2026-02" and data["revision"] == 1
    assert data["jurisdiction"]["code"] == "default"
    assert data["counts"] == {"red_flags": 0, "yellow_lights": 0, "red_lights": 1}
    assert data["honour_board"] == []
    [red] = data["warning_board"]
    assert red["unit_name"] == "淳溪街道"
    assert (red["kind"], red["kind_label"]) == ("red_light", "红灯")
    assert (red["entered_kind"], red["escalation"], red["escalation_label"]) == (
        "yellow_light", "consecutive", "连续黄灯升级")
    assert red["escalated_after"] == "2026-01"
    assert data["checksums"]["pdf_sha256"] == published.pdf_sha256
    assert data["links"]["pdf"] == "http://testserver/2026/02/r1/board.pdf"
    assert data["superseded"] is False and data["supersedes"] is None


def test_user_text_in_json_is_data_not_markup(client, published):
    raw = client.get("/2026/01/board.json").content
    assert b"<script>" not in raw
    reasons = [row["reason"] for row in json.loads(raw)["warning_board"]]
    assert EVIL_REASON in reasons


def test_a_corrected_editions_json_links_both_revisions(client, published, alice, february, fast_pdf):
    reopen(february, alice)
    rating = february.ratings.get()
    rating_services.rating_update(rating=rating, by=alice, reason="二月又逾期（更正）")
    close(february, alice)
    services.edition_publish(period=february, by=alice, note="更正事由")

    old = client.get("/2026/02/r1/board.json").json()
    new = client.get("/2026/02/board.json").json()
    assert old["superseded"] is True and old["superseded_by"] == "http://testserver/2026/02/r2/board.json"
    assert new["revision"] == 2 and new["correction_note"] == "更正事由"
    assert new["supersedes"] == "http://testserver/2026/02/r1/board.json"


# An edition as CSV -----------------------------------------------------------------------------------------------


def test_an_editions_csv_opens_in_excel_as_utf8_and_lists_every_line(client, published):
    response = client.get("/2026/01/board.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="default-2026-01-r1.csv"' in response["Content-Disposition"]
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0]) == opendata.CSV_HEADERS
    body = rows[1:]
    assert [(r[2], r[5], r[7]) for r in body] == [
        ("红旗榜", "淳溪街道", "红旗"), ("亮灯榜", "淳溪街道", "黄灯"), ("亮灯榜", "古柏街道", "黄灯"),
    ]


def test_csv_cells_from_users_cannot_run_as_formulas(client, published):
    text = client.get("/2026/01/board.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    reasons = [row[-1] for row in rows[1:]]
    assert "'" + EVIL_REASON in reasons
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_a_unit_name_that_looks_like_a_formula_stays_text(client, alice, dept_a, fast_pdf, db):
    unit = OrganisationFactory(code="F1", name="-1+2 街道")
    period = PeriodFactory(year=2026, month=4)
    approved(period, dept_a, unit, rules.RED_FLAG, "@担当作为", office=alice)
    close(period, alice)
    services.edition_publish(period=period, by=alice)
    rows = list(csv.reader(io.StringIO(client.get("/2026/04/board.csv").content.decode("utf-8-sig"))))
    assert rows[1][5] == "'-1+2 街道" and rows[1][-1] == "'@担当作为"


# The index and the feed ------------------------------------------------------------------------------------------


def test_the_editions_index_lists_every_revision_with_its_files(client, published):
    data = client.get("/data/editions.json").json()
    assert [(e["period"], e["revision"]) for e in data["editions"]] == [("2026-02", 1), ("2026-01", 1)]
    first = data["editions"][0]
    assert first["csv"] == "http://testserver/2026/02/r1/board.csv"
    assert first["counts"]["red_lights"] == 1


def test_the_atom_feed_has_an_entry_per_revision_with_the_pdf(client, published):
    response = client.get("/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.find(f"{ATOM}title").text == "南京市高淳区效能亮榜" or feed.find(f"{ATOM}title").text.endswith("效能亮榜")
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ["2026年2月效能亮榜", "2026年1月效能亮榜"]
    links = {link.get("rel"): link for link in entries[0].findall(f"{ATOM}link")}
    assert links["alternate"].get("href") == "http://testserver/2026/02/r1/"
    assert links["enclosure"].get("type") == "application/pdf"
    assert links["enclosure"].get("href") == "http://testserver/2026/02/r1/board.pdf"
    assert entries[0].find(f"{ATOM}id").text == "http://testserver/2026/02/r1/"
    assert "红灯 1 盏" in entries[0].find(f"{ATOM}summary").text


def test_a_correction_is_news_in_the_feed_with_its_note_escaped(client, published, alice, february, fast_pdf):
    reopen(february, alice)
    rating = february.ratings.get()
    rating_services.rating_update(rating=rating, by=alice, reason="二月又逾期（更正）")
    close(february, alice)
    services.edition_publish(period=february, by=alice, note='撤销<script>alert("x")</script>的说明')

    raw = client.get("/feed/").content
    feed = ET.fromstring(raw)
    newest = feed.findall(f"{ATOM}entry")[0]
    assert newest.find(f"{ATOM}title").text == "2026年2月效能亮榜（第 2 版·更正）"
    summary = newest.find(f"{ATOM}summary")
    assert summary.get("type") == "html"
    # The summary is HTML: the note arrives in it as text, not as a script element.
    assert "&lt;script&gt;" in summary.text and "<script>" not in summary.text
    assert b"<script>" not in raw
