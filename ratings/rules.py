"""The rules of 效能亮榜, in plain Python (no Django, no ORM).

The rule book (认定细则) says: every month a department may give a unit a red flag
(红旗) for excellent work or a yellow light (黄灯) for inaction, slow or wrong action;
"连续两次黄灯或造成较大影响即给予红灯警告" — two consecutive yellow lights, or a
yellow-level failure that caused serious impact, is a red light (红灯). At year end
"红旗加分，红黄灯减分". The ORM loads a rule book and hands it here as plain data.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

RED_FLAG = "red_flag"
YELLOW_LIGHT = "yellow_light"
RED_LIGHT = "red_light"
KINDS = (RED_FLAG, YELLOW_LIGHT, RED_LIGHT)

ESCALATED_CONSECUTIVE = "consecutive"
ESCALATED_SERIOUS = "serious"

K = TypeVar("K", bound=Hashable)


def month_index(year: int, month: int) -> int:
    """A month as one integer, so that December and the next January are neighbours."""
    return year * 12 + (month - 1)


def next_month(year: int, month: int) -> tuple[int, int]:
    """The calendar month after (year, month): December is followed by next January."""
    return (year + 1, 1) if month == 12 else (year, month + 1)


def month_has_come(year: int, month: int, *, today: date) -> bool:
    """A month can be opened or closed from its first day on: the current calendar
    month and every month before it, never one still ahead (2091-03 for 2021-03)."""
    return month_index(year, month) <= month_index(today.year, today.month)


@dataclass(frozen=True)
class RuleSettings:
    """The settings of one year's rule book."""

    red_flag_points: Decimal = Decimal("0.5")
    yellow_light_points: Decimal = Decimal("-0.5")
    red_light_points: Decimal = Decimal("-1")
    bonus_cap: Decimal | None = None  # at most this many points added in a year
    deduction_cap: Decimal | None = None  # at most this many points deducted (a positive number)
    escalation_threshold: int = 2
    escalation_same_department: bool = False


DEFAULT_RULES = RuleSettings()


@dataclass(frozen=True)
class Light:
    """An approved rating as it was recorded, before escalation."""

    id: int
    year: int
    month: int
    department: int | str
    kind: str
    serious_impact: bool = False

    @property
    def index(self) -> int:
        return month_index(self.year, self.month)


@dataclass(frozen=True)
class Outcome:
    """What a rating counts as after escalation."""

    kind: str
    escalation: str = ""  # "", ESCALATED_CONSECUTIVE or ESCALATED_SERIOUS
    chain: tuple[int, ...] = ()  # the earlier yellow lights this one completed, oldest first

    @property
    def escalated_after(self) -> int | None:
        return self.chain[-1] if self.chain else None


RulesFor = Callable[[int], RuleSettings]


def escalate(lights: Iterable[Light], rules_for: RulesFor | RuleSettings = DEFAULT_RULES) -> dict[int, Outcome]:
    """Decide what each of one unit's approved ratings counts as.

    - A yellow light marked serious impact (较大影响) is a red light at once.
    - The yellow light that makes N (the year's threshold, default 2) consecutive
      months of yellow lights for the unit becomes a red light. Consecutive months are
      counted across departments unless the year's rule book restricts them to one
      department. The chain runs across the new year.
    - The chain restarts after any red light: yellow Jan, yellow Feb → red in Feb;
      yellow Mar stays yellow; yellow Apr → red. A month that produced a red light
      starts no chain, even if it holds other yellow lights.
    - Only one red light comes out of one month's chain; other yellow lights of that
      month stay yellow (they are still deducted as yellow lights).

    ``rules_for(year)`` gives the settings in force for a year; a plain
    ``RuleSettings`` applies to every year.
    """
    settings_for: RulesFor = (lambda _year: rules_for) if isinstance(rules_for, RuleSettings) else rules_for
    by_month: dict[int, list[Light]] = defaultdict(list)
    outcomes: dict[int, Outcome] = {}
    for light in lights:
        if light.kind not in KINDS:
            raise ValueError(f"unknown kind {light.kind!r}")
        if light.kind == RED_FLAG:
            outcomes[light.id] = Outcome(RED_FLAG)
        else:
            by_month[light.index].append(light)

    # chain key -> (length, month index of the last link, ids of the links)
    chains: dict[object, tuple[int, int, tuple[int, ...]]] = {}
    for index in sorted(by_month):
        month_lights = sorted(by_month[index], key=lambda light: light.id)
        rules = settings_for(month_lights[0].year)

        def key_of(light: Light) -> object:
            return light.department if rules.escalation_same_department else "*"

        restarted: set[object] = set()
        plain: dict[object, list[Light]] = defaultdict(list)
        for light in month_lights:
            if light.kind == RED_LIGHT:
                outcomes[light.id] = Outcome(RED_LIGHT)
                restarted.add(key_of(light))
            elif light.serious_impact:
                outcomes[light.id] = Outcome(RED_LIGHT, ESCALATED_SERIOUS)
                restarted.add(key_of(light))
            else:
                plain[key_of(light)].append(light)

        for key in restarted:
            chains.pop(key, None)
        for key, yellows in plain.items():
            for light in yellows:
                outcomes[light.id] = Outcome(YELLOW_LIGHT)
            if key in restarted:
                continue
            first = yellows[0]
            length, last_index, links = chains.get(key, (0, -1, ()))
            if last_index != index - 1:
                length, links = 0, ()
            length += 1
            if length >= max(rules.escalation_threshold, 1):
                outcomes[first.id] = Outcome(RED_LIGHT, ESCALATED_CONSECUTIVE, links)
                chains.pop(key, None)
            else:
                chains[key] = (length, index, links + (first.id,))
    return outcomes


@dataclass(frozen=True)
class Consequence:
    """What approving a rating will make it count as, and what else the approval changes.

    ``escalation`` says why a red light is one: "" (recorded as such, or not a red light),
    ``ESCALATED_CONSECUTIVE`` with ``previous``, the yellow light just before it in the
    chain, or ``ESCALATED_SERIOUS``. ``others`` are the unit's approved ratings whose
    result changes with this approval (a late yellow light for January turns February's
    into the red light), each with what it will count as."""

    kind: str
    escalation: str = ""
    previous: Light | None = None
    others: tuple[tuple[Light, str], ...] = ()


def approval_consequence(
    rating: Light, approved: Iterable[Light], rules_for: RulesFor | RuleSettings = DEFAULT_RULES
) -> Consequence:
    """What approving ``rating`` (submitted, not yet counted) does, given the unit's
    approved ratings: the escalation run without and with it, as the approval will run
    it, so the office reads before it acts the result the approval stores."""
    others = [light for light in approved if light.id != rating.id]
    before = escalate(others, rules_for)
    after = escalate([*others, rating], rules_for)
    outcome = after[rating.id]
    by_id = {light.id: light for light in others}
    previous = by_id.get(outcome.escalated_after) if outcome.escalation == ESCALATED_CONSECUTIVE else None
    changed = sorted(
        (by_id[pk] for pk, was in before.items() if after[pk].kind != was.kind),
        key=lambda light: (light.index, light.id),
    )
    return Consequence(
        outcome.kind, outcome.escalation, previous, tuple((light, after[light.id].kind) for light in changed)
    )


@dataclass(frozen=True)
class Tally:
    red_flags: int = 0
    yellow_lights: int = 0
    red_lights: int = 0


def tally(kinds: Iterable[str]) -> Tally:
    """Count outcomes (already escalated) by kind."""
    counts = {RED_FLAG: 0, YELLOW_LIGHT: 0, RED_LIGHT: 0}
    for kind in kinds:
        counts[kind] += 1
    return Tally(counts[RED_FLAG], counts[YELLOW_LIGHT], counts[RED_LIGHT])


def year_points(counts: Tally, rules: RuleSettings = DEFAULT_RULES) -> Decimal:
    """红旗加分，红黄灯减分: the year's adjustment, each side held to its cap."""
    bonus = counts.red_flags * rules.red_flag_points
    deduction = counts.yellow_lights * rules.yellow_light_points + counts.red_lights * rules.red_light_points
    if rules.bonus_cap is not None:
        bonus = min(bonus, rules.bonus_cap)
    if rules.deduction_cap is not None:
        deduction = max(deduction, -rules.deduction_cap)
    return bonus + deduction


# Why a rating cannot be recorded as it stands; the Django layer words these.
CRITERION_MISSING = "criterion_missing"
CRITERION_WRONG_KIND = "criterion_wrong_kind"
SERIOUS_ONLY_FOR_YELLOW = "serious_only_for_yellow"


def rating_problems(
    *, kind: str, criterion_kind: str | None, serious_impact: bool, criterion_required: bool, rulebook_has_criteria: bool
) -> list[str]:
    """Check a rating against its rule book. A red flag cites a red-flag criterion;
    a yellow or red light cites a yellow-light criterion (a red light is a yellow-level
    failure made worse)."""
    problems = []
    if criterion_kind is None:
        if criterion_required and rulebook_has_criteria:
            problems.append(CRITERION_MISSING)
    else:
        expected = RED_FLAG if kind == RED_FLAG else YELLOW_LIGHT
        if criterion_kind != expected:
            problems.append(CRITERION_WRONG_KIND)
    if serious_impact and kind != YELLOW_LIGHT:
        problems.append(SERIOUS_ONLY_FOR_YELLOW)
    return problems


# Year-end ranks and grades ------------------------------------------------------------

EXCELLENT = "excellent"  # 优秀
GOOD = "good"  # 良好
FAIR = "fair"  # 一般
POOR = "poor"  # 较差
GRADES = (EXCELLENT, GOOD, FAIR, POOR)

BY_THRESHOLD = "threshold"
BY_SHARE = "share"


@dataclass(frozen=True)
class GradingSettings:
    """How a rule book turns the year's points into grades.

    By threshold, a unit is 优秀 with at least ``excellent_min`` points, 良好 with at
    least ``good_min``, 一般 with at least ``fair_min`` and 较差 below. By share, at most
    ``excellent_share`` percent of the units (from the top) are 优秀, the next
    ``good_share`` percent 良好, at most ``poor_share`` percent (from the bottom) 较差
    and the rest 一般; shares count across all units, or within each category with
    ``by_category`` (rounded down, a small category may then have no 优秀 at all).
    """

    method: str = BY_SHARE
    excellent_min: Decimal = Decimal("2")
    good_min: Decimal = Decimal("0")
    fair_min: Decimal = Decimal("-2")
    excellent_share: int = 30
    good_share: int = 40
    poor_share: int = 10
    by_category: bool = False


DEFAULT_GRADING = GradingSettings()


def competition_ranks(points: Iterable[Decimal]) -> list[int]:
    """Ranks for points, highest first; ties share a rank and the next rank is skipped
    (standard competition ranking: 1, 1, 3). The result follows the input's order."""
    values = list(points)
    order = sorted(range(len(values)), key=values.__getitem__, reverse=True)
    ranks = [0] * len(values)
    previous: Decimal | None = None
    current = 0
    for position, i in enumerate(order, start=1):
        if previous is None or values[i] != previous:
            current, previous = position, values[i]
        ranks[i] = current
    return ranks


def rank(points: Mapping[K, Decimal]) -> dict[K, int]:
    """``competition_ranks`` keyed like the input."""
    return dict(zip(points.keys(), competition_ranks(points.values())))


def grade_by_threshold(points: Decimal, settings: GradingSettings = DEFAULT_GRADING) -> str:
    if points >= settings.excellent_min:
        return EXCELLENT
    if points >= settings.good_min:
        return GOOD
    if points >= settings.fair_min:
        return FAIR
    return POOR


def grade_by_share(
    points: Mapping[K, Decimal], settings: GradingSettings = DEFAULT_GRADING, ranks: Mapping[K, int] | None = None
) -> dict[K, str]:
    """Grades by share of units, ranked by points (``ranks`` if already known).

    Shares are upper limits ("优秀比例不超过30%"), rounded down: units tied across a
    boundary all fall towards 一般 rather than push a grade past its share. So with
    everyone on the same points nobody is 优秀 and nobody is 较差.
    """
    n = len(points)
    excellent_max = n * settings.excellent_share // 100
    good_max = n * (settings.excellent_share + settings.good_share) // 100
    poor_max = n * settings.poor_share // 100
    ranks = ranks if ranks is not None else rank(points)
    tied = Counter(points.values())
    grades: dict[K, str] = {}
    for key, value in points.items():
        first = ranks[key]  # position of the group's best member
        last = first + tied[value] - 1  # position of its worst member
        if last <= excellent_max:
            grades[key] = EXCELLENT
        elif last <= good_max:
            grades[key] = GOOD
        elif n - first + 1 <= poor_max:
            grades[key] = POOR
        else:
            grades[key] = FAIR
    return grades


def grade(
    points: Mapping[K, Decimal], groups: Mapping[K, object] | None = None,
    settings: GradingSettings = DEFAULT_GRADING,
) -> dict[K, str]:
    """Grade every unit from its points; ``groups`` gives each unit's category, used
    when shares count within categories."""
    if settings.method == BY_THRESHOLD:
        return {key: grade_by_threshold(value, settings) for key, value in points.items()}
    if settings.method != BY_SHARE:
        raise ValueError(f"unknown grading method {settings.method!r}")
    if groups is None or not settings.by_category:
        return grade_by_share(points, settings)
    grades: dict[K, str] = {}
    for members in group_by(points, groups).values():
        grades.update(grade_by_share(members, settings))
    return grades


@dataclass(frozen=True)
class Standings:
    rank_overall: dict[Hashable, int]
    rank_in_group: dict[Hashable, int]
    grade: dict[Hashable, str]


def standings(
    points: Mapping[K, Decimal], groups: Mapping[K, object], settings: GradingSettings = DEFAULT_GRADING
) -> Standings:
    """Everything the year-end table needs at once: the rank overall, the rank within
    the unit's group (category) and the grade; the same as ``rank``, ``rank_within``
    and ``grade``, grouping and ranking each group only once."""
    if settings.method not in (BY_THRESHOLD, BY_SHARE):
        raise ValueError(f"unknown grading method {settings.method!r}")
    overall = rank(points)
    within: dict[K, int] = {}
    grades: dict[K, str] = {}
    share_within = settings.method == BY_SHARE and settings.by_category
    for members in group_by(points, groups).values():
        ranks = rank(members)
        within.update(ranks)
        if share_within:
            grades.update(grade_by_share(members, settings, ranks))
    if settings.method == BY_THRESHOLD:
        grades = {key: grade_by_threshold(value, settings) for key, value in points.items()}
    elif not share_within:
        grades = grade_by_share(points, settings, overall)
    return Standings(overall, within, grades)


def rank_within(points: Mapping[K, Decimal], groups: Mapping[K, object]) -> dict[K, int]:
    """Competition ranks within each group (a unit's category)."""
    ranks: dict[K, int] = {}
    for members in group_by(points, groups).values():
        ranks.update(rank(members))
    return ranks


def group_by(points: Mapping[K, Decimal], groups: Mapping[K, object]) -> dict[object, dict[K, Decimal]]:
    grouped: dict[object, dict[K, Decimal]] = defaultdict(dict)
    for key, value in points.items():
        grouped[groups.get(key)][key] = value
    return grouped


def adjust_grade(grade: str, *, veto: bool = False, promotion: bool = False) -> str:
    """一票否决: the unit cannot be 优秀 (it is 良好 at best). 例外晋级: the unit is 优秀.
    A veto outweighs a promotion. Either way the points stay the real points."""
    if veto:
        return GOOD if grade == EXCELLENT else grade
    if promotion:
        return EXCELLENT
    return grade


# Submission deadline and its reminder (催报) ---------------------------------------------


def submission_deadline(*, year: int, month: int, nth_working_day: int,
                        add_working_days: Callable[[date, int], date]) -> date:
    """A month's ratings are due by the ``nth_working_day`` working day of the next
    month: counted from the last day of the month itself."""
    next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    last_day = date(next_year, next_month, 1) - timedelta(days=1)
    return add_working_days(last_day, nth_working_day)


def reminder_due(*, today: date, deadline: date, days_before: int,
                 working_days_between: Callable[[date, date], int]) -> bool:
    """Remind on each working day from ``days_before`` working days before the deadline
    up to the deadline itself; not after it."""
    if today > deadline:
        return False
    return working_days_between(today, deadline) <= days_before
