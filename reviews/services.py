"""Writing review requests: a unit files, the department states, the office decides.
Each step is in the request's history; a change goes through ``ratings.services``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Organisation
from departments.roles import is_office, is_rater, user_department, user_jurisdiction
from ratings import rules as rating_rules
from ratings import services as rating_services
from ratings.forms import validate_evidence_file
from ratings.models import Kind, Period, Rating
from notifications.services import in_site_language
from reviews import rules, selectors
from reviews.models import ReviewAttachment, ReviewRequest

MAX_ATTACHMENTS = 5


def _stamp(instance, by, reason: str) -> None:
    instance._history_user = by
    instance._change_reason = reason


def month_name(year: int, month: int) -> str:
    return _("%(year)d年%(month)d月") % {"year": year, "month": month}


def _clean_text(text: str, *, required_message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(required_message, code="required")
    if len(text) > rules.REASON_MAX_LENGTH:
        raise ValidationError(
            _("不能超过 %(max)d 个字（现有 %(count)d 个字）") % {"max": rules.REASON_MAX_LENGTH, "count": len(text)},
            code="too_long",
        )
    return text


def review_file(*, rating: Rating, by, reason: str, files: Sequence = ()) -> ReviewRequest:
    """复核申请: the rated unit's staff contest one approved light, within the notice
    period, with a reason and files checked like evidence. Nothing is kept when any
    part is refused."""
    reason = _clean_text(reason, required_message=_("请填写申请复核的理由"))
    files = [f for f in files if f]
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationError(_("最多上传 %(max)d 个附件") % {"max": MAX_ATTACHMENTS}, code="too_many_files")
    names = [validate_evidence_file(upload) for upload in files]
    with transaction.atomic():
        rating = Rating.objects.select_for_update().select_related("period").get(pk=rating.pk)
        state = selectors.filing_state(user=by, rating=rating)
        if not state.may_file:
            raise ValidationError(state.message, code=state.refusal.value if state.refusal else "calendar")
        request = ReviewRequest(
            rating=rating, jurisdiction_id=rating.period.jurisdiction_id, unit_id=rating.unit_id,
            department_id=rating.department_id, kind_at_filing=rating.kind, outcome_at_filing=rating.effective_kind,
            reason=reason, filed_by=by, deadline=state.deadline,
        )
        _stamp(request, by, _("提交复核申请"))
        request.save()
        for upload, name in zip(files, names):
            upload.seek(0)
            attachment = ReviewAttachment(request=request, original_name=name[:255])
            attachment.file.save(name, upload, save=False)
            attachment.save()
        _notify_filed(request)  # rows in this transaction; their mail is queued on commit
    return request


def review_statement(*, request: ReviewRequest, by, text: str) -> ReviewRequest:
    """部门说明: the rating department adds (or amends) its statement while the request is pending."""
    text = _clean_text(text, required_message=_("请填写部门说明"))
    with transaction.atomic():
        request = ReviewRequest.objects.select_for_update().get(pk=request.pk)
        if not (is_rater(by) and user_department(by) is not None and user_department(by).pk == request.department_id):
            raise PermissionDenied(_("只有作出这条认定的职能管理部门可以填写说明"))
        if not request.is_pending:
            raise ValidationError(_("这份复核申请已经作出决定，不能再填写说明"), code="decided")
        request.statement = text
        request.statement_by = by
        request.statement_at = timezone.now()
        _stamp(request, by, _("部门填写说明"))
        request.save()
    return request


@dataclass(frozen=True)
class Decision:
    request: ReviewRequest
    periods: list[Period]  # months whose ratings changed (empty when upheld)


def review_decide(*, request: ReviewRequest, by, upheld: bool, change: str = "", reason: str) -> Decision:
    """复核决定: the office, not the department, upholds or changes the rating, with a
    reason the unit sees. A change lightens the rating or withdraws it; escalation is
    recomputed for the unit and every rating that moves with it is recorded."""
    reason = _clean_text(reason, required_message=_("请填写复核意见，被考核单位会看到"))
    with transaction.atomic():
        request = ReviewRequest.objects.select_for_update().select_related("rating__period", "unit").get(pk=request.pk)
        jurisdiction = user_jurisdiction(by)
        if not rules.may_decide(
            is_office=is_office(by),
            same_jurisdiction=getattr(by, "is_superuser", False)
            or (jurisdiction is not None and jurisdiction.pk == request.jurisdiction_id),
        ):
            raise PermissionDenied(_("复核由效能办决定"))
        if not request.is_pending:
            raise ValidationError(
                _("这份复核申请已由 %(who)s 于 %(when)s 作出决定：%(status)s") % {
                    "who": rating_services.who(request.decided_by), "when": rating_services.when(request.decided_at),
                    "status": request.get_status_display(),
                },
                code="decided",
            )
        periods: list[Period] = []
        if upheld:
            request.status = ReviewRequest.Status.UPHELD
            request.change = ""
        else:
            rating = request.rating
            allowed = rules.changes_allowed(kind=rating.kind, serious_impact=rating.serious_impact)
            if change not in allowed:
                raise ValidationError(_("请选择变更内容"), code="change_required")
            lights = _unit_lights(rating.unit_id)
            ripple = rules.ripple(
                lights=lights, rating_id=rating.pk, change=change,
                rules_for=rating_services.rules_for_jurisdiction(request.jurisdiction_id),
            )
            changed = rules.apply_change(kind=rating.kind, serious_impact=rating.serious_impact, change=change)
            note = decision_note(request=request, change=change)
            revision = rating_services.rating_revise_on_review(
                rating=rating, by=by, withdraw=changed.withdrawn,
                kind=None if changed.withdrawn else changed.kind,
                serious_impact=None if changed.withdrawn else changed.serious_impact,
                note=f"{note}（{reason}）",
            )
            periods = revision.periods
            request.status = ReviewRequest.Status.CHANGED
            request.change = change
            request.ripple = [
                {"id": r.id, "year": r.year, "month": r.month, "before": r.before, "after": r.after} for r in ripple
            ]
        request.decision_reason = reason
        request.decided_by = by
        request.decided_at = timezone.now()
        _stamp(request, by, _("复核决定：%(status)s") % {"status": request.get_status_display()})
        request.save()
        _notify_decided(request)
    return Decision(request=request, periods=periods)


def _unit_lights(unit_id: int) -> list[rating_rules.Light]:
    approved = Rating.objects.filter(unit_id=unit_id, status=Rating.Status.APPROVED).select_related("period")
    return [
        rating_rules.Light(
            id=r.pk, year=r.period.year, month=r.period.month, department=r.department_id,
            kind=r.kind, serious_impact=r.serious_impact,
        )
        for r in approved
    ]


def kind_label(kind: str) -> str:
    return str(Kind(kind).label) if kind else ""


def decision_note(*, request: ReviewRequest, change: str = "") -> str:
    """The correction note drafted from a decision: 经复核，撤销东坝街道2026年1月黄灯."""
    change = change or request.change
    period = request.rating.period
    what = f"{request.unit.name}{month_name(period.year, period.month)}{kind_label(request.outcome_at_filing)}"
    if change == rules.WITHDRAW:
        return _("经复核，撤销%(what)s") % {"what": what}
    return _("经复核，%(what)s改为%(kind)s") % {"what": what, "kind": kind_label(rating_rules.YELLOW_LIGHT)}


def ripple_lines(request: ReviewRequest) -> list[str]:
    """The ratings that moved with a decision, in words (besides the contested one)."""
    lines = []
    for moved in request.ripple:
        if moved["id"] == request.rating_id:
            continue
        before, after = kind_label(moved["before"]), kind_label(moved["after"]) or _("不计")
        lines.append(_("%(month)s的%(before)s相应改为%(after)s") % {
            "month": month_name(moved["year"], moved["month"]), "before": before, "after": after,
        })
    return lines


def correction_note(*, period: Period) -> str:
    """A month's correction note drafted from the changes decided since its board was
    last published: each decision that touched the month, with what moved in it."""
    last = selectors.current_published_at(period=period)
    decided = ReviewRequest.objects.filter(
        jurisdiction_id=period.jurisdiction_id, status=ReviewRequest.Status.CHANGED,
    ).select_related("rating__period", "unit")
    if last is not None:
        decided = decided.filter(decided_at__gt=last)
    parts = []
    for request in decided.order_by("decided_at", "pk"):
        touched = {(m["year"], m["month"]) for m in request.ripple}
        if (period.year, period.month) not in touched:
            continue
        line = decision_note(request=request)
        same_month = [
            m for m in request.ripple
            if (m["year"], m["month"]) == (period.year, period.month) and m["id"] != request.rating_id
        ]
        if same_month or (request.rating.period.year, request.rating.period.month) != (period.year, period.month):
            line += _("，%(month)s的认定结果相应调整") % {"month": month_name(period.year, period.month)}
        parts.append(line)
    return "；".join(parts)


# Notifications -------------------------------------------------------------------------


def _users_of(*, groups: Iterable[str], jurisdiction_id: int, department: Organisation | None = None,
              unit: Organisation | None = None):
    from departments.selectors import people_in

    return people_in(jurisdiction_id=jurisdiction_id, groups=groups,
                     department_id=None if department is None else department.pk,
                     unit_ids=None if unit is None else [unit.pk])


def _notify(**kwargs) -> None:
    from notifications import services as notifications

    notifications.notify(**kwargs)


@in_site_language
def _notify_filed(request: ReviewRequest) -> None:
    from departments import roles

    period = request.rating.period
    title = _("%(unit)s 对 %(month)s 的%(kind)s申请复核") % {
        "unit": request.unit.name, "month": month_name(period.year, period.month),
        "kind": kind_label(request.outcome_at_filing),
    }
    link = reverse("admin:reviews_reviewrequest_change", args=[request.pk])
    _notify(recipients=_users_of(groups=[roles.OFFICE], jurisdiction_id=request.jurisdiction_id),
            kind="review_filed", title=title, body=request.reason[:200], link=link)
    _notify(recipients=_users_of(groups=[roles.RATER], jurisdiction_id=request.jurisdiction_id,
                                 department=request.department),
            kind="review_filed", title=title, body=_("可在复核申请中填写部门说明，由效能办作出复核决定"), link=link)


@in_site_language
def _notify_decided(request: ReviewRequest) -> None:
    from departments import roles

    period = request.rating.period
    title = _("%(month)s %(kind)s的复核决定：%(status)s") % {
        "month": month_name(period.year, period.month), "kind": kind_label(request.outcome_at_filing),
        "status": request.get_status_display(),
    }
    _notify(recipients=_users_of(groups=[roles.UNIT_STAFF], jurisdiction_id=request.jurisdiction_id,
                                 unit=request.unit),
            kind="review_decided", title=title, body=request.decision_reason[:200],
            link=reverse("reviews:detail", args=[request.pk]))
    _notify(recipients=_users_of(groups=[roles.RATER], jurisdiction_id=request.jurisdiction_id,
                                 department=request.department),
            kind="review_decided", title=_("%(unit)s：%(title)s") % {"unit": request.unit.name, "title": title},
            body=request.decision_reason[:200], link=reverse("admin:reviews_reviewrequest_change", args=[request.pk]))
