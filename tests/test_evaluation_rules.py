"""The rules of evaluation rounds and of the public survey, as tables (no database).

Every expected figure below is worked out by hand in a comment, not computed by the code
under test."""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal

import pytest

from assessment import rules as card_rules
from evaluations import rules
from evaluations.rules import Answer, Bounds, Evaluator, Infeasible

D = Decimal


def _check(assignment, evaluators, units, bounds):
    per_unit = Counter(unit for rated in assignment.values() for unit in rated)
    for evaluator in evaluators:
        rated = assignment[evaluator.key]
        assert bounds.evaluator_min <= len(rated) <= bounds.evaluator_max
        assert not rated & evaluator.own
    for unit in units:
        assert bounds.unit_min <= per_unit[unit] <= bounds.unit_max
    assert rules.assignment_problems(assignment, evaluators, units, bounds) == []


def chuzhou(leaders: int = 50, units: int = 150, seed: int = 7):
    """About Chuzhou's size: 50 leaders, 150 units; every leader works in one unit (which
    they may not rate) and is responsible for 3–8 others."""
    rng = random.Random(seed)
    unit_keys = list(range(1000, 1000 + units))
    evaluators = []
    for key in range(leaders):
        own = rng.choice(unit_keys)
        responsible = frozenset(rng.sample([u for u in unit_keys if u != own], rng.randint(3, 8)))
        evaluators.append(Evaluator(key, frozenset({own}), responsible))
    return evaluators, unit_keys


def test_chuzhou_sized_assignment_meets_every_bound_and_keeps_leaders_off_their_own_unit():
    evaluators, units = chuzhou()
    bounds = Bounds(20, 25, 8, 9)
    assignment = rules.assignment_propose(evaluators, units, bounds)
    _check(assignment, evaluators, units, bounds)


def test_the_assignment_gives_every_leader_all_the_units_they_are_responsible_for_when_the_bounds_allow():
    evaluators, units = chuzhou()
    assignment = rules.assignment_propose(evaluators, units, Bounds(20, 25, 8, 9))
    # 3–8 responsible units each, at most 25 rated: nothing forces one out.
    for evaluator in evaluators:
        assert evaluator.prefers <= assignment[evaluator.key]


@pytest.mark.parametrize("leaders, units, bounds", [
    (50, 150, Bounds(20, 25, 8, 9)),  # Chuzhou
    (60, 150, Bounds(20, 25, 8, 9)),  # more leaders: each rates fewer
    (12, 30, Bounds(20, 25, 8, 9)),  # a district: 12 leaders, 30 units (12×20=240 ≤ 30×9=270; 30×8=240 ≤ 12×25=300)
    (9, 40, Bounds(5, 40, 1, 9)),  # loose bounds
])
def test_assignments_of_realistic_sizes_meet_their_bounds(leaders, units, bounds):
    evaluators, unit_keys = chuzhou(leaders, units, seed=leaders)
    _check(rules.assignment_propose(evaluators, unit_keys, bounds), evaluators, unit_keys, bounds)


def test_too_few_leaders_are_refused_with_the_arithmetic():
    evaluators, units = chuzhou(40, 150)
    with pytest.raises(Infeasible) as refused:
        rules.assignment_propose(evaluators, units, Bounds(20, 25, 8, 9))
    # 40 × 25 = 1000 ratings at most; 150 × 8 = 1200 needed.
    (problem,) = refused.value.problems
    assert problem.facts["most"] == 1000 and problem.facts["least"] == 1200
    assert "评议人不够" in str(refused.value)


def test_too_few_units_are_refused_with_the_arithmetic():
    evaluators, units = chuzhou(50, 100)
    with pytest.raises(Infeasible) as refused:
        rules.assignment_propose(evaluators, units, Bounds(20, 25, 8, 9))
    # 100 × 9 = 900 at most; 50 × 20 = 1000 needed.
    assert refused.value.problems[0].facts == {
        "units": 100, "unit_max": 9, "most": 900, "evaluators": 50, "evaluator_min": 20, "least": 1000}


def test_a_unit_that_too_many_evaluators_work_for_is_named():
    # Five evaluators, four of them work in unit 1: it can have one evaluator, not two.
    evaluators = [Evaluator(k, frozenset({1}) if k < 4 else frozenset()) for k in range(5)]
    with pytest.raises(Infeasible) as refused:
        rules.assignment_propose(evaluators, [1, 2, 3], Bounds(1, 3, 2, 5), unit_names={1: "区财政局"})
    assert "区财政局" in str(refused.value)
    assert refused.value.problems[0].facts["eligible"] == 1


@pytest.mark.parametrize("bounds, message", [
    (Bounds(25, 20, 8, 9), "每位评议人评议的单位数"),
    (Bounds(20, 25, 0, 9), "每个单位的评议人数"),
])
def test_bounds_that_contradict_themselves_are_refused(bounds, message):
    problems = rules.bounds_problems(bounds, evaluators=50, units=150)
    assert message in problems[0].message


def test_a_hand_adjusted_assignment_reports_what_it_breaks():
    evaluators = [Evaluator(1, frozenset({10})), Evaluator(2)]
    assignment = {1: {10, 11}, 2: {11}}
    problems = rules.assignment_problems(assignment, evaluators, [10, 11, 12], Bounds(2, 2, 1, 2),
                                         names={1: "张三", 2: "李四"}, unit_names={10: "甲", 11: "乙", 12: "丙"})
    texts = [p.message % dict(p.facts) for p in problems]
    assert texts == [
        "评议人“张三”不能评议本单位“甲”",
        "评议人“李四”安排了1个单位，应为2至2个",
        "单位“丙”安排了0位评议人，应为1至2位",
    ]


# Results of a round ----------------------------------------------------------------------


def test_a_units_score_is_the_mean_with_extra_sheet_answers_at_their_own_weight():
    answers = [Answer(7, 1, D(100)), Answer(7, 2, D(85)), Answer(7, 3, D(70)), Answer(7, 4, D(50), extra=True)]
    (result,) = rules.round_results(answers, units=[7], extra_weight=D("0.5"), min_answers=3).values()
    # (100 + 85 + 70 + 0.5 × 50) ÷ 3.5 = 280 ÷ 3.5 = 80.00
    assert result.score == D("80.00")
    assert (result.evaluators, result.extra, result.too_few) == (4, 1, False)
    assert (result.low, result.high) == (D(50), D(100))
    # mean 76.25; squares 564.0625 + 76.5625 + 39.0625 + 689.0625 = 1368.75; ÷ 4 = 342.1875; √ = 18.50
    assert result.spread == D("18.50")


def test_extra_sheet_answers_at_weight_zero_do_not_count():
    answers = [Answer(7, 1, D(90)), Answer(7, 2, D(10), extra=True)]
    assert rules.round_results(answers, units=[7], extra_weight=D(0), min_answers=1)[7].score == D("90.00")


def test_a_unit_with_fewer_answers_than_the_round_asks_is_flagged_and_one_without_any_has_no_score():
    results = rules.round_results([Answer(7, 1, D(90))], units=[7, 8], extra_weight=D(1), min_answers=8)
    assert results[7].too_few and results[7].score == D("90.00")
    assert results[8].too_few and results[8].score is None and results[8].evaluators == 0


@pytest.mark.parametrize("grade, points", [(0, D(100)), (1, D(85)), (2, D(70)), (3, D(50))])
def test_grades_map_to_their_points(grade, points):
    assert rules.answer_points(scale=rules.Scale.GRADE, grade=grade) == points


@pytest.mark.parametrize("points, ok", [
    ((D(100), D(85), D(70), D(50)), True),
    ((D(100), D(100), D(0), D(0)), True),
    ((D(90), D(95), D(70), D(50)), False),  # 较好 above 好
    ((D(100), D(85), D(70), D(-1)), False),
    ((D(100), D(85), D(70)), False),
])
def test_grade_points_must_fall_from_the_best_grade(points, ok):
    assert (rules.grade_points_problems(points) == []) is ok


@pytest.mark.parametrize("weights, ok", [
    ({"市领导评议": D(50), "县市区评议": D(30), "企业和群众评议": D(20)}, True),
    ({"市领导评议": D(50), "县市区评议": D(30)}, False),
    ({"市领导评议": D(100), "县市区评议": D(0)}, False),
])
def test_the_weights_feeding_one_item_add_up_to_100(weights, ok):
    assert (rules.weights_problems("3.1", weights) == []) is ok


# The survey ------------------------------------------------------------------------------


def test_a_surveys_result_has_the_mean_the_distribution_and_a_t_interval():
    # 4 × 非常满意 (100), 4 × 满意 (80), 2 × 基本满意 (60): mean (400 + 320 + 120) ÷ 10 = 84.
    (result,) = rules.survey_results({5: (4, 4, 2, 0, 0)}, agencies=[5], min_responses=5).values()
    assert (result.responses, result.mean, result.too_few) == (10, D("84.00"), False)
    # variance: (4 × 256 + 4 × 16 + 2 × 576) ÷ 9 = 2240 ÷ 9 = 248.89; s = 15.776;
    # t(9) = 2.262; half = 2.262 × 15.776 ÷ √10 = 11.285 → 72.72 … 95.28
    assert (result.low, result.high) == (D("72.72"), D("95.28"))


def test_an_agency_without_responses_is_flagged_and_has_no_mean():
    result = rules.survey_results({}, agencies=[5], min_responses=30)[5]
    assert result.responses == 0 and result.mean is None and result.too_few


def test_the_interval_stays_within_the_scale():
    result = rules.survey_results({5: (1, 0, 0, 0, 1)}, agencies=[5], min_responses=1)[5]
    assert result.low == D(0) and result.high == D(100)


@pytest.mark.parametrize("typed, stored", [
    ("abcd-efgh-jk", "ABCDEFGHJK"),
    (" ABCD EFGH JK ", "ABCDEFGHJK"),
    ("ABCDEFGHJ0", None),  # no 0 in our codes
    ("ABCDEFGHJ", None),
    ("ABCDEFGHJK\x00", None),
])
def test_invitation_codes_as_typed(typed, stored):
    assert rules.code_clean(typed) == stored


# The scorecard's 评议 method --------------------------------------------------------------


def _item(points: str = "10") -> card_rules.Item:
    return card_rules.Item("3.1", "评议", D(points), parent="3", method=card_rules.EVALUATION)


def test_the_scorecard_weighs_the_rounds_and_takes_a_share_of_the_items_points():
    appraisal = card_rules.Appraisal((
        card_rules.RoundScore("市领导评议", D(50), D("92.00"), 8),
        card_rules.RoundScore("县市区评议", D(30), D("88.00"), 9),
        card_rules.RoundScore("企业和群众评议", D(20), D("80.00"), 120),
    ))
    scored = card_rules.score_evaluation(_item(), card_rules.Result("U1", "3.1", appraisal=appraisal),
                                         card_rules.Context())
    # (50 × 92 + 30 × 88 + 20 × 80) ÷ 100 = (4600 + 2640 + 1600) ÷ 100 = 88.40; × 10 ÷ 100 = 8.84
    assert scored.score == D("8.84")
    assert card_rules.render(scored.explanation) == (
        "评议市领导评议 (50%) 92.00、县市区评议 (30%) 88.00、企业和群众评议 (20%) 80.00，共137人次："
        "加权得分88.40（百分制）× 10分 = 8.84分")


def test_a_round_without_a_result_drops_out_and_the_others_make_up_its_weight():
    appraisal = card_rules.Appraisal((
        card_rules.RoundScore("市领导评议", D(50), D("92.00"), 8),
        card_rules.RoundScore("县市区评议", D(30), D("88.00"), 9),
    ), missing=("企业和群众评议",))
    scored = card_rules.score_evaluation(_item("5"), card_rules.Result("U1", "3.1", appraisal=appraisal),
                                         card_rules.Context())
    # (50 × 92 + 30 × 88) ÷ 80 = 7240 ÷ 80 = 90.50; × 5 ÷ 100 = 4.525 → 4.53
    assert scored.score == D("4.53")
    assert "企业和群众评议无结果" in card_rules.render(scored.explanation)
