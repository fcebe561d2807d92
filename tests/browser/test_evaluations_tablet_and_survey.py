"""Two evaluation journeys.

A leader on a tablet (1024×768, touch): Alice of the efficiency office has the product
propose the leaders' round's assignment (nine leaders, 22 units: every leader 20–22
units, every unit 8–9 leaders) and opens it. Leo opens his sheet of 20 units or more,
reads each unit's highlights beside its line (淳溪街道's with a picture), grades every
unit, adds one he knows to the extra sheet, saves, and submits. While the round is open
Alice sees that one sheet is in, never what it says; when she closes it, each unit's
result.

A resident on a phone (390×844, touch) answers the public satisfaction survey with the
invitation code from a printed card: types it as printed, rates three agencies, leaves a
suggestion, sends it; the same code is then refused. Alice printed the cards, and she
sees one response, nothing of whose."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from playwright.sync_api import expect

from departments import roles
from evaluations import rules, services, surveys
from evaluations.models import Assignment, EvaluatorGroup, InvitationCode, Member, Response, Round, Sheet, Survey
from tests.browser.conftest import journey, log_in, screenshot
from tests.browser.test_unit_review_phone import PHONE, expect_no_sideways_scrolling
from tests.factories import OrganisationFactory, make_user

pytestmark = journey

TABLET = {"viewport": {"width": 1024, "height": 768}, "has_touch": True, "is_mobile": True, "device_scale_factor": 1}
HIGHLIGHT = "推行“一件事一次办”，便民服务中心办理时间平均压缩60%，群众满意率98.6%。"


def picture() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (30, 110, 170)).save(out, "JPEG")
    return out.getvalue()


def leaders_round(district, today):
    units = list(district.units.values()) + [OrganisationFactory(code=f"BM{i:02d}", name=f"区第{i}局") for i in
                                             range(1, 15)]
    group = EvaluatorGroup.objects.create(jurisdiction=district.alice.profile.jurisdiction, name="市领导")
    leo = district.leo
    Member.objects.create(group=group, user=leo, title="副区长", own_unit=units[-1])
    leo_member = group.members.get()
    leo_member.responsible.set(units[:3])
    for i in range(8):
        Member.objects.create(group=group, user=make_user(f"leader{i}", roles.LEADER), title="区领导")
    r = Round.objects.create(jurisdiction=group.jurisdiction, year=today.year, name="区领导评议", group=group,
                             opens_on=today, closes_on=today + dt.timedelta(days=14), evaluator_min=20,
                             evaluator_max=22, unit_min=8, unit_max=9, min_answers=8, extra_max=3,
                             item_code="3.1", weight=60)
    r.units.set(units)
    return r, units


def test_a_leader_on_a_tablet_fills_a_sheet_of_twenty_units_with_their_highlights(open_context, district):
    alice, leo = district.alice, district.leo
    today = dt.date.today()
    round_, units = leaders_round(district, today)
    town = district.unit("淳溪街道")
    services.highlight_save(round_=round_, unit=town, text=HIGHLIGHT,
                            pictures=[SimpleUploadedFile("现场.jpg", picture(), content_type="image/jpeg")])
    services.highlight_save(round_=round_, unit=district.unit("古柏街道"), text="老旧小区改造12个，惠及居民4300户。")

    # Alice has the product propose who rates whom, looks at it and opens the round.
    office = open_context().new_page()
    log_in(office, alice, next_url=f"/admin/evaluations/round/{round_.pk}/board/")
    office.get_by_role("button", name="生成评议安排").click()
    expect(office.locator(".messagelist")).to_contain_text("已生成评议安排")
    expect(office.locator(".ev-problems")).to_have_count(0)  # every bound is met
    per_leader = Assignment.objects.filter(round=round_, member__user=leo).count()
    assert 20 <= per_leader <= 22
    screenshot(office, "evaluations-round-board")
    office.get_by_role("button", name="开始评议并通知评议人").click()
    expect(office.locator(".messagelist")).to_contain_text("评议已开始")

    # Leo, on his tablet, opens the round from his sheets.
    tablet = open_context(**TABLET).new_page()
    log_in(tablet, leo, next_url="/evaluations/")
    tablet.get_by_role("link", name=str(round_)).tap()
    lines = tablet.locator(".ev-line")
    expect(lines).to_have_count(per_leader)
    if Assignment.objects.filter(round=round_, member__user=leo, unit=town).exists():
        line = tablet.locator(f"#unit-{town.pk}")
        expect(line).to_contain_text(HIGHLIGHT)
        expect(line.locator(".ev-pictures img")).to_be_visible()
    rows = list(Assignment.objects.filter(round=round_, member__user=leo).order_by("unit__code"))
    for index, row in enumerate(rows):
        grade = 0 if index % 3 == 0 else 1 if index % 3 == 1 else 2
        tablet.locator(f"#unit-{row.unit_id} .ev-grade").nth(grade).tap()
    tablet.locator(f"#ev-comment-{rows[0].unit_id}").fill("服务意识强，建议总结推广。")
    expect_no_sideways_scrolling(tablet)
    screenshot(tablet, "evaluations-sheet-tablet")
    tablet.get_by_role("button", name="保存").tap()
    expect(tablet.locator(".fr-messages")).to_contain_text("已保存")

    # One unit he knows well goes on the extra sheet, then the sheet goes in.
    extra = tablet.locator("#ev-extra-unit")
    extra.select_option(index=1)
    tablet.get_by_role("button", name="加入附页").tap()
    expect(tablet.locator(".fr-messages")).to_contain_text("已加入附页")
    added = Assignment.objects.get(round=round_, member__user=leo, extra=True)
    tablet.locator(f"#unit-{added.unit_id} .ev-grade").nth(0).tap()
    tablet.get_by_role("button", name="提交评议表").tap()
    expect(tablet.locator(".fr-messages")).to_contain_text("评议表已提交")
    sheet = Sheet.objects.get(round=round_, member__user=leo)
    assert sheet.submitted_at is not None
    assert Assignment.objects.filter(round=round_, member__user=leo, points__isnull=True).count() == 0
    expect(tablet.locator(".ev-grades[disabled]").first).to_be_visible()  # read only now

    # Alice sees that one sheet is in, and nothing of what it says.
    office.reload()
    expect(office.locator("#round-progress")).to_contain_text("未提交")
    expect(office.locator("#content-main")).to_contain_text("已提交评议表 1 / 9 份")
    expect(office.locator("#content-main")).not_to_contain_text("服务意识强")
    expect(office.locator("#round-results")).to_have_count(0)

    # The others hand theirs in; Alice closes the round and reads each unit's result.
    for member in Member.objects.filter(group=round_.group).exclude(user=leo):
        entries = {a.unit_id: services.Entry(grade="1") for a in Assignment.objects.filter(round=round_, member=member)}
        services.sheet_save(round_=round_, member=member, entries=entries, submit=True)
    office.reload()
    office.get_by_role("button", name="结束评议，生成结果").click()
    expect(office.locator(".messagelist")).to_contain_text("评议已结束")
    results = office.locator("#round-results tbody tr")
    expect(results).to_have_count(len(units))
    expect(office.locator("#round-results")).to_contain_text("淳溪街道")
    screenshot(office, "evaluations-round-results")


def test_a_resident_answers_the_survey_on_a_phone_with_an_invitation_code(open_context, district, watch):
    alice = district.alice
    today = dt.date.today()
    survey = Survey.objects.create(jurisdiction=alice.profile.jurisdiction, year=today.year,
                                   name=f"{today.year}年度机关作风满意度测评", opens_on=today,
                                   closes_on=today + dt.timedelta(days=20),
                                   intro="本次测评由区效能办组织，匿名填写，约需3分钟。")
    survey.agencies.set(district.units.values())
    codes = surveys.codes_issue(survey=survey, count=12)
    surveys.survey_open(survey=survey)

    # Alice prints the cards: each code with its QR code.
    office = open_context().new_page()
    log_in(office, alice, next_url=f"/admin/evaluations/survey/{survey.pk}/codes/")
    expect(office.locator(".sv-card")).to_have_count(12)
    expect(office.locator(".sv-card svg").first).to_be_visible()
    screenshot(office, "evaluations-survey-codes")

    # The resident opens the link on the card and types the code as printed, in lower case.
    phone = open_context(**PHONE).new_page()
    phone.goto(f"/survey/{survey.token}/")
    phone.get_by_label("请输入邀请码").fill(rules.code_display(codes[0]).lower())
    phone.get_by_role("button", name="开始答卷").tap()
    expect(phone.locator(".sv-agency")).to_have_count(len(district.units))
    for name, level in (("淳溪街道", "非常满意"), ("古柏街道", "满意"), ("阳江镇", "不满意")):
        card = phone.locator(".sv-agency", has=phone.get_by_text(name, exact=True))
        card.locator(".ev-grade", has=phone.get_by_text(level, exact=True)).tap()
    phone.get_by_label("涉及单位").select_option(label="阳江镇")
    phone.get_by_label("意见建议", exact=True).fill("镇政务服务中心中午不办理业务，上班族很不方便。")
    expect_no_sideways_scrolling(phone)
    screenshot(phone, "evaluations-survey-phone")
    phone.get_by_role("button", name="提交问卷").tap()
    expect(phone.locator("main")).to_contain_text("问卷已提交")
    assert Response.objects.count() == 1 and InvitationCode.objects.get(code=codes[0]).used

    # The same card again: refused (400), nothing more stored.
    watch.expected.add((400, f"/survey/{survey.token}/"))
    phone.goto(f"/survey/{survey.token}/?code={codes[0]}")
    expect(phone.locator("[role=alert]")).to_contain_text("已经使用过")
    assert Response.objects.count() == 1

    # Alice sees one response and one suggestion; no result before the survey closes.
    office.goto(f"/admin/evaluations/survey/{survey.pk}/board/")
    expect(office.locator("#content-main")).to_contain_text("已收到答卷 1 份")
    expect(office.locator("#survey-results")).to_have_count(0)

