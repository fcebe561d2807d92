"""A citizen on a phone (390×844, touch): the latest board, the archive, an earlier
month with its PDF, and a unit's own page — each readable without scrolling sideways."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import journey, screenshot

pytestmark = journey

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def expect_no_sideways_scrolling(page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} is {widths[0]}px wide on a {widths[1]}px screen"


def test_a_citizen_reads_the_boards_the_archive_a_month_its_pdf_and_a_unit_on_a_phone(open_context, district, watch):
    year = district.past_year
    housing, market = district.housing, district.market
    january = district.period(year, 1)
    district.approved(january, housing, "淳溪街道", "red_flag", "主动承办城中村改造疑难工单9件，均提前办结，群众满意度百分之百")
    district.approved(january, market, "阳江镇", "yellow_light", "12345工单随意退单6件，超时未办结3件")
    district.publish(january)
    february = district.period(year, 2)
    district.approved(february, housing, "古柏街道", "red_flag", "老旧小区改造提前两个月完工")
    district.approved(february, market, "阳江镇", "yellow_light", "食品安全投诉处置不及时")
    district.publish(february)

    page = open_context(**PHONE).new_page()

    # The latest board: February, where 阳江镇's second yellow light in a row is a red light.
    page.goto("/")
    expect(page.locator("h1")).to_have_text(f"{year}年2月效能亮榜")
    expect(page.locator(".board-warning")).to_contain_text("阳江镇")
    expect(page.locator(".board-warning")).to_contain_text("连续黄灯升级")
    expect_no_sideways_scrolling(page)
    screenshot(page, "citizen-phone-home")

    # The archive lists both months.
    page.get_by_role("navigation", name="网站导航").get_by_role("link", name="往期").tap()
    expect(page.locator("h1")).to_have_text("往期亮榜")
    months = page.locator(".archive-month-link")
    expect(months).to_have_text([f"{year}年2月", f"{year}年1月"])
    expect_no_sideways_scrolling(page)

    # January, and its PDF.
    months.filter(has_text=f"{year}年1月").tap()
    expect(page).to_have_url(re.compile(rf"/{year}/01/$"))
    expect(page.locator("h1")).to_have_text(f"{year}年1月效能亮榜")
    expect_no_sideways_scrolling(page)
    pdf_link = page.get_by_role("link", name=re.compile("下载 PDF"))
    pdf = page.request.get(pdf_link.get_attribute("href"))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")

    # A unit on the board opens its own page, month by month.
    page.locator(".board-honour").get_by_role("link", name="淳溪街道").tap()
    expect(page).to_have_url(re.compile(r"/units/CXJD/$"))
    expect(page.locator("h1")).to_have_text("淳溪街道")
    history = page.locator(".unit-history")
    expect(history).to_contain_text(f"{year}年1月")
    expect(history).to_contain_text("主动承办城中村改造疑难工单9件")
    expect_no_sideways_scrolling(page)
    watch.assert_clean()
    screenshot(page, "citizen-phone")
