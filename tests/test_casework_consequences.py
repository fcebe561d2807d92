"""What a form leads to: deductions at year end, a yellow light, a rectification form for
each light, reminders, "is it fixed?", and the office's records of discipline. People as
in tests/test_casework.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from casework import rules, services
from casework.models import AssignmentForm, CaseworkYear, Deduction, Followup
from notifications.models import Notification
from ratings.models import Rating
from tests.factories import PeriodFactory, RatingFactory, default_jurisdiction
from tests.test_casework import issued, report, una  # noqa: F401 (fixtures)
from tests.test_desk import unit_staff


@pytest.fixture
def cody(town2):
    return unit_staff("cody", town2)


def close(form, alice, una, *, on: dt.date, rectified: bool = True) -> None:
    services.form_act(form=form, by=una, action=rules.ACKNOWLEDGE, today=on)
    services.form_act(form=form, by=una, action=rules.REPLY, text="已整改", today=on)
    if rectified:
        services.form_act(form=form, by=alice, action=rules.CLOSE, today=on)
    else:
        services.form_act(form=form, by=alice, action=rules.CLOSE_NOT_RECTIFIED, text="整改不到位", today=on)


# The deduction ledger, against a hand-worked year ------------------------------------------


def test_the_ledger_charges_each_late_or_unrectified_form_once(alice, una, cody, town, town2):
    """2026, 0.5 points a late form, 1 point a form not rectified. All issued Monday 2 March
    with 10 working days: due Monday 16 March.

    - 1号 淳溪街道, closed 13 March: on time, nothing.
    - 2号 淳溪街道, closed 18 March: two working days late, 0.5.
    - 3号 淳溪街道, closed as not rectified on 20 March: 1 (not 1.5: one failure, one line).
    - 4号 古柏街道, still open on 23 March: five working days past, 0.5.
    - 5号 古柏街道, still open, issued 20 March: not yet due, nothing.
    Total: 淳溪街道 1.5, 古柏街道 0.5."""
    CaseworkYear.objects.create(jurisdiction=default_jurisdiction(), year=2026, overdue_points=Decimal("0.5"),
                                not_rectified_points=Decimal("1"))
    close(issued(alice, town), alice, una, on=dt.date(2026, 3, 13))
    close(issued(alice, town), alice, una, on=dt.date(2026, 3, 18))
    close(issued(alice, town), alice, una, on=dt.date(2026, 3, 20), rectified=False)
    issued(alice, town2)
    issued(alice, town2, issued_on=dt.date(2026, 3, 20))
    lines = services.deductions_recompute(jurisdiction=default_jurisdiction(), year=2026, today=dt.date(2026, 3, 23))
    assert sorted((d.form.number, d.reason, d.points) for d in lines) == [
        ("效交〔2026〕2号", "overdue", Decimal("0.5")),
        ("效交〔2026〕3号", "not_rectified", Decimal("1")),
        ("效交〔2026〕4号", "overdue", Decimal("0.5")),
    ]
    by_unit = {}
    for line in Deduction.objects.all():
        by_unit[line.unit.name] = by_unit.get(line.unit.name, 0) + line.points
    assert by_unit == {"淳溪街道": Decimal("1.5"), "古柏街道": Decimal("0.5")}
    late = Deduction.objects.get(form__seq=2)
    assert late.explanation == "效交〔2026〕2号 超期 2 个工作日办结，扣 0.5 分"
    assert Deduction.objects.get(form__seq=4).explanation == "效交〔2026〕4号 已超期 5 个工作日仍未办结，扣 0.5 分"


def test_recomputing_the_ledger_gives_the_same_lines_not_more(alice, una, town):
    CaseworkYear.objects.create(jurisdiction=default_jurisdiction(), year=2026, overdue_points=Decimal("0.5"))
    issued(alice, town)
    for _ in range(2):
        services.deductions_recompute(jurisdiction=default_jurisdiction(), year=2026, today=dt.date(2026, 4, 1))
    assert Deduction.objects.count() == 1


def test_a_year_without_points_deducts_nothing(alice, town):
    issued(alice, town)
    assert services.deductions_recompute(jurisdiction=default_jurisdiction(), year=2026,
                                         today=dt.date(2026, 12, 1)) == []


# Lights and forms ----------------------------------------------------------------------------


def test_the_office_turns_a_form_into_a_yellow_light_linked_both_ways(alice, dept_a, town, yellow_criterion):
    form = issued(alice, town)
    rating = services.form_to_rating(form=form, by=alice, department=dept_a, criterion=yellow_criterion,
                                     reason="交办问题逾期未整改", today=dt.date(2026, 3, 20))
    form.refresh_from_db()
    assert form.rating == rating and list(rating.casework_forms.all()) == [form]
    assert rating.kind == "yellow_light" and rating.status == Rating.Status.SUBMITTED and rating.unit == town
    with pytest.raises(ValidationError):
        services.form_to_rating(form=form, by=alice, department=dept_a, reason="再转一次", today=dt.date(2026, 3, 20))
    assert Rating.objects.count() == 1


def test_each_approved_light_gets_one_rectification_form_when_the_year_asks(alice, una, dept_a, town):
    january = PeriodFactory(year=2026, month=1)
    light = RatingFactory(period=january, department=dept_a, unit=town, kind="yellow_light", outcome="yellow_light",
                          status=Rating.Status.APPROVED, reviewed_at=timezone.now(), reason="工单超期未办")
    RatingFactory(period=january, department=dept_a, unit=town, kind="red_flag", outcome="red_flag",
                  status=Rating.Status.APPROVED, reviewed_at=timezone.now())
    jurisdiction = default_jurisdiction()
    assert services.rectification_forms_open(jurisdiction=jurisdiction, year=2026) == []  # not asked for
    CaseworkYear.objects.create(jurisdiction=jurisdiction, year=2026, rectification_forms=True, rectification_days=15)
    opened = services.rectification_forms_open(jurisdiction=jurisdiction, year=2026, today=dt.date(2026, 2, 2))
    assert [f.source_rating for f in opened] == [light]
    form = opened[0]
    assert form.channel == rules.LIGHT and form.days == 15 and form.lead_unit == town and form.issued_by is None
    assert Notification.objects.filter(recipient=una, kind="form_issued").exists()
    assert services.rectification_forms_open(jurisdiction=jurisdiction, year=2026) == []
    assert AssignmentForm.objects.count() == 1


# Reminders -----------------------------------------------------------------------------------


def test_the_lead_unit_is_reminded_before_the_deadline_and_after_it_once_a_day(alice, una, cody, town, town2):
    form = issued(alice, town, town2)  # due Monday 16 March; reminders two working days before
    assert services.form_reminders_send(today=dt.date(2026, 3, 11)) == 0
    assert services.form_reminders_send(today=dt.date(2026, 3, 12)) == 1
    services.form_reminders_send(today=dt.date(2026, 3, 12))
    reminders = Notification.objects.filter(kind="form_due", recipient=una)
    assert reminders.count() == 1 and "将于 2026-03-16 到期" in reminders.get().title
    assert not Notification.objects.filter(kind="form_due", recipient=cody).exists()
    services.form_reminders_send(today=dt.date(2026, 3, 17))
    assert Notification.objects.filter(kind="form_due", recipient=una, title__contains="已超期").count() == 1
    assert Notification.objects.get(kind="form_due", title__contains="已超期").link == reverse("desk:form", args=[form.pk])


def test_a_closed_or_paused_form_is_not_reminded(alice, una, town):
    closed = issued(alice, town)
    close(closed, alice, una, on=dt.date(2026, 3, 5))
    paused = issued(alice, town)
    services.form_act(form=paused, by=alice, action=rules.PAUSE, text="等待鉴定", today=dt.date(2026, 3, 4))
    assert services.form_reminders_send(today=dt.date(2026, 3, 20)) == 0


# Is it fixed? --------------------------------------------------------------------------------


def test_after_closing_the_reporter_is_asked_once_whether_it_is_fixed(client, alice, una, town,
                                                                    django_capture_on_commit_callbacks):
    item = report(reporter_email="wang@example.cn")
    form = issued(alice, town, reports=[item])
    with django_capture_on_commit_callbacks(execute=True):
        close(form, alice, una, on=dt.date(2026, 3, 10))
    followup = Followup.objects.get(report=item)
    asking = [m for m in mail.outbox if m.to == ["wang@example.cn"]]
    assert len(asking) == 1 and followup.token in asking[0].body
    page = client.get(reverse("casework:track_code", args=[item.code]))
    assert reverse("casework:followup", args=[followup.token]) in page.content.decode()
    answer = reverse("casework:followup", args=[followup.token])
    assert client.post(answer, {"answer": "partly", "comment": "窗口好了，电话还是打不通"}).status_code == 302
    again = client.post(answer, {"answer": "satisfied"})
    assert again.status_code == 400
    followup.refresh_from_db()
    assert followup.answer == "partly"
    assert "基本满意，部分解决" in client.get(reverse("casework:track_code", args=[item.code])).content.decode()


def test_an_answer_must_be_one_of_the_three(client, alice, una, town):
    item = report()
    close(issued(alice, town, reports=[item]), alice, una, on=dt.date(2026, 3, 10))
    followup = Followup.objects.get(report=item)
    assert client.post(reverse("casework:followup", args=[followup.token]), {"answer": "great"}).status_code == 400
    followup.refresh_from_db()
    assert followup.answered_at is None


def test_an_unknown_followup_link_is_not_found(client, db):
    assert client.get(reverse("casework:followup", args=["nope"])).status_code == 404


# Discipline and accountability ---------------------------------------------------------------


def test_accountability_is_the_offices_and_never_on_the_units_desk(client, alice, una, town):
    form = issued(alice, town)
    services.form_transfer(form=form, by=alice, sent_on="2026-03-20")
    services.accountability_record(form=form, by=alice, person="ZQPERSONQZ", position="科长",
                                   measure="warning", decided_on="2026-04-01")
    client.force_login(alice)
    assert "ZQPERSONQZ" in client.get(reverse("admin:casework_assignmentform_change", args=[form.pk])).content.decode()
    client.force_login(una)
    assert "ZQPERSONQZ" not in client.get(reverse("desk:form", args=[form.pk])).content.decode()


def test_a_transfer_outcome_before_the_transfer_is_refused(alice, town):
    form = issued(alice, town)
    with pytest.raises(ValidationError):
        services.form_transfer(form=form, by=alice, sent_on="2026-03-20", outcome="立案", outcome_on="2026-03-01")
    form.refresh_from_db()
    assert form.transferred_on is None


# The ledger in the year's scorecard (考核方案's 交办单 item) -----------------------------------

CASEWORK_SCORECARD = """编码,名称,上级编码,分值,计分方式,适用类别,牵头单位,基础分
1,效能建设,,20,,,,
1.1,效能亮榜,1,10,效能亮榜,,,8
1.2,交办单办理,1,10,交办单,,,
"""


def casework_scorecard(tmp_path, year: int = 2026):
    from assessment.importing import import_scorecard, read_scorecard_file

    path = tmp_path / "card.csv"
    path.write_text(CASEWORK_SCORECARD, encoding="utf-8")
    return import_scorecard(read_scorecard_file(path), jurisdiction=default_jurisdiction(), year=year)


def test_the_scorecards_casework_item_deducts_the_ledger_and_says_why(alice, una, town, town2, tmp_path):
    """淳溪街道: one form closed two working days late (0.5) and one closed not rectified
    (1): 10 − 1.5 = 8.5 on 1.2, with the board's 8 on 1.1: 16.5. 古柏街道 has no form: 18."""
    from assessment import services as assessment_services
    from assessment.models import YearScore
    from assessment.selectors import composite_lines

    CaseworkYear.objects.create(jurisdiction=default_jurisdiction(), year=2026, overdue_points=Decimal("0.5"),
                                not_rectified_points=Decimal("1"))
    close(issued(alice, town), alice, una, on=dt.date(2026, 3, 18))
    close(issued(alice, town), alice, una, on=dt.date(2026, 3, 20), rectified=False)
    casework_scorecard(tmp_path)
    assert not Deduction.objects.exists()  # the roll-up works the ledger out itself
    assessment_services.year_rollup(jurisdiction=default_jurisdiction(), year=2026)
    got = {s.unit: s for s in YearScore.objects.filter(year=2026, unit__in=[town, town2])}
    assert (got[town].composite_total, got[town2].composite_total) == (Decimal("16.50"), Decimal("18.00"))
    assert ("1.2 交办单办理", "超期或未整改的交办单2份，扣1.5分：本项10分，计8.50分") in composite_lines(got[town])
    assert ("1.2 交办单办理", "没有超期或未整改的交办单：计满分10.00分") in composite_lines(got[town2])
    assert Deduction.objects.filter(unit=town).count() == 2


def test_a_result_imported_for_the_casework_item_is_refused_naming_the_row(town, tmp_path):
    from assessment.importing import import_results, read_results_file
    from departments.importing import ImportRejected

    casework_scorecard(tmp_path)
    path = tmp_path / "results.csv"
    path.write_text(f"指标编码,被考核单位,排名,得分,完成数,任务数\n1.2,{town.code},,8,,\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        import_results(read_results_file(path), jurisdiction=default_jurisdiction(), year=2026)
    assert any("第 2 行" in m and "“交办单”指标按交办单扣分台账自动计分，不导入结果" in m for m in caught.value.messages)
