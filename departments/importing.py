"""Reading the office's spreadsheets (.xlsx, .csv) and importing them all or nothing.

Shared by the organisation, rule book and rating imports, on the command line and
in the admin (django-import-export). A clerk fixes a file by row and column, so
every problem is reported as (row as numbered in the spreadsheet, column header,
message); the header is row 1. One bad row imports no row.

The headers (编码, 名称 …) and the cell values (红旗, 两者 …) are the file format,
not interface text: they stay in Chinese whatever the interface language is.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import tablib
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from import_export import resources
from import_export.formats import base_formats
from import_export.results import Result, RowResult

from departments.models import Jurisdiction

HEADER_ROWS = 1  # the header is row 1, the first data row is row 2
EXTENSIONS = (".xlsx", ".csv")


# Errors ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem in a spreadsheet: ``row`` as the clerk sees it (None for the whole
    file), ``column`` the header ("" for the whole row), and why."""

    row: int | None
    column: str
    message: str

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

    def text(self) -> str:
        return "\n".join(self.messages)


# Reading --------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A cell as the clerk reads it: numbers without a trailing .0, dates as ISO."""
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
    return str(value).strip()


def is_blank(values: Iterable[Any]) -> bool:
    return all(cell_text(value) == "" for value in values)


def check_size(size: int) -> None:
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise ImportRejected.file(
            _("文件太大（%(size)s），上限为 %(limit)s") % {"size": _megabytes(size), "limit": _megabytes(limit)}
        )
    if size == 0:
        raise ImportRejected.file(_("文件是空的"))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _xlsx_rows(content: bytes) -> list[list[Any]]:
    import openpyxl

    unreadable = _("无法读取这个 .xlsx 文件，它可能不是 Excel 工作簿或已损坏，请在 Excel 中另存为 .xlsx 后再试")
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise ImportRejected.file(unreadable)
    # openpyxl raises many kinds of errors on a file that is a zip but not a workbook.
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            return [list(row) for row in book.active.iter_rows(values_only=True)]
        finally:
            book.close()
    except Exception as exc:
        raise ImportRejected.file(unreadable) from exc


def _decode_csv(content: bytes) -> str:
    # Excel saves UTF-8 with a BOM; Chinese Excel's plain "CSV" is GBK (gb18030 is its superset).
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRejected.file(_("无法识别 CSV 文件的编码，请另存为“CSV UTF-8”或 .xlsx 后再试"))


def _csv_rows(content: bytes) -> list[list[Any]]:
    if b"\x00" in content:
        raise ImportRejected.file(_("无法读取这个 .csv 文件，它可能不是文本表格，请另存为 CSV 或 .xlsx 后再试"))
    text = _decode_csv(content)
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise ImportRejected.file(_("无法读取这个 .csv 文件：%(error)s") % {"error": exc}) from exc


def parse_spreadsheet(content: bytes, *, kind: str) -> tablib.Dataset:
    """Read the first sheet (``kind`` "xlsx" or "csv") into a Dataset of text cells.

    The first row is the header. Trailing empty rows and columns are dropped; empty
    rows in between are kept (and skipped on import) so that row numbers stay the
    spreadsheet's own."""
    check_size(len(content))
    rows = _xlsx_rows(content) if kind == "xlsx" else _csv_rows(content)
    while rows and is_blank(rows[-1]):
        rows.pop()
    if not rows:
        raise ImportRejected.file(_("文件是空的"))
    headers = [cell_text(value).lstrip("\ufeff") for value in rows[0]]
    while headers and headers[-1] == "":
        headers.pop()
    if not headers:
        raise ImportRejected.file(_("第 1 行应为表头，但它是空的"))
    width = len(headers)
    errors = []
    dataset = tablib.Dataset(headers=headers)
    for number, row in enumerate(rows[1:], start=HEADER_ROWS + 1):
        cells = [cell_text(value) for value in row]
        if any(cells[width:]):
            errors.append(RowError(number, "", _("表头以外的列中有内容，请删除或补上表头")))
        cells = (cells + [""] * width)[:width]
        dataset.append(cells)
    if errors:
        raise ImportRejected(errors)
    if all(is_blank(row) for row in dataset):
        raise ImportRejected.file(_("文件中只有表头，没有数据（从第 2 行开始填写）"))
    return dataset


def check_headers(headers: Sequence[str] | None, required: Sequence[str], optional: Sequence[str] = ()) -> None:
    """The header row must hold each required column once and nothing unknown."""
    headers = [str(h or "").strip() for h in headers or []]
    expected = "、".join(required)
    errors = []
    for position, header in enumerate(headers, start=1):
        if header == "":
            errors.append(RowError(1, "", _("第 %(n)d 列没有表头") % {"n": position}))
        elif header not in required and header not in optional:
            errors.append(RowError(1, header, _("不认识这一列，表头应为：%(expected)s") % {"expected": expected}))
        elif headers.count(header) > 1 and headers.index(header) == position - 1:
            errors.append(RowError(1, header, _("这一列出现了 %(count)d 次") % {"count": headers.count(header)}))
    for header in required:
        if header not in headers:
            errors.append(RowError(1, header, _("缺少这一列，表头应为：%(expected)s") % {"expected": expected}))
    if errors:
        raise ImportRejected(errors)


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
    *, name: str, content: bytes, required: Sequence[str] = (), optional: Sequence[str] = ()
) -> tablib.Dataset:
    """A spreadsheet's bytes, as uploaded or read from disk, checked and parsed."""
    dataset = parse_spreadsheet(content, kind=spreadsheet_kind(name))
    if required:
        check_headers(dataset.headers, required, optional)
    return dataset


def read_file(path: str | Path, *, required: Sequence[str] = (), optional: Sequence[str] = ()) -> tablib.Dataset:
    path = Path(path)
    if not path.is_file():
        raise ImportRejected.file(_("找不到文件“%(path)s”") % {"path": path})
    # Refuse a huge file before reading it into memory.
    check_size(path.stat().st_size)
    return read_dataset(name=path.name, content=path.read_bytes(), required=required, optional=optional)


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
    without the empty rows a clerk leaves between entries."""

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
    required_columns: tuple[str, ...] = ()
    # Model fields whose errors belong to a column other than their own field's.
    extra_columns: dict[str, str] = {}

    def __init__(self, *, jurisdiction: Jurisdiction, user=None, **kwargs):
        super().__init__(**kwargs)
        self.jurisdiction = jurisdiction
        self.user = user
        self.current_row: int | None = None
        for field in self.fields.values():
            if hasattr(field.widget, "bind"):
                field.widget.bind(self)

    @classmethod
    def get_result_class(cls):
        return SheetResult

    # The header check, again, for the admin (the commands checked it while reading).
    def before_import(self, dataset, **kwargs):
        try:
            check_headers(dataset.headers, self.required_headers, self.optional_headers)
        except ImportRejected:
            del dataset[0:len(dataset)]
            raise

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
            errors.append(RowError(error_row.number, "", str(error.error)))
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
    dataset = read_file(path, required=resource.required_headers, optional=resource.optional_headers)
    return import_all_or_nothing(resource, dataset, dry_run=dry_run, file_name=Path(path).name)


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
