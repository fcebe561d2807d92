"""A citizen on a phone (390×844, touch) reports a window's staff playing on their phones
instead of serving, with a photo, and keeps the tracking code. Alice of the efficiency
office reads the item in the admin, photo and reporter's details, and issues a problem
assignment form (问题交办单) to 淳溪街道 with a deadline of five working days. Una, on
the town's desk on her phone, acknowledges the form and replies with a photo of the
rectification. Alice closes the form (销号) and publishes a reply; the citizen's tracking
page then says the problem was fixed, shows the office's reply and asks whether it is."""

from __future__ import annotations

import re
from datetime import date

from django.core import mail
from playwright.sync_api import expect

from casework import rules
from casework.models import AssignmentForm, EventFile, Report, ReportFile
from notifications.models import Notification
from ratings import services
from tests.browser.conftest import journey, log_in, password_of, screenshot
from tests.browser.test_unit_review_phone import PHONE, expect_no_sideways_scrolling, unit_staff
from tests.test_casework import photo_with_location
from workdays.models import CalendarDay

pytestmark = journey

TITLE = "便民服务中心窗口工作人员玩手机"
WHAT = "上午十点在三号窗口，排队半小时，工作人员一直低头玩手机，无人办理。"
REPLY = "已约谈窗口负责人，当事人作书面检查；窗口实行AB岗，服务中心每日巡查，并公示监督电话。"
PUBLIC_REPLY = "经核实，反映属实。淳溪街道已约谈窗口负责人并落实AB岗和每日巡查制度。感谢你的监督。"


def test_a_citizens_phone_report_becomes_a_form_the_town_answers_and_the_office_closes(open_context, district, watch):
    alice = district.alice
    today = services.today()
    # Five working days may reach into next year: its holidays must be known.
    CalendarDay.objects.create(date=date(today.year + 1, 1, 1), is_working=False, note="元旦")
    town = district.unit("淳溪街道")
    una = unit_staff("una", town)

    # The citizen opens the report form on a phone: no login.
    citizen = open_context(**PHONE).new_page()
    citizen.goto("/report/")
    expect(citizen.locator("h1")).to_contain_text("举报")
    citizen.get_by_label("问题概要").fill(TITLE)
    citizen.get_by_label("具体情况").fill(WHAT)
    citizen.get_by_label("发生地点").fill("淳溪街道便民服务中心三号窗口")
    citizen.get_by_label("涉及单位").fill("淳溪街道")
    citizen.get_by_label("照片、视频或录音").set_input_files(
        files=[{"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": photo_with_location()}]
    )
    citizen.get_by_label("联系电话").fill("13812345678")
    citizen.get_by_label("电子邮箱").fill("reporter@example.cn")
    expect_no_sideways_scrolling(citizen)
    screenshot(citizen, "citizen-report-phone")
    citizen.get_by_role("button", name="提交举报").tap()

    # The sent page gives the tracking code, once.
    expect(citizen.locator("h1")).to_have_text("举报已提交")
    code = citizen.locator("[data-code]").inner_text().strip()
    item = Report.objects.get()
    assert code == item.code_display and item.unit == town and item.channel == rules.WEB
    stored = ReportFile.objects.get(report=item).file.read()
    assert b"PhoneModel" not in stored and b"GPS" not in stored  # the photo lost its camera and place
    expect_no_sideways_scrolling(citizen)
    screenshot(citizen, "citizen-report-sent-phone")
    citizen.get_by_role("link", name="查看办理进度").tap()
    expect(citizen.locator(".cw-state")).to_have_text("已收到，正在核实")
    expect(citizen.locator("main")).not_to_contain_text("13812345678")

    # Alice is told; she reads the item with its photo and the reporter's contact.
    assert Notification.objects.filter(recipient=alice, kind="report_received").exists()
    office = open_context().new_page()
    log_in(office, alice, next_url=f"/admin/casework/report/{item.pk}/change/")
    content = office.locator("#content-main")
    expect(content).to_contain_text(WHAT)
    expect(content).to_contain_text("13812345678")
    photo = office.get_by_role("link", name=re.compile(r"\.jpg"))
    download = office.request.get(photo.get_attribute("href"))
    assert download.ok and download.body() == stored
    screenshot(office, "office-report-triage")

    # She issues a form to the town from the item: five working days.
    office.get_by_role("link", name="交办给单位…").click()
    expect(content).to_contain_text(f"根据来件 {code}")
    expect(office.get_by_label("标题")).to_have_value(TITLE)
    office.get_by_label("承办单位").select_option(label="淳溪街道")
    office.get_by_label("办理要求").fill("核实情况，严肃处理当事人，建立窗口巡查制度，5个工作日内报送整改情况。")
    office.get_by_label("办理时限（工作日）").fill("5")
    screenshot(office, "office-form-issue")
    office.get_by_role("button", name="交办").click()
    form = AssignmentForm.objects.get()
    expect(office.locator(".messagelist .success")).to_have_text(f"已交办 {form.number}，已通知承办和协办单位")
    assert (form.lead_unit, form.days, form.state) == (town, 5, rules.ISSUED)

    # Una finds it on the town's desk, on her phone, and acknowledges it.
    desk = open_context(**PHONE).new_page()
    desk.goto("/login/")
    desk.get_by_label("用户名").fill(una.username)
    desk.get_by_label("密码").fill(password_of(una))
    desk.get_by_role("button", name="登录").tap()
    expect(desk).to_have_url(re.compile(r"/desk/$"))
    desk.goto("/desk/forms/")
    desk.get_by_role("link", name=re.compile(TITLE)).first.tap()
    expect(desk).to_have_url(re.compile(rf"/desk/forms/{form.pk}/$"))
    expect(desk.locator("main")).to_contain_text("核实情况，严肃处理当事人")
    expect(desk.locator("main")).not_to_contain_text("13812345678")  # the reporter stays the office's
    desk.get_by_role("button", name="签收").tap()
    expect(desk.locator(".fr-messages")).to_have_text("已签收")

    # She replies with a photo of the rectification.
    desk.get_by_label("整改情况", exact=True).fill(REPLY)
    desk.get_by_label("整改佐证（照片、文件，选填）").set_input_files(
        files=[{"name": "巡查记录.jpg", "mimeType": "image/jpeg", "buffer": photo_with_location()}]
    )
    expect_no_sideways_scrolling(desk)
    screenshot(desk, "unit-form-phone")
    desk.get_by_role("button", name="报送整改情况").tap()
    expect(desk.locator(".fr-messages")).to_have_text("已报送整改情况")
    form.refresh_from_db()
    assert form.state == rules.REPLIED
    assert EventFile.objects.filter(event__form=form).count() == 1

    # Alice reads the reply and closes the form (销号) ...
    office.goto(f"/admin/casework/assignmentform/{form.pk}/change/")
    expect(content).to_contain_text(REPLY)
    expect(content.locator("tr[data-action=reply]")).to_have_count(1)
    screenshot(office, "office-form-close")
    office.get_by_role("button", name="核实销号").click()
    expect(office.locator(".messagelist .success")).to_have_text("已销号")
    form.refresh_from_db()
    assert form.state == rules.CLOSED and form.closed_on == today

    # ... and answers the citizen in public, from the item.
    office.goto(f"/admin/casework/report/{item.pk}/change/")
    office.get_by_label("写答复").fill(PUBLIC_REPLY)
    office.get_by_role("button", name="保存并公开").click()
    expect(content).to_contain_text(PUBLIC_REPLY)

    # The reporter was mailed the question; the tracking page asks it too.
    assert any(code in message.body for message in mail.outbox if message.to == ["reporter@example.cn"])
    citizen.goto("/report/track/")
    citizen.get_by_label("查询码").fill(code.lower())
    citizen.get_by_role("button", name="查询", exact=True).tap()
    expect(citizen.locator(".cw-state")).to_have_text("已办结，问题已整改")
    expect(citizen.locator("main")).to_contain_text(PUBLIC_REPLY)
    expect(citizen.locator("main")).to_contain_text(form.number)
    expect(citizen.locator("main")).to_contain_text("问题已经办结。问题解决了吗？")
    expect(citizen.locator("main")).not_to_contain_text(REPLY)  # the town's own reply is the office's to read
    expect_no_sideways_scrolling(citizen)
    screenshot(citizen, "citizen-track-closed-phone")

    # The citizen answers: fixed, and the answer counts for the town's satisfaction.
    citizen.get_by_role("link", name="评价办理结果").tap()
    expect(citizen.locator("h1")).to_have_text("问题解决了吗？")
    citizen.get_by_label("满意，问题已解决").check()
    citizen.get_by_role("button", name="提交评价").tap()
    expect(citizen.locator("main")).to_contain_text("你的评价：满意，问题已解决")
    expect(citizen.get_by_role("link", name="评价办理结果")).to_have_count(0)  # once
    item.refresh_from_db()
    assert item.followup.answer == "satisfied"
