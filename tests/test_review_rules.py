"""The rules of review, as tables: when a unit may file, what a decision may change,
and what a change moves through escalation."""

import datetime as dt

import pytest

from ratings.rules import RED_FLAG, RED_LIGHT, YELLOW_LIGHT, Light, RuleSettings
from reviews import rules
from reviews.rules import Refusal

D = dt.date
Y, R, F = YELLOW_LIGHT, RED_LIGHT, RED_FLAG


def weekdays_only(start: dt.date, n: int) -> dt.date:
    day = start
    while n:
        day += dt.timedelta(days=1)
        n -= day.weekday() < 5
    return day


@pytest.mark.parametrize("approved, published, days, deadline", [
    # the notice period runs from the later of approval and publication, in working days
    (D(2026, 12, 1), D(2026, 12, 4), 5, D(2026, 12, 11)),   # published Friday: five working days → next Friday
    (D(2026, 12, 8), D(2026, 12, 4), 5, D(2026, 12, 15)),   # approved after publication (a month reopened): from approval
    (D(2026, 12, 4), D(2026, 12, 4), 1, D(2026, 12, 7)),    # one working day after a Friday is Monday
    (D(2026, 12, 1), None, 5, None),                         # not published yet: the period has not begun
])
def test_the_filing_deadline_counts_working_days_from_the_later_of_approval_and_publication(approved, published, days, deadline):
    start = rules.filing_start(approved_on=approved, published_on=published)
    assert rules.filing_deadline(start=start, notice_days=days, add_working_days=weekdays_only) == deadline


TODAY = D(2026, 12, 10)


@pytest.mark.parametrize("staff, own, approved, outcome, filed, deadline, refusal", [
    (True, True, True, Y, False, D(2026, 12, 11), None),
    (True, True, True, R, False, D(2026, 12, 10), None),                 # the last day still counts
    (True, True, True, Y, False, None, None),                            # before publication: open
    (True, True, True, Y, False, D(2026, 12, 9), Refusal.TOO_LATE),
    (True, True, True, Y, True, D(2026, 12, 11), Refusal.ALREADY_FILED),  # one request per rating
    (True, True, True, F, False, D(2026, 12, 11), Refusal.RED_FLAG),
    (True, True, False, Y, False, D(2026, 12, 11), Refusal.NOT_APPROVED),
    (True, False, True, Y, False, D(2026, 12, 11), Refusal.OTHER_UNIT),
    (False, True, True, Y, False, D(2026, 12, 11), Refusal.NOT_UNIT_STAFF),  # a rater or the office does not file
])
def test_who_may_file_and_when(staff, own, approved, outcome, filed, deadline, refusal):
    assert rules.filing_refusal(
        is_unit_staff=staff, own_unit=own, approved=approved, outcome=outcome, already_filed=filed,
        today=TODAY, deadline=deadline,
    ) == refusal


@pytest.mark.parametrize("office, same, decides", [(True, True, True), (True, False, False), (False, True, False)])
def test_only_the_office_of_the_jurisdiction_decides(office, same, decides):
    assert rules.may_decide(is_office=office, same_jurisdiction=same) is decides


@pytest.mark.parametrize("kind, serious, allowed", [
    (R, False, (rules.TO_YELLOW, rules.WITHDRAW)),
    (Y, True, (rules.TO_YELLOW, rules.WITHDRAW)),  # serious impact made it red: back to yellow
    (Y, False, (rules.WITHDRAW,)),
    (F, False, ()),
])
def test_a_decision_only_lightens_a_rating(kind, serious, allowed):
    assert rules.changes_allowed(kind=kind, serious_impact=serious) == allowed


def test_a_change_that_would_make_a_rating_heavier_is_refused():
    with pytest.raises(ValueError):
        rules.apply_change(kind=Y, serious_impact=False, change=rules.TO_RED)


def lights(*rows):
    """(id, year, month, kind[, serious]) → Light, one department."""
    return [Light(id=r[0], year=r[1], month=r[2], department=1, kind=r[3], serious_impact=(r[4] if len(r) > 4 else False))
            for r in rows]


def moved(ripples):
    return [(r.year, r.month, r.before, r.after) for r in ripples]


@pytest.mark.parametrize("history, rating_id, change, expected", [
    # withdrawing the first yellow light of a chain: February's red light is a yellow light again
    (lights((1, 2026, 1, Y), (2, 2026, 2, Y)), 1, rules.WITHDRAW,
     [(2026, 1, Y, ""), (2026, 2, R, Y)]),
    # a chain across the new year: December's yellow withdrawn, January's red turns back
    (lights((1, 2025, 12, Y), (2, 2026, 1, Y)), 1, rules.WITHDRAW,
     [(2025, 12, Y, ""), (2026, 1, R, Y)]),
    # two later red lights turn back and the chain finds a new red light between them
    (lights((1, 2026, 1, Y), (2, 2026, 2, Y), (3, 2026, 3, Y), (4, 2026, 4, Y)), 1, rules.WITHDRAW,
     [(2026, 1, Y, ""), (2026, 2, R, Y), (2026, 3, Y, R), (2026, 4, R, Y)]),
    # a red light made a yellow light starts a chain with the next month's yellow light
    (lights((1, 2026, 5, R), (2, 2026, 6, Y)), 1, rules.TO_YELLOW,
     [(2026, 5, R, Y), (2026, 6, Y, R)]),
    # a serious-impact yellow light back to a plain yellow light
    (lights((1, 2026, 7, Y, True)), 1, rules.TO_YELLOW, [(2026, 7, R, Y)]),
    # a lone yellow light withdrawn moves nothing else; a red flag never moves
    (lights((1, 2026, 8, Y), (2, 2026, 9, F)), 1, rules.WITHDRAW, [(2026, 8, Y, "")]),
])
def test_a_change_ripples_through_escalation(history, rating_id, change, expected):
    ripples = rules.ripple(lights=history, rating_id=rating_id, change=change, rules_for=RuleSettings())
    assert moved(ripples) == expected


def test_the_months_a_decision_touches_are_the_boards_to_correct():
    ripples = rules.ripple(lights=lights((1, 2025, 12, Y), (2, 2026, 1, Y)), rating_id=1, change=rules.WITHDRAW,
                           rules_for=RuleSettings())
    assert rules.months_touched(ripples) == [(2025, 12), (2026, 1)]
