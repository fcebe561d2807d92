"""The leaders' dashboard, figure by figure, against a small district counted by hand.

The district (departments A = 区住建局 and B = 区市场监管局 rate; towns T1, T2 and
street S1 are rated), approved ratings as stored after escalation:

    2025  Jan  T1 flag (A), T2 yellow (A)
          Feb  T1 flag (A), S1 flag (B)
          Mar  T2 yellow (B)
    2026  Jan  T1 flag (A), T1 flag (B), T2 yellow (A), S1 flag (A)
          Feb  T2 red (A) — a yellow light escalated (second in a row), S1 flag (B)
          Mar  T1 yellow (B), T1 flag (A), S1 flag (A), S1 flag (B)
               plus T2 flag (A) submitted, T2 yellow (B) a draft: neither counts
    2026 April is open and empty; every other month is closed.

So 2026 Jan–Mar: 7 red flags, 2 yellow lights, 1 red light (10) against 3, 2, 0 (5)
in 2025: +4, 0, +1, +5. March alone: 3, 1, 0 (4) against 0, 1, 0 (1).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from dashboard import selectors
from dashboard.filters import DashboardFilter
from dashboard.selectors import KindCounts, worst_result
from departments.models import Jurisdiction
from ratings import rules, services
from assessment import services as scoring
from ratings.models import Period, Rating, RuleBook
from tests.factories import (
    CategoryFactory,
    DepartmentFactory,
    OrganisationFactory,
    PeriodFactory,
    RatingFactory,
    RuleBookFactory,
    default_jurisdiction,
)

F, Y, R = rules.RED_FLAG, rules.YELLOW_LIGHT, rules.RED_LIGHT


def give(unit, dept, year: int, month: int, outcome: str, *, escalated: bool = False,
         status: str = Rating.Status.APPROVED) -> Rating:
    period = PeriodFactory(year=year, month=month)
    kind = Y if escalated else outcome
    return RatingFactory(
        period=period, department=dept, unit=unit, kind=kind, status=status,
        outcome=outcome if status == Rating.Status.APPROVED else "",
        escalation=rules.ESCALATED_CONSECUTIVE if escalated else "",
    )


@pytest.fixture
def district(dept_a, dept_b):
    towns, streets = CategoryFactory(name="镇", order=1), CategoryFactory(name="街道", order=2)
    t1 = OrganisationFactory(code="T1", name="砖墙镇", category=towns)
    t2 = OrganisationFactory(code="T2", name="阳江镇", category=towns)
    s1 = OrganisationFactory(code="S1", name="淳溪街道", category=streets)
    dept_c = DepartmentFactory(code="TJJ", name="区统计局")  # rates nothing
    dept_d = DepartmentFactory(code="XFJ", name="区信访局")  # only a draft in March
    RuleBookFactory(year=2025)
    RuleBookFactory(year=2026)
    a, b = dept_a, dept_b
    give(t1, a, 2025, 1, F), give(t2, a, 2025, 1, Y)
    give(t1, a, 2025, 2, F), give(s1, b, 2025, 2, F)
    give(t2, b, 2025, 3, Y)
    give(t1, a, 2026, 1, F), give(t1, b, 2026, 1, F), give(t2, a, 2026, 1, Y), give(s1, a, 2026, 1, F)
    escalated = give(t2, a, 2026, 2, R, escalated=True)
    give(s1, b, 2026, 2, F)
    give(t1, b, 2026, 3, Y), give(t1, a, 2026, 3, F), give(s1, a, 2026, 3, F), give(s1, b, 2026, 3, F)
    give(t2, a, 2026, 3, F, status=Rating.Status.SUBMITTED)
    give(t2, b, 2026, 3, Y, status=Rating.Status.DRAFT)
    give(t2, dept_d, 2026, 3, Y, status=Rating.Status.DRAFT)
    Period.objects.update(status=Period.Status.CLOSED)
    PeriodFactory(year=2026, month=4)  # open
    return {"t1": t1, "t2": t2, "s1": s1, "towns": towns, "streets": streets, "a": a, "b": b, "c": dept_c,
            "d": dept_d, "escalated": escalated}


def resolve(**params) -> tuple[selectors.DashboardQuery, selectors.Calendar]:
    jurisdiction = default_jurisdiction()
    calendar = selectors.calendar_for(jurisdiction=jurisdiction)
    data = {key: str(value) for key, value in params.items()}
    from django.http import QueryDict

    query_dict = QueryDict(mutable=True)
    query_dict.update(data)
    return DashboardFilter(query_dict, jurisdiction=jurisdiction, calendar=calendar).query(), calendar


def overview(**params) -> selectors.Overview:
    query, calendar = resolve(**params)
    return selectors.dashboard_overview(query=query, calendar=calendar)


def figures(row: list[selectors.Figure]) -> dict[str, tuple[int, int | None, str]]:
    return {f.kind or "all": (f.current, f.previous, f.change_label) for f in row}


# The pure parts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "result"),
    [
        (KindCounts(0, 0, 0), ""),
        (KindCounts(3, 0, 0), F),
        (KindCounts(3, 1, 0), Y),
        (KindCounts(0, 2, 1), R),
        (KindCounts(5, 5, 1), R),
    ],
)
def test_the_worst_result_of_a_month_wins(counts, result):
    assert worst_result(counts) == result


@pytest.mark.parametrize(
    ("year", "month", "threshold", "window"),
    [
        (2026, 3, 2, [(2026, 3)]),
        (2026, 3, 3, [(2026, 2), (2026, 3)]),
        (2026, 1, 3, [(2025, 12), (2026, 1)]),  # a chain runs across the new year
        (2026, 5, 1, []),  # every yellow light is a red light at once: nobody is one short
    ],
)
def test_the_chain_window_is_the_months_one_light_short_of_a_red_light(year, month, threshold, window):
    assert selectors._chain_window(year, month, threshold) == window


# Defaults and filters --------------------------------------------------------------------------


def test_the_dashboard_opens_on_the_latest_closed_month_from_january(district):
    query, _calendar = resolve()
    assert (query.year, query.month_from, query.month_to) == (2026, 1, 3)


def test_another_year_opens_on_its_last_closed_month(district):
    query, _calendar = resolve(year=2025)
    assert (query.year, query.month_from, query.month_to) == (2025, 1, 3)


def test_a_month_range_the_wrong_way_round_is_refused_and_falls_back(district):
    jurisdiction = default_jurisdiction()
    calendar = selectors.calendar_for(jurisdiction=jurisdiction)
    from django.http import QueryDict

    filterset = DashboardFilter(QueryDict("year=2026&month_from=3&month_to=2"), jurisdiction=jurisdiction,
                                calendar=calendar)
    query = filterset.query()
    assert (query.month_from, query.month_to) == (1, 2)
    assert "month_from" in filterset.form.errors


def test_a_unit_is_chosen_by_its_code(district):
    query, _calendar = resolve(unit="T2")
    assert query.unit == district["t2"]


def test_another_jurisdictions_unit_cannot_be_chosen(district):
    other = Jurisdiction.objects.create(code="other", name="另一个区")
    OrganisationFactory(jurisdiction=other, code="X1", category=CategoryFactory(jurisdiction=other))
    query, _calendar = resolve(unit="X1")
    assert query.unit is None


# Headline figures -----------------------------------------------------------------------------


def test_the_headline_counts_the_month_and_the_months_so_far_against_last_year(district):
    headline = overview().headline
    assert figures(headline.month) == {F: (3, 0, "+3"), Y: (1, 1, "0"), R: (0, 0, "0"), "all": (4, 1, "+3")}
    assert figures(headline.span) == {F: (7, 3, "+4"), Y: (2, 2, "0"), R: (1, 0, "+1"), "all": (10, 5, "+5")}


def test_an_escalated_yellow_light_counts_as_a_red_light_and_is_named(district):
    span = {f.kind: f for f in overview().headline.span}
    assert span[R].current == 1
    assert span[R].escalated == 1
    assert span[Y].current == 2  # the escalated one is not also counted as yellow


def test_a_second_consecutive_yellow_light_entered_through_the_workflow_shows_as_red(alice, bob, dept_a):
    unit = OrganisationFactory(code="Z1", name="砖墙镇")
    for month in (1, 2):
        rating = services.rating_record(period=PeriodFactory(year=2026, month=month), department=dept_a, unit=unit,
                                        kind=Y, reason="养老保险征缴进度落后序时", by=bob, submit=True)
        services.rating_approve(rating=rating, by=alice)
    headline = overview(year=2026, month_from=1, month_to=2).headline
    assert figures(headline.month)[R] == (1, None, "")  # no 2025 to compare with
    assert figures(headline.span)[Y][0] == 1
    assert headline.compared is False


def test_the_monthly_series_holds_each_month_and_last_years_same_month(district):
    series = overview().series
    assert [(row.month, row.current, row.previous) for row in series] == [
        (1, KindCounts(3, 1, 0), KindCounts(1, 1, 0)),
        (2, KindCounts(1, 0, 1), KindCounts(2, 0, 0)),
        (3, KindCounts(3, 1, 0), KindCounts(0, 1, 0)),
    ]


def test_the_figures_follow_the_category_and_department_filters(district):
    towns = overview(category=district["towns"].pk).headline
    assert figures(towns.span) == {F: (3, 2, "+1"), Y: (2, 2, "0"), R: (1, 0, "+1"), "all": (6, 4, "+2")}
    by_b = overview(department=district["b"].pk).headline
    assert figures(by_b.span) == {F: (3, 1, "+2"), Y: (1, 1, "0"), R: (0, 0, "0"), "all": (4, 2, "+2")}


def test_another_jurisdictions_ratings_do_not_count(district):
    other = Jurisdiction.objects.create(code="other", name="另一个区")
    category = CategoryFactory(jurisdiction=other, name="镇")
    unit = OrganisationFactory(jurisdiction=other, code="X1", category=category)
    dept = DepartmentFactory(jurisdiction=other, code="XD")
    period = PeriodFactory(jurisdiction=other, year=2026, month=3, status=Period.Status.CLOSED)
    RatingFactory(period=period, department=dept, unit=unit, kind=Y, outcome=Y, status=Rating.Status.APPROVED)
    o = overview()
    assert figures(o.headline.month)[Y] == (1, 1, "0")
    assert "X1" not in [row.code for group in o.grid.groups for row in group.rows]
    assert "XD" not in [row.code for row in o.activity.rows]


def test_an_open_last_month_is_flagged(district):
    assert overview(month_to=4).headline.month_open is True
    assert overview().headline.month_open is False


# Leaderboard and categories ---------------------------------------------------------------------


def test_the_leaderboard_is_computed_from_the_ratings_without_a_rollup(district):
    standings = overview().standings
    assert (standings.source, standings.reason) == (selectors.COMPUTED, selectors.NO_ROLLUP)
    assert [(row.code, row.points, row.rank) for row in standings.top] == [
        ("S1", Decimal("2.00"), 1), ("T1", Decimal("1.00"), 2), ("T2", Decimal("-1.50"), 3),
    ]
    assert standings.bottom == []  # three units: all in the top list


def test_the_leaderboard_reads_the_stored_year_to_date_rollup_when_it_covers_the_months(district):
    scoring.year_rollup(jurisdiction=default_jurisdiction(), year=2026, through_month=3)
    standings = overview().standings
    assert standings.source == selectors.STORED
    assert standings.through_month == 3
    assert [(row.code, row.points, row.rank) for row in standings.top] == [
        ("S1", Decimal("2.00"), 1), ("T1", Decimal("1.00"), 2), ("T2", Decimal("-1.50"), 3),
    ]


def test_a_rollup_of_other_months_is_not_passed_off_as_the_months_shown(district):
    scoring.year_rollup(jurisdiction=default_jurisdiction(), year=2026, through_month=3)
    standings = overview(month_to=2).standings
    assert (standings.source, standings.reason, standings.stored_through_month) == (
        selectors.COMPUTED, selectors.ROLLUP_OTHER_MONTHS, 3)
    assert [(row.code, row.points) for row in standings.top] == [
        ("S1", Decimal("1.00")), ("T1", Decimal("1.00")), ("T2", Decimal("-1.50")),
    ]
    assert [row.rank for row in standings.top] == [1, 1, 3]  # ties share a rank


def test_the_computed_leaderboard_follows_the_rule_books_points_and_caps(district):
    RuleBook.objects.filter(year=2026).update(red_flag_points=Decimal("1"), bonus_cap=Decimal("1.5"))
    standings = overview().standings
    assert {row.code: row.points for row in standings.top} == {
        "S1": Decimal("1.50"), "T1": Decimal("1.00"), "T2": Decimal("-1.50"),
    }


def test_the_bottom_list_shows_the_worst_last_without_repeating_the_top(district, monkeypatch):
    monkeypatch.setattr(selectors, "LEADERBOARD_SIZE", 1)
    standings = overview().standings
    assert [row.code for row in standings.top] == ["S1"]
    assert [row.code for row in standings.bottom] == ["T2"]


def test_categories_compare_counts_per_unit_and_average_points(district):
    rows = {row.name: row for row in overview().categories}
    assert (rows["镇"].units, rows["镇"].counts) == (2, KindCounts(3, 2, 1))
    assert rows["镇"].flags_per_unit == Decimal("1.50")
    assert rows["镇"].lights_per_unit == Decimal("1.50")
    assert rows["镇"].average_points == Decimal("-0.25")
    assert (rows["街道"].units, rows["街道"].counts, rows["街道"].average_points) == (1, KindCounts(4, 0, 0),
                                                                                   Decimal("2"))


# The traffic-light grid -----------------------------------------------------------------------


def grid_cells(grid: selectors.Grid) -> dict[str, list[tuple[str, int]]]:
    return {row.code: [(cell.result, cell.ratings) for cell in row.cells] for group in grid.groups
            for row in group.rows}


def test_the_grid_shows_each_units_months_worst_first_grouped_by_category(district):
    grid = overview().grid
    assert grid.months == [1, 2, 3]
    assert [(group.category, [row.code for row in group.rows]) for group in grid.groups] == [
        ("镇", ["T1", "T2"]), ("街道", ["S1"]),
    ]
    assert grid_cells(grid) == {
        "T1": [(F, 2), ("", 0), (Y, 2)],  # March: a flag and a yellow light, the yellow wins
        "T2": [(Y, 1), (R, 1), ("", 0)],  # March: the submitted flag and the draft do not count
        "S1": [(F, 1), (F, 1), (F, 2)],
    }


def test_a_grid_cell_knows_its_period_and_its_only_rating(district):
    grid = overview().grid
    t2 = next(row for group in grid.groups for row in group.rows if row.code == "T2")
    february = t2.cells[1]
    assert february.first_rating_id == district["escalated"].pk
    assert february.period_id == Period.objects.get(year=2026, month=2).pk
    t1 = next(row for group in grid.groups for row in group.rows if row.code == "T1")
    assert t1.cells[0].first_rating_id is None  # two ratings: the cell opens the list


def test_the_grid_keeps_a_retired_unit_for_the_year_it_was_rated(district):
    district["t2"].is_active = False
    district["t2"].save()
    OrganisationFactory(code="T9", name="撤并镇", category=district["towns"], is_active=False)
    codes = [row.code for group in overview().grid.groups for row in group.rows]
    assert codes == ["T1", "T2", "S1"]


# The watch list ------------------------------------------------------------------------------


def test_the_watch_list_names_units_one_yellow_light_short_of_a_red_light(district):
    watch = overview().watch
    assert watch.threshold == 2
    assert [unit.code for unit in watch.one_more] == ["T1"]


def test_a_unit_whose_chain_just_ended_in_a_red_light_is_not_one_short(district):
    # February: T2's yellow became a red light; the chain starts again.
    assert [unit.code for unit in overview(month_to=2).watch.one_more] == []
    # January: T2's first yellow light of the year: one more makes a red light.
    assert [unit.code for unit in overview(month_to=1).watch.one_more] == ["T2"]


def test_with_three_lights_to_a_red_light_two_months_running_are_one_short(district):
    RuleBook.objects.filter(year=2026).update(escalation_threshold=3)
    give(district["s1"], district["a"], 2026, 2, Y)
    give(district["s1"], district["b"], 2026, 3, Y)
    watch = overview().watch
    assert watch.threshold == 3
    assert [unit.code for unit in watch.one_more] == ["S1"]  # T1 has only March


def test_the_watch_list_names_units_with_several_lights_and_those_that_lost_most_points(district):
    watch = overview().watch
    assert [(unit.code, unit.counts.lights) for unit in watch.many_lights] == [("T2", 2)]
    assert watch.many_lights_total == 1
    assert [(drop.code, drop.points_before, drop.points, drop.change) for drop in watch.dropped] == [
        ("T2", Decimal("-1.00"), Decimal("-1.50"), Decimal("-0.50")),
    ]


# Department activity -------------------------------------------------------------------------


def test_department_activity_counts_submitted_ratings_per_month_and_names_the_silent(district):
    activity = overview().activity
    rows = {row.code: ([n for _month, n in row.by_month], row.total) for row in activity.rows}
    assert rows == {
        "SCJ": ([1, 1, 2], 4),  # B: the draft in March does not count
        "TJJ": ([0, 0, 0], 0),
        "XFJ": ([0, 0, 0], 0),  # only a draft
        "ZJJ": ([3, 1, 3], 7),  # A: the submitted flag in March counts as submitted
    }
    assert [row.code for row in activity.silent] == ["TJJ", "XFJ"]


def test_a_retired_department_that_gave_nothing_is_not_called_silent(district):
    district["c"].is_active = False
    district["c"].save()
    activity = overview().activity
    assert "TJJ" not in [row.code for row in activity.rows]
    assert [row.code for row in activity.silent] == ["XFJ"]
