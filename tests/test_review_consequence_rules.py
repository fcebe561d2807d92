"""What approving a rating will make it count as, read before the office approves it
(rules.approval_consequence): pure, as a table."""

from __future__ import annotations

import pytest

from ratings import rules
from ratings.rules import RED_FLAG, RED_LIGHT, YELLOW_LIGHT, Light, RuleSettings

HOUSING, MARKET = 1, 2  # two departments
CANDIDATE = 100  # the submitted rating's id


def light(pk: int, month: int, kind: str = YELLOW_LIGHT, *, year: int = 2026, department: int = HOUSING,
          serious: bool = False) -> Light:
    return Light(id=pk, year=year, month=month, department=department, kind=kind, serious_impact=serious)


def candidate(month: int, kind: str = YELLOW_LIGHT, **kwargs) -> Light:
    return light(CANDIDATE, month, kind, **kwargs)


CASES = [
    # (what is approved already, the rating to approve, the rules) -> (kind, why, previous id, others)
    pytest.param([], candidate(3, RED_FLAG), RuleSettings(), (RED_FLAG, "", None, ()),
                 id="a red flag counts as a red flag"),
    pytest.param([light(1, 2, RED_FLAG)], candidate(3, RED_FLAG), RuleSettings(), (RED_FLAG, "", None, ()),
                 id="red flags before it change nothing"),
    pytest.param([], candidate(3), RuleSettings(), (YELLOW_LIGHT, "", None, ()),
                 id="a first yellow light stays yellow"),
    pytest.param([light(1, 1)], candidate(3), RuleSettings(), (YELLOW_LIGHT, "", None, ()),
                 id="a yellow light two months back is not consecutive"),
    pytest.param([light(1, 2, department=MARKET)], candidate(3), RuleSettings(),
                 (RED_LIGHT, rules.ESCALATED_CONSECUTIVE, 1, ()),
                 id="the month before held a yellow light of another department: red by escalation"),
    pytest.param([light(1, 12, year=2025, department=MARKET)], candidate(1), RuleSettings(),
                 (RED_LIGHT, rules.ESCALATED_CONSECUTIVE, 1, ()),
                 id="last December's yellow light and this January's make a red light"),
    pytest.param([light(1, 2, department=MARKET)], candidate(3), RuleSettings(escalation_same_department=True),
                 (YELLOW_LIGHT, "", None, ()),
                 id="counted within one department, another department's yellow light does not escalate"),
    pytest.param([light(1, 2)], candidate(3), RuleSettings(escalation_same_department=True),
                 (RED_LIGHT, rules.ESCALATED_CONSECUTIVE, 1, ()),
                 id="counted within one department, its own yellow light does"),
    pytest.param([light(1, 2)], candidate(3), RuleSettings(escalation_threshold=3), (YELLOW_LIGHT, "", None, ()),
                 id="with three in a row needed, the second stays yellow"),
    pytest.param([light(1, 1), light(2, 2)], candidate(3), RuleSettings(escalation_threshold=3),
                 (RED_LIGHT, rules.ESCALATED_CONSECUTIVE, 2, ()),
                 id="with three in a row needed, the third is red and names the month just before"),
    pytest.param([light(1, 1), light(2, 2)], candidate(3), RuleSettings(), (YELLOW_LIGHT, "", None, ()),
                 id="the yellow light after a red light starts a new chain"),
    pytest.param([light(1, 2, RED_LIGHT)], candidate(3), RuleSettings(), (YELLOW_LIGHT, "", None, ()),
                 id="a red light given as such the month before starts no chain"),
    pytest.param([light(1, 2)], candidate(3, serious=True), RuleSettings(),
                 (RED_LIGHT, rules.ESCALATED_SERIOUS, None, ()),
                 id="serious impact is a red light at once, whatever came before"),
    pytest.param([], candidate(3, RED_LIGHT), RuleSettings(), (RED_LIGHT, "", None, ()),
                 id="a red light given as such counts as recorded"),
    pytest.param([light(1, 3)], candidate(3), RuleSettings(), (YELLOW_LIGHT, "", None, ()),
                 id="a second yellow light in the same month stays yellow"),
    pytest.param([light(1, 2)], candidate(1), RuleSettings(), (YELLOW_LIGHT, "", None, ((1, RED_LIGHT),)),
                 id="a late January yellow light stays yellow and turns February's into the red light"),
    pytest.param([light(1, 2), light(2, 3)], candidate(1), RuleSettings(),
                 (YELLOW_LIGHT, "", None, ((1, RED_LIGHT), (2, YELLOW_LIGHT))),
                 id="and March's red light, no longer second in a row, becomes yellow again"),
]


@pytest.mark.parametrize(("approved", "rating", "book", "expected"), CASES)
def test_approval_consequence(approved, rating, book, expected):
    result = rules.approval_consequence(rating, approved, book)
    kind, why, previous, others = expected
    assert result.kind == kind
    assert result.escalation == why
    assert (result.previous.id if result.previous else None) == previous
    assert tuple((other.id, new_kind) for other, new_kind in result.others) == others


def test_the_previous_yellow_light_comes_with_its_month_and_department():
    earlier = light(7, 11, year=2025, department=MARKET)
    result = rules.approval_consequence(candidate(12, year=2025), [earlier])
    assert (result.previous.year, result.previous.month, result.previous.department) == (2025, 11, MARKET)


def test_it_agrees_with_what_escalation_stores_once_approved():
    # The preview is the escalation itself: approving gives exactly the result shown.
    approved = [light(1, 1), light(2, 2, department=MARKET), light(3, 4), light(4, 5, serious=True)]
    for month in range(1, 8):
        rating = candidate(month)
        stored = rules.escalate([*approved, rating])[CANDIDATE]
        result = rules.approval_consequence(rating, approved)
        assert (result.kind, result.escalation) == (stored.kind, stored.escalation), month


def test_a_rating_already_among_the_approved_is_counted_once():
    rating = candidate(3)
    assert rules.approval_consequence(rating, [light(1, 2), rating]).kind == RED_LIGHT
