"""The year-end roll-up on the database: hand-made cases whose arithmetic can be checked
by eye, and the promise that the number of queries does not grow with the data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.models import Organisation
from ratings import rules, services
from assessment import services as scoring
from assessment.models import GradeAdjustment, YearScore
from ratings.models import Period, Rating, RuleBook
from tests.factories import (
    CategoryFactory,
    JurisdictionFactory,
    OrganisationFactory,
    PeriodFactory,
    RatingFactory,
    RuleBookFactory,
    default_jurisdiction,
)

YEAR = 2026


def give(unit, dept, month: int, *kinds: str, year: int = YEAR) -> None:
    """Approved ratings as stored after escalation (``outcome`` already decided)."""
    period = PeriodFactory(jurisdiction=unit.jurisdiction, year=year, month=month)
    for kind in kinds:
        RatingFactory(period=period, department=dept, unit=unit, kind=kind, outcome=kind, status=Rating.Status.APPROVED)


def rollup(**kwargs) -> dict[str, YearScore]:
    kwargs.setdefault("jurisdiction", default_jurisdiction())
    kwargs.setdefault("year", YEAR)
    scoring.year_rollup(**kwargs)
    return {s.unit.code: s for s in YearScore.objects.filter(year=kwargs["year"]).select_related("unit")}


F, Y, R = rules.RED_FLAG, rules.YELLOW_LIGHT, rules.RED_LIGHT


@pytest.fixture
def towns(db):
    category = CategoryFactory(name="镇")
    return [OrganisationFactory(code=f"T{i}", name=f"镇{i}", category=category) for i in range(1, 5)]


@pytest.fixture
def streets(db):
    category = CategoryFactory(name="街道")
    return [OrganisationFactory(code=f"S{i}", name=f"街道{i}", category=category) for i in range(1, 3)]


def test_counts_and_points_follow_the_rule_book(dept_a, towns):
    RuleBookFactory(year=YEAR)
    give(towns[0], dept_a, 1, F, F, F)
    give(towns[0], dept_a, 2, Y)
    give(towns[0], dept_a, 3, R)
    scores = rollup()
    t1 = scores["T1"]
    assert (t1.red_flags, t1.yellow_lights, t1.red_lights) == (3, 1, 1)
    assert t1.points == Decimal("0.00")  # 3 × 0.5 − 0.5 − 1
    assert scores["T2"].points == Decimal("0") and scores["T2"].red_flags == 0


def test_the_bonus_cap_holds_the_points_but_not_the_count(dept_a, towns):
    RuleBookFactory(year=YEAR, bonus_cap=Decimal("1"), deduction_cap=Decimal("1.5"))
    give(towns[0], dept_a, 1, F, F, F, F, F)
    give(towns[1], dept_a, 1, R, R, Y)
    scores = rollup()
    assert scores["T1"].red_flags == 5 and scores["T1"].points == Decimal("1")
    assert scores["T2"].points == Decimal("-1.5")


def test_ties_share_a_rank_and_the_next_rank_is_skipped(dept_a, towns, streets):
    give(towns[0], dept_a, 1, F, F)
    give(towns[1], dept_a, 1, F, F)
    give(towns[2], dept_a, 1, F)
    give(streets[0], dept_a, 1, F, F, F)
    scores = rollup()
    assert [scores[c].rank_overall for c in ("S1", "T1", "T2", "T3", "T4", "S2")] == [1, 2, 2, 4, 5, 5]
    # Within the category of towns the two tied towns are both first.
    assert [scores[c].rank_in_category for c in ("T1", "T2", "T3", "T4")] == [1, 1, 3, 4]
    assert [scores[c].rank_in_category for c in ("S1", "S2")] == [1, 2]


def test_grades_by_share_count_within_each_category(dept_a, towns, streets):
    RuleBookFactory(year=YEAR, grading_method="share", excellent_share=25, good_share=50, poor_share=25,
                    grading_by_category=True)
    for town, flags in zip(towns, (4, 3, 2, 1)):
        give(town, dept_a, 1, *[F] * flags)
    give(streets[0], dept_a, 1, F)
    scores = rollup()
    assert [scores[c].grade for c in ("T1", "T2", "T3", "T4")] == ["excellent", "good", "good", "poor"]
    # Two streets: 25% of 2 rounds down to nobody excellent and nobody poor, 75% to one.
    assert [scores[c].grade for c in ("S1", "S2")] == ["good", "fair"]


def test_grades_by_share_count_across_all_units_by_default(dept_a, towns, streets):
    RuleBookFactory(year=YEAR)  # at most 30% 优秀, the next 40% 良好, at most 10% 较差
    for unit, flags in zip(towns + streets, (6, 5, 4, 3, 2, 1)):
        give(unit, dept_a, 1, *[F] * flags)
    scores = rollup()
    # Six units: 30% is one 优秀, 70% is four up to 良好, 10% is nobody 较差.
    assert [scores[c].grade for c in ("T1", "T2", "T3", "T4", "S1", "S2")] == [
        "excellent", "good", "good", "good", "fair", "fair"]


def test_grades_by_threshold_use_the_rule_books_lines(dept_a, towns):
    RuleBookFactory(year=YEAR, grading_method="threshold", excellent_min_points=Decimal("1"),
                    good_min_points=Decimal("0"), fair_min_points=Decimal("-1"))
    give(towns[0], dept_a, 1, F, F)
    give(towns[1], dept_a, 1, Y)
    give(towns[2], dept_a, 1, R, Y)
    scores = rollup()
    assert [scores[c].grade for c in ("T1", "T2", "T3", "T4")] == ["excellent", "fair", "poor", "good"]


def test_a_veto_keeps_a_top_unit_out_of_excellent_but_keeps_its_points(dept_a, towns):
    RuleBookFactory(year=YEAR, grading_method="threshold")
    give(towns[0], dept_a, 1, F, F, F, F, F, F)
    scoring.grade_adjustment_record(unit=towns[0], year=YEAR, kind="veto", reason="主要负责人违纪被查处")
    t1 = rollup()["T1"]
    assert t1.points == Decimal("3") and t1.rank_overall == 1
    assert t1.grade_by_points == "excellent" and t1.grade == "good"
    assert t1.veto_applied and not t1.promotion_applied


def test_a_promotion_makes_a_unit_excellent_whatever_its_points(dept_a, towns):
    RuleBookFactory(year=YEAR, grading_method="threshold")
    give(towns[3], dept_a, 1, Y, Y, Y)
    scoring.grade_adjustment_record(unit=towns[3], year=YEAR, kind="promotion", reason="省级考核位列前三")
    t4 = rollup()["T4"]
    assert t4.points == Decimal("-1.5") and t4.grade_by_points == "fair"
    assert t4.grade == "excellent" and t4.promotion_applied


def test_a_veto_outweighs_a_promotion(dept_a, towns):
    RuleBookFactory(year=YEAR, grading_method="threshold")
    scoring.grade_adjustment_record(unit=towns[0], year=YEAR, kind="promotion", reason="省级考核位列前三")
    scoring.grade_adjustment_record(unit=towns[0], year=YEAR, kind="veto", reason="主要负责人违纪被查处")
    t1 = rollup()["T1"]
    assert t1.grade == "good" and t1.veto_applied and not t1.promotion_applied


def test_recording_an_adjustment_regrades_the_stored_score_at_once(alice, dept_a, towns):
    RuleBookFactory(year=YEAR, grading_method="threshold")
    give(towns[0], dept_a, 1, F, F, F, F)
    assert rollup()["T1"].grade == "excellent"
    adjustment = scoring.grade_adjustment_record(unit=towns[0], year=YEAR, kind="veto", reason="违纪", by=alice)
    assert YearScore.objects.get(unit=towns[0]).grade == "good"
    assert adjustment.history.first().history_user == alice
    scoring.grade_adjustment_delete(adjustment=adjustment, by=alice)
    assert YearScore.objects.get(unit=towns[0]).grade == "excellent"


def test_an_adjustment_needs_a_reason(towns):
    with pytest.raises(ValidationError) as exc:
        scoring.grade_adjustment_record(unit=towns[0], year=YEAR, kind="veto", reason="  ")
    assert "reason" in exc.value.message_dict
    assert not GradeAdjustment.objects.exists()


def test_only_the_office_records_adjustments(bob, leo, towns):
    for user in (bob, leo):
        with pytest.raises(PermissionDenied):
            scoring.grade_adjustment_record(unit=towns[0], year=YEAR, kind="veto", reason="违纪", by=user)


def test_escalated_lights_count_as_red_lights(alice, bob, dept_a, towns):
    """Yellow in January and February: the February light is counted as red."""
    for month in (1, 2):
        period = PeriodFactory(year=YEAR, month=month)
        rating = services.rating_record(period=period, department=dept_a, unit=towns[0], kind=Y,
                                        reason="群众反映多次未处理", by=bob, submit=True)
        services.rating_approve(rating=rating, by=alice)
    t1 = rollup()["T1"]
    assert (t1.red_flags, t1.yellow_lights, t1.red_lights) == (0, 1, 1)
    assert t1.points == Decimal("-1.5")


def test_a_serious_impact_light_counts_as_red(alice, bob, dept_a, towns):
    period = PeriodFactory(year=YEAR, month=5)
    rating = services.rating_record(period=period, department=dept_a, unit=towns[0], kind=Y, serious_impact=True,
                                    reason="造成较大影响", by=bob, submit=True)
    services.rating_approve(rating=rating, by=alice)
    assert rollup()["T1"].red_lights == 1


def test_only_approved_ratings_of_the_year_and_jurisdiction_count(dept_a, towns):
    give(towns[0], dept_a, 1, F)
    give(towns[0], dept_a, 12, F, year=YEAR - 1)
    RatingFactory(period=PeriodFactory(year=YEAR, month=2), department=dept_a, unit=towns[0], kind=F,
                  status=Rating.Status.SUBMITTED)
    elsewhere = JurisdictionFactory(code="other")
    OrganisationFactory(jurisdiction=elsewhere, code="X1")
    scores = rollup()
    assert scores["T1"].red_flags == 1
    assert "X1" not in scores


def test_departments_that_are_not_units_get_no_score(dept_a, towns):
    give(towns[0], dept_a, 1, F)
    assert dept_a.code not in rollup()


def test_a_retired_unit_keeps_its_score_for_a_year_it_was_rated(dept_a, towns):
    give(towns[0], dept_a, 3, F, F)
    towns[0].is_active, towns[0].retired_on = False, date(YEAR, 6, 30)
    towns[0].save()
    towns[1].is_active = False  # retired without a rating this year: not assessed
    towns[1].save()
    scores = rollup()
    assert scores["T1"].red_flags == 2 and scores["T1"].rank_overall == 1
    assert "T2" not in scores
    assert "T1" in rollup()  # and again


def test_a_unit_retired_after_the_year_is_scored_for_it(dept_a, towns):
    towns[1].is_active, towns[1].retired_on = False, date(YEAR + 1, 3, 1)
    towns[1].save()
    assert "T2" in rollup()


def test_a_year_to_date_rollup_counts_the_months_so_far(dept_a, towns):
    give(towns[0], dept_a, 1, F)
    give(towns[0], dept_a, 2, Y)
    give(towns[0], dept_a, 3, F, F)
    t1 = rollup(through_month=2)["T1"]
    assert (t1.red_flags, t1.yellow_lights, t1.through_month, t1.is_year_to_date) == (1, 1, 2, True)
    t1 = rollup()["T1"]
    assert (t1.red_flags, t1.yellow_lights, t1.through_month) == (3, 1, 3)
    assert t1.is_year_to_date  # December is not closed yet


def test_the_whole_year_is_final_once_december_is_closed(dept_a, towns):
    give(towns[0], dept_a, 12, F)
    Period.objects.filter(month=12).update(status=Period.Status.CLOSED)
    t1 = rollup()["T1"]
    assert t1.through_month == 12 and not t1.is_year_to_date


def test_the_score_names_the_rule_book_version_and_time(dept_a, towns):
    rulebook = RuleBookFactory(year=YEAR)
    RuleBook.objects.filter(pk=rulebook.pk).update(version=3)
    result = scoring.year_rollup(jurisdiction=default_jurisdiction(), year=YEAR)
    score = YearScore.objects.get(unit=towns[0])
    assert (score.rulebook_id, score.rulebook_version) == (rulebook.pk, 3)
    assert score.computed_at == result.computed_at
    assert result.units == 4


def test_a_year_without_a_rule_book_uses_the_defaults(dept_a, towns):
    give(towns[0], dept_a, 1, F, F)
    t1 = rollup()["T1"]
    assert t1.points == Decimal("1") and t1.rulebook is None


def test_running_it_again_gives_the_same_rows(dept_a, towns, streets):
    give(towns[0], dept_a, 1, F, Y)
    give(streets[1], dept_a, 2, R)
    scoring.grade_adjustment_record(unit=towns[2], year=YEAR, kind="promotion", reason="省级前三")
    fields = [f.attname for f in YearScore._meta.concrete_fields if f.name != "computed_at"]
    rollup()
    first = list(YearScore.objects.order_by("pk").values_list(*fields))
    rollup()
    assert list(YearScore.objects.order_by("pk").values_list(*fields)) == first


def test_a_unit_that_left_the_rollup_loses_its_row(dept_a, towns):
    rollup()
    Organisation.objects.filter(pk=towns[3].pk).update(is_active=False)
    assert "T4" not in rollup()
    assert YearScore.objects.count() == 3


def test_the_month_must_be_a_month(towns):
    with pytest.raises(ValidationError):
        scoring.year_rollup(jurisdiction=default_jurisdiction(), year=YEAR, through_month=13)


def make_district(size: int) -> None:
    """``size`` units in two categories, each with ratings of every kind over three months."""
    jurisdiction = default_jurisdiction()
    dept = OrganisationFactory(code="DEPT", is_department=True, is_unit=False)
    categories = [CategoryFactory(name="镇"), CategoryFactory(name="街道")]
    units = Organisation.objects.bulk_create(
        Organisation(jurisdiction=jurisdiction, code=f"B{i:04d}", name=f"单位{i}", category=categories[i % 2])
        for i in range(size)
    )
    periods = [PeriodFactory(year=YEAR, month=m) for m in (1, 2, 3)]
    kinds = (F, F, Y, R)
    Rating.objects.bulk_create(
        Rating(period=periods[(i + j) % 3], department=dept, unit=unit, kind=kinds[(i + j) % 4],
               outcome=kinds[(i + j) % 4], status=Rating.Status.APPROVED, reason="事由")
        for i, unit in enumerate(units) for j in range(i % 5)
    )
    GradeAdjustment.objects.create(jurisdiction=jurisdiction, unit=units[0], year=YEAR, kind="veto", reason="违纪")
    RuleBookFactory(year=YEAR)


@pytest.mark.parametrize("size", [50, 500])
def test_the_number_of_queries_does_not_grow_with_units_or_ratings(size, db, django_assert_max_num_queries):
    make_district(size)
    jurisdiction = default_jurisdiction()
    # rule book, months, counts, units, adjustments, scorecard, stored rows, updates or
    # inserts (on PostgreSQL, from a temporary table made for them), stale rows, and a
    # savepoint with its release
    with django_assert_max_num_queries(12):
        scoring.year_rollup(jurisdiction=jurisdiction, year=YEAR)
    assert YearScore.objects.count() == size
    assert Rating.objects.count() >= size * 2 - 5


@pytest.mark.django_db
def test_a_small_and_a_large_district_take_the_same_queries():
    make_district(50)
    jurisdiction = default_jurisdiction()
    scoring.year_rollup(jurisdiction=jurisdiction, year=YEAR)  # each measure re-runs: rows are updated
    with CaptureQueriesContext(connection) as small:
        scoring.year_rollup(jurisdiction=jurisdiction, year=YEAR)
    # Ten times the units and more ratings.
    Organisation.objects.bulk_create(
        Organisation(jurisdiction=default_jurisdiction(), code=f"C{i:04d}", name=f"新单位{i}") for i in range(450)
    )
    Rating.objects.bulk_create(
        Rating(period=Period.objects.get(year=YEAR, month=1), department=Organisation.objects.get(code="DEPT"),
               unit=unit, kind=F, outcome=F, status=Rating.Status.APPROVED, reason="事由")
        for unit in Organisation.objects.filter(code__startswith="C") for _ in range(3)
    )
    scoring.year_rollup(jurisdiction=jurisdiction, year=YEAR)
    with CaptureQueriesContext(connection) as large:
        scoring.year_rollup(jurisdiction=jurisdiction, year=YEAR)
    assert YearScore.objects.count() == 500
    assert len(large) == len(small)


def test_the_rollup_reads_its_counts_with_one_aggregate_query(dept_a, towns):
    give(towns[0], dept_a, 1, F)
    with CaptureQueriesContext(connection) as queries:
        rollup()
    rating_reads = [q["sql"] for q in queries if 'FROM "ratings_rating"' in q["sql"]]
    assert len(rating_reads) == 1
    assert "GROUP BY" in rating_reads[0] and "COUNT(" in rating_reads[0]


@pytest.mark.parametrize("fields, error_field", [
    ({"excellent_min_points": Decimal("0"), "good_min_points": Decimal("1")}, "good_min_points"),
    ({"good_min_points": Decimal("-3"), "fair_min_points": Decimal("-2")}, "good_min_points"),
    ({"excellent_share": 60, "good_share": 40, "poor_share": 10}, "poor_share"),
])
def test_a_rule_book_refuses_grading_settings_that_contradict_themselves(db, fields, error_field):
    rulebook = RuleBook(jurisdiction=default_jurisdiction(), year=YEAR, **fields)
    with pytest.raises(ValidationError) as exc:
        rulebook.full_clean()
    assert error_field in exc.value.message_dict


def test_a_rule_book_hands_its_grading_settings_to_the_rules(db):
    rulebook = RuleBookFactory(year=YEAR, grading_method="threshold", excellent_min_points=Decimal("3"),
                               excellent_share=20, grading_by_category=True)
    grading = rulebook.as_grading()
    assert (grading.method, grading.excellent_min, grading.excellent_share, grading.by_category) == (
        rules.BY_THRESHOLD, Decimal("3"), 20, True)
