"""What a rated unit's desk reads: its own approved ratings, its standing so far this
year, its review requests. Nothing here writes.

Only approved ratings ever leave this module, and only the unit's own; of their
evidence, only what the department marked as shared with the unit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Min, Prefetch, QuerySet
from django.utils import timezone

from boards.models import Edition
from departments.models import Organisation
from departments.roles import is_unit_staff, user_unit
from assessment.services import CENT
from ratings import rules
from ratings import selectors as ratings_selectors
from ratings.models import Evidence, Period, Rating, RuleBook
from reviews import rules as review_rules
from reviews.models import ReviewRequest
from reviews.selectors import DEFAULT_NOTICE_DAYS, REFUSALS, FilingState, requests_for_unit
from workdays.selectors import Calendar, CalendarUnknownYear

APPROVED = Rating.Status.APPROVED


# Ratings ------------------------------------------------------------------------------


def _desk_queryset(*, unit: Organisation) -> QuerySet[Rating]:
    return (
        Rating.objects.filter(unit=unit, status=APPROVED)
        .select_related(
            "period", "department", "criterion", "escalated_after__period", "escalated_after__department",
            "review_request",
        )
        .prefetch_related(Prefetch(
            "evidence", queryset=Evidence.objects.filter(shared_with_unit=True).order_by("pk"), to_attr="shared_evidence",
        ))
    )


def desk_ratings(*, unit: Organisation, year: int) -> list[Rating]:
    """The unit's approved ratings of a year, newest month first, each with
    ``shared_evidence`` (a list) and its review request, if any, selected."""
    return list(
        _desk_queryset(unit=unit).filter(period__year=year).order_by("-period__month", "department__code", "pk")
    )


def desk_rating(*, unit: Organisation, pk: int) -> Rating | None:
    """One approved rating of the unit; ``None`` for anyone else's or an unapproved one."""
    return _desk_queryset(unit=unit).filter(pk=pk).first()


@dataclass(frozen=True)
class Entry:
    rating: Rating
    review: ReviewState


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    entries: list[Entry]


def by_month(ratings: list[Rating], reviews: dict[int, ReviewState]) -> list[Month]:
    """Ratings already ordered newest month first, grouped by month, each with its review."""
    months: list[Month] = []
    for rating in ratings:
        period = rating.period
        if not months or (months[-1].year, months[-1].month) != (period.year, period.month):
            months.append(Month(period.year, period.month, []))
        months[-1].entries.append(Entry(rating, reviews[rating.pk]))
    return months


def desk_years(*, unit: Organisation, today: dt.date | None = None) -> list[int]:
    """The years the unit has approved ratings in, and the current year, newest first."""
    today = today or timezone.localdate()
    years = set(
        Rating.objects.filter(unit=unit, status=APPROVED).order_by().values_list("period__year", flat=True).distinct()
    )
    years.add(today.year)
    return sorted(years, reverse=True)


# Points and rank so far ---------------------------------------------------------------


@dataclass(frozen=True)
class ReviewState:
    """A rating's review on the desk: the request filed for it, or whether one may be
    filed now and until when (``notice_days`` working days after publication when the
    notice period has not begun)."""

    filing: FilingState
    request: ReviewRequest | None
    notice_days: int

    @property
    def may_file(self) -> bool:
        return self.request is None and self.filing.may_file


@dataclass(frozen=True)
class Standing:
    """The unit's year so far, computed live as the roll-up would compute it now; the
    office's year-end roll-up (年度考核结果) is what counts."""

    year: int
    through_month: int | None  # the latest month of the year that has been opened
    tally: rules.Tally
    points: Decimal
    rank: int | None  # among the units the roll-up ranks; None when the unit is not among them
    units: int
    rank_in_category: int | None
    units_in_category: int


def desk_standing(*, unit: Organisation, year: int) -> Standing:
    """红旗加分，红黄灯减分, with the year's rule book and its caps, for every unit of the
    jurisdiction the roll-up ranks (those in service, and any rated), so that the rank
    is the one the roll-up would store today. A handful of queries, whatever the size."""
    jurisdiction = unit.jurisdiction
    rulebook = RuleBook.objects.filter(jurisdiction=jurisdiction, year=year).first()
    settings = rulebook.as_rules() if rulebook else rules.DEFAULT_RULES
    grading = rulebook.as_grading() if rulebook else rules.DEFAULT_GRADING
    through = Period.objects.filter(jurisdiction=jurisdiction, year=year).order_by("-month").values_list(
        "month", flat=True
    ).first()
    # The roll-up's own reads: the same counts after escalation, the same units.
    counts = ratings_selectors.year_outcome_counts(jurisdiction=jurisdiction, year=year, through_month=12)
    category_of = ratings_selectors.year_units(jurisdiction=jurisdiction, year=year, rated=counts)

    none = (0, 0, 0)
    points = {
        unit_id: rules.year_points(rules.Tally(*counts.get(unit_id, none)), settings).quantize(CENT)
        for unit_id in category_of
    }
    tally = rules.Tally(*counts.get(unit.pk, none))
    own_points = points.get(unit.pk, rules.year_points(tally, settings).quantize(CENT))
    if unit.pk not in points:
        return Standing(year, through, tally, own_points, None, len(points), None, 0)
    table = rules.standings(points, category_of, grading)
    category = category_of[unit.pk]
    return Standing(
        year=year, through_month=through, tally=tally, points=own_points,
        rank=table.rank_overall[unit.pk], units=len(points),
        rank_in_category=table.rank_in_group[unit.pk],
        units_in_category=sum(1 for other in category_of.values() if other == category),
    )


# Review requests ----------------------------------------------------------------------


def desk_filing_states(*, user, unit: Organisation, ratings: list[Rating],
                       today: dt.date | None = None) -> dict[int, ReviewState]:
    """``reviews.selectors.filing_state`` (the same rules, the same words) for many of
    the unit's ratings at once, in a constant number of queries: the months' first
    publication, the rule books' notice periods and the working-day calendar are each
    read once. ``ratings`` come from ``desk_ratings`` (their review request selected)."""
    if not ratings:
        return {}
    today = today or timezone.localdate()
    staff = is_unit_staff(user)
    own = user_unit(user)
    published = dict(
        Edition.objects.filter(period_id__in={r.period_id for r in ratings}).order_by()
        .values("period_id").annotate(first=Min("published_at")).values_list("period_id", "first")
    )
    notice = dict(
        RuleBook.objects.filter(
            jurisdiction_id__in={r.period.jurisdiction_id for r in ratings}, year__in={r.period.year for r in ratings}
        ).values_list("year", "notice_period_days")
    )
    calendar = Calendar()
    states: dict[int, ReviewState] = {}
    for rating in ratings:
        days = notice.get(rating.period.year, DEFAULT_NOTICE_DAYS)
        request = _request_of(rating)
        approved_on = timezone.localdate(rating.reviewed_at) if rating.reviewed_at else today
        first = published.get(rating.period_id)
        start = review_rules.filing_start(
            approved_on=approved_on, published_on=timezone.localdate(first) if first else None
        )
        try:
            deadline = review_rules.filing_deadline(
                start=start, notice_days=days, add_working_days=calendar.add_working_days
            )
        except CalendarUnknownYear as exc:
            filing = FilingState(refusal=None, message=exc.messages[0], deadline=None, started=True)
            states[rating.pk] = ReviewState(filing, request, days)
            continue
        refusal = review_rules.filing_refusal(
            is_unit_staff=staff, own_unit=own is not None and own.pk == rating.unit_id,
            approved=rating.status == APPROVED, outcome=rating.effective_kind,
            already_filed=request is not None, today=today, deadline=deadline,
        )
        filing = FilingState(
            refusal=refusal, message=REFUSALS[refusal]() if refusal else "", deadline=deadline, started=start is not None
        )
        states[rating.pk] = ReviewState(filing, request, days)
    return states


def _request_of(rating: Rating) -> ReviewRequest | None:
    try:
        return rating.review_request
    except ReviewRequest.DoesNotExist:
        return None


def desk_requests(*, unit: Organisation) -> list[ReviewRequest]:
    """The unit's review requests, newest first, pending ones first among them."""
    requests = list(requests_for_unit(unit=unit).order_by("-filed_at", "-pk"))
    return sorted(requests, key=lambda r: not r.is_pending)


# Notices and the public page ----------------------------------------------------------


def desk_notices(*, user, limit: int) -> list:
    """The user's latest unread notifications (the centre has them all)."""
    from notifications.selectors import notification_list

    return list(notification_list(user=user).filter(read_at__isnull=True)[:limit])


def desk_public_url(*, unit: Organisation) -> str:
    """The unit's page on the public board (published months only)."""
    from boards.links import board_reverse, jurisdiction_kwargs

    return board_reverse("unit", jurisdiction_kwargs(unit.jurisdiction), code=unit.code)
