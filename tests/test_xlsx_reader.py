"""lib.xlsx, the workbook reader, on its own: no database, no Django.

The import tests (tests/test_import_reading.py, tests/test_import_bad_input.py) show
what a clerk sees; these pin the reader's rules as tables."""

from __future__ import annotations

import zipfile
from datetime import datetime
from io import BytesIO

import pytest

from lib import xlsx

LIMITS = xlsx.Limits(part_bytes=10_000_000, cells=10_000, elements=40_000, strings=10_000, cell_chars=50, columns=10)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
ONE_SHEET = '<sheet name="数据" sheetId="1" r:id="rId1"/>'


@pytest.mark.parametrize(("value", "code", "shown"), [
    (2020.1, "General", "2020.1"),
    (2020.1, "0.00", "2020.10"),
    (2020.1, "0.0", "2020.1"),
    (3, "General", "3"),
    (3.0, "General", "3"),
    (0.1 + 0.2, "General", "0.3"),
    (1, "000", "001"),
    (12, "00000", "00012"),
    (1234.5, "#,##0.00", "1,234.50"),
    (1234567, "#,##0", "1,234,567"),
    (0.256, "0%", "26%"),
    (0.256, "0.0%", "25.6%"),
    (-5, "0.00", "-5.00"),
    (-5, "0.00;[Red]0.00", "5.00"),  # the negative section decides the sign
    (7, '0"件"', None),  # text in the format: not rendered, the value is read as it is
    (7, "¥#,##0.00", None),
    (7, "# ?/?", None),
])
def test_a_number_reads_as_its_format_shows_it(value, code, shown):
    assert xlsx.shown_number(value, code) == shown


@pytest.mark.parametrize(("value", "code", "hides"), [
    (5, ";;;", True),
    ("漆桥街道", ";;;", True),
    ("漆桥街道", ";;;@", False),  # the text section shows the text
    (5, "[Red];;;", True),
    (5, "0;;;", False),
    (0, "0;;;", True),  # the zero section is empty
    (-5, "0;;;", True),
    (-5, "0;-0;;", False),
    (5, ";;", True),  # three empty sections hide numbers …
    ("漆桥街道", ";;", False),  # … but not text
    (5, "General", False),
    (5, "0.00", False),
    (True, ";;;", False),
])
def test_a_format_of_empty_sections_hides_what_it_has_no_section_for(value, code, hides):
    assert xlsx.hides_content(value, code) is hides


def workbook(sheet: str, *, strings: list[str] | str = (), styles: str = "", sheets: str = "",
             extra: dict[str, str] | None = None) -> bytes:
    """A workbook written part by part: ``sheet`` is the sheetData's rows."""
    if isinstance(strings, str):
        shared = strings
    else:
        shared = "".join(f"<si><t>{text}</t></si>" for text in strings)
    parts = {
        "_rels/.rels": f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Target="xl/workbook.xml" '
                       f'Type="{REL}/officeDocument"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
                           f"{sheets or ONE_SHEET}"
                           "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PKG}">'
            f'<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="{REL}/worksheet"/>'
            f'<Relationship Id="rId2" Target="worksheets/sheet2.xml" Type="{REL}/worksheet"/>'
            f'<Relationship Id="rId8" Target="sharedStrings.xml" Type="{REL}/sharedStrings"/>'
            f'<Relationship Id="rId9" Target="styles.xml" Type="{REL}/styles"/></Relationships>'
        ),
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}">{shared}</sst>',
        "xl/styles.xml": f'<styleSheet xmlns="{MAIN}">{styles}</styleSheet>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}">{sheet}</worksheet>',
        **(extra or {}),
    }
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, xml in parts.items():
            archive.writestr(name, xml)
    return out.getvalue()


def rows(content: bytes, limits: xlsx.Limits = LIMITS) -> list[xlsx.Row]:
    return list(xlsx.read(content, limits).rows)


def test_shared_strings_join_their_runs_and_leave_out_the_phonetic_guide():
    strings = ('<si><r><t>白鹭</t></r><r><t>街道</t></r><rPh sb="0" eb="2"><t>バイロ</t></rPh></si>'
               "<si><t>淳溪镇</t></si>")
    found = rows(workbook('<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
                          "</row></sheetData>", strings=strings))

    assert found[0].cells == ["白鹭街道", "淳溪镇"]


def test_inline_strings_booleans_errors_and_formulas_are_told_apart():
    sheet = ('<sheetData><row r="1">'
             '<c r="A1" t="inlineStr"><is><t>漆桥街道</t></is></c>'
             '<c r="B1" t="b"><v>1</v></c>'
             '<c r="C1" t="e"><v>#N/A</v></c>'
             '<c r="D1"><f>1+1</f><v>2</v></c>'
             '<c r="F1"><v>7</v></c>'
             "</row></sheetData>")

    cells = rows(workbook(sheet))[0].cells

    assert cells[:4] == ["漆桥街道", True, xlsx.ErrorValue("#N/A"), xlsx.Formula("=1+1")]
    assert cells[4] is None  # E1 was not written: an empty cell
    assert cells[5] == xlsx.Number(7, "7", "General")


def test_a_date_format_by_its_chinese_built_in_number_reads_as_a_date():
    styles = '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="57"/></cellXfs>'

    cells = rows(workbook('<sheetData><row r="1"><c r="A1" s="1"><v>46082</v></c></row></sheetData>',
                          styles=styles))[0].cells

    assert cells == [datetime(2026, 3, 1)]


def test_a_text_longer_than_the_limit_is_counted_not_kept():
    cells = rows(workbook('<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
                          '<c r="B1" t="inlineStr"><is><t>' + "乙" * 51 + "</t></is></c></row></sheetData>",
                          strings=["甲" * 80]))[0].cells

    assert cells == [xlsx.Overlong(80), xlsx.Overlong(51)]


def test_hidden_rows_and_columns_are_reported():
    sheet = ('<sheetFormatPr defaultRowHeight="15"/><cols><col min="2" max="3" hidden="1"/>'
             '<col min="5" max="5" width="0"/></cols><sheetData>'
             '<row r="1"><c r="A1"><v>1</v></c></row>'
             '<row r="2" hidden="1"><c r="A2"><v>2</v></c></row>'
             '<row r="3" ht="0" customHeight="1"><c r="A3"><v>3</v></c></row>'
             "</sheetData>")
    sheet_read = xlsx.read(workbook(sheet), LIMITS)

    hidden = [row.hidden for row in sheet_read.rows]

    assert hidden == [False, True, True]
    assert [sheet_read.column_hidden(column) for column in range(1, 7)] == [False, True, True, False, True, False]


def test_the_first_visible_sheet_is_read_and_the_hidden_ones_before_it_are_named():
    sheets = ('<sheet name="模板" sheetId="1" state="hidden" r:id="rId1"/>'
              '<sheet name="名录" sheetId="2" r:id="rId2"/>')
    second = f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>2</v></c></row></sheetData></worksheet>'

    sheet = xlsx.read(workbook("<sheetData/>", sheets=sheets, extra={"xl/worksheets/sheet2.xml": second}), LIMITS)

    assert (sheet.name, sheet.skipped_hidden, sheet.others) == ("名录", ["模板"], ["模板"])
    assert [row.cells for row in sheet.rows] == [[xlsx.Number(2, "2", "General")]]


@pytest.mark.parametrize(("sheet", "strings", "limits", "code"), [
    ('<sheetData><row r="2"/><row r="1"/></sheetData>', [], LIMITS, "unreadable"),  # rows out of order
    ('<sheetData><row r="1"><c r="A1" t="s"><v>5</v></c></row></sheetData>', ["a"], LIMITS, "unreadable"),
    ("<sheetData><row>" + "<c><v>1</v></c>" * 11 + "</row></sheetData>", [],
     xlsx.Limits(part_bytes=10_000, cells=10, elements=400, strings=10, cell_chars=50, columns=10), "too_many_cells"),
    ("<sheetData/>", ["s"] * 11, xlsx.Limits(part_bytes=10_000, cells=10, elements=400, strings=10, cell_chars=50, columns=10),
     "too_many_strings"),
    ("<sheetData/>", ["x" * 2_000], xlsx.Limits(part_bytes=1_000, cells=10, elements=400, strings=10, cell_chars=50, columns=10),
     "part_too_big"),
    ("<sheetData><row><c><v>1</v></row></sheetData>", [], LIMITS, "unreadable"),  # broken XML
    ("<sheetData>" + "<row/>" * 401 + "</sheetData>", [],  # empty rows cost what cells do
     xlsx.Limits(part_bytes=10_000, cells=10, elements=400, strings=10, cell_chars=50, columns=10), "too_complex"),
    ("<sheetData/>", "<si>" + "<r><t>a</t></r>" * 200 + "</si>",  # one string of a great many runs
     xlsx.Limits(part_bytes=10_000, cells=10, elements=400, strings=10, cell_chars=50, columns=10), "too_complex"),
])
def test_what_the_reader_refuses(sheet, strings, limits, code):
    with pytest.raises(xlsx.XlsxError) as refused:
        rows(workbook(sheet, strings=strings), limits)

    assert refused.value.code == code


def test_a_document_type_declaration_is_refused_so_no_entity_expands():
    content = workbook("<sheetData/>", extra={
        "xl/sharedStrings.xml": f'<!DOCTYPE sst [<!ENTITY a "aaaa">]><sst xmlns="{MAIN}"><si><t>&a;</t></si></sst>',
    })

    with pytest.raises(xlsx.XlsxError) as refused:
        xlsx.read(content, LIMITS)

    assert refused.value.code == "unreadable"
