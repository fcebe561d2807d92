"""The import parsers under Hypothesis: whatever the bytes or the cells, the only
failure is the import's own ImportRejected (never another exception, never an error
the import did not foresee), and a file either imports whole or changes nothing.

The examples are derandomised (the same ones on every run, no example database), so
CI is deterministic; each database example runs in a savepoint that is rolled back.
"""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from departments.importing import ImportRejected, import_all_or_nothing, read_dataset
from departments.models import Category, Organisation
from departments.resources import OrganisationResource
from ratings.models import Period, Rating
from ratings.resources import RatingResource
from tests.factories import default_jurisdiction
from tests.import_helpers import ORG_HEADERS, RATING_HEADERS, xlsx_bytes

FUZZ = settings(
    max_examples=200, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Cells a clerk's file (or a hostile one) may hold, mixed with arbitrary text.
TRICKY = [
    "", " ", "\u3000", "\u200b", "\ufeff", "\x00", "\x07", "\n", "\r\n", "\t", '"', '""', ",", ";", "，",
    "=1+1", '=HYPERLINK("http://example.invalid/","点我")', "+86", "-", "@SUM(A1)", "#N/A", "#REF!",
    "<script>alert(1)</script>", "' OR 1=1 --", "x" * 300, "漆" * 120,
    "2026-03", "2026-3", "2026/03/01", "2026年3月", "2026-13", "2026年13月", "abc", "２０２６－０３", "2027-01", "2026-01",
    "红旗", "黄灯", "红灯", "蓝灯", "是", "否", "TRUE", "两者", "被考核单位", "职能管理部门", "部门",
    "ZJJ", "SCJ", "T01", "T02", "T09", "区住建局", "古柏街道", "撤并的镇", "H01", "Y01", "H99",
]
tricky = st.sampled_from(TRICKY)
cells = st.one_of(tricky, st.text(max_size=12), st.tuples(tricky, st.text(max_size=6), tricky).map("".join))


def org_codes() -> dict[str, str]:
    return dict(Organisation.objects.values_list("code", "name"))


def state() -> tuple[Any, ...]:
    return (
        list(Organisation.objects.order_by("pk").values()), Category.objects.count(),
        list(Rating.objects.order_by("pk").values()), list(Period.objects.order_by("pk").values()),
        Organisation.history.count(), Rating.history.count(), Period.history.count(),
    )


def as_file(headers: list[str], rows: list[list[str]], kind: str) -> tuple[str, bytes]:
    """The cells as a real file: CSV in one of the encodings clerks use, or a workbook
    (where a cell starting with = is a formula, as typed into Excel)."""
    if kind == "xlsx":
        clean = [[ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in row] for row in rows]
        return "f.xlsx", xlsx_bytes([ILLEGAL_CHARACTERS_RE.sub("", h) for h in headers], clean)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return "f.csv", out.getvalue().encode({"csv": "utf-8-sig", "csv-gb": "gb18030", "csv-16": "utf-16"}[kind])


def import_or_refuse(resource, name: str, content: bytes):
    """Read and import; return the result, or the ImportRejected (after checking it
    holds only foreseen, clearly worded problems)."""
    try:
        dataset = read_dataset(name=name, content=content, required=resource.required_headers,
                               optional=resource.optional_headers, refused=resource.refused_headers)
        result = import_all_or_nothing(resource, dataset)
        event("imported")
        return result
    except ImportRejected as refused:
        event("refused while reading" if refused.errors[0].row in (None, 1) else "refused by a row")
        assert refused.errors
        assert not [e for e in refused.errors if e.unexpected], refused.text()
        return refused


# Bytes ------------------------------------------------------------------------------


@FUZZ
@given(content=st.binary(max_size=4096), kind=st.sampled_from(["xlsx", "csv"]),
       required=st.sampled_from([ORG_HEADERS, RATING_HEADERS]))
def test_any_bytes_are_read_or_refused_with_the_imports_own_error(content, kind, required):
    try:
        read_dataset(name=f"f.{kind}", content=content, required=required)
    except ImportRejected as refused:
        assert refused.errors


GOOD_XLSX = xlsx_bytes(ORG_HEADERS, [["T10", "漆桥街道", "街道", "被考核单位"]])


@FUZZ
@given(
    changes=st.lists(st.tuples(st.integers(0, len(GOOD_XLSX) - 1), st.integers(0, 255)), min_size=1, max_size=6),
    cut=st.one_of(st.none(), st.integers(0, len(GOOD_XLSX))),
)
def test_a_damaged_workbook_is_read_or_refused_with_the_imports_own_error(changes, cut):
    damaged = bytearray(GOOD_XLSX)
    for position, value in changes:
        damaged[position] = value
    try:
        read_dataset(name="f.xlsx", content=bytes(damaged[:cut]), required=ORG_HEADERS)
    except ImportRejected as refused:
        assert refused.errors


@FUZZ
@given(member=st.binary(max_size=2048), name=st.sampled_from(
    ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml"]
))
def test_a_workbook_with_a_garbled_part_is_read_or_refused_with_the_imports_own_error(member, name):
    source = zipfile.ZipFile(io.BytesIO(GOOD_XLSX))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, member if info.filename == name else source.read(info.filename))
    try:
        read_dataset(name="f.xlsx", content=out.getvalue(), required=ORG_HEADERS)
    except ImportRejected as refused:
        assert refused.errors


# Cell grids -------------------------------------------------------------------------


@pytest.fixture
def world(dept_a, dept_b, town, town2, flag_criterion, yellow_criterion):
    from tests.factories import OrganisationFactory

    OrganisationFactory(code="T09", name="撤并的镇", is_active=False)
    return default_jurisdiction()


def header_rows(expected: list[str]) -> st.SearchStrategy[list[str]]:
    """The right header row, shuffled, with an extra column, or anything at all."""
    names = st.sampled_from([*expected, "备注", " 名称 ", "月 份", ""])
    return st.one_of(
        st.just(expected), st.permutations(expected), st.permutations([*expected, "备注"]),
        st.lists(st.one_of(names, cells), max_size=9),
    )


grids = st.lists(st.lists(cells, max_size=9), max_size=6)
kinds = st.sampled_from(["csv", "csv-gb", "csv-16", "xlsx"])


@FUZZ
@given(head=header_rows(ORG_HEADERS), rows=grids, kind=kinds)
def test_any_grid_of_cells_imports_organisations_whole_or_not_at_all(world, head, rows, kind):
    with transaction.atomic():
        before = state()
        outcome = import_or_refuse(OrganisationResource(jurisdiction=world), *as_file(head, rows, kind))
        if isinstance(outcome, ImportRejected):
            assert state() == before
        transaction.set_rollback(True)


GOOD_ORGS = [["T10", "漆桥街道", "街道", "被考核单位"], ["D10", "区发改委", "区级机关部门", "职能管理部门"]]


def fuzzed(good: list[str], free: int) -> st.SearchStrategy[list[str]]:
    """A good row with one to three of its cells replaced by anything, the free-text
    column (``free``) more often than the others, so that many fuzzed rows are still
    good and the whole file imports."""
    columns = st.one_of(st.just(free), st.integers(0, len(good) - 1))
    changes = st.lists(st.tuples(columns, cells), min_size=1, max_size=3)

    def apply(pairs: list[tuple[int, str]]) -> list[str]:
        row = list(good)
        for index, cell in pairs:
            row[index] = cell
        return row

    return changes.map(apply)


@FUZZ
@given(row=fuzzed(["T11", "东坝街道", "街道", "被考核单位"], free=1), position=st.integers(0, 2), kind=kinds)
def test_a_good_organisation_list_with_one_fuzzed_row_imports_every_row_or_none(world, row, position, kind):
    rows = [*GOOD_ORGS]
    rows.insert(position, row)
    with transaction.atomic():
        before = state()
        outcome = import_or_refuse(OrganisationResource(jurisdiction=world), *as_file(ORG_HEADERS, rows, kind))
        if isinstance(outcome, ImportRejected):
            assert state() == before
        else:
            codes = org_codes()
            assert codes["T10"] == "漆桥街道" and codes["D10"] == "区发改委"
            assert len(codes) - len(before[0]) == outcome.totals["new"]
        transaction.set_rollback(True)


GOOD_RATINGS = [
    ["2026-03", "ZJJ", "T01", "红旗", "H01", "老旧小区改造提前完成", ""],
    ["2026-03", "区市场监管局", "古柏街道", "黄灯", "Y01", "食品安全专项整治推进迟缓", "否"],
]


@FUZZ
@given(row=fuzzed(["2026-03", "SCJ", "T02", "红旗", "H01", "主动认领疑难工单", ""], free=5), position=st.integers(0, 2),
       kind=kinds, approve=st.booleans())
def test_good_ratings_with_one_fuzzed_row_import_every_row_or_none(world, row, position, kind, approve):
    rows = [*GOOD_RATINGS]
    rows.insert(position, row)
    with transaction.atomic():
        before = state()
        outcome = import_or_refuse(RatingResource(jurisdiction=world, approve=approve),
                                   *as_file(RATING_HEADERS, rows, kind))
        if isinstance(outcome, ImportRejected):
            assert state() == before
        else:
            reasons = set(Rating.objects.values_list("reason", flat=True))
            assert {"老旧小区改造提前完成", "食品安全专项整治推进迟缓"} <= reasons
            assert Rating.objects.count() - len(before[2]) == outcome.totals["new"]
        transaction.set_rollback(True)


@FUZZ
@given(head=header_rows(RATING_HEADERS), rows=grids, kind=kinds)
def test_any_grid_of_cells_imports_ratings_whole_or_not_at_all(world, head, rows, kind):
    with transaction.atomic():
        before = state()
        outcome = import_or_refuse(RatingResource(jurisdiction=world), *as_file(head, rows, kind))
        if isinstance(outcome, ImportRejected):
            assert state() == before
        transaction.set_rollback(True)
