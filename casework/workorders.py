"""12345 work orders (工单) from the platform's spreadsheet, all or nothing, row and column named.

``import_workorders`` reads a .xlsx or .csv (UTF-8 with or without BOM, GBK/GB18030, as
every import of the project: ``departments.importing``) with the headers

- 工单编号 (required): the platform's number, the key within the jurisdiction;
- 诉求内容 (required);
- 承办单位 (required): an organisation's 编码 or 名称 (``OrganisationFinder``); a bureau
  handles work orders as well as a rated unit, so any organisation of the jurisdiction;
- 办结时间 (required column; empty while the order is open);
- 受理时间, 办理时限 (optional): a date or a date and time;
- 满意度 (optional): 满意, 基本满意, 不满意, or empty / 未评价.

Dates and times: 2026-03-05, 2026/3/5, 2026.3.5, 2026年3月5日, each optionally followed
by a time (14:30, 14:30:15, 14时30分); full-width digits read as what they look like.
A date cell of Excel (a serial number with a date format) reads as the date it shows,
as in every import; a plain number is refused, since it shows no date to the clerk. A
date without a time is the start of that day, except for 办理时限: a deadline of 3月5日
runs to the end of that day (23:59:59). Fractions of a second are rounded away.

A year is tens of thousands of rows, so the file is checked in memory first (the
organisations are read once, every problem is collected with its row and column), and
only a file without problems is written, in bulk, in one transaction: new numbers
inserted, rows whose values changed updated, the others left alone (re-importing the
same file changes nothing). A number twice in the file is refused naming both rows; a
办结时间 before the 受理时间 is refused (compared by day when either has no time). A
work order already stored but missing from the file is kept: a file is a month or a
year of orders, not the whole history. The 诉求内容 is kept as the caller wrote it, even
when it starts with “=”: every export of the project writes text inert.

The headers and the 满意度 values are the file format: they stay in Chinese whatever the
interface language is.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import tablib
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.models import WorkOrder
from departments.importing import (
    HEADER_ROWS, ImportRejected, NumberCell, OrganisationFinder, RowError, cell_text, check_size, is_blank,
    read_dataset, read_file, sheet_info,
)
from departments.models import Jurisdiction

NUMBER, CONTENT, UNIT, RECEIVED, DUE, CLOSED, SATISFACTION = (
    "工单编号", "诉求内容", "承办单位", "受理时间", "办理时限", "办结时间", "满意度"
)
REQUIRED = (NUMBER, CONTENT, UNIT, CLOSED)
OPTIONAL = (RECEIVED, DUE, SATISFACTION)
COLUMNS = (NUMBER, CONTENT, UNIT, RECEIVED, DUE, CLOSED, SATISFACTION)  # the order problems are listed in
LIMITS = {
    NUMBER: WorkOrder._meta.get_field("number").max_length,
    CONTENT: WorkOrder._meta.get_field("content").max_length,
    UNIT: 100, RECEIVED: 40, DUE: 40, CLOSED: 40, SATISFACTION: 20,
}
S = WorkOrder.Satisfaction
SATISFACTIONS = {"满意": S.SATISFIED, "基本满意": S.BASIC, "不满意": S.NOT_SATISFIED, "未评价": S.NONE, "": S.NONE}

MAX_LISTED = 50  # problems listed in one message; the total is given
# The values compared with what is stored, and written for a changed row.
FIELDS = ("content", "unit_id", "received_at", "due_at", "closed_at", "satisfaction")
# At most this many rows (or numbers looked up) per statement, and fewer where the
# database's variable limit says so (SQLite: 999 values a statement). The caps keep
# PostgreSQL's statements, which have no such limit, and bulk_update's CASE a sensible size.
CREATE_BATCH, UPDATE_BATCH, LOOKUP_BATCH = 2_000, 500, 2_000
EXCEL_DIGITS = 15  # Excel keeps 15 significant digits of a number: a longer 工单编号 has lost some

_DATE = (r"(?P<y>\d{4})\s*(?:[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})"
         r"|年\s*(?P<cm>\d{1,2})\s*月\s*(?P<cd>\d{1,2})\s*日?)")
_TIME = (r"(?:\s*T?\s*(?P<H>\d{1,2})\s*(?::\s*(?P<M>\d{1,2})(?:\s*:\s*(?P<S>\d{1,2})(?P<F>\.\d+)?)?"
         r"|时\s*(?P<cM>\d{1,2})\s*分(?:\s*(?P<cS>\d{1,2})\s*秒)?))?")
MOMENT_RE = re.compile(rf"^{_DATE}{_TIME}$")
MIN_YEAR, MAX_YEAR = 2000, 2100


class WorkOrdersRejected(ImportRejected):
    """ImportRejected listing at most MAX_LISTED problems, and how many there are."""

    @property
    def listed(self) -> list[str]:
        messages = self.messages
        if len(messages) <= MAX_LISTED:
            return messages
        return messages[:MAX_LISTED] + [_("……共 %(total)d 处问题，以上列出前 %(shown)d 处") % {
            "total": len(messages), "shown": MAX_LISTED}]


@dataclass(frozen=True)
class Summary:
    """What an import did: ``rows`` read (blank rows not counted), of which ``added``
    new numbers, ``changed`` updated, ``unchanged`` as stored; ``notes`` for the clerk
    (columns not imported, other sheets)."""

    added: int
    changed: int
    unchanged: int
    rows: int
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return _("12345工单：共 %(rows)d 行，新增 %(added)d 条，更新 %(changed)d 条，未变化 %(unchanged)d 条") % {
            "rows": self.rows, "added": self.added, "changed": self.changed, "unchanged": self.unchanged,
        }


@dataclass(frozen=True)
class Moment:
    """A date or a date and time as written: ``has_time`` False for a bare date."""

    value: dt.datetime  # naive, local
    has_time: bool


@dataclass(frozen=True)
class _Row:
    row: int
    number: str
    content: str
    unit_id: int
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    closed_at: dt.datetime | None
    satisfaction: str

    def values(self) -> tuple:
        return tuple(getattr(self, name) for name in FIELDS)


# Cells ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)  # a year's file repeats its dates (deadlines, whole days)
def parse_moment(text: str) -> Moment:
    """A date, or a date and a time, as the clerk wrote it; ValueError in the clerk's words."""
    normal = unicodedata.normalize("NFKC", text).strip()
    match = MOMENT_RE.match(normal)
    if match:
        g = match.groupdict()
        month, day = int(g["m"] or g["cm"]), int(g["d"] or g["cd"])
        hour = g["H"]
        minute, second = g["M"] or g["cM"], g["S"] or g["cS"]
        try:
            if MIN_YEAR <= int(g["y"]) <= MAX_YEAR and (hour is None or minute is not None):
                moment = dt.datetime(int(g["y"]), month, day, int(hour or 0), int(minute or 0), int(second or 0))
                if g["F"] and float(g["F"]) >= 0.5:  # Excel's times come back with a few milliseconds
                    moment += dt.timedelta(seconds=1)
                return Moment(moment, hour is not None)
        except ValueError:
            pass
    raise ValueError(_("“%(value)s”不是有效的日期或时间，应写成 2026-03-05 或 2026-03-05 14:30") % {"value": text})


def aware(moment: Moment, tz: dt.tzinfo, *, end_of_day: bool = False) -> dt.datetime:
    value = moment.value
    if end_of_day and not moment.has_time:
        value = dt.datetime.combine(value.date(), dt.time(23, 59, 59))
    return timezone.make_aware(value, tz)


def read_number(raw: Any) -> str:
    if isinstance(raw, NumberCell):
        shown = str(raw)
        digits = shown.lstrip("0")
        if not shown.isdigit() or len(digits) > EXCEL_DIGITS:
            raise ValueError(_(
                "是数字 %(shown)s：Excel 把长的工单编号存成数字时会改掉它（如 2.02603E+17）；"
                "请把这一列设为“文本”格式后重新填写，或从平台重新导出"
            ) % {"shown": shown})
    return unicodedata.normalize("NFKC", cell_text(raw)).strip()


def read_satisfaction(text: str) -> str:
    key = unicodedata.normalize("NFKC", text).replace(" ", "")
    if key in SATISFACTIONS:
        return SATISFACTIONS[key]
    raise ValueError(_("“%(value)s”不是有效的满意度，应为 %(choices)s，或留空") % {
        "value": text, "choices": "、".join(key for key in SATISFACTIONS if key)})


# Checking ------------------------------------------------------------------------------------


def _rows(dataset: tablib.Dataset) -> Iterator[tuple[int, Sequence[Any]]]:
    """(row number as the clerk sees it, cells), skipping blank rows."""
    for offset, values in enumerate(dataset):
        if not is_blank(values):
            yield offset + HEADER_ROWS + 1, values


def check_rows(dataset: tablib.Dataset, *, jurisdiction: Jurisdiction) -> list[_Row]:
    """Every row read; WorkOrdersRejected lists every problem, by row and column."""
    finder = OrganisationFinder(jurisdiction)
    tz = timezone.get_current_timezone()  # once: asking for it costs more than the conversion
    units: dict[str, int | str] = {}  # the cell's text → the organisation's pk, or why not
    headers = list(dataset.headers or [])
    where = {header: headers.index(header) for header in COLUMNS if header in headers}
    errors: list[RowError] = []
    rows: list[_Row] = []
    first_row: dict[str, int] = {}

    def unit_of(text: str) -> int | str:
        if text not in units:
            try:
                found = finder.find(text)
            except ValueError as exc:
                units[text] = str(exc)
            else:
                units[text] = found.pk if found is not None else _(
                    "没有编码或名称为“%(unit)s”的单位") % {"unit": text}
        return units[text]

    for number_of_row, values in _rows(dataset):
        problems: list[RowError] = []

        def read(header: str, parse=None, *, required: bool = False):
            index = where.get(header)
            raw = values[index] if index is not None and index < len(values) else ""
            if getattr(raw, "problem", ""):
                problems.append(RowError(number_of_row, header, raw.problem))
                return None
            if parse is read_number:
                text = raw
            elif isinstance(raw, NumberCell) and header in (RECEIVED, DUE, CLOSED):
                problems.append(RowError(number_of_row, header, _(
                    "是数字 %(shown)s，看不出是哪一天；请把这一列设为“日期”格式，或填写 2026-03-05 14:30"
                ) % {"shown": raw}))
                return None
            else:
                text = cell_text(raw)
                if not text:
                    if required:
                        problems.append(RowError(number_of_row, header, _("请填写这一格")))
                    return None
            if parse is None:
                return text
            try:
                return parse(text)
            except ValueError as exc:
                problems.append(RowError(number_of_row, header, str(exc)))
                return None

        number = read(NUMBER, read_number)
        if number == "":
            problems.append(RowError(number_of_row, NUMBER, _("请填写这一格")))
            number = None
        content = read(CONTENT, required=True)
        unit_text = read(UNIT, required=True)
        unit_id = None
        if unit_text is not None:
            found = unit_of(unit_text)
            if isinstance(found, str):
                problems.append(RowError(number_of_row, UNIT, found))
            else:
                unit_id = found
        received = read(RECEIVED, parse_moment)
        due = read(DUE, parse_moment)
        closed = read(CLOSED, parse_moment)
        satisfaction = read(SATISFACTION, read_satisfaction) or S.NONE
        if received is not None and closed is not None:
            by_day = not (received.has_time and closed.has_time)
            early = closed.value.date() < received.value.date() if by_day else closed.value < received.value
            if early:
                problems.append(RowError(number_of_row, CLOSED, _("办结时间 %(closed)s 早于受理时间 %(received)s") % {
                    "closed": cell_text(values[where[CLOSED]]), "received": cell_text(values[where[RECEIVED]])}))
        if number is not None:
            if number in first_row:
                problems.append(RowError(number_of_row, NUMBER, _("工单编号“%(number)s”与第 %(row)d 行重复") % {
                    "number": number, "row": first_row[number]}))
            else:
                first_row[number] = number_of_row
        if problems:
            errors.extend(problems)
            continue
        rows.append(_Row(
            row=number_of_row, number=number, content=content, unit_id=unit_id,
            received_at=aware(received, tz) if received else None,
            due_at=aware(due, tz, end_of_day=True) if due else None,
            closed_at=aware(closed, tz) if closed else None,
            satisfaction=satisfaction,
        ))
    if errors:
        order = {header: index for index, header in enumerate(COLUMNS)}
        raise WorkOrdersRejected(sorted(errors, key=lambda e: (e.row or 0, order.get(e.column, -1))))
    if not rows:
        raise WorkOrdersRejected.file(_("文件中没有工单（从第 2 行开始填写）"))
    return rows


# Writing -------------------------------------------------------------------------------------


def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _lookup_batch() -> int:
    """Numbers per ``number__in`` lookup: within the database's variable limit (SQLite's
    999), one kept for the jurisdiction."""
    limit = connection.features.max_query_params
    return min(LOOKUP_BATCH, limit - 1) if limit else LOOKUP_BATCH


def _stored(jurisdiction: Jurisdiction, numbers: Sequence[str]) -> dict[str, tuple[int, tuple]]:
    """number → (pk, the values compared), for the numbers of the file already stored."""
    stored: dict[str, tuple[int, tuple]] = {}
    for chunk in _chunks(numbers, _lookup_batch()):
        query = WorkOrder.objects.filter(jurisdiction=jurisdiction, number__in=chunk).order_by()
        for pk, number, *values in query.values_list("pk", "number", *FIELDS):
            stored[number] = (pk, tuple(values))
    return stored


def _batch(fields: list, objs: list, cap: int) -> int:
    """Rows per statement: what the database's variable limit allows, at most ``cap``."""
    return max(1, min(cap, connection.ops.bulk_batch_size(fields, objs)))


def _dataset(path_or_file: str | Path | IO[bytes]) -> tablib.Dataset:
    if hasattr(path_or_file, "read"):  # an upload, or an open file
        name = getattr(path_or_file, "name", "") or ""
        size = getattr(path_or_file, "size", None)
        if size is not None:
            check_size(size)  # before reading a huge upload into memory
        return read_dataset(name=Path(name).name, content=path_or_file.read(), required=REQUIRED,
                            optional=OPTIONAL, limits=LIMITS)
    return read_file(path_or_file, required=REQUIRED, optional=OPTIONAL, limits=LIMITS)


def import_workorders(*, jurisdiction: Jurisdiction, path_or_file: str | Path | IO[bytes], by=None) -> Summary:
    """Read, check and import a file of work orders into ``jurisdiction``, all or nothing.

    ``by`` is who imports (None: a command); work orders keep no history, so it is not
    recorded. Raises WorkOrdersRejected (an ImportRejected) with every problem; nothing
    is written then."""
    try:
        dataset = _dataset(path_or_file)
    except ImportRejected as exc:
        raise WorkOrdersRejected(exc.errors) from None
    rows = check_rows(dataset, jurisdiction=jurisdiction)
    stored = _stored(jurisdiction, [r.number for r in rows])
    now = timezone.now()
    new: list[WorkOrder] = []
    changed: list[WorkOrder] = []
    for r in rows:
        found = stored.get(r.number)
        if found is not None and found[1] == r.values():
            continue
        order = WorkOrder(jurisdiction=jurisdiction, number=r.number, imported_at=now,
                          **dict(zip(FIELDS, r.values())))
        if found is None:
            new.append(order)
        else:
            order.pk = found[0]
            changed.append(order)
    written = [*FIELDS, "imported_at"]
    try:
        with transaction.atomic():
            if new:
                fields = [f for f in WorkOrder._meta.concrete_fields if not f.primary_key]
                WorkOrder.objects.bulk_create(new, batch_size=_batch(fields, new, CREATE_BATCH))
            if changed:
                fields = [WorkOrder._meta.pk, WorkOrder._meta.pk] + [WorkOrder._meta.get_field(f) for f in written]
                WorkOrder.objects.bulk_update(changed, written, batch_size=_batch(fields, changed, UPDATE_BATCH))
    except IntegrityError:
        # Another import wrote one of these numbers between the check and the write.
        raise WorkOrdersRejected.file(_("另一次导入同时写入了相同的工单编号，本次没有写入任何数据；请重新导入")) from None
    return Summary(added=len(new), changed=len(changed), unchanged=len(rows) - len(new) - len(changed),
                   rows=len(rows), notes=list(sheet_info(dataset).notes))
