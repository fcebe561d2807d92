"""Reads for the leaders' dashboard (领导看板): who leads, who lags, what is changing.

Every section is a fixed number of aggregate queries (``values()`` + ``annotate`` with
filtered ``Count``s): the page's number of queries does not depend on the number of
units, months or ratings. Python only walks aggregated rows — one per unit, month or
department at most — never the ratings themselves.

Only approved ratings count, by their ``outcome`` (the result after escalation: a
second consecutive yellow light or a serious-impact one counts as a red light).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Avg, Count, Exists, Max, Min, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Category, Jurisdiction, Organisation
from lib.identifiers import IdentifierError, normalise_identifier
from ratings import rules
from assessment.models import YearScore
from ratings.models import Evidence, Period, Rating, RuleBook

COUNTED = Rating.Status.APPROVED
# What a department has "submitted" (已报送): everything that reached the office,
# whatever the review said; drafts have not.
SUBMITTED_STATUSES = (Rating.Status.SUBMITTED, Rating.Status.RETURNED, Rating.Status.APPROVED)
LIGHTS = (rules.YELLOW_LIGHT, rules.RED_LIGHT)

LEADERBOARD_SIZE = 10
WATCH_SIZE = 12
GRID_PAGE_SIZE = 100
# "Several lights this year": at least this many yellow or red lights in the months shown.
MANY_LIGHTS = 2

# Why the leaderboard was computed from the ratings rather than read from YearScore.
STORED = "stored"
COMPUTED = "computed"
NO_ROLLUP = "no_rollup"
ROLLUP_OTHER_MONTHS = "rollup_other_months"
BY_DEPARTMENT = "by_department"


# The months of a jurisdiction -----------------------------------------------------------


@dataclass(frozen=True, order=True)
class PeriodInfo:
    id: int
    year: int
    month: int
    status: str
    closed_at: datetime | None = None  # moves on every close: a reopened month closes anew
    revised_at: datetime | None = None  # moves when a review changes a rating of the month

    @property
    def is_open(self) -> bool:
        return self.status == Period.Status.OPEN


@dataclass(frozen=True)
class Calendar:
    """The jurisdiction's months, read once: which years exist, where the dashboard
    opens, and each month's period (its id links to the admin's ratings list)."""

    periods: dict[tuple[int, int], PeriodInfo]
    today: date

    @property
    def years(self) -> list[int]:
        years = {year for year, _month in self.periods} or {self.today.year}
        return sorted(years, reverse=True)

    def _come(self) -> dict[tuple[int, int], PeriodInfo]:
        """The months up to today's: a month still ahead (old data: 2091-03 closed for
        2021-03) is never where the dashboard opens."""
        return {
            key: info for key, info in self.periods.items()
            if rules.month_has_come(info.year, info.month, today=self.today)
        }

    def default_year_month(self) -> tuple[int, int]:
        """The latest closed (or published) month: the last complete picture. Before
        any month is closed, the latest month; before any month at all, today. Months
        after today's are left out."""
        periods = self._come()
        closed = [key for key, info in periods.items() if not info.is_open]
        if closed:
            return max(closed)
        if periods:
            return max(periods)
        return self.today.year, self.today.month

    def default_month_of(self, year: int) -> int:
        default_year, default_month = self.default_year_month()
        if year == default_year:
            return default_month
        periods = self._come()
        months = [month for (y, month), info in periods.items() if y == year and not info.is_open]
        months = months or [month for (y, month) in periods if y == year]
        if months:
            return max(months)
        return self.today.month if year == self.today.year else 12

    def period(self, year: int, month: int) -> PeriodInfo | None:
        return self.periods.get((year, month))

    def has_months(self, year: int, months: Iterable[int]) -> bool:
        return any((year, month) in self.periods for month in months)


def calendar_for(*, jurisdiction: Jurisdiction, today: date | None = None) -> Calendar:
    rows = Period.objects.filter(jurisdiction=jurisdiction).order_by().values_list(
        "id", "year", "month", "status", "closed_at", "revised_at"
    )
    return Calendar(
        periods={(row[1], row[2]): PeriodInfo(*row) for row in rows},
        today=today or timezone.localdate(),
    )


# What the dashboard is asked ---------------------------------------------------------------


@dataclass(frozen=True)
class DashboardQuery:
    """The resolved filters: a year, a month range within it, and optionally one
    category of units, one department (who rated) and one unit (who was rated)."""

    jurisdiction: Jurisdiction
    year: int
    month_from: int
    month_to: int
    category: Category | None = None
    department: Organisation | None = None
    unit: Organisation | None = None

    @property
    def months(self) -> list[int]:
        return list(range(self.month_from, self.month_to + 1))

    @property
    def last_year(self) -> int:
        return self.year - 1


def rating_filter(query: DashboardQuery, *, prefix: str = "", department: bool = True, months: bool = True,
                  years: Iterable[int] | None = None) -> Q:
    """The ratings a query is about (any status): jurisdiction, year(s), months, and the
    category, department and unit filters. ``prefix`` reaches ratings from another model."""
    p = prefix
    condition = Q(**{f"{p}period__jurisdiction": query.jurisdiction})
    years = [query.year] if years is None else list(years)
    condition &= Q(**{f"{p}period__year": years[0]}) if len(years) == 1 else Q(**{f"{p}period__year__in": years})
    if months:
        condition &= Q(**{f"{p}period__month__gte": query.month_from, f"{p}period__month__lte": query.month_to})
    if query.category is not None:
        condition &= Q(**{f"{p}unit__category": query.category})
    if query.unit is not None:
        condition &= Q(**{f"{p}unit": query.unit})
    if department and query.department is not None:
        condition &= Q(**{f"{p}department": query.department})
    return condition


def _kind_counts(prefix: str = "", condition: Q | None = None) -> dict[str, Count]:
    condition = Q() if condition is None else condition
    return {
        name: Count(f"{prefix}pk", filter=condition & Q(**{f"{prefix}outcome": kind}))
        for name, kind in (("red_flags", rules.RED_FLAG), ("yellow_lights", rules.YELLOW_LIGHT),
                           ("red_lights", rules.RED_LIGHT))
    }


@dataclass(frozen=True)
class KindCounts:
    red_flags: int = 0
    yellow_lights: int = 0
    red_lights: int = 0

    @property
    def lights(self) -> int:
        return self.yellow_lights + self.red_lights

    @property
    def total(self) -> int:
        return self.red_flags + self.yellow_lights + self.red_lights

    def of(self, kind: str) -> int:
        return {rules.RED_FLAG: self.red_flags, rules.YELLOW_LIGHT: self.yellow_lights,
                rules.RED_LIGHT: self.red_lights}.get(kind, self.total)

    def __add__(self, other: KindCounts) -> KindCounts:
        return KindCounts(self.red_flags + other.red_flags, self.yellow_lights + other.yellow_lights,
                          self.red_lights + other.red_lights)

    def as_tally(self) -> rules.Tally:
        return rules.Tally(self.red_flags, self.yellow_lights, self.red_lights)


def worst_result(counts: KindCounts) -> str:
    """A month's result in one word, the worst winning: red light > yellow light > red flag > nothing."""
    if counts.red_lights:
        return rules.RED_LIGHT
    if counts.yellow_lights:
        return rules.YELLOW_LIGHT
    if counts.red_flags:
        return rules.RED_FLAG
    return ""


def rules_by_year(*, jurisdiction: Jurisdiction, years: Iterable[int]) -> dict[int, RuleBook]:
    return {book.year: book for book in RuleBook.objects.filter(jurisdiction=jurisdiction, year__in=list(years))}


def _settings(books: dict[int, RuleBook], year: int) -> rules.RuleSettings:
    book = books.get(year)
    return book.as_rules() if book is not None else rules.DEFAULT_RULES


class _Points:
    """``rules.year_points`` for many units: units often share a tally, so remember it."""

    def __init__(self, settings: rules.RuleSettings) -> None:
        self.settings = settings
        self.known: dict[KindCounts, Decimal] = {}

    def __call__(self, counts: KindCounts) -> Decimal:
        value = self.known.get(counts)
        if value is None:
            value = self.known[counts] = rules.year_points(counts.as_tally(), self.settings).quantize(Decimal("0.01"))
        return value


# Headline figures and the monthly series ------------------------------------------------------


@dataclass(frozen=True)
class MonthRow:
    month: int
    current: KindCounts
    previous: KindCounts
    escalated: int  # red lights this month that were yellow lights before escalation


@dataclass(frozen=True)
class Figure:
    """One headline number against the same period last year."""

    kind: str  # a kind, or "" for all kinds together
    current: int
    previous: int | None  # None: last year has no such months to compare with
    escalated: int = 0

    @property
    def change(self) -> int | None:
        return None if self.previous is None else self.current - self.previous

    @property
    def change_label(self) -> str:
        change = self.change
        if change is None:
            return ""
        return f"+{change}" if change > 0 else str(change)

    @property
    def change_size(self) -> int:
        return abs(self.change or 0)

    @property
    def trend(self) -> str:
        """"up", "down" or "same"."""
        change = self.change or 0
        return "up" if change > 0 else "down" if change < 0 else "same"

    @property
    def tone(self) -> str:
        """"good", "bad" or "neutral": more red flags is good, more lights is bad."""
        if self.trend == "same" or not self.kind:
            return "neutral"
        return "good" if (self.trend == "up") == (self.kind == rules.RED_FLAG) else "bad"


@dataclass(frozen=True)
class Headline:
    month: list[Figure]  # the last month of the range
    span: list[Figure]  # the whole range (1…M: year to date)
    compared: bool  # last year has months to compare with
    month_open: bool  # the last month is still open: its numbers can change

    @property
    def span_by_kind(self) -> dict[str, Figure]:
        return {figure.kind or "all": figure for figure in self.span}


def monthly_series(*, query: DashboardQuery) -> list[MonthRow]:
    """Each month of the range: this year's counts by kind, and last year's same month.
    One query, grouped by year and month."""
    rows = (
        Rating.objects.filter(rating_filter(query, years=[query.year, query.last_year]), status=COUNTED)
        .order_by()
        .values("period__year", "period__month")
        .annotate(**_kind_counts(), escalated=Count("pk", filter=Q(outcome=rules.RED_LIGHT) & ~Q(escalation="")))
    )
    current: dict[int, KindCounts] = {}
    previous: dict[int, KindCounts] = {}
    escalated: dict[int, int] = {}
    for row in rows:
        counts = KindCounts(row["red_flags"], row["yellow_lights"], row["red_lights"])
        if row["period__year"] == query.year:
            current[row["period__month"]] = counts
            escalated[row["period__month"]] = row["escalated"]
        else:
            previous[row["period__month"]] = counts
    return [
        MonthRow(month, current.get(month, KindCounts()), previous.get(month, KindCounts()), escalated.get(month, 0))
        for month in query.months
    ]


def headline(*, query: DashboardQuery, series: list[MonthRow], calendar: Calendar) -> Headline:
    """The figures of the last month and of the range, from the monthly series."""
    last = series[-1] if series else MonthRow(query.month_to, KindCounts(), KindCounts(), 0)
    span_now = sum((row.current for row in series), KindCounts())
    span_before = sum((row.previous for row in series), KindCounts())
    span_escalated = sum(row.escalated for row in series)
    compared_span = calendar.has_months(query.last_year, query.months)
    compared_month = calendar.has_months(query.last_year, [query.month_to])

    def figures(now: KindCounts, before: KindCounts, escalated: int, compared: bool) -> list[Figure]:
        return [
            Figure(kind, now.of(kind), before.of(kind) if compared else None,
                   escalated if kind == rules.RED_LIGHT else 0)
            for kind in (*rules.KINDS, "")
        ]

    period = calendar.period(query.year, query.month_to)
    return Headline(
        month=figures(last.current, last.previous, last.escalated, compared_month),
        span=figures(span_now, span_before, span_escalated, compared_span),
        compared=compared_span,
        month_open=period is not None and period.is_open,
    )


# The points leaderboard ---------------------------------------------------------------------


@dataclass(frozen=True)
class StandingRow:
    unit_id: int
    code: str
    name: str
    category: str
    counts: KindCounts
    points: Decimal
    rank: int


@dataclass(frozen=True)
class Standings:
    source: str  # STORED (YearScore) or COMPUTED (from the ratings, with rules.year_points)
    reason: str  # why COMPUTED: NO_ROLLUP, ROLLUP_OTHER_MONTHS or BY_DEPARTMENT; "" when STORED
    top: list[StandingRow]
    bottom: list[StandingRow]
    units: int
    category_points: dict[int | None, Decimal]  # average points per unit, by category id
    computed_at: datetime | None = None
    through_month: int | None = None
    stored_through_month: int | None = None  # the stored roll-up's month, when it was not used


def standings(*, query: DashboardQuery, books: dict[int, RuleBook]) -> Standings:
    """Top and bottom units by year-to-date points: read from the stored roll-up
    (YearScore) when it covers exactly the months shown, else computed from the ratings
    with the year's rule book (``rules.year_points``, caps included)."""
    stored = YearScore.objects.filter(jurisdiction=query.jurisdiction, year=query.year).order_by().aggregate(
        through=Max("through_month"), computed_at=Max("computed_at"), rows=Count("pk")
    )
    if stored["rows"] and query.department is None and query.month_from == 1 \
            and stored["through"] == query.month_to:
        return _stored_standings(query, computed_at=stored["computed_at"], through_month=stored["through"])
    if query.department is not None:
        reason = BY_DEPARTMENT
    elif stored["rows"]:
        reason = ROLLUP_OTHER_MONTHS
    else:
        reason = NO_ROLLUP
    return _computed_standings(query, books, reason=reason, stored_through=stored["through"] if stored["rows"] else None)


def _stored_standings(query: DashboardQuery, *, computed_at: datetime, through_month: int) -> Standings:
    scores = YearScore.objects.filter(jurisdiction=query.jurisdiction, year=query.year)
    if query.category is not None:
        scores = scores.filter(category=query.category)
    if query.unit is not None:
        scores = scores.filter(unit=query.unit)
    rank_field = "rank_in_category" if query.category is not None else "rank_overall"
    columns = ("unit_id", "unit__code", "unit__name", "category__name", "red_flags", "yellow_lights", "red_lights",
               "points", rank_field)

    def rows(order: tuple[str, ...]) -> list[StandingRow]:
        return [
            StandingRow(unit_id, code, name, category or "", KindCounts(flags, yellows, reds), points, rank)
            for unit_id, code, name, category, flags, yellows, reds, points, rank
            in scores.order_by(*order).values_list(*columns)[:LEADERBOARD_SIZE]
        ]

    units = scores.count()
    top = rows((rank_field, "unit__code"))
    bottom = _bottom(top, rows((f"-{rank_field}", "-unit__code")), units)
    averages = {
        row["category_id"]: row["average"]
        for row in YearScore.objects.filter(jurisdiction=query.jurisdiction, year=query.year).order_by()
        .values("category_id").annotate(average=Avg("points"))
    }
    return Standings(STORED, "", top, bottom, units, averages, computed_at=computed_at, through_month=through_month)


def _bottom(top: list[StandingRow], bottom: list[StandingRow], units: int) -> list[StandingRow]:
    """The bottom list, worst last, without the units already in the top list."""
    shown = {row.unit_id for row in top}
    rest = [row for row in bottom if row.unit_id not in shown][: max(0, min(LEADERBOARD_SIZE, units - len(top)))]
    return list(reversed(rest))


def _units_in_scope(query: DashboardQuery) -> QuerySet[Organisation]:
    """Units in service, and retired units rated in the year up to the last month shown
    (they keep their history; a later month never changes what these months show)."""
    units = Organisation.objects.filter(jurisdiction=query.jurisdiction, is_unit=True)
    if query.category is not None:
        units = units.filter(category=query.category)
    if query.unit is not None:
        units = units.filter(pk=query.unit.pk)
    rated = Rating.objects.filter(unit=OuterRef("pk"), period__jurisdiction=query.jurisdiction,
                                  period__year=query.year, period__month__lte=query.month_to, status=COUNTED)
    return units.filter(Q(is_active=True) | Exists(rated))


def _computed_standings(query: DashboardQuery, books: dict[int, RuleBook], *, reason: str,
                        stored_through: int | None) -> Standings:
    counted = rating_filter(query, prefix="ratings_received__") & Q(ratings_received__status=COUNTED)
    rows = (
        _units_in_scope(query).order_by()
        .annotate(**_kind_counts("ratings_received__", counted))
        .values_list("id", "code", "name", "category_id", "category__name", "red_flags", "yellow_lights", "red_lights")
    )
    points_of = _Points(_settings(books, query.year))
    table: list[tuple[int, str, str, int | None, str, KindCounts, Decimal]] = []
    for unit_id, code, name, category_id, category, flags, yellows, reds in rows:
        counts = KindCounts(flags, yellows, reds)
        table.append((unit_id, code, name, category_id, category or "", counts, points_of(counts)))
    ranks = rules.rank({row[0]: row[6] for row in table})
    ordered = sorted(table, key=lambda row: (ranks[row[0]], row[1]))
    as_rows = [StandingRow(row[0], row[1], row[2], row[4], row[5], row[6], ranks[row[0]]) for row in ordered]
    top = as_rows[:LEADERBOARD_SIZE]
    bottom = _bottom(top, list(reversed(as_rows[-LEADERBOARD_SIZE:])), len(as_rows))
    sums: dict[int | None, list[Decimal]] = defaultdict(list)
    for row in table:
        sums[row[3]].append(row[6])
    averages = {key: sum(values, Decimal(0)) / len(values) for key, values in sums.items()}
    return Standings(COMPUTED, reason, top, bottom, len(as_rows), averages, through_month=query.month_to,
                     stored_through_month=stored_through)


# Comparison by unit category ----------------------------------------------------------------


@dataclass(frozen=True)
class CategoryRow:
    category_id: int | None
    name: str
    units: int
    counts: KindCounts
    average_points: Decimal | None

    def per_unit(self, kind: str) -> Decimal:
        if not self.units:
            return Decimal(0)
        return (Decimal(self.counts.of(kind)) / self.units).quantize(Decimal("0.01"))

    @property
    def flags_per_unit(self) -> Decimal:
        return self.per_unit(rules.RED_FLAG)

    @property
    def yellows_per_unit(self) -> Decimal:
        return self.per_unit(rules.YELLOW_LIGHT)

    @property
    def reds_per_unit(self) -> Decimal:
        return self.per_unit(rules.RED_LIGHT)

    @property
    def lights_per_unit(self) -> Decimal:
        if not self.units:
            return Decimal(0)
        return (Decimal(self.counts.lights) / self.units).quantize(Decimal("0.01"))


def category_comparison(*, query: DashboardQuery, standings: Standings) -> list[CategoryRow]:
    """Each category of units over the months shown: its units, counts, per-unit rates
    and average points. Two queries: categories with their units, counts by category."""
    categories = Category.objects.filter(jurisdiction=query.jurisdiction).order_by("order", "name")
    if query.category is not None:
        categories = categories.filter(pk=query.category.pk)
    in_service = Q(organisations__is_unit=True, organisations__is_active=True)
    if query.unit is not None:
        in_service &= Q(organisations=query.unit)
    categories = categories.annotate(units=Count("organisations", filter=in_service)).values_list("id", "name", "units")
    counts = {
        row["unit__category"]: KindCounts(row["red_flags"], row["yellow_lights"], row["red_lights"])
        for row in Rating.objects.filter(rating_filter(query), status=COUNTED).order_by()
        .values("unit__category").annotate(**_kind_counts())
    }
    rows = [
        CategoryRow(pk, name, units, counts.get(pk, KindCounts()), standings.category_points.get(pk))
        for pk, name, units in categories
        if units or pk in counts
    ]
    if None in counts:  # units without a category
        rows.append(CategoryRow(None, "", 0, counts[None], standings.category_points.get(None)))
    return rows


# The traffic-light grid ---------------------------------------------------------------------


@dataclass(frozen=True)
class GridCell:
    month: int
    result: str  # the worst outcome of the month, "" for nothing
    counts: KindCounts
    period_id: int | None
    first_rating_id: int | None  # the rating itself when the cell holds exactly one

    @property
    def ratings(self) -> int:
        return self.counts.total


@dataclass(frozen=True)
class GridRow:
    unit_id: int
    code: str
    name: str
    is_active: bool
    cells: list[GridCell]
    counts: KindCounts


@dataclass(frozen=True)
class GridGroup:
    category: str
    rows: list[GridRow]


@dataclass(frozen=True)
class Grid:
    months: list[int]
    groups: list[GridGroup]
    page: Page


def traffic_grid(*, query: DashboardQuery, calendar: Calendar, page: int | str = 1) -> Grid:
    """Units down the side (grouped by category), months across, each cell the worst
    result of the month. A page of units at a time, so that a province stays readable;
    three queries per page whatever the number of units or ratings."""
    units = _units_in_scope(query).order_by("category__order", "category__name", "code").values_list(
        "id", "code", "name", "is_active", "category__name"
    )
    current = Paginator(units, GRID_PAGE_SIZE).get_page(page)
    shown = list(current.object_list)
    cells: dict[tuple[int, int], tuple[KindCounts, int]] = {}
    if shown:
        rows = (
            Rating.objects.filter(rating_filter(query), status=COUNTED, unit_id__in=[row[0] for row in shown])
            .order_by()
            .values("unit_id", "period__month")
            .annotate(**_kind_counts(), first=Min("pk"))
        )
        for row in rows:
            cells[(row["unit_id"], row["period__month"])] = (
                KindCounts(row["red_flags"], row["yellow_lights"], row["red_lights"]), row["first"]
            )
    groups: list[GridGroup] = []
    for unit_id, code, name, is_active, category in shown:
        row_cells = []
        total = KindCounts()
        for month in query.months:
            counts, first = cells.get((unit_id, month), (KindCounts(), None))
            period = calendar.period(query.year, month)
            row_cells.append(GridCell(month, worst_result(counts), counts, period.id if period else None,
                                      first if counts.total == 1 else None))
            total = total + counts
        if not groups or groups[-1].category != (category or ""):
            groups.append(GridGroup(category or "", []))
        groups[-1].rows.append(GridRow(unit_id, code, name, is_active, row_cells, total))
    return Grid(query.months, groups, current)


# The watch list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WatchUnit:
    unit_id: int
    code: str
    name: str
    category: str
    counts: KindCounts


@dataclass(frozen=True)
class PointsDrop:
    unit_id: int
    code: str
    name: str
    category: str
    points: Decimal
    points_before: Decimal
    counts: KindCounts
    counts_before: KindCounts

    @property
    def change(self) -> Decimal:
        return self.points - self.points_before


@dataclass(frozen=True)
class WatchList:
    threshold: int  # consecutive yellow lights that make a red light
    chain_months: list[tuple[int, int]]  # (year, month), oldest first: the live chain's months
    one_more: list[WatchUnit]  # one more yellow light makes a red light
    one_more_total: int
    many_lights: list[WatchUnit]
    many_lights_total: int
    dropped: list[PointsDrop]  # lost most points against the same months last year
    compared: bool
    same_department: bool = False
    many_threshold: int = MANY_LIGHTS

    @property
    def chain_month_from(self) -> int:
        """The first month of the live chain within the year shown (January if it
        began last year), for the link to its ratings."""
        year, month = self.chain_months[0] if self.chain_months else (0, 1)
        return month if year == self.chain_months[-1][0] else 1


def watch_list(*, query: DashboardQuery, books: dict[int, RuleBook], calendar: Calendar) -> WatchList:
    settings = _settings(books, query.year)
    threshold = max(settings.escalation_threshold, 1)
    chain_months = _chain_window(query.year, query.month_to, threshold)
    one_more = _one_more_yellow(query, chain_months, settings) if chain_months else []
    compared = calendar.has_months(query.last_year, query.months)
    by_unit = _counts_by_unit(query, compared=compared)
    many, many_total = _many_lights(by_unit)
    dropped = _points_dropped(by_unit, books, query, retired=_retired_units(query)) if compared else []
    # The big lists are grouped by unit id alone; the few units shown get their names here.
    names = _unit_names({unit_id for unit_id, _counts in many} | {row[0] for row in dropped})
    return WatchList(
        threshold=threshold,
        chain_months=chain_months,
        one_more=one_more[:WATCH_SIZE],
        one_more_total=len(one_more),
        many_lights=[WatchUnit(unit_id, *names[unit_id], counts) for unit_id, counts in many],
        many_lights_total=many_total,
        dropped=[PointsDrop(unit_id, *names[unit_id], *values) for unit_id, *values in dropped],
        compared=compared,
        same_department=settings.escalation_same_department,
    )


def _retired_units(query: DashboardQuery) -> set[int]:
    """The jurisdiction's retired (停用 or 撤并) units: a handful, whatever its size."""
    return set(Organisation.objects.filter(jurisdiction=query.jurisdiction, is_unit=True, is_active=False)
               .order_by().values_list("id", flat=True))


def _unit_names(unit_ids: set[int]) -> dict[int, tuple[str, str, str]]:
    """unit id -> (code, name, category name)."""
    if not unit_ids:
        return {}
    return {
        pk: (code, name, category or "")
        for pk, code, name, category in Organisation.objects.filter(pk__in=unit_ids).order_by()
        .values_list("id", "code", "name", "category__name")
    }


def _chain_window(year: int, month: int, threshold: int) -> list[tuple[int, int]]:
    """The months a chain one light short of the threshold covers, ending at ``month``
    (it runs across the new year)."""
    end = rules.month_index(year, month)
    return [(index // 12, index % 12 + 1) for index in range(end - threshold + 2, end + 1)]


def _one_more_yellow(query: DashboardQuery, window: list[tuple[int, int]],
                     settings: rules.RuleSettings) -> list[WatchUnit]:
    """Units whose yellow lights of the last ``threshold - 1`` months form a live chain:
    a yellow light every month, no red light to restart it (the rule book: "连续两次黄灯
    … 即给予红灯警告"; after a red light the chain starts again). The department filter
    does not apply: chains count across departments unless the rule book says otherwise.
    A retired unit is never rated again, so it is not one light short of anything."""
    months = Q()
    for year, month in window:
        months |= Q(period__year=year, period__month=month)
    scope = Q(period__jurisdiction=query.jurisdiction, status=COUNTED, outcome__in=LIGHTS) & months
    if query.category is not None:
        scope &= Q(unit__category=query.category)
    if query.unit is not None:
        scope &= Q(unit=query.unit)
    scope &= Q(unit__is_active=True)
    keys = ["unit_id", "unit__code", "unit__name", "unit__category__name", "period__year", "period__month"]
    if settings.escalation_same_department:
        keys.append("department_id")
    rows = Rating.objects.filter(scope).order_by().values(*keys).annotate(
        yellows=Count("pk", filter=Q(outcome=rules.YELLOW_LIGHT)), reds=Count("pk", filter=Q(outcome=rules.RED_LIGHT))
    )
    # chain key -> months with a plain yellow light and no red light; and the unit's yellows
    live: dict[tuple, set[tuple[int, int]]] = defaultdict(set)
    broken: set[tuple] = set()
    names: dict[int, tuple[str, str, str]] = {}
    yellows: dict[int, int] = defaultdict(int)
    for row in rows:
        key = (row["unit_id"], row.get("department_id"))
        month = (row["period__year"], row["period__month"])
        names[row["unit_id"]] = (row["unit__code"], row["unit__name"], row["unit__category__name"] or "")
        if row["reds"]:
            broken.add((key, month))
        elif row["yellows"]:
            live[key].add(month)
            yellows[row["unit_id"]] += row["yellows"]
    units = {
        key[0] for key, months_lit in live.items()
        if all(month in months_lit and (key, month) not in broken for month in window)
    }
    return sorted(
        (WatchUnit(unit_id, *names[unit_id], KindCounts(0, yellows[unit_id], 0)) for unit_id in units),
        key=lambda unit: unit.code,
    )


def _counts_by_unit(query: DashboardQuery, *, compared: bool) -> dict[int, tuple[KindCounts, KindCounts]]:
    """unit id -> (counts in the months shown, counts in the same months last year).
    One query grouped by unit id alone (no join for names: the few units shown get theirs
    afterwards)."""
    now, before = Q(period__year=query.year), Q(period__year=query.last_year)
    years = [query.year, query.last_year] if compared else [query.year]
    rows = (
        Rating.objects.filter(rating_filter(query, years=years), status=COUNTED)
        .order_by()
        .values("unit_id")
        .annotate(
            **_kind_counts(condition=now),
            **{f"{name}_before": count for name, count in _kind_counts(condition=before).items()},
        )
        .values_list("unit_id", "red_flags", "yellow_lights", "red_lights", "red_flags_before",
                     "yellow_lights_before", "red_lights_before")
    )
    return {unit_id: (KindCounts(*numbers[:3]), KindCounts(*numbers[3:])) for unit_id, *numbers in rows}


def _many_lights(by_unit: dict[int, tuple[KindCounts, KindCounts]]) -> tuple[list[tuple[int, KindCounts]], int]:
    """Units with at least MANY_LIGHTS yellow or red lights in the months shown, most
    first: (unit id, counts) of the first WATCH_SIZE, and how many there are."""
    many = [(unit_id, counts) for unit_id, (counts, _before) in by_unit.items() if counts.lights >= MANY_LIGHTS]
    many.sort(key=lambda row: (-row[1].lights, -row[1].red_lights, row[0]))
    return many[:WATCH_SIZE], len(many)


def _points_dropped(by_unit: dict[int, tuple[KindCounts, KindCounts]], books: dict[int, RuleBook],
                    query: DashboardQuery, *, retired: set[int] = frozenset()) -> list[tuple]:
    """Points over the months shown against the same months last year, each year under its
    own rule book: the units that lost most, as (unit id, points, points before, counts,
    counts before). A retired or merged unit is left out: it "loses" the points it can no
    longer earn, which says nothing about its work (its ratings still count elsewhere)."""
    points_now, points_before = _Points(_settings(books, query.year)), _Points(_settings(books, query.last_year))
    drops = []
    for unit_id, (counts, counts_before) in by_unit.items():
        if unit_id in retired:
            continue
        value, value_before = points_now(counts), points_before(counts_before)
        if value < value_before:
            drops.append((unit_id, value, value_before, counts, counts_before))
    drops.sort(key=lambda drop: (drop[1] - drop[2], drop[0]))
    return drops[:WATCH_SIZE]


# Department activity ------------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentActivity:
    department_id: int
    code: str
    name: str
    by_month: list[tuple[int, int]]  # (month, ratings submitted)
    total: int
    last_month: int  # in the last month of the range
    is_active: bool = True


@dataclass(frozen=True)
class Activity:
    months: list[int]
    rows: list[DepartmentActivity]
    silent: list[DepartmentActivity] = field(default_factory=list)  # nothing in the last month
    busiest: int = 0


def department_activity(*, query: DashboardQuery) -> Activity:
    """How many ratings each department submitted per month (drafts do not count),
    and the departments that submitted nothing in the last month of the range: a board
    only works if the raters rate. Two queries."""
    departments = Organisation.objects.filter(jurisdiction=query.jurisdiction, is_department=True)
    if query.department is not None:
        departments = departments.filter(pk=query.department.pk)
    gave = Rating.objects.filter(department=OuterRef("pk"), period__jurisdiction=query.jurisdiction,
                                 period__year=query.year, period__month__lte=query.month_to)
    departments = departments.filter(Q(is_active=True) | Exists(gave)).order_by("code").values_list(
        "id", "code", "name", "is_active"
    )
    counts = {
        (row["department_id"], row["period__month"]): row["submitted"]
        for row in Rating.objects.filter(rating_filter(query), status__in=SUBMITTED_STATUSES).order_by()
        # Month first: grouping by department first leads SQLite to walk the department
        # index and fetch each rating's month one by one (50× slower at 10,000 units).
        .values("period__month", "department_id").annotate(submitted=Count("pk"))
    }
    rows = []
    for pk, code, name, is_active in departments:
        by_month = [(month, counts.get((pk, month), 0)) for month in query.months]
        rows.append(DepartmentActivity(pk, code, name, by_month, sum(n for _m, n in by_month),
                                       counts.get((pk, query.month_to), 0), is_active))
    silent = [row for row in rows if row.last_month == 0 and row.is_active]
    busiest = max((n for row in rows for _m, n in row.by_month), default=0)
    return Activity(query.months, rows, silent, busiest)


# The ratings behind a figure ------------------------------------------------------------------


def drill_down_base(*, jurisdiction: Jurisdiction) -> QuerySet[Rating]:
    """The ratings a drill-down list starts from, with what each row shows."""
    return (
        Rating.objects.filter(period__jurisdiction=jurisdiction)
        .select_related("period", "department", "unit", "unit__category", "criterion")
        .order_by("period__year", "period__month", "unit__code", "department__code", "pk")
    )


def unit_options(*, query: DashboardQuery, limit: int = 1000) -> list[tuple[str, str]]:
    """(code, name) of units for the unit filter's suggestions: the chosen category's
    units in service, at most ``limit`` of them (a province types part of a name)."""
    units = Organisation.objects.filter(jurisdiction=query.jurisdiction, is_unit=True, is_active=True)
    if query.category is not None:
        units = units.filter(category=query.category)
    return list(units.order_by("code").values_list("code", "name")[:limit])


def units_named(*, jurisdiction: Jurisdiction, text: str, limit: int = 6) -> list[Organisation]:
    """The units a typed text names: the unit whose code it is; else the unit whose name
    it is (one in service before retired ones of the same name: a merged unit's name
    goes to the unit that took it over); else the units whose name contains it. One unit
    is an answer; none, or more than one (at most ``limit``), is for the person to refine."""
    try:
        typed = normalise_identifier(text)
    except IdentifierError:  # an invisible character: no name holds one, nothing matches
        return []
    if not typed:
        return []
    units = Organisation.objects.filter(jurisdiction=jurisdiction, is_unit=True).select_related("category")
    by_code = list(units.filter(code=typed)[:1]) or list(units.filter(code__iexact=typed)[:2])
    if len(by_code) == 1:
        return by_code
    named = list(units.filter(name=typed).order_by("-is_active", "code")[:limit])
    in_service = [unit for unit in named if unit.is_active]
    if len(in_service) == 1 or (named and not in_service and len(named) == 1):
        return named[:1]
    if named:
        return named
    return list(units.filter(name__icontains=typed).order_by("-is_active", "code")[:limit])


# One rating, read-only ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewStep:
    """One change of a rating's status, as its history records it."""

    at: datetime
    by: str
    status: str  # the status's label
    note: str  # the reason given (退回：…), or what was done (提交审核, 审核通过)


@dataclass(frozen=True)
class RatingPage:
    rating: Rating
    evidence: list[Evidence]
    steps: list[ReviewStep]


def rating_page(*, jurisdiction: Jurisdiction, rating_id: int) -> RatingPage | None:
    """One rating the dashboard lists, with its evidence and its review history; None
    for a rating the dashboard never lists (another jurisdiction's, a draft, one
    withdrawn): the same rule as the drill-down list with "submitted" (已报送)."""
    rating = (
        drill_down_base(jurisdiction=jurisdiction)
        .filter(pk=rating_id, status__in=SUBMITTED_STATUSES)
        .select_related("escalated_after__period", "escalated_after__department")
        .first()
    )
    if rating is None:
        return None
    evidence = list(rating.evidence.order_by("uploaded_at", "pk"))
    steps: list[ReviewStep] = []
    previous = None
    labels = dict(Rating.Status.choices)
    records = rating.history.select_related("history_user").order_by("history_date", "history_id")
    for record in records:
        if record.status != previous:
            user = record.history_user
            steps.append(ReviewStep(
                at=record.history_date,
                by=(user.get_full_name() or user.get_username()) if user is not None else _("系统"),
                status=str(labels.get(record.status, record.status)),
                note=record.history_change_reason or "",
            ))
            previous = record.status
    return RatingPage(rating, evidence, steps)


# What the figures are read from -------------------------------------------------------------


def overview_stamp(*, query: DashboardQuery, calendar: Calendar) -> str | None:
    """A short string that changes whenever the figures of ``query`` may change, or None
    while they may change at any time: when a month up to the last one shown is open.
    Every such month counts, not only those shown, since a rating approved in an earlier
    month changes the escalation of the months after it (连续黄灯).

    The string holds each of those months' status, closing time (reopening makes a
    month open; closing it again gives it a new closing time) and last revision on
    review (复核变更, the one change a closed month takes), the rule books' versions,
    the stored roll-up's time, and the organisations' and categories' last change (a
    renamed or retired unit). Five small queries."""
    through = rules.month_index(query.year, query.month_to)
    months = sorted(info for info in calendar.periods.values() if rules.month_index(info.year, info.month) <= through)
    if any(info.is_open for info in months):
        return None
    jurisdiction = query.jurisdiction
    books = list(RuleBook.objects.filter(jurisdiction=jurisdiction).order_by("year")
                 .values_list("year", "version", "updated_at"))
    scores = YearScore.objects.filter(jurisdiction=jurisdiction, year=query.year).order_by().aggregate(
        rows=Count("pk"), at=Max("computed_at"), through=Max("through_month"),
    )
    organisations = Organisation.objects.filter(jurisdiction=jurisdiction).order_by().aggregate(
        rows=Count("pk"), last=Max("pk"), active=Count("pk", filter=Q(is_active=True)),
    )
    changed = Organisation.history.filter(jurisdiction_id=jurisdiction.pk).order_by().aggregate(at=Max("history_date"))
    categories = list(Category.objects.filter(jurisdiction=jurisdiction).order_by("pk").values_list("pk", "name", "order"))
    parts = (
        [(info.id, info.year, info.month, info.status, info.closed_at, info.revised_at) for info in months],
        books, sorted(scores.items()), sorted(organisations.items()), changed["at"], categories,
    )
    return hashlib.sha256(repr(parts).encode("utf-8", errors="surrogatepass")).hexdigest()[:24]


# The whole page ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    query: DashboardQuery
    rulebook: RuleBook | None
    series: list[MonthRow]
    headline: Headline
    standings: Standings
    categories: list[CategoryRow]
    grid: Grid
    watch: WatchList
    activity: Activity


def dashboard_overview(*, query: DashboardQuery, calendar: Calendar, grid_page: int | str = 1) -> Overview:
    """Everything the dashboard shows, in a fixed number of queries."""
    books = rules_by_year(jurisdiction=query.jurisdiction, years=[query.year, query.last_year])
    series = monthly_series(query=query)
    table = standings(query=query, books=books)
    return Overview(
        query=query,
        rulebook=books.get(query.year),
        series=series,
        headline=headline(query=query, series=series, calendar=calendar),
        standings=table,
        categories=category_comparison(query=query, standings=table),
        grid=traffic_grid(query=query, calendar=calendar, page=grid_page),
        watch=watch_list(query=query, books=books, calendar=calendar),
        activity=department_activity(query=query),
    )
