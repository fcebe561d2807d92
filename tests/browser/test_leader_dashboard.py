"""Leo the leader reads /dashboard/: the charts are drawn (ECharts, served by the
project), he narrows the view to the towns (镇), clicks a bar to see the ratings behind
it, opens one of them (a read-only page in the dashboard, not the admin), and goes back
to the dashboard. Then he reads it on his phone (390×844): no page is wider than the
screen, and the traffic-light grid scrolls sideways in its own box, saying so."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import journey, log_in, screenshot

PHONE = {"width": 390, "height": 844}

pytestmark = journey

CHARTS = ("#db-chart-monthly", "#db-chart-categories")


def expect_charts_drawn(page) -> None:
    for chart in CHARTS:
        # dashboard.js replaces the no-JavaScript note with ECharts' SVG.
        expect(page.locator(f"{chart} svg").first).to_be_visible()
        expect(page.locator(f"{chart} .db-chart-fallback")).to_have_count(0)


def click_bar(page, chart_id: str, series: int, index: int) -> None:
    """Click the middle of a bar, where ECharts finally laid it out (once it has
    finished growing), as a person clicks it."""
    chart = page.locator(f"#{chart_id}")
    chart.scroll_into_view_if_needed()
    page.wait_for_function(
        "id => { const c = echarts.getInstanceByDom(document.getElementById(id));"
        " return !!c && c.getZr().animation.isFinished(); }",
        arg=chart_id,
    )
    point = page.evaluate(
        """([id, series, index]) => {
            const element = document.getElementById(id);
            const chart = echarts.getInstanceByDom(element);
            const bar = chart.getModel().getSeriesByIndex(series).getData().getItemLayout(index);
            const box = element.getBoundingClientRect();
            return {x: box.left + bar.x + bar.width / 2, y: box.top + bar.y + bar.height / 2,
                    height: Math.abs(bar.height)};
        }""",
        [chart_id, series, index],
    )
    assert point["height"] > 0, "the bar to click is drawn"
    page.mouse.click(point["x"], point["y"])


def test_leo_reads_the_dashboard_filters_it_drills_into_a_bar_and_comes_back(page, open_context, district, watch):
    year = district.past_year
    housing, market = district.housing, district.market
    months = {
        1: [(housing, "淳溪街道", "red_flag"), (housing, "阳江镇", "red_flag"), (market, "古柏街道", "yellow_light")],
        2: [(housing, "砖墙镇", "red_flag"), (housing, "淳溪街道", "red_flag"), (market, "阳江镇", "yellow_light")],
        3: [(housing, "固城镇", "red_flag"), (housing, "东坝街道", "red_flag"), (market, "砖墙镇", "yellow_light"),
            (market, "区城建集团", "yellow_light")],
    }
    for month, ratings in months.items():
        period = district.period(year, month)
        for department, unit, kind in ratings:
            district.approved(period, department, unit, kind, f"{month}月{unit}的认定事由")
        district.close(period)

    # The dashboard opens on the latest closed month, from January, with both charts drawn.
    log_in(page, district.leo, next_url="/dashboard/")
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.locator("h1")).to_contain_text(f"{year}年效能亮榜")
    expect(page.locator(".db-summary")).to_contain_text("共认定红旗 6 面、黄灯 4 盏、红灯 0 盏")
    expect_charts_drawn(page)

    # Only the towns.
    page.get_by_label("单位类别", exact=True).select_option(label="镇")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"category=\d+"))
    expect(page.locator("h1 small")).to_contain_text("镇")
    expect(page.locator(".db-summary")).to_contain_text("共认定红旗 3 面、黄灯 2 盏、红灯 0 盏")
    expect_charts_drawn(page)

    # February's red-flag bar opens the ratings behind it.
    click_bar(page, "db-chart-monthly", series=0, index=1)
    expect(page).to_have_url(re.compile(r"/dashboard/ratings/\?"))
    expect(page).to_have_url(re.compile(r"month_from=2&month_to=2"))
    expect(page).to_have_url(re.compile(r"outcome=red_flag"))
    expect(page.locator("#db-h-ratings")).to_contain_text("共 1 条认定")
    rows = page.locator(".db-ratings tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("砖墙镇")
    expect(rows.first).to_contain_text("2月砖墙镇的认定事由")
    expect(rows.first).to_contain_text("区住建局")

    # The rating itself, read-only, in the dashboard's frame; and back to the list.
    rows.first.get_by_role("link", name="砖墙镇").click()
    expect(page).to_have_url(re.compile(r"/dashboard/ratings/\d+/\?back="))
    expect(page.locator("h1")).to_contain_text("认定详情")
    facts = page.locator(".db-facts")
    for shown in ("砖墙镇", "区住建局", f"{year}-02", "H01", "主动担当，攻坚克难，成效明显", "2月砖墙镇的认定事由", "已通过"):
        expect(facts).to_contain_text(shown)
    expect(page.locator(".db-review")).to_contain_text("审核通过")
    page.get_by_role("link", name="← 返回认定明细").click()
    expect(page).to_have_url(re.compile(r"/dashboard/ratings/\?.*outcome=red_flag"))
    expect(page.locator("#db-h-ratings")).to_contain_text("共 1 条认定")

    # And back: the dashboard keeps the towns and the month.
    page.get_by_role("link", name="← 返回数据看板").click()
    expect(page).to_have_url(re.compile(r"/dashboard/\?.*category=\d+"))
    expect(page.get_by_label("单位类别", exact=True).locator("option:checked")).to_have_text("镇")
    expect(page.locator(".db-summary")).to_contain_text("共认定红旗 1 面、黄灯 1 盏")
    expect_charts_drawn(page)
    screenshot(page, "leader-dashboard")

    # On his phone: the whole year, every page within the screen's width.
    phone = open_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    log_in(phone, district.leo, next_url="/dashboard/")
    phone.goto(f"/dashboard/?year={year}&month_from=1&month_to=12")
    expect(phone.locator("h1")).to_contain_text(f"{year}年效能亮榜")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = phone.locator(".db-grid-wrap")
    box.scroll_into_view_if_needed()
    expect(phone.locator("#db-grid-hint")).to_be_visible()
    expect(phone.locator("#db-grid-hint")).to_have_text("左右滑动查看更多月份")
    expect(phone.locator(".db-grid-box")).to_have_class(re.compile(r"db-more-right"))
    width = box.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert width[0] > width[1], f"the grid is wider than its box: {width}"
    box.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    expect(phone.locator(".db-grid-box")).to_have_class(re.compile(r"db-more-left"))
    assert box.evaluate("el => el.scrollLeft") > 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "leader-dashboard-phone")

    # A grid cell with one rating opens it, and that page fits the phone too; so does the list.
    cell = phone.locator(".db-grid td.db-cell a[href^='/dashboard/ratings/'][href*='/?back=']").first
    cell.evaluate("el => el.scrollIntoView({inline: 'center', block: 'center'})")
    cell.click()
    expect(phone.locator("h1")).to_contain_text("认定详情")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.get_by_role("link", name="← 返回数据看板").click()
    expect(phone.locator(".db-grid-wrap")).to_be_visible()
    phone.locator(".db-grid td.db-grid-total a").first.click()
    expect(phone.locator("#db-h-ratings")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    watch.assert_clean()
