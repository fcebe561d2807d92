"""The year's workbook, written and read back with openpyxl: what a clerk prints, and that
nothing a user typed runs as a formula."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from ratings import services

from assessment import services as scoring
from ratings.models import Rating
from assessment.workbook import DETAIL_SHEET, SUMMARY_SHEET, display_width, scores_workbook_export
from tests.factories import (
    CategoryFactory, OrganisationFactory, PeriodFactory, RatingFactory, RuleBookFactory, default_jurisdiction,
)

YEAR = 2026
SUMMARY_HEADERS = ["单位编码", "单位名称", "类别", "红旗数", "黄灯数", "红灯数", "加减分", "排名", "类别排名", "等次", "备注"]
DETAIL_HEADERS = ["编号", "月份", "职能管理部门", "单位编码", "被考核单位", "类型", "认定条目", "事由", "升级自"]
HOSTILE = ["=1+1", "+SUM(A1:A2)", "-2+3", "@SUM(A1)", "\t=cmd", "\r=cmd", "=HYPERLINK(\"http://evil\",\"点我\")"]


def approved(period, department, unit, kind, alice, **extra) -> Rating:
    rating = services.rating_record(period=period, department=department, unit=unit, kind=kind,
                                    reason=extra.pop("reason", "按时高质量完成任务"), by=None, submit=True, **extra)
    return services.rating_approve(rating=rating, by=alice)


@pytest.fixture
def district(alice, dept_a):
    """Three towns, two streets (one of them retired), escalations, a veto and a promotion,
    and user text that looks like formulas."""
    RuleBookFactory(year=YEAR, grading_method="threshold", excellent_min_points=Decimal("1"),
                    good_min_points=Decimal("0"), fair_min_points=Decimal("-1"))
    towns, streets = CategoryFactory(name="镇", order=1), CategoryFactory(name="街道", order=2)
    t1 = OrganisationFactory(code="T01", name="淳溪镇", category=towns)
    t2 = OrganisationFactory(code="T02", name="=1+1", category=towns)
    t3 = OrganisationFactory(code="T03", name="桠溪镇（国际慢城）", category=towns)
    s1 = OrganisationFactory(code="S01", name="@SUM(A1)", category=streets)
    s2 = OrganisationFactory(code="S02", name="古柏街道", category=streets)
    jan, feb, mar = (PeriodFactory(year=YEAR, month=m) for m in (1, 2, 3))
    for _ in range(3):
        approved(jan, dept_a, t1, "red_flag", alice)
    approved(jan, dept_a, t2, "red_flag", alice, reason="+SUM(A1:A2) 群众点赞")
    approved(jan, dept_a, t3, "yellow_light", alice, reason="=HYPERLINK(\"http://evil\",\"点我\")")
    approved(feb, dept_a, t3, "yellow_light", alice, reason="-2+3 推诿扯皮")  # the second in a row: red
    approved(mar, dept_a, s1, "yellow_light", alice, serious_impact=True, reason="造成较大影响\x07的事件")
    approved(mar, dept_a, s2, "red_flag", alice)
    # Not counted: a draft.
    RatingFactory(period=mar, department=dept_a, unit=s2, kind="red_flag", status=Rating.Status.DRAFT)
    s2.is_active = False
    s2.save()
    scoring.grade_adjustment_record(unit=t1, year=YEAR, kind="veto", reason="主要负责人违纪被查处", by=alice)
    scoring.grade_adjustment_record(unit=t3, year=YEAR, kind="promotion", reason="@省级考核位列前三", by=alice)
    scoring.year_rollup(jurisdiction=default_jurisdiction(), year=YEAR)


@pytest.fixture
def workbook(district, tmp_path):
    path = tmp_path / "scores.xlsx"
    scores_workbook_export(jurisdiction=default_jurisdiction(), year=YEAR, target=path)
    return load_workbook(path)


def rows(ws) -> list[list]:
    """The table: the header row and the rows under it (row 1 is the sheet's title)."""
    return [list(row) for row in ws.iter_rows(min_row=2, values_only=True)]


def by_code(ws) -> dict[str, dict]:
    header, *body = rows(ws)
    return {row[0]: dict(zip(header, row)) for row in body}


def test_the_sheets_are_the_summary_one_per_category_and_the_detail(workbook):
    assert workbook.sheetnames == [SUMMARY_SHEET, "镇", "街道", DETAIL_SHEET]


def test_every_sheet_has_chinese_headers_under_its_title(workbook):
    for name in (SUMMARY_SHEET, "镇", "街道"):
        assert rows(workbook[name])[0] == SUMMARY_HEADERS
    assert rows(workbook[DETAIL_SHEET])[0] == DETAIL_HEADERS


def test_the_summary_has_one_row_per_unit_in_rank_order(workbook):
    body = rows(workbook[SUMMARY_SHEET])[1:]
    assert [row[0] for row in body] == ["T01", "S02", "T02", "S01", "T03"]
    assert [row[7] for row in body] == [1, 2, 2, 4, 5]  # ties share a rank


def test_counts_points_and_ranks_are_numbers(workbook):
    t1, t3 = by_code(workbook[SUMMARY_SHEET])["T01"], by_code(workbook[SUMMARY_SHEET])["T03"]
    assert (t1["红旗数"], t1["黄灯数"], t1["红灯数"], t1["加减分"], t1["排名"]) == (3, 0, 0, 1.5, 1)
    assert (t3["黄灯数"], t3["红灯数"], t3["加减分"]) == (1, 1, -1.5)
    for row in rows(workbook[SUMMARY_SHEET])[1:]:
        assert all(isinstance(value, (int, float)) for value in row[3:9])
    assert workbook[SUMMARY_SHEET]["G3"].number_format == "0.00"
    assert all(isinstance(row[0], int) for row in rows(workbook[DETAIL_SHEET])[1:])


def test_a_veto_and_a_promotion_show_with_their_reasons(workbook):
    summary = by_code(workbook[SUMMARY_SHEET])
    assert summary["T01"]["等次"] == "良好" and summary["T01"]["加减分"] == 1.5
    assert summary["T01"]["备注"] == "一票否决（按得分为优秀）：主要负责人违纪被查处"
    assert summary["T03"]["等次"] == "优秀"
    assert summary["T03"]["备注"] == "例外晋级（按得分为较差）：@省级考核位列前三"


def test_a_retired_unit_is_listed_with_a_remark(workbook):
    assert by_code(workbook[SUMMARY_SHEET])["S02"]["备注"] == "已停用"


def test_each_category_sheet_holds_its_units_in_category_rank_order(workbook):
    towns = rows(workbook["镇"])[1:]
    assert [row[0] for row in towns] == ["T01", "T02", "T03"]
    assert [row[8] for row in towns] == [1, 2, 3]
    assert {row[2] for row in towns} == {"镇"}
    assert [row[0] for row in rows(workbook["街道"])[1:]] == ["S02", "S01"]


def test_the_detail_sheet_lists_every_counted_rating_with_its_escalation(workbook):
    detail = rows(workbook[DETAIL_SHEET])[1:]
    assert len(detail) == Rating.objects.filter(status=Rating.Status.APPROVED).count() == 8
    january_yellow = Rating.objects.get(unit__code="T03", period__month=1)
    t3 = [row for row in detail if row[3] == "T03"]
    assert [(row[1], row[5], row[8]) for row in t3] == [
        ("2026-01", "黄灯", None),
        ("2026-02", "红灯", f"2026-01 黄灯 #{january_yellow.pk}"),
    ]
    s1 = next(row for row in detail if row[3] == "S01")
    assert (s1[5], s1[8]) == ("红灯", "造成较大影响")
    assert s1[2] == "区住建局"


def test_no_cell_anywhere_is_a_formula(workbook):
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)


def test_text_that_looks_like_a_formula_reads_back_as_typed_and_marked_as_text(workbook):
    summary = workbook[SUMMARY_SHEET]
    cells = {cell.value: cell for row in summary.iter_rows(min_row=3) for cell in row if isinstance(cell.value, str)}
    for name in ("=1+1", "@SUM(A1)"):
        assert cells[name].data_type == "s" and cells[name].quotePrefix
    reasons = {row[7] for row in rows(workbook[DETAIL_SHEET])[1:]}
    assert {"+SUM(A1:A2) 群众点赞", "=HYPERLINK(\"http://evil\",\"点我\")", "-2+3 推诿扯皮"} <= reasons


def test_every_hostile_start_is_neutralised(tmp_path, alice, dept_a):
    period = PeriodFactory(year=YEAR, month=1)
    for i, text in enumerate(HOSTILE):
        unit = OrganisationFactory(code=f"H{i}", name=text)
        RatingFactory(period=period, department=dept_a, unit=unit, kind="red_flag", outcome="red_flag",
                      status=Rating.Status.APPROVED, reason=text)
    scoring.year_rollup(jurisdiction=default_jurisdiction(), year=YEAR)
    buffer = io.BytesIO()
    scores_workbook_export(jurisdiction=default_jurisdiction(), year=YEAR, target=buffer)
    workbook = load_workbook(io.BytesIO(buffer.getvalue()))
    hostile = set(HOSTILE)  # with lxml (pinned), openpyxl keeps a CR as &#13;: it reads back as CR
    seen = []
    for ws in workbook.worksheets:
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                assert cell.data_type != "f"
                if cell.value in hostile:
                    assert cell.quotePrefix, (ws.title, cell.coordinate, cell.value)
                    seen.append(cell.value)
    assert set(seen) == hostile


def test_control_characters_are_dropped_rather_than_breaking_the_file(workbook):
    s1 = next(row for row in rows(workbook[DETAIL_SHEET])[1:] if row[3] == "S01")
    assert s1[7] == "造成较大影响的事件"


def test_the_header_row_is_frozen_and_printed_on_every_page(workbook):
    for ws in workbook.worksheets:
        assert ws.freeze_panes == "A3"  # the title and the header row stay in view
        assert ws.print_title_rows in ("2:2", "$2:$2")
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
        assert ws["A2"].font.b


def test_widths_fit_the_text_with_chinese_counting_double(workbook):
    summary = workbook[SUMMARY_SHEET]
    # The longest name, 桠溪镇（国际慢城）, is 9 wide characters: 18 columns, plus padding.
    assert summary.column_dimensions["B"].width == 20
    assert summary.column_dimensions["A"].width == 10  # 单位编码: 8 columns, plus padding
    # Long reasons stop at the column's limit and wrap instead.
    assert workbook[DETAIL_SHEET].column_dimensions["H"].width <= 52
    assert workbook[DETAIL_SHEET]["H3"].alignment.wrap_text


def test_wrapped_cells_keep_their_own_values_row_by_row(workbook):
    # The exporter reuses one styled cell per column; each row must still hold its own text.
    reasons = [row[7] for row in rows(workbook[DETAIL_SHEET])[1:]]
    assert len(set(reasons)) >= 5


@pytest.mark.parametrize("text, width", [("", 0), ("T01", 3), ("淳溪镇", 6), ("桠溪镇（国际慢城）", 18), ("A镇", 3)])
def test_display_width_counts_chinese_characters_double(text, width):
    assert display_width(text) == width


def test_the_command_writes_the_workbook(district, tmp_path):
    out = io.StringIO()
    path = tmp_path / "2026.xlsx"
    call_command("export_scores", "2026", "-o", str(path), stdout=out)
    assert "5 个单位" in out.getvalue() and "8 条认定" in out.getvalue()
    assert load_workbook(path).sheetnames[0] == SUMMARY_SHEET


def test_the_command_asks_for_a_rollup_first(db, tmp_path):
    with pytest.raises(CommandError, match="rollup_year 2025"):
        call_command("export_scores", "2025", "-o", str(tmp_path / "x.xlsx"))


def test_the_command_wants_an_xlsx_file(district, tmp_path):
    with pytest.raises(CommandError, match=".xlsx"):
        call_command("export_scores", "2026", "-o", str(tmp_path / "x.csv"))


def test_a_year_to_date_workbook_says_so_on_every_printed_page(district, tmp_path):
    scoring.year_rollup(jurisdiction=default_jurisdiction(), year=YEAR, through_month=2)
    path = tmp_path / "ytd.xlsx"
    scores_workbook_export(jurisdiction=default_jurisdiction(), year=YEAR, target=path)
    workbook = load_workbook(path)
    assert "截至2月" in workbook[SUMMARY_SHEET].oddHeader.center.text
    # The detail holds January and February only.
    assert {row[1] for row in rows(workbook[DETAIL_SHEET])[1:]} == {"2026-01", "2026-02"}
    assert Decimal(str(by_code(workbook[SUMMARY_SHEET])["T03"]["加减分"])) == Decimal("-1.5")


# The admin lists' export (django-import-export) --------------------------------------------


def test_the_score_export_uses_the_workbook_column_names(district):
    from import_export.formats.base_formats import XLSX

    from assessment.export_resources import YearScoreExportResource
    from assessment.models import YearScore

    dataset = YearScoreExportResource().export(queryset=YearScore.objects.order_by("rank_overall", "unit__code"))
    assert dataset.headers == ["年度"] + SUMMARY_HEADERS
    rows = {row[1]: row for row in dataset}
    assert rows["T01"][3:12] == ("镇", 3, 0, 0, Decimal("1.50"), 1, 1, "良好",
                                 "一票否决（按得分为优秀）：主要负责人违纪被查处")
    assert rows["T02"][2] == "'=1+1"  # a formula typed as a name stays text
    assert rows["S01"][2] == "'@SUM(A1)"
    workbook = load_workbook(io.BytesIO(XLSX().export_data(dataset)))
    assert all(cell.data_type != "f" for row in workbook.active.iter_rows() for cell in row)


def test_the_rating_export_uses_the_detail_sheet_column_names(district):
    from ratings.export_resources import RatingExportResource

    dataset = RatingExportResource().export(queryset=Rating.objects.order_by("pk"))
    assert dataset.headers == DETAIL_HEADERS + ["状态"]
    assert len(dataset) == 9  # the draft too: the list exports what it lists
    by_reason = {row[7]: row for row in dataset}
    escalated = by_reason["'-2+3 推诿扯皮"]
    assert escalated[5] == "红灯" and escalated[8].startswith("2026-01 黄灯 #") and escalated[9] == "已通过"
    assert by_reason["'=HYPERLINK(\"http://evil\",\"点我\")"][5] == "黄灯"


def test_the_rating_export_reads_a_fixed_number_of_queries(district, django_assert_max_num_queries):
    from ratings.export_resources import RatingExportResource

    with django_assert_max_num_queries(2):
        RatingExportResource().export(queryset=Rating.objects.all())
