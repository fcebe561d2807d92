"""Reading review requests: what a unit may file, what each role may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from boards.models import Edition
from departments.models import Organisation
from departments.roles import is_leader, is_office, is_rater, is_unit_staff, user_department, user_jurisdiction, user_unit
from ratings.models import Period, Rating, RuleBook
from reviews import rules
from reviews.models import ReviewRequest
from workdays.selectors import Calendar, CalendarUnknownYear

DEFAULT_NOTICE_DAYS = RuleBook._meta.get_field("notice_period_days").default


def notice_days(*, jurisdiction_id: int, year: int) -> int:
    book = RuleBook.objects.filter(jurisdiction_id=jurisdiction_id, year=year).only("notice_period_days").first()
    return book.notice_period_days if book else DEFAULT_NOTICE_DAYS


def first_published_on(*, period_id: int) -> dt.date | None:
    """The day a month's board was first published (its notice period runs from then)."""
    moment = Edition.objects.filter(period_id=period_id).aggregate(first=Min("published_at"))["first"]
    return timezone.localdate(moment) if moment else None


@dataclass(frozen=True)
class FilingState:
    """Whether the user may file a request for a rating now, why not, and until when."""

    refusal: rules.Refusal | None
    message: str
    deadline: dt.date | None
    started: bool  # the notice period has begun (the board is published)

    @property
    def may_file(self) -> bool:
        return self.refusal is None and not self.message


REFUSALS = {
    rules.Refusal.NOT_UNIT_STAFF: lambda: _("只有被考核单位的工作人员可以申请复核"),
    rules.Refusal.OTHER_UNIT: lambda: _("只能对本单位的认定申请复核"),
    rules.Refusal.NOT_APPROVED: lambda: _("这条认定尚未审核通过，不能申请复核"),
    rules.Refusal.RED_FLAG: lambda: _("红旗无需申请复核"),
    rules.Refusal.ALREADY_FILED: lambda: _("每条认定只能申请一次复核，本单位已经申请过"),
    rules.Refusal.TOO_LATE: lambda: _("公示期已过，不能再申请复核"),
}


def filing_deadline(*, rating: Rating, calendar: Calendar | None = None) -> tuple[dt.date | None, bool]:
    """The last day to file for a rating, and whether the notice period has begun.
    Raises CalendarUnknownYear when the working days to count are not known."""
    approved_on = timezone.localdate(rating.reviewed_at) if rating.reviewed_at else timezone.localdate()
    start = rules.filing_start(approved_on=approved_on, published_on=first_published_on(period_id=rating.period_id))
    days = notice_days(jurisdiction_id=rating.period.jurisdiction_id, year=rating.period.year)
    calendar = calendar or Calendar()
    return rules.filing_deadline(start=start, notice_days=days, add_working_days=calendar.add_working_days), start is not None


def filing_state(*, user, rating: Rating, today: dt.date | None = None) -> FilingState:
    today = today or timezone.localdate()
    try:
        deadline, started = filing_deadline(rating=rating)
    except CalendarUnknownYear as exc:
        return FilingState(refusal=None, message=exc.messages[0], deadline=None, started=True)
    unit = user_unit(user)
    refusal = rules.filing_refusal(
        is_unit_staff=is_unit_staff(user),
        own_unit=unit is not None and unit.pk == rating.unit_id,
        approved=rating.status == Rating.Status.APPROVED,
        outcome=rating.effective_kind,
        already_filed=ReviewRequest.objects.filter(rating_id=rating.pk).exists(),
        today=today,
        deadline=deadline,
    )
    return FilingState(
        refusal=refusal, message=REFUSALS[refusal]() if refusal else "", deadline=deadline, started=started
    )


def requests_for_unit(*, unit: Organisation) -> QuerySet[ReviewRequest]:
    return ReviewRequest.objects.filter(unit=unit).select_related("rating__period", "department").prefetch_related(
        "attachments"
    )


def requests_visible_to(*, user, queryset: QuerySet[ReviewRequest] | None = None) -> QuerySet[ReviewRequest]:
    """The office and leaders: their jurisdiction's; raters: on their department's
    ratings; unit staff: their unit's; anyone else: none."""
    qs = ReviewRequest.objects.all() if queryset is None else queryset
    if getattr(user, "is_superuser", False):
        return qs
    jurisdiction = user_jurisdiction(user)
    q = Q(pk__in=[])
    if jurisdiction is not None and (is_office(user) or is_leader(user)):
        q |= Q(jurisdiction=jurisdiction)
    if is_rater(user):
        q |= Q(department=user_department(user))
    if is_unit_staff(user):
        q |= Q(unit=user_unit(user))
    return qs.filter(q)


def request_is_visible(*, user, request: ReviewRequest) -> bool:
    return requests_visible_to(user=user, queryset=ReviewRequest.objects.filter(pk=request.pk)).exists()


def counts_by_department(*, jurisdiction_id: int, year: int | None = None) -> list[dict]:
    """Per department: pending, upheld and changed requests (leaders watch departments
    whose ratings are often changed on review)."""
    qs = ReviewRequest.objects.filter(jurisdiction_id=jurisdiction_id)
    if year is not None:
        qs = qs.filter(rating__period__year=year)
    rows = (
        qs.values("department_id", "department__name", "department__code")
        .annotate(
            pending=Count("pk", filter=Q(status=rules.PENDING)),
            upheld=Count("pk", filter=Q(status=rules.UPHELD)),
            changed=Count("pk", filter=Q(status=rules.CHANGED)),
            total=Count("pk"),
        )
        .order_by("-changed", "department__code")
    )
    return list(rows)


def pending_count(*, jurisdiction_id: int) -> int:
    return ReviewRequest.objects.filter(jurisdiction_id=jurisdiction_id, status=rules.PENDING).count()


def current_published_at(*, period: Period):
    """When the month's current board was published (``None``: never)."""
    edition = Edition.objects.filter(period=period, superseded_by__isnull=True).only("published_at").first()
    return edition.published_at if edition else None


def months_needing_correction(*, jurisdiction_id: int) -> list[Period]:
    """Published months with a review change after their current board: each needs a
    correction revision (the office publishes it with the drafted note)."""
    out = []
    periods = Period.objects.filter(
        jurisdiction_id=jurisdiction_id, status=Period.Status.PUBLISHED, revised_at__isnull=False
    ).order_by("year", "month")
    for period in periods:
        published = current_published_at(period=period)
        if published is None or period.revised_at > published:
            out.append(period)
    return out
