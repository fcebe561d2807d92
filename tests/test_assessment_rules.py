"""The composite year-end scorecard's rules as tables, with no database: each scoring
method, units without the task, the tree's arithmetic, totals and ranks, and the lines
that explain every point."""

from decimal import Decimal as D

import pytest

from assessment import rules
from assessment.rules import (
    BOARD,
    CASEWORK,
    COMPLETION,
    DIRECT,
    LEAD_SCORED,
    RANK,
    Context,
    Deduction,
    Explanation,
    Item,
    Line,
    RankTable,
    Refusal,
    Refused,
    Result,
    Scorecard,
    Unit,
)
from ratings.rules import RuleSettings, Tally

TEN = Item("A1", "项目", D("10"), parent="S", method=RANK)


def one_item(**overrides) -> Item:
    return Item(**{"code": "A1", "name": "项目", "points": D("10"), "parent": "S", "method": RANK, **overrides})


def scored(item: Item, context: Context = Context(), **figures) -> tuple[str, str]:
    """The score (printed) and the explanation line for one unit's figures."""
    figures.setdefault("unit", "u1")
    result = Result(item=item.code, **figures)
    score, explanation = rules.METHODS[item.method].score(item, result, context)
    return rules.display(score), rules.render(explanation)


def refusal(item: Item, context: Context = Context(), **figures) -> tuple[Refusal, str]:
    figures.setdefault("unit", "u1")
    with pytest.raises(Refused) as refused:
        rules.METHODS[item.method].score(item, Result(item=item.code, **figures), context)
    (problem,) = refused.value.problems
    return problem.code, problem.field


# 排名 ------------------------------------------------------------------------------------

RANK_CASES = [
    ("the first in the province gets all the points", 1, "10.00", "全省第1名：100% × 10分 = 10.00分"),
    ("the third still gets all the points", 3, "10.00", "全省第3名：100% × 10分 = 10.00分"),
    ("the fourth loses one step of 5%", 4, "9.50", "全省第4名：95% × 10分 = 9.50分"),
    ("the fifth loses two steps", 5, "9.00", "全省第5名：90% × 10分 = 9.00分"),
    ("the sixteenth is the table's last rank: 35%", 16, "3.50", "全省第16名：35% × 10分 = 3.50分"),
    ("the seventeenth gets what comes after the table: 30%", 17, "3.00", "全省第17名：30% × 10分 = 3.00分"),
    ("every rank after the table gets the same", 40, "3.00", "全省第40名：30% × 10分 = 3.00分"),
]


@pytest.mark.parametrize("name, position, score, line", RANK_CASES, ids=[c[0] for c in RANK_CASES])
def test_rank_scores_by_the_default_table(name, position, score, line):
    assert scored(TEN, rank=position) == (score, line)


SHORT_TABLE = RankTable(first_losing_rank=2, step=D("10"), last_rank=5, after_last=D("0"))
SHORT_TABLE_CASES = [
    ("only the first keeps everything", 1, "100"),
    ("the second loses a step of 10%", 2, "90"),
    ("the table's last rank", 5, "60"),
    ("after the table nothing", 6, "0"),
]


@pytest.mark.parametrize("name, position, percent", SHORT_TABLE_CASES, ids=[c[0] for c in SHORT_TABLE_CASES])
def test_the_rank_table_is_a_setting_of_the_scorecard(name, position, percent):
    assert rules.rank_percent(position, SHORT_TABLE) == D(percent)


def test_rank_points_keep_two_decimals_rounded_half_up():
    # 95% of 2.5 points is 2.375, printed and added as 2.38
    assert scored(one_item(points=D("2.5")), rank=4) == ("2.38", "全省第4名：95% × 2.5分 = 2.38分")


@pytest.mark.parametrize("figures, expected", [
    ({"rank": 0}, (Refusal.RANK_NOT_POSITIVE, "rank")),
    ({}, (Refusal.MISSING_INPUT, "rank")),
    ({"rank": 3, "percent": D("90")}, (Refusal.UNEXPECTED_INPUT, "percent")),
])
def test_a_rank_item_refuses_a_result_without_a_proper_rank(figures, expected):
    assert refusal(TEN, **figures) == expected


BAD_TABLES = [
    ("a step that leaves the last rank below nothing", RankTable(step=D("10")), "last_rank"),
    ("after the table more than the table's last rank", RankTable(after_last=D("40")), "after_last"),
    ("a negative step", RankTable(step=D("-5"), after_last=D("100")), "step"),
]


@pytest.mark.parametrize("name, table, field", BAD_TABLES, ids=[c[0] for c in BAD_TABLES])
def test_a_rank_table_that_makes_no_sense_is_refused(name, table, field):
    assert field in {p.field for p in rules.rank_table_problems(table)}
    assert rules.rank_table_problems(rules.DEFAULT_RANK_TABLE) == []


# 赋分 ------------------------------------------------------------------------------------

LEAD_ITEM = one_item(method=LEAD_SCORED, lead_unit="lead")
LEAD_CASES = [
    ("an undertaking unit given 100% gets all the points", {"percent": D("100")}, "10.00",
     "牵头单位赋分：100% × 10分 = 10.00分"),
    ("an undertaking unit given 0% gets nothing", {"percent": D("0")}, "0.00", "牵头单位赋分：0% × 10分 = 0.00分"),
    ("a percentage with decimals", {"percent": D("87.5")}, "8.75", "牵头单位赋分：87.5% × 10分 = 8.75分"),
    ("the lead unit takes the province's rank instead", {"unit": "lead", "rank": 5}, "9.00",
     "牵头单位按全省第5名：90% × 10分 = 9.00分"),
    ("the lead unit of a province's first place keeps everything", {"unit": "lead", "rank": 2}, "10.00",
     "牵头单位按全省第2名：100% × 10分 = 10.00分"),
]


@pytest.mark.parametrize("name, figures, score, line", LEAD_CASES, ids=[c[0] for c in LEAD_CASES])
def test_a_lead_unit_scores_the_undertaking_units_but_not_itself(name, figures, score, line):
    assert scored(LEAD_ITEM, **figures) == (score, line)


LEAD_REFUSALS = [
    ("the lead unit may not give itself a percentage", {"unit": "lead", "percent": D("100")},
     (Refusal.LEAD_SCORES_ITSELF, "percent")),
    ("nor points", {"unit": "lead", "points": D("10")}, (Refusal.LEAD_SCORES_ITSELF, "points")),
    ("the lead unit without the province's rank", {"unit": "lead"}, (Refusal.MISSING_INPUT, "rank")),
    ("more than 100%", {"percent": D("100.5")}, (Refusal.PERCENT_OUT_OF_RANGE, "percent")),
    ("less than 0%", {"percent": D("-1")}, (Refusal.PERCENT_OUT_OF_RANGE, "percent")),
    ("a rank for an undertaking unit", {"rank": 3}, (Refusal.UNEXPECTED_INPUT, "rank")),
    ("no percentage at all", {}, (Refusal.MISSING_INPUT, "percent")),
]


@pytest.mark.parametrize("name, figures, expected", LEAD_REFUSALS, ids=[c[0] for c in LEAD_REFUSALS])
def test_a_lead_scored_result_is_refused(name, figures, expected):
    assert refusal(LEAD_ITEM, **figures) == expected


# 直接引用 -------------------------------------------------------------------------------

DIRECT_ITEM = one_item(points=D("15"), method=DIRECT)


@pytest.mark.parametrize("points, score, line", [
    ("12", "12.00", "直接引用：12.00分（本项15分）"),
    ("15", "15.00", "直接引用：15.00分（本项15分）"),
    ("0", "0.00", "直接引用：0.00分（本项15分）"),
    ("12.345", "12.35", "直接引用：12.35分（本项15分）"),
])
def test_direct_points_are_taken_as_they_are(points, score, line):
    assert scored(DIRECT_ITEM, points=D(points)) == (score, line)


@pytest.mark.parametrize("points, code", [
    ("15.01", Refusal.OVER_ITEM_POINTS),  # never more than the item's points
    ("-0.5", Refusal.NEGATIVE_POINTS),
])
def test_direct_points_over_the_item_or_below_zero_are_refused(points, code):
    assert refusal(DIRECT_ITEM, points=D(points)) == (code, "points")


# 完成率 ---------------------------------------------------------------------------------

COMPLETION_ITEM = one_item(points=D("20"), method=COMPLETION)


@pytest.mark.parametrize("met, assigned, score, line", [
    (0, 5, "0.00", "完成0项，下达5项：20分 × 0 ÷ 5 = 0.00分"),
    (5, 5, "20.00", "完成5项，下达5项：20分 × 5 ÷ 5 = 20.00分"),
    (3, 4, "15.00", "完成3项，下达4项：20分 × 3 ÷ 4 = 15.00分"),
    (1, 3, "6.67", "完成1项，下达3项：20分 × 1 ÷ 3 = 6.67分"),
])
def test_completion_is_the_points_times_met_over_assigned(met, assigned, score, line):
    assert scored(COMPLETION_ITEM, met=met, assigned=assigned) == (score, line)


@pytest.mark.parametrize("met, assigned, expected", [
    (0, 0, (Refusal.NOTHING_ASSIGNED, "assigned")),
    (6, 5, (Refusal.MET_OVER_ASSIGNED, "met")),
    (-1, 5, (Refusal.NEGATIVE_MET, "met")),
    (None, 5, (Refusal.MISSING_INPUT, "met")),
])
def test_completion_refuses_nothing_assigned_and_more_met_than_assigned(met, assigned, expected):
    assert refusal(COMPLETION_ITEM, met=met, assigned=assigned) == expected


# 效能亮榜 -------------------------------------------------------------------------------

BOARD_ITEM = one_item(method=BOARD, base=D("8"))
BOARD_CASES = [
    ("no flags and no lights: the base", Tally(), "8.00",
     "红旗0面、黄灯0盏、红灯0盏：基础分8分 +0.00分 = 8.00分"),
    ("two red flags add 0.5 each", Tally(red_flags=2), "9.00",
     "红旗2面、黄灯0盏、红灯0盏：基础分8分 +1.00分 = 9.00分"),
    ("a yellow and a red light deduct 0.5 and 1", Tally(yellow_lights=1, red_lights=1), "6.50",
     "红旗0面、黄灯1盏、红灯1盏：基础分8分 -1.50分 = 6.50分"),
    ("six red flags are held to the item's points", Tally(red_flags=6), "10.00",
     "红旗6面、黄灯0盏、红灯0盏：基础分8分 +3.00分，以本项10分为限，计10.00分"),
]


@pytest.mark.parametrize("name, tally, score, line", BOARD_CASES, ids=[c[0] for c in BOARD_CASES])
def test_the_board_points_are_added_to_the_items_base(name, tally, score, line):
    assert scored(BOARD_ITEM, tally=tally) == (score, line)


def test_the_board_never_takes_an_item_below_zero():
    assert scored(one_item(method=BOARD, base=D("1")), tally=Tally(red_lights=2)) == (
        "0.00", "红旗0面、黄灯0盏、红灯2盏：基础分1分 -2.00分，最低0分，计0.00分")


def test_the_board_follows_the_rule_book_and_its_caps():
    capped = Context(board_rules=RuleSettings(red_flag_points=D("1"), bonus_cap=D("1.5")))
    assert scored(BOARD_ITEM, capped, tally=Tally(red_flags=3))[0] == "9.50"


# 交办单 ("整改不力的实施扣分") ---------------------------------------------------------------

CASEWORK_ITEM = one_item(method=CASEWORK)
CASEWORK_CASES = [
    ("no form cost points: the item's points", None, "10.00", "没有超期或未整改的交办单：计满分10.00分"),
    ("two forms at 1.5 each", Deduction(2, D("3")), "7.00", "超期或未整改的交办单2份，扣3分：本项10分，计7.00分"),
    ("a half point", Deduction(1, D("0.5")), "9.50", "超期或未整改的交办单1份，扣0.5分：本项10分，计9.50分"),
    ("deductions past the item's points stop at 0", Deduction(9, D("13.5")), "0.00",
     "超期或未整改的交办单9份，扣13.5分：本项10分，最低0分，计0.00分"),
]


@pytest.mark.parametrize("name, deduction, score, line", CASEWORK_CASES, ids=[c[0] for c in CASEWORK_CASES])
def test_the_casework_ledger_is_deducted_from_the_items_points(name, deduction, score, line):
    assert scored(CASEWORK_ITEM, deduction=deduction) == (score, line)


def test_the_casework_item_reads_no_imported_figure():
    assert refusal(CASEWORK_ITEM, points=D("8")) == (Refusal.UNEXPECTED_INPUT, "points")


# The registry ---------------------------------------------------------------------------

def test_the_methods_are_found_by_their_names_in_the_sheet():
    assert [rules.method_for_label(label) for label in ("排名", "赋分", "直接引用", "完成率", "效能亮榜", "交办单", "评议",
                                                        "抽查")] == [
        RANK, LEAD_SCORED, DIRECT, COMPLETION, BOARD, CASEWORK, rules.EVALUATION, None]


def test_a_new_method_is_a_function_and_a_name():
    def half(item, result, context):
        score = rules.cents(item.points / 2)
        return rules.Scored(score, Explanation(Line.DIRECT, "half", {"score": score, "points": item.points}))

    rules.register("half", half, label="折半")
    try:
        card = Scorecard("滁州市", 2024, (Item("S", "部分", D("10"), method="half"),))
        assert rules.score(card, [Unit("u1", "县")], [Result("u1", "S")]).units["u1"].total == D("5.00")
        with pytest.raises(ValueError):
            rules.register("half", half, label="折半")
    finally:
        del rules.METHODS["half"]


# The tree -------------------------------------------------------------------------------

CHUZHOU = (
    Item("S1", "省对市目标任务", D("150")),
    Item("S1.1", "经济发展", D("100"), parent="S1", method=LEAD_SCORED, lead_unit="发改委"),
    Item("S1.2", "重点项目", D("50"), parent="S1", method=RANK),
    Item("S2", "效能建设", D("100")),
    Item("S2.1", "效能亮榜", D("60"), parent="S2", method=BOARD, base=D("50")),
    Item("S2.2", "重点任务", D("40"), parent="S2", method=COMPLETION),
    Item("S3", "党建工作", D("50"), method=DIRECT),
)
UNITS = [Unit("发改委", "部门"), Unit("财政局", "部门"), Unit("统计局", "部门")]
CATEGORIES = {"部门", "街道", "镇"}


def problems_of(items, **card) -> list[tuple[Refusal, str, str]]:
    scorecard = Scorecard("滁州市", 2024, tuple(items), **card)
    found = rules.scorecard_problems(scorecard, units=UNITS, categories=CATEGORIES)
    return [(p.code, p.item, p.field) for p in found]


def changed(code: str, **fields) -> list[Item]:
    return [Item(**{**item.__dict__, **fields}) if item.code == code else item for item in CHUZHOU]


def test_a_scorecard_whose_points_add_up_has_no_problems():
    assert problems_of(CHUZHOU, total_points=D("300")) == []


TREE_CASES = [
    ("an item's points that leave its section short", changed("S1.2", points=D("40")),
     [(Refusal.POINTS_DO_NOT_ADD_UP, "S1", "points")]),
    ("an unknown method", changed("S2.2", method="抽查"), [(Refusal.UNKNOWN_METHOD, "S2.2", "method")]),
    ("a leaf without a method", changed("S1.2", method=""), [(Refusal.MISSING_METHOD, "S1.2", "method")]),
    ("a method on a section with items", changed("S1", method=RANK), [(Refusal.METHOD_ON_PARENT, "S1", "method")]),
    ("an unknown category", changed("S1.2", categories=frozenset({"开发区"})),
     [(Refusal.UNKNOWN_CATEGORY, "S1.2", "categories")]),
    ("an unknown lead unit", changed("S1.1", lead_unit="环保局"), [(Refusal.UNKNOWN_UNIT, "S1.1", "lead_unit")]),
    ("a lead-scored item without its lead unit", changed("S1.1", lead_unit=""),
     [(Refusal.MISSING_LEAD_UNIT, "S1.1", "lead_unit")]),
    ("a lead unit the item does not apply to", changed("S1.1", categories=frozenset({"街道"})),
     [(Refusal.LEAD_UNIT_OUTSIDE_CATEGORIES, "S1.1", "lead_unit")]),
    ("a board item without its base", changed("S2.1", base=None), [(Refusal.MISSING_BASE, "S2.1", "base")]),
    ("a base above the item's points", changed("S2.1", base=D("61")), [(Refusal.BASE_OUT_OF_RANGE, "S2.1", "base")]),
    ("an unknown parent", changed("S3", parent="S9"), [(Refusal.UNKNOWN_PARENT, "S3", "parent")]),
    ("a code used twice", [*CHUZHOU, Item("S3", "党建工作", D("50"), method=DIRECT)],
     [(Refusal.DUPLICATE_CODE, "S3", "code")]),
    ("zero points", [*changed("S3", points=D("0"))], [(Refusal.POINTS_NOT_POSITIVE, "S3", "points")]),
    ("a child applying to a category its section excludes",
     [Item("S1", "省对市目标任务", D("150"), categories=frozenset({"部门"})), CHUZHOU[1],
      Item("S1.2", "重点项目", D("50"), parent="S1", method=RANK, categories=frozenset({"街道"})), *CHUZHOU[3:]],
     [(Refusal.CATEGORY_OUTSIDE_PARENT, "S1.2", "categories")]),
]


@pytest.mark.parametrize("name, items, expected", TREE_CASES, ids=[c[0] for c in TREE_CASES])
def test_a_scorecard_that_does_not_hold_together_is_refused_naming_item_and_field(name, items, expected):
    assert problems_of(items) == expected


def test_the_sections_must_add_up_to_the_scorecards_total():
    assert problems_of(CHUZHOU, total_points=D("320")) == [(Refusal.TOTAL_DOES_NOT_ADD_UP, "", "points")]
    problem = rules.scorecard_problems(Scorecard("滁州市", 2024, CHUZHOU, total_points=D("320")),
                                       units=UNITS, categories=CATEGORIES)[0]
    assert problem.facts == {"points": D("320"), "children": D("300")}


def test_a_cycle_of_parents_is_refused():
    items = [Item("A", "甲", D("10"), parent="B"), Item("B", "乙", D("10"), parent="A", method=RANK)]
    assert (Refusal.CYCLE, "A", "parent") in problems_of(items)


def test_a_shortfall_names_the_points_and_the_childrens_sum():
    card = Scorecard("滁州市", 2024, tuple(changed("S1.2", points=D("40"))))
    (problem,) = rules.scorecard_problems(card, units=UNITS, categories=CATEGORIES)
    assert problem.facts == {"points": D("150"), "children": D("140")}


def test_scoring_a_scorecard_that_does_not_add_up_scores_nothing():
    card = Scorecard("滁州市", 2024, tuple(changed("S1.2", points=D("40"))))
    with pytest.raises(Refused) as refused:
        rules.score(card, UNITS, [], categories=CATEGORIES)
    assert [p.code for p in refused.value.problems] == [Refusal.POINTS_DO_NOT_ADD_UP]


# Scoring the sheet ----------------------------------------------------------------------

def test_the_chuzhou_sheet_scores_each_unit_and_explains_each_point():
    # 发改委 leads 经济发展 (the province ranks it 5th) and is ranked 4th on 重点项目;
    # 财政局 undertakes 经济发展 (80% from 发改委); 统计局 undertakes nothing in the
    # first section. Everyone is on the board; 党建工作 is taken from the party's assessment.
    results = [
        Result("发改委", "S1.1", rank=5),
        Result("财政局", "S1.1", percent=D("80")),
        Result("发改委", "S1.2", rank=4),
        Result("财政局", "S1.2", rank=1),
        Result("发改委", "S2.1", tally=Tally(red_flags=2)),
        Result("财政局", "S2.1", tally=Tally(yellow_lights=1)),
        Result("发改委", "S2.2", met=4, assigned=5),
        Result("财政局", "S2.2", met=5, assigned=5),
        Result("统计局", "S2.2", met=1, assigned=2),
        Result("发改委", "S3", points=D("45")),
        Result("财政局", "S3", points=D("48.5")),
        Result("统计局", "S3", points=D("40")),
    ]
    card = Scorecard("滁州市", 2024, CHUZHOU, total_points=D("300"))
    scores = rules.score(card, UNITS, results, categories=CATEGORIES).units
    fgw, czj, tjj = scores["发改委"], scores["财政局"], scores["统计局"]
    assert [s.score for s in fgw.sections] == [D("137.50"), D("83.00"), D("45.00")]
    assert [rules.render(i.explanation) for i in fgw.sections[0].items] == [
        "牵头单位按全省第5名：90% × 100分 = 90.00分", "全省第4名：95% × 50分 = 47.50分"]
    assert [s.score for s in czj.sections] == [D("130.00"), D("89.50"), D("48.50")]
    # 统计局 takes the average of the first section: (137.50 + 130.00) / 2
    assert tjj.sections[0].by_average and tjj.sections[0].score == D("133.75")
    assert rules.render(tjj.sections[0].explanation) == "未承担本项，按同类单位平均分 133.75分"
    # on the board with no flag nor light: its base, 50 of 60
    assert tjj.sections[1].items[0].score == D("50.00") and tjj.sections[1].score == D("70.00")
    assert (fgw.total, czj.total, tjj.total) == (D("265.50"), D("268.00"), D("243.75"))
    assert (czj.rank, fgw.rank, tjj.rank) == (1, 2, 3)


def test_a_lead_unit_is_scored_by_rank_on_its_own_item_and_by_percent_where_another_leads():
    items = (
        Item("S", "目标任务", D("20")),
        Item("X", "招商引资", D("10"), parent="S", method=LEAD_SCORED, lead_unit="发改委"),
        Item("Y", "财政收入", D("10"), parent="S", method=LEAD_SCORED, lead_unit="财政局"),
    )
    results = [Result("发改委", "X", rank=6), Result("发改委", "Y", percent=D("80")), Result("财政局", "Y", rank=1)]
    scores = rules.score(Scorecard("滁州市", 2024, items), UNITS[:2], results).units
    assert [(i.item, i.score) for i in scores["发改委"].sections[0].items] == [("X", D("8.50")), ("Y", D("8.00"))]
    assert scores["发改委"].sections[0].score == D("16.50")
    # 财政局 undertakes only its own item: 10 of 10 scaled to the section's 20
    assert scores["财政局"].sections[0].score == D("20.00")


TWO_CATEGORIES = (
    Item("K", "重点工作", D("20")),
    Item("K1", "项目一", D("10"), parent="K", method=DIRECT),
    Item("K2", "项目二", D("10"), parent="K", method=DIRECT),
)
TOWNS_AND_STREETS = [
    Unit("甲镇", "镇"), Unit("乙镇", "镇"), Unit("丙镇", "镇"),
    Unit("东街道", "街道"), Unit("西街道", "街道"), Unit("北街道", "街道"),
]


def direct(unit: str, **points: str) -> list[Result]:
    return [Result(unit, item, points=D(value)) for item, value in points.items()]


def test_a_unit_without_the_task_gets_the_average_of_its_own_category():
    results = [
        *direct("甲镇", K1="9", K2="8"), *direct("乙镇", K1="7", K2="6"),  # towns: 17 and 13
        *direct("东街道", K1="10", K2="10"), *direct("西街道", K1="6", K2="5"),  # streets: 20 and 11
    ]
    scores = rules.score(Scorecard("思明区", 2024, TWO_CATEGORIES), TOWNS_AND_STREETS, results).units
    assert scores["丙镇"].sections[0].score == D("15.00")
    assert scores["北街道"].sections[0].score == D("15.50")
    assert scores["北街道"].sections[0].by_average and not scores["西街道"].sections[0].by_average
    assert scores["北街道"].sections[0].explanation.facts == {"units": 2, "points": D("20"), "score": D("15.50")}


def test_the_average_is_rounded_to_two_decimals():
    results = [*direct("甲镇", K1="5", K2="5"), *direct("乙镇", K1="5", K2="6"),
               *direct("东街道", K1="5", K2="5"), *direct("西街道", K1="5", K2="5"), *direct("北街道", K1="5", K2="5")]
    units = [*TOWNS_AND_STREETS, Unit("丁镇", "镇")]
    results += direct("丁镇", K1="5", K2="5")
    scores = rules.score(Scorecard("思明区", 2024, TWO_CATEGORIES), units, results).units
    # (10 + 11 + 10) / 3 = 10.333…
    assert scores["丙镇"].sections[0].score == D("10.33")


def test_a_unit_undertaking_some_items_is_weighted_by_their_points_and_scaled_to_the_section():
    items = (
        Item("Q", "重点工作", D("50")),
        Item("Q1", "一", D("10"), parent="Q", method=DIRECT),
        Item("Q2", "二", D("20"), parent="Q", method=DIRECT),
        Item("Q3", "三", D("20"), parent="Q", method=DIRECT),
    )
    results = [*direct("甲镇", Q1="9", Q2="16"), *direct("乙镇", Q1="10", Q2="20", Q3="20")]
    scores = rules.score(Scorecard("思明区", 2024, items), TOWNS_AND_STREETS[:2], results).units
    section = scores["甲镇"].sections[0]
    assert section.score == D("41.67")  # 25 of 30 points, scaled to 50
    assert rules.render(section.explanation) == (
        "承担项目满分30分，得25.00分，折算为本部分50分：25.00 ÷ 30 × 50分 = 41.67分")
    assert rules.render(scores["乙镇"].sections[0].explanation) == "各项合计50.00分"


def test_a_categorys_own_items_are_scaled_to_the_sections_points_and_it_is_ranked_within_it():
    # 鼓浪屿 is not scored on growth: a street's only item is 服务 (10), scaled to 30
    items = (
        Item("E", "发展", D("30")),
        Item("E1", "经济增长", D("20"), parent="E", method=DIRECT, categories=frozenset({"镇"})),
        Item("E2", "服务", D("10"), parent="E", method=DIRECT),
    )
    results = [*direct("甲镇", E1="20", E2="10"), *direct("乙镇", E1="10", E2="8"),
               *direct("东街道", E2="8"), *direct("西街道", E2="9")]
    units = [Unit("甲镇", "镇"), Unit("乙镇", "镇"), Unit("东街道", "街道"), Unit("西街道", "街道")]
    outcome = rules.score(Scorecard("思明区", 2024, items), units, results)
    assert outcome.by_category
    assert {u: s.total for u, s in outcome.units.items()} == {
        "甲镇": D("30"), "乙镇": D("18"), "东街道": D("24.00"), "西街道": D("27.00")}
    assert {u: s.rank for u, s in outcome.units.items()} == {"甲镇": 1, "乙镇": 2, "东街道": 2, "西街道": 1}


def test_a_section_for_another_category_counts_nothing_and_says_so():
    items = (Item("T", "乡村振兴", D("10"), method=DIRECT, categories=frozenset({"镇"})),)
    outcome = rules.score(Scorecard("思明区", 2024, items), [Unit("甲镇", "镇"), Unit("东街道", "街道")],
                          direct("甲镇", T="7"))
    street = outcome.units["东街道"].sections[0]
    assert street.score == D("0") and rules.render(street.explanation) == "本部分不适用于本类单位"


def test_ties_share_a_rank_among_all_units_when_no_item_is_category_specific():
    results = [*direct("甲镇", K1="9", K2="8"), *direct("乙镇", K1="8", K2="9"), *direct("东街道", K1="9", K2="7"),
               *direct("西街道", K1="10", K2="10")]
    units = [Unit("甲镇", "镇"), Unit("乙镇", "镇"), Unit("东街道", "街道"), Unit("西街道", "街道")]
    outcome = rules.score(Scorecard("思明区", 2024, TWO_CATEGORIES), units, results)
    assert not outcome.by_category
    assert {u: s.rank for u, s in outcome.units.items()} == {"西街道": 1, "甲镇": 2, "乙镇": 2, "东街道": 4}


def test_everyone_on_the_board_undertakes_it_so_nobody_gets_its_average():
    items = (Item("B", "效能建设", D("10"), method=BOARD, base=D("8")),)
    outcome = rules.score(Scorecard("高淳区", 2024, items), [Unit("u1", "部门"), Unit("u2", "部门")],
                          [Result("u1", "B", tally=Tally(red_flags=1))])
    assert [outcome.units[u].total for u in ("u1", "u2")] == [D("8.50"), D("8.00")]
    assert not outcome.units["u2"].sections[0].by_average


def refused_results(card: Scorecard, units, results) -> list[tuple[Refusal, str, str, str]]:
    with pytest.raises(Refused) as refused:
        rules.score(card, units, results)
    return [(p.code, p.item, p.field, p.unit) for p in refused.value.problems]


def test_results_that_do_not_fit_are_all_refused_together_and_nothing_is_scored():
    card = Scorecard("滁州市", 2024, CHUZHOU)
    results = [
        Result("发改委", "S1.1", percent=D("100")),  # the lead unit scoring itself
        Result("环保局", "S3", points=D("10")),  # not a unit of the jurisdiction
        Result("财政局", "S9", points=D("10")),  # not an item
        Result("财政局", "S1", points=D("10")),  # a section is scored through its items
        Result("财政局", "S3", points=D("51")),  # more than the item's points
        Result("统计局", "S3", points=D("40")),
        Result("统计局", "S3", points=D("41")),  # twice
    ]
    assert refused_results(card, UNITS, results) == [
        (Refusal.LEAD_SCORES_ITSELF, "S1.1", "percent", "发改委"),
        (Refusal.UNKNOWN_UNIT, "S3", "unit", "环保局"),
        (Refusal.UNKNOWN_ITEM, "S9", "item", "财政局"),
        (Refusal.NOT_A_LEAF, "S1", "item", "财政局"),
        (Refusal.OVER_ITEM_POINTS, "S3", "points", "财政局"),
        (Refusal.DUPLICATE_RESULT, "S3", "item", "统计局"),
    ]


def test_a_result_for_an_item_that_does_not_apply_to_the_units_category_is_refused():
    items = (Item("T", "乡村振兴", D("10"), method=DIRECT, categories=frozenset({"镇"})),)
    units = [Unit("甲镇", "镇"), Unit("东街道", "街道")]
    assert refused_results(Scorecard("思明区", 2024, items), units, direct("东街道", T="5")) == [
        (Refusal.NOT_APPLICABLE, "T", "item", "东街道")]


def test_an_average_with_no_unit_of_the_category_to_take_it_from_is_refused():
    units = [Unit("甲镇", "镇"), Unit("东街道", "街道")]
    assert refused_results(Scorecard("思明区", 2024, TWO_CATEGORIES), units, direct("甲镇", K1="5")) == [
        (Refusal.NO_UNIT_UNDERTAKES, "K", "", "东街道")]


# Display --------------------------------------------------------------------------------

@pytest.mark.parametrize("value, printed", [
    ("9", "9.00"), ("2.375", "2.38"), ("2.365", "2.37"), ("0.005", "0.01"), ("-0.001", "0.00"), ("133.745", "133.75"),
])
def test_scores_are_printed_with_two_decimals_rounded_half_up(value, printed):
    assert rules.display(D(value)) == printed


def test_every_explanation_line_has_its_chinese_template_and_can_be_translated():
    assert set(rules.LINES) == set(Line)
    line = Explanation(Line.RANK, RANK, {"rank": 5, "percent": D("90"), "points": D("10"), "score": D("9")})
    assert rules.render(line) == "全省第5名：90% × 10分 = 9.00分"
    english = {rules.LINES[Line.RANK]: "Rank %(rank)s in the province: %(percent)s%% × %(points)s = %(score)s"}
    assert rules.render(line, lambda s: english.get(s, s)) == "Rank 5 in the province: 90% × 10 = 9.00"


# How far each unit is from the next grade ------------------------------------------------

from ratings.rules import BY_SHARE, BY_THRESHOLD, EXCELLENT, FAIR, GOOD, POOR, GradingSettings  # noqa: E402


THRESHOLDS = GradingSettings(method=BY_THRESHOLD, excellent_min=D("270"), good_min=D("240"), fair_min=D("180"))


@pytest.mark.parametrize(("total", "grade", "expected"), [
    ("285", EXCELLENT, None),  # nothing above 优秀
    ("262.5", GOOD, (EXCELLENT, "7.50")),
    ("240", GOOD, (EXCELLENT, "30.00")),
    ("239.99", FAIR, (GOOD, "0.01")),
    ("100", POOR, (FAIR, "80.00")),
])
def test_by_threshold_the_gap_is_the_next_line(total, grade, expected):
    gaps = rules.next_grade_gaps({"A": D(total)}, {"A": grade}, {}, THRESHOLDS)
    assert (None if gaps["A"] is None else (gaps["A"].grade, str(gaps["A"].points))) == expected


def test_by_share_the_gap_is_the_lowest_score_that_earned_the_grade_above_in_the_group():
    totals = {"T1": D("93"), "T2": D("88"), "T3": D("80"), "S1": D("70"), "S2": D("60")}
    grades = {"T1": EXCELLENT, "T2": GOOD, "T3": FAIR, "S1": EXCELLENT, "S2": POOR}
    groups = {"T1": "镇", "T2": "镇", "T3": "镇", "S1": "街道", "S2": "街道"}
    per_category = rules.next_grade_gaps(totals, grades, groups, GradingSettings(method=BY_SHARE, by_category=True))
    assert (per_category["T2"].grade, per_category["T2"].points) == (EXCELLENT, D("5.00"))
    assert (per_category["T3"].grade, per_category["T3"].points) == (GOOD, D("8.00"))
    # 街道 has no 一般: the next better grade earned there (优秀, 70) is the mark.
    assert (per_category["S2"].grade, per_category["S2"].points) == (FAIR, D("10.00"))
    overall_grades = {"T1": EXCELLENT, "T2": GOOD, "T3": GOOD, "S1": FAIR, "S2": POOR}
    overall = rules.next_grade_gaps(totals, overall_grades, groups, GradingSettings(method=BY_SHARE))
    assert (overall["T3"].grade, overall["T3"].points) == (EXCELLENT, D("13.00"))  # behind T1's 93
    assert (overall["S2"].grade, overall["S2"].points) == (FAIR, D("10.00"))


def test_by_share_with_no_better_grade_in_the_group_there_is_no_gap():
    gaps = rules.next_grade_gaps({"A": D("50")}, {"A": GOOD}, {"A": "镇"}, GradingSettings(method=BY_SHARE, by_category=True))
    assert gaps["A"] is None
