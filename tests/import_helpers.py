"""Spreadsheets for the import tests, written for real into tmp_path, and a way to
run a management command and read what it printed."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path
from typing import Any

import openpyxl
from django.core.management import call_command

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
