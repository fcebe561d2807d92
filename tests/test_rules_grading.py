"""Year-end ranks and grades as tables, with no database."""

from decimal import Decimal as D

import pytest

from ratings import rules
from ratings.rules import EXCELLENT as E, FAIR as F, GOOD as G, POOR as P, GradingSettings

RANK_CASES = [
    ("nobody has no rank", [], []),
    ("one unit is first", ["1"], [1]),
    ("higher points rank higher", ["0.5", "2", "-1"], [2, 1, 3]),
    ("ties share a rank and skip the next", ["3", "3", "1"], [1, 1, 3]),
    ("a tie in the middle", ["5", "2", "2", "2", "-1"], [1, 2, 2, 2, 5]),
    ("everyone tied is everyone first", ["0", "0", "0"], [1, 1, 1]),
    ("equal decimals with different scales tie", ["1.0", "1.00", "0.5"], [1, 1, 3]),
    ("negative points rank below zero", ["-0.5", "0", "-2"], [2, 1, 3]),
]


@pytest.mark.parametrize("name, points, expected", RANK_CASES, ids=[c[0] for c in RANK_CASES])
def test_competition_ranks(name, points, expected):
    assert rules.competition_ranks([D(p) for p in points]) == expected


def test_ranks_within_groups_start_at_one_in_each_group():
    points = {"a": D("3"), "b": D("1"), "c": D("2"), "d": D("2")}
    groups = {"a": "镇", "b": "镇", "c": "街道", "d": "街道"}
    assert rules.rank_within(points, groups) == {"a": 1, "b": 2, "c": 1, "d": 1}


THRESHOLDS = GradingSettings(method=rules.BY_THRESHOLD, excellent_min=D("2"), good_min=D("0"), fair_min=D("-1.5"))
THRESHOLD_CASES = [
    ("exactly the excellent line is excellent", "2", E),
    ("above the excellent line is excellent", "4.5", E),
    ("just under the excellent line is good", "1.99", G),
    ("zero is good when the good line is zero", "0", G),
    ("a small deduction is fair", "-0.5", F),
    ("exactly the fair line is fair", "-1.5", F),
    ("below the fair line is poor", "-2", P),
]


@pytest.mark.parametrize("name, points, expected", THRESHOLD_CASES, ids=[c[0] for c in THRESHOLD_CASES])
def test_grade_by_threshold(name, points, expected):
    assert rules.grade_by_threshold(D(points), THRESHOLDS) == expected


def shares(points, **overrides):
    settings = GradingSettings(**{"excellent_share": 30, "good_share": 40, "poor_share": 10, **overrides})
    grades = rules.grade_by_share({i: D(p) for i, p in enumerate(points)}, settings)
    return [grades[i] for i in range(len(points))]


SHARE_CASES = [
    (
        "ten distinct units: 3 excellent, 4 good, 2 fair, 1 poor",
        ["10", "9", "8", "7", "6", "5", "4", "3", "2", "1"], {}, [E, E, E, G, G, G, G, F, F, P],
    ),
    ("shares are upper limits, rounded down (30% of 3 is 0)", ["3", "2", "1"], {}, [G, G, F]),
    (
        "a tie across the excellent line falls to good",
        ["10", "9", "8", "8", "6", "5", "4", "3", "2", "1"], {}, [E, E, G, G, G, G, G, F, F, P],
    ),
    (
        "a tie across the good line falls to fair",
        ["10", "9", "8", "7", "6", "5", "4", "4", "2", "1"], {}, [E, E, E, G, G, G, F, F, F, P],
    ),
    (
        "a tie across the poor line is spared",
        ["10", "9", "8", "7", "6", "5", "4", "3", "1", "1"], {}, [E, E, E, G, G, G, G, F, F, F],
    ),
    ("when everyone is tied nobody is excellent nor poor", ["0"] * 10, {}, [F] * 10),
    ("no poor share means nobody is poor", ["3", "2", "1", "0", "-5"], {"poor_share": 0, "excellent_share": 20,
                                                                      "good_share": 20}, [E, G, F, F, F]),
    ("the order of input does not matter", ["1", "10", "5", "3", "8", "2", "9", "4", "7", "6"], {},
     [P, E, G, F, E, F, E, G, G, G]),
    ("nobody to grade", [], {}, []),
]


@pytest.mark.parametrize("name, points, overrides, expected", SHARE_CASES, ids=[c[0] for c in SHARE_CASES])
def test_grade_by_share(name, points, overrides, expected):
    assert shares(points, **overrides) == expected


def test_shares_can_count_within_each_category():
    points = {f"town{i}": D(10 - i) for i in range(10)} | {"street0": D("-3"), "street1": D("-4"), "street2": D("-5"),
                                                           "street3": D("-6")}
    groups = {key: key.rstrip("0123456789") for key in points}
    grades = rules.grade(points, groups, GradingSettings(excellent_share=25, good_share=50, poor_share=25,
                                                         by_category=True))
    # Four streets: one of each end, although every street has fewer points than every town.
    assert [grades[f"street{i}"] for i in range(4)] == [E, G, G, P]
    assert grades["town0"] == E and grades["town9"] == P


def test_shares_count_across_all_units_by_default():
    points = {"t1": D("3"), "t2": D("2"), "s1": D("1"), "s2": D("0")}
    groups = {"t1": "镇", "t2": "镇", "s1": "街道", "s2": "街道"}
    grades = rules.grade(points, groups, GradingSettings(excellent_share=25, good_share=25, poor_share=25))
    assert grades == {"t1": E, "t2": G, "s1": F, "s2": P}


def test_grading_by_threshold_ignores_categories():
    points = {"a": D("2"), "b": D("2")}
    assert rules.grade(points, {"a": 1, "b": 2}, THRESHOLDS) == {"a": E, "b": E}


def test_an_unknown_grading_method_is_refused():
    with pytest.raises(ValueError):
        rules.grade({"a": D("1")}, None, GradingSettings(method="lottery"))


ADJUST_CASES = [
    ("no adjustment keeps the grade", G, {}, G),
    ("a veto takes excellent down to good", E, {"veto": True}, G),
    ("a veto leaves a lower grade alone", F, {"veto": True}, F),
    ("a veto leaves poor alone", P, {"veto": True}, P),
    ("a promotion makes any grade excellent", P, {"promotion": True}, E),
    ("a promotion of an excellent unit keeps it excellent", E, {"promotion": True}, E),
    ("a veto outweighs a promotion", E, {"veto": True, "promotion": True}, G),
    ("a veto with a promotion does not lift a fair unit", F, {"veto": True, "promotion": True}, F),
]


@pytest.mark.parametrize("name, grade, flags, expected", ADJUST_CASES, ids=[c[0] for c in ADJUST_CASES])
def test_adjust_grade(name, grade, flags, expected):
    assert rules.adjust_grade(grade, **flags) == expected


STANDINGS_SETTINGS = [
    GradingSettings(),
    GradingSettings(by_category=True),
    GradingSettings(method=rules.BY_THRESHOLD),
    GradingSettings(excellent_share=50, good_share=0, poor_share=50),
]


@pytest.mark.parametrize("grading", STANDINGS_SETTINGS)
def test_standings_agree_with_rank_rank_within_and_grade(grading):
    points = {i: D(str((i * 7) % 11 - 4)) / 2 for i in range(40)}
    groups = {i: ("镇", "街道", "部门")[i % 3] for i in points}
    table = rules.standings(points, groups, grading)
    assert table.rank_overall == rules.rank(points)
    assert table.rank_in_group == rules.rank_within(points, groups)
    assert table.grade == rules.grade(points, groups, grading)


def test_standings_refuse_an_unknown_method():
    with pytest.raises(ValueError):
        rules.standings({"a": D("1")}, {"a": 1}, GradingSettings(method="lottery"))
