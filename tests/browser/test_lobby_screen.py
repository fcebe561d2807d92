"""The lobby screen (1920×1080) turns its pages on its own, pauses on Space, and shows a
newly published edition without anyone touching it.

The page's own timers run on Playwright's clock, moved on by the test: the screen is
checked at each of its page turns and polls, with the settings it was published with
(15 s a page, a look for a new edition every minute), without waiting for them."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import journey, screenshot, stop_the_clock

pytestmark = journey

UNITS = ("淳溪街道", "古柏街道", "东坝街道", "阳江镇", "砖墙镇", "固城镇", "漆桥镇", "区城建集团")


def test_the_lobby_screen_turns_its_pages_pauses_and_picks_up_a_new_edition(open_context, district, watch):
    year = district.past_year
    march = district.period(year, 3)
    for number, unit in enumerate(UNITS):  # eight red flags: two pages of six rows
        department = district.housing if number % 2 else district.market
        district.approved(march, department, unit, "red_flag", f"{unit}3月重点项目提前完成")
    district.approved(march, district.market, "阳江镇", "yellow_light", "12345工单随意退单6件")
    district.publish(march)

    context = open_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    stop_the_clock(page)
    page.goto("/lobby/")
    body = page.locator("body")
    expect(body).to_have_attribute("data-edition", f"{year}-03-r1")
    turn = int(body.get_attribute("data-interval")) * 1000
    poll = int(body.get_attribute("data-poll")) * 1000

    slides = page.locator(".slide")
    position = page.locator("[data-role=position]")
    expect(slides).to_have_count(4)  # cover, honour board 1/2 and 2/2, warning board
    expect(slides.nth(0)).to_be_visible()
    expect(slides.nth(0).locator("h1")).to_have_text(f"{year}年3月效能亮榜")
    for hidden in (1, 2, 3):
        expect(slides.nth(hidden)).to_be_hidden()
    expect(position).to_have_text("1 / 4")

    # Every turn shows the next page, and only it; nobody touches the screen, so the
    # pause button has faded.
    pause = page.locator("[data-role=pause]")
    expect(pause).not_to_have_class(re.compile(r"\bis-idle\b"))
    page.clock.run_for(turn)
    expect(position).to_have_text("2 / 4")
    expect(pause).to_have_class(re.compile(r"\bis-idle\b"))
    expect(slides.nth(0)).to_be_hidden()
    expect(slides.nth(1)).to_be_visible()
    expect(slides.nth(1)).to_contain_text("红旗榜")
    expect(slides.nth(1)).to_contain_text("（1/2）")
    page.clock.run_for(turn)
    expect(position).to_have_text("3 / 4")
    expect(slides.nth(2)).to_be_visible()
    expect(slides.nth(2)).to_contain_text("（2/2）")

    # Space pauses the turning, and starts it again; while paused the button stays in sight.
    page.keyboard.press("Space")
    expect(pause).to_have_attribute("aria-pressed", "true")
    page.clock.run_for(turn * 2)
    expect(position).to_have_text("3 / 4")
    expect(pause).not_to_have_class(re.compile(r"\bis-idle\b"))
    page.keyboard.press("Space")
    page.clock.run_for(turn)
    expect(position).to_have_text("4 / 4")
    expect(pause).to_have_class(re.compile(r"\bis-idle\b"))
    expect(slides.nth(3)).to_contain_text("亮灯榜")
    page.clock.run_for(turn)
    expect(position).to_have_text("1 / 4")

    # The office publishes April; at its next look the screen reloads with it.
    april = district.period(year, 4)
    district.approved(april, district.housing, "固城镇", "red_flag", "4月重点项目提前完成")
    district.publish(april)
    page.clock.run_for(poll)
    expect(body).to_have_attribute("data-edition", f"{year}-04-r1")
    expect(page.locator(".slide").nth(0).locator("h1")).to_have_text(f"{year}年4月效能亮榜")
    expect(page.locator(".slide").nth(0)).to_be_visible()
    watch.assert_clean()
    screenshot(page, "lobby-screen")
