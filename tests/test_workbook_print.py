"""The year's workbook prints like an official table: its title in the sheet, merged over
the table; the table ruled in thin lines, in 宋体; numbers set right and clear of the
next column; long text wrapped in rows tall enough to show it; A4, fitted to the width,
landscape when wide, the header row on every printed page.

Written by the export (assessment.workbook) and read back with openpyxl. The jurisdiction is
南京市高淳区, December is closed: the workbook is the whole year's."""

from __future__ import annotations

import io
import math

import pytest
from openpyxl import load_workbook

from departments.models import Jurisdiction
from assessment import services as scoring
from ratings.models import Period, Rating
from assessment.workbook import (
    DETAIL_SHEET, SUMMARY_SHEET, Column, Sheet, scores_workbook_export, sheet_heading, workbook_write,
)
from tests.factories import CategoryFactory, OrganisationFactory, PeriodFactory, RatingFactory, RuleBookFactory

YEAR = 2026
TITLE = "南京市高淳区2026年度效能亮榜考核结果"
LONG_REASON = "推诿扯皮，工单随意退回，群众反映强烈；经督查仍未整改，" * 6  # 162 characters
LINE = 14.25  # points: a line of 宋体 11 in Excel


@pytest.fixture
def year_workbook(db, dept_a):
    jurisdiction = Jurisdiction.objects.get()
    jurisdiction.name = "南京市高淳区"
    jurisdiction.save()
    RuleBookFactory(year=YEAR)
    towns = CategoryFactory(name="镇", order=1)
    t1 = OrganisationFactory(code="T01", name="淳溪镇", category=towns)
    t2 = OrganisationFactory(code="T02", name="桠溪镇", category=towns)
    january = PeriodFactory(year=YEAR, month=1)
    for unit, kind, reason in ((t1, "red_flag", "提前完成老旧小区改造"), (t2, "yellow_light", LONG_REASON)):
        RatingFactory(period=january, department=dept_a, unit=unit, kind=kind, outcome=kind,
                      status=Rating.Status.APPROVED, reason=reason)
    PeriodFactory(year=YEAR, month=12, status=Period.Status.CLOSED)  # the year is over
    scoring.year_rollup(jurisdiction=jurisdiction, year=YEAR)
    buffer = io.BytesIO()
    scores_workbook_export(jurisdiction=jurisdiction, year=YEAR, target=buffer)
    return load_workbook(io.BytesIO(buffer.getvalue()))


def height(ws, row: int) -> float:
    """The row's height as Excel shows it: its own, or the sheet's (set, not Excel's guess)."""
    assert ws.sheet_format.customHeight
    return ws.row_dimensions[row].height or ws.sheet_format.defaultRowHeight


def table_cells(ws):
    """Every cell of the table: the header row and the rows under it, every column."""
    return [cell for row in ws.iter_rows(min_row=2, max_row=ws.max_row, max_col=ws.max_column) for cell in row]


def test_each_sheet_opens_with_its_title_merged_across_the_table(year_workbook):
    summary, towns, detail = year_workbook[SUMMARY_SHEET], year_workbook["镇"], year_workbook[DETAIL_SHEET]

    assert summary["A1"].value == TITLE
    assert towns["A1"].value == f"{TITLE}（镇）"
    assert detail["A1"].value == f"{TITLE}（认定明细）"
    for ws in year_workbook.worksheets:
        last = ws.cell(row=2, column=ws.max_column).column_letter
        assert [str(merged) for merged in ws.merged_cells.ranges] == [f"A1:{last}1"]
        assert ws["A1"].font.name == "黑体" and ws["A1"].font.sz >= 16
        assert ws["A1"].alignment.horizontal == "center"
        assert height(ws, 1) >= 16 * 1.5  # room for the title's size
        assert ws["A2"].value in ("单位编码", "编号")  # the header row follows the title


def test_the_table_is_ruled_in_thin_lines_empty_cells_too(year_workbook):
    for ws in year_workbook.worksheets:
        for cell in table_cells(ws):
            sides = (cell.border.left, cell.border.right, cell.border.top, cell.border.bottom)
            assert all(side.style == "thin" for side in sides), (ws.title, cell.coordinate)
    assert year_workbook[SUMMARY_SHEET]["K3"].value is None  # a 备注 left blank is still ruled


def test_every_cell_of_the_table_names_a_chinese_font(year_workbook):
    for ws in year_workbook.worksheets:
        for cell in table_cells(ws):
            assert cell.font.name == "宋体" and cell.font.charset == 134, (ws.title, cell.coordinate)
    assert year_workbook[SUMMARY_SHEET]["A2"].font.b  # the header row is bold


def test_numbers_stand_right_with_room_before_the_next_column(year_workbook):
    summary = year_workbook[SUMMARY_SHEET]
    by_header = {cell.value: cell.column_letter for cell in summary[2]}
    for header in ("红旗数", "黄灯数", "红灯数", "加减分", "排名", "类别排名"):
        cell = summary[f"{by_header[header]}3"]
        assert isinstance(cell.value, (int, float)), header
        assert cell.alignment.horizontal == "right" and cell.alignment.indent >= 1, header
        # The column holds its header, plus the indent, plus padding.
        assert summary.column_dimensions[by_header[header]].width >= 2 * len(header) + 3, header
    assert summary[f"{by_header['单位名称']}3"].alignment.horizontal == "left"
    assert summary[f"{by_header['等次']}3"].alignment.horizontal == "center"


def test_long_text_wraps_in_a_row_tall_enough_to_show_it(year_workbook):
    detail = year_workbook[DETAIL_SHEET]
    reason_column = next(cell.column_letter for cell in detail[2] if cell.value == "事由")
    long_row = next(cell.row for cell in detail[reason_column] if cell.value == LONG_REASON)
    short_row = next(cell.row for cell in detail[reason_column] if cell.value == "提前完成老旧小区改造")
    width = detail.column_dimensions[reason_column].width

    assert detail[f"{reason_column}{long_row}"].alignment.wrap_text
    # A Chinese character is two of Excel's width units: the reason needs at least this many lines.
    lines = math.ceil(2 * len(LONG_REASON) / width)
    assert lines >= 3
    assert height(detail, long_row) >= lines * LINE
    assert LINE <= height(detail, short_row) < 2 * LINE  # one line, with air around it


def test_every_sheet_prints_on_a4_fitted_to_the_width_with_its_header_row_on_each_page(year_workbook):
    for ws in year_workbook.worksheets:
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
        assert ws.print_title_rows in ("2:2", "$2:$2")
        assert ws.freeze_panes == "A3"
        # Page 1 has the title in the sheet; the later pages carry it in their header.
        assert ws.HeaderFooter.differentFirst
        assert not ws.firstHeader.center.text
        assert ws.oddHeader.center.text == ws["A1"].value
        assert ws.firstFooter.center.text == ws.oddFooter.center.text == "第 &P 页，共 &N 页"
    assert year_workbook[SUMMARY_SHEET].page_setup.orientation == "landscape"  # eleven columns
    assert year_workbook[DETAIL_SHEET].page_setup.orientation == "landscape"


def test_a_narrow_table_prints_portrait(tmp_path):
    sheet = Sheet("名单", (Column("单位编码", (8, 16)), Column("单位名称", (10, 30))), [("T01", "淳溪镇")])
    path = tmp_path / "narrow.xlsx"

    workbook_write([sheet], path, title=TITLE)

    ws = load_workbook(path)["名单"]
    assert ws.page_setup.orientation == "portrait"
    assert ws["A1"].value == f"{TITLE}（名单）" and ws["A3"].value == "T01"


@pytest.mark.parametrize(("sheet", "scope", "heading"), [
    (SUMMARY_SHEET, "", TITLE),
    (SUMMARY_SHEET, "截至2月", f"{TITLE}（截至2月）"),
    ("镇", "", f"{TITLE}（镇）"),
    ("镇", "截至2月", f"{TITLE}（镇，截至2月）"),
    (DETAIL_SHEET, "", f"{TITLE}（认定明细）"),
])
def test_a_sheets_heading_says_which_part_of_which_year(sheet, scope, heading):
    assert sheet_heading(TITLE, sheet, scope) == heading
