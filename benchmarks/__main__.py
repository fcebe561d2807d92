"""Run the benchmarks: ``.venv/bin/python -m benchmarks`` (``make bench``).

The data: 10,000 units in five categories, 23 departments, twelve months of about three
approved ratings per unit and month (360,000 ratings), inserted in bulk. Then:

- ``year_rollup``: the roll-up service against one plain SQL GROUP BY over the same rows;
- ``export_scores``: the year's workbook (the ``export_scores`` command) against writing
  the same cells with openpyxl's write-only mode and no formatting;
- ``composite_rollup``: the roll-up with a 300-item scorecard against a SQL aggregate of
  the same results (``benchmarks/composite.py``).

Options: ``--units N`` (default 10000), ``--repeat N`` (roll-up repetitions, default 5),
``--keep`` keeps the temporary directory.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import queue_in_memory

YEAR = 2026
CATEGORIES = ("区级机关部门", "镇", "街道", "国有企业", "园区")
# Roughly the seed's proportions (332 red flags, 82 yellow lights, 2 red lights in 2021),
# with more red lights because escalated yellows count as red.
OUTCOMES = ("red_flag",) * 78 + ("yellow_light",) * 19 + ("red_light",) * 3
REASONS = (
    "主动承接多次转办的12345疑难工单，按时办结，群众满意",
    "养老保险费按月征收进度达标，工作扎实",
    "推诿扯皮，工单随意退回，群众反映强烈",
    "=HYPERLINK(\"http://example.com\")群众反映",  # user text that must stay text
)


def note(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


def report(name: str, ours: float, baseline: float, unit: str = "s") -> None:
    print(f"bench: {name} ours={ours:.3f}{unit} baseline={baseline:.3f}{unit} ratio={ours / baseline:.2f}", flush=True)


def setup_django(workdir: Path) -> None:
    """Django on a fresh SQLite database in ``workdir``. A later benchmark of the same
    process gets its own database too: Django is set up once, so the connection is
    pointed at the new file (the earlier benchmark's is deleted by then)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["LIANGBANG_SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    os.environ["LIANGBANG_VAR_DIR"] = str(workdir / "var")
    import django
    from django.apps import apps
    from django.core.management import call_command

    if apps.ready:
        from django.conf import settings
        from django.db import connections

        connection = connections["default"]
        connection.close()
        if connection.vendor == "sqlite":
            name = str(workdir / "bench.sqlite3")
            connection.settings_dict["NAME"] = settings.DATABASES["default"]["NAME"] = name
    else:
        django.setup()
    queue_in_memory()
    call_command("migrate", verbosity=0, interactive=False)


def generate(units: int, seed: int = 2026) -> None:
    """Bulk-insert the district. Ratings go in month by month, as they are approved."""
    from django.db import connection, transaction

    from departments.models import Category, Jurisdiction, Organisation
    from ratings.models import Period, Rating, RuleBook

    rng = random.Random(seed)
    jurisdiction = Jurisdiction.objects.get(code="default")
    with transaction.atomic():
        categories = [Category.objects.create(jurisdiction=jurisdiction, name=name, order=i)
                      for i, name in enumerate(CATEGORIES)]
        departments = Organisation.objects.bulk_create(
            Organisation(jurisdiction=jurisdiction, code=f"D{i:02d}", name=f"职能管理部门{i:02d}",
                         category=categories[0], is_department=True, is_unit=False)
            for i in range(23)
        )
        unit_objs = Organisation.objects.bulk_create(
            Organisation(jurisdiction=jurisdiction, code=f"U{i:05d}", name=f"被考核单位{i:05d}",
                         category=categories[i % len(categories)])
            for i in range(units)
        )
        RuleBook.objects.create(jurisdiction=jurisdiction, year=YEAR, bonus_cap=8, deduction_cap=6)
        periods = Period.objects.bulk_create(
            Period(jurisdiction=jurisdiction, year=YEAR, month=m, status=Period.Status.CLOSED) for m in range(1, 13)
        )

        # One prototype row with every column's database value; each rating changes a few.
        prototype = Rating(period=periods[0], department=departments[0], unit=unit_objs[0], kind="red_flag",
                           outcome="red_flag", reason=REASONS[0], status=Rating.Status.APPROVED)
        fields = [f for f in Rating._meta.concrete_fields if not f.primary_key]
        for f in fields:
            if getattr(f, "auto_now_add", False):
                f.pre_save(prototype, add=True)
        template = {f.attname: f.get_db_prep_save(getattr(prototype, f.attname), connection) for f in fields}
        columns = list(template)
        varying = ["period_id", "department_id", "unit_id", "kind", "outcome", "escalation", "reason"]
        fixed = [template[c] for c in columns if c not in varying]
        order = varying + [c for c in columns if c not in varying]
        quote = connection.ops.quote_name
        sql = (f"INSERT INTO {quote(Rating._meta.db_table)} ({', '.join(quote(c) for c in order)}) "
               f"VALUES ({', '.join(['%s'] * len(order))})")
        dept_ids = [d.pk for d in departments]
        with connection.cursor() as cursor:
            for period in periods:
                rows = []
                for unit in unit_objs:
                    for _ in range(rng.choice((2, 3, 3, 4))):
                        outcome = rng.choice(OUTCOMES)
                        kind = "yellow_light" if outcome == "red_light" and rng.random() < 0.8 else outcome
                        escalation = "consecutive" if kind != outcome else ""
                        rows.append((period.pk, rng.choice(dept_ids), unit.pk, kind, outcome, escalation,
                                     rng.choice(REASONS), *fixed))
                cursor.executemany(sql, rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(fn: Callable[[], object]) -> float:
    gc.collect()  # garbage from the last measure is not this one's cost
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_rollup(repeat: int) -> None:
    from django.db import connection

    from departments.models import Jurisdiction
    from assessment.services import year_rollup

    jurisdiction = Jurisdiction.objects.get(code="default")
    baseline_sql = """
        SELECT r.unit_id,
               SUM(r.outcome = 'red_flag'), SUM(r.outcome = 'yellow_light'), SUM(r.outcome = 'red_light')
        FROM ratings_rating r JOIN ratings_period p ON p.id = r.period_id
        WHERE p.jurisdiction_id = %s AND p.year = %s AND r.status = 'approved'
        GROUP BY r.unit_id
    """

    def baseline() -> None:
        with connection.cursor() as cursor:
            cursor.execute(baseline_sql, [jurisdiction.pk, YEAR])
            cursor.fetchall()

    def ours() -> None:
        year_rollup(jurisdiction=jurisdiction, year=YEAR)

    ours(), baseline()  # warm the cache; the first roll-up inserts, the others update
    ours_times, baseline_times = [], []
    for _ in range(repeat):
        baseline_times.append(timed(baseline))
        ours_times.append(timed(ours))
    report("year_rollup", statistics.median(ours_times), statistics.median(baseline_times))


def bench_export(workdir: Path) -> None:
    from django.core.management import call_command
    from openpyxl import Workbook

    from departments.models import Jurisdiction
    from assessment.workbook import scores_workbook_data

    ours_path, baseline_path = workdir / "ours.xlsx", workdir / "baseline.xlsx"

    def ours() -> None:
        call_command("export_scores", str(YEAR), "-o", str(ours_path), stdout=open(os.devnull, "w"))

    # The same cells, values only: what the workbook writes, without its formatting.
    data = scores_workbook_data(jurisdiction=Jurisdiction.objects.get(code="default"), year=YEAR)

    def baseline() -> None:
        workbook = Workbook(write_only=True)
        for sheet in data.sheets:
            ws = workbook.create_sheet(sheet.title)
            ws.append([column.header for column in sheet.columns])
            for row in sheet.rows:
                ws.append(row)
        workbook.save(baseline_path)

    baseline_time = timed(baseline)
    ours_time = timed(ours)
    cells = sum(len(sheet.rows) * len(sheet.columns) for sheet in data.sheets)
    note(f"{len(data.sheets)} sheets, {cells:,} cells; ours {ours_path.stat().st_size:,} bytes, "
         f"baseline {baseline_path.stat().st_size:,} bytes")
    report("export_scores", ours_time, baseline_time)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--no-province", action="store_true",
                        help="skip the province scale on SQLite and PostgreSQL (benchmarks/province.py)")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="liangbang-bench-"))
    try:
        started = time.perf_counter()
        setup_django(workdir)
        generate(args.units)
        from django.db import connection

        connection.close()  # measure on a fresh connection, as a request or a task would
        gc.collect()
        gc.freeze()
        note(f"generated {args.units} units × 12 months in {time.perf_counter() - started:.1f}s ({workdir})")
        bench_rollup(args.repeat)
        bench_export(workdir)
        from benchmarks import board  # the public board: page throughput and the PDF

        board.run()
        note(f"total {time.perf_counter() - started:.1f}s")
    finally:
        if args.keep:
            note(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    from benchmarks import dashboard as dashboard_bench  # its own processes and databases

    dashboard_bench.run()
    from benchmarks import dashboard_load  # the demo dashboard under four clients, cached and not

    dashboard_load.run()
    from benchmarks import reading  # workbooks at the import limits, each read in a process of its own

    reading.run()
    from benchmarks import composite  # the composite scorecard's roll-up, in a database of its own

    composite.run()
    from benchmarks import workorders  # a year of 12345 work orders imported, in a database of its own

    workorders.run()
    from benchmarks import survey  # Jiangsu's survey: 3,115 residents × 94 agencies, in a database of its own

    survey.run()
    from benchmarks import load  # Locust against gunicorn, a worker, PostgreSQL and Redis, in processes of their own

    load.run()
    if not args.no_province:  # in processes of their own: one per database
        from benchmarks.province import main as province

        return province([])
    return 0


if __name__ == "__main__":
    sys.exit(main())
