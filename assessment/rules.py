"""The composite year-end scorecard (考核方案), in plain Python (no Django, no ORM).

One scorecard per jurisdiction and year merges several assessments into one sheet
(Chuzhou: 省对市目标任务 150 + 效能建设 100 + 党建工作 50 = 300 points). Its items form a
tree: a section (top-level item) holds items, an item may hold items; children's points
add up to their parent's. A leaf is scored by a method (计分方式) from the registry
``METHODS``; a later issue adds a method with ``register()``, not a rewrite.

Units without the task: "按承担该项工作单位考核的平均分值赋分" — within a section, a unit
that undertakes none of the section's items applying to its category gets the average
section score of the units of its category that do; a unit that undertakes some is scored
on those, weighted by their points and scaled to the section's points.

Rounding (where, and why): each item's score is rounded to two decimals (ROUND_HALF_UP)
as it is scored, as the paper sheets do, so that every printed line ("全省第5名：90% ×
10分 = 9.00分") is the figure that is added up. A section score that is scaled or averaged
is rounded to two decimals the same way; a plain sum and the composite total are sums of
rounded figures and so need no rounding. Ranks are taken on those totals: two units whose
printed totals are equal share a rank.

Refusals are ``Problem``s with a ``Refusal`` code, the item's code, the field and the unit;
the Django layer words them in Chinese and names the spreadsheet's row and column.
The explanation lines' Chinese templates are in ``LINES`` (one dict, marked for the
catalogue with ``gettext_noop``); ``render()`` fills them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
import dataclasses
from dataclasses import dataclass, fields, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from functools import cached_property
from typing import NamedTuple

from ratings.rules import (
    BY_THRESHOLD, DEFAULT_RULES, EXCELLENT, FAIR, GOOD, POOR, GradingSettings, RuleSettings, Tally, rank, rank_within,
    year_points,
)

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def gettext_noop(message: str) -> str:
    """Marks a Chinese line for the message catalogue without importing Django
    (``makemessages`` extracts calls by this name); the Django layer translates it when
    it renders, by passing ``gettext`` to ``render()``."""
    return message


def cents(value: Decimal) -> Decimal:
    """Two decimals, half up: 8.745 → 8.75 (never banker's rounding)."""
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return rounded if rounded else abs(rounded)  # no "-0.00"


def display(value: Decimal) -> str:
    """A score as the sheets print it: 9 → "9.00"."""
    return f"{cents(value):f}"


def plain(value: Decimal) -> str:
    """A setting as people write it, without trailing zeros: 10.00 → "10", 92.50 → "92.5"."""
    return f"{value.normalize():f}"


# Refusals ------------------------------------------------------------------------------


class Refusal(str, Enum):
    # the scorecard
    NO_ITEMS = "no_items"
    MISSING_CODE = "missing_code"
    DUPLICATE_CODE = "duplicate_code"
    UNKNOWN_PARENT = "unknown_parent"
    CYCLE = "cycle"
    POINTS_NOT_POSITIVE = "points_not_positive"
    POINTS_DO_NOT_ADD_UP = "points_do_not_add_up"  # children's points ≠ the item's
    TOTAL_DOES_NOT_ADD_UP = "total_does_not_add_up"  # sections' points ≠ the scorecard's total
    MISSING_METHOD = "missing_method"
    UNKNOWN_METHOD = "unknown_method"
    METHOD_ON_PARENT = "method_on_parent"  # an item with children is scored through them
    UNKNOWN_CATEGORY = "unknown_category"
    CATEGORY_OUTSIDE_PARENT = "category_outside_parent"  # would never apply
    MISSING_LEAD_UNIT = "missing_lead_unit"
    UNKNOWN_UNIT = "unknown_unit"
    LEAD_UNIT_OUTSIDE_CATEGORIES = "lead_unit_outside_categories"
    MISSING_BASE = "missing_base"
    BASE_OUT_OF_RANGE = "base_out_of_range"
    BAD_RANK_TABLE = "bad_rank_table"
    DUPLICATE_UNIT = "duplicate_unit"
    # the results
    UNKNOWN_ITEM = "unknown_item"
    NOT_A_LEAF = "not_a_leaf"  # a result for a section or an item with children
    NOT_APPLICABLE = "not_applicable"  # the item does not apply to the unit's category
    DUPLICATE_RESULT = "duplicate_result"
    MISSING_INPUT = "missing_input"
    UNEXPECTED_INPUT = "unexpected_input"  # a figure the item's method does not read
    RANK_NOT_POSITIVE = "rank_not_positive"
    PERCENT_OUT_OF_RANGE = "percent_out_of_range"
    LEAD_SCORES_ITSELF = "lead_scores_itself"  # 牵头单位不给自己赋分
    NEGATIVE_POINTS = "negative_points"
    OVER_ITEM_POINTS = "over_item_points"
    NOTHING_ASSIGNED = "nothing_assigned"
    NEGATIVE_MET = "negative_met"
    MET_OVER_ASSIGNED = "met_over_assigned"
    NO_UNIT_UNDERTAKES = "no_unit_undertakes"  # no unit of a category to take the average of


@dataclass(frozen=True)
class Problem:
    """Why a scorecard or a result is refused: ``item`` is the item's code ("" for the
    scorecard as a whole), ``field`` the field at fault (``Item``'s, ``Result``'s or the
    rank table's), ``facts`` the figures a message may quote."""

    code: Refusal
    item: str = ""
    field: str = ""
    unit: str = ""
    facts: Mapping[str, object] = dataclasses.field(default_factory=dict, hash=False)


class Refused(Exception):
    """Raised with every problem found; nothing is scored (all or nothing)."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__(", ".join(f"{p.code.value}({p.item}/{p.field}/{p.unit})" for p in self.problems))


def refuse(code: Refusal, field: str = "", **facts: object) -> Refused:
    """A method's refusal of one result; the caller fills in item and unit."""
    return Refused([Problem(code, field=field, facts=facts)])


# The scorecard --------------------------------------------------------------------------


@dataclass(frozen=True)
class RankTable:
    """排名计分 as a setting of the scorecard. Ranks before ``first_losing_rank`` get 100%
    of the item's points; each rank from it to ``last_rank`` loses ``step`` percent more
    (4th 95%, 5th 90% … 16th 35%: Anhui has 16 cities); every rank after ``last_rank`` gets
    ``after_last`` percent. The default 30% for 17th and below is one more step, then held."""

    first_losing_rank: int = 4
    step: Decimal = Decimal(5)
    last_rank: int = 16
    after_last: Decimal = Decimal(30)

    @property
    def last_percent(self) -> Decimal:
        return HUNDRED - self.step * max(self.last_rank - self.first_losing_rank + 1, 0)


DEFAULT_RANK_TABLE = RankTable()


def rank_percent(position: int, table: RankTable = DEFAULT_RANK_TABLE) -> Decimal:
    """The share of an item's points (in percent) that a rank in the province earns."""
    if position < 1:
        raise ValueError(f"rank {position} is not a rank")
    if position < table.first_losing_rank:
        return HUNDRED
    if position <= table.last_rank:
        return HUNDRED - table.step * (position - table.first_losing_rank + 1)
    return table.after_last


def rank_table_problems(table: RankTable) -> list[Problem]:
    """A table that would give a negative share, or more to a rank after the table than
    to the table's last rank, is refused."""
    problems = []
    if table.first_losing_rank < 1:
        problems.append(Problem(Refusal.BAD_RANK_TABLE, field="first_losing_rank"))
    if table.step < 0:
        problems.append(Problem(Refusal.BAD_RANK_TABLE, field="step"))
    if table.last_rank < table.first_losing_rank - 1 or table.last_percent < 0:
        problems.append(Problem(Refusal.BAD_RANK_TABLE, field="last_rank", facts={"percent": table.last_percent}))
    if not ZERO <= table.after_last <= min(table.last_percent, HUNDRED):
        problems.append(Problem(Refusal.BAD_RANK_TABLE, field="after_last"))
    return problems


@dataclass(frozen=True)
class Item:
    """A section (``parent`` "") or an item of the scorecard. A leaf has a ``method``;
    ``categories`` are the unit categories it applies to (empty: all; an item applies to a
    category only if its parents do too); ``lead_unit`` (牵头单位) is required by
    ``赋分`` and is information elsewhere; ``base`` (基础分) is required by ``效能亮榜``."""

    code: str
    name: str
    points: Decimal
    parent: str = ""
    method: str = ""
    categories: frozenset[str] = frozenset()
    lead_unit: str = ""
    base: Decimal | None = None


@dataclass(frozen=True)
class Scorecard:
    """考核方案 of one jurisdiction and year; ``items`` in the sheet's order.
    ``total_points`` (e.g. 300), when given, is what the sections must add up to."""

    jurisdiction: str
    year: int
    items: tuple[Item, ...]
    total_points: Decimal | None = None
    rank_table: RankTable = DEFAULT_RANK_TABLE

    def item(self, code: str) -> Item:
        return self._by_code[code]

    @cached_property
    def _by_code(self) -> dict[str, Item]:
        return {item.code: item for item in self.items}

    def children(self, code: str) -> list[Item]:
        return [item for item in self.items if item.parent == code]

    @property
    def sections(self) -> list[Item]:
        return [item for item in self.items if not item.parent]

    def leaves(self, code: str) -> list[Item]:
        """The scored items at or under ``code``, in the sheet's order."""
        children = self.children(code)
        if not children:
            return [self.item(code)]
        return [leaf for child in children for leaf in self.leaves(child.code)]

    def applies(self, code: str, category: str) -> bool:
        """Whether an item, and every item above it, applies to a category."""
        known = self._applies.get((code, category))
        if known is None:
            known = self._applies[code, category] = self._applies_walk(code, category)
        return known

    @cached_property
    def _applies(self) -> dict[tuple[str, str], bool]:
        return {}

    def _applies_walk(self, code: str, category: str) -> bool:
        by_code = self._by_code
        item: Item | None = by_code[code]
        while item is not None:
            if item.categories and category not in item.categories:
                return False
            item = by_code.get(item.parent) if item.parent else None
        return True

    @property
    def by_category(self) -> bool:
        """Whether any item is category-specific (then units are ranked within categories)."""
        return any(item.categories for item in self.items)


@dataclass(frozen=True)
class Unit:
    code: str
    category: str


def scorecard_problems(card: Scorecard, *, units: Iterable[Unit], categories: Collection[str]) -> list[Problem]:
    """Everything wrong with a scorecard, each named by item code and field; the
    scorecard is used only when this is empty."""
    unit_category = {unit.code: unit.category for unit in units}
    problems: list[Problem] = []
    add = problems.append
    if not card.items:
        add(Problem(Refusal.NO_ITEMS))
    problems += rank_table_problems(card.rank_table)

    by_code: dict[str, Item] = {}
    for item in card.items:
        if not item.code:
            add(Problem(Refusal.MISSING_CODE, field="code", facts={"name": item.name}))
        elif item.code in by_code:
            add(Problem(Refusal.DUPLICATE_CODE, item.code, "code"))
        else:
            by_code[item.code] = item
    children: dict[str, list[Item]] = defaultdict(list)
    for item in by_code.values():
        if item.parent:
            children[item.parent].append(item)

    tree_sound = True
    for item in by_code.values():
        if item.parent and item.parent not in by_code:
            add(Problem(Refusal.UNKNOWN_PARENT, item.code, "parent", facts={"parent": item.parent}))
            tree_sound = False
            continue
        seen, above = {item.code}, item.parent
        while above and above in by_code:
            if above in seen:
                add(Problem(Refusal.CYCLE, item.code, "parent"))
                tree_sound = False
                break
            seen.add(above)
            above = by_code[above].parent

    for item in by_code.values():
        if item.points <= 0:
            add(Problem(Refusal.POINTS_NOT_POSITIVE, item.code, "points"))
        if children[item.code]:
            total = sum((child.points for child in children[item.code]), ZERO)
            if total != item.points:
                add(Problem(Refusal.POINTS_DO_NOT_ADD_UP, item.code, "points",
                            facts={"points": item.points, "children": total}))
            if item.method:
                add(Problem(Refusal.METHOD_ON_PARENT, item.code, "method"))
        elif not item.method:
            add(Problem(Refusal.MISSING_METHOD, item.code, "method"))
        elif item.method not in METHODS:
            add(Problem(Refusal.UNKNOWN_METHOD, item.code, "method", facts={"method": item.method}))
        for category in sorted(item.categories):
            if category not in categories:
                add(Problem(Refusal.UNKNOWN_CATEGORY, item.code, "categories", facts={"category": category}))
        parent = by_code.get(item.parent)
        if tree_sound and parent is not None:
            outside = sorted(c for c in item.categories if not card.applies(parent.code, c))
            if outside:
                add(Problem(Refusal.CATEGORY_OUTSIDE_PARENT, item.code, "categories", facts={"category": outside[0]}))
        if item.lead_unit:
            if item.lead_unit not in unit_category:
                add(Problem(Refusal.UNKNOWN_UNIT, item.code, "lead_unit", facts={"unit": item.lead_unit}))
            elif tree_sound and not card.applies(item.code, unit_category[item.lead_unit]):
                add(Problem(Refusal.LEAD_UNIT_OUTSIDE_CATEGORIES, item.code, "lead_unit", unit=item.lead_unit))
        elif item.method == LEAD_SCORED and not children[item.code]:
            add(Problem(Refusal.MISSING_LEAD_UNIT, item.code, "lead_unit"))
        if item.method == BOARD and not children[item.code]:
            if item.base is None:
                add(Problem(Refusal.MISSING_BASE, item.code, "base"))
            elif not ZERO <= item.base <= item.points:
                add(Problem(Refusal.BASE_OUT_OF_RANGE, item.code, "base"))

    if card.total_points is not None and by_code:
        total = sum((item.points for item in by_code.values() if not item.parent), ZERO)
        if total != card.total_points:
            add(Problem(Refusal.TOTAL_DOES_NOT_ADD_UP, field="points",
                        facts={"points": card.total_points, "children": total}))
    return problems


# Explanations ---------------------------------------------------------------------------


class Line(str, Enum):
    """Which sentence explains a score."""

    RANK = "rank"
    LEAD_RANK = "lead_rank"
    LEAD_SCORED = "lead_scored"
    DIRECT = "direct"
    COMPLETION = "completion"
    BOARD = "board"
    BOARD_CAPPED = "board_capped"
    BOARD_FLOORED = "board_floored"
    CASEWORK = "casework"
    CASEWORK_NONE = "casework_none"
    CASEWORK_FLOORED = "casework_floored"
    EVALUATION = "evaluation"
    EVALUATION_PARTIAL = "evaluation_partial"
    SECTION_SUM = "section_sum"
    SECTION_SCALED = "section_scaled"
    SECTION_AVERAGE = "section_average"
    SECTION_NOT_APPLICABLE = "section_not_applicable"


# The Chinese of every explanation, in one place; %(name)s are an Explanation's facts.
LINES: dict[Line, str] = {
    Line.RANK: gettext_noop("全省第%(rank)s名：%(percent)s%% × %(points)s分 = %(score)s分"),
    Line.LEAD_RANK: gettext_noop("牵头单位按全省第%(rank)s名：%(percent)s%% × %(points)s分 = %(score)s分"),
    Line.LEAD_SCORED: gettext_noop("牵头单位赋分：%(percent)s%% × %(points)s分 = %(score)s分"),
    Line.DIRECT: gettext_noop("直接引用：%(score)s分（本项%(points)s分）"),
    Line.COMPLETION: gettext_noop(
        "完成%(met)s项，下达%(assigned)s项：%(points)s分 × %(met)s ÷ %(assigned)s = %(score)s分"
    ),
    Line.BOARD: gettext_noop(
        "红旗%(red_flags)s面、黄灯%(yellow_lights)s盏、红灯%(red_lights)s盏：基础分%(base)s分 %(board)s分 = %(score)s分"
    ),
    Line.BOARD_CAPPED: gettext_noop(
        "红旗%(red_flags)s面、黄灯%(yellow_lights)s盏、红灯%(red_lights)s盏：基础分%(base)s分 %(board)s分，"
        "以本项%(points)s分为限，计%(score)s分"
    ),
    Line.BOARD_FLOORED: gettext_noop(
        "红旗%(red_flags)s面、黄灯%(yellow_lights)s盏、红灯%(red_lights)s盏：基础分%(base)s分 %(board)s分，"
        "最低0分，计%(score)s分"
    ),
    Line.CASEWORK: gettext_noop("超期或未整改的交办单%(forms)s份，扣%(deducted)s分：本项%(points)s分，计%(score)s分"),
    Line.CASEWORK_NONE: gettext_noop("没有超期或未整改的交办单：计满分%(score)s分"),
    Line.CASEWORK_FLOORED: gettext_noop(
        "超期或未整改的交办单%(forms)s份，扣%(deducted)s分：本项%(points)s分，最低0分，计%(score)s分"
    ),
    Line.EVALUATION: gettext_noop(
        "评议%(rounds)s，共%(evaluators)s人次：加权得分%(weighted)s（百分制）× %(points)s分 = %(score)s分"
    ),
    Line.EVALUATION_PARTIAL: gettext_noop(
        "评议%(rounds)s，共%(evaluators)s人次（%(missing)s无结果，权重按其余各轮折算）："
        "加权得分%(weighted)s（百分制）× %(points)s分 = %(score)s分"
    ),
    Line.SECTION_SUM: gettext_noop("各项合计%(score)s分"),
    Line.SECTION_SCALED: gettext_noop(
        "承担项目满分%(undertaken)s分，得%(earned)s分，折算为本部分%(points)s分："
        "%(earned)s ÷ %(undertaken)s × %(points)s分 = %(score)s分"
    ),
    Line.SECTION_AVERAGE: gettext_noop("未承担本项，按同类单位平均分 %(score)s分"),
    Line.SECTION_NOT_APPLICABLE: gettext_noop("本部分不适用于本类单位"),
}

# Facts written as settings are ("10分", "95%"); "board" carries its sign; other decimals
# are scores, written with two decimals.
PLAIN_FACTS = frozenset({"points", "percent", "base", "undertaken", "deducted"})
SIGNED_FACTS = frozenset({"board"})


@dataclass(frozen=True)
class Explanation:
    """How a score came about, as data: the sentence, the method's code ("" for a
    section's line) and the facts — the inputs and the figures of the arithmetic."""

    line: Line
    method: str
    facts: Mapping[str, int | Decimal | str] = dataclasses.field(default_factory=dict, hash=False)


def _fact(key: str, value: int | Decimal | str) -> str:
    if not isinstance(value, Decimal):
        return str(value)
    if key in PLAIN_FACTS:
        return plain(value)
    if key in SIGNED_FACTS:
        return f"{'-' if cents(value) < 0 else '+'}{display(abs(value))}"
    return display(value)


def fact_texts(explanation: Explanation) -> dict[str, str]:
    """An explanation's facts as they are printed ("10", "9.00", "+1.50"): what is stored
    with a score, so that its line reads the same in any later language."""
    return {key: _fact(key, value) for key, value in explanation.facts.items()}


def render_texts(line: Line | str, facts: Mapping[str, str], translate: Callable[[str], str] = str) -> str:
    """The line of stored facts (``fact_texts``)."""
    return translate(LINES[Line(line)]) % dict(facts)


def render(explanation: Explanation, translate: Callable[[str], str] = str) -> str:
    """The Chinese line of an explanation: "全省第5名：90% × 10分 = 9.00分". The Django
    layer passes ``gettext`` as ``translate``."""
    return render_texts(explanation.line, fact_texts(explanation), translate)


# Results and methods --------------------------------------------------------------------


class Deduction(NamedTuple):
    """A unit's casework deductions for the year (the ledger's lines added up): how many
    forms cost it points and how many points."""

    forms: int = 0
    points: Decimal = ZERO


class RoundScore(NamedTuple):
    """A unit's result in one closed evaluation round (or survey) that feeds an item:
    the round's name and weight (%), the unit's score (0–100) and how many answered."""

    name: str
    weight: Decimal
    score: Decimal
    evaluators: int


class Appraisal(NamedTuple):
    """A unit's evaluation results for one ``评议`` item: the rounds it has a result in,
    and the names of those feeding the item where it has none."""

    rounds: tuple[RoundScore, ...] = ()
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    """One unit's figures for one item, as imported: which ones a method reads is the
    method's business (``rank`` 名次, ``percent`` 赋分比例, ``points`` 引用分值, ``met`` /
    ``assigned`` 完成数 / 下达数, ``tally`` the board's flags and lights, ``deduction`` the
    casework ledger's deductions, ``appraisal`` the evaluation rounds' results)."""

    unit: str
    item: str
    rank: int | None = None
    percent: Decimal | None = None
    points: Decimal | None = None
    met: int | None = None
    assigned: int | None = None
    tally: Tally | None = None
    deduction: Deduction | None = None
    appraisal: Appraisal | None = None

    def given(self) -> list[str]:
        return [name for name in RESULT_INPUTS if getattr(self, name) is not None]


RESULT_INPUTS = tuple(f.name for f in fields(Result) if f.name not in ("unit", "item"))


@dataclass(frozen=True)
class Context:
    """What methods need besides the item and the result."""

    rank_table: RankTable = DEFAULT_RANK_TABLE
    board_rules: RuleSettings = DEFAULT_RULES


class Scored(NamedTuple):
    score: Decimal
    explanation: Explanation


ScoreFunction = Callable[[Item, Result, Context], Scored]


@dataclass(frozen=True)
class Method:
    """A scoring method: ``label`` is its Chinese name in the sheet; with
    ``everyone_undertakes`` every unit the item applies to is scored on it, with an empty
    ``Result`` when it has none."""

    code: str
    label: str
    score: ScoreFunction
    everyone_undertakes: bool = False


METHODS: dict[str, Method] = {}


def register(
    code: str, score: ScoreFunction, *, label: str, everyone_undertakes: bool = False, overwrite: bool = False
) -> Method:
    """Add a scoring method (a later issue adds ``交办单`` and ``评议`` this way)."""
    if code in METHODS and not overwrite:
        raise ValueError(f"method {code!r} is already registered")
    METHODS[code] = method = Method(code, label, score, everyone_undertakes)
    return method


def method_for_label(label: str) -> str | None:
    """The method's code for its name in a sheet ("排名" → "rank"), or None."""
    return next((method.code for method in METHODS.values() if method.label == label.strip()), None)


def _only(result: Result, *names: str) -> None:
    for name in result.given():
        if name not in names:
            raise refuse(Refusal.UNEXPECTED_INPUT, name)


def _required(result: Result, name: str):  # noqa: ANN202 - the field's own type
    value = getattr(result, name)
    if value is None:
        raise refuse(Refusal.MISSING_INPUT, name)
    return value


def _share(points: Decimal, percent: Decimal) -> Decimal:
    return cents(points * percent / HUNDRED)


def _rank_scored(item: Item, position: int, table: RankTable, line: Line, method: str) -> Scored:
    if position < 1:
        raise refuse(Refusal.RANK_NOT_POSITIVE, "rank")
    percent = rank_percent(position, table)
    score = _share(item.points, percent)
    return Scored(score, Explanation(line, method, {"rank": position, "percent": percent,
                                                    "points": item.points, "score": score}))


RANK = "rank"
LEAD_SCORED = "lead_scored"
DIRECT = "direct"
COMPLETION = "completion"
BOARD = "board"
CASEWORK = "casework"
EVALUATION = "evaluation"


def score_rank(item: Item, result: Result, context: Context) -> Scored:
    """排名: the unit's rank in the province, by the scorecard's rank table."""
    _only(result, "rank")
    return _rank_scored(item, _required(result, "rank"), context.rank_table, Line.RANK, RANK)


def score_lead(item: Item, result: Result, context: Context) -> Scored:
    """赋分: the lead unit gives each undertaking unit a percentage (0–100) of the item's
    points. "牵头单位不给自己赋分": its own result is the province's rank for the item."""
    if result.unit == item.lead_unit:
        if result.percent is not None or result.points is not None:
            raise refuse(Refusal.LEAD_SCORES_ITSELF, "percent" if result.percent is not None else "points")
        _only(result, "rank")
        return _rank_scored(item, _required(result, "rank"), context.rank_table, Line.LEAD_RANK, LEAD_SCORED)
    _only(result, "percent")
    percent: Decimal = _required(result, "percent")
    if not ZERO <= percent <= HUNDRED:
        raise refuse(Refusal.PERCENT_OUT_OF_RANGE, "percent", percent=percent)
    score = _share(item.points, percent)
    return Scored(score, Explanation(Line.LEAD_SCORED, LEAD_SCORED,
                                     {"percent": percent, "points": item.points, "score": score}))


def score_direct(item: Item, result: Result, context: Context) -> Scored:
    """直接引用: points taken as they are from another assessment, never more than the item's."""
    _only(result, "points")
    points: Decimal = _required(result, "points")
    if points < 0:
        raise refuse(Refusal.NEGATIVE_POINTS, "points")
    if points > item.points:
        raise refuse(Refusal.OVER_ITEM_POINTS, "points", points=points, item_points=item.points)
    score = cents(points)
    return Scored(score, Explanation(Line.DIRECT, DIRECT, {"imported": points, "points": item.points, "score": score}))


def score_completion(item: Item, result: Result, context: Context) -> Scored:
    """完成率 (key-task indicators): points × met ÷ assigned."""
    _only(result, "met", "assigned")
    met: int = _required(result, "met")
    assigned: int = _required(result, "assigned")
    if assigned <= 0:
        raise refuse(Refusal.NOTHING_ASSIGNED, "assigned")
    if met < 0:
        raise refuse(Refusal.NEGATIVE_MET, "met")
    if met > assigned:
        raise refuse(Refusal.MET_OVER_ASSIGNED, "met", met=met, assigned=assigned)
    score = cents(item.points * met / assigned)
    return Scored(score, Explanation(Line.COMPLETION, COMPLETION,
                                     {"met": met, "assigned": assigned, "points": item.points, "score": score}))


def score_board(item: Item, result: Result, context: Context) -> Scored:
    """效能亮榜: the item's base plus the monthly board's year points ("红旗加分，红黄灯减分",
    under the year's rule book and its caps), held between 0 and the item's points.
    A unit with no result has no flags and no lights: it gets the base."""
    _only(result, "tally")
    if item.base is None:
        raise refuse(Refusal.MISSING_BASE, "base")
    tally = result.tally or Tally()
    board = year_points(tally, context.board_rules)
    raw = item.base + board
    score = cents(min(max(raw, ZERO), item.points))
    line = Line.BOARD_CAPPED if raw > item.points else Line.BOARD_FLOORED if raw < 0 else Line.BOARD
    return Scored(score, Explanation(line, BOARD, {
        "red_flags": tally.red_flags, "yellow_lights": tally.yellow_lights, "red_lights": tally.red_lights,
        "base": item.base, "board": board, "points": item.points, "score": score,
    }))


def score_casework(item: Item, result: Result, context: Context) -> Scored:
    """交办单 ("整改不力的实施扣分"): the item's points less the year's casework deductions,
    one ledger line per overdue or not-rectified form, never below 0. A unit with no
    line keeps the item's points."""
    _only(result, "deduction")
    deduction = result.deduction or Deduction()
    raw = item.points - deduction.points
    score = cents(max(raw, ZERO))
    line = Line.CASEWORK_NONE if not deduction.forms else Line.CASEWORK_FLOORED if raw < 0 else Line.CASEWORK
    return Scored(score, Explanation(line, CASEWORK, {
        "forms": deduction.forms, "deducted": deduction.points, "points": item.points, "score": score}))


def score_evaluation(item: Item, result: Result, context: Context) -> Scored:
    """评议: the rounds' scores (0–100) weighted by the rounds' weights and taken as a share
    of the item's points ("results are weighted and summed"). A round without a result
    for this unit drops out and the others' weights are scaled to make up 100%."""
    _only(result, "appraisal")
    appraisal: Appraisal = _required(result, "appraisal")
    if not appraisal.rounds:
        raise refuse(Refusal.MISSING_INPUT, "appraisal")
    total = sum((r.weight for r in appraisal.rounds), ZERO)
    if total <= 0:
        raise refuse(Refusal.MISSING_INPUT, "appraisal")
    weighted = cents(sum((r.weight * r.score for r in appraisal.rounds), ZERO) / total)
    score = cents(min(max(item.points * weighted / HUNDRED, ZERO), item.points))
    facts: dict[str, int | Decimal | str] = {
        "rounds": "、".join(f"{r.name} ({plain(r.weight)}%) {display(r.score)}" for r in appraisal.rounds),
        "evaluators": sum(r.evaluators for r in appraisal.rounds),
        "weighted": weighted, "points": item.points, "score": score,
    }
    if appraisal.missing:
        facts["missing"] = "、".join(appraisal.missing)
    return Scored(score, Explanation(Line.EVALUATION_PARTIAL if appraisal.missing else Line.EVALUATION,
                                     EVALUATION, facts))


register(RANK, score_rank, label=gettext_noop("排名"))
register(LEAD_SCORED, score_lead, label=gettext_noop("赋分"))
register(DIRECT, score_direct, label=gettext_noop("直接引用"))
register(COMPLETION, score_completion, label=gettext_noop("完成率"))
register(BOARD, score_board, label=gettext_noop("效能亮榜"), everyone_undertakes=True)
register(CASEWORK, score_casework, label=gettext_noop("交办单"), everyone_undertakes=True)
register(EVALUATION, score_evaluation, label=gettext_noop("评议"))


# Scoring the sheet ----------------------------------------------------------------------


@dataclass(frozen=True)
class ItemScore:
    unit: str
    item: str
    score: Decimal
    explanation: Explanation


@dataclass(frozen=True)
class SectionScore:
    """A unit's score for a section, with the items it undertook (the sheet's order)."""

    unit: str
    section: str
    score: Decimal
    explanation: Explanation
    items: tuple[ItemScore, ...] = ()

    @property
    def by_average(self) -> bool:
        """按同类单位平均分赋分: the unit undertook none of the section's items."""
        return self.explanation.line == Line.SECTION_AVERAGE


@dataclass(frozen=True)
class UnitScore:
    """A unit's composite: its section scores, their sum and its rank (within its
    category when ``Scores.by_category``, else among all units; ties share: 1, 1, 3)."""

    unit: str
    category: str
    sections: tuple[SectionScore, ...]
    total: Decimal
    rank: int


@dataclass(frozen=True)
class Scores:
    units: dict[str, UnitScore]
    by_category: bool


def score_item(card: Scorecard, result: Result, context: Context | None = None) -> ItemScore:
    """One result scored by its item's method; raises ``Refused`` naming item and unit."""
    item = card.item(result.item)
    context = context or Context(rank_table=card.rank_table)
    try:
        scored = METHODS[item.method].score(item, result, context)
    except Refused as refused:
        raise Refused(replace(p, item=item.code, unit=result.unit) for p in refused.problems) from None
    if not ZERO <= scored.score <= item.points:
        raise ValueError(f"method {item.method!r} scored {scored.score} out of {item.points}")
    return ItemScore(result.unit, item.code, scored.score, scored.explanation)


def score(
    card: Scorecard,
    units: Iterable[Unit],
    results: Iterable[Result],
    *,
    board_rules: RuleSettings = DEFAULT_RULES,
    categories: Collection[str] | None = None,
) -> Scores:
    """Score every unit on the scorecard, or raise ``Refused`` with every problem of the
    scorecard, the units and the results (nothing is scored then).

    ``categories`` are the jurisdiction's unit categories (default: the units' own).
    A unit undertakes an item when it has a result for it (a lead unit its own item by
    its rank); every unit an ``效能亮榜`` item applies to undertakes it."""
    units = list(units)
    results = list(results)
    categories = set(categories) if categories is not None else {unit.category for unit in units}
    problems = scorecard_problems(card, units=units, categories=categories)
    seen_units: set[str] = set()
    for unit in units:
        if unit.code in seen_units:
            problems.append(Problem(Refusal.DUPLICATE_UNIT, field="unit", unit=unit.code))
        seen_units.add(unit.code)
    if problems:
        raise Refused(problems)

    category_of = {unit.code: unit.category for unit in units}
    context = Context(rank_table=card.rank_table, board_rules=board_rules)
    leaf_codes = {leaf.code for section in card.sections for leaf in card.leaves(section.code)}
    known_items = {item.code for item in card.items}
    scored: dict[tuple[str, str], ItemScore] = {}
    given: set[tuple[str, str]] = set()
    for result in results:
        key = (result.unit, result.item)
        if result.unit not in category_of:
            problems.append(Problem(Refusal.UNKNOWN_UNIT, result.item, "unit", result.unit))
        elif result.item not in known_items:
            problems.append(Problem(Refusal.UNKNOWN_ITEM, result.item, "item", result.unit))
        elif result.item not in leaf_codes:
            problems.append(Problem(Refusal.NOT_A_LEAF, result.item, "item", result.unit))
        elif not card.applies(result.item, category_of[result.unit]):
            problems.append(Problem(Refusal.NOT_APPLICABLE, result.item, "item", result.unit,
                                    facts={"category": category_of[result.unit]}))
        elif key in given:
            problems.append(Problem(Refusal.DUPLICATE_RESULT, result.item, "item", result.unit))
        else:
            given.add(key)
            try:
                scored[key] = score_item(card, result, context)
            except Refused as refused:
                problems += refused.problems
    if problems:  # no averages taken over results that are partly refused
        raise Refused(problems)
    for code in sorted(leaf_codes):
        if not METHODS[card.item(code).method].everyone_undertakes:
            continue
        for unit in units:
            key = (unit.code, code)
            if key not in given and card.applies(code, unit.category):
                scored[key] = score_item(card, Result(unit.code, code), context)

    sections: dict[tuple[str, str], SectionScore] = {}
    waiting: list[tuple[Unit, Item]] = []
    for section in card.sections:
        leaves = card.leaves(section.code)
        for unit in units:
            applicable = [leaf for leaf in leaves if card.applies(leaf.code, unit.category)]
            done = tuple(scored[unit.code, leaf.code] for leaf in applicable if (unit.code, leaf.code) in scored)
            if not applicable:
                sections[unit.code, section.code] = SectionScore(
                    unit.code, section.code, ZERO, Explanation(Line.SECTION_NOT_APPLICABLE, "", {}))
            elif not done:
                waiting.append((unit, section))
            else:
                sections[unit.code, section.code] = _section_score(card, section, unit, done)

    for unit, section in waiting:
        peers = [
            sections[other.code, section.code].score
            for other in units
            if other.category == unit.category
            and (other.code, section.code) in sections
            and sections[other.code, section.code].items
        ]
        if not peers:
            problems.append(Problem(Refusal.NO_UNIT_UNDERTAKES, section.code, "", unit.code,
                                    facts={"category": unit.category}))
            continue
        average = cents(sum(peers, ZERO) / len(peers))
        sections[unit.code, section.code] = SectionScore(unit.code, section.code, average, Explanation(
            Line.SECTION_AVERAGE, "", {"units": len(peers), "points": section.points, "score": average}))
    if problems:
        raise Refused(problems)

    totals = {
        unit.code: sum((sections[unit.code, section.code].score for section in card.sections), ZERO)
        for unit in units
    }
    ranks = rank_within(totals, category_of) if card.by_category else rank(totals)
    return Scores(
        {
            unit.code: UnitScore(
                unit.code, unit.category, tuple(sections[unit.code, s.code] for s in card.sections),
                totals[unit.code], ranks[unit.code],
            )
            for unit in units
        },
        card.by_category,
    )


def _section_score(card: Scorecard, section: Item, unit: Unit, done: tuple[ItemScore, ...]) -> SectionScore:
    """Scored on the items undertaken, weighted by their points and scaled to the
    section's points: a plain sum when they are all of the section's points."""
    earned = sum((item.score for item in done), ZERO)
    undertaken = sum((card.item(item.item).points for item in done), ZERO)
    if undertaken == section.points:
        return SectionScore(unit.code, section.code, earned,
                            Explanation(Line.SECTION_SUM, "", {"score": earned}), done)
    score = cents(section.points * earned / undertaken)
    return SectionScore(unit.code, section.code, score, Explanation(Line.SECTION_SCALED, "", {
        "earned": earned, "undertaken": undertaken, "points": section.points, "score": score}), done)


# How far each unit is from the next grade --------------------------------------------


GRADE_ORDER = (POOR, FAIR, GOOD, EXCELLENT)


@dataclass(frozen=True)
class Gap:
    """The grade above a unit's and the points it is behind: by threshold, that grade's
    line; by share, the lowest score that earned it in the unit's group (its category
    when grades are per category)."""

    grade: str
    points: Decimal


def next_grade_gaps(
    totals: Mapping[str, Decimal], grades: Mapping[str, str], groups: Mapping[str, object],
    settings: GradingSettings,
) -> dict[str, Gap | None]:
    """Each unit's ``Gap`` to the grade above the one its score earned (``grades``: by
    score, before vetoes and promotions); None for 优秀, or when no unit of its group
    earned the grade above."""
    lines = {EXCELLENT: settings.excellent_min, GOOD: settings.good_min, FAIR: settings.fair_min}
    lowest: dict[tuple[object, str], Decimal] = {}
    for key, total in totals.items():
        group = groups.get(key) if settings.by_category else None
        place = (group, grades[key])
        lowest[place] = min(lowest.get(place, total), total)
    gaps: dict[str, Gap | None] = {}
    for key, total in totals.items():
        grade = grades[key]
        if grade == EXCELLENT:
            gaps[key] = None
            continue
        above = GRADE_ORDER[GRADE_ORDER.index(grade) + 1]
        if settings.method == BY_THRESHOLD:
            target: Decimal | None = lines[above]
        else:
            group = groups.get(key) if settings.by_category else None
            earned = [lowest[(group, g)] for g in GRADE_ORDER[GRADE_ORDER.index(above):] if (group, g) in lowest]
            target = min(earned) if earned else None
        gaps[key] = None if target is None else Gap(above, cents(max(target - total, ZERO)))
    return gaps
