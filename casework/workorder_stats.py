"""A unit's 12345 figures for a span of months of one year, in one aggregate query.

What is counted, for each unit that had work orders in the months:

- ``orders``: the work orders of the months. An order belongs to the month it was
  received (受理时间); one without 受理时间 to the month it was closed, else to the month
  of its deadline; one without any of the three to no month.
- ``closed``: closed (办结时间 given), whenever that was.
- ``closed_on_time``: closed no later than the deadline (办结时间 ≤ 办理时限). An order
  without a deadline cannot be late: it counts as closed on time once it is closed.
- ``open_overdue``: not closed, and the deadline has passed (办理时限 < ``now``). An
  open order still within its deadline, or without one, is counted in neither.
- ``on_time_rate`` = closed_on_time ÷ (closed + open_overdue), as a percentage: an
  overdue order counts against the unit whether it was closed late or is still open.
- ``rated``: orders the caller answered (满意度 given); ``satisfied``, ``basic``,
  ``not_satisfied`` of them; ``satisfaction_rate`` = (satisfied + basic) ÷ rated.

Rates are percentages with one decimal, rounded half up (87.25 → 87.3), and None when
there is nothing to divide by.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.utils import timezone

from casework.models import WorkOrder

ONE_DECIMAL = Decimal("0.1")
S = WorkOrder.Satisfaction


@dataclass(frozen=True)
class UnitStats:
    unit_id: int
    unit_code: str
    unit_name: str
    orders: int
    closed: int
    closed_on_time: int
    open_overdue: int
    rated: int
    satisfied: int
    basic: int
    not_satisfied: int
    on_time_rate: Decimal | None
    satisfaction_rate: Decimal | None


def percent(part: int, whole: int) -> Decimal | None:
    """part ÷ whole as a percentage with one decimal, half up; None for nothing to count."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _tally(condition: Q) -> Sum:
    return Sum(Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField()))


def month_span(year: int, month_from: int, month_to: int) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of ``month_from`` and the first moment after ``month_to``, local time."""
    if not 1 <= month_from <= month_to <= 12:
        raise ValueError(f"months {month_from}..{month_to} are not a span of one year")
    start = dt.datetime(year, month_from, 1)
    end = dt.datetime(year + 1, 1, 1) if month_to == 12 else dt.datetime(year, month_to + 1, 1)
    return timezone.make_aware(start), timezone.make_aware(end)


def unit_workorder_stats(*, jurisdiction_id: int, year: int, month_from: int = 1, month_to: int = 12,
                         unit_ids: Iterable[int] | None = None, now: dt.datetime | None = None) -> list[UnitStats]:
    """The figures of each unit with work orders in the months, by unit code (one query).
    ``unit_ids`` keeps only those units; ``now`` decides what is overdue."""
    now = timezone.now() if now is None else now
    start, end = month_span(year, month_from, month_to)
    in_months = (
        Q(received_at__gte=start, received_at__lt=end)
        | Q(received_at__isnull=True, closed_at__gte=start, closed_at__lt=end)
        | Q(received_at__isnull=True, closed_at__isnull=True, due_at__gte=start, due_at__lt=end)
    )
    orders = WorkOrder.objects.filter(in_months, jurisdiction_id=jurisdiction_id)
    if unit_ids is not None:
        orders = orders.filter(unit_id__in=list(unit_ids))
    closed = Q(closed_at__isnull=False)
    rows = (
        orders.values("unit_id", "unit__code", "unit__name")
        .annotate(
            orders=Count("pk"),
            closed=_tally(closed),
            closed_on_time=_tally(closed & (Q(due_at__isnull=True) | Q(closed_at__lte=F("due_at")))),
            open_overdue=_tally(Q(closed_at__isnull=True, due_at__lt=now)),
            rated=_tally(Q(satisfaction__in=[S.SATISFIED, S.BASIC, S.NOT_SATISFIED])),
            satisfied=_tally(Q(satisfaction=S.SATISFIED)),
            basic=_tally(Q(satisfaction=S.BASIC)),
            not_satisfied=_tally(Q(satisfaction=S.NOT_SATISFIED)),
        )
        .order_by("unit__code", "unit_id")
    )
    return [
        UnitStats(
            unit_id=row["unit_id"], unit_code=row["unit__code"], unit_name=row["unit__name"],
            orders=row["orders"], closed=row["closed"], closed_on_time=row["closed_on_time"],
            open_overdue=row["open_overdue"], rated=row["rated"], satisfied=row["satisfied"], basic=row["basic"],
            not_satisfied=row["not_satisfied"],
            on_time_rate=percent(row["closed_on_time"], row["closed"] + row["open_overdue"]),
            satisfaction_rate=percent(row["satisfied"] + row["basic"], row["rated"]),
        )
        for row in rows
    ]


def by_on_time_rate(stats: Iterable[UnitStats]) -> list[UnitStats]:
    """Lowest on-time rate first (the units to look at); units with no rate last."""
    return sorted(stats, key=lambda s: (s.on_time_rate is None, s.on_time_rate or 0, s.unit_code))
