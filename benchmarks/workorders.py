"""The 12345 work-order import (``make bench``): a year's platform export in one file.

In a database of its own: ``units`` organisations (default 200) and a workbook of
``orders`` work orders (default 50,000: a year of a district's hotline) as the platform
exports it, 受理时间 and 办结时间 as Excel date-time cells, 办理时限 as a date, one in
seven still open, most rated. Then ``import_workorders`` from the file (read, check
every row, insert in bulk) against a bare ``bulk_create`` of the same WorkOrder objects
built in memory; and importing the same file again (every row compared, nothing
written) against the same baseline. The notes give the file's size, the time the
reading alone takes, and the year's figures for every unit (one aggregate query).

A file this long is over the default ``IMPORT_MAX_ROWS`` (20,000): the benchmark raises
the limit for its own run, as ``LIANGBANG_IMPORT_MAX_ROWS`` would.

Run alone: ``.venv/bin/python -m benchmarks.workorders [--orders N] [--units N] [--csv]``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.__main__ import YEAR, note, report, setup_django, timed

HEADERS = ["工单编号", "诉求内容", "承办单位", "受理时间", "办理时限", "办结时间", "满意度"]
COMPLAINTS = (
    "小区路灯不亮，夜间出行不便", "楼上装修噪声扰民，晚上十点后仍在施工", "路边占道经营，影响通行",
    "窨井盖缺失，存在安全隐患", "垃圾清运不及时，气味难闻", "公交站台破损，雨天无法候车",
    "供暖温度不达标", "违章搭建阻挡消防通道", "道路积水严重", "商户拒开发票",
)
SATISFACTIONS = ("满意",) * 6 + ("基本满意",) * 2 + ("不满意",) + ("",)


def generate(units: int, orders: int, path: Path, *, seed: int = 12345) -> list[tuple]:
    """The organisations in the database, the orders in ``path`` (.xlsx or .csv). Returns
    the rows as written (dates as datetimes), for the baseline."""
    from django.db import transaction

    from departments.models import Category, Jurisdiction, Organisation

    rng = random.Random(seed)
    jurisdiction = Jurisdiction.objects.get(code="default")
    with transaction.atomic():
        category = Category.objects.create(jurisdiction=jurisdiction, name="街道")
        Organisation.objects.bulk_create(
            Organisation(jurisdiction=jurisdiction, code=f"U{i:03d}", name=f"承办单位{i:03d}", category=category)
            for i in range(units)
        )
    start = dt.datetime(YEAR, 1, 1, 8)
    rows = []
    for n in range(orders):
        received = start + dt.timedelta(minutes=rng.randrange(365 * 24 * 60))
        due = (received + dt.timedelta(days=rng.randint(3, 15))).date()
        closed = received + dt.timedelta(hours=rng.randint(2, 20 * 24)) if rng.random() < 6 / 7 else None
        unit = rng.randrange(units)
        rows.append((
            f"{YEAR}{n:08d}", f"{rng.choice(COMPLAINTS)}（来电{n}）",
            f"U{unit:03d}" if rng.random() < 0.7 else f"承办单位{unit:03d}",  # by code or by name
            received, due, closed, rng.choice(SATISFACTIONS) if closed else "",
        ))
    if path.suffix == ".csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADERS)
            for number, content, unit, received, due, closed, satisfaction in rows:
                writer.writerow([number, content, unit, f"{received:%Y-%m-%d %H:%M}", due.isoformat(),
                                 f"{closed:%Y-%m-%d %H:%M}" if closed else "", satisfaction])
    else:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        book = Workbook(write_only=True)
        sheet = book.create_sheet("工单")
        sheet.append(HEADERS)

        def moment(value, number_format: str):
            if value is None:
                return None
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = number_format
            return cell

        for number, content, unit, received, due, closed, satisfaction in rows:
            sheet.append([number, content, unit, moment(received, "yyyy-mm-dd hh:mm"), moment(due, "yyyy-mm-dd"),
                          moment(closed, "yyyy-mm-dd hh:mm"), satisfaction])
        book.save(path)
    return rows


def baseline_objects(rows: list[tuple]) -> list:
    """The same work orders as WorkOrder objects, units and times resolved beforehand."""
    from django.utils import timezone

    from casework.models import WorkOrder
    from casework.workorders import SATISFACTIONS as VALUES
    from departments.models import Jurisdiction, Organisation

    jurisdiction = Jurisdiction.objects.get(code="default")
    by_text = {}
    for pk, code, name in Organisation.objects.filter(jurisdiction=jurisdiction).values_list("pk", "code", "name"):
        by_text[code] = by_text[name] = pk
    now = timezone.now()
    return [
        WorkOrder(jurisdiction=jurisdiction, number=number, content=content, unit_id=by_text[unit],
                  received_at=timezone.make_aware(received),
                  due_at=timezone.make_aware(dt.datetime.combine(due, dt.time(23, 59, 59))),
                  closed_at=timezone.make_aware(closed) if closed else None, satisfaction=VALUES[satisfaction],
                  imported_at=now)
        for number, content, unit, received, due, closed, satisfaction in rows
    ]


def run(orders: int = 50_000, units: int = 200, *, as_csv: bool = False) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="liangbang-workorders-"))
    try:
        started = time.perf_counter()
        setup_django(workdir)
        from django.db import connection
        from django.test import override_settings

        from casework.models import WorkOrder
        from casework.workorder_stats import unit_workorder_stats
        from casework.workorders import LIMITS, OPTIONAL, REQUIRED, import_workorders
        from departments.importing import read_file
        from departments.models import Jurisdiction

        path = workdir / ("orders.csv" if as_csv else "orders.xlsx")
        rows = generate(units, orders, path)
        made = time.perf_counter() - started
        note(f"workorders: {orders:,} orders for {units} units in a {path.suffix} of "
             f"{path.stat().st_size / 1024 / 1024:.1f} MB, database and file made in {made:.1f}s")
        jurisdiction = Jurisdiction.objects.get(code="default")
        objects = baseline_objects(rows)
        connection.close()  # measure on a fresh connection, as a request or a command would
        gc.collect()

        with override_settings(IMPORT_MAX_ROWS=max(orders, 20_000)):
            baseline = timed(lambda: WorkOrder.objects.bulk_create(objects))
            WorkOrder.objects.all().delete()
            read = timed(lambda: read_file(path, required=REQUIRED, optional=OPTIONAL, limits=LIMITS))
            summaries = []
            ours = timed(lambda: summaries.append(import_workorders(jurisdiction=jurisdiction, path_or_file=path)))
            again = timed(lambda: summaries.append(import_workorders(jurisdiction=jurisdiction, path_or_file=path)))
        first, second = summaries
        assert (first.added, second.added, second.changed) == (orders, 0, 0), (first, second)
        report(f"workorders_import_{orders}", ours, baseline)
        report(f"workorders_reimport_{orders}", again, baseline)
        note(f"workorders: reading the {path.suffix} alone took {read:.2f}s of the import's {ours:.2f}s; "
             f"the same file again: {second.unchanged:,} unchanged, nothing written")

        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            stats_time = timed(lambda: unit_workorder_stats(jurisdiction_id=jurisdiction.pk, year=YEAR))
        note(f"workorders: the year's figures for {units} units in {stats_time * 1000:.0f} ms, "
             f"{len(queries)} query")
        note(f"workorders: total {time.perf_counter() - started:.1f}s")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.workorders", description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=50_000)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--csv", action="store_true", help="write and import a .csv instead of a .xlsx")
    args = parser.parse_args(argv)
    run(args.orders, args.units, as_csv=args.csv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
