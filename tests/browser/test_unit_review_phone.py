"""东坝街道's staff member dong, on a phone (390×844, touch), logs in and finds last
month's new yellow light on the unit's desk with the notice of it; she asks for a
review with a screenshot as evidence. Alice of the efficiency office reads the request
in the admin, withdraws the light and publishes the month's correction with the note
her decision drafted. Dong then reads the decision, the corrected record on her desk
and the corrected board."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import Group
from playwright.sync_api import expect

from boards.models import Edition
from departments import roles
from ratings import services
from ratings.models import Rating
from reviews.models import ReviewAttachment, ReviewRequest
from tests.browser.conftest import journey, log_in, password_of, screenshot
from tests.evidence_samples import image
from tests.factories import make_user
from workdays.models import CalendarDay

pytestmark = journey

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}

REVIEW_REASON = "所列4件工单中3件已在期限内办结并经群众确认，另1件为跨区转办件，不属本街道办理，办结回执见附件截图。"
DECISION_REASON = "经核查，所涉工单已按期办结或依规转办，认定依据不足，撤销该黄灯。"


def expect_no_sideways_scrolling(page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} is {widths[0]}px wide on a {widths[1]}px screen"


def unit_staff(username: str, unit):
    """Staff of a rated unit: no admin, only the desk (as the office's user import makes them)."""
    user = make_user(username)
    user.is_staff = False
    user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get(name=roles.UNIT_STAFF))
    user.profile.unit = unit
    user.profile.save(update_fields=["unit"])
    return user


def months_before(today: date, count: int) -> tuple[int, int]:
    index = today.year * 12 + today.month - 1 - count
    return index // 12, index % 12 + 1


def test_a_unit_contests_its_new_yellow_light_on_a_phone_and_reads_the_decision_and_the_corrected_board(
    open_context, district, watch,
):
    alice, housing = district.alice, district.housing
    today = services.today()
    # The notice period counts working days from publication: next year's holidays must be known.
    CalendarDay.objects.create(date=date(today.year + 1, 1, 1), is_working=False, note="元旦")
    dong = unit_staff("dong", district.unit("东坝街道"))

    # The two months before this one, each published: a red flag, then the new yellow light.
    earlier, latest = months_before(today, 2), months_before(today, 1)
    first = district.period(*earlier)
    district.approved(first, housing, "东坝街道", "red_flag", "农房改善项目提前完成签约，群众满意")
    district.publish(first)
    second = district.period(*latest)
    yellow = district.approved(second, housing, "东坝街道", "yellow_light", "12345工单超时未办结4件，群众反映强烈")
    district.publish(second)
    year, month = latest
    month_name = f"{year}年{month}月"
    label = f"{year}-{month:02d}"

    # Dong logs in on her phone and lands on the desk.
    page = open_context(**PHONE).new_page()
    page.goto("/login/")
    page.get_by_label("用户名").fill(dong.username)
    page.get_by_label("密码").fill(password_of(dong))
    page.get_by_role("button", name="登录").tap()
    expect(page).to_have_url(re.compile(r"/desk/$"))
    if year != today.year:  # in January, last month is in last year's record
        page.get_by_role("navigation", name="年度").get_by_role("link", name=f"{year}年").tap()
    expect(page.locator("h1")).to_contain_text("东坝街道")

    # The new yellow light heads her record, contestable until the notice period ends ...
    latest_month = page.locator(".dk-month").first
    expect(latest_month.locator(".dk-month-title")).to_have_text(month_name)
    light = latest_month.locator(".dk-rating")
    expect(light.locator(".db-kind")).to_have_text("黄灯")
    expect(light).to_contain_text("12345工单超时未办结4件")
    expect(light.locator(".dk-review")).to_contain_text("公示期截止：")
    standing = page.locator(".dk-standing")
    expect(standing).to_contain_text("1 / 1 / 0")
    points_before = Decimal(standing.locator(".db-points").inner_text().lstrip("+"))
    # ... and the header says she has unread notices, the light's among them.
    badge = page.locator(".nt-badge")
    expect(badge).to_have_attribute("aria-label", "2 条未读通知")
    notices = page.locator("section[aria-labelledby=dk-h-notices]")
    expect(notices).to_contain_text(f"{month_name} 区住建局对本单位的认定：黄灯")
    expect_no_sideways_scrolling(page)
    screenshot(page, "unit-desk-phone")

    # She asks for a review, with the receipts as a screenshot.
    light.get_by_role("link", name="申请复核").tap()
    expect(page).to_have_url(re.compile(rf"/reviews/file/{yellow.pk}/$"))
    expect(page.locator("h1")).to_have_text("申请复核")
    expect(page.locator(".fr-help").first).to_contain_text("请在公示期截止日")
    page.get_by_label("申请理由", exact=True).fill(REVIEW_REASON)
    receipt = image("PNG")
    page.get_by_label("附件", exact=True).set_input_files(
        files=[{"name": "工单办结回执.png", "mimeType": "image/png", "buffer": receipt}]
    )
    expect_no_sideways_scrolling(page)
    screenshot(page, "unit-review-file-phone")
    page.get_by_role("button", name="提交复核申请").tap()

    # Her request's page: waiting for the office, with her file.
    expect(page.locator(".fr-messages")).to_have_text("复核申请已提交，效能办作出决定后会通知你")
    expect(page.locator("h1 .fr-status")).to_have_text("待复核")
    expect(page.get_by_role("link", name="工单办结回执.png")).to_be_visible()
    request = ReviewRequest.objects.get(rating=yellow)
    assert (request.unit.name, request.outcome_at_filing, request.filed_by) == ("东坝街道", "yellow_light", dong)
    assert ReviewAttachment.objects.get(request=request).file.read() == receipt
    expect_no_sideways_scrolling(page)

    # Alice reads the request in the admin, evidence and all, and withdraws the light.
    office = open_context().new_page()
    log_in(office, alice, next_url=f"/admin/reviews/reviewrequest/{request.pk}/change/")
    content = office.locator("#content-main")
    expect(content).to_contain_text("12345工单超时未办结4件")
    expect(content).to_contain_text(REVIEW_REASON)
    attachment = office.get_by_role("link", name="工单办结回执.png")
    download = office.request.get(attachment.get_attribute("href"))
    assert download.ok and download.body() == receipt
    assert download.headers["content-type"] == "image/png"
    office.get_by_label("撤销认定").check()
    office.get_by_label("复核意见", exact=True).fill(DECISION_REASON)
    screenshot(office, "office-review-decide")
    office.get_by_role("button", name="作出复核决定").click()
    expect(office.locator(".messagelist .success")).to_have_text("复核决定已作出，已通知被考核单位和作出认定的部门")
    expect(content).to_contain_text("变更认定：撤销认定")
    yellow.refresh_from_db()
    assert yellow.status == Rating.Status.WITHDRAWN

    # The decision changed a published board: she publishes the month's correction,
    # with the note the decision drafted.
    office.get_by_role("link", name=f"发布 {label} 更正版").click()
    note = office.get_by_role("textbox", name="更正说明")
    expect(note).to_have_value(f"经复核，撤销东坝街道{month_name}黄灯")
    office.get_by_role("button", name="发布更正版本").click()
    progress = office.locator("#lb-publish")
    expect(progress.locator("[data-role=status]")).to_have_text("已完成")
    expect(progress.locator("[data-role=message]")).to_have_text(f"已发布 {label} 第 2 版")
    corrected = Edition.objects.get(period=second, superseded_by__isnull=True)
    assert (corrected.revision, corrected.correction_note) == (2, f"经复核，撤销东坝街道{month_name}黄灯")

    # Dong's desk: two more notices, the decision's and the correction's.
    page.goto("/desk/" if year == today.year else f"/desk/?year={year}")
    expect(badge).to_have_attribute("aria-label", "4 条未读通知")
    expect(notices).to_contain_text(f"{month_name} 黄灯的复核决定：变更认定")
    expect(notices).to_contain_text(f"{month_name}效能亮榜发布更正版（第 2 版），涉及本单位")

    # The decision, from its notice.
    notices.get_by_role("link", name=f"{month_name} 黄灯的复核决定：变更认定").tap()
    expect(page).to_have_url(re.compile(rf"/reviews/{request.pk}/$"))
    expect(page.locator("h1 .fr-status")).to_have_text("变更认定")
    decision = page.locator("section[aria-labelledby=rv-decision]")
    expect(decision).to_contain_text("变更认定：撤销认定")
    expect(decision).to_contain_text(DECISION_REASON)
    expect_no_sideways_scrolling(page)
    screenshot(page, "unit-review-decided-phone")

    # The corrected record: the light is gone from her desk and her points are back.
    page.get_by_role("link", name="返回工作台").tap()
    if year != today.year:
        page.get_by_role("navigation", name="年度").get_by_role("link", name=f"{year}年").tap()
    expect(page.locator(".dk-month-title", has_text=re.compile(f"^{month_name}$"))).to_have_count(0)
    expect(page.locator(".dk-rating")).to_have_count(1)
    expect(page.locator(".dk-rating .db-kind")).to_have_text("红旗")
    expect(standing).to_contain_text("1 / 0 / 0")
    points_after = Decimal(standing.locator(".db-points").inner_text().lstrip("+"))
    assert points_after > points_before
    requests = page.locator("section[aria-labelledby=dk-h-requests]")
    expect(requests.locator(".fr-status")).to_have_text("变更认定")
    expect(requests).to_contain_text(DECISION_REASON)
    expect_no_sideways_scrolling(page)

    # The corrected board, from its notice: the second edition says what was corrected.
    notices.get_by_role("link", name=re.compile("发布更正版")).tap()
    expect(page.locator("h1")).to_contain_text(month_name)
    expect(page.locator(".edition-revision")).to_have_text("第 2 版（更正）")
    expect(page.locator(".correction")).to_contain_text(f"经复核，撤销东坝街道{month_name}黄灯")
    expect(page.locator(".board-warning .board-empty")).to_have_text("本月没有单位被亮灯。")
    expect_no_sideways_scrolling(page)
    watch.assert_clean()
