"""The public satisfaction survey (满意度测评): invitation codes, the open link, anonymity,
results and the suggestions' way into casework.

The personas: ``alice`` (效能办) runs the survey; a resident with a code, and anyone on
the open link, answer it without an account."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.models import Report
from evaluations import rules, surveys
from evaluations.models import InvitationCode, Response, ResponseAnswer, State, Suggestion, Survey, SurveyResult
from tests.factories import OrganisationFactory, default_jurisdiction

D = Decimal


@pytest.fixture
def survey(db, town, town2):
    today = timezone.localdate()
    s = Survey.objects.create(jurisdiction=default_jurisdiction(), year=today.year, name="机关作风满意度测评",
                              opens_on=today - dt.timedelta(days=1), closes_on=today + dt.timedelta(days=9),
                              min_responses=2, item_code="2.1", weight=D(40))
    s.agencies.set([town, town2])
    return s


@pytest.fixture
def coded(survey):
    codes = surveys.codes_issue(survey=survey, count=5)
    surveys.survey_open(survey=survey)
    return codes


def test_codes_are_random_distinct_and_readable_off_paper(survey):
    codes = surveys.codes_issue(survey=survey, count=300)
    assert len(set(codes)) == 300
    assert all(rules.code_clean(rules.code_display(c).lower()) == c for c in codes)
    assert not any(ch in c for c in codes for ch in "01OIL")


def test_a_resident_answers_with_a_code_and_the_code_is_then_refused(client, survey, coded, town, town2):
    url = reverse("evaluations:survey", args=[survey.token])
    code = rules.code_display(coded[0])
    page = client.get(url, {"code": code})
    assert page.status_code == 200 and "淳溪街道" in page.content.decode()
    response = client.post(url, {"code": code, f"level-{town.pk}": "0", f"level-{town2.pk}": "3",
                                 "suggestion_agency": town2.pk, "suggestion": "窗口午休时间无人值守"})
    assert response.status_code == 302
    assert Response.objects.count() == 1 and InvitationCode.objects.get(code=coded[0]).used
    again = client.post(url, {"code": code, f"level-{town.pk}": "4"})
    assert again.status_code == 400 and "已经使用过" in again.content.decode()
    assert Response.objects.count() == 1
    assert "已经使用过" in client.get(url, {"code": code}).content.decode()


def test_a_made_up_code_is_refused_and_nothing_is_stored(survey, coded, town):
    with pytest.raises(ValidationError) as refused:
        surveys.response_submit(survey=survey, levels={town.pk: 0}, code="ABCD-EFGH-JK")
    assert "邀请码不正确" in refused.value.message_dict["code"][0]
    assert not Response.objects.exists() and not ResponseAnswer.objects.exists()


def test_nothing_stored_with_an_answer_ties_it_to_a_code_an_address_or_a_time(client, survey, coded, town):
    client.post(reverse("evaluations:survey", args=[survey.token]),
                {"code": coded[2], f"level-{town.pk}": "1", "suggestion": "希望延长服务时间"},
                REMOTE_ADDR="10.1.2.3")
    stored = [Response, ResponseAnswer, Suggestion]
    for model in stored:
        names = {f.name for f in model._meta.get_fields() if f.concrete}
        assert not names & {"code", "invitation", "ip", "address", "created_at", "submitted_at", "time", "user"}
    rows = [str(v) for r in Response.objects.values() for v in r.values()]
    rows += [str(v) for r in ResponseAnswer.objects.values() for v in r.values()]
    rows += [str(v) for r in Suggestion.objects.values() for v in r.values()]
    assert not any(coded[2] in v or "10.1.2.3" in v for v in rows)
    # the code knows only that it was used
    assert {f.name for f in InvitationCode._meta.concrete_fields} == {"id", "survey", "code", "used"}
    # a response's id is random, so the order of arrival is not kept either
    assert Response.objects.get().pk.version == 4


def test_the_open_link_takes_one_response_per_browser(client, survey, town):
    survey.access = Survey.Access.OPEN
    survey.save()
    surveys.survey_open(survey=survey)
    url = reverse("evaluations:survey", args=[survey.token])
    assert client.post(url, {f"level-{town.pk}": "0"}).status_code == 302
    assert "已经提交过" in client.get(url).content.decode()
    assert client.post(url, {f"level-{town.pk}": "0"}).status_code == 200
    assert Response.objects.count() == 1


def test_the_open_link_is_throttled_per_address(client, settings, survey, town):
    settings.SURVEY_RESPONSES_PER_HOUR = 2
    survey.access = Survey.Access.OPEN
    survey.save()
    surveys.survey_open(survey=survey)
    url = reverse("evaluations:survey", args=[survey.token])
    for _i in range(2):
        client.cookies.clear()
        assert client.post(url, {f"level-{town.pk}": "0"}).status_code == 302
    client.cookies.clear()
    assert client.post(url, {f"level-{town.pk}": "0"}).status_code == 429
    assert Response.objects.count() == 2


def test_a_survey_not_yet_open_or_unknown_is_not_there(client, survey):
    assert client.get(reverse("evaluations:survey", args=[survey.token])).status_code == 404
    assert client.get(reverse("evaluations:survey", args=["nope\x00"])).status_code == 404


def test_closing_gives_each_agency_its_result_and_sends_the_suggestions_to_casework(survey, coded, town, town2):
    # 淳溪街道: 非常满意, 满意, 非常满意 → (100 + 80 + 100) ÷ 3 = 93.33; 古柏街道: one 不满意 → 40, too few.
    for code, levels in zip(coded, ({town.pk: 0, town2.pk: 3}, {town.pk: 1}, {town.pk: 0})):
        surveys.response_submit(survey=survey, levels=levels, code=code,
                                suggestions=[(town2.pk, "办事指南不清楚")] if town2.pk in levels else [])
    surveys.survey_close(survey=survey)
    got = {r.agency_id: r for r in SurveyResult.objects.filter(survey=survey)}
    assert (got[town.pk].responses, got[town.pk].mean, got[town.pk].too_few) == (3, D("93.33"), False)
    assert got[town.pk].distribution == [2, 1, 0, 0, 0]
    assert (got[town2.pk].mean, got[town2.pk].too_few) == (D("40.00"), True)
    report = Report.objects.get(channel="survey")
    assert report.unit == town2 and report.description == "办事指南不清楚"
    assert Suggestion.objects.get().report == report


def test_the_results_queries_stay_flat_as_responses_grow(survey, town, town2):
    survey.access = Survey.Access.OPEN
    survey.save()
    surveys.survey_open(survey=survey)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            surveys.survey_results(survey=survey)
        return len(captured)

    surveys.response_submit(survey=survey, levels={town.pk: 0})
    few = queries()
    for i in range(30):
        surveys.response_submit(survey=survey, levels={town.pk: i % 5, town2.pk: (i + 1) % 5})
    assert queries() == few


def test_the_scorecard_takes_the_survey_with_the_rounds(survey, coded, town, town2):
    from evaluations.selectors import appraisals

    surveys.response_submit(survey=survey, levels={town.pk: 0}, code=coded[0])
    assert appraisals(jurisdiction_id=survey.jurisdiction_id, year=survey.year, item_code="2.1") == {}  # sealed
    surveys.survey_close(survey=survey)
    (score,) = appraisals(jurisdiction_id=survey.jurisdiction_id, year=survey.year, item_code="2.1")[town.pk].rounds
    assert (score.name, score.weight, score.score, score.evaluators) == ("机关作风满意度测评", D(40), D("100.00"), 1)
