"""A province's year-end roll-up in one pass (``assessment.services.province_rollup`` and
``manage.py rollup_province``): every district gets exactly the rows its own roll-up
gives it, in the same number of queries however many districts there are.

Three districts that differ where a mix-up would show: 甲区 has a rule book of its own
(a red flag is worth 2 points) and a veto, 乙区 the default rules, a unit that moved in
from 甲区 (its ratings stay in 甲区's months) and a retired unit; 丙区 has no ratings
at all, only units in service.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment import services
from assessment.importing import import_scorecard, read_scorecard_file
from assessment.models import GradeAdjustment, RollupRun, YearScore
from departments.models import Jurisdiction, Organisation
from ratings import rules
from ratings.models import Rating
from tests.factories import (
    CategoryFactory, DepartmentFactory, JurisdictionFactory, OrganisationFactory, PeriodFactory, RatingFactory,
    RuleBookFactory,
)

YEAR = 2026
F, Y, R = rules.RED_FLAG, rules.YELLOW_LIGHT, rules.RED_LIGHT
FIELDS = ("category_id", "red_flags", "yellow_lights", "red_lights", "points", "rank_overall", "rank_in_category",
          "grade_by_points", "grade", "veto_applied", "promotion_applied", "composite_total", "composite_rank",
          "composite_detail", "rulebook_id", "rulebook_version", "is_year_to_date", "through_month")


def district(code: str, name: str, units: int):
    place = JurisdictionFactory(code=code, name=name)
    towns = CategoryFactory(jurisdiction=place, name="镇")
    streets = CategoryFactory(jurisdiction=place, name="街道")
    dept = DepartmentFactory(jurisdiction=place, code=f"{code}-D")
    made = [OrganisationFactory(jurisdiction=place, code=f"{code}-U{i}", name=f"{name}单位{i}",
                                category=towns if i % 2 else streets) for i in range(units)]
    for month in range(1, 13):
        PeriodFactory(jurisdiction=place, year=YEAR, month=month, status="closed")
    return place, dept, made


def give(place, dept, unit, month: int, *kinds: str) -> None:
    period = PeriodFactory(jurisdiction=place, year=YEAR, month=month)
    for kind in kinds:
        RatingFactory(period=period, department=dept, unit=unit, kind=kind, outcome=kind, status=Rating.Status.APPROVED)


@pytest.fixture
def province(db):
    Jurisdiction.objects.filter(code="default").update(is_active=False)  # the installation's first, unused here
    jia, jia_dept, jia_units = district("jia", "甲区", 6)
    yi, yi_dept, yi_units = district("yi", "乙区", 5)
    bing, _dept, _units = district("bing", "丙区", 3)
    RuleBookFactory(jurisdiction=jia, year=YEAR, red_flag_points=Decimal("2"), bonus_cap=Decimal("10"))
    for i, unit in enumerate(jia_units):
        give(jia, jia_dept, unit, 1 + i, *([F] * i))
        give(jia, jia_dept, unit, 7, *([Y] * (i % 3)))
    give(jia, jia_dept, jia_units[5], 9, R)
    GradeAdjustment.objects.create(jurisdiction=jia, unit=jia_units[5], year=YEAR, kind="veto", reason="违纪")
    for i, unit in enumerate(yi_units):
        give(yi, yi_dept, unit, 2, *([F] * (4 - i)), *([Y] * (i // 2)))
    # Moved from 甲区 to 乙区 in the summer: its spring ratings count in 甲区's months.
    moved = jia_units[3]
    moved.jurisdiction, moved.category = yi, CategoryFactory(jurisdiction=yi, name="镇")
    moved.save()
    retired = yi_units[4]
    retired.is_active, retired.retired_on = False, date(YEAR, 6, 30)
    retired.save()
    return [jia, yi, bing]


def rows(places) -> dict[tuple[str, str], tuple]:
    return {
        (score.jurisdiction.code, score.unit.code): tuple(getattr(score, name) for name in FIELDS)
        for score in YearScore.objects.filter(jurisdiction__in=places, year=YEAR).select_related("jurisdiction", "unit")
    }


def each_alone(places) -> dict[tuple[str, str], tuple]:
    for place in places:
        services.year_rollup(jurisdiction=place, year=YEAR)
    return rows(places)


def test_every_district_gets_the_rows_its_own_roll_up_gives_it(province):
    alone = each_alone(province)
    YearScore.objects.all().delete()

    outcome = services.province_rollup(jurisdictions=province, year=YEAR)

    assert rows(province) == alone
    assert outcome.refused == {}
    assert [outcome.results[place.pk].units for place in province] == [5, 6, 3]  # 甲区 lost, 乙区 gained a unit
    # And a second run, which updates the rows in place, still gives the same rows.
    services.province_rollup(jurisdictions=province, year=YEAR)
    assert rows(province) == alone


def test_each_district_is_scored_by_its_own_rule_book_and_adjustments(province):
    jia, yi, _bing = province
    services.province_rollup(jurisdictions=province, year=YEAR)
    got = rows(province)
    points, grade = FIELDS.index("points"), FIELDS.index("grade")
    assert got["jia", "jia-U2"][points] == Decimal("3.00")  # two red flags at 2 points, two yellow lights at -0.5
    assert got["yi", "yi-U0"][points] == Decimal("2.00")  # four red flags at the default 0.5
    assert got["jia", "jia-U5"][FIELDS.index("veto_applied")] is True  # 甲区's best, vetoed: 良好 at best
    assert (got["jia", "jia-U5"][FIELDS.index("grade_by_points")], got["jia", "jia-U5"][grade]) == ("excellent", "good")
    assert ("jia", "jia-U3") not in got and got["yi", "jia-U3"][FIELDS.index("red_flags")] == 0
    assert got["yi", "yi-U4"][FIELDS.index("red_flags")] == 0  # retired mid-year, yet rated: kept
    assert {key for key in got if key[0] == "bing"} == {("bing", f"bing-U{i}") for i in range(3)}


def test_a_unit_that_left_a_district_loses_its_row_there(province):
    jia, yi, bing = province
    services.province_rollup(jurisdictions=province, year=YEAR)
    leaver = OrganisationFactory.create(jurisdiction=bing, code="bing-U9", name="丙区单位9",
                                        category=CategoryFactory(jurisdiction=bing, name="镇"))
    services.province_rollup(jurisdictions=province, year=YEAR)
    assert ("bing", "bing-U9") in rows(province)
    leaver.jurisdiction, leaver.category = yi, CategoryFactory(jurisdiction=yi, name="镇")
    leaver.save()
    services.province_rollup(jurisdictions=province, year=YEAR)
    got = rows(province)
    assert ("bing", "bing-U9") not in got and ("yi", "bing-U9") in got


def test_no_district_is_no_work(province, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert services.province_rollup(jurisdictions=[], year=YEAR) == services.ProvinceRollup({}, {})


def test_the_number_of_queries_does_not_grow_with_the_districts(province):
    services.province_rollup(jurisdictions=province[:1], year=YEAR)
    services.province_rollup(jurisdictions=province, year=YEAR)
    with CaptureQueriesContext(connection) as one:
        services.province_rollup(jurisdictions=province[:1], year=YEAR)
    with CaptureQueriesContext(connection) as three:
        services.province_rollup(jurisdictions=province, year=YEAR)
    assert len(three) == len(one)


def test_the_roll_up_of_one_district_leaves_the_others_alone(province):
    jia, yi, bing = province
    services.province_rollup(jurisdictions=province, year=YEAR)
    before = {key: value for key, value in rows(province).items() if key[0] != "jia"}
    computed = dict(YearScore.objects.exclude(jurisdiction=jia).values_list("pk", "computed_at"))
    give(yi, DepartmentFactory(jurisdiction=yi, code="yi-D2"), Organisation.objects.get(code="yi-U1"), 11, F)

    services.year_rollup(jurisdiction=jia, year=YEAR)

    assert {key: value for key, value in rows(province).items() if key[0] != "jia"} == before
    assert dict(YearScore.objects.exclude(jurisdiction=jia).values_list("pk", "computed_at")) == computed


def test_every_districts_dashboard_is_rendered_ahead_after_the_province_roll_up(
        province, settings, django_capture_on_commit_callbacks):
    from dashboard.figures import warm

    settings.DASHBOARD_CACHE_SECONDS = 3600
    with django_capture_on_commit_callbacks(execute=True):
        services.province_rollup(jurisdictions=province, year=YEAR)
    assert [warm(jurisdiction_id=place.pk) for place in province] == [[], [], []]  # kept already
    assert warm(jurisdiction_id=Jurisdiction.objects.get(code="default").pk) == ["zh-hans", "en"]  # not rolled up


# The command -------------------------------------------------------------------------------


def test_the_command_rolls_up_every_active_district_and_records_a_run_for_each(province, capsys):
    call_command("rollup_province", str(YEAR))
    out = capsys.readouterr().out
    for name, units in (("甲区", 5), ("乙区", 6), ("丙区", 3)):
        assert f"{name} {YEAR} 年度得分已计算（全年）：{units} 个单位" in out
    assert f"全省 {YEAR} 年度得分：3 个辖区已计算，共 14 个单位" in out
    runs = RollupRun.objects.filter(year=YEAR)
    assert sorted(runs.values_list("jurisdiction__code", "status", "total", "done")) == [
        ("bing", "done", 3, 3), ("jia", "done", 5, 5), ("yi", "done", 6, 6)]
    assert all(run.started_at and run.finished_at for run in runs)


def test_the_command_takes_the_districts_it_is_given(province, capsys):
    call_command("rollup_province", str(YEAR), "--jurisdictions", "yi,bing", "--through-month", "6")
    assert set(YearScore.objects.values_list("jurisdiction__code", flat=True)) == {"yi", "bing"}
    assert set(YearScore.objects.values_list("through_month", "is_year_to_date")) == {(6, True)}
    assert "截至 6 月，年度累计" in capsys.readouterr().out


def test_an_unknown_district_is_named_and_nothing_is_computed(province):
    with pytest.raises(CommandError, match="没有编码为“ding”的辖区"):
        call_command("rollup_province", str(YEAR), "--jurisdictions", "jia,ding")
    assert not YearScore.objects.exists() and not RollupRun.objects.exists()


def test_a_district_whose_roll_up_is_under_way_stops_the_province_before_anything_is_written(province):
    jia, yi, _bing = province
    services.rollup_run_create(jurisdiction=yi, year=YEAR)
    with pytest.raises(CommandError, match="全省计算没有开始，没有写入任何得分：乙区：2026 年度得分正在计算中"):
        call_command("rollup_province", str(YEAR))
    assert not YearScore.objects.exists()
    assert RollupRun.objects.get(jurisdiction=jia).status == RollupRun.Status.FAILED
    assert RollupRun.objects.get(jurisdiction=yi).status == RollupRun.Status.QUEUED  # the other run, untouched


def test_a_district_whose_scorecard_cannot_be_scored_is_named_and_the_others_are_rolled_up(province, tmp_path):
    jia, yi, bing = province
    # 乙区's scorecard ranks its towns on an item nobody has results for yet.
    sheet = tmp_path / "card.csv"
    sheet.write_text("编码,名称,上级编码,分值,计分方式,适用类别,牵头单位,基础分\n"
                     "1,目标任务,,50,,,,\n1.1,地区生产总值,1,50,排名,镇,,\n"
                     "2,效能建设,,50,,,,\n2.1,效能亮榜,2,50,效能亮榜,,,25\n", encoding="utf-8")
    import_scorecard(read_scorecard_file(sheet), jurisdiction=yi, year=YEAR)
    with pytest.raises(services.CompositeRefused) as alone:
        services.year_rollup(jurisdiction=yi, year=YEAR)
    reason = alone.value.messages[0]

    with pytest.raises(CommandError) as caught:
        call_command("rollup_province", str(YEAR))

    assert str(caught.value).startswith("1 个辖区无法计算，其得分保持不变：\n乙区：2026 年度考核方案无法计分")
    assert set(YearScore.objects.values_list("jurisdiction__code", flat=True)) == {"jia", "bing"}
    run = RollupRun.objects.get(jurisdiction=yi)
    assert run.status == RollupRun.Status.FAILED and run.error == reason
    assert RollupRun.objects.get(jurisdiction=jia).status == RollupRun.Status.DONE
