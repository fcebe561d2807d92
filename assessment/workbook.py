"""The year's scores as the Excel workbook the office hands to the assessment committee.

A clerk prints it as it is, like an official table: one sheet with every unit, a sheet
per category, and a detail sheet with every counted rating. Each sheet opens with its
title ("南京市高淳区2026年度效能亮榜考核结果", merged across the table), then the Chinese
headers (frozen, and repeated on every printed page), then the rows: ruled in thin lines,
in 宋体 (``FONT_NAME``), text wrapped with row heights that show it, numbers stored as
numbers and set right with an indent off the next column; widths fitted to the text (a
Chinese character counts double); A4 fitted to the page width, landscape when the table
is wider than a portrait page. Page 1 shows the title in the sheet; the pages after it
carry it in their page header.

The headers and the words in the cells (红旗, 优秀 …) are the file's format, shared with
the admin's Excel export, in ``ratings.sheets``, so they are not translated.

Text typed by users (unit names, reasons, criteria) never becomes a formula: a value
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is stored as a
string cell carrying Excel's quote prefix (the stored form of a typed leading
apostrophe), so neither opening the file nor editing the cell runs it.

Written with openpyxl's write-only mode, which streams rows to the file: exporting a
province (10,000 units, hundreds of thousands of ratings) stays within a small multiple
of writing the bare cells, every cell carrying its style (the rules, the font) and only
the rows that wrap a height of their own (``make bench`` measures it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties

from departments.models import Category, Jurisdiction
from assessment.importing import scorecard_rules
from assessment.models import Scorecard, YearScore
from assessment.rules import render_texts
from assessment.selectors import year_adjustment_reasons, year_scores
from ratings.selectors import year_counted_ratings
from ratings.sheets import (  # noqa: F401 - the workbook's words, also read from here
    CATEGORY, CATEGORY_RANK, CODE, CRITERION, DEPARTMENT, DETAIL_SHEET, ESCALATED_FROM, FORMULA_STARTS, GRADE,
    GRADE_TEXT, KIND, KIND_TEXT, MONTH, NAME, NUMBER, POINTS, RANK, REASON, RED_FLAGS, RED_LIGHTS, REMARKS,
    SUMMARY_SHEET, UNCATEGORISED, UNIT, YELLOW_LIGHTS, escalated_from, formula_safe, looks_like_formula,
)

COMPOSITE_SHEET = "综合考核"
TOTAL, SECTION_SCORE, EXPLANATION = "总分", "本部分得分", "计分说明"

def header_text(text: str) -> str:
    """Text for a printed page header: "&" starts a header code (&B bold, &F file name …),
    "&&" is a literal ampersand."""
    return text.replace("&", "&&")


LEFT, CENTER, RIGHT = "left", "center", "right"


@dataclass(frozen=True)
class Column:
    header: str
    width: tuple[int, int] = (6, 40)  # the fitted width is held between these
    number_format: str | None = None
    wrap: bool = False
    text: bool = True  # holds user text: guard it against formulas
    align: str = LEFT  # numbers RIGHT (with an indent), short words CENTER


SCORE_COLUMNS = (
    Column(CODE, (8, 16)),
    Column(NAME, (10, 30), wrap=True),
    Column(CATEGORY, (6, 16), wrap=True),
    Column(RED_FLAGS, text=False, align=RIGHT),
    Column(YELLOW_LIGHTS, text=False, align=RIGHT),
    Column(RED_LIGHTS, text=False, align=RIGHT),
    Column(POINTS, number_format="0.00", text=False, align=RIGHT),
    Column(RANK, text=False, align=RIGHT),
    Column(CATEGORY_RANK, text=False, align=RIGHT),
    Column(GRADE, (6, 8), text=False, align=CENTER),
    Column(REMARKS, (10, 50), wrap=True),
)
DETAIL_COLUMNS = (
    Column(NUMBER, text=False, align=RIGHT),
    Column(MONTH, (8, 8), text=False, align=CENTER),
    Column(DEPARTMENT, (10, 24), wrap=True),
    Column(CODE, (8, 16)),
    Column(UNIT, (10, 24), wrap=True),
    Column(KIND, (6, 6), text=False, align=CENTER),
    Column(CRITERION, (10, 40), wrap=True),
    Column(REASON, (10, 50), wrap=True),
    Column(ESCALATED_FROM, (8, 22), text=False, wrap=True),
)


@dataclass
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class ScoresWorkbook:
    title: str  # 南京市高淳区2026年度效能亮榜考核结果: each sheet's first row and page header
    sheets: list[Sheet]
    scope: str = ""  # 截至2月, for a roll-up of the year so far


@dataclass(frozen=True)
class ExportSummary:
    units: int
    ratings: int
    sheets: tuple[str, ...]


class NothingToExport(Exception):
    """The year has no scores yet: run the roll-up first."""


# Reading the data ---------------------------------------------------------------------------


def scores_workbook_data(*, jurisdiction: Jurisdiction, year: int) -> ScoresWorkbook:
    """The workbook's sheets as plain rows (values only, in sheet order)."""
    scores = list(
        year_scores(jurisdiction=jurisdiction, year=year).only(
            "unit__code", "unit__name", "unit__is_active", "category__name", "red_flags", "yellow_lights",
            "red_lights", "points", "rank_overall", "rank_in_category", "grade_by_points", "grade", "veto_applied",
            "promotion_applied", "through_month", "is_year_to_date",
        )
    )
    if not scores:
        raise NothingToExport(year)
    reasons = year_adjustment_reasons(jurisdiction=jurisdiction, year=year)

    summary = Sheet(SUMMARY_SHEET, SCORE_COLUMNS)
    by_category: dict[int | None, list[tuple]] = {}
    for score in scores:
        row = _score_row(score, reasons)
        summary.rows.append(row)
        by_category.setdefault(score.category_id, []).append((score.rank_in_category, score.unit.code, row))

    sheets = [summary]
    order = {c.pk: (c.order, c.name) for c in Category.objects.filter(pk__in=[k for k in by_category if k])}
    used = {SUMMARY_SHEET, DETAIL_SHEET}
    for category_id in sorted(by_category, key=lambda k: order.get(k, (1 << 16, ""))):
        name = order[category_id][1] if category_id in order else UNCATEGORISED
        rows = [row for _rank, _code, row in sorted(by_category[category_id], key=lambda item: item[:2])]
        sheets.append(Sheet(_sheet_title(name, used), SCORE_COLUMNS, rows))

    sheets += composite_sheets(jurisdiction=jurisdiction, year=year, used=used)
    through = max(score.through_month for score in scores)
    sheets.append(Sheet(DETAIL_SHEET, DETAIL_COLUMNS, _detail_rows(jurisdiction, year, through)))
    scope = f"截至{through}月" if any(score.is_year_to_date for score in scores) else ""
    return ScoresWorkbook(workbook_title(jurisdiction.name, year), sheets, scope)


def composite_sheets(*, jurisdiction: Jurisdiction, year: int, used: set[str]) -> list[Sheet]:
    """综合考核 (every unit's section scores, total, rank and grade, by category then rank)
    and a sheet per section with each unit's score on every item of it (empty where the
    unit did not undertake the item, or the item does not apply), the section's score and
    how it came about. None for a year without a scorecard or a composite result."""
    scorecard = Scorecard.objects.filter(jurisdiction=jurisdiction, year=year).first()
    scores = list(
        year_scores(jurisdiction=jurisdiction, year=year).filter(composite_total__isnull=False)
        .select_related("category").only("unit__code", "unit__name", "category__name", "category__order",
                                         "composite_total", "composite_rank", "composite_detail", "grade")
    )
    if scorecard is None or not scores:
        return []
    card = scorecard_rules(scorecard)
    sections = card.sections
    scores.sort(key=lambda s: ((s.category.order, s.category.name) if s.category_id else (1 << 16, ""),
                               s.composite_rank, s.unit.code))
    number = Column("", number_format="0.00", text=False, align=RIGHT)

    def cells(score: YearScore) -> dict[str, dict]:
        return {section["code"]: section for section in score.composite_detail.get("sections", [])}

    overview = Sheet(_sheet_title(COMPOSITE_SHEET, used), (
        Column(CODE, (8, 16)), Column(NAME, (10, 30), wrap=True), Column(CATEGORY, (6, 16), wrap=True),
        *(replace(number, header=section.name) for section in sections),
        replace(number, header=TOTAL), Column(RANK, text=False, align=RIGHT), Column(GRADE, (6, 8), text=False, align=CENTER),
    ))
    out = [overview]
    for score in scores:
        mine = cells(score)
        overview.rows.append((
            score.unit.code, score.unit.name, score.category.name if score.category_id else UNCATEGORISED,
            *(Decimal(mine[s.code]["score"]) if s.code in mine else None for s in sections),
            score.composite_total, score.composite_rank, GRADE_TEXT[score.grade],
        ))
    for section in sections:
        leaves = card.leaves(section.code)
        sheet = Sheet(_sheet_title(section.name, used), (
            Column(CODE, (8, 16)), Column(NAME, (10, 30), wrap=True), Column(CATEGORY, (6, 16), wrap=True),
            *(replace(number, header=f"{leaf.code} {leaf.name}", width=(8, 16)) for leaf in leaves),
            replace(number, header=SECTION_SCORE), Column(EXPLANATION, (10, 50), wrap=True),
        ))
        for score in scores:
            mine = cells(score).get(section.code)
            items = {item["code"]: Decimal(item["score"]) for item in (mine or {}).get("items", [])}
            sheet.rows.append((
                score.unit.code, score.unit.name, score.category.name if score.category_id else UNCATEGORISED,
                *(items.get(leaf.code) for leaf in leaves),
                Decimal(mine["score"]) if mine else None,
                _explained(mine) if mine else None,
            ))
        out.append(sheet)
    return out


def _explained(section: dict) -> str:
    """计分说明: each item's source, rule and arithmetic, then the section's line, in the
    file's Chinese: "1.1 地区生产总值：全省第2名：100% × 30分 = 30.00分；…；各项合计49.00分"."""
    def same(text: str) -> str:
        return text

    lines = [f"{item['code']} {item['name']}：{render_texts(item['line'], item['facts'], same)}"
             for item in section.get("items", [])]
    return "；".join([*lines, render_texts(section["line"], section["facts"], same)])


def workbook_title(jurisdiction_name: str, year: int) -> str:
    """南京市高淳区2026年度效能亮榜考核结果: the jurisdiction's full name, as it is stored."""
    return f"{jurisdiction_name}{year}年度效能亮榜考核结果"


def sheet_heading(title: str, sheet_title: str, scope: str = "") -> str:
    """A sheet's title row: the workbook's title, with the category or detail and the
    scope in brackets after it (总表 is the title itself): "…考核结果（镇，截至2月）"."""
    notes = [note for note in (None if sheet_title == SUMMARY_SHEET else sheet_title, scope) if note]
    return f"{title}（{'，'.join(notes)}）" if notes else title


def _score_row(score: YearScore, reasons: dict[tuple[int, str], str]) -> tuple:
    return (
        score.unit.code, score.unit.name, score.category.name if score.category_id else UNCATEGORISED,
        score.red_flags, score.yellow_lights, score.red_lights, score.points, score.rank_overall,
        score.rank_in_category, GRADE_TEXT[score.grade], score_remarks(score, reasons) or None,
    )


def score_remarks(score: YearScore, reasons: dict[tuple[int, str], str]) -> str:
    """备注: the veto or promotion and its reason, and whether the unit is retired."""
    notes = []
    by_points = GRADE_TEXT[score.grade_by_points]
    veto = reasons.get((score.unit_id, "veto"))
    promotion = reasons.get((score.unit_id, "promotion"))
    if veto is not None:
        changed = f"（按得分为{by_points}）" if score.grade != score.grade_by_points else ""
        notes.append(f"一票否决{changed}：{veto}")
    if promotion is not None:
        if score.promotion_applied:
            changed = f"（按得分为{by_points}）" if score.grade != score.grade_by_points else ""
            notes.append(f"例外晋级{changed}：{promotion}")
        else:
            notes.append(f"例外晋级（因一票否决未适用）：{promotion}")
    if not score.unit.is_active:
        notes.append("已停用")
    return "；".join(notes)


def _detail_rows(jurisdiction: Jurisdiction, year: int, through_month: int) -> list[tuple]:
    rows = []
    for (pk, p_year, p_month, department, code, unit, outcome, criterion_code, criterion_text, reason, escalation,
         after_id, after_year, after_month) in (
        year_counted_ratings(jurisdiction=jurisdiction, year=year, through_month=through_month)
        .order_by("period__month", "unit__code", "department__code", "pk")
        .values_list(
            "pk", "period__year", "period__month", "department__name", "unit__code", "unit__name", "outcome",
            "criterion__code", "criterion__text", "reason", "escalation", "escalated_after_id",
            "escalated_after__period__year", "escalated_after__period__month",
        )
    ):
        rows.append((
            pk, f"{p_year}-{p_month:02d}", department, code, unit, KIND_TEXT.get(outcome, outcome),
            f"{criterion_code} {criterion_text}" if criterion_code else None, reason,
            escalated_from(escalation, after_id, after_year, after_month),
        ))
    return rows


def _sheet_title(name: str, used: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ , unique regardless of case.
    base = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'") or UNCATEGORISED
    title, n = base[:31], 2
    while title.lower() in {u.lower() for u in used}:
        suffix = f"({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title)
    return title


# Writing ------------------------------------------------------------------------------------


def scores_workbook_export(*, jurisdiction: Jurisdiction, year: int, target: str | Path | IO[bytes]) -> ExportSummary:
    """Write the year's workbook to a path or a binary file object."""
    data = scores_workbook_data(jurisdiction=jurisdiction, year=year)
    workbook_write(data.sheets, target, title=data.title, scope=data.scope)
    sheets = data.sheets
    return ExportSummary(units=len(sheets[0].rows), ratings=len(sheets[-1].rows), sheets=tuple(s.title for s in sheets))


# 宋体 (SimSun): the face Chinese Windows has had since Windows 95 and WPS Office ships
# with, stored under the name Chinese Excel and WPS write themselves, so the file opens
# and prints in it with no substitution; charset 134 (GB2312) says the font is Chinese.
# The title is in 黑体 (SimHei), present on the same systems.
FONT_NAME, TITLE_FONT_NAME, GB2312 = "宋体", "黑体", 134
FONT_SIZE, TITLE_FONT_SIZE = 11, 16
LINE_HEIGHT = 14.25  # points: one line of 宋体 11 in Excel (its own default row height)
ROW_PADDING = 5.0  # points of air above and below a row's lines
TITLE_HEIGHT = 36.0
TITLE_ROW, HEADER_ROW = 1, 2  # the rows start at 3
# The widest table (in Excel's column widths) that A4 portrait holds at full size
# between 1.3 cm margins: 18.4 cm at about 1.9 mm per unit, less each column's 5 pixels.
PORTRAIT_WIDTH = 92
NUMBER_INDENT = 1  # a right-aligned number stands off the next column's text
PAPER_A4 = 9

THIN = Side(style="thin", color="FF000000")
RULED = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BODY_FONT = Font(name=FONT_NAME, sz=FONT_SIZE, charset=GB2312)
HEADER_FONT = Font(name=FONT_NAME, sz=FONT_SIZE, bold=True, charset=GB2312)
TITLE_FONT = Font(name=TITLE_FONT_NAME, sz=TITLE_FONT_SIZE, charset=GB2312)
HEADER_FILL = PatternFill("solid", start_color="FFD9E1F2")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
TITLE_ALIGNMENT = Alignment(horizontal="center", vertical="center")
PAGE_NUMBERS = "第 &P 页，共 &N 页"


def column_alignment(column: Column) -> Alignment:
    if column.align == RIGHT:
        return Alignment(horizontal="right", vertical="center", indent=NUMBER_INDENT, wrap_text=column.wrap)
    return Alignment(horizontal=column.align, vertical="center", wrap_text=column.wrap)


def workbook_write(sheets: Iterable[Sheet], target: str | Path | IO[bytes], *, title: str = "", scope: str = "") -> None:
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(workbook, sheet, sheet_heading(title, sheet.title, scope) if title else sheet.title)
    workbook.save(target)


def _write_sheet(workbook: Workbook, sheet: Sheet, heading: str) -> None:
    ws = workbook.create_sheet(sheet.title)
    columns = sheet.columns
    widths = _fitted_widths(sheet)
    # Write-only sheets take their layout before the first row.
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    last = get_column_letter(len(columns))
    ws.merged_cells.add(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{len(sheet.rows) + HEADER_ROW}"
    _page_setup(ws, heading, wide=sum(widths) > PORTRAIT_WIDTH)

    ws.row_dimensions[TITLE_ROW].height = TITLE_HEIGHT
    title = WriteOnlyCell(ws, heading)
    title.font, title.alignment = TITLE_FONT, TITLE_ALIGNMENT
    ws.append([title])

    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, column.header)
        cell.font, cell.fill, cell.border, cell.alignment = HEADER_FONT, HEADER_FILL, RULED, HEADER_ALIGNMENT
        header.append(cell)
    ws.append(header)

    # One styled cell per column, reused row after row: write-only sheets serialise a
    # row as soon as it is appended, and styling each new cell would cost more than
    # writing it. Every cell is styled, empty ones too: the table is ruled throughout.
    styled: list[Cell] = []
    for column in columns:
        cell = WriteOnlyCell(ws)
        cell.font, cell.border, cell.alignment = BODY_FONT, RULED, column_alignment(column)
        if column.number_format:
            cell.number_format = column.number_format
        styled.append(cell)
    text_columns = [i for i, column in enumerate(columns) if column.text]
    wrapped = [(i, max(int(width) - 2, 1)) for i, (column, width) in enumerate(zip(columns, widths)) if column.wrap]
    guard = _guard_factory(ws)

    for row_index, row in enumerate(sheet.rows, start=HEADER_ROW + 1):
        out: list[Any] = list(row)
        for i in text_columns:
            value = out[i]
            if not value:
                continue
            if not value.isprintable():  # cheap test first: control characters are rare
                value = out[i] = ILLEGAL_CHARACTERS_RE.sub("", value)
            if value.startswith(FORMULA_STARTS) or value in ERROR_CODES:
                out[i] = guard(value, styled[i])
        lines = 1
        for i, room in wrapped:
            value = out[i]
            if value.__class__ is Cell:  # guarded text
                value = value.value
            if isinstance(value, str):
                lines = max(lines, wrapped_lines(value, room))
        for i, cell in enumerate(styled):
            value = out[i]
            if value.__class__ is not Cell:
                cell.value = value
                out[i] = cell
        if lines == 1:
            ws.append(out)  # the sheet's own row height (``_page_setup``)
        else:
            # Excel and WPS keep a written row's height: give the row the lines it wraps to.
            ws.row_dimensions[row_index].height = lines * LINE_HEIGHT + 2 * ROW_PADDING
            ws.append(out)
            del ws.row_dimensions[row_index]  # written: a province's rows need not stay in memory


def _page_setup(ws, heading: str, *, wide: bool) -> None:
    # Every row one line high unless it wraps (then it has a height of its own).
    ws.sheet_format.defaultRowHeight = LINE_HEIGHT + 2 * ROW_PADDING
    ws.sheet_format.customHeight = True
    ws.page_setup.orientation = "landscape" if wide else "portrait"
    ws.page_setup.paperSize = PAPER_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.75, bottom=0.75, header=0.3, footer=0.3)
    # Page 1 shows the title in its first row; the pages after it carry it in their header.
    ws.HeaderFooter.differentFirst = True
    ws.oddHeader.center.text = header_text(heading)
    ws.oddFooter.center.text = PAGE_NUMBERS
    ws.firstFooter.center.text = PAGE_NUMBERS


def wrapped_lines(text: str, room: int) -> int:
    """The lines ``text`` takes in a cell ``room`` columns wide (a Chinese character is
    two columns wide; Excel breaks a Chinese line anywhere)."""
    return sum(-(-display_width(line) // room) or 1 for line in text.split("\n"))


def _guard_factory(ws) -> Callable[[str, Cell | None], Cell]:
    def guard(value: str, like: Cell | None) -> Cell:
        """A string cell with Excel's quote prefix: shown as typed, never evaluated."""
        cell = WriteOnlyCell(ws)
        if like is not None:
            cell._style = like._style.__copy__()
        cell.value = value
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell

    return guard


def display_width(text: str) -> int:
    """Columns a text takes: a Chinese (wide) character counts double. UTF-8 spends three
    bytes on a CJK character and one on ASCII, so this needs no loop over characters."""
    return (len(text) + len(text.encode("utf-8"))) // 2


def _fitted_widths(sheet: Sheet) -> list[float]:
    widths = []
    for index, column in enumerate(sheet.columns):
        low, high = column.width
        widest = display_width(column.header)
        for value in {row[index] for row in sheet.rows}:
            if value is None:
                continue
            text = _as_text(value)
            if "\n" in text:
                text = max(text.splitlines() or [""], key=len)
            widest = max(widest, display_width(text))
            if widest >= high:
                break
        indent = NUMBER_INDENT if column.align == RIGHT else 0  # Excel: an indent is a character wide
        widths.append(min(max(widest, low), high) + 2 + indent)
    return widths


def _as_text(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)
