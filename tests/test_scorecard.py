"""The composite scorecard on the database: imported from a sheet (all or nothing, row and
column named), its results imported, and the roll-up scoring every unit on it.

The district: 镇 T1–T3 and 街道 S1–S2. The scorecard (100 points):

    1   省对市目标任务 50    1.1 地区生产总值 30 排名 (镇 only)   1.2 招商引资 20 赋分, lead T1
    2   效能建设 30          2.1 效能亮榜 30 效能亮榜, base 25
    3   党建工作 20          3.1 党建考核 20 直接引用

By hand: T1 has rank 2 on 1.1 (30) and, as 1.2's lead, rank 4 (95% × 20 = 19): 49; T2
rank 5 (90% × 30 = 27) and 80% (16): 43; T3 undertakes nothing in section 1: the 镇
average (49 + 43) ÷ 2 = 46. S1 (1.1 does not apply to 街道) gets 50% of 1.2 (10), scaled
10 ÷ 20 × 50 = 25; S2 none: the 街道 average, 25. Board: T1 two red flags 25 + 1 = 26,
T2 a yellow light 24.5, the rest 25. Party building: T1 18, T2 20, T3 15, S1 19.5, S2
none: the 街道 average 19.5. Totals: T1 93, T2 87.5, T3 86, S1 69.5, S2 69.5.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from assessment import services
from assessment.importing import (
    import_results, import_scorecard, read_results_file, read_scorecard_file, scorecard_frozen,
)
from assessment.models import ItemResult, Scorecard, ScorecardItem, YearScore
from assessment.selectors import composite_lines
from departments.importing import ImportRejected
from ratings import rules
from ratings.models import Rating
from tests.factories import (
    CategoryFactory, OrganisationFactory, PeriodFactory, RatingFactory, RuleBookFactory, default_jurisdiction,
)

YEAR = 2025
SCORECARD = """编码,名称,上级编码,分值,计分方式,适用类别,牵头单位,基础分
1,省对市目标任务,,50,,,,
1.1,地区生产总值,1,30,排名,镇,,
1.2,招商引资,1,20,赋分,,T1,
2,效能建设,,30,,,,
2.1,效能亮榜,2,30,效能亮榜,,,25
3,党建工作,,20,,,,
3.1,党建考核,3,20,直接引用,,,
"""
RESULTS = """指标编码,被考核单位,排名,得分,完成数,任务数
1.1,T1,2,,,
1.1,T2,5,,,
1.2,T1,4,,,
1.2,镇2,,80,,
1.2,S1,,50,,
3.1,T1,,18,,
3.1,T2,,20,,
3.1,T3,,15,,
3.1,S1,,19.5,,
"""


@pytest.fixture
def district(db, dept_a):
    towns, streets = CategoryFactory(name="镇"), CategoryFactory(name="街道")
    units = {f"T{i}": OrganisationFactory(code=f"T{i}", name=f"镇{i}", category=towns) for i in (1, 2, 3)}
    units |= {f"S{i}": OrganisationFactory(code=f"S{i}", name=f"街道{i}", category=streets) for i in (1, 2)}
    RuleBookFactory(year=YEAR)
    period = PeriodFactory(year=YEAR, month=1)
    for unit, kind in (("T1", rules.RED_FLAG), ("T1", rules.RED_FLAG), ("T2", rules.YELLOW_LIGHT)):
        RatingFactory(period=period, department=dept_a, unit=units[unit], kind=kind, outcome=kind,
                      status=Rating.Status.APPROVED)
    return units


def sheet(tmp_path, text: str, name: str = "sheet.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_scorecard(tmp_path, text: str = SCORECARD):
    return import_scorecard(read_scorecard_file(sheet(tmp_path, text, "card.csv")), jurisdiction=default_jurisdiction(),
                            year=YEAR)


def load_results(tmp_path, text: str = RESULTS):
    return import_results(read_results_file(sheet(tmp_path, text, "results.csv")), jurisdiction=default_jurisdiction(),
                          year=YEAR)


def refusal(call) -> list[str]:
    with pytest.raises(ImportRejected) as caught:
        call()
    return caught.value.messages


def scores() -> dict[str, YearScore]:
    services.year_rollup(jurisdiction=default_jurisdiction(), year=YEAR)
    return {s.unit.code: s for s in YearScore.objects.filter(year=YEAR).select_related("unit")}


# The scorecard sheet ---------------------------------------------------------------------


def test_a_scorecard_sheet_becomes_the_years_tree(district, tmp_path):
    summary = load_scorecard(tmp_path)
    assert (summary.created, summary.updated, summary.unchanged, summary.deleted) == (7, 0, 0, 0)
    card = Scorecard.objects.get(year=YEAR)
    tree = {i.code: (i.parent.code if i.parent else "", i.points, i.method) for i in card.items.all()}
    assert tree["1.1"] == ("1", Decimal("30"), "rank") and tree["1"] == ("", Decimal("50"), "")
    assert [c.name for c in card.items.get(code="1.1").categories.all()] == ["镇"]
    assert card.items.get(code="1.2").lead_unit.code == "T1"
    assert card.items.get(code="2.1").base == Decimal("25")


def test_importing_the_same_sheet_again_changes_nothing(district, tmp_path):
    load_scorecard(tmp_path)
    before = list(ScorecardItem.objects.values_list("pk", "code", "parent_id", "order"))
    summary = load_scorecard(tmp_path)
    assert (summary.created, summary.updated, summary.unchanged, summary.deleted) == (0, 0, 7, 0)
    assert list(ScorecardItem.objects.values_list("pk", "code", "parent_id", "order")) == before


def test_an_item_left_out_of_the_sheet_is_removed_and_a_moved_one_keeps_its_id(district, tmp_path):
    load_scorecard(tmp_path)
    kept = ScorecardItem.objects.get(code="3.1").pk
    changed = SCORECARD.replace("1.1,地区生产总值,1,30,排名,镇,,\n", "").replace("1,省对市目标任务,,50", "1,省对市目标任务,,20") \
        .replace("3,党建工作,,20,,,,\n3.1,党建考核,3,20", "3,党建工作,,50,,,,\n3.1,党建考核,3,50")
    summary = load_scorecard(tmp_path, changed)
    assert summary.deleted == 1 and not ScorecardItem.objects.filter(code="1.1").exists()
    assert ScorecardItem.objects.get(code="3.1").pk == kept


def test_a_tree_that_does_not_add_up_is_refused_whole_naming_the_row_and_column(district, tmp_path):
    messages = refusal(lambda: load_scorecard(tmp_path, SCORECARD.replace("1.2,招商引资,1,20", "1.2,招商引资,1,25")))
    assert messages == ["第 2 行「分值」：下级分值合计 55 分，与本项分值 50 分不符"]
    assert not ScorecardItem.objects.exists() and not Scorecard.objects.exists()


@pytest.mark.parametrize(("change", "message"), [
    (("排名,镇", "名次,镇"), "第 3 行「计分方式」：“名次”不是计分方式，应为：排名、赋分、直接引用、完成率、效能亮榜、交办单、评议"),
    (("排名,镇", "排名,乡"), "第 3 行「适用类别」：“乡”不是本辖区的单位类别"),
    (("赋分,,T1", "赋分,,T9"), "第 4 行「牵头单位」：“T9”不是本辖区的被考核单位"),
    (("赋分,,T1", "赋分,,"), "第 4 行「牵头单位」：“赋分”指标应填写牵头单位"),
    (("效能亮榜,,,25", "效能亮榜,,,"), "第 6 行「基础分」：“效能亮榜”指标应填写基础分"),
    (("3.1,党建考核,3", "3.1,党建考核,9"), "第 8 行「上级编码」：上级编码“9”在方案中不存在"),
    (("2.1,效能亮榜", "1.1,效能亮榜"), "第 6 行「编码」：编码“1.1”与第 3 行重复"),
    (("1,省对市目标任务,,50,,", "1,省对市目标任务,,50,排名,"), "第 2 行「计分方式」：有下级的项目按下级合计计分，不填计分方式"),
    (("党建考核,3,20,直接引用", "党建考核,3,20.555,直接引用"), "第 8 行「分值」：分值最多保留两位小数"),
])
def test_a_bad_cell_is_refused_by_row_and_column_and_nothing_is_written(district, tmp_path, change, message):
    assert message in refusal(lambda: load_scorecard(tmp_path, SCORECARD.replace(*change)))
    assert not ScorecardItem.objects.exists()


def test_the_sections_must_add_up_to_the_scorecards_total(district, tmp_path):
    Scorecard.objects.create(jurisdiction=default_jurisdiction(), year=YEAR, total_points=Decimal("300"))
    assert refusal(lambda: load_scorecard(tmp_path)) == ["各部分分值合计 100 分，与方案总分 300 分不符"]


def test_the_command_imports_and_reports_in_chinese(district, tmp_path, capsys):
    call_command("import_scorecard", str(YEAR), str(sheet(tmp_path, SCORECARD)))
    assert "新建 7 项，更新 0 项，未变化 0 项，删除 0 项" in capsys.readouterr().out
    with pytest.raises(CommandError, match="导入失败，没有写入任何数据"):
        call_command("import_scorecard", str(YEAR), str(sheet(tmp_path, SCORECARD.replace(",50,", ",49,"))))


# Results ------------------------------------------------------------------------------------


def test_results_are_imported_and_a_second_import_changes_nothing(district, tmp_path):
    load_scorecard(tmp_path)
    assert load_results(tmp_path).created == 9
    again = load_results(tmp_path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 9)
    assert ItemResult.objects.get(item__code="1.2", unit__code="T2").score == Decimal("80")


@pytest.mark.parametrize(("row", "message"), [
    ("1.1,T3,,30,,", "第 11 行「得分」：本项计分方式不使用这一列，请留空"),
    ("1.1,S1,1,,,", "第 11 行「指标编码」：本项不适用于“街道”类单位"),
    ("1.2,T3,,120,,", "第 11 行「得分」：赋分是百分比，应在 0 到 100 之间"),
    ("3.1,S2,,21,,", "第 11 行「得分」：得分 21 分超过本项分值 20 分"),
    ("1,T3,1,,,", "第 11 行「指标编码」：“1”有下级指标，结果应填在下级指标上"),
    ("2.1,T3,,25,,", "第 11 行「指标编码」：“效能亮榜”指标按每月亮榜自动计分，不导入结果"),
    ("9.9,T3,1,,,", "第 11 行「指标编码」：指标编码“9.9”不在本年度考核方案中"),
    ("1.1,T1,3,,,", "第 11 行「被考核单位」：与第 2 行重复：同一单位同一指标只能有一个结果"),
    ("1.1,T3,0,,,", "第 11 行「排名」：排名应为 1 或更大的整数"),
])
def test_a_bad_result_is_refused_whole_naming_the_row_and_column(district, tmp_path, row, message):
    load_scorecard(tmp_path)
    assert message in refusal(lambda: load_results(tmp_path, RESULTS + row + "\n"))
    assert not ItemResult.objects.exists()


def test_the_lead_unit_does_not_score_itself(district, tmp_path):
    load_scorecard(tmp_path)
    messages = refusal(lambda: load_results(tmp_path, RESULTS.replace("1.2,T1,4,,,", "1.2,T1,,90,,")))
    assert messages == ["第 4 行「得分」：牵头单位不给自己赋分：牵头单位本项按全省排名计分，请填写排名"]


def test_locked_results_refuse_an_import(district, tmp_path):
    load_scorecard(tmp_path)
    Scorecard.objects.update(results_locked=True)
    assert "已锁定" in refusal(lambda: load_results(tmp_path))[0]


def test_a_scorecard_with_results_is_frozen_until_the_office_reopens_it(district, tmp_path):
    load_scorecard(tmp_path)
    load_results(tmp_path)
    card = Scorecard.objects.get(year=YEAR)
    assert scorecard_frozen(card)
    assert "已冻结" in refusal(lambda: load_scorecard(tmp_path, SCORECARD.replace("党建考核", "党建工作考核")))[0]
    card.reopened = True
    card.save()
    assert load_scorecard(tmp_path, SCORECARD.replace("党建考核", "党建工作考核")).updated == 1


# The composite roll-up ---------------------------------------------------------------------


def test_every_unit_is_scored_on_the_scorecard_as_worked_by_hand(district, tmp_path):
    load_scorecard(tmp_path)
    load_results(tmp_path)
    got = scores()
    assert {code: s.composite_total for code, s in got.items()} == {
        "T1": Decimal("93.00"), "T2": Decimal("87.50"), "T3": Decimal("86.00"),
        "S1": Decimal("69.50"), "S2": Decimal("69.50"),
    }
    # 1.1 applies to towns only: units are ranked within their category, ties share.
    assert {code: s.composite_rank for code, s in got.items()} == {"T1": 1, "T2": 2, "T3": 3, "S1": 1, "S2": 1}
    assert got["T1"].points == Decimal("1.00")  # the board's own figure stays as it was


def test_each_point_explains_itself(district, tmp_path):
    load_scorecard(tmp_path)
    load_results(tmp_path)
    got = scores()
    t1 = composite_lines(got["T1"])
    assert ("1.1 地区生产总值", "全省第2名：100% × 30分 = 30.00分") in t1
    assert ("1.2 招商引资", "牵头单位按全省第4名：95% × 20分 = 19.00分") in t1
    assert ("2.1 效能亮榜", "红旗2面、黄灯0盏、红灯0盏：基础分25分 +1.00分 = 26.00分") in t1
    assert ("1 省对市目标任务", "各项合计49.00分") in t1
    assert ("1 省对市目标任务", "未承担本项，按同类单位平均分 46.00分") in composite_lines(got["T3"])
    assert ("1 省对市目标任务", "承担项目满分20分，得10.00分，折算为本部分50分：10.00 ÷ 20 × 50分 = 25.00分") \
        in composite_lines(got["S1"])


def test_the_grade_follows_the_composite_and_a_top_rank_promotes(district, tmp_path):
    load_scorecard(tmp_path)
    load_results(tmp_path)
    Scorecard.objects.update(grading_method=rules.BY_THRESHOLD, excellent_min=90, good_min=86, fair_min=70)
    got = scores()
    assert {code: s.grade for code, s in got.items()} == {
        "T1": rules.EXCELLENT, "T2": rules.GOOD, "T3": rules.GOOD, "S1": rules.POOR, "S2": rules.POOR}
    Scorecard.objects.update(promotion_top_rank=5)  # T2 is 5th in the province on 1.1
    got = scores()
    assert got["T2"].grade == rules.EXCELLENT and got["T2"].promotion_applied
    assert got["T2"].composite_total == Decimal("87.50")  # the score never moves
    assert got["T2"].composite_detail["promotion_rank"] == {"item": "1.1", "name": "地区生产总值", "rank": 5, "top": 5}


def test_a_veto_acts_on_the_composite_grade(district, tmp_path, alice):
    load_scorecard(tmp_path)
    load_results(tmp_path)
    Scorecard.objects.update(grading_method=rules.BY_THRESHOLD, excellent_min=90, good_min=86, fair_min=70,
                             promotion_top_rank=5)
    scores()
    services.grade_adjustment_record(unit=district["T1"], year=YEAR, kind="veto", reason="一票否决", by=None)
    t1 = YearScore.objects.get(unit__code="T1", year=YEAR)
    assert t1.grade == rules.GOOD and t1.veto_applied and not t1.promotion_applied
    services.grade_adjustment_delete(adjustment=t1.unit.grade_adjustments.get(), by=None)
    t2 = YearScore.objects.get(unit__code="T2", year=YEAR)
    assert t2.grade == rules.EXCELLENT  # re-grading keeps the promotion by rank


def test_a_year_without_a_scorecard_rolls_up_as_before(district):
    got = scores()
    assert all(s.composite_total is None and s.composite_rank is None for s in got.values())
    assert got["T1"].points == Decimal("1.00")


def test_a_scorecard_that_cannot_be_scored_fails_the_roll_up_with_the_reason(district, tmp_path):
    load_scorecard(tmp_path)
    load_results(tmp_path, "\n".join(line for line in RESULTS.splitlines() if not line.startswith(("1.1,", "1.2,T", "1.2,镇"))))
    with pytest.raises(ValidationError, match="“镇”类单位没有一个承担本部分的指标"):
        services.year_rollup(jurisdiction=default_jurisdiction(), year=YEAR)
    assert not YearScore.objects.exists()


def test_the_workbook_gains_the_composite_sheet_and_a_sheet_per_section(district, tmp_path):
    from openpyxl import load_workbook

    from assessment.workbook import scores_workbook_export

    load_scorecard(tmp_path)
    load_results(tmp_path)
    scores()
    target = tmp_path / "year.xlsx"
    summary = scores_workbook_export(jurisdiction=default_jurisdiction(), year=YEAR, target=target)
    assert summary.sheets[0] == "总表" and summary.sheets[-1] == "认定明细"  # the existing sheets stay
    book = load_workbook(target)
    assert {"综合考核", "省对市目标任务", "效能建设", "党建工作"} <= set(book.sheetnames)
    overview = [[cell.value for cell in row] for row in book["综合考核"].iter_rows(min_row=2)]
    assert overview[0] == ["单位编码", "单位名称", "类别", "省对市目标任务", "效能建设", "党建工作", "总分", "排名", "等次"]
    rows = {row[0]: row for row in overview[1:]}
    assert rows["T1"][3:8] == [49, 26, 18, 93, 1]  # numbers stay numbers
    assert isinstance(rows["T2"][6], float) and rows["T2"][6] == 87.5
    assert book["综合考核"].cell(row=3, column=7).number_format == "0.00"
    section = [[cell.value for cell in row] for row in book["省对市目标任务"].iter_rows(min_row=2)]
    assert section[0] == ["单位编码", "单位名称", "类别", "1.1 地区生产总值", "1.2 招商引资", "本部分得分", "计分说明"]
    by_unit = {row[0]: row for row in section[1:]}
    assert by_unit["T3"][3:] == [None, None, 46, "未承担本项，按同类单位平均分 46.00分"]
    assert by_unit["S1"][3:6] == [None, 10, 25]
    assert by_unit["T1"][6] == ("1.1 地区生产总值：全省第2名：100% × 30分 = 30.00分；"
                                "1.2 招商引资：牵头单位按全省第4名：95% × 20分 = 19.00分；各项合计49.00分")
    assert not any(str(cell.value).startswith("=") for ws in book for row in ws.iter_rows() for cell in row
                   if cell.value is not None)  # no formulas


def test_the_dashboard_shows_the_composite_ranking_and_the_distance_to_the_next_grade(district, tmp_path, client, leo):
    load_scorecard(tmp_path)
    load_results(tmp_path)
    Scorecard.objects.update(grading_method=rules.BY_THRESHOLD, excellent_min=90, good_min=86, fair_min=70)
    scores()
    client.force_login(leo)
    body = client.get(f"/dashboard/?year={YEAR}").content.decode()
    assert "综合考核排名" in body and "在同类单位中排名" in body
    table = body[body.index('id="db-composite"'):]
    assert table.index("镇1") < table.index("镇2") < table.index("镇3")
    assert "距优秀差 2.50 分" in table  # 镇2: 87.50, the line is 90
    assert "距一般差 0.50 分" in table  # 街道1 and 街道2: 69.50, the line is 70
    assert "已是最高等次" in table  # 镇1


def test_the_dashboard_has_no_composite_card_for_a_year_without_a_scorecard(district, client, leo):
    scores()
    client.force_login(leo)
    assert "综合考核排名" not in client.get(f"/dashboard/?year={YEAR}").content.decode()


def test_a_refused_roll_up_is_recorded_on_its_run_in_the_offices_words(district, tmp_path):
    from assessment.models import RollupRun
    from assessment.tasks import year_rollup_task

    load_scorecard(tmp_path)
    load_results(tmp_path, "\n".join(line for line in RESULTS.splitlines() if not line.startswith(("1.1,", "1.2,T", "1.2,镇"))))
    run = services.rollup_run_create(jurisdiction=default_jurisdiction(), year=YEAR)
    year_rollup_task.delay(run.pk)
    run.refresh_from_db()
    assert run.status == RollupRun.Status.FAILED
    assert run.error.startswith("2025 年度考核方案无法计分：") and "ValidationError" not in run.error
    with pytest.raises(CommandError, match="“镇”类单位没有一个承担本部分的指标"):
        call_command("rollup_year", str(YEAR))


def test_the_office_corrects_a_result_in_the_admin_checked_like_the_import(district, tmp_path, client, alice):
    load_scorecard(tmp_path)
    load_results(tmp_path)
    result = ItemResult.objects.get(item__code="1.2", unit__code="T2")
    client.force_login(alice)
    url = f"/admin/assessment/itemresult/{result.pk}/change/"
    refused = client.post(url, {"score": "120"})
    assert refused.status_code == 200 and "赋分是百分比，应在 0 到 100 之间" in refused.content.decode()
    result.refresh_from_db()
    assert result.score == Decimal("80.00")
    assert client.post(url, {"score": "75"}).status_code == 302
    result.refresh_from_db()
    assert result.score == Decimal("75.00") and result.updated_by == alice
