"""The rule book's rules as tables, with no database."""

from decimal import Decimal

import pytest

from ratings import rules
from ratings.rules import RED_FLAG as F, RED_LIGHT as R, YELLOW_LIGHT as Y, Light, RuleSettings


def lights(*rows):
    """rows: (year, month, department, kind[, serious]) → Light with ids 1, 2, …"""
    return [Light(i, r[0], r[1], r[2], r[3], r[4] if len(r) > 4 else False) for i, r in enumerate(rows, start=1)]


def kinds(outcomes):
    return [outcomes[i].kind for i in sorted(outcomes)]


ESCALATION_CASES = [
    ("a single yellow light stays yellow", [(2026, 1, "A", Y)], {}, [Y]),
    ("a second consecutive yellow light becomes red", [(2026, 1, "A", Y), (2026, 2, "A", Y)], {}, [Y, R]),
    ("yellow lights with a gap month stay yellow", [(2026, 1, "A", Y), (2026, 3, "A", Y)], {}, [Y, Y]),
    (
        "the chain restarts after an escalation",
        [(2026, 1, "A", Y), (2026, 2, "A", Y), (2026, 3, "A", Y), (2026, 4, "A", Y)],
        {},
        [Y, R, Y, R],
    ),
    ("consecutive lights count across departments by default", [(2026, 1, "A", Y), (2026, 2, "B", Y)], {}, [Y, R]),
    (
        "a same-department rule book does not join two departments' lights",
        [(2026, 1, "A", Y), (2026, 2, "B", Y)],
        {"escalation_same_department": True},
        [Y, Y],
    ),
    (
        "a same-department rule book joins one department's lights",
        [(2026, 1, "A", Y), (2026, 2, "B", Y), (2026, 2, "A", Y)],
        {"escalation_same_department": True},
        [Y, Y, R],
    ),
    ("the chain runs across the new year", [(2025, 12, "A", Y), (2026, 1, "A", Y)], {}, [Y, R]),
    ("a serious-impact yellow light is red at once", [(2026, 5, "A", Y, True)], {}, [R]),
    (
        "a serious-impact red light restarts the chain",
        [(2026, 1, "A", Y), (2026, 2, "A", Y, True), (2026, 3, "A", Y)],
        {},
        [Y, R, Y],
    ),
    ("a red light given directly restarts the chain", [(2026, 1, "A", Y), (2026, 2, "A", R), (2026, 3, "A", Y)], {}, [Y, R, Y]),
    ("a threshold of three needs three months", [(2026, 1, "A", Y), (2026, 2, "A", Y), (2026, 3, "A", Y)],
     {"escalation_threshold": 3}, [Y, Y, R]),
    ("red flags never escalate nor break a chain", [(2026, 1, "A", Y), (2026, 2, "B", F), (2026, 2, "A", Y)], {}, [Y, F, R]),
    (
        "two yellow lights in one month make one red light, the month starts no chain",
        [(2026, 1, "A", Y), (2026, 2, "A", Y), (2026, 2, "B", Y), (2026, 3, "A", Y)],
        {},
        [Y, R, Y, Y],
    ),
    ("two yellow lights in the same month are not consecutive", [(2026, 1, "A", Y), (2026, 1, "B", Y)], {}, [Y, Y]),
]


@pytest.mark.parametrize("name, rows, overrides, expected", ESCALATION_CASES, ids=[c[0] for c in ESCALATION_CASES])
def test_escalation(name, rows, overrides, expected):
    assert kinds(rules.escalate(lights(*rows), RuleSettings(**overrides))) == expected


def test_an_escalated_light_names_the_yellow_lights_it_completed():
    outcomes = rules.escalate(lights((2026, 1, "A", Y), (2026, 2, "A", Y), (2026, 3, "A", Y)), RuleSettings(escalation_threshold=3))
    assert outcomes[3] == rules.Outcome(R, rules.ESCALATED_CONSECUTIVE, (1, 2))
    assert outcomes[3].escalated_after == 2


def test_a_serious_impact_light_says_why_it_is_red():
    assert rules.escalate(lights((2026, 5, "A", Y, True)))[1].escalation == rules.ESCALATED_SERIOUS


def test_each_year_uses_its_own_rule_book():
    by_year = {2025: RuleSettings(escalation_threshold=3), 2026: RuleSettings(escalation_threshold=2)}
    outcomes = rules.escalate(
        lights((2025, 11, "A", Y), (2025, 12, "A", Y), (2026, 1, "A", Y)), lambda year: by_year[year]
    )
    # Nov, Dec stay yellow under 2025's threshold of 3; January 2026 is the third in a row.
    assert kinds(outcomes) == [Y, Y, R]


def test_the_order_of_input_does_not_change_the_result():
    rows = lights((2026, 1, "A", Y), (2026, 2, "A", Y), (2026, 3, "A", Y), (2026, 4, "B", Y))
    assert rules.escalate(rows) == rules.escalate(list(reversed(rows)))


POINTS_CASES = [
    ("nothing is worth nothing", rules.Tally(0, 0, 0), {}, Decimal("0")),
    ("red flags add half a point each", rules.Tally(3, 0, 0), {}, Decimal("1.5")),
    ("yellow lights deduct half a point each", rules.Tally(0, 2, 0), {}, Decimal("-1.0")),
    ("red lights deduct a point each", rules.Tally(0, 0, 2), {}, Decimal("-2")),
    ("flags and lights add up", rules.Tally(4, 1, 1), {}, Decimal("0.5")),
    ("edited points are used", rules.Tally(2, 1, 1), {"red_flag_points": Decimal("1"), "yellow_light_points": Decimal("-0.2"),
                                                       "red_light_points": Decimal("-2")}, Decimal("-0.2")),
    ("the bonus is held to its cap", rules.Tally(10, 0, 0), {"bonus_cap": Decimal("3")}, Decimal("3")),
    ("the deduction is held to its cap", rules.Tally(0, 4, 3), {"deduction_cap": Decimal("2")}, Decimal("-2")),
    ("caps apply to each side before adding", rules.Tally(10, 0, 5), {"bonus_cap": Decimal("3"), "deduction_cap": Decimal("2")},
     Decimal("1")),
]


@pytest.mark.parametrize("name, counts, overrides, expected", POINTS_CASES, ids=[c[0] for c in POINTS_CASES])
def test_year_points(name, counts, overrides, expected):
    assert rules.year_points(counts, RuleSettings(**overrides)) == expected


def test_tally_counts_outcomes_by_kind():
    assert rules.tally([F, F, Y, R, F]) == rules.Tally(3, 1, 1)


PROBLEM_CASES = [
    ("a flag citing a flag criterion is fine", dict(kind=F, criterion_kind=F, serious_impact=False), []),
    ("a red light cites a yellow criterion", dict(kind=R, criterion_kind=Y, serious_impact=False), []),
    ("a flag citing a yellow criterion is refused", dict(kind=F, criterion_kind=Y, serious_impact=False),
     [rules.CRITERION_WRONG_KIND]),
    ("a missing criterion is refused when required", dict(kind=Y, criterion_kind=None, serious_impact=False),
     [rules.CRITERION_MISSING]),
    ("serious impact is only for yellow lights", dict(kind=F, criterion_kind=F, serious_impact=True),
     [rules.SERIOUS_ONLY_FOR_YELLOW]),
]


@pytest.mark.parametrize("name, args, expected", PROBLEM_CASES, ids=[c[0] for c in PROBLEM_CASES])
def test_rating_problems(name, args, expected):
    assert rules.rating_problems(criterion_required=True, rulebook_has_criteria=True, **args) == expected


def test_a_missing_criterion_is_fine_when_the_rule_book_has_none():
    assert rules.rating_problems(kind=Y, criterion_kind=None, serious_impact=False, criterion_required=True,
                                 rulebook_has_criteria=False) == []


def test_the_rules_module_imports_no_django():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(rules))
    imported = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert not any(name.startswith("django") for name in imported)
