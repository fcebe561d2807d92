"""Evaluation rounds on the database and through their pages.

The personas:
- ``alice`` (效能办) prepares, opens and closes rounds; while a round is open she sees
  response counts, never an answer; once closed, results per unit.
- ``leo`` and ``lily`` are leaders and evaluators in the 市领导 group; each sees only
  their own sheet. ``leo`` works in 第三街道 (town3) and never rates it.
- ``una`` works for 淳溪街道 (town): she writes its highlights, and sees its own result
  once the round is closed, never another unit's.
- ``cody`` works for 古柏街道 (town2).
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from departments import roles
from evaluations import selectors, services
from evaluations.models import Assignment, EvaluatorGroup, Highlight, Member, Round, RoundResult, Sheet, State
from notifications.models import Notification
from tests.factories import OrganisationFactory, default_jurisdiction, make_user
from tests.test_desk import unit_staff

D = Decimal


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
def lily(db):
    return make_user("lily", roles.LEADER)


@pytest.fixture
def leaders(db, leo, lily, town3):
    group = EvaluatorGroup.objects.create(jurisdiction=default_jurisdiction(), name="市领导")
    Member.objects.create(group=group, user=leo, title="副市长", own_unit=town3)
    Member.objects.create(group=group, user=lily, title="秘书长")
    return group


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def round_(leaders, town, town2, town3, today):
    """Three units, two leaders: each leader rates 1–3 units, each unit gets 1–2."""
    r = Round.objects.create(
        jurisdiction=default_jurisdiction(), year=today.year, name="市领导评议", group=leaders,
        opens_on=today - dt.timedelta(days=1), closes_on=today + dt.timedelta(days=10),
        evaluator_min=1, evaluator_max=3, unit_min=1, unit_max=2, min_answers=2, extra_max=1,
        extra_weight=D("0.5"), item_code="2.1", weight=D(60))
    r.units.set([town, town2, town3])
    return r


def member(user) -> Member:
    return Member.objects.get(user=user)


def opened(round_: Round) -> Round:
    services.assignment_propose(round_=round_)
    return services.round_open(round_=round_)


def grade_everything(round_, user, grade: int, submit: bool = True):
    m = member(user)
    entries = {a.unit_id: services.Entry(grade=str(grade)) for a in Assignment.objects.filter(round=round_, member=m)}
    return services.sheet_save(round_=round_, member=m, entries=entries, submit=submit)


# The assignment --------------------------------------------------------------------------


def test_the_proposed_assignment_keeps_the_bounds_and_leo_off_his_own_unit(round_, leo, lily, town3):
    count = services.assignment_propose(round_=round_)
    per_member = {m: set(Assignment.objects.filter(round=round_, member__user=m).values_list("unit_id", flat=True))
                  for m in (leo, lily)}
    assert count == sum(len(v) for v in per_member.values())
    assert town3.pk not in per_member[leo]
    assert all(1 <= len(units) <= 3 for units in per_member.values())
    assert services.assignment_problems(round_=round_) == []


def test_an_impossible_assignment_is_refused_with_the_reason_and_nothing_is_written(round_):
    round_.evaluator_min = round_.evaluator_max = 3  # 2 × 3 = 6 ratings, but units take at most 3 × 1
    round_.unit_max = 1
    round_.save()
    with pytest.raises(ValidationError) as refused:
        services.assignment_propose(round_=round_)
    assert "单位不够" in refused.value.messages[0]
    assert not Assignment.objects.exists()


def test_a_hand_adjustment_that_breaks_the_numbers_is_reported_to_the_office(round_, lily, town):
    services.assignment_propose(round_=round_)
    Assignment.objects.filter(round=round_, unit=town).delete()
    problems = services.assignment_problems(round_=round_)
    assert any("淳溪街道" in p and "0位评议人" in p for p in problems)
    services.assignment_add(round_=round_, member=member(lily), unit=town)
    assert not any("淳溪街道" in p for p in services.assignment_problems(round_=round_))


def test_nobody_is_assigned_their_own_unit_by_hand(round_, leo, town3):
    with pytest.raises(ValidationError, match="不评议本单位"):
        services.assignment_add(round_=round_, member=member(leo), unit=town3)


# Opening and the sheets -------------------------------------------------------------------


def test_opening_needs_an_assignment_and_tells_each_evaluator(round_, leo, lily, django_capture_on_commit_callbacks):
    with pytest.raises(ValidationError, match="评议安排"):
        services.round_open(round_=round_)
    services.assignment_propose(round_=round_)
    with django_capture_on_commit_callbacks(execute=True):
        services.round_open(round_=round_)
    assert set(Notification.objects.filter(kind="evaluation_opened").values_list("recipient__username", flat=True)) \
        == {"leo", "lily"}
    assert Sheet.objects.filter(round=round_).count() == 2


def test_submitting_with_a_unit_unanswered_names_it_and_changes_nothing(round_, leo, town, town2):
    services.assignment_propose(round_=round_)
    m = member(leo)
    for unit in (town, town2):
        services.assignment_add(round_=round_, member=m, unit=unit)
    services.round_open(round_=round_)
    with pytest.raises(ValidationError) as refused:
        services.sheet_save(round_=round_, member=m, entries={town.pk: services.Entry(grade="0")}, submit=True)
    assert str(town2.pk) in refused.value.message_dict and str(town.pk) not in refused.value.message_dict
    # the answer typed with the refused submission is not kept either
    assert Assignment.objects.get(round=round_, member=m, unit=town).points is None
    assert not Sheet.objects.get(round=round_, member=m).submitted_at


def test_a_submitted_sheet_cannot_be_changed(round_, leo):
    opened(round_)
    grade_everything(round_, leo, 0)
    with pytest.raises(ValidationError, match="已经提交"):
        grade_everything(round_, leo, 3)


@pytest.mark.parametrize("entry, message", [
    (services.Entry(grade="7"), "请选择等次"),
    (services.Entry(grade="x"), "请选择等次"),
    (services.Entry(grade="0", comment="长" * 501), "500"),
])
def test_a_bad_answer_is_refused_on_its_line(round_, leo, entry, message):
    opened(round_)
    m = member(leo)
    a = Assignment.objects.filter(round=round_, member=m).first()
    with pytest.raises(ValidationError) as refused:
        services.sheet_save(round_=round_, member=m, entries={a.unit_id: entry})
    assert message in refused.value.message_dict[str(a.unit_id)][0]


def test_a_sheet_outside_the_window_is_refused(round_, leo, today):
    opened(round_)
    with pytest.raises(ValidationError, match="截止"):
        services.sheet_save(round_=round_, member=member(leo), entries={}, today=round_.closes_on + dt.timedelta(days=1))


def test_the_extra_sheet_takes_the_rounds_limit(round_, leo, lily, town, town2, town3):
    services.assignment_propose(round_=round_)
    Assignment.objects.filter(round=round_, member__user=lily).delete()
    services.assignment_add(round_=round_, member=member(lily), unit=town)
    services.round_open(round_=round_)
    services.sheet_save(round_=round_, member=member(lily), entries={}, extra_units=[town2.pk])
    assert Assignment.objects.get(round=round_, member__user=lily, unit=town2).extra
    with pytest.raises(ValidationError, match="附页最多"):
        services.sheet_save(round_=round_, member=member(lily), entries={}, extra_units=[town3.pk])


# Sealing ------------------------------------------------------------------------------------


def test_while_open_the_office_sees_counts_and_no_answer(client, round_, alice, leo):
    opened(round_)
    m = member(leo)
    a = Assignment.objects.filter(round=round_, member=m).first()
    services.sheet_save(round_=round_, member=m, entries={a.unit_id: services.Entry(grade="3", comment="窗口服务太慢")})
    client.force_login(alice)
    page = client.get(reverse("admin:evaluations_round_board", args=[round_.pk])).content.decode()
    assert "已评 1 /" in page and "窗口服务太慢" not in page and 'id="round-results"' not in page
    assignment_page = client.get(reverse("admin:evaluations_round_changelist")).content.decode()
    assert "窗口服务太慢" not in assignment_page


def test_an_evaluator_sees_their_own_sheet_and_not_anyone_elses(client, round_, leo, lily):
    opened(round_)
    grade_everything(round_, lily, 3, submit=False)
    client.force_login(leo)
    page = client.get(reverse("evaluations:sheet", args=[round_.pk]))
    assert page.status_code == 200
    assert b' checked' not in page.content  # lily's 差 answers are hers only
    client.force_login(make_user("stranger", roles.LEADER))
    assert client.get(reverse("evaluations:sheet", args=[round_.pk])).status_code == 404


def test_a_unit_and_a_leader_see_no_result_while_the_round_is_open(client, round_, leo, lily, una, dept_a):
    opened(round_)
    grade_everything(round_, leo, 0)
    client.force_login(una)
    assert "本单位得分" not in client.get(reverse("desk:evaluations")).content.decode()
    viewer = make_user("lee", roles.LEADER)
    client.force_login(viewer)
    page = client.get(reverse("admin:evaluations_round_board", args=[round_.pk])).content.decode()
    assert 'id="round-progress"' not in page and 'id="round-results"' not in page


# Closing and results ---------------------------------------------------------------------------


def test_closing_turns_the_submitted_sheets_into_results_with_a_flag_for_too_few(round_, leo, lily, town, town2, town3):
    """Hand-worked: both leaders rate 淳溪街道; leo 好 (100), lily 一般 (70): 85.00, spread 15.
    A draft sheet does not count."""
    services.assignment_propose(round_=round_)
    Assignment.objects.filter(round=round_).delete()
    for user, units in ((leo, [town, town2]), (lily, [town, town3])):
        for unit in units:
            services.assignment_add(round_=round_, member=member(user), unit=unit)
    services.round_open(round_=round_)
    services.sheet_save(round_=round_, member=member(leo), submit=True, entries={
        town.pk: services.Entry(grade="0"), town2.pk: services.Entry(grade="1")})
    services.sheet_save(round_=round_, member=member(lily), submit=True, entries={
        town.pk: services.Entry(grade="2"), town3.pk: services.Entry(grade="3")})
    services.round_close(round_=round_)
    got = {r.unit_id: r for r in RoundResult.objects.filter(round=round_)}
    assert (got[town.pk].score, got[town.pk].evaluators, got[town.pk].spread, got[town.pk].too_few) == \
        (D("85.00"), 2, D("15.00"), False)
    assert (got[town2.pk].score, got[town2.pk].too_few) == (D("85.00"), True)  # one 较好, fewer than 2
    assert got[town3.pk].score == D("50.00")


def test_after_closing_a_unit_sees_its_own_result_and_no_other(client, round_, leo, lily, una, town, town2):
    opened(round_)
    grade_everything(round_, leo, 0)
    grade_everything(round_, lily, 1)
    services.round_close(round_=round_)
    client.force_login(una)
    page = client.get(reverse("desk:evaluations")).content.decode()
    mine = RoundResult.objects.get(round=round_, unit=town)
    assert "本单位得分" in page and str(mine.score) in page
    assert "古柏街道" not in page


def test_a_closed_round_refuses_every_change(round_, leo, town, una):
    opened(round_)
    services.round_close(round_=round_)
    with pytest.raises(ValidationError):
        grade_everything(round_, leo, 0)
    with pytest.raises(ValidationError):
        services.highlight_save(round_=round_, unit=town, text="亮点")
    with pytest.raises(ValidationError):
        services.assignment_add(round_=round_, member=member(leo), unit=town)


def test_the_daily_task_closes_rounds_past_their_window_and_reminds_the_late(round_, leo, lily, today):
    opened(round_)
    grade_everything(round_, leo, 0)
    assert services.reminders_send(today=today) == 1  # lily only
    assert services.reminders_send(today=today) == 0  # not twice a day
    assert Notification.objects.filter(kind="evaluation_due", recipient=lily).count() == 1
    assert services.rounds_close_due(today=round_.closes_on + dt.timedelta(days=1)) == 1
    round_.refresh_from_db()
    assert round_.state == State.CLOSED


# Highlights ------------------------------------------------------------------------------------


def photo_with_location() -> bytes:
    image = Image.new("RGB", (40, 20), "red")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (32.0, 4.0, 12.0), 3: "E", 4: (118.0, 52.0, 30.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_a_units_highlights_reach_its_evaluators_without_the_photos_location(client, round_, una, cody, leo, lily, town):
    client.force_login(una)
    response = client.post(reverse("desk:highlight", args=[round_.pk]), {
        "text": "“一件事一次办”改革，办理时间压缩60%",
        "pictures": [SimpleUploadedFile("现场.jpg", photo_with_location(), content_type="image/jpeg")]})
    assert response.status_code == 302
    picture = Highlight.objects.get(round=round_, unit=town).pictures.get()
    assert not Image.open(picture.file.open("rb")).getexif()
    opened(round_)
    evaluator = next(u for u in (leo, lily) if Assignment.objects.filter(round=round_, member__user=u, unit=town).exists())
    client.force_login(evaluator)
    assert "一件事一次办" in client.get(reverse("evaluations:sheet", args=[round_.pk])).content.decode()
    assert client.get(reverse("evaluations:picture", args=[picture.pk])).status_code == 200
    client.force_login(cody)
    assert client.get(reverse("evaluations:picture", args=[picture.pk])).status_code == 404


def test_a_highlight_picture_that_is_not_a_picture_is_refused(client, round_, una, town):
    client.force_login(una)
    response = client.post(reverse("desk:highlight", args=[round_.pk]), {
        "text": "亮点", "pictures": [SimpleUploadedFile("a.jpg", b"<html>not a photo</html>")]})
    assert response.status_code == 400
    assert not Highlight.objects.exists()


# The leader on the page ----------------------------------------------------------------------


def test_a_leader_fills_and_submits_the_sheet_through_the_page(client, round_, leo):
    opened(round_)
    rows = Assignment.objects.filter(round=round_, member__user=leo)
    client.force_login(leo)
    data = {f"grade-{a.unit_id}": "1" for a in rows}
    response = client.post(reverse("evaluations:sheet", args=[round_.pk]), {**data, "action": "submit"})
    assert response.status_code == 302
    assert Sheet.objects.get(round=round_, member__user=leo).submitted_at
    assert set(rows.values_list("points", flat=True)) == {D(85)}


def test_a_submission_missing_a_unit_comes_back_with_the_line_marked(client, round_, leo):
    opened(round_)
    client.force_login(leo)
    response = client.post(reverse("evaluations:sheet", args=[round_.pk]), {"action": "submit"})
    assert response.status_code == 400
    assert "请先评议这个单位再提交" in response.content.decode()


# The scorecard --------------------------------------------------------------------------------

SCORECARD = """编码,名称,上级编码,分值,计分方式,适用类别,牵头单位,基础分
1,效能建设,,5,,,,
1.1,效能亮榜,1,5,效能亮榜,,,5
2,评议,,10,,,,
2.1,领导和群众评议,2,10,评议,,,
"""


def test_the_scorecards_evaluation_item_weighs_the_closed_rounds_and_says_which(round_, leo, lily, leaders, town,
                                                                              town2, town3, tmp_path, today):
    """Hand-worked for 淳溪街道: the leaders' round (weight 60) gives 85.00 from 2
    leaders; the counties' round (weight 40) gives 70.00 from 1. (60 × 85 + 40 × 70) ÷ 100
    = 79.00; × 10 points = 7.90."""
    from assessment import services as assessment_services
    from assessment.importing import import_scorecard, read_scorecard_file
    from assessment.models import YearScore
    from assessment.selectors import composite_lines

    opened(round_)
    for user in (leo, lily):
        services.assignment_add(round_=round_, member=member(user), unit=town)
    grade_everything(round_, leo, 0)
    grade_everything(round_, lily, 2)
    services.round_close(round_=round_)
    counties = Round.objects.create(
        jurisdiction=default_jurisdiction(), year=today.year, name="县市区评议", group=leaders,
        opens_on=today - dt.timedelta(days=1), closes_on=today + dt.timedelta(days=5), evaluator_min=1,
        evaluator_max=3, unit_min=0, unit_max=2, min_answers=1, item_code="2.1", weight=D(40))
    counties.units.set([town])
    services.assignment_add(round_=counties, member=member(lily), unit=town)
    services.round_open(round_=counties)
    grade_everything(counties, lily, 2)
    services.round_close(round_=counties)

    path = tmp_path / "card.csv"
    path.write_text(SCORECARD, encoding="utf-8")
    import_scorecard(read_scorecard_file(path), jurisdiction=default_jurisdiction(), year=today.year)
    assessment_services.year_rollup(jurisdiction=default_jurisdiction(), year=today.year)
    score = YearScore.objects.get(year=today.year, unit=town)
    line = dict(composite_lines(score))["2.1 领导和群众评议"]
    assert line == "评议市领导评议 (60%) 85.00、县市区评议 (40%) 70.00，共3人次：加权得分79.00（百分制）× 10分 = 7.90分"


# Daily evaluation --------------------------------------------------------------------------------


@pytest.fixture
def eve(db, town3):
    """A 评议员 of the daily evaluators' group, no admin, working in 第三街道."""
    user = make_user("eve", roles.EVALUATOR)
    user.is_staff = False
    user.save(update_fields=["is_staff"])
    group = EvaluatorGroup.objects.create(jurisdiction=default_jurisdiction(), name="作风效能评议员")
    Member.objects.create(group=group, user=user, own_unit=town3)
    return user


def test_an_evaluator_leaves_a_daily_evaluation_the_unit_answers_once(client, eve, una, town, today,
                                                                      django_capture_on_commit_callbacks):
    client.force_login(eve)
    assert client.get("/").status_code in (200, 302)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evaluations:daily"), {
            "unit": town.pk, "on": today.isoformat(), "grade": "2", "text": "导办台无人", "suggestion": "增派人员"})
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=una, kind="daily_evaluation").exists()
    client.force_login(una)
    page = client.get(reverse("desk:daily")).content.decode()
    assert "导办台无人" in page and "eve" not in page  # the unit does not see who wrote it
    evaluation = eve.evaluator_memberships.get().daily.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("desk:daily"), {"evaluation": evaluation.pk, "reply": "已增派导办员"}).status_code == 302
    assert Notification.objects.filter(recipient=eve, kind="daily_replied").exists()
    assert client.post(reverse("desk:daily"), {"evaluation": evaluation.pk, "reply": "再答一次"}).status_code == 400
    evaluation.refresh_from_db()
    assert evaluation.reply == "已增派导办员"


@pytest.mark.parametrize("field, value, message", [
    ("on", "2099-01-01", "不能晚于今天"),
    ("text", "", "请填写评议内容"),
    ("grade", "9", "请选择等次"),
])
def test_a_bad_daily_evaluation_is_refused_and_nothing_is_kept(client, eve, town, today, field, value, message):
    client.force_login(eve)
    data = {"unit": town.pk, "on": today.isoformat(), "grade": "1", "text": "很好", field: value}
    response = client.post(reverse("evaluations:daily"), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not eve.evaluator_memberships.get().daily.exists()


def test_nobody_leaves_a_daily_evaluation_of_their_own_unit(eve, town3, today):
    with pytest.raises(ValidationError, match="不评议本单位"):
        services.daily_submit(member=eve.evaluator_memberships.get(), unit=town3, on=today, grade=0, text="好")


def test_a_daily_round_counts_each_evaluators_evaluations_of_a_unit_as_one_answer(eve, town, town2, today):
    """eve rates 淳溪街道 好 (100) and 一般 (70): one answer of 85; another evaluator 差 (50):
    the unit's result is (85 + 50) ÷ 2 = 67.50 from 2 evaluators."""
    member = eve.evaluator_memberships.get()
    other = Member.objects.create(group=member.group, user=make_user("ed", roles.EVALUATOR))
    for who, grade in ((member, 0), (member, 2), (other, 3)):
        services.daily_submit(member=who, unit=town, on=today, grade=grade, text="评议")
    round_ = Round.objects.create(jurisdiction=default_jurisdiction(), year=today.year, name="日常评议",
                                  group=member.group, source=Round.Source.DAILY, opens_on=today.replace(month=1, day=1),
                                  closes_on=today, min_answers=2)
    services.round_open(round_=round_)
    services.round_close(round_=round_)
    got = RoundResult.objects.get(round=round_, unit=town)
    assert (got.score, got.evaluators, got.too_few) == (D("67.50"), 2, False)
    assert RoundResult.objects.get(round=round_, unit=town2).score is None


def test_the_results_import_refuses_a_result_for_an_evaluation_item(tmp_path, town, today):
    from assessment.importing import import_results, import_scorecard, read_results_upload, read_scorecard_file
    from departments.importing import ImportRejected

    path = tmp_path / "card.csv"
    path.write_text(SCORECARD, encoding="utf-8")
    import_scorecard(read_scorecard_file(path), jurisdiction=default_jurisdiction(), year=today.year)
    content = f"指标编码,被考核单位,排名,得分,完成数,任务数\n2.1,{town.name},,8,,\n".encode("utf-8")
    with pytest.raises(ImportRejected, match="按已结束的评议轮次自动计分"):
        import_results(read_results_upload(name="结果.csv", content=content), jurisdiction=default_jurisdiction(),
                       year=today.year)


# Weights and the morning task -------------------------------------------------------------------


def test_the_weights_feeding_one_item_may_not_pass_100_and_the_board_says_when_they_miss_it(client, alice, round_,
                                                                                             leaders, today, town):
    from django.forms.models import model_to_dict

    from evaluations.admin import RoundForm

    data = {k: v for k, v in model_to_dict(round_).items() if v is not None}
    data.update(name="县市区评议", weight="50", units=[town.pk])  # 60 + 50
    form = RoundForm(data=data, instance=Round(jurisdiction=default_jurisdiction()))
    assert not form.is_valid()
    assert "合计将为110%" in form.errors["weight"][0] and "市领导评议 60%" in form.errors["weight"][0]
    data["weight"] = "40"
    assert RoundForm(data=data, instance=Round(jurisdiction=default_jurisdiction())).is_valid()
    client.force_login(alice)
    page = client.get(reverse("admin:evaluations_round_board", args=[round_.pk])).content.decode()
    assert "权重合计为60%" in page  # 60 alone, not 100


def test_the_morning_task_closes_what_has_ended_and_reminds_the_rest(round_, leo, lily, today, settings):
    from evaluations.models import Survey
    from evaluations.tasks import evaluation_rounds_task

    opened(round_)
    survey = Survey.objects.create(jurisdiction=default_jurisdiction(), year=today.year, name="测评",
                                   opens_on=today - dt.timedelta(days=9), closes_on=today - dt.timedelta(days=1),
                                   access=Survey.Access.OPEN)
    survey.agencies.set(round_.units.all())
    from evaluations import surveys

    surveys.survey_open(survey=survey)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert evaluation_rounds_task.delay().get() == (0, 1, 2)
    survey.refresh_from_db()
    round_.refresh_from_db()
    assert survey.state == State.CLOSED and round_.state == State.OPEN


def test_text_with_a_nul_byte_is_refused_at_every_door_and_nothing_is_kept(client, round_, leo, una, eve, town, today):
    """No person types a NUL byte, and PostgreSQL refuses one: every text an evaluator, a
    unit or a resident types is refused with it, nothing stored."""
    from evaluations import surveys
    from evaluations.models import DailyEvaluation, Survey

    opened(round_)
    a = Assignment.objects.filter(round=round_, member__user=leo).first()
    client.force_login(leo)
    assert client.post(reverse("evaluations:sheet", args=[round_.pk]),
                       {"action": "save", f"grade-{a.unit_id}": "0", f"comment-{a.unit_id}": "好\x00"}).status_code == 400
    a.refresh_from_db()
    assert a.points is None and a.comment == ""
    client.force_login(una)
    assert client.post(reverse("desk:highlight", args=[round_.pk]), {"text": "亮点\x00"}).status_code == 400
    assert not Highlight.objects.exists()
    client.force_login(eve)
    assert client.post(reverse("evaluations:daily"), {"unit": town.pk, "on": today.isoformat(), "grade": "0",
                                                      "text": "好", "suggestion": "\x00"}).status_code == 400
    assert not DailyEvaluation.objects.exists()
    survey = Survey.objects.create(jurisdiction=default_jurisdiction(), year=today.year, name="测评", opens_on=today,
                                   closes_on=today, access=Survey.Access.OPEN)
    survey.agencies.set([town])
    surveys.survey_open(survey=survey)
    response = client.post(reverse("evaluations:survey", args=[survey.token]),
                           {f"level-{town.pk}": "0", "suggestion": "建议\x00"})
    assert response.status_code == 400 and not survey.responses.exists()
