"""What the public board reads: read-only selectors over ratings, for ``boards``.

A month's board is built only from **approved** ratings of a **closed** (or already
published) month; drafts, submitted and returned ratings and open months never leave
this module. The result is plain frozen data, so that ``boards`` can snapshot it
without holding on to the ORM:

- 红旗榜 (honour board): the red flags, by unit;
- 亮灯榜 (warning board): the red and yellow lights after escalation, red first; an
  escalated red light says so ("连续黄灯升级" / "造成较大影响") and keeps the kind the
  department entered.

Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from departments.models import Jurisdiction
from ratings import rules
from ratings.models import Period, Rating

HONOUR = "honour"
WARNING = "warning"

# Months whose board may be published (again): closed, or published already.
PUBLISHABLE = (Period.Status.CLOSED, Period.Status.PUBLISHED)

# On the warning board red lights come before yellow lights.
_WARNING_ORDER = {rules.RED_LIGHT: 0, rules.YELLOW_LIGHT: 1}


class MonthNotClosed(ValueError):
    """The month is still open: it has no board yet."""


@dataclass(frozen=True)
class BoardRow:
    """One line of a board: an approved rating, as the public sees it."""

    rating_id: int
    board: str  # HONOUR or WARNING
    unit_id: int
    unit_code: str
    unit_name: str
    category: str
    department_code: str
    department_name: str
    outcome: str  # rules.RED_FLAG / YELLOW_LIGHT / RED_LIGHT, after escalation
    entered_kind: str  # the kind the department entered
    escalation: str  # "", rules.ESCALATED_CONSECUTIVE or rules.ESCALATED_SERIOUS
    escalated_after: str  # "YYYY-MM" of the earlier yellow light a consecutive red light completed
    criterion_code: str
    criterion_text: str
    reason: str


@dataclass(frozen=True)
class MonthBoard:
    """A closed month's 红旗榜 and 亮灯榜."""

    jurisdiction_id: int
    jurisdiction_code: str
    jurisdiction_name: str
    period_id: int
    year: int
    month: int
    honour: tuple[BoardRow, ...]
    warning: tuple[BoardRow, ...]

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def rows(self) -> tuple[BoardRow, ...]:
        return self.honour + self.warning


def month_board(*, period: Period) -> MonthBoard:
    """The board of a closed or published month (MonthNotClosed for an open one)."""
    period = Period.objects.select_related("jurisdiction").get(pk=period.pk)
    if period.status not in PUBLISHABLE:
        raise MonthNotClosed(period.label)
    ratings = (
        Rating.objects.filter(period=period, status=Rating.Status.APPROVED)
        .select_related("unit__category", "department", "criterion", "escalated_after__period")
        .order_by("pk")
    )
    honour: list[tuple[tuple, BoardRow]] = []
    warning: list[tuple[tuple, BoardRow]] = []
    for rating in ratings:
        outcome = rating.outcome or rating.kind
        category = rating.unit.category
        previous = rating.escalated_after
        row = BoardRow(
            rating_id=rating.pk,
            board=HONOUR if outcome == rules.RED_FLAG else WARNING,
            unit_id=rating.unit_id,
            unit_code=rating.unit.code,
            unit_name=rating.unit.name,
            category=category.name if category else "",
            department_code=rating.department.code,
            department_name=rating.department.name,
            outcome=outcome,
            entered_kind=rating.kind,
            escalation=rating.escalation or "",
            # Only the month of the earlier yellow light: its department and reason belong to its own board.
            escalated_after=previous.period.label if previous is not None else "",
            criterion_code=rating.criterion.code if rating.criterion_id else "",
            criterion_text=rating.criterion.text if rating.criterion_id else "",
            reason=rating.reason,
        )
        unit_key = (category.order if category else 10_000, row.unit_code, row.department_code, row.rating_id)
        if row.board == HONOUR:
            honour.append((unit_key, row))
        else:
            warning.append(((_WARNING_ORDER.get(outcome, 9), *unit_key), row))
    return MonthBoard(
        jurisdiction_id=period.jurisdiction_id,
        jurisdiction_code=period.jurisdiction.code,
        jurisdiction_name=period.jurisdiction.name,
        period_id=period.pk,
        year=period.year,
        month=period.month,
        honour=tuple(row for _key, row in sorted(honour, key=lambda item: item[0])),
        warning=tuple(row for _key, row in sorted(warning, key=lambda item: item[0])),
    )


def periods_publishable(*, jurisdiction: Jurisdiction | None = None) -> QuerySet[Period]:
    """Closed or published months, newest first."""
    qs = Period.objects.filter(status__in=PUBLISHABLE).select_related("jurisdiction")
    if jurisdiction is not None:
        qs = qs.filter(jurisdiction=jurisdiction)
    return qs.order_by("-year", "-month")


def periods_awaiting_publication(*, jurisdiction: Jurisdiction | None = None) -> QuerySet[Period]:
    """Closed months not (or no longer) marked published, oldest first: what a scheduled
    publication picks up."""
    qs = Period.objects.filter(status=Period.Status.CLOSED, jurisdiction__is_active=True).select_related("jurisdiction")
    if jurisdiction is not None:
        qs = qs.filter(jurisdiction=jurisdiction)
    return qs.order_by("jurisdiction_id", "year", "month")


def period_statuses(*, jurisdiction: Jurisdiction, year: int) -> dict[int, str]:
    """month -> status for the year's months that exist."""
    return dict(Period.objects.filter(jurisdiction=jurisdiction, year=year).values_list("month", "status"))
