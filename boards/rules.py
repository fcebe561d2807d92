"""Pure rules of the boards, without Django: what a new revision of a month's board
changes compared with the revision the public reads.

A correction is a new revision, never an edit in place (更正即新版次). Before the office
publishes one it sees, line by line, what the public will see differently: the lines
the new revision adds, the lines it removes, and the lines it keeps but changes (the
kind, the criterion, the reason …). A line is one rating on one unit.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass

# What a reader of the board sees of a line, in the order a change lists it.
KIND = "kind"
ESCALATION = "escalation"
CRITERION = "criterion"
REASON = "reason"
UNIT_NAME = "unit_name"
CATEGORY = "category"
DEPARTMENT_NAME = "department_name"
ENTERED_KIND = "entered_kind"
ESCALATED_AFTER = "escalated_after"
COMPARED = (KIND, ENTERED_KIND, ESCALATION, ESCALATED_AFTER, CRITERION, REASON, UNIT_NAME, CATEGORY, DEPARTMENT_NAME)


@dataclass(frozen=True)
class Line:
    """One line of a board as a comparison sees it: one rating, as published."""

    rating_id: int
    unit_code: str
    department_code: str
    kind: str  # the kind the board shows (after escalation)
    reason: str
    unit_name: str = ""
    category: str = ""
    department_name: str = ""
    entered_kind: str = ""  # the kind the department entered
    escalation: str = ""
    escalated_after: str = ""  # "YYYY-MM" of the earlier yellow light of a consecutive red light
    criterion_code: str = ""
    criterion_text: str = ""

    @property
    def criterion(self) -> tuple[str, str]:
        return (self.criterion_code, self.criterion_text)


@dataclass(frozen=True)
class Change:
    """A line both revisions have, with what differs (names from ``COMPARED``)."""

    before: Line
    after: Line
    fields: tuple[str, ...]


@dataclass(frozen=True)
class BoardDiff:
    first: bool  # nothing of the month is published yet: every line is new
    added: tuple[Line, ...] = ()
    removed: tuple[Line, ...] = ()
    changed: tuple[Change, ...] = ()

    @property
    def same(self) -> bool:
        """Published already, and not a line differs."""
        return not self.first and not (self.added or self.removed or self.changed)


def line_differences(before: Line, after: Line) -> tuple[str, ...]:
    return tuple(name for name in COMPARED if getattr(before, name) != getattr(after, name))


def board_diff(*, published: Sequence[Line] | None, proposed: Sequence[Line]) -> BoardDiff:
    """What ``proposed`` changes compared with ``published`` (None: nothing published).

    A line of the new revision is the same line as a published one when it is the same
    rating on the same unit; failing that, when the same department rated the same unit
    (a rating withdrawn on review and entered again), in board order. Lines left over
    are added or removed. Added and changed lines come in the new board's order,
    removed lines in the published board's."""
    if published is None:
        return BoardDiff(first=True, added=tuple(proposed))

    by_rating: dict[tuple[int, str], list[int]] = defaultdict(list)
    for index, line in enumerate(published):
        by_rating[(line.rating_id, line.unit_code)].append(index)
    pairs: list[tuple[int, int]] = []  # (published index, proposed index)
    taken: set[int] = set()  # published lines already paired
    unpaired: list[int] = []
    for position, line in enumerate(proposed):
        candidates = [i for i in by_rating.get((line.rating_id, line.unit_code), ()) if i not in taken]
        if candidates:
            taken.add(candidates[0])
            pairs.append((candidates[0], position))
        else:
            unpaired.append(position)

    by_place: dict[tuple[str, str], deque[int]] = defaultdict(deque)
    for index, old in enumerate(published):
        if index not in taken:
            by_place[(old.unit_code, old.department_code)].append(index)
    added: list[Line] = []
    for position in unpaired:
        line = proposed[position]
        waiting = by_place.get((line.unit_code, line.department_code))
        if waiting:
            index = waiting.popleft()
            taken.add(index)
            pairs.append((index, position))
        else:
            added.append(line)

    changed = [
        Change(before=published[index], after=proposed[position], fields=fields)
        for index, position in sorted(pairs, key=lambda pair: pair[1])
        if (fields := line_differences(published[index], proposed[position]))
    ]
    removed = [old for index, old in enumerate(published) if index not in taken]
    return BoardDiff(first=False, added=tuple(added), removed=tuple(removed), changed=tuple(changed))
