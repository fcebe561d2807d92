"""The rules of review (复核), in plain Python: no ORM, no clock, no calendar of its own.

- When a unit may file: within the notice period (公示期, in working days) after the
  rating's approval or the board's publication, whichever is later. Before the board
  is published the window is open and has no end yet.
- One request per rating, by the rated unit's own staff, for an approved yellow or red
  light (a red flag is not contested).
- The office decides, never the rating department (it may add a statement).
- A change only ever lightens a rating (复核不加重): a red light may become a yellow
  light, a light may be withdrawn.
- A change ripples through escalation: the unit's approved ratings are escalated again
  with the change applied, and every rating whose result moves is listed with its month.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import Enum

from ratings.rules import RED_FLAG, RED_LIGHT, YELLOW_LIGHT, Light, RulesFor, RuleSettings, escalate

REASON_MAX_LENGTH = 2000

PENDING = "pending"
UPHELD = "upheld"
CHANGED = "changed"

WITHDRAW = "withdraw"
TO_YELLOW = "yellow"
TO_RED = "red"  # never offered (a review does not make a rating heavier); named for completeness

AddWorkingDays = Callable[[dt.date, int], dt.date]


def filing_start(*, approved_on: dt.date, published_on: dt.date | None) -> dt.date | None:
    """The day the notice period runs from: the later of approval and publication;
    ``None`` while the month's board is not published (the period has not begun)."""
    if published_on is None:
        return None
    return max(approved_on, published_on)


def filing_deadline(*, start: dt.date | None, notice_days: int, add_working_days: AddWorkingDays) -> dt.date | None:
    """The last day a request is taken: ``notice_days`` working days after ``start``."""
    if start is None:
        return None
    return add_working_days(start, notice_days)


class Refusal(str, Enum):
    NOT_UNIT_STAFF = "not_unit_staff"
    OTHER_UNIT = "other_unit"
    NOT_APPROVED = "not_approved"
    RED_FLAG = "red_flag"
    ALREADY_FILED = "already_filed"
    TOO_LATE = "too_late"


def filing_refusal(
    *,
    is_unit_staff: bool,
    own_unit: bool,
    approved: bool,
    outcome: str,
    already_filed: bool,
    today: dt.date,
    deadline: dt.date | None,
) -> Refusal | None:
    """Why a request may not be filed, or ``None`` when it may."""
    if not is_unit_staff:
        return Refusal.NOT_UNIT_STAFF
    if not own_unit:
        return Refusal.OTHER_UNIT
    if not approved:
        return Refusal.NOT_APPROVED
    if outcome == RED_FLAG:
        return Refusal.RED_FLAG
    if already_filed:
        return Refusal.ALREADY_FILED
    if deadline is not None and today > deadline:
        return Refusal.TOO_LATE
    return None


def may_decide(*, is_office: bool, same_jurisdiction: bool) -> bool:
    """Only the office of the rating's jurisdiction decides a review."""
    return is_office and same_jurisdiction


def changes_allowed(*, kind: str, serious_impact: bool) -> tuple[str, ...]:
    """What a decision may change a rating into, from what the department entered:
    a red light (entered, or a yellow light of serious impact) may become a yellow
    light; any light may be withdrawn. A red flag is not reviewed."""
    if kind == RED_LIGHT or (kind == YELLOW_LIGHT and serious_impact):
        return (TO_YELLOW, WITHDRAW)
    if kind == YELLOW_LIGHT:
        return (WITHDRAW,)
    return ()


@dataclass(frozen=True)
class Changed:
    """What the rating itself becomes: its entered kind and serious impact, or withdrawn."""

    kind: str
    serious_impact: bool
    withdrawn: bool


def apply_change(*, kind: str, serious_impact: bool, change: str) -> Changed:
    if change not in changes_allowed(kind=kind, serious_impact=serious_impact):
        raise ValueError(f"change {change!r} is not allowed for {kind!r} (serious impact {serious_impact})")
    if change == WITHDRAW:
        return Changed(kind=kind, serious_impact=serious_impact, withdrawn=True)
    return Changed(kind=YELLOW_LIGHT, serious_impact=False, withdrawn=False)


@dataclass(frozen=True)
class Ripple:
    """One rating whose result moves with a decision; ``after`` is "" when it no longer counts."""

    id: int
    year: int
    month: int
    before: str
    after: str


def ripple(
    *, lights: Iterable[Light], rating_id: int, change: str, rules_for: RulesFor | RuleSettings
) -> list[Ripple]:
    """The unit's approved ratings (``lights``, the contested one among them) escalated
    before and after the change; every rating whose result differs, in month order."""
    lights = list(lights)
    target = next((light for light in lights if light.id == rating_id), None)
    if target is None:
        raise ValueError(f"rating {rating_id} is not among the unit's approved ratings")
    changed = apply_change(kind=target.kind, serious_impact=target.serious_impact, change=change)
    after_lights = [light for light in lights if light.id != rating_id]
    if not changed.withdrawn:
        after_lights.append(replace(target, kind=changed.kind, serious_impact=changed.serious_impact))
    before = escalate(lights, rules_for)
    after = escalate(after_lights, rules_for)
    moved = []
    for light in sorted(lights, key=lambda light: (light.index, light.id)):
        was = before[light.id].kind
        now = after[light.id].kind if light.id in after else ""
        if was != now:
            moved.append(Ripple(id=light.id, year=light.year, month=light.month, before=was, after=now))
    return moved


def months_touched(ripples: Iterable[Ripple]) -> list[tuple[int, int]]:
    """The months whose boards a decision changes, in order."""
    return sorted({(r.year, r.month) for r in ripples})
