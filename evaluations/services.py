"""The writes of evaluation rounds: the assignment (proposed, adjusted by hand), the
evaluators' sheets, the units' highlights, opening and closing a round, reminders.

A closed round refuses every change. Answers are sealed: nothing here returns anyone's
answer but to its own evaluator's sheet (``evaluations.selectors``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Organisation
from evaluations import rules
from evaluations.models import (Assignment, Highlight, HighlightPicture, Member, Round, RoundResult, Sheet,
                                State)
from lib import uploads
from notifications import kinds
from notifications.services import in_site_language, notify

PICTURE_EXTENSIONS = ("jpg", "jpeg", "png")


def _refuse_closed(round_: Round) -> None:
    # The state as stored: the caller's copy may be older than a close.
    if Round.objects.filter(pk=round_.pk, state=State.CLOSED).exists():
        raise ValidationError(_("本轮评议已结束，不能再修改"), code="closed")


def _controls(**texts: str) -> dict[str, list[str]]:
    """The fields whose text holds a control character, with the refusal."""
    return {field: [_("内容中含有无法显示的控制字符，请删除后重新填写")] for field, text in texts.items()
            if rules.control_characters(text or "")}


def _problem_text(problem: rules.Problem) -> str:
    return _(problem.message) % dict(problem.facts)


# Who is rated, by whom ------------------------------------------------------------------


def round_units(round_: Round) -> list[Organisation]:
    """The units a round rates: those chosen on it, else every active rated unit."""
    chosen = list(round_.units.filter(is_active=True).order_by("code"))
    if chosen:
        return chosen
    return list(Organisation.objects.filter(jurisdiction_id=round_.jurisdiction_id, is_unit=True, is_active=True)
                .order_by("code"))


def round_members(round_: Round) -> list[Member]:
    return list(round_.group.members.filter(is_active=True, user__is_active=True)
                .select_related("user").prefetch_related("responsible").order_by("pk"))


def _rule_evaluators(members: Sequence[Member]) -> list[rules.Evaluator]:
    return [rules.Evaluator(m.pk, frozenset({m.own_unit_id} if m.own_unit_id else ()),
                            frozenset(o.pk for o in m.responsible.all())) for m in members]


@transaction.atomic
def assignment_propose(*, round_: Round) -> int:
    """Replace the round's assigned sheets (not the extra ones) with the product's
    proposal: every evaluator within the round's numbers, every unit too, 分管 units
    first, nobody on their own unit. Only before the round opens."""
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    if round_.state != State.DRAFT:
        raise ValidationError(_("只能在评议开始前生成评议安排；进行中的轮次请逐条调整"), code="not_draft")
    if round_.source != Round.Source.SHEETS:
        raise ValidationError(_("日常评议轮次按评议员的日常评议计分，不安排评议单位"), code="daily")
    members = round_members(round_)
    units = round_units(round_)
    try:
        proposal = rules.assignment_propose(
            _rule_evaluators(members), [u.pk for u in units], round_.bounds,
            names={m.pk: m.name for m in members}, unit_names={u.pk: u.name for u in units})
    except rules.Infeasible as infeasible:
        raise ValidationError([_problem_text(p) for p in infeasible.problems], code="infeasible") from None
    round_.assignments.filter(extra=False).delete()
    rows = [Assignment(round=round_, member_id=member_id, unit_id=unit_id)
            for member_id, unit_ids in proposal.items() for unit_id in sorted(unit_ids)]
    Assignment.objects.bulk_create(rows)
    return len(rows)


def assignment_problems(*, round_: Round) -> list[str]:
    """What the round's assignment, as it stands, breaks (shown to the office; hand
    adjustments may break the numbers on purpose, the office decides)."""
    if round_.source != Round.Source.SHEETS:
        return []
    members = round_members(round_)
    units = round_units(round_)
    assignment: dict[int, set[int]] = {}
    for member_id, unit_id in round_.assignments.filter(extra=False).values_list("member_id", "unit_id"):
        assignment.setdefault(member_id, set()).add(unit_id)
    problems = rules.assignment_problems(
        assignment, _rule_evaluators(members), [u.pk for u in units], round_.bounds,
        names={m.pk: m.name for m in members}, unit_names={u.pk: u.name for u in units})
    return [_problem_text(p) for p in problems]


def assignment_add(*, round_: Round, member: Member, unit: Organisation) -> Assignment:
    """The office adds a unit to an evaluator's assigned sheet (by hand)."""
    _refuse_closed(round_)
    if member.group_id != round_.group_id:
        raise ValidationError(_("“%(name)s”不是本轮的评议人") % {"name": member.name}, code="not_member")
    if unit.pk not in {u.pk for u in round_units(round_)}:
        raise ValidationError(_("“%(name)s”不是本轮的被评议单位") % {"name": unit.name}, code="not_rated")
    if unit.pk == member.own_unit_id:
        raise ValidationError(_("评议人不评议本单位"), code="own_unit")
    if Sheet.objects.filter(round=round_, member=member, submitted_at__isnull=False).exists():
        raise ValidationError(_("“%(name)s”已提交评议表，不能再调整") % {"name": member.name}, code="submitted")
    assignment, created = Assignment.objects.get_or_create(round=round_, member=member, unit=unit,
                                                           defaults={"by_hand": True})
    if not created and assignment.extra:
        assignment.extra, assignment.by_hand = False, True
        assignment.save(update_fields=["extra", "by_hand"])
    return assignment


def assignment_remove(*, assignment: Assignment) -> None:
    """The office takes a unit off an evaluator's sheet (not after the sheet is in)."""
    _refuse_closed(assignment.round)
    if Sheet.objects.filter(round_id=assignment.round_id, member_id=assignment.member_id,
                            submitted_at__isnull=False).exists():
        raise ValidationError(_("“%(name)s”已提交评议表，不能再调整") % {"name": assignment.member.name},
                              code="submitted")
    assignment.delete()


# Opening, reminding, closing ------------------------------------------------------------


def _sheet_link(round_: Round) -> str:
    return reverse("evaluations:sheet", args=[round_.pk])


@transaction.atomic
def round_open(*, round_: Round, now: dt.datetime | None = None) -> Round:
    """Open the round: its evaluators are told, the sheets can be filled in its window."""
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    if round_.state != State.DRAFT:
        raise ValidationError(_("本轮评议已经开始或已经结束"), code="not_draft")
    members = round_members(round_)
    if not members:
        raise ValidationError(_("评议人组“%(group)s”还没有评议人") % {"group": round_.group.name}, code="no_members")
    if round_.source == Round.Source.SHEETS and not round_.assignments.exists():
        raise ValidationError(_("还没有评议安排：请先生成评议安排"), code="no_assignment")
    round_.state = State.OPEN
    round_.save(update_fields=["state"])
    if round_.source == Round.Source.SHEETS:
        assigned = set(round_.assignments.values_list("member_id", flat=True))
        Sheet.objects.bulk_create([Sheet(round=round_, member=m) for m in members if m.pk in assigned],
                                  ignore_conflicts=True)
        people = [m.user for m in members if m.pk in assigned]
        transaction.on_commit(lambda: _tell_opened(round_, people, now))
    return round_


@in_site_language
def _tell_opened(round_: Round, people: list, now: dt.datetime | None) -> None:
    notify(recipients=people, kind=kinds.EVALUATION_OPENED.code,
           title=_("%(round)s已开始，请于%(date)s前提交评议表") % {
               "round": str(round_), "date": round_.closes_on.strftime("%Y-%m-%d")},
           link=_sheet_link(round_), now=now)


def reminders_send(*, today: dt.date, now: dt.datetime | None = None) -> int:
    """Remind each evaluator whose sheet is not in, in an open round's window, every
    ``EVALUATIONS_REMIND_EVERY_DAYS`` days and on the last day. Returns how many."""
    every = settings.EVALUATIONS_REMIND_EVERY_DAYS
    count = 0
    sheets = (Sheet.objects.filter(round__state=State.OPEN, round__opens_on__lte=today, round__closes_on__gte=today,
                                   submitted_at__isnull=True, member__is_active=True)
              .select_related("round", "member__user"))
    for sheet in sheets:
        last_day = sheet.round.closes_on == today
        if sheet.reminded_on and (today - sheet.reminded_on).days < every and not (last_day and sheet.reminded_on != today):
            continue
        _remind(sheet, today, now)
        count += 1
    return count


@in_site_language
def _remind(sheet: Sheet, today: dt.date, now: dt.datetime | None) -> None:
    done = sheet.round.assignments.filter(member=sheet.member, extra=False, points__isnull=False).count()
    total = sheet.round.assignments.filter(member=sheet.member, extra=False).count()
    notify(recipients=[sheet.member.user], kind=kinds.EVALUATION_DUE.code,
           title=_("%(round)s：已评%(done)s个单位，共%(total)s个，请于%(date)s前提交") % {
               "round": str(sheet.round), "done": done, "total": total,
               "date": sheet.round.closes_on.strftime("%Y-%m-%d")},
           link=_sheet_link(sheet.round), group_key=f"evaluation-{sheet.round_id}", now=now)
    Sheet.objects.filter(pk=sheet.pk).update(reminded_on=today)


def _answers_for_rules(round_: Round) -> list[rules.Answer]:
    if round_.source == Round.Source.DAILY:
        from evaluations.selectors import daily_answers

        return daily_answers(round_=round_)
    return [rules.Answer(unit_id, member_id, points, extra) for unit_id, member_id, points, extra in
            Assignment.objects.filter(round=round_, points__isnull=False,
                                      member__sheets__round=round_, member__sheets__submitted_at__isnull=False)
            .values_list("unit_id", "member_id", "points", "extra")]


@transaction.atomic
def round_close(*, round_: Round, now: dt.datetime | None = None) -> Round:
    """Close the round: the submitted sheets become each unit's result, weighted, with the
    number of evaluators and the spread; units with too few answers are flagged. The
    units are told their own result is in."""
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    if round_.state != State.OPEN:
        raise ValidationError(_("只能结束进行中的评议"), code="not_open")
    now = now or timezone.now()
    units = round_units(round_)
    results = rules.round_results(_answers_for_rules(round_), units=[u.pk for u in units],
                                  extra_weight=round_.extra_weight, min_answers=round_.min_answers)
    RoundResult.objects.filter(round=round_).delete()
    RoundResult.objects.bulk_create([
        RoundResult(round=round_, unit_id=r.unit, score=r.score, evaluators=r.evaluators, extra=r.extra,
                    spread=r.spread, low=r.low, high=r.high, too_few=r.too_few) for r in results.values()])
    round_.state, round_.closed_at = State.CLOSED, now
    round_.save(update_fields=["state", "closed_at"])
    unit_ids = [r.unit for r in results.values() if r.evaluators]
    transaction.on_commit(lambda: _tell_closed(round_, unit_ids, now))
    return round_


@in_site_language
def _tell_closed(round_: Round, unit_ids: list[int], now: dt.datetime) -> None:
    from departments import roles
    from departments.selectors import people_in

    people = people_in(jurisdiction_id=round_.jurisdiction_id, groups=[roles.UNIT_STAFF], unit_ids=unit_ids)
    notify(recipients=people, kind=kinds.EVALUATION_CLOSED.code,
           title=_("%(round)s已结束，可以查看本单位的评议结果") % {"round": str(round_)},
           link=reverse("desk:evaluations"), now=now)


def rounds_close_due(*, today: dt.date, now: dt.datetime | None = None) -> int:
    """Close every open round whose window ended before ``today``."""
    due = list(Round.objects.filter(state=State.OPEN, closes_on__lt=today))
    for round_ in due:
        round_close(round_=round_, now=now)
    return len(due)


# The evaluator's sheet ------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One line of a sheet as typed: a grade index (0 is 好) or a score, and a comment."""

    grade: str = ""
    score: str = ""
    comment: str = ""

    @property
    def blank(self) -> bool:
        return not (self.grade.strip() or self.score.strip() or self.comment.strip())


def _window_problem(round_: Round, today: dt.date) -> str | None:
    if round_.state == State.CLOSED:
        return _("本轮评议已结束，不能再修改")
    if round_.state != State.OPEN:
        return _("本轮评议尚未开始")
    if today < round_.opens_on:
        return _("本轮评议%(date)s开始") % {"date": round_.opens_on.strftime("%Y-%m-%d")}
    if today > round_.closes_on:
        return _("本轮评议已于%(date)s截止") % {"date": round_.closes_on.strftime("%Y-%m-%d")}
    return None


def _entry_points(round_: Round, entry: Entry) -> tuple[int | None, Decimal | None, Decimal]:
    if round_.is_grade:
        try:
            grade = int(entry.grade)
        except ValueError:
            raise ValidationError(_("请选择等次"), code="grade") from None
        if not 0 <= grade < len(rules.GRADES):
            raise ValidationError(_("请选择等次"), code="grade")
        return grade, None, rules.answer_points(scale=rules.Scale.GRADE, grade=grade, grade_points=round_.grade_points)
    try:
        score = Decimal(entry.score.strip())
    except InvalidOperation:
        raise ValidationError(_("请填写0到100之间的分数"), code="score") from None
    if not score.is_finite() or not Decimal(0) <= score <= Decimal(100) or score != score.quantize(Decimal("0.01")):
        raise ValidationError(_("请填写0到100之间的分数，最多两位小数"), code="score")
    return None, score, score


@transaction.atomic
def sheet_save(*, round_: Round, member: Member, entries: Mapping[int, Entry], extra_units: Iterable[int] = (),
               submit: bool = False, today: dt.date | None = None, now: dt.datetime | None = None) -> Sheet:
    """Save an evaluator's sheet: the answers given (a blank line stays unanswered), the
    units added to the extra sheet; with ``submit`` every assigned unit must be answered
    and the sheet is in. All or nothing: a ValidationError keyed by unit id (or ``""``)
    changes nothing."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    problem = _window_problem(round_, today)
    if problem:
        raise ValidationError({"": [problem]})
    sheet = Sheet.objects.select_for_update().filter(round=round_, member=member).first()
    if sheet is None or member.group_id != round_.group_id or round_.source != Round.Source.SHEETS:
        raise ValidationError({"": [_("您不是本轮的评议人")]})
    if sheet.submitted_at:
        raise ValidationError({"": [_("评议表已经提交，不能再修改")]})
    errors: dict[str, list[str]] = {}
    mine = {a.unit_id: a for a in Assignment.objects.filter(round=round_, member=member)}
    rated = {u.pk for u in round_units(round_)}
    new_extra = [unit_id for unit_id in dict.fromkeys(extra_units) if unit_id not in mine]
    for unit_id in new_extra:
        if unit_id not in rated:
            errors.setdefault("", []).append(_("附页只能添加本轮的被评议单位"))
        elif unit_id == member.own_unit_id:
            errors.setdefault("", []).append(_("评议人不评议本单位"))
    extras = sum(1 for a in mine.values() if a.extra) + len(new_extra)
    if extras > round_.extra_max:
        errors.setdefault("", []).append(
            _("附页最多评议%(max)s个单位") % {"max": round_.extra_max} if round_.extra_max else _("本轮不设附页"))
    if errors:
        raise ValidationError(errors)
    for unit_id in new_extra:
        mine[unit_id] = Assignment.objects.create(round=round_, member=member, unit_id=unit_id, extra=True)
    changed = []
    for unit_id, entry in entries.items():
        assignment = mine.get(unit_id)
        if assignment is None:
            errors.setdefault(str(unit_id), []).append(_("这个单位不在您的评议表上"))
            continue
        if entry.blank:
            assignment.grade = assignment.score = assignment.points = None
            assignment.comment = ""
        else:
            try:
                assignment.grade, assignment.score, assignment.points = _entry_points(round_, entry)
            except ValidationError as error:
                errors.setdefault(str(unit_id), []).extend(error.messages)
                continue
            comment = entry.comment.strip()
            if rules.control_characters(comment):
                errors.setdefault(str(unit_id), []).extend(_controls(comment=comment)["comment"])
                continue
            if len(comment) > 500:
                errors.setdefault(str(unit_id), []).append(_("意见建议最多500字"))
                continue
            assignment.comment = comment
        changed.append(assignment)
    if errors:
        raise ValidationError(errors)
    Assignment.objects.bulk_update(changed, ["grade", "score", "points", "comment"])
    if submit:
        missing = [a for a in mine.values() if not a.extra and a.points is None]
        if missing:
            raise ValidationError({str(a.unit_id): [_("请先评议这个单位再提交")] for a in missing})
        sheet.submitted_at = now
        sheet.save(update_fields=["submitted_at"])
    return sheet


# The units' highlights ------------------------------------------------------------------


def _picture_check(upload) -> tuple[str, bytes]:
    name = uploads.display_name(getattr(upload, "name", "") or "") or _("图片")
    limit = settings.EVALUATIONS_PICTURE_MAX_BYTES
    problem = uploads.evidence_problem(name=name, size=upload.size or 0, stream=upload, allowed=PICTURE_EXTENSIONS,
                                       max_bytes=limit)
    if problem is not None:
        messages = {
            uploads.Problem.EXTENSION: _("“%(name)s”：只能上传 JPG 或 PNG 图片"),
            uploads.Problem.EMPTY: _("“%(name)s”是空文件，请选择有内容的文件"),
            uploads.Problem.SIZE: _("“%(name)s”文件过大（%(size)s），图片不能超过 %(max)s"),
            uploads.Problem.CONTENT: _("“%(name)s”的内容不是图片，与扩展名不符；请上传原始图片"),
            uploads.Problem.MARKUP: _("“%(name)s”中含有网页代码（HTML、SVG 或脚本），不能上传"),
        }
        raise ValidationError(messages[problem] % {"name": name, "size": filesizeformat(upload.size or 0),
                                                   "max": filesizeformat(limit)}, code=problem.value)
    upload.seek(0)
    try:
        return name[:255], uploads.photo_without_metadata(upload, name)
    except ValueError:
        raise ValidationError(_("“%(name)s”无法作为图片读取，请换一张图片") % {"name": name}, code="content") from None


@transaction.atomic
def highlight_save(*, round_: Round, unit: Organisation, text: str, pictures: Sequence = (),
                   remove: Iterable[int] = (), by=None) -> Highlight:
    """A unit's highlights for a round: a short text and a few pictures (checked by
    content, stored without EXIF). Until the round closes."""
    _refuse_closed(round_)
    if unit.pk not in {u.pk for u in round_units(round_)}:
        raise ValidationError(_("本单位不是本轮的被评议单位"), code="not_rated")
    text = text.strip()
    if not text:
        raise ValidationError({"text": [_("请填写工作亮点")]})
    if _controls(text=text):
        raise ValidationError(_controls(text=text))
    if len(text) > 800:
        raise ValidationError({"text": [_("工作亮点最多800字（现有%(count)s字）") % {"count": len(text)}]})
    checked = [_picture_check(p) for p in pictures if p]
    highlight, _created = Highlight.objects.get_or_create(round=round_, unit=unit, defaults={"text": text,
                                                                                              "updated_by": by})
    highlight.pictures.filter(pk__in=list(remove)).delete()
    kept = highlight.pictures.count()
    limit = settings.EVALUATIONS_PICTURES_MAX
    if kept + len(checked) > limit:
        raise ValidationError({"pictures": [_("最多%(max)s张图片（已有%(kept)s张，又选了%(count)s张）") % {
            "max": limit, "kept": kept, "count": len(checked)}]})
    highlight.text, highlight.updated_by = text, by
    highlight.save()
    for name, content in checked:
        picture = HighlightPicture(highlight=highlight, original_name=name)
        picture.file.save(name, ContentFile(content), save=True)
    return highlight


# Daily evaluation (日常评议) ----------------------------------------------------------------


def daily_members(*, user) -> list[Member]:
    """The user's places in evaluator groups (any group may leave daily evaluations)."""
    return list(Member.objects.filter(user=user, is_active=True).select_related("group"))


@transaction.atomic
def daily_submit(*, member: Member, unit: Organisation, on: dt.date, grade: int, text: str, suggestion: str = "",
                 today: dt.date | None = None, now: dt.datetime | None = None):
    """An evaluator's dated evaluation of a unit; the unit's staff are told to reply."""
    from evaluations.models import DailyEvaluation

    today = today or timezone.localdate(now)
    errors: dict[str, list[str]] = {}
    if unit.jurisdiction_id != member.group.jurisdiction_id or not unit.is_unit or not unit.is_active:
        errors["unit"] = [_("请选择本辖区在用的被考核单位")]
    elif unit.pk == member.own_unit_id:
        errors["unit"] = [_("评议人不评议本单位")]
    if on > today:
        errors["on"] = [_("评议日期不能晚于今天")]
    elif on.year < today.year - 1:
        errors["on"] = [_("评议日期应在今年或去年")]
    if not 0 <= grade < len(rules.GRADES):
        errors["grade"] = [_("请选择等次")]
    text, suggestion = text.strip(), suggestion.strip()
    if not text:
        errors["text"] = [_("请填写评议内容")]
    for field, messages in _controls(text=text, suggestion=suggestion).items():
        errors.setdefault(field, []).extend(messages)
    for field, value in (("text", text), ("suggestion", suggestion)):
        if len(value) > 500:
            errors.setdefault(field, []).append(_("最多500字（现有%(count)s字）") % {"count": len(value)})
    if errors:
        raise ValidationError(errors)
    evaluation = DailyEvaluation.objects.create(member=member, unit=unit, on=on, grade=grade, text=text,
                                                suggestion=suggestion)
    transaction.on_commit(lambda: _tell_unit_of_daily(evaluation, now))
    return evaluation


@in_site_language
def _tell_unit_of_daily(evaluation, now: dt.datetime | None) -> None:
    from departments import roles
    from departments.selectors import people_in

    people = people_in(jurisdiction_id=evaluation.unit.jurisdiction_id, groups=[roles.UNIT_STAFF],
                       unit_ids=[evaluation.unit_id])
    notify(recipients=people, kind=kinds.DAILY_EVALUATION.code,
           title=_("收到一条日常评议（%(date)s），请及时答复") % {"date": evaluation.on.strftime("%Y-%m-%d")},
           link=reverse("desk:daily"), now=now)


@transaction.atomic
def daily_reply(*, evaluation, unit: Organisation, text: str, by, now: dt.datetime | None = None):
    """The unit's reply to a daily evaluation of it: once, in its own words."""
    from evaluations.models import DailyEvaluation

    evaluation = DailyEvaluation.objects.select_for_update().get(pk=evaluation.pk)
    if evaluation.unit_id != unit.pk:
        raise ValidationError(_("只能答复对本单位的日常评议"))
    if evaluation.replied_at:
        raise ValidationError(_("这条日常评议已经答复"))
    text = text.strip()
    if not text:
        raise ValidationError({"reply": [_("请填写答复内容")]})
    if _controls(reply=text):
        raise ValidationError(_controls(reply=text))
    if len(text) > 1000:
        raise ValidationError({"reply": [_("答复最多1000字（现有%(count)s字）") % {"count": len(text)}]})
    now = now or timezone.now()
    evaluation.reply, evaluation.replied_at, evaluation.replied_by = text, now, by
    evaluation.save(update_fields=["reply", "replied_at", "replied_by"])
    user = evaluation.member.user
    transaction.on_commit(lambda: _tell_evaluator_of_reply(user, evaluation, now))
    return evaluation


@in_site_language
def _tell_evaluator_of_reply(user, evaluation, now: dt.datetime) -> None:
    notify(recipients=[user], kind=kinds.DAILY_REPLIED.code,
           title=_("“%(unit)s”答复了您%(date)s的日常评议") % {
               "unit": evaluation.unit.name, "date": evaluation.on.strftime("%Y-%m-%d")},
           link=reverse("evaluations:daily"), now=now)
