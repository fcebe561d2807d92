"""The writes and reads of the public satisfaction survey (满意度测评).

Anonymity, after LimeSurvey's anonymised mode: an invitation code only knows whether it
was used; a response has a random id and no time, no code, no address; the suggestions
reach casework when the survey closes, dated then, not when they were written. Nothing
stored ties an answer to a code or a person."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Organisation
from evaluations import rules
from evaluations.models import InvitationCode, Response, ResponseAnswer, State, Suggestion, Survey, SurveyResult

MAX_CODES = 20000
SUGGESTION_MAX = 1000


def codes_issue(*, survey: Survey, count: int) -> list[str]:
    """``count`` new invitation codes for a survey (random, none repeated)."""
    if survey.access != Survey.Access.CODES:
        raise ValidationError(_("本测评使用公开链接，不需要邀请码"))
    if survey.state == State.CLOSED:
        raise ValidationError(_("测评已结束"))
    if not 1 <= count <= MAX_CODES:
        raise ValidationError(_("每次可生成1至%(max)s个邀请码") % {"max": MAX_CODES})
    existing = set(InvitationCode.objects.filter(survey=survey).values_list("code", flat=True))
    new: list[str] = []
    taken = set(existing)
    while len(new) < count:
        code = "".join(secrets.choice(rules.CODE_ALPHABET) for _i in range(rules.CODE_LENGTH))
        if code not in taken:
            taken.add(code)
            new.append(code)
    InvitationCode.objects.bulk_create([InvitationCode(survey=survey, code=c) for c in new], batch_size=2000)
    return new


def survey_open(*, survey: Survey) -> Survey:
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.state != State.DRAFT:
            raise ValidationError(_("测评已经开始或已经结束"))
        if not survey.agencies.exists():
            raise ValidationError(_("请先选择被测评单位"))
        if survey.access == Survey.Access.CODES and not survey.codes.exists():
            raise ValidationError(_("还没有邀请码：请先生成邀请码"))
        survey.state = State.OPEN
        survey.save(update_fields=["state"])
    return survey


def window_problem(survey: Survey, today: dt.date) -> str | None:
    if survey.state == State.CLOSED or today > survey.closes_on:
        return _("测评已经结束，谢谢关注")
    if survey.state != State.OPEN or today < survey.opens_on:
        return _("测评尚未开始")
    return None


def agencies(survey: Survey) -> list[Organisation]:
    return list(survey.agencies.order_by("code"))


@transaction.atomic
def response_submit(*, survey: Survey, levels: Mapping[int, int], suggestions: Sequence[tuple[int | None, str]] = (),
                    code: str | None = None, today: dt.date | None = None) -> None:
    """One anonymous response: a level for each agency the respondent rates (at least
    one), optional suggestions. With invitation codes, an unused code of this survey is
    required and is used up in the same transaction; the response keeps nothing of it."""
    today = today or timezone.localdate()
    survey = Survey.objects.get(pk=survey.pk)
    problem = window_problem(survey, today)
    if problem:
        raise ValidationError({"": [problem]})
    errors: dict[str, list[str]] = {}
    allowed = {a.pk for a in agencies(survey)}
    if not levels:
        errors.setdefault("", []).append(_("请至少为一个单位选择满意程度"))
    for agency_id, level in levels.items():
        if agency_id not in allowed or not 0 <= level < len(rules.LEVELS):
            errors.setdefault("", []).append(_("问卷内容有误，请刷新页面后重新填写"))
            break
    kept = []
    for agency_id, text in suggestions:
        text = text.strip()
        if not text:
            continue
        if rules.control_characters(text):
            errors.setdefault("suggestion", []).append(_("内容中含有无法显示的控制字符，请删除后重新填写"))
        elif agency_id is not None and agency_id not in allowed:
            errors.setdefault("suggestion", []).append(_("请从列表中选择意见涉及的单位"))
        elif len(text) > SUGGESTION_MAX:
            errors.setdefault("suggestion", []).append(
                _("意见建议最多%(max)s字（现有%(count)s字）") % {"max": SUGGESTION_MAX, "count": len(text)})
        else:
            kept.append((agency_id, text))
    if survey.access == Survey.Access.CODES:
        cleaned = rules.code_clean(code or "")
        # Used up here, under a row lock, so that two phones with one code cannot both get in.
        invitation = (InvitationCode.objects.select_for_update().filter(survey=survey, code=cleaned).first()
                      if cleaned else None)
        if invitation is None:
            errors.setdefault("code", []).append(_("邀请码不正确，请核对后重新输入"))
        elif invitation.used:
            errors.setdefault("code", []).append(_("这个邀请码已经使用过，每个邀请码只能提交一份问卷"))
    if errors:
        raise ValidationError(errors)
    if survey.access == Survey.Access.CODES:
        InvitationCode.objects.filter(pk=invitation.pk).update(used=True)
    response = Response.objects.create(survey=survey)
    ResponseAnswer.objects.bulk_create([ResponseAnswer(response=response, agency_id=a, level=lv)
                                        for a, lv in levels.items()])
    Suggestion.objects.bulk_create([Suggestion(survey=survey, agency_id=a, text=t) for a, t in kept])


def code_problem(*, survey: Survey, code: str) -> str | None:
    """Whether a typed code may start a response (checked again when it is sent)."""
    cleaned = rules.code_clean(code)
    found = InvitationCode.objects.filter(survey=survey, code=cleaned).first() if cleaned else None
    if found is None:
        return _("邀请码不正确，请核对后重新输入")
    if found.used:
        return _("这个邀请码已经使用过，每个邀请码只能提交一份问卷")
    return None


# Results ---------------------------------------------------------------------------------


def level_counts(survey: Survey) -> dict[int, list[int]]:
    """Per agency, the count of answers at each level: one grouped query."""
    counts: dict[int, list[int]] = {}
    for agency_id, level, n in (ResponseAnswer.objects.filter(response__survey=survey).order_by()
                                .values_list("agency_id", "level").annotate(n=Count("pk"))):
        counts.setdefault(agency_id, [0] * len(rules.LEVELS))[level] = n
    return counts


def survey_results(*, survey: Survey) -> dict[int, rules.SurveyResult]:
    return rules.survey_results(level_counts(survey), agencies=[a.pk for a in agencies(survey)],
                                min_responses=survey.min_responses)


@transaction.atomic
def survey_close(*, survey: Survey, now: dt.datetime | None = None) -> Survey:
    """Close the survey: the results per agency are stored, and every suggestion goes to
    the office's casework as an item for the agency's reply, dated now."""
    from casework import rules as casework_rules
    from casework import services as casework_services

    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.state != State.OPEN:
        raise ValidationError(_("只能结束进行中的测评"))
    now = now or timezone.now()
    results = survey_results(survey=survey)
    SurveyResult.objects.filter(survey=survey).delete()
    SurveyResult.objects.bulk_create([
        SurveyResult(survey=survey, agency_id=r.agency, responses=r.responses, mean=r.mean, low=r.low, high=r.high,
                     distribution=list(r.distribution), too_few=r.too_few) for r in results.values()])
    for suggestion in Suggestion.objects.filter(survey=survey, report__isnull=True).select_related("agency"):
        about = suggestion.agency.name if suggestion.agency else _("未指明单位")
        report = casework_services.report_submit(
            jurisdiction=survey.jurisdiction, channel=casework_rules.SURVEY,
            title=(_("满意度测评意见建议：%(agency)s") % {"agency": about})[:100],
            description=suggestion.text, unit=suggestion.agency, received_at=now)
        suggestion.report = report
        suggestion.save(update_fields=["report"])
    survey.state, survey.closed_at = State.CLOSED, now
    survey.save(update_fields=["state", "closed_at"])
    return survey


@dataclass(frozen=True)
class SurveyProgress:
    responses: int
    codes: int
    used: int


def survey_progress(*, survey: Survey) -> SurveyProgress:
    codes = InvitationCode.objects.filter(survey=survey).aggregate(n=Count("pk"), used=Count("pk", filter=Q(used=True)))
    return SurveyProgress(Response.objects.filter(survey=survey).count(), codes["n"], codes["used"])


def surveys_close_due(*, today: dt.date, now: dt.datetime | None = None) -> int:
    """Close every open survey whose window ended before ``today``."""
    due = list(Survey.objects.filter(state=State.OPEN, closes_on__lt=today))
    for survey in due:
        survey_close(survey=survey, now=now)
    return len(due)
