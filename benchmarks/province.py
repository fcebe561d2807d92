"""Province scale, on SQLite and on PostgreSQL: ``python -m benchmarks.province``
(``make bench`` runs it after the district benchmarks).

The data set, inserted in bulk (COPY on PostgreSQL, prepared ``executemany`` on SQLite):

- a province: 100 jurisdictions (districts) of 100 units and 23 departments each,
  10,000 units, a year of approved ratings (about three per unit and month: 360,000);
- for growth, three more jurisdictions of 1,000, 10,000 and 100,000 units with the same
  year (36,000 / 360,000 / 3,600,000 ratings).

Each measure against its baseline in the same run, on the same database:

- ``province_rollup``: the year-end roll-up of all 100 districts in one pass
  (``province_rollup``, what ``manage.py rollup_province`` runs) against the plain SQL
  GROUP BY over each district's rows; ``province_rollup_by_district``: the same 100
  roll-ups one ``year_rollup`` after the other, as each office runs its own;
- ``rollup_<N>_units``: one jurisdiction's roll-up against the GROUP BY over its rows;
- ``import_10000_ratings``: ratings' import (``import_ratings --approve`` of a 10,000-row
  CSV: parsing, look-ups, validation, escalation, history) against a bare
  ``bulk_create`` of the same rows; ``import_20000_ratings_memory``: the peak memory of
  twice as many rows, against that of the bare insert.

Each database runs in a child process (Django is set up once per process); PostgreSQL
is a temporary cluster started by ``scripts.localstack`` with its default, durable
settings. Options: ``--databases``, ``--sizes``, ``--import-rows``, ``--repeat``, ``--import-only``, ``--rollup-only``.
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from benchmarks import queue_in_memory

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2026
# A month before YEAR's (closed) months, and the baseline's the one after it: a month
# after the current one cannot be opened (ratings.services.period_get_or_open).
IMPORT_YEAR, IMPORT_MONTH = YEAR - 1, 11
DISTRICTS, DISTRICT_UNITS, DEPARTMENTS = 100, 100, 23
CATEGORIES = ("区级机关部门", "镇", "街道", "国有企业", "园区")
OUTCOMES = ("red_flag",) * 78 + ("yellow_light",) * 19 + ("red_light",) * 3
REASONS = (
    "主动承接多次转办的12345疑难工单，按时办结，群众满意",
    "养老保险费按月征收进度达标，工作扎实",
    "推诿扯皮，工单随意退回，群众反映强烈",
    "重点项目推进缓慢，未按节点完成",
)


def note(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


def report(name: str, ours: float, baseline: float, unit: str = "s") -> None:
    print(f"bench: {name} ours={ours:.3f}{unit} baseline={baseline:.3f}{unit} ratio={ours / baseline:.2f}", flush=True)


def timed(fn: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# The data set --------------------------------------------------------------------------------


class RatingWriter:
    """Approved ratings straight into the table: COPY on PostgreSQL, one prepared
    INSERT over many rows on SQLite. Columns not varied take a prototype's values."""

    VARYING = ("period_id", "department_id", "unit_id", "kind", "outcome", "escalation", "reason")

    def __init__(self, period, department, unit) -> None:
        from django.db import connection

        from ratings.models import Rating

        prototype = Rating(period=period, department=department, unit=unit, kind="red_flag", outcome="red_flag",
                           reason=REASONS[0], status=Rating.Status.APPROVED)
        fields = [f for f in Rating._meta.concrete_fields if not f.primary_key]
        for f in fields:
            if getattr(f, "auto_now_add", False):
                f.pre_save(prototype, add=True)
        template = {f.column: f.get_db_prep_save(getattr(prototype, f.attname), connection) for f in fields}
        self.fixed = tuple(template[c] for c in template if c not in self.VARYING)
        self.columns = list(self.VARYING) + [c for c in template if c not in self.VARYING]
        self.table = Rating._meta.db_table
        self.connection = connection
        self.rows = 0

    def write(self, rows: list[tuple]) -> None:
        quote = self.connection.ops.quote_name
        columns = ", ".join(quote(c) for c in self.columns)
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {quote(self.table)} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + self.fixed)
            else:
                cursor.executemany(
                    f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({', '.join(['%s'] * len(self.columns))})",
                    [row + self.fixed for row in rows],
                )
        self.rows += len(rows)


def jurisdiction_create(code: str, name: str, units: int, rng: random.Random, writer_box: list) -> int:
    """One jurisdiction with its categories, departments, units, rule book, twelve
    closed months and a year of approved ratings. Returns how many ratings."""
    from django.db import transaction

    from departments.models import Category, Jurisdiction, Organisation
    from ratings.models import Period, RuleBook

    with transaction.atomic():
        jurisdiction = Jurisdiction.objects.create(code=code, name=name)
        categories = Category.objects.bulk_create(
            Category(jurisdiction=jurisdiction, name=c, order=i) for i, c in enumerate(CATEGORIES)
        )
        departments = Organisation.objects.bulk_create(
            Organisation(jurisdiction=jurisdiction, code=f"D{i:02d}", name=f"职能管理部门{i:02d}",
                         category=categories[0], is_department=True, is_unit=False)
            for i in range(DEPARTMENTS)
        )
        unit_ids = [u.pk for u in Organisation.objects.bulk_create(
            (Organisation(jurisdiction=jurisdiction, code=f"U{i:06d}", name=f"{name}被考核单位{i:06d}",
                          category=categories[i % len(categories)]) for i in range(units)),
            batch_size=5000,
        )]
        RuleBook.objects.create(jurisdiction=jurisdiction, year=YEAR, bonus_cap=8, deduction_cap=6)
        periods = Period.objects.bulk_create(
            Period(jurisdiction=jurisdiction, year=YEAR, month=m, status=Period.Status.CLOSED) for m in range(1, 13)
        )
        if not writer_box:
            writer_box.append(RatingWriter(periods[0], departments[0], departments[0]))
        writer = writer_box[0]
        before = writer.rows
        dept_ids = [d.pk for d in departments]
        per_unit = (2, 3, 3, 4)
        for period in periods:
            rows = []
            for unit_id in unit_ids:
                for _ in range(rng.choice(per_unit)):
                    outcome = rng.choice(OUTCOMES)
                    kind = "yellow_light" if outcome == "red_light" and rng.random() < 0.8 else outcome
                    rows.append((period.pk, rng.choice(dept_ids), unit_id, kind, outcome,
                                 "consecutive" if kind != outcome else "", rng.choice(REASONS)))
                if len(rows) >= 100_000:
                    writer.write(rows)
                    rows = []
            writer.write(rows)
    return writer.rows - before


def generate(sizes: list[int], seed: int = 2026) -> None:
    from django.db import connection

    rng = random.Random(seed)
    writer_box: list[RatingWriter] = []
    started = time.perf_counter()
    for d in range(DISTRICTS):
        jurisdiction_create(f"p{d:03d}", f"第{d:03d}区", DISTRICT_UNITS, rng, writer_box)
    province = writer_box[0].rows
    note(f"province: {DISTRICTS} jurisdictions, {DISTRICTS * DISTRICT_UNITS:,} units, {province:,} ratings "
         f"in {time.perf_counter() - started:.1f}s")
    for size in sizes:
        started_size, before = time.perf_counter(), writer_box[0].rows
        jurisdiction_create(f"s{size}", f"规模{size}", size, rng, writer_box)
        note(f"one jurisdiction of {size:,} units, {writer_box[0].rows - before:,} ratings "
             f"in {time.perf_counter() - started_size:.1f}s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    note(f"generated {writer_box[0].rows:,} ratings in {time.perf_counter() - started:.1f}s")


# The measures --------------------------------------------------------------------------------


def group_by_sql(*, where: str) -> str:
    """The baseline: one aggregate over the counted ratings, what a DBA would write."""
    return f"""
        SELECT r.unit_id,
               COUNT(*) FILTER (WHERE r.outcome = 'red_flag'),
               COUNT(*) FILTER (WHERE r.outcome = 'yellow_light'),
               COUNT(*) FILTER (WHERE r.outcome = 'red_light')
        FROM ratings_rating r JOIN ratings_period p ON p.id = r.period_id
        WHERE {where} AND p.year = %s AND r.status = 'approved'
        GROUP BY r.unit_id
    """


def run_sql(sql: str, params: list) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return len(cursor.fetchall())


def measure(ours: Callable[[], object], baseline: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Medians, alternating the two; a first call of each warms the caches (and makes the
    roll-up's first insert of every row, so that the measured runs are re-runs)."""
    ours(), baseline()
    ours_times, baseline_times = [], []
    for _ in range(repeat):
        baseline_times.append(timed(baseline))
        ours_times.append(timed(ours))
    return statistics.median(ours_times), statistics.median(baseline_times)


def bench_rollups(prefix: str, sizes: list[int], repeat: int) -> None:
    from departments.models import Jurisdiction
    from assessment.services import province_rollup, year_rollup

    districts = list(Jurisdiction.objects.filter(code__regex=r"^p[0-9]{3}$").order_by("code"))
    ids = [d.pk for d in districts]

    def province() -> None:  # manage.py rollup_province: every district in one pass
        province_rollup(jurisdictions=districts, year=YEAR)

    def by_district() -> None:  # each office's own roll-up, one after the other
        for district in districts:
            year_rollup(jurisdiction=district, year=YEAR)

    def group_by_each() -> None:  # the aggregate each district's roll-up needs, and nothing else
        sql = group_by_sql(where="p.jurisdiction_id = %s")
        for district_id in ids:
            run_sql(sql, [district_id, YEAR])

    ours, baseline = measure(province, group_by_each, repeat)
    report(f"{prefix}.province_rollup_{len(districts)}x{DISTRICT_UNITS}", ours, baseline)
    ours, baseline = measure(by_district, group_by_each, max(1, repeat // 2))
    report(f"{prefix}.province_rollup_by_district_{len(districts)}x{DISTRICT_UNITS}", ours, baseline)

    for size in sizes:
        jurisdiction = Jurisdiction.objects.get(code=f"s{size}")
        times = repeat if size <= 10_000 else max(1, repeat // 2)
        ours, baseline = measure(
            lambda: year_rollup(jurisdiction=jurisdiction, year=YEAR),
            lambda: run_sql(group_by_sql(where="p.jurisdiction_id = %s"), [jurisdiction.pk, YEAR]),
            times,
        )
        report(f"{prefix}.rollup_{size}_units", ours, baseline)


def import_rows(count: int, rng: random.Random) -> Iterator[tuple[str, str, str]]:
    """(department code, unit code, kind) for ``count`` distinct pairs in the 10,000-unit
    jurisdiction: what a month of a big city's departments might send in one file."""
    pairs = rng.sample(range(10_000 * DEPARTMENTS), count)
    for pair in pairs:
        unit, department = divmod(pair, DEPARTMENTS)
        yield f"D{department:02d}", f"U{unit:06d}", rng.choice(("红旗",) * 4 + ("黄灯",))


def escalation_work_out(code: str = "s10000") -> None:
    """The generator's results are drawn at random; the product keeps every unit's
    escalation worked out. Work it out once, untimed, so that an import's refresh
    changes only what the new rows change."""
    from django.db import transaction

    from departments.models import Jurisdiction, Organisation
    from ratings import services

    jurisdiction = Jurisdiction.objects.get(code=code)
    started = time.perf_counter()
    with transaction.atomic():
        unit_ids = Organisation.objects.filter(jurisdiction=jurisdiction, is_unit=True).values_list("pk", flat=True)
        changed = services.units_escalation_refresh(jurisdiction_id=jurisdiction.pk, unit_ids=list(unit_ids))
    note(f"escalation of the generated year worked out in {time.perf_counter() - started:.1f}s "
         f"({len(changed):,} results changed)")


def peak_memory(fn: Callable[[], object]) -> float:
    """The most memory (MB) Python held at once while ``fn`` ran, above what it held
    before (tracemalloc: allocations the interpreter makes, the database's own aside)."""
    import tracemalloc

    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1e6


def bench_import(prefix: str, count: int, workdir: Path, *, month: int = IMPORT_MONTH, memory: bool = False) -> None:
    """``import_ratings --approve`` of ``count`` rows for ``month`` of IMPORT_YEAR
    against a bare bulk insert into the month after: the time, or with ``memory`` the
    peak memory (``import_<N>_ratings_memory``, MB)."""
    from django.core.management import call_command
    from django.db import transaction

    from departments.models import Jurisdiction, Organisation
    from ratings.models import Period, Rating, RuleBook

    jurisdiction = Jurisdiction.objects.get(code="s10000")
    RuleBook.objects.get_or_create(jurisdiction=jurisdiction, year=IMPORT_YEAR)  # a year's ratings need its rule book
    rows = list(import_rows(count, random.Random(7)))
    path = workdir / f"ratings-{month:02d}.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["月份", "职能管理部门", "被考核单位", "类型", "认定条目", "事由", "较大影响"])
        for department, unit, kind in rows:
            out.writerow([f"{IMPORT_YEAR}-{month:02d}", department, unit, kind, "", REASONS[0], "否"])

    # The baseline: the same rows, their references already resolved, in one bulk insert.
    organisations = dict(Organisation.objects.filter(jurisdiction=jurisdiction).values_list("code", "pk"))
    baseline_period = Period.objects.create(jurisdiction=jurisdiction, year=IMPORT_YEAR, month=month + 1)
    kinds = {"红旗": "red_flag", "黄灯": "yellow_light"}

    def baseline() -> None:
        with transaction.atomic():
            Rating.objects.bulk_create(
                Rating(period=baseline_period, department_id=organisations[department], unit_id=organisations[unit],
                       kind=kinds[kind], outcome=kinds[kind], reason=REASONS[0], status=Rating.Status.APPROVED)
                for department, unit, kind in rows
            )

    def ours() -> None:
        call_command("import_ratings", str(path), "--approve", "--jurisdiction", jurisdiction.code,
                     stdout=open(os.devnull, "w"))

    measure = peak_memory if memory else timed
    baseline_value = measure(baseline)
    ours_value = measure(ours)
    imported = Rating.objects.filter(period__year=IMPORT_YEAR, period__month=month,
                                     period__jurisdiction=jurisdiction).count()
    assert imported == count, f"imported {imported} of {count} rows"
    if memory:
        report(f"{prefix}.import_{count}_ratings_memory", ours_value, baseline_value, unit="MB")
    else:
        report(f"{prefix}.import_{count}_ratings", ours_value, baseline_value)


def bench_board_page(prefix: str, workdir: Path, *, workers: int = 4, threads: int = 16, seconds: float = 2.0,
                     rounds: int = 5) -> None:
    """A published board page under gunicorn with several workers and the production
    settings (stored snapshot, whitenoise for static files) against the same gunicorn
    serving a static file of the same bytes; and the jurisdiction's home page (``/`` of
    its address), which shows the same edition as the latest. Requests per second:
    higher is better."""
    try:
        from benchmarks.board import PAGE_MONTH, PAGE_ROWS, _fresh_jurisdiction, _period_with_rows
        from boards import services
        from boards.links import board_reverse, edition_kwargs, jurisdiction_kwargs
    except (ImportError, AttributeError) as exc:
        note(f"board page under gunicorn: skipped ({exc})")
        return
    from django.conf import settings
    from django.db import connection

    from scripts.localstack import RedisServer

    jurisdiction = _fresh_jurisdiction()
    period = _period_with_rows(jurisdiction, PAGE_MONTH, PAGE_ROWS, random.Random(2016))
    edition = services.edition_publish(period=period, by=None).edition
    path = board_reverse("edition", jurisdiction_kwargs(jurisdiction), **edition_kwargs(period.year, period.month))
    home = board_reverse("home", jurisdiction_kwargs(jurisdiction))  # the same edition, as the latest
    db = connection.settings_dict
    connection.close()

    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "LIANGBANG_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_SECRET_KEY": "bench-" + "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DJANGO_STATIC_ROOT": str(workdir / "static"),
        "DJANGO_HTTPS": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
    })
    redis = RedisServer(workdir / "redis")  # the broker, and the pages' shared cache as in production
    redis.start()
    env["REDIS_URL"] = redis.url()
    try:
        _board_page_under_gunicorn(prefix, env, workdir, edition, path, home, workers, threads, seconds, rounds)
    finally:
        redis.stop()


def _board_page_under_gunicorn(prefix: str, env: dict, workdir: Path, edition, path: str, home: str, workers: int,
                               threads: int, seconds: float, rounds: int) -> None:
    from benchmarks.board import _load
    from scripts.localstack import free_port

    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                   check=True)
    (workdir / "static" / "bench").mkdir(exist_ok=True)
    (workdir / "static" / "bench" / "board.html").write_bytes(edition.html.encode())  # served as it is
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--no-control-socket", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    try:
        from benchmarks.board import _wait_for

        _wait_for(port)
        static_path = "/static/bench/board.html"
        for target in (path, home, static_path):
            _load(port, target, 0.5, threads)  # warm up every worker
        ours, ours_home, baseline = [], [], []
        for _ in range(rounds):
            baseline.append(_load(port, static_path, seconds, threads))
            ours.append(_load(port, path, seconds, threads))
            ours_home.append(_load(port, home, seconds, threads))
    finally:
        server.terminate()
        server.wait(timeout=30)
    note(f"board page {path}: {len(edition.html.encode()):,} bytes, {workers} gunicorn workers, {threads} client "
         f"threads, {seconds:g}s x {rounds} rounds, median")
    report(f"{prefix}.board_page_gunicorn_{workers}_workers", statistics.median(ours), statistics.median(baseline),
           "req/s")
    report(f"{prefix}.board_home_gunicorn_{workers}_workers", statistics.median(ours_home),
           statistics.median(baseline), "req/s")


# Processes -----------------------------------------------------------------------------------


def child(args: argparse.Namespace) -> int:
    """One database, in this process."""
    workdir = Path(args.workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["LIANGBANG_VAR_DIR"] = str(workdir / "var")
    if args.database_url:
        os.environ["LIANGBANG_TEST_DATABASE_URL"] = args.database_url
    else:
        os.environ["LIANGBANG_SQLITE_PATH"] = str(workdir / "province.sqlite3")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    queue_in_memory()
    call_command("migrate", verbosity=0, interactive=False)
    prefix = connection.vendor
    started = time.perf_counter()
    generate(args.sizes)
    connection.close()  # measure on a fresh connection, as a request or a task would
    gc.collect()
    gc.freeze()
    if not args.import_only:
        bench_rollups(prefix, args.sizes, args.repeat)
    if not args.rollup_only:
        escalation_work_out()
        bench_import(prefix, args.import_rows, workdir)
        bench_import(prefix, 2 * args.import_rows, workdir, month=IMPORT_MONTH - 2, memory=True)
    if prefix == "postgresql" and not args.import_only and not args.rollup_only:  # the production settings, which refuse SQLite
        bench_board_page(prefix, workdir)
    note(f"{prefix}: total {time.perf_counter() - started:.1f}s")
    return 0


def run_child(args: argparse.Namespace, database: str) -> int:
    from scripts.localstack import StackError, temporary_cluster

    workdir = Path(tempfile.mkdtemp(prefix=f"liangbang-province-{database}-"))
    command = [sys.executable, "-m", "benchmarks.province", "--child", "--workdir", str(workdir),
               "--sizes", ",".join(map(str, args.sizes)), "--repeat", str(args.repeat),
               "--import-rows", str(args.import_rows)] + (["--import-only"] if args.import_only else []) \
        + (["--rollup-only"] if args.rollup_only else [])
    cluster = None
    try:
        if database == "postgresql":
            try:
                cluster = temporary_cluster(fast=False)
                cluster.start()
                cluster.create_database("province")
            except StackError as exc:
                note(f"postgresql skipped: {exc}")
                return 1
            command += ["--database-url", cluster.url("province")]
        return subprocess.run(command, cwd=ROOT).returncode
    finally:
        if cluster is not None:
            cluster.stop(mode="immediate")
            shutil.rmtree(cluster.base, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.province", description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--sizes", default="1000,10000,100000",
                        type=lambda text: [int(s) for s in text.split(",") if s])
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--import-only", action="store_true", help="only the ratings' import (no roll-ups, no board)")
    parser.add_argument("--rollup-only", action="store_true", help="only the roll-ups (no import, no board)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if 10_000 not in args.sizes:
        parser.error("--sizes must include 10000: the import goes into that jurisdiction")
    if args.child:
        return child(args)
    status = 0
    for database in [d.strip() for d in args.databases.split(",") if d.strip()]:
        status |= run_child(args, database)
    return status


if __name__ == "__main__":
    sys.exit(main())
