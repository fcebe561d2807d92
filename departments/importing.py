"""Reading the office's spreadsheets (.xlsx, .csv) and importing them all or nothing.

Shared by the organisation, rule book and rating imports, on the command line and
in the admin (django-import-export). A clerk fixes a file by row and column, so
every problem is reported as (row as numbered in the spreadsheet, column header,
message); the header is row 1. One bad row imports no row.

What a clerk's file may hold, and what happens to it:

- What is read is what the clerk sees: the first *visible* worksheet (hidden sheets
  before it are skipped, and a note names the sheet read and the others). A hidden or
  filtered row with something in a column that is read, a hidden column that is read,
  and a cell whose number format shows nothing (;;;) are refused by row and column.
  Numbers read as their format shows them (1 formatted 000 is “001”); a column that
  needs a month refuses a number outright, since Excel keeps 2020.10 as 2020.1.
- Headers are compared without spaces and full-width forms (“ 月份 ”, “ｏ”); a column
  the import does not know (a 备注 column) or a column without a header is ignored,
  and a note names it. A missing or repeated column refuses the file.
- Formulas are never evaluated: a formula cell (or an error value such as #N/A) in a
  column the import reads is refused, naming the cell, and so is a merged cell there.
  Text that merely starts with “=” is text; every export writes it inert.
- Empty rows between rows are skipped and keep the numbering; trailing ones are
  dropped. Invisible control and zero-width characters are removed from cells.
- CSV may be UTF-8 (with or without BOM), GBK/GB18030 or UTF-16, comma- or
  tab-separated. A file that is something else under a spreadsheet's name (an image,
  an old .xls, a workbook called .csv) is refused with what it seems to be.
- Limits: ``IMPORT_MAX_BYTES`` for the file (an .xlsx may declare ten times that
  unpacked, and each part it is read from may really unpack to five times that),
  ``IMPORT_MAX_ROWS`` data rows, ``IMPORT_MAX_CELLS`` cells and distinct texts in a
  workbook, ``MAX_COLUMNS`` columns, and characters per cell: each import sets its
  columns' limits (``SheetResource.column_limits``, 100 unless set, 2,000 for a 事由)
  and the reader keeps no cell past ``CELL_MAX_CHARS``, only its length. Workbooks
  are read by ``lib.xlsx``, a streaming reader that counts all of this as it goes.
  Rows are read as a stream and reading stops at the first row over the limit, so a
  huge file costs neither memory nor database work.

The headers (编码, 名称 …) and the cell values (红旗, 两者 …) are the file format,
not interface text: they stay in Chinese whatever the interface language is.
"""

from __future__ import annotations

import copy

import csv
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import tablib
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.base import CommandError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from import_export import resources
from import_export.formats import base_formats
from import_export.results import Result, RowResult

from departments.models import Jurisdiction, Organisation
from lib import xlsx
from lib.identifiers import identifier_key

HEADER_ROWS = 1  # the header is row 1, the first data row is row 2
EXTENSIONS = (".xlsx", ".csv")
MAX_COLUMNS = 100  # a clerk's list has a dozen columns; wider is not a list of rows
UNPACKED_RATIO = 10  # an .xlsx may declare that it unpacks to this many times IMPORT_MAX_BYTES
PART_RATIO = 5  # and one part of it (the sheet, its shared strings) may really unpack to this many times
# The longest cell held while reading: longer text is counted, not kept. Each column has a
# limit of its own below this (SheetResource.column_limits); a 事由 is a paragraph, not a book.
CELL_MAX_CHARS = 10_000
# XML elements a part of a workbook may hold per cell allowed: a cell is two or three
# (<c><v>, a rich text run more), and empty rows, runs and styles cost as much each.
ELEMENTS_PER_CELL = 3
DEFAULT_COLUMN_LIMIT = 100  # characters, for a column whose import sets no limit of its own
MAX_LISTED = 100  # problems listed in one message; the rest are counted

# What a spreadsheet reads as the start of a formula (as ratings/sheets.py guards).
FORMULA_STARTS = ("=", "+", "-", "@")

_INVISIBLE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200d\u2060\ufeff]")
_HEADER_JUNK_RE = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]+")


# Errors ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem in a spreadsheet: ``row`` as the clerk sees it (None for the whole
    file), ``column`` the header ("" for the whole row), and why. ``unexpected`` marks
    an exception the import did not foresee (a bug, not a bad file)."""

    row: int | None
    column: str
    message: str
    unexpected: bool = False

    def __str__(self) -> str:
        if self.row is None:
            return f"「{self.column}」：{self.message}" if self.column else self.message
        if self.column:
            return _("第 %(row)d 行「%(column)s」：%(message)s") % {
                "row": self.row, "column": self.column, "message": self.message,
            }
        return _("第 %(row)d 行：%(message)s") % {"row": self.row, "message": self.message}


class ImportRejected(Exception):
    """The file was not imported; ``errors`` says where and why."""

    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        super().__init__(self.text())

    @classmethod
    def file(cls, message: str) -> ImportRejected:
        return cls([RowError(None, "", message)])

    @property
    def messages(self) -> list[str]:
        return [str(error) for error in self.errors]

    @property
    def listed(self) -> list[str]:
        """The messages, the first MAX_LISTED of them and a count of the rest."""
        messages = self.messages
        if len(messages) <= MAX_LISTED:
            return messages
        rest = len(messages) - MAX_LISTED
        return messages[:MAX_LISTED] + [_("……另有 %(count)d 处问题未列出") % {"count": rest}]

    def text(self) -> str:
        return "\n".join(self.listed)


class OrganisationFinder:
    """An import's column that names an organisation: the jurisdiction's organisations
    by 编码, else by 名称, both as compared (identifier_key), read once."""

    def __init__(self, jurisdiction: Jurisdiction):
        self.by_code: dict[str, Organisation] = {}
        self.by_name: dict[str, list[Organisation]] = {}
        for organisation in Organisation.objects.filter(jurisdiction=jurisdiction):
            self.by_code[identifier_key(organisation.code)] = organisation
            self.by_name.setdefault(identifier_key(organisation.name), []).append(organisation)

    def find(self, text: str) -> Organisation | None:
        key = identifier_key(text)
        if key in self.by_code:
            return self.by_code[key]
        named = self.by_name.get(key, [])
        active = [organisation for organisation in named if organisation.is_active]
        if len(active) > 1 or (len(named) > 1 and not active):
            raise ValueError(_("名称为“%(name)s”的单位不止一个，请改填编码") % {"name": text})
        return (active or named or [None])[0]


# Cells ----------------------------------------------------------------------------


class BadCell(str):
    """A cell that cannot be imported as it stands (a formula, an error value): its
    text as the clerk sees it, and the problem. Refused only in a column that is read."""

    problem: str

    def __new__(cls, text: str, problem: str) -> BadCell:
        cell = super().__new__(cls, text)
        cell.problem = problem
        return cell


class NumberCell(str):
    """A number from a workbook: the text its number format shows (2020.1 formatted
    ``0.00`` reads "2020.10"), and the number stored (``value``). A column that needs a
    month or a code can refuse a number whose meaning Excel has already changed."""

    value: int | float

    def __new__(cls, text: str, value: int | float) -> NumberCell:
        cell = super().__new__(cls, text)
        cell.value = value
        return cell


class OverlongCell(BadCell):
    """A text longer than CELL_MAX_CHARS: only its length was kept while reading."""

    length: int

    def __new__(cls, length: int) -> OverlongCell:
        cell = super().__new__(cls, "…", "")
        cell.length = length
        return cell


def too_long(length: int, limit: int) -> str:
    return _("这一格有 %(length)s 个字符，这一列最多 %(limit)s 个字符；请删减后再导入") % {
        "length": f"{length:,}", "limit": f"{limit:,}",
    }


def cell_text(value: Any) -> str:
    """A cell as the clerk reads it: numbers without a trailing .0, dates as ISO,
    without invisible characters or surrounding spaces."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if not text.isprintable():  # cheap test first: most cells hold none
        text = _INVISIBLE_RE.sub("", text)
    return text.strip()


def normalise_header(value: Any) -> str:
    """“ 月 份 ”, “月份\\n” and full-width letters are the header they look like."""
    return _HEADER_JUNK_RE.sub("", unicodedata.normalize("NFKC", cell_text(value)))


def is_blank(values: Iterable[Any]) -> bool:
    return all(cell_text(value) == "" for value in values)


def starts_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def column_letter(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def row_list(numbers: Sequence[int], shown: int = 10) -> str:
    """第 2、3、5 行 (the first ``shown`` rows, then how many in all)."""
    listed = "、".join(str(number) for number in numbers[:shown])
    if len(numbers) <= shown:
        return _("第 %(rows)s 行") % {"rows": listed}
    return _("第 %(rows)s 行等 %(count)d 行") % {"rows": listed, "count": len(numbers)}


def _shorten(text: str, length: int = 30) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _formula(text: str) -> BadCell:
    return BadCell(text, _(
        "是公式（%(formula)s）；导入时不计算公式，请改为直接填写的值（复制后“选择性粘贴 → 值”）"
    ) % {"formula": _shorten(text)})


def _error_value(text: str) -> BadCell:
    return BadCell(text, _("是错误值 %(value)s，请改为正确的值") % {"value": text})


# Reading --------------------------------------------------------------------------


def check_size(size: int) -> None:
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise ImportRejected.file(
            _("文件太大（%(size)s），上限为 %(limit)s") % {"size": _megabytes(size), "limit": _megabytes(limit)}
        )
    if size == 0:
        raise ImportRejected.file(_("文件是空的"))


def _megabytes(size: int) -> str:
    if size < 1024 * 1024:
        return f"{-(-size // 1024)} KB"  # rounded up
    return f"{size / (1024 * 1024):.1f} MB"


@dataclass
class SheetInfo:
    """What the reader learnt about the file besides its cells; kept on the Dataset."""

    sheet: str = ""  # the worksheet read ("" for a CSV)
    other_sheets: list[str] = field(default_factory=list)
    skipped_sheets: list[str] = field(default_factory=list)  # hidden sheets before the one read
    hidden_rows: set[int] = field(default_factory=set)  # hidden or filtered away in Excel
    hidden_columns: list[tuple[int, int]] = field(default_factory=list)  # (first, last), from 1
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # min col, min row, max col, max row
    headerless: set[int] = field(default_factory=set)  # columns past the header that hold something
    notes: list[str] = field(default_factory=list)
    conformed: bool = False


def sheet_info(dataset: tablib.Dataset) -> SheetInfo:
    info = getattr(dataset, "sheet_info", None)
    if info is None:
        info = dataset.sheet_info = SheetInfo()
    return info


@dataclass
class _Source:
    rows: Iterator[tuple[int, list[Any]]]  # (row number from 1, cells), row numbers increasing
    info: SheetInfo


# What a file is, by its first bytes, when it is not what its name says.
_SIGNATURES = (
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"%PDF", "PDF 文件"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
)
_OLE = b"\xd0\xcf\x11\xe0"  # old .xls, .doc, and workbooks with an opening password
_ZIP = b"PK\x03\x04"


def _not_a_table(content: bytes) -> str | None:
    for signature, what in _SIGNATURES:
        if content.startswith(signature):
            return _("这是一个 %(what)s，不是电子表格；请选择 .xlsx 或 .csv 文件") % {"what": what}
    if content.startswith(_OLE):
        return _(
            "这是旧版 Excel（.xls）文件或设置了打开密码的工作簿；请在 Excel 中去掉密码并“另存为”Excel 工作簿（.xlsx）后再试"
        )
    return None


def xlsx_limits() -> xlsx.Limits:
    """What reading one workbook may cost, from the import limits."""
    cells = settings.IMPORT_MAX_CELLS
    return xlsx.Limits(part_bytes=settings.IMPORT_MAX_BYTES * PART_RATIO, cells=cells, strings=cells,
                       elements=cells * ELEMENTS_PER_CELL,
                       cell_chars=CELL_MAX_CHARS, columns=MAX_COLUMNS)


def _xlsx_problem(error: xlsx.XlsxError) -> str:
    if error.code == "no_sheet":
        return _("这个工作簿里没有可见的工作表")
    if error.code == "part_too_big":
        return _("这个 .xlsx 文件中的“%(part)s”解压后超过 %(limit)s，无法导入；请删去多余的内容，或拆成几个文件")% {
            "part": error.details["part"], "limit": _megabytes(error.details["limit"]),
        }
    if error.code == "too_complex":
        return _("这个 .xlsx 文件中的“%(part)s”结构过于复杂（超过 %(limit)s 个元素），无法导入；请在 Excel 中另存为 .xlsx 后再试") % {
            "part": error.details["part"], "limit": f"{error.details['limit']:,}",
        }
    if error.code == "too_many_strings":
        return _("这个 .xlsx 文件含有超过 %(limit)s 段不同的文字，无法导入；请删去多余的内容，或拆成几个文件") % {
            "limit": f"{error.details['limit']:,}",
        }
    if error.code == "too_many_cells":
        return _("这个工作表的单元格超过 %(limit)s 个（读到第 %(row)s 行时），无法导入；请删去多余的行、列或格式，或拆成几个文件") % {
            "limit": f"{error.details['limit']:,}", "row": f"{error.details.get('row', 0):,}",
        }
    return _("无法读取这个 .xlsx 文件，它可能不是 Excel 工作簿或已损坏，请在 Excel 中另存为 .xlsx 后再试")


def _xlsx_source(content: bytes) -> _Source:
    from openpyxl.utils.cell import range_boundaries

    if not content.startswith(_ZIP):
        problem = _not_a_table(content)
        if problem:
            raise ImportRejected.file(problem)
        if b"\x00" not in content[:4096] and _decodes(content[:4096]):
            raise ImportRejected.file(_("这个文件是文本（CSV），不是 Excel 工作簿；请把文件扩展名改为 .csv 后再导入"))
        raise ImportRejected.file(_xlsx_problem(xlsx.XlsxError("unreadable")))
    # What the zip's directory declares, a first cheap check; the reader then counts what
    # each part really unpacks to, whatever the directory says.
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except Exception as exc:  # BadZipFile, and whatever a damaged directory makes zipfile raise
        raise ImportRejected.file(_xlsx_problem(xlsx.XlsxError("unreadable"))) from exc
    limit = settings.IMPORT_MAX_BYTES * UNPACKED_RATIO
    if unpacked > limit:
        raise ImportRejected.file(
            _("这个 .xlsx 文件解压后太大（%(size)s，上限为 %(limit)s）")
            % {"size": _megabytes(unpacked), "limit": _megabytes(limit)}
        )
    try:
        sheet = xlsx.read(content, xlsx_limits())
    except xlsx.XlsxError as exc:
        raise ImportRejected.file(_xlsx_problem(exc)) from exc
    info = SheetInfo(sheet=sheet.name, other_sheets=sheet.others, skipped_sheets=sheet.skipped_hidden)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for row in sheet.rows:
                if row.hidden:
                    info.hidden_rows.add(row.number)
                yield row.number, [_xlsx_value(value) for value in row.cells]
        except xlsx.XlsxError as exc:
            raise ImportRejected.file(_xlsx_problem(exc)) from exc
        try:
            info.merged.extend(range_boundaries(ref) for ref in sheet.merged)
        except (TypeError, ValueError) as exc:
            raise ImportRejected.file(_xlsx_problem(xlsx.XlsxError("unreadable"))) from exc
        info.hidden_columns.extend(sheet.hidden_columns)

    return _Source(rows(), info)


def _xlsx_value(value: Any) -> Any:
    """A cell from the reader as the import holds it: text, a date, or a marked cell."""
    if isinstance(value, xlsx.Number):
        return NumberCell(value.shown if value.shown is not None else cell_text(value.value), value.value)
    if isinstance(value, xlsx.Formula):
        return _formula(value.text)
    if isinstance(value, xlsx.ErrorValue):
        return _error_value(value.text)
    if isinstance(value, xlsx.Overlong):
        return OverlongCell(value.length)
    if isinstance(value, xlsx.Invisible):
        return BadCell("…", _("这一格的数字格式把内容隐藏了（如 ;;;），在 Excel 中看不到；请把单元格格式改为“常规”并检查后再导入"))
    return value


def _decodes(content: bytes) -> bool:
    try:
        _decode_csv(content)
    except ImportRejected:
        return False
    return True


def _decode_csv(content: bytes) -> str:
    # Excel saves UTF-8 with a BOM; Chinese Excel's plain "CSV" is GBK (gb18030 is its
    # superset); "Unicode text" is UTF-16 with a BOM.
    encodings = ("utf-16",) if content.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRejected.file(_("无法识别 CSV 文件的编码，它可能不是文本表格；请另存为“CSV UTF-8”或 .xlsx 后再试"))


def _csv_source(content: bytes) -> _Source:
    if content.startswith(_ZIP):
        raise ImportRejected.file(_("这个文件其实是 Excel 工作簿（.xlsx）；请把文件扩展名改为 .xlsx 后再导入"))
    problem = _not_a_table(content)
    if problem:
        raise ImportRejected.file(problem)
    text = _decode_csv(content)
    if "\x00" in text:
        raise ImportRejected.file(_("无法读取这个 .csv 文件，它可能不是文本表格，请另存为 CSV 或 .xlsx 后再试"))
    first_line = text[:4096].partition("\n")[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","

    def rows() -> Iterator[tuple[int, list[Any]]]:
        number = 0
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            for number, row in enumerate(reader, start=1):
                if len(row) > MAX_COLUMNS:
                    row = row[:MAX_COLUMNS] + [next((cell for cell in row[MAX_COLUMNS:] if cell.strip()), "")]
                yield number, row
        except csv.Error as exc:
            message = (
                _("有一个单元格超过 %(limit)d 个字符，请检查引号是否成对") % {"limit": csv.field_size_limit()}
                if "field limit" in str(exc) else _("无法按 CSV 格式读取这一行，请检查引号是否成对")
            )
            raise ImportRejected([RowError(number + 1, "", message)]) from exc

    return _Source(rows(), SheetInfo())


def _held(cell: Any) -> str:
    """A cell's text as the import holds it; marked cells keep their mark."""
    if isinstance(cell, (BadCell, NumberCell)):
        return cell
    text = cell_text(cell)
    return OverlongCell(len(text)) if len(text) > CELL_MAX_CHARS else text


def parse_spreadsheet(content: bytes, *, kind: str) -> tablib.Dataset:
    """Read the first sheet (``kind`` "xlsx" or "csv") into a Dataset of text cells.

    The first row is the header. Trailing empty rows are dropped; empty rows in between
    are kept (and skipped on import) so that row numbers stay the spreadsheet's own.
    Formula and error cells stay as BadCell until ``conform`` knows the columns read."""
    check_size(len(content))
    with warnings.catch_warnings():
        # openpyxl warns about features it drops (data validation, styles); they do not matter here.
        warnings.simplefilter("ignore")
        source = _xlsx_source(content) if kind == "xlsx" else _csv_source(content)
        return _read_rows(source)


def _read_rows(source: _Source) -> tablib.Dataset:
    limit = settings.IMPORT_MAX_ROWS
    info = source.info
    headers: list[str] = []
    rows: list[list[Any]] = []
    for number, cells in source.rows:
        if number == 1:
            headers = [normalise_header(cell if len(cell_text(cell)) <= CELL_MAX_CHARS else "…") for cell in cells]
            while headers and headers[-1] == "":
                headers.pop()
            continue
        values = [_held(cell) for cell in cells]
        if not any(values):
            continue  # kept below, as padding, only if a row follows
        if number - HEADER_ROWS > limit:
            # Stop reading here: nothing more is held, and the database is never asked.
            raise ImportRejected([RowError(number, "", _(
                "一个文件最多导入 %(limit)s 行数据（第 2 行至第 %(last)s 行），这个文件更长；请把它拆成几个文件分别导入"
            ) % {"limit": f"{limit:,}", "last": f"{limit + HEADER_ROWS:,}"})])
        if len(values) > MAX_COLUMNS and values[MAX_COLUMNS]:
            raise ImportRejected([RowError(number, "", _(
                "%(column)s 列之后还有内容；一个文件最多 %(max)d 列，请删去多余的列"
            ) % {"column": column_letter(MAX_COLUMNS), "max": MAX_COLUMNS})])
        width = len(headers)
        info.headerless.update(column for column in range(width + 1, len(values) + 1) if values[column - 1])
        while len(rows) < number - HEADER_ROWS - 1:
            rows.append([""] * width)
        rows.append((values + [""] * width)[:width])
    if not headers:
        raise ImportRejected.file(_("第 1 行应为表头，但它是空的") if rows else _("文件是空的"))
    if len(headers) > MAX_COLUMNS:
        raise ImportRejected([RowError(1, "", _("表头超过 %(max)d 列，请删去多余的列") % {"max": MAX_COLUMNS})])
    if not rows:
        raise ImportRejected.file(_("文件中只有表头，没有数据（从第 2 行开始填写）"))
    dataset = tablib.Dataset(*rows, headers=headers)
    dataset.sheet_info = info
    return dataset


def conform(dataset: tablib.Dataset, required: Sequence[str], optional: Sequence[str] = (),
            refused: Mapping[str, str] | None = None, limits: Mapping[str, int] | None = None) -> list[str]:
    """Check the header row and the cells of the columns an import reads, then keep
    only those columns (in place). Returns the notes for the clerk: what was ignored.

    Refused: a required column missing, a column twice, a column in ``refused``
    (header → why), a formula, error value or merged cell in a column that is read, a
    cell longer than its column's limit (``limits``: header → characters, else
    DEFAULT_COLUMN_LIMIT), a hidden column that is read, a hidden row with something
    in a column that is read (the clerk cannot see what would be imported).
    Ignored with a note: unknown columns, columns without a header, other worksheets."""
    info = sheet_info(dataset)
    if info.conformed:
        return info.notes
    headers = [normalise_header(header) for header in dataset.headers or []]
    known = (*required, *optional)
    expected = "、".join(required)
    used: dict[str, int] = {}
    errors: list[RowError] = []
    for index, header in enumerate(headers):
        if header in known and header not in used:
            used[header] = index
    for header in headers:
        if header in (refused or {}):
            errors.append(RowError(1, header, str(refused[header])))
    for header in used:
        if headers.count(header) > 1:
            errors.append(RowError(1, header, _("这一列出现了 %(count)d 次") % {"count": headers.count(header)}))
    missing = [header for header in required if header not in used]
    if missing and not used:
        found = "、".join(_shorten(h, 12) for h in headers[:8] if h) or _("（空）")
        raise ImportRejected([RowError(None, "", _(
            "第 1 行应为表头（%(expected)s），但一列也没有找到；第 1 行是：%(found)s。"
            "如果表头上面还有标题行，请删去标题行；如果表头是乱码，请另存为“CSV UTF-8”或 .xlsx 后再试"
        ) % {"expected": expected, "found": found})])
    errors.extend(RowError(1, header, _("缺少这一列，表头应为：%(expected)s") % {"expected": expected})
                  for header in missing)
    for header, index in used.items():
        limit = (limits or {}).get(header, DEFAULT_COLUMN_LIMIT)
        if info.hidden_columns and any(first <= index + 1 <= last for first, last in info.hidden_columns):
            errors.append(RowError(1, header, _(
                "这一列（%(column)s 列）在 Excel 中被隐藏了，看不到其中的内容；请取消隐藏并检查后再导入"
            ) % {"column": column_letter(index + 1)}))
        for offset, row in enumerate(dataset):
            cell = row[index]
            if isinstance(cell, OverlongCell):
                errors.append(RowError(offset + HEADER_ROWS + 1, header, too_long(cell.length, limit)))
            elif isinstance(cell, BadCell):
                errors.append(RowError(offset + HEADER_ROWS + 1, header, cell.problem))
            elif len(cell) > limit:
                errors.append(RowError(offset + HEADER_ROWS + 1, header, too_long(len(cell), limit)))
    for number in sorted(info.hidden_rows):
        cells = dataset.headers if number == HEADER_ROWS else (
            dataset[number - HEADER_ROWS - 1] if number - HEADER_ROWS - 1 < len(dataset) else ())
        if any(cell_text(cells[index]) for index in used.values() if index < len(cells)):
            errors.append(RowError(number, "", _(
                "这一行在 Excel 中被隐藏了（隐藏行或筛选），看不到其中的内容；请取消隐藏、清除筛选并检查后再导入"
            )))
    for min_col, min_row, max_col, max_row in info.merged:
        columns = [header for header, index in used.items() if min_col <= index + 1 <= max_col]
        if columns:
            errors.append(RowError(min_row, columns[0], _(
                "%(range)s 是合并单元格：合并后只有第一格有值；请取消合并，并在每一格填写"
            ) % {"range": f"{column_letter(min_col)}{min_row}:{column_letter(max_col)}{max_row}"}))
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: (e.row or 0, used.get(e.column, -1))))

    notes = []
    if info.skipped_sheets:
        notes.append(_("读取的是第一个可见的工作表“%(sheet)s”；它前面的隐藏工作表没有读取：%(hidden)s") % {
            "sheet": info.sheet, "hidden": "、".join(f"“{name}”" for name in info.skipped_sheets),
        })
    others = [name for name in info.other_sheets if name not in info.skipped_sheets]
    if others and info.skipped_sheets:
        notes.append(_("其余的工作表也没有读取：%(others)s") % {"others": "、".join(f"“{name}”" for name in others)})
    elif others:
        notes.append(_("只读取了第一个工作表“%(sheet)s”，没有读取：%(others)s") % {
            "sheet": info.sheet, "others": "、".join(f"“{name}”" for name in others),
        })
    unknown = [f"{header}（{column_letter(index + 1)} 列）" for index, header in enumerate(headers)
               if header and index not in used.values() and header not in (refused or {})]
    if unknown:
        notes.append(_("以下列不在导入格式中，没有导入：%(columns)s") % {"columns": "、".join(unknown)})
    headerless = set(info.headerless)
    for index, header in enumerate(headers):
        if not header and any(cell_text(row[index]) for row in dataset):
            headerless.add(index + 1)
    if headerless:
        notes.append(_("以下列没有表头，没有导入：%(columns)s") % {
            "columns": "、".join(f"{column_letter(column)} 列" for column in sorted(headerless)),
        })

    kept = sorted(used.items(), key=lambda item: item[1])
    rows = [[row[index] for _header, index in kept] for row in dataset]
    dataset.wipe()
    dataset.headers = [header for header, _index in kept]
    for row in rows:
        dataset.append(row)
    info.notes.extend(notes)
    info.conformed = True
    return info.notes


def spreadsheet_kind(name: str) -> str:
    """"xlsx" or "csv", from the file name; anything else is refused."""
    suffix = Path(name).suffix.lower()
    if suffix not in EXTENSIONS:
        hint = _("；.xls 请先在 Excel 中另存为 .xlsx") if suffix == ".xls" else ""
        raise ImportRejected.file(
            _("只能导入 .xlsx 或 .csv 文件，“%(name)s”不是%(hint)s") % {"name": Path(name).name, "hint": hint}
        )
    return suffix.lstrip(".")


def read_dataset(
    *, name: str, content: bytes, required: Sequence[str] = (), optional: Sequence[str] = (),
    refused: Mapping[str, str] | None = None, limits: Mapping[str, int] | None = None,
) -> tablib.Dataset:
    """A spreadsheet's bytes, as uploaded or read from disk, checked and parsed."""
    dataset = parse_spreadsheet(content, kind=spreadsheet_kind(name))
    if required:
        conform(dataset, required, optional, refused, limits)
    return dataset


def read_file(path: str | Path, *, required: Sequence[str] = (), optional: Sequence[str] = (),
              refused: Mapping[str, str] | None = None, limits: Mapping[str, int] | None = None) -> tablib.Dataset:
    path = Path(path)
    if not path.is_file():
        raise ImportRejected.file(_("找不到文件“%(path)s”") % {"path": path})
    spreadsheet_kind(path.name)
    # Refuse a huge file before reading it into memory.
    check_size(path.stat().st_size)
    return read_dataset(name=path.name, content=path.read_bytes(), required=required, optional=optional,
                        refused=refused, limits=limits)


class XLSXFormat(base_formats.XLSX):
    """The admin's .xlsx format, through the same reader as the commands."""

    def create_dataset(self, in_stream):
        return parse_spreadsheet(in_stream, kind="xlsx")


class CSVFormat(base_formats.CSV):
    """The admin's .csv format: read as bytes so that GBK files work too."""

    def is_binary(self) -> bool:
        return True

    def get_read_mode(self) -> str:
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, str):
            in_stream = in_stream.encode("utf-8")
        return parse_spreadsheet(in_stream, kind="csv")


IMPORT_FORMATS = [XLSXFormat, CSVFormat]


# Importing ------------------------------------------------------------------------


class SheetResult(Result):
    """import-export's result, numbered as the spreadsheet is (header = row 1) and
    without the empty rows a clerk leaves between entries; ``notes`` tell the clerk
    what was read but not imported (ignored columns, rows already recorded)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.notes: list[str] = []

    def append_invalid_row(self, number, row, validation_error):
        super().append_invalid_row(number + HEADER_ROWS, row, validation_error)

    def append_error_row(self, number, row, errors):
        super().append_error_row(number + HEADER_ROWS, row, errors)

    def row_errors(self):
        return [(row.number, row.errors) for row in self.error_rows]

    def increment_row_result_total(self, row_result):
        if not getattr(row_result, "is_blank", False):
            super().increment_row_result_total(row_result)

    def append_row_result(self, row_result):
        if not getattr(row_result, "is_blank", False):
            super().append_row_result(row_result)


class SheetResource(resources.ModelResource):
    """A ModelResource for a clerk's spreadsheet.

    Validation errors are keyed by the Chinese column header (the admin shows the
    key next to the message); ``required_columns`` must not be blank; empty rows are
    skipped. The resource works inside one jurisdiction and acts as ``user``
    (None: a management command acting for the office)."""

    required_headers: tuple[str, ...] = ()
    optional_headers: tuple[str, ...] = ()
    # Headers that must not be there, and why (a 年度 column where the year is given).
    refused_headers: dict[str, str] = {}
    # Characters a cell may hold, by header (DEFAULT_COLUMN_LIMIT for the others).
    column_limits: dict[str, int] = {}
    required_columns: tuple[str, ...] = ()
    # Model fields whose errors belong to a column other than their own field's.
    extra_columns: dict[str, str] = {}

    def __init__(self, *, jurisdiction: Jurisdiction, user=None, preview: bool = True, **kwargs):
        """``preview=False`` skips the per-row before/after comparison only the admin's
        preview shows; import-export then passes no ``original`` to ``skip_row``, so
        only a resource whose checks do not read it may be given it (the ratings'
        command does)."""
        super().__init__(**kwargs)
        # The headers in the language of this import, once: a lazy one is translated
        # again every time a row's cell is looked up by it.
        for field in self.fields.values():
            if isinstance(field.column_name, Promise):
                field.column_name = str(field.column_name)
        if not preview and not self._meta.skip_diff:
            self._meta = copy.copy(self._meta)  # this resource's own options, not the class's
            self._meta.skip_diff = True
        self.jurisdiction = jurisdiction
        self.user = user
        self.current_row: int | None = None
        self.notes: list[str] = []  # for the clerk, about rows read but not imported
        for field in self.fields.values():
            if hasattr(field.widget, "bind"):
                field.widget.bind(self)

    @classmethod
    def get_result_class(cls):
        return SheetResult

    # The header and cell check, again, for the admin (the commands did it while reading).
    def before_import(self, dataset, **kwargs):
        self.notes = []
        try:
            conform(dataset, self.required_headers, self.optional_headers, self.refused_headers, self.column_limits)
        except ImportRejected:
            del dataset[0:len(dataset)]  # import no row
            raise

    def after_import(self, dataset, result, **kwargs):
        if isinstance(result, SheetResult):
            result.notes = [*sheet_info(dataset).notes, *self.notes]

    def import_row(self, row, instance_loader, **kwargs):
        if is_blank(row.values()):
            row_result = self.get_row_result_class()()
            row_result.import_type = RowResult.IMPORT_TYPE_SKIP
            row_result.is_blank = True
            return row_result
        self.current_row = kwargs.get("row_number", 0) + HEADER_ROWS
        return super().import_row(row, instance_loader, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        errors: dict[str, list] = {}
        for column in self.required_columns:
            if cell_text(row.get(column)) == "":
                errors[column] = [_("不能为空")]
        for field in self.get_import_fields():
            if field.column_name in errors:
                continue
            try:
                self.import_field(field, instance, row, **kwargs)
            except ValueError as exc:
                errors[field.column_name] = [str(exc)]
        if errors:
            raise ValidationError(errors)
        self.check_row(instance, row)

    def check_row(self, instance, row) -> None:
        """Checks across columns (duplicates in the file …); raise ValidationError."""

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = {key: list(value) for key, value in (import_validation_errors or {}).items()}
        if self._meta.clean_model_instances:
            exclude = {self.attribute_of(column) for column in errors}
            try:
                instance.full_clean(exclude=exclude, validate_unique=validate_unique)
            except ValidationError as exc:
                for key, messages in self.by_column(exc).message_dict.items():
                    errors.setdefault(key, []).extend(messages)
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs):
        # django-simple-history records who imported the change.
        instance._history_user = self.user
        instance._change_reason = _("导入")

    def column_of(self, name: str) -> str:
        """The column header for a model field name (NON_FIELD_ERRORS if none)."""
        if name in self.extra_columns:
            return self.extra_columns[name]
        for field in self.fields.values():
            if field.attribute in (name, f"{name}_id"):
                return field.column_name
        return NON_FIELD_ERRORS

    def attribute_of(self, column: str) -> str:
        for field in self.fields.values():
            if field.column_name == column:
                return field.attribute or column
        return column

    def by_column(self, exc: ValidationError, default: str = NON_FIELD_ERRORS) -> ValidationError:
        """A model or service ValidationError re-keyed by column header."""
        if not hasattr(exc, "error_dict"):
            return ValidationError({default: exc.messages})
        errors: dict[str, list[str]] = {}
        for name, messages in exc.message_dict.items():
            errors.setdefault(self.column_of(name), []).extend(messages)
        return ValidationError(errors)


class ResourceWidget:
    """A widget that looks things up through its resource (jurisdiction, caches)."""

    resource: SheetResource

    def bind(self, resource: SheetResource) -> None:
        self.resource = resource


def result_errors(result: Result) -> list[RowError]:
    """import-export's base errors, row errors and validation errors as RowErrors."""
    errors: list[RowError] = []
    for base in result.base_errors:
        if isinstance(base.error, ImportRejected):
            errors.extend(base.error.errors)
        else:
            errors.append(RowError(None, "", str(base.error)))
    for error_row in result.error_rows:
        for error in error_row.errors:
            # An exception the import did not foresee: still refused, still named by row.
            errors.append(RowError(error_row.number, "", _("导入这一行时出错：%(error)s") % {"error": error.error},
                                   unexpected=True))
    for invalid in result.invalid_rows:
        for key, messages in invalid.error_dict.items():
            column = "" if key == NON_FIELD_ERRORS else key
            errors.extend(RowError(invalid.number, column, str(message)) for message in messages)
    return sorted(errors, key=lambda e: (e.row is not None, e.row or 0))


def import_all_or_nothing(resource: resources.Resource, dataset: tablib.Dataset, *, dry_run: bool = False,
                          **kwargs) -> Result:
    """Run ``resource.import_data`` in one transaction; if any row fails nothing is
    written and ImportRejected lists every problem."""
    result = resource.import_data(
        dataset, dry_run=dry_run, raise_errors=False, use_transactions=True, rollback_on_validation_errors=True,
        **kwargs,
    )
    errors = result_errors(result)
    if errors:
        raise ImportRejected(errors)
    return result


def import_file(resource: SheetResource, path: str | Path, *, dry_run: bool = False) -> Result:
    """Read a spreadsheet from disk and import it all or nothing."""
    dataset = read_file(path, required=resource.required_headers, optional=resource.optional_headers,
                        refused=resource.refused_headers, limits=resource.column_limits)
    return import_all_or_nothing(resource, dataset, dry_run=dry_run, file_name=Path(path).name)


def command_import(resource_class: type[SheetResource], path: str | Path, *, jurisdiction: str | None,
                   dry_run: bool = False, **resource_kwargs) -> Result:
    """The import commands: read and check the whole file first, without the database,
    then import it into the jurisdiction all or nothing (CommandError if refused)."""
    try:
        dataset = read_file(path, required=resource_class.required_headers, optional=resource_class.optional_headers,
                            refused=resource_class.refused_headers, limits=resource_class.column_limits)
    except ImportRejected as exc:
        raise rejected_command_error(exc)
    resource = resource_class(jurisdiction=command_jurisdiction(jurisdiction), **resource_kwargs)
    try:
        return import_all_or_nothing(resource, dataset, dry_run=dry_run, file_name=Path(path).name)
    except ImportRejected as exc:
        raise rejected_command_error(exc)


@dataclass(frozen=True)
class Summary:
    new: int
    updated: int
    unchanged: int

    @classmethod
    def of(cls, result: Result) -> Summary:
        return cls(
            result.totals[RowResult.IMPORT_TYPE_NEW],
            result.totals[RowResult.IMPORT_TYPE_UPDATE],
            result.totals[RowResult.IMPORT_TYPE_SKIP],
        )

    def __str__(self) -> str:
        return _("新增 %(new)d，更新 %(updated)d，未变 %(unchanged)d") % {
            "new": self.new, "updated": self.updated, "unchanged": self.unchanged,
        }


# Commands -------------------------------------------------------------------------


def command_jurisdiction(code: str | None) -> Jurisdiction:
    """``--jurisdiction CODE``; optional while there is only one jurisdiction."""
    if code:
        try:
            return Jurisdiction.objects.get(code=code)
        except Jurisdiction.DoesNotExist:
            known = "、".join(Jurisdiction.objects.values_list("code", flat=True))
            raise CommandError(_("没有编码为“%(code)s”的辖区（现有：%(known)s）") % {"code": code, "known": known})
    jurisdictions = list(Jurisdiction.objects.filter(is_active=True)[:2])
    if len(jurisdictions) == 1:
        return jurisdictions[0]
    if not jurisdictions:
        raise CommandError(_("还没有任何辖区"))
    known = "、".join(Jurisdiction.objects.filter(is_active=True).values_list("code", flat=True))
    raise CommandError(_("有多个辖区，请用 --jurisdiction 指定其中一个：%(known)s") % {"known": known})


def dry_run_note(dry_run: bool) -> str:
    return _("【试运行，未写入】") if dry_run else ""


def rejected_command_error(exc: ImportRejected) -> CommandError:
    return CommandError(_("导入失败，没有写入任何数据：") + "\n" + exc.text())


def write_notes(stdout, result: Result) -> None:
    for note in getattr(result, "notes", ()):
        stdout.write(_("注意：%(note)s") % {"note": note})
