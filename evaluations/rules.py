"""The rules of evaluation rounds (评议) and of the public satisfaction survey (满意度测评).

Pure Python: no Django, no ORM. Who rates whom (the assignment), what a round's answers
add up to per unit, and what a survey's answers say per agency, all worked out from
plain data that the services load and hand in.

The leaders' assignment follows Chuzhou: "each leader rates 20–25 units, each unit is
rated by 8–9 leaders", preferring the units in a leader's areas of responsibility (分管)
and never a leader's own unit. It is a flow with lower and upper bounds on both sides,
solved as a minimum-cost flow (networkx), so that it is found whenever one exists and
the preferred pairs are used as much as they can be.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from statistics import NormalDist
from typing import NamedTuple

import networkx

ZERO = Decimal(0)
HUNDRED = Decimal(100)


def gettext_noop(message: str) -> str:
    """Marks a message for translation; the Django layer translates it when shown."""
    return message


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# Scales --------------------------------------------------------------------------------


class Scale(str, Enum):
    """How a round's sheet is answered: an overall grade mapped to points, or a score."""

    GRADE = "grade"
    SCORE = "score"


GRADES = (gettext_noop("好"), gettext_noop("较好"), gettext_noop("一般"), gettext_noop("差"))
DEFAULT_GRADE_POINTS = (Decimal(100), Decimal(85), Decimal(70), Decimal(50))

# The survey's five-point scale, best first, and the points each level is worth.
LEVELS = (gettext_noop("非常满意"), gettext_noop("满意"), gettext_noop("基本满意"),
          gettext_noop("不满意"), gettext_noop("非常不满意"))
DEFAULT_LEVEL_POINTS = (Decimal(100), Decimal(80), Decimal(60), Decimal(40), Decimal(20))


def grade_points_problems(points: Sequence[Decimal]) -> list[str]:
    """A grade's points: one per grade, between 0 and 100, a better grade never worth less."""
    if len(points) != len(GRADES):
        return [gettext_noop("请为“好、较好、一般、差”四个等次各填一个分值")]
    if any(not ZERO <= p <= HUNDRED for p in points):
        return [gettext_noop("等次分值应在0到100之间")]
    if any(better < worse for better, worse in zip(points, points[1:])):
        return [gettext_noop("较高等次的分值不能低于较低等次")]
    return []


def answer_points(*, scale: Scale, grade: int | None = None, score: Decimal | None = None,
                  grade_points: Sequence[Decimal] = DEFAULT_GRADE_POINTS) -> Decimal:
    """An answer's points on 0–100: the grade's points (grade 0 is 好), or the score."""
    if scale is Scale.GRADE:
        if grade is None or not 0 <= grade < len(GRADES):
            raise ValueError("a grade sheet needs a grade")
        return Decimal(grade_points[grade])
    if score is None or not ZERO <= score <= HUNDRED:
        raise ValueError("a score sheet needs a score between 0 and 100")
    return Decimal(score)


# The assignment ------------------------------------------------------------------------


@dataclass(frozen=True)
class Bounds:
    """How many units each evaluator rates and how many evaluators each unit gets."""

    evaluator_min: int = 20
    evaluator_max: int = 25
    unit_min: int = 8
    unit_max: int = 9


@dataclass(frozen=True)
class Evaluator:
    """An evaluator by key, with the units they may not rate (their own) and the units
    they are responsible for (分管), which the assignment prefers."""

    key: int
    own: frozenset[int] = frozenset()
    prefers: frozenset[int] = frozenset()


class Problem(NamedTuple):
    """Why an assignment cannot be made or breaks its bounds: a sentence to translate and
    its facts."""

    message: str
    facts: Mapping[str, int | str] = {}


class Infeasible(Exception):
    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(p.message % dict(p.facts) for p in self.problems))


def bounds_problems(bounds: Bounds, *, evaluators: int, units: int) -> list[Problem]:
    """What the numbers alone rule out, before anyone is assigned."""
    problems = []
    if not 1 <= bounds.evaluator_min <= bounds.evaluator_max:
        problems.append(Problem(gettext_noop("每位评议人评议的单位数：下限应至少为1，且不大于上限")))
    if not 1 <= bounds.unit_min <= bounds.unit_max:
        problems.append(Problem(gettext_noop("每个单位的评议人数：下限应至少为1，且不大于上限")))
    if problems:
        return problems
    if not evaluators or not units:
        return [Problem(gettext_noop("本轮还没有评议人或被评议单位"))]
    if evaluators * bounds.evaluator_max < units * bounds.unit_min:
        problems.append(Problem(
            gettext_noop("%(evaluators)s位评议人每人最多评%(evaluator_max)s个单位，共%(most)s份；"
                         "%(units)s个单位每个至少要%(unit_min)s位评议人，共%(least)s份：评议人不够"),
            {"evaluators": evaluators, "evaluator_max": bounds.evaluator_max, "most": evaluators * bounds.evaluator_max,
             "units": units, "unit_min": bounds.unit_min, "least": units * bounds.unit_min}))
    if units * bounds.unit_max < evaluators * bounds.evaluator_min:
        problems.append(Problem(
            gettext_noop("%(units)s个单位每个最多%(unit_max)s位评议人，共%(most)s份；"
                         "%(evaluators)s位评议人每人至少评%(evaluator_min)s个单位，共%(least)s份：单位不够"),
            {"units": units, "unit_max": bounds.unit_max, "most": units * bounds.unit_max,
             "evaluators": evaluators, "evaluator_min": bounds.evaluator_min,
             "least": evaluators * bounds.evaluator_min}))
    return problems


def _eligibility_problems(evaluators: Sequence[Evaluator], units: Sequence[int], bounds: Bounds,
                          names: Mapping[int, str] | None, unit_names: Mapping[int, str] | None) -> list[Problem]:
    problems = []
    unit_set = set(units)
    for evaluator in evaluators:
        eligible = len(unit_set - evaluator.own)
        if eligible < bounds.evaluator_min:
            problems.append(Problem(
                gettext_noop("评议人“%(name)s”可评议的单位只有%(eligible)s个，少于每人%(evaluator_min)s个"),
                {"name": (names or {}).get(evaluator.key, str(evaluator.key)), "eligible": eligible,
                 "evaluator_min": bounds.evaluator_min}))
    for unit in units:
        eligible = sum(1 for e in evaluators if unit not in e.own)
        if eligible < bounds.unit_min:
            problems.append(Problem(
                gettext_noop("单位“%(name)s”可安排的评议人只有%(eligible)s位，少于每个单位%(unit_min)s位"),
                {"name": (unit_names or {}).get(unit, str(unit)), "eligible": eligible, "unit_min": bounds.unit_min}))
    return problems


def assignment_propose(
    evaluators: Sequence[Evaluator],
    units: Sequence[int],
    bounds: Bounds = Bounds(),
    *,
    names: Mapping[int, str] | None = None,
    unit_names: Mapping[int, str] | None = None,
) -> dict[int, frozenset[int]]:
    """Which units each evaluator rates, within the bounds on both sides, no evaluator on
    their own unit, as many preferred (分管) pairs as the bounds allow; or ``Infeasible``
    saying why none exists."""
    problems = bounds_problems(bounds, evaluators=len(evaluators), units=len(units))
    if not problems:
        problems = _eligibility_problems(evaluators, units, bounds, names, unit_names)
    if problems:
        raise Infeasible(problems)

    # A circulation: source → evaluator [min, max], evaluator → unit [0, 1], unit → sink
    # [min, max], sink → source unbounded. Each lower bound l on x → y becomes capacity
    # max − l and moves l of demand from y to x (networkx: demand = inflow − outflow).
    graph = networkx.DiGraph()
    demand: Counter = Counter()

    def bounded(tail: object, head: object, low: int, high: int, cost: int = 0) -> None:
        graph.add_edge(tail, head, capacity=high - low, weight=cost)
        demand[tail] += low
        demand[head] -= low

    for evaluator in evaluators:
        bounded("source", ("e", evaluator.key), bounds.evaluator_min, bounds.evaluator_max)
        for unit in units:
            if unit not in evaluator.own:
                graph.add_edge(("e", evaluator.key), ("u", unit), capacity=1,
                               weight=0 if unit in evaluator.prefers else 1)
    for unit in units:
        bounded(("u", unit), "sink", bounds.unit_min, bounds.unit_max)
    graph.add_edge("sink", "source", weight=0)
    for node in graph.nodes:
        graph.nodes[node]["demand"] = demand[node]
    try:
        flow = networkx.min_cost_flow(graph)
    except networkx.NetworkXUnfeasible:
        raise Infeasible([Problem(gettext_noop(
            "按现有的回避关系，找不到同时满足评议人和单位两方面人数要求的安排；"
            "请放宽人数范围，或增加评议人"))]) from None
    return {
        evaluator.key: frozenset(unit for (kind, unit), sent in flow[("e", evaluator.key)].items() if sent)
        for evaluator in evaluators
    }


def assignment_problems(
    assignment: Mapping[int, Collection[int]],
    evaluators: Sequence[Evaluator],
    units: Sequence[int],
    bounds: Bounds,
    *,
    names: Mapping[int, str] | None = None,
    unit_names: Mapping[int, str] | None = None,
) -> list[Problem]:
    """What a (hand-adjusted) assignment breaks: an evaluator or a unit outside its bounds,
    an evaluator on their own unit."""
    names = names or {}
    unit_names = unit_names or {}
    problems = []
    per_unit: Counter = Counter()
    for evaluator in evaluators:
        rated = set(assignment.get(evaluator.key, ()))
        per_unit.update(rated)
        name = names.get(evaluator.key, str(evaluator.key))
        if not bounds.evaluator_min <= len(rated) <= bounds.evaluator_max:
            problems.append(Problem(
                gettext_noop("评议人“%(name)s”安排了%(count)s个单位，应为%(low)s至%(high)s个"),
                {"name": name, "count": len(rated), "low": bounds.evaluator_min, "high": bounds.evaluator_max}))
        for unit in sorted(rated & evaluator.own):
            problems.append(Problem(gettext_noop("评议人“%(name)s”不能评议本单位“%(unit)s”"),
                                    {"name": name, "unit": unit_names.get(unit, str(unit))}))
    for unit in units:
        if not bounds.unit_min <= per_unit[unit] <= bounds.unit_max:
            problems.append(Problem(
                gettext_noop("单位“%(unit)s”安排了%(count)s位评议人，应为%(low)s至%(high)s位"),
                {"unit": unit_names.get(unit, str(unit)), "count": per_unit[unit],
                 "low": bounds.unit_min, "high": bounds.unit_max}))
    return problems


# A round's results ----------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One evaluator's points (0–100) for one unit; ``extra`` when it is on the extra
    sheet (附页) rather than the assigned one."""

    unit: int
    evaluator: int
    points: Decimal
    extra: bool = False


@dataclass(frozen=True)
class UnitResult:
    """A unit's result in a closed round: the weighted score (None when nothing counts),
    how many evaluators answered (of them on the extra sheet), the spread (standard
    deviation of the points), the lowest and highest points, and whether it had fewer
    answers than the round asks for."""

    unit: int
    score: Decimal | None
    evaluators: int
    extra: int
    spread: Decimal
    low: Decimal | None
    high: Decimal | None
    too_few: bool


def round_results(answers: Iterable[Answer], *, units: Iterable[int], extra_weight: Decimal,
                  min_answers: int) -> dict[int, UnitResult]:
    """Per unit: the mean of its answers, an extra-sheet answer weighted ``extra_weight``
    against an assigned one's 1 ("附页" answers "count with their own weight")."""
    by_unit: dict[int, list[Answer]] = {unit: [] for unit in units}
    for answer in answers:
        by_unit.setdefault(answer.unit, []).append(answer)
    results = {}
    for unit, given in by_unit.items():
        weights = [extra_weight if a.extra else Decimal(1) for a in given]
        total = sum(weights, ZERO)
        score = cents(sum((w * a.points for w, a in zip(weights, given)), ZERO) / total) if total else None
        points = [a.points for a in given]
        results[unit] = UnitResult(
            unit=unit, score=score, evaluators=len(given), extra=sum(1 for a in given if a.extra),
            spread=_deviation(points), low=min(points, default=None), high=max(points, default=None),
            too_few=len(given) < min_answers)
    return results


def _deviation(values: Sequence[Decimal]) -> Decimal:
    """The population standard deviation (0 for fewer than two values)."""
    if len(values) < 2:
        return ZERO
    mean = sum(values, ZERO) / len(values)
    return cents(Decimal(sum((v - mean) ** 2 for v in values) / len(values)).sqrt())


def response_rate(done: int, assigned: int) -> Decimal:
    """Answered ÷ assigned, as a percentage with one decimal (0 when nothing is assigned)."""
    return (Decimal(done) * HUNDRED / assigned).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if assigned else ZERO


# Weights --------------------------------------------------------------------------------


def weights_problems(item: str, weights: Mapping[str, Decimal]) -> list[Problem]:
    """The rounds (and surveys) feeding one scorecard item: their weights add up to 100
    (Frappe's appraisal rule), none negative."""
    if any(w <= 0 for w in weights.values()):
        return [Problem(gettext_noop("权重应大于0"))]
    total = sum(weights.values(), ZERO)
    if weights and total != HUNDRED:
        return [Problem(gettext_noop("计入同一考核项目“%(item)s”的各轮权重合计为%(total)s%%，应为100%%"),
                        {"item": item, "total": format(total.normalize(), "f")})]
    return []


# The survey -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyResult:
    """An agency's result: responses, the mean level points (0–100), the count at each
    level (best first), a 95% confidence interval of the mean, and whether the
    responses were fewer than the survey asks for."""

    agency: int
    responses: int
    mean: Decimal | None
    distribution: tuple[int, ...]
    low: Decimal | None
    high: Decimal | None
    too_few: bool


# Two-sided 95% critical values of Student's t for 1–30 degrees of freedom; above 30 the
# normal value is within 0.05 of it.
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
        2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
        2.045, 2.042)


def t95(degrees: int) -> float:
    return _T95[degrees - 1] if degrees <= len(_T95) else NormalDist().inv_cdf(0.975)


def survey_results(counts: Mapping[int, Sequence[int]], *, agencies: Iterable[int],
                   level_points: Sequence[Decimal] = DEFAULT_LEVEL_POINTS, min_responses: int) -> dict[int, SurveyResult]:
    """Per agency, from the count of answers at each level (best first): the mean points
    and a t-based 95% confidence interval, held within 0–100."""
    results = {}
    for agency in agencies:
        distribution = tuple(counts.get(agency, ())) or (0,) * len(level_points)
        n = sum(distribution)
        if not n:
            results[agency] = SurveyResult(agency, 0, None, distribution, None, None, 0 < min_responses)
            continue
        mean = sum(Decimal(c) * p for c, p in zip(distribution, level_points)) / n
        low = high = None
        if n > 1:
            variance = sum(c * (float(p) - float(mean)) ** 2 for c, p in zip(distribution, level_points)) / (n - 1)
            half = Decimal(t95(n - 1) * math.sqrt(variance / n))
            low, high = cents(max(mean - half, ZERO)), cents(min(mean + half, HUNDRED))
        results[agency] = SurveyResult(agency, n, cents(mean), distribution, low, high, n < min_responses)
    return results


# Typed text ------------------------------------------------------------------------------


def control_characters(text: str) -> bool:
    """Whether typed text holds a control character other than a line break or a tab
    (a NUL byte, say: PostgreSQL refuses it, and no person types one)."""
    return any(ord(ch) < 32 and ch not in "\n\r\t" or ord(ch) == 127 for ch in text)


# Invitation codes -----------------------------------------------------------------------

# No 0/O, 1/I/L: a code is read off paper and typed on a phone.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


def code_clean(text: str) -> str | None:
    """An invitation code as typed ("abcd-efgh-jk", spaces, lower case) in its stored form,
    or None when it cannot be one of ours."""
    code = "".join(ch for ch in text.upper() if ch not in " -")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def code_display(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))
