"""What is read is what the clerk sees, and reading costs what the limits allow.

Each bad file goes through both doors (the command and the admin preview), as in
tests/test_import_bad_input.py: the message names the row and the column, nothing is
written, and a file refused while reading never reaches the database. The odd files
import as the clerk sees them: the first visible sheet, numbers as their format shows
them, hidden columns that are not read left alone.
"""

from __future__ import annotations

import tracemalloc
import zipfile
from collections.abc import Callable
from io import BytesIO
from typing import Any

import openpyxl
import pytest
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from departments.importing import ImportRejected, read_dataset
from departments.models import Organisation
from ratings.models import Rating
from ratings.resources import RatingResource
from tests.import_helpers import ORG_HEADERS, RATING_HEADERS, big_xlsx, csv_bytes, run
from tests.test_import_bad_input import (  # noqa: F401  (world is a fixture)
    ADMIN, COMMAND, ORG_ROWS, RATING_ROWS, Bad, _upload, _write, arrange, problems, snapshot, world,
)

ORG, RAT = ORG_HEADERS, RATING_HEADERS


def book(headers: list[Any], rows: list[list[Any]], *, before: dict[str, str] | None = None,
         hidden_rows: tuple[int, ...] = (), hidden_columns: tuple[str, ...] = (),
         formats: dict[str, str] | None = None) -> Callable[[], bytes]:
    """A workbook whose data sheet may have sheets before it (name → "hidden" or
    "veryHidden"), hidden rows and columns, number formats by cell."""

    def build() -> bytes:
        workbook = openpyxl.Workbook()
        first = workbook.active
        sheets = []
        for title, sheet_state in (before or {}).items():
            sheet = first if not sheets else workbook.create_sheet()
            sheet.title = title
            sheet.append(["编码", "名称", "类别", "角色"])
            sheet.append(["TPL", "模板示例单位", "街道", "被考核单位"])
            sheet.sheet_state = sheet_state
            sheets.append(sheet)
        data = workbook.create_sheet("名录") if sheets else first
        data.append(headers)
        for row in rows:
            data.append(row)
        for number in hidden_rows:
            data.row_dimensions[number].hidden = True
        for letter in hidden_columns:
            data.column_dimensions[letter].hidden = True
        for coordinate, number_format in (formats or {}).items():
            data[coordinate].number_format = number_format
        workbook.active = workbook.worksheets.index(data)
        out = BytesIO()
        workbook.save(out)
        return out.getvalue()

    return build


def rat_book(rows: list[list[Any]], **kw) -> Callable[[], bytes]:
    return book(RAT, [*RATING_ROWS, *rows], **kw)


def with_member(content: bytes, name: str, data: bytes) -> bytes:
    """The workbook with one part replaced."""
    source = zipfile.ZipFile(BytesIO(content))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(member, data if member.filename == name else source.read(member.filename))
    return out.getvalue()


def edited(build: Callable[[], bytes], name: str, old: str, new: str) -> Callable[[], bytes]:
    """The workbook with one text replaced in one of its parts (what openpyxl will not write)."""

    def content() -> bytes:
        original = build()
        xml = zipfile.ZipFile(BytesIO(original)).read(name).decode()
        assert old in xml
        return with_member(original, name, xml.replace(old, new, 1).encode())

    return content


def laughs() -> bytes:
    """Shared strings with a DTD whose entities expand a thousandfold at each level."""
    dtd = ('<!DOCTYPE sst [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
           '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>')
    sst = (f'<?xml version="1.0"?>{dtd}<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           + "".join(f"<si><t>{text}</t></si>" for text in ["&d;", *ORG, *ORG_ROWS[0][1:]]) + "</sst>")
    return with_member(big_xlsx(ORG, [ORG_ROWS[0]]), "xl/sharedStrings.xml", sst.encode())


REASON_AT_LIMIT = ("推诿扯皮，工单随意退回。" * 200)[:2000]
LONG = "长" * 2001

BAD = [
    # --- cells are limited in length, per column, while reading
    Bad("ratings: a reason one character over the limit (.csv)", "ratings", "march.csv",
        lambda: csv_bytes(RAT, [*RATING_ROWS, ["2026-03", "ZJJ", "T02", "红旗", "H01", LONG, ""]]),
        "第 4 行「事由」：这一格有 2,001 个字符，这一列最多 2,000 个字符", read_only=True),
    Bad("ratings: a reason one character over the limit (.xlsx)", "ratings", "march.xlsx",
        rat_book([["2026-03", "ZJJ", "T02", "红旗", "H01", LONG, ""]]),
        "第 4 行「事由」：这一格有 2,001 个字符，这一列最多 2,000 个字符", read_only=True),
    Bad("ratings: a reason of 30,000 characters (Excel holds up to 32,767), of which the reader keeps none", "ratings", "march.xlsx",
        rat_book([["2026-03", "ZJJ", "T02", "红旗", "H01", "长" * 30_000, ""]]),
        "第 4 行「事由」：这一格有 30,000 个字符，这一列最多 2,000 个字符", read_only=True),
    Bad("org: a name over 100 characters", "org", "orgs.xlsx", book(ORG, [["T11", "街" * 101, "街道", "被考核单位"]]),
        "第 2 行「名称」：这一格有 101 个字符，这一列最多 100 个字符", read_only=True),
    Bad("org: a category over 100 characters (.csv)", "org", "orgs.csv",
        lambda: csv_bytes(ORG, [["T11", "漆桥街道", "类" * 150, "被考核单位"]]),
        "第 2 行「类别」：这一格有 150 个字符，这一列最多 100 个字符", read_only=True),
    # --- what is read is what the clerk sees
    Bad("org: a hidden row", "org", "orgs.xlsx", book(ORG, ORG_ROWS, hidden_rows=(3,)),
        "第 3 行：这一行在 Excel 中被隐藏了（隐藏行或筛选）", read_only=True),
    Bad("org: a row of zero height", "org", "orgs.xlsx",
        edited(book(ORG, ORG_ROWS), "xl/worksheets/sheet1.xml", '<row r="2"', '<row r="2" ht="0" customHeight="1"'),
        "第 2 行：这一行在 Excel 中被隐藏了", read_only=True),
    Bad("org: a hidden header row", "org", "orgs.xlsx", book(ORG, ORG_ROWS, hidden_rows=(1,)),
        "第 1 行：这一行在 Excel 中被隐藏了", read_only=True),
    Bad("org: a hidden column that is read", "org", "orgs.xlsx", book(ORG, ORG_ROWS, hidden_columns=("C",)),
        "第 1 行「类别」：这一列（C 列）在 Excel 中被隐藏了", read_only=True),
    Bad("org: a name whose format shows nothing (;;;)", "org", "orgs.xlsx",
        book(ORG, ORG_ROWS, formats={"B3": ";;;"}), "第 3 行「名称」：这一格的数字格式把内容隐藏了", read_only=True),
    Bad("org: a workbook with no visible sheet", "org", "orgs.xlsx",
        edited(book(ORG, ORG_ROWS), "xl/workbook.xml", 'state="visible"', 'state="hidden"'),
        "这个工作簿里没有可见的工作表", read_only=True),
    Bad("ratings: a month Excel keeps as the number 2020.1 and shows as 2020.10", "ratings", "march.xlsx",
        book(RAT, [[2020.1, *RATING_ROWS[0][1:]], RATING_ROWS[1]], formats={"A2": "0.00"}),
        "第 2 行「月份」：是数字 2020.10（Excel 把 2020.10 这样的月份存成数字 2020.1），看不出是哪个月"),
    Bad("ratings: a month typed as the number 2026.03", "ratings", "march.xlsx",
        book(RAT, [RATING_ROWS[0], [2026.03, *RATING_ROWS[1][1:]]]), "第 3 行「月份」：是数字 2026.03"),
    Bad("ratings: a month typed as the number 202603", "ratings", "march.xlsx",
        book(RAT, [RATING_ROWS[0], [202603, *RATING_ROWS[1][1:]]]), "第 3 行「月份」：是数字 202603"),
    # --- reading costs bounded memory and time
    Bad("org: shared strings that unpack past the limit for one part", "org", "orgs.xlsx",
        lambda: big_xlsx(ORG, [ORG_ROWS[0], ["T11", "东坝街道", "街道", "被考核单位", " " * 600_000]]),
        "这个 .xlsx 文件中的“xl/sharedStrings.xml”解压后超过 489 KB", settings={"IMPORT_MAX_BYTES": 100_000},
        read_only=True),
    Bad("org: more cells than a sheet may have", "org", "orgs.xlsx", lambda: big_xlsx(ORG, [["X"] * 4] * 3),
        "这个工作表的单元格超过 10 个（读到第 3 行时）", settings={"IMPORT_MAX_CELLS": 10}, read_only=True),
    Bad("org: more distinct texts than a sheet may have", "org", "orgs.xlsx", lambda: big_xlsx(ORG, ORG_ROWS),
        "这个 .xlsx 文件含有超过 7 段不同的文字", settings={"IMPORT_MAX_CELLS": 7}, read_only=True),
    Bad("org: a sheet padded with empty rows", "org", "orgs.xlsx",
        lambda: big_xlsx(ORG, ORG_ROWS, tail="".join(f'<row r="{n}"/>' for n in range(10, 60))),
        "这个 .xlsx 文件中的“xl/worksheets/sheet1.xml”结构过于复杂（超过 36 个元素）",
        settings={"IMPORT_MAX_CELLS": 12}, read_only=True),
    Bad("org: shared strings with entities that expand (billion laughs)", "org", "orgs.xlsx", laughs,
        "无法读取这个 .xlsx 文件", read_only=True),
]


@pytest.mark.parametrize("case", BAD, ids=[case.id for case in BAD])
def test_the_command_refuses_what_the_clerk_cannot_see_or_the_reader_will_not_hold(world, case, tmp_path, settings):
    arrange(case, settings, tmp_path)
    path = _write(tmp_path / case.name, case.content())
    before = snapshot()

    with CaptureQueriesContext(connection) as queries, pytest.raises(CommandError) as refused:
        run(COMMAND[case.kind], path)

    assert case.message in str(refused.value)
    assert snapshot() == before
    if case.read_only:
        assert queries.captured_queries == []


@pytest.mark.parametrize("case", BAD, ids=[case.id for case in BAD])
def test_the_admin_preview_refuses_them_the_same_way(world, case, client, tmp_path, settings):
    arrange(case, settings, tmp_path)
    client.force_login(world)
    before = snapshot()

    shown = client.post(reverse(ADMIN[case.kind]), {
        "import_file": _upload(case.name, case.content()), "format": "0", "resource": "0",
    })

    assert shown.status_code == 200
    assert shown.context.get("confirm_form") is None
    assert case.message in "\n".join(problems(shown))
    assert escape(case.shown) in shown.content.decode()
    assert snapshot() == before


# Files that read as the clerk sees them ------------------------------------------------


def test_the_first_visible_sheet_is_read_and_the_hidden_template_before_it_is_named(world, tmp_path):
    content = book(ORG, ORG_ROWS, before={"模板": "hidden", "说明": "veryHidden"})()

    output = run("import_org", _write(tmp_path / "orgs.xlsx", content))

    assert set(Organisation.objects.filter(code__in=["T10", "D10", "TPL"]).values_list("code", flat=True)) == {
        "T10", "D10"}
    assert "读取的是第一个可见的工作表“名录”；它前面的隐藏工作表没有读取：“模板”、“说明”" in output


def test_the_admin_preview_names_the_sheet_it_read(world, client):
    client.force_login(world)

    shown = client.post(reverse(ADMIN["org"]), {
        "import_file": _upload("orgs.xlsx", book(ORG, ORG_ROWS, before={"模板": "hidden"})()),
        "format": "0", "resource": "0",
    })

    assert shown.context.get("confirm_form") is not None
    assert "读取的是第一个可见的工作表“名录”" in shown.content.decode()
    assert not Organisation.objects.filter(code="TPL").exists()


def test_a_code_is_read_as_its_number_format_shows_it(world, tmp_path):
    rows = [[1, "漆桥街道", "街道", "被考核单位"], [12, "东坝街道", "街道", "被考核单位"]]

    run("import_org", _write(tmp_path / "orgs.xlsx", book(ORG, rows, formats={"A2": "000", "A3": "000"})()))

    assert set(Organisation.objects.filter(name__in=["漆桥街道", "东坝街道"]).values_list("code", flat=True)) == {
        "001", "012"}


def test_a_hidden_column_that_is_not_read_and_a_hidden_empty_row_are_left_alone(world, tmp_path):
    rows = [[*ORG_ROWS[0], "内部备注"], [None] * 5, [*ORG_ROWS[1], ""]]
    content = book([*ORG, "备注"], rows, hidden_columns=("E",), hidden_rows=(3,))()

    output = run("import_org", _write(tmp_path / "orgs.xlsx", content))

    assert Organisation.objects.filter(code__in=["T10", "D10"]).count() == 2
    assert "备注（E 列）" in output


def test_a_huge_cell_in_a_column_that_is_not_read_does_not_stop_the_import(world, tmp_path):
    content = book([*ORG, "备注"], [[*ORG_ROWS[0], "备" * 30_000], ORG_ROWS[1]])()

    run("import_org", _write(tmp_path / "orgs.xlsx", content))

    assert Organisation.objects.filter(code__in=["T10", "D10"]).count() == 2


def test_a_month_in_a_text_cell_and_a_reason_at_the_limit_import(world, tmp_path):
    rows = [["2026.03", *RATING_ROWS[0][1:5], REASON_AT_LIMIT, ""], RATING_ROWS[1]]
    content = book(RAT, rows, formats={"A2": "@"})()

    run("import_ratings", _write(tmp_path / "march.xlsx", content))

    imported = Rating.objects.get(unit__code="T01", period__month=3)
    assert imported.reason == REASON_AT_LIMIT
    assert (imported.period.year, imported.period.month) == (2026, 3)


# The reader never holds what it refuses ------------------------------------------------


def _one_huge_reason(characters: int) -> bytes:
    """A workbook of under a megabyte whose one 事由 cell unpacks to ``characters``."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    small = big_xlsx(RAT, [[*RATING_ROWS[0][:5], "HUGE", ""]])
    source = zipfile.ZipFile(BytesIO(small))
    strings = source.read("xl/sharedStrings.xml").decode()
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            if member.filename != "xl/sharedStrings.xml":
                target.writestr(member, source.read(member.filename))
        head, tail = strings.split("HUGE")
        assert main in head
        with target.open("xl/sharedStrings.xml", "w") as part:
            part.write(head.encode())
            block = b"x" * 1_000_000
            for _ in range(characters // len(block)):
                part.write(block)
            part.write(tail.encode())
    return out.getvalue()


def test_a_cell_of_ninety_million_characters_is_refused_without_being_held(settings):
    content = _one_huge_reason(90_000_000)
    assert len(content) < 1_000_000

    tracemalloc.start()
    try:
        with pytest.raises(ImportRejected) as refused:
            read_dataset(name="march.xlsx", content=content, required=RatingResource.required_headers,
                         limits=RatingResource.column_limits)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert "第 2 行「事由」：这一格有 90,000,000 个字符，这一列最多 2,000 个字符" in refused.value.text()
    assert peak < 20 * 1024 * 1024  # bytes: the 90 MB text was counted, never kept
