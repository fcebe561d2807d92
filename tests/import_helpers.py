"""Spreadsheets for the import tests, written for real into tmp_path, and a way to
run a management command and read what it printed."""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Iterable
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
from django.core.management import call_command

from departments.importing import column_letter

ORG_HEADERS = ["编码", "名称", "类别", "角色"]
RULEBOOK_HEADERS = ["编码", "内容", "类型"]
RATING_HEADERS = ["月份", "职能管理部门", "被考核单位", "类型", "认定条目", "事由", "较大影响"]


def write_xlsx(path: Path, headers: list[str], rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def write_csv(path: Path, headers: list[str], rows: list[list[Any]], encoding: str = "utf-8-sig") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def run(command: str, *args: str) -> str:
    """Run a management command; return its output (CommandError propagates)."""
    out = StringIO()
    call_command(command, *[str(a) for a in args], stdout=out, stderr=StringIO())
    return out.getvalue()


def xlsx_bytes(headers: list[Any], rows: list[list[Any]], *, merged: tuple[str, ...] = (),
               sheets: dict[str, list[list[Any]]] | None = None, formats: dict[str, str] | None = None) -> bytes:
    """A workbook as Excel would save it: ``rows`` may hold formulas ("=1+1") and
    error values ("#N/A"); ``merged`` ranges ("C2:C3"); more ``sheets`` after the
    first; ``formats`` number formats by cell ("A2": "yyyy-mm")."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    for cell_range in merged:
        sheet.merge_cells(cell_range)
    for coordinate, number_format in (formats or {}).items():
        sheet[coordinate].number_format = number_format
    for title, content in (sheets or {}).items():
        other = book.create_sheet(title)
        for row in content:
            other.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def with_builtin_date_format(content: bytes, format_id: int) -> bytes:
    """The workbook with its custom number format swapped for a built-in one by number,
    as Chinese Excel writes yyyy"年"m"月" (id 57): the format itself is not in the file."""
    source = zipfile.ZipFile(BytesIO(content))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename == "xl/styles.xml":
                text = data.decode("utf-8")
                custom = re.search(r'<numFmt numFmtId="(\d+)" formatCode="[^"]*年', text).group(1)
                text = re.sub(r"<numFmts[^>]*>.*?</numFmts>", "", text, flags=re.S)
                text = text.replace(f'numFmtId="{custom}"', f'numFmtId="{format_id}"')
                data = text.encode("utf-8")
            target.writestr(member, data)
    return out.getvalue()


def big_xlsx(headers: list[str], rows: Iterable[list[str]], *, tail: str = "") -> bytes:
    """A minimal workbook written directly, as Excel writes one (shared strings, the
    sheet's size up front), in a fraction of the time openpyxl takes for 100,000 rows.
    ``tail`` is appended raw after the last row (to break the file where a reader
    that stopped in time never looks)."""
    strings: dict[str, int] = {}

    def row_xml(number: int, values: list[str]) -> str:
        cells = []
        for column, value in enumerate(values, start=1):
            index = strings.setdefault(str(value), len(strings))
            cells.append(f'<c r="{column_letter(column)}{number}" t="s"><v>{index}</v></c>')
        return f'<row r="{number}">{"".join(cells)}</row>'

    body = "".join(row_xml(n, r) for n, r in enumerate([headers, *rows], start=1))
    main = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet {main}>'
        f'<dimension ref="A1:{column_letter(len(headers))}{body.count("<row ")}"/>'
        f"<sheetData>{body}{tail}</sheetData></worksheet>"
    )
    shared = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
    relationship = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{content_type}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{content_type}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{content_type}.sharedStrings+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Target="xl/workbook.xml" Type="{relationship}/officeDocument"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<workbook {main} xmlns:r="{relationship}">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="{relationship}/worksheet"/>'
            f'<Relationship Id="rId2" Target="sharedStrings.xml" Type="{relationship}/sharedStrings"/>'
            "</Relationships>"
        ),
        "xl/sharedStrings.xml": f'<sst {main} count="{len(strings)}" uniqueCount="{len(strings)}">{shared}</sst>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in parts.items():
            archive.writestr(name, xml)
    return out.getvalue()


def csv_bytes(headers: list[Any], rows: list[list[Any]], encoding: str = "utf-8-sig", delimiter: str = ",") -> bytes:
    out = StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)
