"""Casework end to end through the real services and pages. The people, besides those of
conftest.py:

- a citizen with no account reports on the public form and follows the tracking page;
- ``alice`` is the office (效能办): she triages items and issues and closes the forms;
- ``una`` works for 淳溪街道 (``town``), the lead unit of the forms below;
- ``cody`` works for 古柏街道 (``town2``), a co-unit: she sees the form and adds remarks;
- ``tom`` works for 第三街道 (``town3``): no form of his, so nothing of it is his.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from casework import rules, selectors, services
from casework.models import AssignmentForm, FormEvent, Report, ReportFile
from notifications.models import Notification
from tests.factories import OrganisationFactory, default_jurisdiction
from tests.test_desk import unit_staff

ISSUED_ON = dt.date(2026, 3, 2)  # a Monday; ten working days later is Monday 16 March


def photo_with_location() -> bytes:
    image = Image.new("RGB", (40, 20), "red")
    exif = Image.Exif()
    exif[271] = "PhoneMaker"  # Make
    exif[272] = "PhoneModel X"  # Model
    exif[0x8825] = {1: "N", 2: (32.0, 4.0, 12.0), 3: "E", 4: (118.0, 52.0, 30.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def town3(db):
    return OrganisationFactory(code="T03", name="第三街道")


@pytest.fixture
def una(town):
    return unit_staff("una", town)


@pytest.fixture
def cody(town2):
    return unit_staff("cody", town2)


@pytest.fixture
def tom(town3):
    return unit_staff("tom", town3)


def report(**kwargs) -> Report:
    kwargs.setdefault("jurisdiction", default_jurisdiction())
    kwargs.setdefault("channel", rules.WEB)
    kwargs.setdefault("title", "窗口办事推诿")
    kwargs.setdefault("description", "三次到窗口办理不动产登记都被要求补材料，每次要求不一样。")
    kwargs.setdefault("reporter_name", "ZQNAMEQZ 王先生")
    kwargs.setdefault("reporter_phone", "13812345678")
    return services.report_submit(**kwargs)


def issued(alice, town, town2=None, **kwargs) -> AssignmentForm:
    kwargs.setdefault("title", "不动产登记窗口一次性告知不到位")
    kwargs.setdefault("problem", "群众反映三次补材料。")
    kwargs.setdefault("requirement", "核实情况，落实一次性告知制度，10个工作日内报送整改情况。")
    kwargs.setdefault("days", 10)
    kwargs.setdefault("issued_on", ISSUED_ON)
    return services.form_issue(jurisdiction=default_jurisdiction(), by=alice, lead_unit=town,
                               co_units=[town2] if town2 else [], **kwargs)


# The public report form --------------------------------------------------------------------


def test_a_citizen_reports_with_a_photo_and_gets_a_tracking_code(client, town, alice):
    response = client.post(reverse("casework:report_new"), {
        "title": "窗口工作人员玩手机", "description": "上午十点在三号窗口，排队半小时无人办理。", "unit_name": "淳溪街道",
        "reporter_phone": "13812345678", "files": SimpleUploadedFile("现场.jpg", photo_with_location()),
    })
    assert response.status_code == 302
    sent = client.get(response["Location"])
    stored = Report.objects.get()
    assert stored.channel == rules.WEB and stored.unit == town and stored.state == rules.NEW
    assert stored.code_display in sent.content.decode()
    assert Notification.objects.filter(recipient=alice, kind="report_received").exists()


def test_a_reported_photo_is_stored_without_its_location_or_camera(client, town):
    client.post(reverse("casework:report_new"), {
        "title": "窗口无人", "description": "无人办理。", "files": SimpleUploadedFile("现场.jpg", photo_with_location()),
    })
    stored = ReportFile.objects.get()
    data = stored.file.read()
    assert stored.kind == "photo"
    assert b"PhoneModel" not in data and b"Exif" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and not image.getexif()


def test_a_web_page_named_as_a_photo_is_refused_and_nothing_is_kept(client, town):
    response = client.post(reverse("casework:report_new"), {
        "title": "窗口无人", "description": "无人办理。",
        "files": SimpleUploadedFile("现场.jpg", b"<html><script>alert(1)</script></html>"),
    })
    assert response.status_code == 400
    assert "现场.jpg" in response.content.decode()
    assert not Report.objects.exists() and not ReportFile.objects.exists()


def test_the_form_needs_what_happened(client, town):
    response = client.post(reverse("casework:report_new"), {"title": "", "description": ""})
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_a_unit_that_does_not_exist_is_named_back_to_the_reporter(client, town):
    response = client.post(reverse("casework:report_new"), {"title": "a", "description": "b", "unit_name": "不存在局"})
    assert response.status_code == 400
    assert "不存在局" in response.content.decode()
    assert not Report.objects.exists()


def test_a_robot_filling_the_hidden_field_is_thanked_and_nothing_is_stored(client, town):
    response = client.post(reverse("casework:report_new"), {"title": "a", "description": "b", "website": "http://x"})
    assert response.status_code == 302
    assert not Report.objects.exists()


def test_one_address_may_report_only_so_often(client, town, settings):
    settings.CASEWORK_REPORTS_PER_HOUR = 2
    for n in range(2):
        assert client.post(reverse("casework:report_new"), {"title": f"问题{n}", "description": "内容"}).status_code == 302
    third = client.post(reverse("casework:report_new"), {"title": "问题3", "description": "内容"})
    assert third.status_code == 429
    assert Report.objects.count() == 2


# The tracking page -------------------------------------------------------------------------


def test_the_tracking_page_shows_the_state_and_never_the_reporters_data(client, town):
    item = report(unit=town, description="ZQTEXTQZ 具体情况")
    page = client.get(reverse("casework:track_code", args=[item.code]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "已收到，正在核实" in body
    for secret in ("ZQNAMEQZ", "13812345678", "ZQTEXTQZ"):
        assert secret not in body


def test_a_code_typed_in_lower_case_with_a_dash_finds_the_item(client, town):
    item = report()
    typed = f"{item.code[:5]}-{item.code[5:]}".lower()
    response = client.get(reverse("casework:track"), {"code": typed})
    assert response.status_code == 302 and response["Location"].endswith(f"/{item.code}/")


def test_an_unknown_code_is_not_found(client, town):
    assert client.get(reverse("casework:track"), {"code": "ABCDE-FGHJK"}).status_code == 404
    assert client.get(reverse("casework:track_code", args=["ABCDEFGHJK"])).status_code == 404


# Triage ------------------------------------------------------------------------------------


def test_a_rejection_shows_its_reason_and_can_be_undone(client, alice, town):
    item = report()
    services.report_reject(report=item, by=alice, reason="不属于作风效能问题，已告知通过诉讼途径解决")
    body = client.get(reverse("casework:track_code", args=[item.code])).content.decode()
    assert "不予受理" in body and "诉讼途径" in body
    services.report_restore(report=item, by=alice)
    item.refresh_from_db()
    assert item.state == rules.NEW and item.description.startswith("三次到窗口")


def test_a_public_answer_carrying_a_phone_number_is_refused_until_redacted(alice, town):
    item = report()
    with pytest.raises(ValidationError) as refused:
        services.report_answer(report=item, by=alice, text="已联系王先生（13812345678）说明情况")
    assert "138******78" in refused.value.messages[0]
    item.refresh_from_db()
    assert item.state == rules.NEW and not item.replies.exists()
    services.report_answer(report=item, by=alice, text="已联系反映人说明情况")
    item.refresh_from_db()
    assert item.state == rules.ANSWERED


def test_a_draft_reply_is_not_on_the_tracking_page_until_published(client, alice, town):
    item = report()
    reply = services.reply_write(report=item, by=alice, text="ZQDRAFTQZ 正在核实", publish=False)
    assert "ZQDRAFTQZ" not in client.get(reverse("casework:track_code", args=[item.code])).content.decode()
    services.reply_publish(reply=reply, by=alice)
    assert "ZQDRAFTQZ" in client.get(reverse("casework:track_code", args=[item.code])).content.decode()


def test_a_merged_duplicate_follows_the_item_it_joined(client, alice, una, town):
    first, again = report(), report(title="同一问题再次反映")
    services.report_merge(report=again, into=first, by=alice)
    form = issued(alice, town, reports=[first])
    again.refresh_from_db()
    assert again.state == rules.MERGED and again.form == form
    assert "已交办相关单位，正在办理" in client.get(reverse("casework:track_code", args=[again.code])).content.decode()


def test_only_the_office_triages(bob, town):
    item = report()
    with pytest.raises(PermissionDenied):
        services.report_reject(report=item, by=bob, reason="理由")


# The life of a form ------------------------------------------------------------------------


def test_forms_are_numbered_per_jurisdiction_and_year(alice, town):
    first, second = issued(alice, town), issued(alice, town)
    assert (first.number, second.number) == ("效交〔2026〕1号", "效交〔2026〕2号")


def test_issuing_tells_the_lead_and_co_units_staff(alice, una, cody, tom, town, town2):
    form = issued(alice, town, town2)
    assert Notification.objects.filter(kind="form_issued", recipient__in=[una, cody]).count() == 2
    assert not Notification.objects.filter(recipient=tom).exists()
    assert Notification.objects.get(recipient=una).link == reverse("desk:form", args=[form.pk])


def test_a_form_goes_from_issue_to_closed_on_the_desk_and_in_the_admin(client, alice, una, town):
    item = report()
    form = issued(alice, town, reports=[item])
    client.force_login(una)
    page = reverse("desk:form", args=[form.pk])
    assert client.post(page, {"action": "acknowledge"}).status_code == 302
    evidence = SimpleUploadedFile("整改照片.jpg", photo_with_location())
    assert client.post(page, {"action": "reply", "text": "已落实一次性告知，公示材料清单。", "files": evidence}).status_code == 302
    form.refresh_from_db()
    assert form.state == rules.REPLIED
    assert Notification.objects.filter(recipient=alice, kind="form_replied").exists()

    client.force_login(alice)
    act = reverse("admin:casework_assignmentform_act", args=[form.pk])
    assert client.post(act, {"action": "return", "text": "清单未上墙，请补充照片"}).status_code == 302
    client.force_login(una)
    client.post(page, {"action": "reply", "text": "清单已上墙，附照片。"})
    client.force_login(alice)
    client.post(act, {"action": "close", "text": ""})
    form.refresh_from_db()
    assert form.state == rules.CLOSED and form.closed_on is not None
    actions = list(form.events.values_list("action", flat=True))
    assert actions == ["issue", "acknowledge", "reply", "return", "reply", "close"]
    client.logout()
    assert "已办结，问题已整改" in client.get(reverse("casework:track_code", args=[item.code])).content.decode()


def test_a_reply_before_acknowledging_is_refused_and_changes_nothing(client, alice, una, town):
    form = issued(alice, town)
    client.force_login(una)
    response = client.post(reverse("desk:form", args=[form.pk]), {"action": "reply", "text": "已整改"})
    assert response.status_code == 400
    assert "已交办" in response.content.decode()
    form.refresh_from_db()
    assert form.state == rules.ISSUED and form.events.count() == 1


def test_a_co_unit_adds_remarks_but_may_not_reply(alice, cody, town, town2):
    form = issued(alice, town, town2)
    services.form_act(form=form, by=cody, action=rules.NOTE, text="我街道已配合现场核查")
    with pytest.raises(ValidationError):
        services.form_act(form=form, by=cody, action=rules.ACKNOWLEDGE)
    assert list(form.events.values_list("action", flat=True)) == ["issue", "note"]


def test_another_units_form_does_not_exist_on_its_desk(client, alice, tom, town):
    form = issued(alice, town)
    client.force_login(tom)
    assert client.get(reverse("desk:form", args=[form.pk])).status_code == 404
    assert form.number not in client.get(reverse("desk:forms")).content.decode()


def test_the_desk_names_the_office_not_its_staff(client, alice, una, town):
    alice.first_name = "ZQSTAFFQZ"
    alice.save()
    form = issued(alice, town)
    client.force_login(una)
    body = client.get(reverse("desk:form", args=[form.pk])).content.decode()
    assert "效能办" in body and "ZQSTAFFQZ" not in body and "alice" not in body


def test_evidence_is_for_the_form_units_and_the_office_only(client, alice, una, tom, town):
    form = issued(alice, town)
    services.form_act(form=form, by=una, action=rules.ACKNOWLEDGE)
    event = services.form_act(form=form, by=una, action=rules.REPLY, text="已整改",
                              files=[SimpleUploadedFile("照片.jpg", photo_with_location())])
    url = reverse("casework:event_file", args=[event.files.get().pk])
    for person, status in ((una, 200), (alice, 200), (tom, 404)):
        client.force_login(person)
        assert client.get(url).status_code == status


def test_a_reporters_files_are_the_offices_only(client, alice, una, town):
    item = report(files=[SimpleUploadedFile("现场.jpg", photo_with_location())])
    issued(alice, town, reports=[item])
    url = reverse("casework:report_file", args=[item.files.get().pk])
    client.force_login(una)
    assert client.get(url).status_code == 404
    client.force_login(alice)
    response = client.get(url)
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"


# Deadlines ---------------------------------------------------------------------------------


def test_the_deadline_counts_working_days_and_a_pause_moves_it(alice, town):
    form = issued(alice, town, issued_on=dt.date(2026, 3, 2), days=10)
    assert selectors.form_timings([form], today=dt.date(2026, 3, 16))[form.pk].due == dt.date(2026, 3, 16)
    services.form_act(form=form, by=alice, action=rules.PAUSE, text="等待不动产中心核查", today=dt.date(2026, 3, 9))
    services.form_act(form=form, by=alice, action=rules.RESUME, today=dt.date(2026, 3, 13))
    timing = selectors.form_timings([form], today=dt.date(2026, 3, 16))[form.pk]
    assert timing.due == dt.date(2026, 3, 20)  # four working days paused (10th–13th)
    assert not timing.overdue and timing.days_left == 4


def test_an_open_form_past_its_deadline_is_overdue_in_working_days(alice, town):
    form = issued(alice, town, issued_on=dt.date(2026, 3, 2), days=10)
    timing = selectors.form_timings([form], today=dt.date(2026, 3, 19))[form.pk]
    assert timing.overdue and timing.days_overdue == 3


def test_the_offices_list_filters_overdue_forms(client, alice, town):
    late = issued(alice, town, issued_on=dt.date(2026, 3, 2), days=10, title="ZQLATEQZ")
    client.force_login(alice)
    response = client.get(reverse("admin:casework_assignmentform_changelist"), {"timing": "overdue"})
    assert response.status_code == 200
    assert late.number in response.content.decode()


# The office's pages ------------------------------------------------------------------------


def test_the_office_enters_a_letter_and_issues_a_form_from_it(client, alice, una, town):
    client.force_login(alice)
    response = client.post(reverse("admin:casework_report_add"), {
        "channel": rules.LETTER, "title": "来信反映审批慢", "description": "企业来信：施工许可审批超时。",
        "unit": town.pk, "reporter_name": "某公司", "external_ref": "LX-2026-008",
    })
    assert response.status_code == 302
    item = Report.objects.get()
    assert item.channel == rules.LETTER and item.entered_by == alice
    page = client.get(reverse("admin:casework_report_change", args=[item.pk]))
    assert page.status_code == 200 and "某公司" in page.content.decode()
    add = reverse("admin:casework_assignmentform_add") + f"?report={item.pk}"
    assert "来信反映审批慢" in client.get(add).content.decode()
    response = client.post(add, {"lead_unit": town.pk, "title": "施工许可审批超时", "problem": "企业来信反映审批超时。",
                                 "requirement": "核实并整改", "days": 5, "priority": "urgent", "channel": rules.LETTER,
                                 "issued_on": "2026-03-02"})
    assert response.status_code == 302
    form = AssignmentForm.objects.get()
    item.refresh_from_db()
    assert item.state == rules.ASSIGNED and item.form == form and form.priority == "urgent"
    assert client.get(reverse("admin:casework_assignmentform_change", args=[form.pk])).status_code == 200


def test_a_repeated_external_number_is_refused(alice, town):
    report(channel=rules.HOTLINE, external_ref="GD001", by=alice)
    with pytest.raises(ValidationError) as refused:
        report(channel=rules.HOTLINE, external_ref="GD001", by=alice)
    assert "GD001" in str(refused.value)
    assert Report.objects.count() == 1


def test_a_closed_form_takes_no_further_step(alice, una, town):
    form = issued(alice, town)
    services.form_act(form=form, by=alice, action=rules.CLOSE_NOT_RECTIFIED, text="单位拒不整改")
    with pytest.raises(ValidationError):
        services.form_act(form=form, by=alice, action=rules.NOTE, text="补充")
    assert FormEvent.objects.filter(form=form).count() == 2


# Social supervisors --------------------------------------------------------------------------


@pytest.fixture
def sun(dept_a, dept_b):
    from casework.models import Supervisor

    supervisor = Supervisor.objects.create(jurisdiction=default_jurisdiction(), name="孙监督", phone="13700001111",
                                           affiliation="人大代表", appointed_on=dt.date(2026, 1, 1))
    supervisor.departments.set([dept_a, dept_b])
    return supervisor


def test_a_supervisors_report_is_a_channel_of_its_own(client, alice, sun, town):
    client.force_login(alice)
    response = client.post(reverse("admin:casework_report_add"), {
        "channel": rules.SUPERVISOR, "title": "暗访发现窗口空岗", "description": "上午9点窗口无人。", "supervisor": sun.pk,
    })
    assert response.status_code == 302
    item = Report.objects.get()
    assert item.channel == rules.SUPERVISOR and item.supervisor == sun
    listed = client.get(reverse("admin:casework_supervisor_changelist")).content.decode()
    assert "孙监督" in listed


def test_a_supervisors_report_names_the_supervisor(client, alice, sun, town):
    client.force_login(alice)
    response = client.post(reverse("admin:casework_report_add"), {
        "channel": rules.SUPERVISOR, "title": "暗访", "description": "内容",
    })
    assert response.status_code == 200 and "请选择反映问题的社会监督员" in response.content.decode()
    assert not Report.objects.exists()


def test_a_supervisor_reports_through_their_own_link_on_their_channel(client, alice, sun, town):
    client.force_login(alice)
    response = client.post(reverse("admin:casework_supervisor_changelist"),
                           {"action": "make_report_links", "_selected_action": [sun.pk]})
    assert response.status_code == 302
    sun.refresh_from_db()
    link = reverse("casework:supervisor_report", args=[sun.report_token])
    assert link in client.get(reverse("admin:casework_supervisor_change", args=[sun.pk])).content.decode()
    client.logout()
    page = client.get(link).content.decode()
    assert "这是社会监督员的专用举报链接" in page and "孙监督" not in page and "13700001111" not in page
    response = client.post(link, {"title": "暗访发现窗口空岗", "description": "上午9点三号窗口无人。", "unit_name": "淳溪街道"})
    assert response.status_code == 302
    item = Report.objects.get()
    assert (item.channel, item.supervisor, item.unit, item.reporter_name) == (rules.SUPERVISOR, sun, town, "孙监督")


def test_a_new_link_ends_the_old_one_and_a_dismissed_supervisors_link_is_not_found(client, sun):
    old = services.supervisor_link_make(supervisor=sun)
    new = services.supervisor_link_make(supervisor=sun)
    assert client.get(reverse("casework:supervisor_report", args=[old])).status_code == 404
    assert client.get(reverse("casework:supervisor_report", args=[new])).status_code == 200
    sun.state, sun.dismissed_on, sun.dismissal_reason = sun.State.DISMISSED, dt.date(2026, 6, 30), "任期届满"
    sun.save()
    assert client.get(reverse("casework:supervisor_report", args=[new])).status_code == 404
    with pytest.raises(ValidationError):
        services.supervisor_link_make(supervisor=sun)
    assert not Report.objects.exists()


def test_the_roster_groups_supervisors_by_the_departments_they_watch(client, alice, sun, dept_a, dept_b):
    client.force_login(alice)
    body = client.get(reverse("admin:casework_supervisor_roster")).content.decode()
    assert body.count("孙监督") == 2 and dept_a.name in body and dept_b.name in body


def test_a_dismissal_needs_its_date_and_reason(sun):
    from casework.models import Supervisor

    sun.state = Supervisor.State.DISMISSED
    with pytest.raises(ValidationError):
        sun.full_clean()
    sun.dismissed_on, sun.dismissal_reason = dt.date(2026, 6, 1), "连续三个月未履职"
    sun.full_clean()


def test_nobody_deletes_a_supervisor(client, alice, sun):
    client.force_login(alice)
    assert client.get(reverse("admin:casework_supervisor_delete", args=[sun.pk])).status_code == 403


# The states' names, as the office calls them -------------------------------------------------


def test_the_office_renames_a_state_and_the_desk_and_the_lists_use_its_name(client, alice, una, town):
    from casework.models import CaseworkSettings

    CaseworkSettings.objects.create(jurisdiction=default_jurisdiction(), label_closed="已办结")
    form = issued(alice, town)
    services.form_act(form=form, by=una, action=rules.ACKNOWLEDGE)
    services.form_act(form=form, by=una, action=rules.REPLY, text="已整改")
    services.form_act(form=form, by=alice, action=rules.CLOSE)
    form.refresh_from_db()
    assert form.get_state_display() == "已办结" and form.state == rules.CLOSED  # the state itself is the same
    client.force_login(una)
    assert "已办结" in client.get(reverse("desk:form", args=[form.pk])).content.decode()
    assert "已办结" in client.get(reverse("desk:forms")).content.decode()
    client.force_login(alice)
    listed = client.get(reverse("admin:casework_assignmentform_changelist")).content.decode()
    assert "已办结" in listed and "已销号" not in listed  # the column and the filter


def test_two_states_may_not_share_a_name(db):
    from casework.models import CaseworkSettings

    setting = CaseworkSettings(jurisdiction=default_jurisdiction(), label_closed="已签收")
    with pytest.raises(ValidationError) as caught:
        setting.full_clean()
    assert caught.value.message_dict["label_closed"] == ["“已签收”已是另一状态（已签收）的名称，各状态的名称不能相同"]


def test_a_unit_filters_its_forms_by_progress_year_and_role(client, alice, una, town, town2):
    from django.utils import timezone

    from workdays.models import CalendarDay

    today = timezone.localdate()
    CalendarDay.objects.create(date=dt.date(today.year + 1, 1, 1), is_working=False, note="元旦")  # the year is known
    late = issued(alice, town, issued_on=dt.date(2026, 3, 2), days=10, title="超期未办")
    fresh = issued(alice, town, issued_on=today, days=5, title="刚刚交办")
    done = issued(alice, town, issued_on=dt.date(2026, 3, 2), title="已经销号")
    services.form_act(form=done, by=una, action=rules.ACKNOWLEDGE, today=dt.date(2026, 3, 3))
    services.form_act(form=done, by=una, action=rules.REPLY, text="已整改", today=dt.date(2026, 3, 4))
    services.form_act(form=done, by=alice, action=rules.CLOSE, today=dt.date(2026, 3, 5))
    helping = issued(alice, town2, town, issued_on=today, title="协助办理")
    client.force_login(una)

    def listed(**query) -> set[str]:
        body = client.get(reverse("desk:forms"), query).content.decode()
        return {f.title for f in (late, fresh, done, helping) if f"data-form=\"{f.number}\"" in body}

    assert listed() == {"超期未办", "刚刚交办", "已经销号", "协助办理"}
    assert listed(show="overdue") == {"超期未办"}
    assert listed(show="open") == {"超期未办", "刚刚交办", "协助办理"}
    assert listed(show="closed") == {"已经销号"}
    assert listed(role="co") == {"协助办理"}
    assert listed(role="lead", show="open") == {"超期未办", "刚刚交办"}
    assert listed(year=str(today.year)) >= {"刚刚交办", "协助办理"}
    refused = client.get(reverse("desk:forms"), {"show": "everything"})
    assert refused.status_code == 200 and "选择一个有效的选项" in refused.content.decode()
