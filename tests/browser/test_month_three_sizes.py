"""The month walked again at the three screens people use: a desktop (1366×768), a
tablet (1024×768) and a phone (390×844). Bob's form error keeps his uploaded file;
alice closes January with bob's draft carried into February, then closes February
withdrawing it with a reason; before approving 阳江镇's second yellow light in a row she
reads that it will count as a red light; bob is told what the closes did on his next
login; a wrong address answers in Chinese."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ratings import services
from ratings.models import Criterion, Rating
from tests.browser.conftest import journey, log_in, screenshot
from tests.browser.test_citizen_phone import expect_no_sideways_scrolling
from tests.browser.test_rater_month import EVIDENCE_PDF, choose

pytestmark = journey

SIZES = {
    "desktop": {"viewport": {"width": 1366, "height": 768}},
    "tablet": {"viewport": {"width": 1024, "height": 768}, "has_touch": True},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2},
}


@pytest.mark.parametrize("size", list(SIZES))
def test_the_month_at_every_screen_size(open_context, district, watch, size):
    bob, alice = district.bob, district.alice
    year = district.past_year
    january = district.period(year, 1)
    district.approved(january, district.housing, "古柏街道", "red_flag", "老旧小区改造提前完工")
    draft = services.rating_record(period=january, department=district.housing, unit=district.unit("阳江镇"),
                                   kind="yellow_light", reason="工单超时未办结", by=bob,
                                   criterion=Criterion.objects.get(rulebook__year=year, code="Y01"))
    november, december = district.period(year, 11), district.period(year, 12)
    district.approved(november, district.market, "阳江镇", "yellow_light", "食品安全投诉处置不及时")
    second = district.submitted(december, district.carol, "阳江镇", "yellow_light", "12345工单随意退单6件")
    context = open_context(**SIZES[size])  # bob's browser; alice and the citizen have their own

    # Bob forgets the reason but attaches a PDF: the form says what is missing and keeps the file.
    rater = context.new_page()
    log_in(rater, bob, next_url="/admin/ratings/rating/add/")
    choose(rater, "unit", "淳溪", "淳溪街道")
    rater.locator("#id_kind").select_option(label="红旗")
    choose(rater, "criterion", "H01", "H01 主动担当")
    rater.locator("input[type=file]").first.set_input_files(
        files=[{"name": "工单办结情况.pdf", "mimeType": "application/pdf", "buffer": EVIDENCE_PDF}])
    rater.get_by_role("button", name="保存并继续编辑").click()
    expect(rater.locator(".errornote")).to_be_visible()
    expect(rater.locator(".field-reason .errorlist")).to_contain_text("这个字段是必填项。")
    expect(rater.locator("#content-main")).to_contain_text("已上传：工单办结情况.pdf")
    expect_no_sideways_scrolling(rater)
    screenshot(rater, f"rater-form-error-{size}")
    rater.get_by_label("事由").fill("主动承办城中村改造疑难工单9件，均提前办结")
    rater.get_by_role("button", name="保存并继续编辑").click()
    expect(rater.locator(".messagelist .success")).to_contain_text("成功添加了 认定")
    expect(rater.get_by_role("link", name="工单办结情况.pdf")).to_be_visible()

    # Alice closes January: bob's draft is listed with what closing does; she carries it on.
    office = open_context(**SIZES[size]).new_page()
    log_in(office, alice, next_url=reverse("admin:ratings_period_close", args=[january.pk]))
    expect(office.locator("#content-main h2")).to_have_text("区住建局")
    expect(office.locator(".lb-close-list")).to_contain_text("阳江镇")
    expect(office.locator(".lb-close-list")).to_contain_text(f"结转到 {year}年2月")
    expect_no_sideways_scrolling(office)
    screenshot(office, f"office-close-confirm-{size}")
    office.get_by_label(f"结转到 {year}年2月", exact=False).check()
    office.get_by_role("button", name="确认关账").click()
    expect(office.locator(".messagelist .success")).to_have_text(f"{year}-01 已关账。1 条已结转到 {year}-02")
    draft.refresh_from_db()
    assert (draft.period.month, draft.status) == (2, Rating.Status.DRAFT)

    # February: she withdraws it, and is asked for the reason first.
    office.goto(reverse("admin:ratings_period_close", args=[draft.period.pk]))
    office.get_by_label("撤回：保留记录", exact=False).check()
    office.get_by_role("button", name="确认关账").click()
    expect(office.locator(".errornote")).to_contain_text("撤回必须填写原因")
    office.get_by_label("撤回原因：").fill("该问题已由区纪委另行处理")
    office.get_by_role("button", name="确认关账").click()
    expect(office.locator(".messagelist .success")).to_have_text(f"{year}-02 已关账。1 条已撤回")
    draft.refresh_from_db()
    assert draft.status == Rating.Status.WITHDRAWN

    # A second yellow light in a row: the list and the rating's page say what approving it does.
    office.goto("/admin/ratings/rating/?status__exact=submitted")
    consequence = f"审核通过后将认定为红灯（连续黄灯升级，上次黄灯：{year}-11 区市场监管局）"
    expect(office.locator("#result_list tbody tr", has_text="阳江镇")).to_contain_text(consequence)
    office.goto(reverse("admin:ratings_rating_change", args=[second.pk]))
    expect(office.locator("#lb-approval")).to_have_text(consequence)
    expect_no_sideways_scrolling(office)
    screenshot(office, f"office-review-escalation-{size}")
    office.get_by_role("button", name="审核通过").click()
    expect(office.locator(".messagelist .success")).to_contain_text("已审核通过")
    second.refresh_from_db()
    assert (second.status, second.effective_kind) == (Rating.Status.APPROVED, "red_light")

    # Bob's next login says what became of his draft, once per closed month.
    context.clear_cookies()
    log_in(rater, bob)
    notices = rater.locator(".messagelist .warning")
    expect(notices).to_have_count(2)
    expect(notices.first).to_contain_text(f"{year}年1月 已关账：你部门的 1 条草稿已结转到 {year}年2月")
    expect(notices.last).to_contain_text("已撤回（原因：该问题已由区纪委另行处理）")

    # A wrong address answers in Chinese, in the public frame, with a way home.
    watch.expected.add((404, "/2099/01/"))
    citizen = open_context(**SIZES[size]).new_page()
    citizen.goto("/2099/01/")
    expect(citizen.locator("h1")).to_have_text("页面不存在")
    expect(citizen.get_by_role("link", name="返回效能亮榜首页")).to_be_visible()
    expect_no_sideways_scrolling(citizen)
    watch.assert_clean()
    screenshot(citizen, f"citizen-404-{size}")
