"""Services that change ratings, periods and rule books. Views, admin, commands and
tasks call these; nothing else writes."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Jurisdiction, Organisation
from departments.roles import is_office, user_department
from lib.bulk import insert_derived, insert_rows
from ratings import notices, rules
from ratings.models import REASON_MAX_LENGTH, Criterion, Evidence, Period, Rating, RuleBook
from ratings.signals import figures_changed_on_commit


class PeriodClosedError(ValidationError):
    """The month is closed: nothing in it may change."""


class PeriodNotReadyError(ValidationError):
    """The month cannot be closed yet; ``pending`` lists what still awaits review."""

    def __init__(self, message: str, pending: list[Rating]):
        super().__init__(message)
        self.pending = pending


PROBLEM_MESSAGES = {
    rules.CRITERION_MISSING: lambda: _("本年度认定细则要求每条认定引用一个认定条目"),
    rules.CRITERION_WRONG_KIND: lambda: _("所选认定条目的类型与认定类型不符（红旗引用红旗条目，黄灯、红灯引用黄灯条目）"),
    rules.SERIOUS_ONLY_FOR_YELLOW: lambda: _("只有黄灯可以标记“造成较大影响”"),
}


def _stamp(instance, by, reason: str = "") -> None:
    # django-simple-history reads these when the instance is saved.
    instance._history_user = by
    if reason:
        instance._change_reason = reason


# Who lost a race is told who won it, and when ------------------------------------------
#
# Two people may act on the same month or rating at once (two office staff approving,
# a month closed while a rater saves). Every write below first locks the month's row
# (SELECT … FOR UPDATE on PostgreSQL; on SQLite every transaction takes the write lock
# when it begins, see DATABASES), then reads the state again and decides on that. The
# second person waits for the first, finds the new state, and is refused with a message
# that names who changed it and when.


def who(user) -> str:
    """A user as the messages name them; ``None`` is a command or a task."""
    if user is None:
        return _("系统（命令行或定时任务）")
    return user.get_full_name() or user.get_username()


def when(moment) -> str:
    if moment is None:
        return "—"
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def period_closed_message(period: Period) -> str:
    """Why nothing in a closed (or published) month may change."""
    return _(
        "%(period)s 已关账（%(who)s 于 %(when)s 关账），不能再修改；如确需修改，请效能办先重新开放该月"
    ) % {"period": period.label, "who": who(period.closed_by), "when": when(period.closed_at)}


def _rating_state_message(rating: Rating) -> str:
    """What happened to a rating that is no longer in the state its user saw."""
    reviewer = {"who": who(rating.reviewed_by), "when": when(rating.reviewed_at)}
    if rating.status == Rating.Status.APPROVED:
        return _("该认定已由 %(who)s 于 %(when)s 审核通过") % reviewer
    if rating.status == Rating.Status.RETURNED:
        return _("该认定已由 %(who)s 于 %(when)s 退回（原因：%(reason)s）") % {
            **reviewer, "reason": rating.return_reason,
        }
    if rating.status == Rating.Status.SUBMITTED:
        return _("该认定已于 %(when)s 提交，正在等待效能办审核") % {"when": when(rating.submitted_at)}
    if rating.status == Rating.Status.WITHDRAWN:
        return _("该认定已由 %(who)s 于 %(when)s 撤回（原因：%(reason)s）") % {
            "who": who(rating.withdrawn_by), "when": when(rating.withdrawn_at), "reason": rating.withdrawn_reason,
        }
    return _("该认定现在是草稿，尚未提交审核")


def rating_deleted_message(record) -> str:
    """A deleted rating's last history record, in words."""
    return _("该认定已由 %(who)s 于 %(when)s 删除") % {"who": who(record.history_user), "when": when(record.history_date)}


def _rating_gone(rating_id: int) -> ValidationError:
    deleted = Rating.history.filter(id=rating_id, history_type="-").select_related("history_user").first()
    if deleted is None:
        return ValidationError(_("没有找到该认定"), code="rating_gone")
    return ValidationError(rating_deleted_message(deleted), code="rating_gone")


def _lock_rating(rating_id: int) -> Rating:
    """The rating's row, locked, as it is now. Call with its month locked first."""
    try:
        return Rating.objects.select_for_update().get(pk=rating_id)
    except Rating.DoesNotExist:
        raise _rating_gone(rating_id) from None


def _lock_units(*unit_ids: int) -> None:
    """Lock the units whose escalation a write recomputes, in one order (by id).

    A unit's escalation reads all its approved ratings, across months, and rewrites their
    results. Two approvals for the same unit in different months hold different months'
    locks; without this lock each would recompute without seeing the other's approval and
    the later month could stay a yellow light instead of becoming red. Taken after the
    month's lock and before any rating's, so that no two writers wait on each other."""
    ids = sorted({pk for pk in unit_ids if pk is not None})
    if ids:
        list(Organisation.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def _unit_of(rating_id: int) -> int | None:
    # Under the month's lock a rating's unit cannot change: every writer locks the month first.
    return Rating.objects.filter(pk=rating_id).values_list("unit_id", flat=True).first()


# Rule books -----------------------------------------------------------------------


def rulebook_get_or_create(*, jurisdiction: Jurisdiction, year: int, by=None) -> RuleBook:
    rulebook, created = RuleBook.objects.get_or_create(jurisdiction=jurisdiction, year=year)
    return rulebook


def rules_for_jurisdiction(jurisdiction_id: int) -> rules.RulesFor:
    """A ``year -> RuleSettings`` function over a jurisdiction's rule books (defaults
    for a year without one)."""
    books = {book.year: book.as_rules() for book in RuleBook.objects.filter(jurisdiction_id=jurisdiction_id)}
    return lambda year: books.get(year, rules.DEFAULT_RULES)


# Periods --------------------------------------------------------------------------


class FutureMonthError(ValidationError):
    """The month has not come yet: it can be neither opened nor closed."""


def month_name(year: int, month: int) -> str:
    """2026-03 → 2026年3月, as the boards name a month."""
    return _("%(year)d年%(month)d月") % {"year": year, "month": month}


def require_month_has_come(*, year: int, month: int, today: date | None = None) -> None:
    """Refuse a month after the current calendar month (``today`` in the jurisdiction's
    time zone by default), saying which months can be used. Every door that opens,
    closes or reopens a month asks this, through the services below."""
    today = today if today is not None else _today()
    if not rules.month_has_come(year, month, today=today):
        raise FutureMonthError(
            _("%(month)s 还没有到：只能开放或关账当月及以前的月份（最晚 %(latest)s）")
            % {"month": month_name(year, month), "latest": month_name(today.year, today.month)},
            code="future_month",
        )


def period_get_or_open(*, jurisdiction: Jurisdiction, year: int, month: int, today: date | None = None) -> Period:
    """The month, opened if it has no period yet; a month still ahead is refused (even
    one that old data already has)."""
    if not 1 <= month <= 12:
        raise ValidationError(_("月份应在 1 到 12 之间"))
    require_month_has_come(year=year, month=month, today=today)
    period, _created = Period.objects.get_or_create(jurisdiction=jurisdiction, year=year, month=month)
    return period


def _lock_period(period: Period) -> Period:
    return Period.objects.select_for_update().get(pk=period.pk)


def _require_open(period: Period) -> None:
    if period.status != Period.Status.OPEN:
        raise PeriodClosedError(period_closed_message(period), code="period_closed")


def _require_office(by, jurisdiction_id: int) -> None:
    if by is None:
        return  # management commands (close_month, import_ratings --approve) act for the office
    if not is_office(by) or not _same_jurisdiction(by, jurisdiction_id):
        raise PermissionDenied(_("只有效能办可以进行此操作"))


def _same_jurisdiction(by, jurisdiction_id: int) -> bool:
    profile = getattr(by, "profile", None)
    if profile is None:
        return bool(getattr(by, "is_superuser", False))
    return profile.jurisdiction_id == jurisdiction_id


@dataclass
class MonthClosing:
    """What closing a month did: the ratings carried into ``next_period`` and those
    withdrawn, each as (department name, rating), in the order of the month's list."""

    next_period: Period | None = None
    carried: list[Rating] = None  # type: ignore[assignment]
    withdrawn: list[Rating] = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        self.carried = self.carried or []
        self.withdrawn = self.withdrawn or []


class PeriodUndecidedError(ValidationError):
    """Drafts or returned ratings are in the month and the office has not said whether to
    carry them into the next month or withdraw them; ``undecided`` lists them."""

    def __init__(self, message: str, undecided: list[Rating]):
        super().__init__(message, code="undecided")
        self.undecided = undecided


UNDECIDED_STATUSES = (Rating.Status.DRAFT, Rating.Status.RETURNED)
NOT_APPROVED_STATUSES = (Rating.Status.DRAFT, Rating.Status.RETURNED, Rating.Status.SUBMITTED)


def counts_by_department(ratings: Iterable[Rating]) -> str:
    """"区住建局 2 条、区商务局 1 条", for the messages."""
    counts: dict[str, int] = {}
    for rating in ratings:
        counts[rating.department.name] = counts.get(rating.department.name, 0) + 1
    return "、".join(_("%(department)s %(count)d 条") % {"department": name, "count": n} for name, n in counts.items())


def period_close(
    *, period: Period, by, carry: bool = False, withdraw_reason: str = "", today: date | None = None
) -> Period:
    """关账. Refuses while submitted ratings await review, and names them; refuses while
    drafts or returned ratings are in the month unless the office says what becomes of
    them: ``carry`` moves them into the next month as they are (status, return reason,
    evidence, history, with a line saying where they came from), ``withdraw_reason``
    marks them 已撤回 with that reason. Nothing is deleted. Closing opens the next month
    if it has come and has no period yet, so that departments always have an open month.
    A month still ahead is refused. The returned month's ``closing`` says what was done."""
    _require_office(by, period.jurisdiction_id)
    today = today if today is not None else _today()
    require_month_has_come(year=period.year, month=period.month, today=today)
    withdraw_reason = (withdraw_reason or "").strip()
    if carry and withdraw_reason:
        raise ValidationError(_("结转和撤回只能选择一种"), code="carry_or_withdraw")
    if len(withdraw_reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            _("撤回原因最多 %(limit)s 个字符") % {"limit": f"{REASON_MAX_LENGTH:,}"}, code="reason_too_long"
        )
    closing = MonthClosing()
    with transaction.atomic():
        # Lock order: this month, then the next one (months in time order), then ratings.
        period = _lock_period(period)
        if period.status != Period.Status.OPEN:
            # Closed meanwhile by someone else (two office staff, or a second click).
            raise PeriodClosedError(
                _("%(period)s 已关账（%(who)s 于 %(when)s 关账），无需重复操作")
                % {"period": period.label, "who": who(period.closed_by), "when": when(period.closed_at)},
                code="already_closed",
            )
        pending = list(
            period.ratings.filter(status=Rating.Status.SUBMITTED).select_related("department", "unit").order_by("pk")
        )
        if pending:
            names = "；".join(f"{r.department.name} → {r.unit.name}（{r.get_kind_display()}）" for r in pending[:20])
            more = _("等") if len(pending) > 20 else ""
            raise PeriodNotReadyError(
                _("%(period)s 还有 %(count)d 条认定待审核，审核完毕后才能关账：%(list)s%(more)s")
                % {"period": period.label, "count": len(pending), "list": names, "more": more},
                pending=pending,
            )
        undecided = list(
            period.ratings.select_for_update().filter(status__in=UNDECIDED_STATUSES)
            .select_related("department", "unit").order_by("department__code", "unit__code", "pk")
        )
        if undecided and not (carry or withdraw_reason):
            raise PeriodUndecidedError(
                _("%(period)s 还有 %(count)d 条草稿或已退回的认定（%(departments)s）：请选择结转到下月，或填写原因撤回，然后再关账")
                % {"period": period.label, "count": len(undecided), "departments": counts_by_department(undecided)},
                undecided=undecided,
            )
        closing.next_period = _open_next_month(period, today=today, for_carry=bool(undecided and carry))
        if undecided and carry:
            closing.carried = _carry(undecided, period=period, into=closing.next_period, by=by)
        elif undecided:
            closing.withdrawn = _withdraw(undecided, period=period, reason=withdraw_reason, by=by)
        period.status = Period.Status.CLOSED
        period.closed_at = timezone.now()
        period.closed_by = by
        _stamp(period, by, _("关账"))
        period.save()
        _notify_departments(period=period, closing=closing, reason=withdraw_reason)
        figures_changed_on_commit(jurisdiction_ids=[period.jurisdiction_id])
    period.closing = closing
    return period


def _open_next_month(period: Period, *, today: date, for_carry: bool) -> Period | None:
    """The month after ``period``, locked; opened if it has no period yet and it has come.

    Closing the current calendar month (30 November, closing November) has a next month
    still ahead, which is never opened (``require_month_has_come``), except to carry
    ratings into: then exactly that one month is opened, since the ratings must go
    somewhere and December is where they belong. It cannot be closed before it comes."""
    year, month = rules.next_month(period.year, period.month)
    found = Period.objects.filter(jurisdiction_id=period.jurisdiction_id, year=year, month=month).first()
    if found is None:
        if not (rules.month_has_come(year, month, today=today) or for_carry):
            return None
        found, _created = Period.objects.get_or_create(jurisdiction_id=period.jurisdiction_id, year=year, month=month)
    found = _lock_period(found)
    if for_carry and found.status != Period.Status.OPEN:
        raise PeriodClosedError(
            _("%(next)s 已关账，不能把认定结转过去：请选择撤回，或先重新开放 %(next)s")
            % {"next": month_name(year, month)},
            code="next_month_closed",
        )
    return found


def _carry(ratings: list[Rating], *, period: Period, into: Period, by) -> list[Rating]:
    # Drafts and returned ratings count nowhere: no unit's escalation changes, so no unit
    # lock is needed; the ratings' rows were locked when read, after both months.
    line = _("从 %(month)s 结转") % {"month": month_name(period.year, period.month)}
    for rating in ratings:
        rating.period = into
        _stamp(rating, by, line)
        rating.save()
    return ratings


def _withdraw(ratings: list[Rating], *, period: Period, reason: str, by) -> list[Rating]:
    line = _("%(month)s 关账时撤回：%(reason)s") % {"month": month_name(period.year, period.month), "reason": reason}
    moment = timezone.now()
    for rating in ratings:
        rating.status = Rating.Status.WITHDRAWN
        rating.withdrawn_reason = reason
        rating.withdrawn_by = by
        rating.withdrawn_at = moment
        _stamp(rating, by, line)
        rating.save()
    return ratings


def _notify_departments(*, period: Period, closing: MonthClosing, reason: str) -> None:
    """Tell each department concerned, on its raters' next visit (ratings.notices)."""
    from ratings import notices

    notices.closing_notices_record(period=period, closing=closing, reason=reason)


def period_reopen(*, period: Period, by, reason: str, today: date | None = None) -> Period:
    """重新开放: an explicit office action that must say why; a month still ahead (a
    closed one from old data) is not opened again."""
    _require_office(by, period.jurisdiction_id)
    require_month_has_come(year=period.year, month=period.month, today=today)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("重新开放月份必须填写原因"), code="reason_required")
    with transaction.atomic():
        period = _lock_period(period)
        if period.status == Period.Status.OPEN:
            raise _already_open(period)
        period.status = Period.Status.OPEN
        period.reopen_reason = reason
        _stamp(period, by, _("重新开放：%(reason)s") % {"reason": reason})
        period.save()
    return period


def _already_open(period: Period) -> ValidationError:
    """Reopening an open month: say who reopened it, if someone did."""
    newer = None
    for record in period.history.select_related("history_user").order_by("-history_date", "-history_id")[:50]:
        if newer is not None and newer.status == Period.Status.OPEN and record.status != Period.Status.OPEN:
            return ValidationError(
                _("%(period)s 已由 %(who)s 于 %(when)s 重新开放，无需重复操作")
                % {"period": period.label, "who": who(newer.history_user), "when": when(newer.history_date)},
                code="already_open",
            )
        newer = record
    return ValidationError(_("%(period)s 本来就是开放状态") % {"period": period.label}, code="already_open")


def period_mark_published(*, period: Period, by, note: str = "") -> Period:
    """已发布: the board (``boards``) marks a closed month published once its edition is
    made. An open month cannot be published; a published month stays published."""
    _require_office(by, period.jurisdiction_id)
    with transaction.atomic():
        period = _lock_period(period)
        if period.status == Period.Status.OPEN:
            raise ValidationError(
                _("%(period)s 尚未关账，不能发布") % {"period": period.label}, code="period_open"
            )
        if period.status != Period.Status.PUBLISHED:
            period.status = Period.Status.PUBLISHED
            _stamp(period, by, note or _("发布"))
            period.save()
            figures_changed_on_commit(jurisdiction_ids=[period.jurisdiction_id])
    return period


# Ratings --------------------------------------------------------------------------


def _require_can_rate(by, department: Organisation) -> None:
    if by is None:
        return  # system imports and the demo generator act as the office
    if is_office(by) and _same_jurisdiction(by, department.jurisdiction_id):
        return
    own = user_department(by)
    if own is None or own.pk != department.pk:
        raise PermissionDenied(_("只能填报本部门的认定"))


@dataclass(frozen=True)
class YearRules:
    """What validating a rating needs from its year's rule book, read once: the rule
    book (None for a year without one) and whether it has active criteria."""

    rulebook: RuleBook | None
    has_criteria: bool


def _year_rules(jurisdiction_id: int, year: int) -> YearRules:
    rulebook = RuleBook.objects.filter(jurisdiction_id=jurisdiction_id, year=year).first()
    return YearRules(rulebook, bool(rulebook and rulebook.criteria.filter(is_active=True).exists()))


def _validate(rating: Rating, year_rules: YearRules | None = None) -> None:
    """``year_rules``: the period's year's rule book as read in this transaction (by a
    batch); read here when not given."""
    period = rating.period
    errors: dict[str, list[str]] = {}
    if not rating.department.is_department:
        errors.setdefault("department", []).append(_("“%(name)s”不是职能管理部门") % {"name": rating.department.name})
    elif not rating.department.is_active and rating._state.adding:
        errors.setdefault("department", []).append(_("“%(name)s”已停用，不能再填报认定") % {"name": rating.department.name})
    if not rating.unit.is_unit:
        errors.setdefault("unit", []).append(_("“%(name)s”不是被考核单位") % {"name": rating.unit.name})
    elif not rating.unit.is_active and rating._state.adding:
        errors.setdefault("unit", []).append(_("“%(name)s”已停用，不能再认定") % {"name": rating.unit.name})
    for field in ("department", "unit"):
        if getattr(rating, field).jurisdiction_id != period.jurisdiction_id:
            errors.setdefault(field, []).append(_("不属于本辖区"))
    if rating.department_id == rating.unit_id:
        errors.setdefault("unit", []).append(_("职能管理部门不能认定自身"))
    if not (rating.reason or "").strip():
        errors.setdefault("reason", []).append(_("请填写事由"))
    elif len(rating.reason) > REASON_MAX_LENGTH:
        errors.setdefault("reason", []).append(_("事由最多 %(limit)s 个字符，现有 %(length)s 个；请删减") % {
            "limit": f"{REASON_MAX_LENGTH:,}", "length": f"{len(rating.reason):,}",
        })
    if year_rules is None:
        year_rules = _year_rules(period.jurisdiction_id, period.year)
    rulebook = year_rules.rulebook
    if rating.criterion_id and (rulebook is None or rating.criterion.rulebook_id != rulebook.pk):
        errors.setdefault("criterion", []).append(_("认定条目不属于 %(year)s 年度认定细则") % {"year": period.year})
    problems = rules.rating_problems(
        kind=rating.kind,
        criterion_kind=rating.criterion.kind if rating.criterion_id else None,
        serious_impact=rating.serious_impact,
        criterion_required=rulebook.criterion_required if rulebook else False,
        rulebook_has_criteria=year_rules.has_criteria,
    )
    for problem in problems:
        field = "serious_impact" if problem == rules.SERIOUS_ONLY_FOR_YELLOW else "criterion"
        errors.setdefault(field, []).append(PROBLEM_MESSAGES[problem]())
    if errors:
        raise ValidationError(errors)


def rating_validate(*, rating: Rating) -> None:
    """The checks rating_record and rating_update make, for forms that want to show
    them next to the fields before anything is written (raises ValidationError)."""
    _validate(rating)


def _record_locked(
    *, period: Period, department: Organisation, unit: Organisation, kind: str, reason: str, by,
    criterion: Criterion | None, serious_impact: bool, submit: bool, year_rules: YearRules | None = None,
) -> Rating:
    """Record a rating in a month the caller has locked and found open."""
    rating = Rating(
        period=period,
        department=department,
        unit=unit,
        kind=kind,
        criterion=criterion,
        reason=(reason or "").strip(),
        serious_impact=serious_impact,
        created_by=by,
    )
    _validate(rating, year_rules)
    if submit:
        rating.status = Rating.Status.SUBMITTED
        rating.submitted_at = timezone.now()
    _stamp(rating, by, _("填报"))
    rating.save()
    return rating


def rating_record(
    *,
    period: Period,
    department: Organisation,
    unit: Organisation,
    kind: str,
    reason: str,
    by,
    criterion: Criterion | None = None,
    serious_impact: bool = False,
    submit: bool = False,
) -> Rating:
    """A department records a rating for a unit, as a draft (or submitted at once)."""
    _require_can_rate(by, department)
    with transaction.atomic():
        period = _lock_period(period)
        _require_open(period)
        rating = _record_locked(
            period=period, department=department, unit=unit, kind=kind, reason=reason, by=by,
            criterion=criterion, serious_impact=serious_impact, submit=submit,
        )
        if submit:
            notices.ratings_submitted(period)
        return rating


EDITABLE_FIELDS = ("unit", "kind", "criterion", "reason", "serious_impact", "department")


def rating_update(*, rating: Rating, by, **changes) -> Rating:
    """Change a rating's content. Raters change their own drafts and returned ratings;
    the office changes any rating of an open month (an approved one is re-counted)."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        period = _lock_period(rating.period)
        _require_open(period)
        new_unit = changes.get("unit")
        _lock_units(_unit_of(rating.pk), new_unit.pk if new_unit is not None else None)
        rating = _lock_rating(rating.pk)
        _require_can_change(by, rating)
        office = by is None or is_office(by)
        if "department" in changes and not office:
            raise PermissionDenied(_("只能填报本部门的认定"))
        old_unit = rating.unit
        for field, value in changes.items():
            setattr(rating, field, value)
        rating.reason = (rating.reason or "").strip()
        _validate(rating)
        _stamp(rating, by, _("修改"))
        rating.save()
        if rating.status == Rating.Status.APPROVED:
            unit_escalation_refresh(unit=rating.unit)
            if old_unit.pk != rating.unit_id:
                unit_escalation_refresh(unit=old_unit)
    return rating


def rating_change_refusal(*, rating: Rating, by) -> str:
    """Why ``by`` may not change the rating now, in words for the screen ('' if they may),
    as the services would refuse it: e.g. for a form opened before the month was closed."""
    try:
        _require_open(rating.period)
        _require_can_change(by, rating)
    except (ValidationError, PermissionDenied) as exc:
        return "；".join(getattr(exc, "messages", None) or [str(exc)])
    return ""


def _require_can_change(by, rating: Rating) -> None:
    """Raters change their own drafts and returned ratings; the office any rating but a
    withdrawn one, which is kept as it was withdrawn."""
    _require_can_rate(by, rating.department)
    if rating.status == Rating.Status.WITHDRAWN:
        raise PermissionDenied(_("%(state)s，不能再修改") % {"state": _rating_state_message(rating)})
    if by is None or is_office(by):
        return
    if rating.status not in (Rating.Status.DRAFT, Rating.Status.RETURNED):
        raise PermissionDenied(
            _("%(state)s，不能再修改；如需修改请联系效能办退回") % {"state": _rating_state_message(rating)}
        )


def evidence_attach(*, rating: Rating, evidence: Evidence, by, original_name: str = "") -> Evidence:
    """Attach a file to a rating (or replace an attached one), under the same rules as
    changing the rating: its month open, the rating the user's to change."""
    with transaction.atomic():
        period = _lock_period(rating.period)
        _require_open(period)
        rating = _lock_rating(rating.pk)
        _require_can_change(by, rating)
        evidence.rating = rating
        if original_name:
            evidence.original_name = original_name[:255]
            evidence.uploaded_by = by
        _stamp(evidence, by)
        evidence.save()
    return evidence


def evidence_remove(*, evidence: Evidence, by) -> None:
    with transaction.atomic():
        rating = Rating.objects.select_related("period").filter(pk=evidence.rating_id).first()
        if rating is None:
            raise _rating_gone(evidence.rating_id)
        period = _lock_period(rating.period)
        _require_open(period)
        rating = _lock_rating(rating.pk)
        _require_can_change(by, rating)
        _stamp(evidence, by)
        evidence.delete()


def rating_submit(*, rating: Rating, by) -> Rating:
    with transaction.atomic():
        period = _lock_period(rating.period)
        _require_open(period)
        rating = _lock_rating(rating.pk)
        _require_can_rate(by, rating.department)
        if rating.status not in (Rating.Status.DRAFT, Rating.Status.RETURNED):
            raise ValidationError(
                _("%(state)s，无需重复提交") % {"state": _rating_state_message(rating)}, code="already_submitted"
            )
        _validate(rating)
        rating.status = Rating.Status.SUBMITTED
        rating.submitted_at = timezone.now()
        _stamp(rating, by, _("提交审核"))
        rating.save()
        notices.ratings_submitted(period)
    return rating


def _approve_locked(rating: Rating, by) -> None:
    """Approve a submitted rating whose month (and unit) the caller has locked; a
    rating already approved or returned by a colleague is refused with who and when.
    The caller refreshes the unit's escalation."""
    if rating.status == Rating.Status.APPROVED:
        raise ValidationError(
            _("%(state)s，无需重复操作") % {"state": _rating_state_message(rating)}, code="already_approved"
        )
    if rating.status == Rating.Status.RETURNED:
        raise ValidationError(
            _("%(state)s，不能审核通过；须由填报部门修改后重新提交") % {"state": _rating_state_message(rating)},
            code="already_returned",
        )
    if rating.status != Rating.Status.SUBMITTED:
        raise ValidationError(
            _("只有待审核的认定可以通过（当前状态：%(status)s）") % {"status": rating.get_status_display()},
            code="not_submitted",
        )
    rating.status = Rating.Status.APPROVED
    rating.reviewed_by = by
    rating.reviewed_at = timezone.now()
    rating.return_reason = ""
    _stamp(rating, by, _("审核通过"))
    rating.save()


def rating_approve(*, rating: Rating, by) -> Rating:
    """效能办审核通过: only approved ratings count anywhere. Of two office staff approving
    (or one approving, one returning) the same rating at once, the first wins and the
    second is told who did what, and when."""
    with transaction.atomic():
        period = _lock_period(rating.period)
        _require_office(by, period.jurisdiction_id)
        _require_open(period)
        _lock_units(_unit_of(rating.pk))
        rating = _lock_rating(rating.pk)
        _approve_locked(rating, by)
        unit_escalation_refresh(unit=rating.unit)
        rating.refresh_from_db()
        notices.rating_approved(rating)
    return rating


def rating_return(*, rating: Rating, by, reason: str, seen_status: str | None = None) -> Rating:
    """退回: back to the department with a reason, to fix and submit again. An approved
    rating can be returned too (the approval is withdrawn). ``seen_status`` is the status
    the office saw when it chose to return: if the rating has changed since (a colleague
    approved it meanwhile), it is refused and the colleague's approval stands."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("退回必须填写原因"), code="reason_required")
    with transaction.atomic():
        period = _lock_period(rating.period)
        _require_office(by, period.jurisdiction_id)
        _require_open(period)
        _lock_units(_unit_of(rating.pk))
        rating = _lock_rating(rating.pk)
        if rating.status == Rating.Status.RETURNED:
            raise ValidationError(
                _("%(state)s，无需重复操作") % {"state": _rating_state_message(rating)}, code="already_returned"
            )
        if seen_status and rating.status != seen_status:
            raise ValidationError(
                _("%(state)s（在您打开退回页面之后），本次退回未执行；如仍需退回，请重新操作")
                % {"state": _rating_state_message(rating)},
                code="changed_meanwhile",
            )
        if rating.status not in (Rating.Status.SUBMITTED, Rating.Status.APPROVED):
            raise ValidationError(_("只有待审核或已通过的认定可以退回"), code="not_submitted")
        was_approved = rating.status == Rating.Status.APPROVED
        rating.status = Rating.Status.RETURNED
        rating.return_reason = reason
        rating.reviewed_by = by
        rating.reviewed_at = timezone.now()
        _stamp(rating, by, _("退回：%(reason)s") % {"reason": reason})
        rating.save()
        if was_approved:
            unit_escalation_refresh(unit=rating.unit)
        notices.rating_returned(rating, reason)
    rating.refresh_from_db()
    return rating


def rating_delete(*, rating: Rating, by) -> None:
    with transaction.atomic():
        period = _lock_period(rating.period)
        _require_open(period)
        _lock_units(_unit_of(rating.pk))
        rating = _lock_rating(rating.pk)
        _require_can_rate(by, rating.department)
        if rating.status == Rating.Status.WITHDRAWN:
            raise PermissionDenied(_("%(state)s，不能删除") % {"state": _rating_state_message(rating)})
        if not (by is None or is_office(by)) and rating.status not in (Rating.Status.DRAFT, Rating.Status.RETURNED):
            raise PermissionDenied(
                _("%(state)s，不能删除") % {"state": _rating_state_message(rating)}
            )
        unit = rating.unit
        was_approved = rating.status == Rating.Status.APPROVED
        _stamp(rating, by, _("删除"))
        rating.delete()
        if was_approved:
            unit_escalation_refresh(unit=unit)


# Review decisions ------------------------------------------------------------------


@dataclass(frozen=True)
class Revision:
    """What a review decision changed: the rating, the ratings whose result moved with
    it through escalation (ids), and the months whose content changed."""

    rating: Rating
    moved: list[int]
    periods: list[Period]


def rating_revise_on_review(
    *, rating: Rating, by, withdraw: bool = False, kind: str | None = None, serious_impact: bool | None = None,
    note: str,
) -> Revision:
    """复核变更: the office changes an approved rating on review (lighter, or withdrawn),
    in any month, open, closed or published: a decision after the notice period is the
    one change a closed month takes. The unit's escalation is recomputed, and each month
    whose ratings changed is marked (``Period.revised_at``) so that its board shows it
    needs a correction and the year's scores show they are out of date."""
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("复核变更必须填写复核意见"), code="reason_required")
    with transaction.atomic():
        period = _lock_period(rating.period)
        _require_office(by, period.jurisdiction_id)
        _lock_units(_unit_of(rating.pk))
        rating = _lock_rating(rating.pk)
        if rating.status != Rating.Status.APPROVED:
            raise ValidationError(
                _("只有已通过的认定可以复核变更（当前状态：%(status)s）") % {"status": rating.get_status_display()},
                code="not_approved",
            )
        before = dict(Rating.objects.filter(unit_id=rating.unit_id, status=Rating.Status.APPROVED)
                      .values_list("pk", "outcome"))
        if withdraw:
            rating.status = Rating.Status.WITHDRAWN
            rating.withdrawn_reason = note
            rating.withdrawn_by = by
            rating.withdrawn_at = timezone.now()
        else:
            if kind is not None:
                rating.kind = kind
            if serious_impact is not None:
                rating.serious_impact = serious_impact
            _validate(rating)
        _stamp(rating, by, _("复核变更：%(note)s") % {"note": note})
        rating.save()
        unit_escalation_refresh(unit=rating.unit)
        after = dict(Rating.objects.filter(unit_id=rating.unit_id, status=Rating.Status.APPROVED)
                     .values_list("pk", "outcome"))
        moved = sorted(pk for pk in before if after.get(pk, "") != before[pk])
        period_ids = set(Rating.objects.filter(pk__in=moved).values_list("period_id", flat=True)) | {period.pk}
        Period.objects.filter(pk__in=period_ids).update(revised_at=timezone.now())
        figures_changed_on_commit(jurisdiction_ids=[period.jurisdiction_id])
        periods = list(Period.objects.filter(pk__in=period_ids).order_by("year", "month"))
    rating.refresh_from_db()
    return Revision(rating=rating, moved=moved, periods=periods)


# Escalation -----------------------------------------------------------------------


def unit_escalation_refresh(*, unit: Organisation) -> list[int]:
    """Apply the rule book's escalation to all of one unit's approved ratings and store
    the result on each rating (``outcome``, ``escalation``, ``escalated_after``).
    Returns the ids of the ratings whose result changed."""
    _lock_units(unit.pk)
    return _escalation_refresh([unit.pk], rules_for_jurisdiction(unit.jurisdiction_id))


# Units whose escalation one query reads (and whose stale results one UPDATE clears).
ESCALATION_CHUNK = 500


def units_escalation_refresh(
    *, jurisdiction_id: int, unit_ids: Iterable[int], results: dict[int, tuple] | None = None
) -> list[int]:
    """``unit_escalation_refresh`` for many units of one jurisdiction at once, with the
    same results: the units are locked (by id, as every writer does), their approved
    ratings read and written a few hundred units at a time. Returns the changed ids;
    ``results``, if given, receives every approved yellow or red light's (outcome,
    escalation, escalated_after id) by id (a red flag's is ``RED_FLAG_RESULT``)."""
    ids = sorted(set(unit_ids))
    rules_for = rules_for_jurisdiction(jurisdiction_id)
    changed: list[int] = []
    for start in range(0, len(ids), ESCALATION_CHUNK):
        chunk = ids[start:start + ESCALATION_CHUNK]
        _lock_units(*chunk)
        changed += _escalation_refresh(chunk, rules_for, results)
    return changed


# What a red flag always counts as: no rule escalates it, and no chain counts it.
RED_FLAG_RESULT = (rules.RED_FLAG, "", None)


def _escalation_refresh(unit_ids: list[int], rules_for: rules.RulesFor, results: dict | None = None) -> list[int]:
    """Escalation for the units (locked by the caller): each unit's approved ratings
    through ``rules.escalate`` (which orders them itself, by month and id). Only the
    yellow and red lights are read, as plain rows without a join, their months looked
    up in one small query: a red flag always counts as itself (``RED_FLAG_RESULT``), so
    the red flags, most of a year's hundreds of thousands of ratings, are only checked
    in SQL for a stored result that is not that. ``results`` receives the lights'."""
    approved = Rating.objects.filter(unit_id__in=unit_ids, status=Rating.Status.APPROVED).exclude(
        kind=rules.RED_FLAG
    ).order_by().values_list(
        "id", "unit_id", "kind", "serious_impact", "department_id", "outcome", "escalation", "escalated_after_id",
        "period_id",
    )
    months: dict[int, tuple[int, int]] = {}
    by_unit: dict[int, list[tuple]] = {}
    for row in approved:
        by_unit.setdefault(row[1], []).append(row)
        months.setdefault(row[8], (0, 0))
    months = {pk: (year, month) for pk, year, month in Period.objects.filter(pk__in=months).values_list(
        "pk", "year", "month")}
    changed: list[Rating] = []
    for rows in by_unit.values():
        outcomes = rules.escalate(
            (
                rules.Light(id=pk, year=months[period][0], month=months[period][1], department=department,
                            kind=kind, serious_impact=serious_impact)
                for pk, _unit, kind, serious_impact, department, _o, _e, _a, period in rows
            ),
            rules_for,
        )
        for pk, _unit, _kind, _serious, _department, outcome, escalation, after, _period in rows:
            result = outcomes[pk]
            new = (result.kind, result.escalation, result.escalated_after)
            if (outcome, escalation, after) != new:
                changed.append(Rating(pk=pk, outcome=new[0], escalation=new[1], escalated_after_id=new[2]))
            if results is not None:
                results[pk] = new
    flags = Rating.objects.filter(unit_id__in=unit_ids, status=Rating.Status.APPROVED, kind=rules.RED_FLAG).filter(
        ~Q(outcome=rules.RED_FLAG) | ~Q(escalation="") | Q(escalated_after__isnull=False)
    ).values_list("id", flat=True)
    changed += [Rating(pk=pk, outcome=rules.RED_FLAG, escalation="", escalated_after_id=None) for pk in flags]
    # Most results are shared (a red flag, a plain yellow light): one UPDATE per result,
    # and ``bulk_update`` only for the red lights linked to the yellow light before.
    same: dict[tuple, list[int]] = {}
    linked = []
    for rating in changed:
        if rating.escalated_after_id is None:
            same.setdefault((rating.outcome, rating.escalation), []).append(rating.pk)
        else:
            linked.append(rating)
    for (outcome, escalation), ids in same.items():
        for start in range(0, len(ids), ESCALATION_CHUNK):
            Rating.objects.filter(pk__in=ids[start:start + ESCALATION_CHUNK]).update(
                outcome=outcome, escalation=escalation, escalated_after=None
            )
    if linked:
        Rating.objects.bulk_update(linked, ["outcome", "escalation", "escalated_after"], batch_size=ESCALATION_CHUNK)
    # Ratings that no longer count carry no result.
    Rating.objects.filter(unit_id__in=unit_ids).exclude(status=Rating.Status.APPROVED).exclude(outcome="").update(
        outcome="", escalation="", escalated_after=None
    )
    return [r.pk for r in changed]


def jurisdiction_escalation_refresh(*, jurisdiction: Jurisdiction) -> int:
    """Recompute every unit's escalation, e.g. after a rule book's settings changed."""
    count = 0
    # By id: the order in which every writer locks units (see _lock_units).
    for unit in Organisation.objects.filter(jurisdiction=jurisdiction, is_unit=True).order_by("pk"):
        count += len(unit_escalation_refresh(unit=unit))
    return count


def _refusal_line(rating: Rating, exc: Exception) -> str:
    return f"#{rating.pk} {rating.unit.name}：{'；'.join(getattr(exc, 'messages', None) or [str(exc)])}"


def ratings_approve_many(*, ratings: Iterable[Rating], by) -> tuple[int, list[str]]:
    """Bulk approve; returns how many were approved and the messages for the rest.

    Each refusal (a rating approved or returned by a colleague meanwhile) leaves the
    others to go on; anything else, such as a database that stays busy, undoes the whole
    batch, so that nothing is left half done."""
    done, problems = 0, []
    with transaction.atomic():
        for rating in ratings:
            try:
                rating_approve(rating=rating, by=by)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                problems.append(_refusal_line(rating, exc))
    return done, problems


def ratings_return_many(
    *, ratings: Iterable[Rating], by, reason: str, seen: dict[int, str] | None = None
) -> tuple[int, list[str]]:
    """Bulk return, as ``ratings_approve_many``; ``seen`` maps a rating's id to the status
    the office saw when it chose to return it."""
    done, problems = 0, []
    seen = seen or {}
    with transaction.atomic():
        for rating in ratings:
            try:
                rating_return(rating=rating, by=by, reason=reason, seen_status=seen.get(rating.pk))
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                problems.append(_refusal_line(rating, exc))
    return done, problems


# Imports: many ratings in one transaction ------------------------------------------------


class RatingBatch:
    """``rating_record`` and ``rating_approve`` for many rows of one import, with the
    same checks, history and results, written in a few set-based statements.

    Works inside the caller's transaction (an import is all or nothing). Each row is
    checked in memory as it comes (``record``, ``approve``): each month is locked (and
    checked open) the first time a row names it and each year's rule book read once, so
    a row costs no query. ``finish`` then writes what the rows recorded: the ratings in
    one bulk insert, their history (the 填报 record and, when approved, the 审核通过
    record) in another, and refreshes the escalation of the approved ratings' units
    once, a few hundred units a query, after locking them by id. It must be called
    before the transaction ends.

    A rating recorded before the batch is approved as ``rating_approve`` does it, its
    unit locked first, then the rating (month → unit → rating, as every writer).

    ``rating_record`` and ``rating_approve`` stay the path of one rating at a time; a
    test imports the same file both ways and compares every rating and history row."""

    def __init__(self, *, jurisdiction_id: int, by):
        if not transaction.get_connection().in_atomic_block:
            raise transaction.TransactionManagementError("RatingBatch needs the caller's transaction")
        self.jurisdiction_id = jurisdiction_id
        self.by = by
        self.periods: dict[int, Period] = {}  # locked, by id
        self.year_rules: dict[int, YearRules] = {}
        self.locked_units: set[int] = set()
        self.pending: list[Rating] = []  # recorded by this batch, written by ``finish``
        self.escalate_units: set[int] = set()
        self.keys: dict[int, dict[tuple, Rating]] = {}  # by period: ratings by import key
        self.now = timezone.now()  # a file's rows are submitted and approved at one moment

    def period(self, period: Period) -> Period:
        """The month, locked, as it is now."""
        if period.pk not in self.periods:
            self.periods[period.pk] = _lock_period(period)
        return self.periods[period.pk]

    def rules_of(self, period: Period) -> YearRules:
        if period.year not in self.year_rules:
            self.year_rules[period.year] = _year_rules(self.jurisdiction_id, period.year)
        return self.year_rules[period.year]

    @staticmethod
    def key(rating: Rating) -> tuple:
        return (rating.department_id, rating.unit_id, rating.kind, rating.criterion_id, rating.reason)

    def find(self, *, period: Period, department: Organisation, unit: Organisation, kind: str,
             criterion: Criterion | None, reason: str) -> Rating | None:
        """The first rating (by id) of the month with this content, as
        ``Rating.objects.filter(...).order_by("pk").first()`` finds it: the month's
        ratings are read once, under its lock, and those recorded since are added."""
        period = self.period(period)
        if period.pk not in self.keys:
            found: dict[tuple, Rating] = {}
            for rating in Rating.objects.filter(period=period).order_by("-pk"):
                found[self.key(rating)] = rating  # the lowest id last, so it stays
            self.keys[period.pk] = found
        key = (department.pk, unit.pk, kind, criterion.pk if criterion else None, reason)
        found = self.keys[period.pk].get(key)
        return copy.copy(found) if found is not None else None  # the caller's to change, as a fresh read

    def record(self, *, period: Period, department: Organisation, unit: Organisation, kind: str, reason: str,
               criterion: Criterion | None = None, serious_impact: bool = False, submit: bool = False) -> Rating:
        """``rating_record``, checked now and written by ``finish``."""
        by = self.by
        _require_can_rate(by, department)
        period = self.period(period)
        _require_open(period)
        rating = Rating(
            period=period, department=department, unit=unit, kind=kind, criterion=criterion,
            reason=(reason or "").strip(), serious_impact=serious_impact, created_by=by,
        )
        _validate(rating, self.rules_of(period))
        if submit:
            rating.status = Rating.Status.SUBMITTED
            rating.submitted_at = self.now
        self.pending.append(rating)
        if period.pk in self.keys:
            self.keys[period.pk].setdefault(self.key(rating), rating)
        return rating

    def approve(self, rating: Rating) -> Rating:
        """``rating_approve``, but the unit's escalation waits for ``finish`` (and, for a
        rating this batch recorded, the writing too)."""
        by = self.by
        period = self.period(rating.period)
        _require_office(by, period.jurisdiction_id)
        _require_open(period)
        if rating.pk is None:  # recorded by this batch: seen by no one else yet
            if rating.status != Rating.Status.SUBMITTED:
                raise ValidationError(
                    _("只有待审核的认定可以通过（当前状态：%(status)s）") % {"status": rating.get_status_display()},
                    code="not_submitted",
                )
            rating.status = Rating.Status.APPROVED
            rating.reviewed_by = by
            rating.reviewed_at = self.now
        else:
            unit_id = _unit_of(rating.pk)
            if unit_id is not None and unit_id not in self.locked_units:
                _lock_units(unit_id)
                self.locked_units.add(unit_id)
            rating = _lock_rating(rating.pk)
            _approve_locked(rating, by)
        self.escalate_units.add(rating.unit_id)
        return rating

    def finish(self) -> dict[int, tuple]:
        """Write the recorded ratings and their history, then refresh the escalation of
        every unit a rating was approved for; returns each of their approved yellow and
        red lights' (outcome, escalation, escalated_after id) by id (a red flag's is
        ``RED_FLAG_RESULT``)."""
        pending, self.pending = self.pending, []
        if pending:
            _ratings_insert_with_history(pending, self.by)
        units, self.escalate_units = self.escalate_units, set()
        results: dict[int, tuple] = {}
        units_escalation_refresh(jurisdiction_id=self.jurisdiction_id, unit_ids=units, results=results)
        return results


def _ratings_insert_with_history(ratings: list[Rating], by) -> None:
    """Insert new ratings in bulk with the history ``rating_record`` (and, for the
    approved ones, ``rating_approve``) would have left: a 填报 record of the rating as
    submitted and a 审核通过 record of it as approved, each with its user, both from
    before the escalation was worked out (as the services save them). An approved red
    flag goes in with its result, which is always ``RED_FLAG_RESULT``: the escalation
    that follows then has only the lights to write."""
    approved = Rating.Status.APPROVED
    for rating in ratings:
        if rating.status == approved and rating.kind == rules.RED_FLAG:
            rating.outcome, rating.escalation, rating.escalated_after_id = RED_FLAG_RESULT
    insert_rows(Rating, ratings, returning_ids=True)
    history = Rating.history.model
    stamp = {"history_date": timezone.now(), "history_user_id": getattr(by, "pk", None)}
    unescalated = {"outcome": "", "escalation": "", "escalated_after_id": None}
    submitted = {**unescalated, "status": Rating.Status.SUBMITTED, "reviewed_by_id": None, "reviewed_at": None}
    entered = {**stamp, "history_type": "+", "history_change_reason": _("填报")}
    approved_now = [rating for rating in ratings if rating.status == approved]
    others = [rating for rating in ratings if rating.status != approved]
    # No history instances: each record is the rating's own values with the state it had then.
    insert_derived(history, others, fixed={**entered, **unescalated})
    insert_derived(history, approved_now, fixed={**entered, **submitted})
    insert_derived(history, approved_now, fixed={**stamp, **unescalated, "history_type": "~",
                                                 "history_change_reason": _("审核通过")})


def today() -> date:
    return timezone.localdate()


def _today() -> date:
    # For the functions whose ``today`` argument hides the module's clock.
    return today()
