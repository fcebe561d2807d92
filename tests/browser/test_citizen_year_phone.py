"""A citizen on a phone reads the published year table: each unit's card keeps its
overall rank, and the page is no wider than the screen."""

from __future__ import annotations

from playwright.sync_api import expect

from boards import services as board_services
from assessment.services import year_rollup
from tests.board_support import fast_pdf  # noqa: F401  (a fixture: twelve months' PDFs are not read here)
from tests.browser.conftest import journey, screenshot
from tests.browser.test_citizen_phone import PHONE, expect_no_sideways_scrolling

pytestmark = journey


def test_a_citizen_reads_the_year_table_on_a_phone_with_every_units_rank(open_context, district, watch, fast_pdf):  # noqa: F811
    year = district.past_year
    for month in range(1, 13):
        period = district.period(year, month)
        if month in (3, 7):
            district.approved(period, district.housing, "淳溪街道", "red_flag", f"{month}月主动承办疑难工单")
        if month == 5:
            district.approved(period, district.market, "阳江镇", "yellow_light", "5月工单随意退单")
        district.publish(period)
    year_rollup(jurisdiction=district.housing.jurisdiction, year=year)
    board_services.year_publish(jurisdiction=district.housing.jurisdiction, year=year, by=district.alice)

    page = open_context(**PHONE).new_page()
    page.goto(f"/years/{year}/")

    expect(page.locator("h1")).to_have_text(f"{year}年度效能亮榜考核结果")
    first, last = page.locator("tbody tr").first, page.locator("tbody tr").last
    expect(first.locator("th")).to_contain_text("淳溪街道")
    expect(first.locator("td.col-rank")).to_be_visible()
    expect(first.locator("td.col-rank")).to_have_text("1")
    expect(last.locator("th")).to_contain_text("阳江镇")
    expect(last.locator("td.col-rank")).to_be_visible()
    expect_no_sideways_scrolling(page)
    watch.assert_clean()
    screenshot(page, "citizen-phone-year")
