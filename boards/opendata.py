"""Open data: an edition as JSON and as CSV, built from its stored entries.

The field names, the CSV headers and the labels are a data format, not interface text:
they stay the same whatever the reader's interface language (like the import headers).
Text from users stays text everywhere:

- JSON: standard string escaping, and ``<``, ``>``, ``&`` as ``\\u003c`` … so that a
  page that embeds the file cannot be tricked into markup;
- CSV: UTF-8 with a BOM (Excel opens it as UTF-8), every text cell that a spreadsheet
  would take for a formula (=, +, -, @, tab, carriage return, and the full-width ＝＋－＠)
  starts with an apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from boards.models import Board, Edition, EditionEntry, Stage
from ratings import rules
from ratings import sheets as workbook

FORMAT = "liangbang-board/1"
YEAR_FORMAT = "liangbang-year/1"

KIND_LABELS = {rules.RED_FLAG: "红旗", rules.YELLOW_LIGHT: "黄灯", rules.RED_LIGHT: "红灯"}
BOARD_LABELS = {Board.HONOUR: "红旗榜", Board.WARNING: "亮灯榜"}
ESCALATION_LABELS = {
    "": "",
    rules.ESCALATED_CONSECUTIVE: "连续黄灯升级",
    rules.ESCALATED_SERIOUS: "黄灯造成较大影响",
}

FORMULA_PREFIXES = workbook.FORMULA_STARTS

STAGE_LABELS = {Stage.NOTICE: "公示稿", Stage.FINAL: "正式版"}

# The edition's stage (阶段, 公示截止) comes before the long free text, which stays last.
CSV_HEADERS = (
    "月份", "版次", "榜单", "序号", "单位编码", "被考核单位", "单位类别", "认定结果", "部门认定类型",
    "升级原因", "上次黄灯月份", "职能管理部门", "认定条目编码", "认定条目", "阶段", "公示截止", "事由",
)


def csv_cell(value: object) -> object:
    """A cell a spreadsheet shows as text, never runs as a formula: the same rule as the
    year's workbook and the admin's exports (``ratings.sheets.formula_safe``)."""
    return workbook.formula_safe(value)


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def json_bytes(data: object) -> bytes:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


def entry_data(entry: EditionEntry) -> dict[str, object]:
    return {
        "position": entry.position,
        "unit_code": entry.unit_code,
        "unit_name": entry.unit_name,
        "category": entry.category,
        "kind": entry.outcome,
        "kind_label": KIND_LABELS.get(entry.outcome, entry.outcome),
        "entered_kind": entry.entered_kind,
        "escalation": entry.escalation,
        "escalation_label": ESCALATION_LABELS.get(entry.escalation, entry.escalation),
        "escalated_after": entry.escalated_after or None,
        "department_code": entry.department_code,
        "department_name": entry.department_name,
        "criterion_code": entry.criterion_code,
        "criterion_text": entry.criterion_text,
        "reason": entry.reason,
    }


def edition_data(
    edition: Edition, entries: Iterable[EditionEntry], *, jurisdiction_code: str, newer: Edition | None,
    url: Callable[[str, int], str],
) -> dict[str, object]:
    """``url(name, revision)`` gives the absolute address of this month's page, PDF …"""
    honour, warning = [], []
    for entry in entries:
        (honour if entry.board == Board.HONOUR else warning).append(entry_data(entry))
    return {
        "format": FORMAT,
        "jurisdiction": {"code": jurisdiction_code, "name": edition.jurisdiction_name},
        "period": edition.label,
        "year": edition.year,
        "month": edition.month,
        "revision": edition.revision,
        "published_at": edition.published_at.isoformat(),
        "correction_note": edition.correction_note,
        **stage_data(edition),
        "supersedes": url("edition_json", edition.revision - 1) if edition.supersedes_id else None,
        "superseded": newer is not None,
        "superseded_by": url("edition_json", newer.revision) if newer is not None else None,
        "counts": {
            "red_flags": edition.red_flags,
            "yellow_lights": edition.yellow_lights,
            "red_lights": edition.red_lights,
        },
        "checksums": {
            "content_sha256": edition.content_sha256,
            "html_sha256": edition.html_sha256,
            "pdf_sha256": edition.pdf_sha256,
        },
        "links": {
            "html": url("edition_revision", edition.revision),
            "pdf": url("edition_pdf", edition.revision),
            "csv": url("edition_csv", edition.revision),
        },
        "honour_board": honour,
        "warning_board": warning,
    }


def stage_data(edition: Edition) -> dict[str, object]:
    """公示稿 (with the last day of its notice period) or 正式版."""
    return {
        "stage": edition.stage,
        "stage_label": STAGE_LABELS.get(edition.stage, edition.stage),
        "notice_until": edition.notice_until.isoformat() if edition.notice_until else None,
    }


def edition_csv(edition: Edition, entries: Iterable[EditionEntry]) -> bytes:
    notice_until = edition.notice_until.isoformat() if edition.notice_until else ""
    rows = (
        (
            edition.label, edition.revision, BOARD_LABELS.get(entry.board, entry.board), entry.position,
            entry.unit_code, entry.unit_name, entry.category, KIND_LABELS.get(entry.outcome, entry.outcome),
            KIND_LABELS.get(entry.entered_kind, entry.entered_kind),
            ESCALATION_LABELS.get(entry.escalation, entry.escalation), entry.escalated_after,
            entry.department_name, entry.criterion_code, entry.criterion_text,
            STAGE_LABELS.get(edition.stage, edition.stage), notice_until, entry.reason,
        )
        for entry in entries
    )
    return csv_bytes(CSV_HEADERS, rows)


YEAR_CSV_HEADERS = ("年度", "版次", "排名", "单位编码", "被考核单位", "单位类别", "类别排名", "红旗数", "黄灯数", "红灯数", "加减分", "等次")


# A year with a composite scorecard adds its columns after these: each section by name,
# then 综合得分 and 综合排名 (within the category when the scorecard is by category).
COMPOSITE_TOTAL, COMPOSITE_RANK = "综合得分", "综合排名"


def year_csv(year: int, revision: int, rows: Iterable[dict]) -> bytes:
    rows = list(rows)
    sections = next((
        [section["name"] for section in row["composite"]["sections"]] for row in rows if row.get("composite")
    ), None)
    headers = YEAR_CSV_HEADERS if sections is None else (
        *YEAR_CSV_HEADERS, *(csv_cell(name) for name in sections), COMPOSITE_TOTAL, COMPOSITE_RANK)

    def composite(row: dict) -> tuple:
        if sections is None:
            return ()
        mine = row.get("composite")
        if not mine:
            return (None,) * (len(sections) + 2)
        return (*(Decimal(section["score"]) for section in mine["sections"]), Decimal(mine["total"]), mine["rank"])

    return csv_bytes(headers, (
        (year, revision, row["rank_overall"], row["unit_code"], row["unit_name"], row["category"],
         row["rank_in_category"], row["red_flags"], row["yellow_lights"], row["red_lights"], Decimal(row["points"]),
         row["grade_label"], *composite(row))
        for row in rows
    ))
