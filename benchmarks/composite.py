"""The composite roll-up (``make bench``): every unit scored on a 300-item scorecard.

In a database of its own: ``units`` units in five categories (default 2,000), a
scorecard of 300 leaf items in three sections (150 rank items; a board item and 90
key-task items; 59 items taken as they are), and every unit's result on every item but
the board's (about 600,000 results at the default). Then ``year_rollup`` with the
scorecard against a plain SQL aggregate of the same results (each unit's sum of its
figures, GROUP BY unit), and the queries the roll-up makes at two sizes: the number must
not grow with the units or the items.

Run alone: ``.venv/bin/python -m benchmarks.composite [--units N]``.
"""

from __future__ import annotations

import argparse
import gc
import random
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from benchmarks.__main__ import CATEGORIES, YEAR, note, report, setup_django, timed


def generate(units: int, seed: int = 14) -> None:
    from django.db import connection, transaction

    from assessment.models import ItemResult, Scorecard, ScorecardItem
    from departments.models import Category, Jurisdiction, Organisation
    from ratings.models import Period, RuleBook

    rng = random.Random(seed)
    jurisdiction = Jurisdiction.objects.get(code="default")
    with transaction.atomic():
        categories = [Category.objects.create(jurisdiction=jurisdiction, name=name, order=i)
                      for i, name in enumerate(CATEGORIES)]
        unit_objs = Organisation.objects.bulk_create(
            Organisation(jurisdiction=jurisdiction, code=f"U{i:05d}", name=f"被考核单位{i:05d}",
                         category=categories[i % len(categories)])
            for i in range(units)
        )
        RuleBook.objects.create(jurisdiction=jurisdiction, year=YEAR)
        Period.objects.bulk_create(Period(jurisdiction=jurisdiction, year=YEAR, month=m, status=Period.Status.CLOSED)
                                   for m in range(1, 13))
        card = Scorecard.objects.create(jurisdiction=jurisdiction, year=YEAR, total_points=Decimal(300))
        sections = [ScorecardItem.objects.create(scorecard=card, code=str(n), name=name, points=points, order=n)
                    for n, (name, points) in enumerate((("省对市目标任务", 150), ("效能建设", 100), ("党建工作", 50)), 1)]
        leaves = [(sections[0], f"1.{i}", 1, "rank", None) for i in range(1, 151)]
        leaves += [(sections[1], "2.0", 10, "board", Decimal(8))]
        leaves += [(sections[1], f"2.{i}", 1, "completion", None) for i in range(1, 91)]
        leaves += [(sections[2], f"3.{i}", Decimal("0.85"), "direct", None) for i in range(1, 59)]
        leaves += [(sections[2], "3.59", Decimal("0.70"), "direct", None)]
        items = ScorecardItem.objects.bulk_create(
            ScorecardItem(scorecard=card, parent=parent, code=code, name=f"指标{code}", points=points, method=method,
                          base=base, order=10 + n)
            for n, (parent, code, points, method, base) in enumerate(leaves)
        )
        quote = connection.ops.quote_name
        sql = (f"INSERT INTO {quote(ItemResult._meta.db_table)} (item_id, unit_id, rank, score, met, assigned, "
               f"source, updated_at) VALUES (%s, %s, %s, %s, %s, %s, 'import', CURRENT_TIMESTAMP)")
        with connection.cursor() as cursor:
            for item in items:
                if item.method == "board":
                    continue
                rows = []
                for unit in unit_objs:
                    if item.method == "rank":
                        rows.append((item.pk, unit.pk, rng.randint(1, 16), None, None, None))
                    elif item.method == "completion":
                        assigned = rng.randint(1, 10)
                        rows.append((item.pk, unit.pk, None, None, rng.randint(0, assigned), assigned))
                    else:
                        rows.append((item.pk, unit.pk, None, str(Decimal(rng.randint(50, 70)) / 100), None, None))
                cursor.executemany(sql, rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def queries_of_rollup() -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assessment.services import year_rollup
    from departments.models import Jurisdiction

    with CaptureQueriesContext(connection) as queries:
        year_rollup(jurisdiction=Jurisdiction.objects.get(code="default"), year=YEAR)
    return len(queries)


def run(units: int = 2_000, repeat: int = 3) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="liangbang-composite-"))
    try:
        started = time.perf_counter()
        setup_django(workdir)
        generate(units)
        from django.db import connection

        from assessment.models import ItemResult
        from assessment.services import year_rollup
        from departments.models import Jurisdiction

        results = ItemResult.objects.count()
        connection.close()
        gc.collect()
        note(f"composite: {units} units × 300 items, {results} results, in {time.perf_counter() - started:.1f}s")
        jurisdiction = Jurisdiction.objects.get(code="default")
        baseline_sql = f"""
            SELECT r.unit_id, SUM(COALESCE(r.rank, 0)), SUM(COALESCE(r.score, 0)), SUM(COALESCE(r.met, 0)),
                   SUM(COALESCE(r.assigned, 0))
            FROM {ItemResult._meta.db_table} r JOIN assessment_scorecarditem i ON i.id = r.item_id
            JOIN assessment_scorecard c ON c.id = i.scorecard_id
            WHERE c.jurisdiction_id = %s AND c.year = %s
            GROUP BY r.unit_id
        """

        def baseline() -> None:
            with connection.cursor() as cursor:
                cursor.execute(baseline_sql, [jurisdiction.pk, YEAR])
                cursor.fetchall()

        def ours() -> None:
            year_rollup(jurisdiction=jurisdiction, year=YEAR)

        ours(), baseline()  # the first roll-up inserts, the others update
        ours_times, baseline_times = [], []
        for _ in range(repeat):
            baseline_times.append(timed(baseline))
            ours_times.append(timed(ours))
        report(f"composite_rollup_{units}x300", statistics.median(ours_times), statistics.median(baseline_times))
        note(f"composite: the roll-up made {queries_of_rollup()} queries for {units} units and {results} results")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.composite", description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    run(args.units, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
