"""Time the leaders' dashboard at 1,000 and at 10,000 units.

Each size runs in a child process of its own (Django is set up once per process) on a
throwaway SQLite database: units in five categories, 23 departments, two years (this
one and last year, for the comparison) of about two approved ratings per unit and month,
and this year's stored roll-up, as the office leaves it. The child renders
``/dashboard/`` through the Django test client as a leader, a few times, and reports
the median. ``run()`` prints:

    bench: dashboard_10k_vs_1k ours=<10k time>s baseline=<1k time>s ratio=<10k/1k>
    bench: dashboard_queries_10k_vs_1k ours=<n>q baseline=<n>q ratio=1.00
    bench: dashboard_10k_first_look_closed_month ours=<rendered ahead>s baseline=<computed>s ratio=...
    bench: dashboard_10k_4_clients ours=<10k req/s>req/s baseline=<1k req/s>req/s ratio=...

The second line is the promise that the page's number of queries does not grow with
the data. The third is a leader's first look at the latest closed month: ours after the
task that closing the month queues has rendered it (``dashboard.figures.warm``), the
baseline computed while the leader waits (as before issue 16). The fourth is four
leaders at once against a threaded server of the project in the same process. ``python -m benchmarks.dashboard [--small N] [--large N] [--repeat N]``
runs it alone.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2026
CATEGORIES = ("区级机关部门", "镇", "街道", "国有企业", "园区")
OUTCOMES = ("red_flag",) * 78 + ("yellow_light",) * 19 + ("red_light",) * 3


def note(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


def report(name: str, ours: float, baseline: float, unit: str = "s", digits: int = 3) -> None:
    print(f"bench: {name} ours={ours:.{digits}f}{unit} baseline={baseline:.{digits}f}{unit} "
          f"ratio={ours / baseline:.2f}", flush=True)


def run(*, small: int = 1_000, large: int = 10_000, repeat: int = 5) -> None:
    """Measure both sizes, each in a fresh process, and print the two bench lines."""
    results = {units: _measure(units, repeat) for units in (small, large)}
    label = f"dashboard_{_short(large)}_vs_{_short(small)}"
    report(label, results[large]["seconds"], results[small]["seconds"])
    report(label.replace("dashboard_", "dashboard_queries_", 1), results[large]["queries"],
           results[small]["queries"], unit="q", digits=0)
    big = results[large]
    report(f"dashboard_{_short(large)}_first_look_closed_month", big["first"], big["computed"])
    report(f"dashboard_{_short(large)}_4_clients", big["rps"], results[small]["rps"], unit="req/s")


def _short(units: int) -> str:
    return f"{units // 1000}k" if units % 1000 == 0 else str(units)


def _measure(units: int, repeat: int) -> dict[str, float]:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.dashboard", "--child", "--units", str(units), "--repeat", str(repeat)],
        cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True,
    )
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    note(f"dashboard at {units:,} units: {result['seconds']:.3f}s, {result['queries']} queries, "
         f"{result['bytes']:,} bytes ({result['ratings']:,} ratings; {time.perf_counter() - started:.1f}s in all); "
         f"first look {result['first']:.3f}s rendered ahead ({result['warming']:.2f}s, both languages) against "
         f"{result['computed']:.3f}s computed; {result['rps']:.1f} req/s to 4 clients")
    return result


# The child process ---------------------------------------------------------------------------


def _child(units: int, repeat: int) -> dict[str, float]:
    workdir = Path(tempfile.mkdtemp(prefix="liangbang-dashboard-bench-"))
    try:
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
        os.environ["LIANGBANG_SQLITE_PATH"] = str(workdir / "bench.sqlite3")
        os.environ["LIANGBANG_VAR_DIR"] = str(workdir / "var")
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0, interactive=False)
        ratings = _generate(units)
        return _time_page(repeat) | {"ratings": ratings}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _generate(units: int, seed: int = 2026) -> int:
    """Bulk-insert the district; returns the number of ratings."""
    from django.contrib.auth.models import Group, User
    from django.db import connection, transaction
    from departments import roles
    from departments.models import Category, Jurisdiction, Organisation, Profile
    from ratings.models import Period, Rating, RuleBook
    from assessment.services import year_rollup

    rng = random.Random(seed)
    jurisdiction = Jurisdiction.objects.get(code="default")
    count = 0
    with transaction.atomic():
        categories = [Category.objects.create(jurisdiction=jurisdiction, name=name, order=i)
                      for i, name in enumerate(CATEGORIES)]
        departments = Organisation.objects.bulk_create(
            Organisation(jurisdiction=jurisdiction, code=f"D{i:02d}", name=f"职能管理部门{i:02d}",
                         category=categories[0], is_department=True, is_unit=False)
            for i in range(23)
        )
        unit_ids = [unit.pk for unit in Organisation.objects.bulk_create(
            Organisation(jurisdiction=jurisdiction, code=f"U{i:05d}", name=f"被考核单位{i:05d}",
                         category=categories[i % len(categories)])
            for i in range(units)
        )]
        for year in (YEAR - 1, YEAR):
            RuleBook.objects.create(jurisdiction=jurisdiction, year=year)
        periods = Period.objects.bulk_create(
            Period(jurisdiction=jurisdiction, year=year, month=month, status=Period.Status.CLOSED)
            for year in (YEAR - 1, YEAR) for month in range(1, 13)
        )
        # One prototype row with every column's database value (new columns included);
        # each rating changes a few.
        prototype = Rating(period=periods[0], department=departments[0], unit_id=unit_ids[0], kind="red_flag",
                           outcome="red_flag", reason="按时高质量完成任务", status=Rating.Status.APPROVED)
        fields = [f for f in Rating._meta.concrete_fields if not f.primary_key]
        for f in fields:
            if getattr(f, "auto_now_add", False):
                f.pre_save(prototype, add=True)
        template = {f.attname: f.get_db_prep_save(getattr(prototype, f.attname), connection) for f in fields}
        varying = ["period_id", "department_id", "unit_id", "kind", "outcome", "escalation"]
        fixed = [template[c] for c in template if c not in varying]
        order = varying + [c for c in template if c not in varying]
        quote = connection.ops.quote_name
        sql = (f"INSERT INTO {quote(Rating._meta.db_table)} ({', '.join(quote(c) for c in order)}) "
               f"VALUES ({', '.join(['%s'] * len(order))})")
        department_ids = [d.pk for d in departments]
        with connection.cursor() as cursor:
            for period in periods:
                rows = []
                for unit_id in unit_ids:
                    for _ in range(rng.choice((1, 2, 2, 3))):
                        outcome = rng.choice(OUTCOMES)
                        kind = "yellow_light" if outcome == "red_light" and rng.random() < 0.8 else outcome
                        rows.append((period.pk, rng.choice(department_ids), unit_id, kind, outcome,
                                     "consecutive" if kind != outcome else "", *fixed))
                cursor.executemany(sql, rows)
                count += len(rows)
        leader = User.objects.create_user("lingdao", is_staff=True)
        leader.groups.add(Group.objects.get(name=roles.LEADER))
        Profile.objects.create(user=leader, jurisdiction=jurisdiction)
    year_rollup(jurisdiction=jurisdiction, year=YEAR)  # what the office leaves for the leaders
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return count


def _time_page(repeat: int) -> dict[str, float]:
    """The first look at a closed month as it was (computed while the leader waits)
    and as it is (rendered ahead by the task a close queues), the next looks, the
    queries, and the requests per second four clients get from a threaded server."""
    import gc

    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dashboard.figures import warm
    from departments.models import Jurisdiction

    client = Client()
    client.force_login(User.objects.get(username="lingdao"))
    jurisdiction_id = Jurisdiction.objects.get(code="default").pk
    client.get("/dashboard/?year=2025")  # templates and Python's imports, off the timed looks

    computed = []
    for _ in range(repeat):
        caches[settings.DASHBOARD_CACHE_ALIAS].clear()
        gc.collect()
        started = time.perf_counter()
        response = client.get("/dashboard/")
        computed.append(time.perf_counter() - started)
    caches[settings.DASHBOARD_CACHE_ALIAS].clear()
    started = time.perf_counter()
    warm(jurisdiction_id=jurisdiction_id)  # what closing the month queues
    warming = time.perf_counter() - started
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get("/dashboard/")
        first = time.perf_counter() - started
    queries = len(captured.captured_queries)  # before the next request resets the log
    if response.status_code != 200:
        raise RuntimeError(f"/dashboard/ answered {response.status_code}")
    times = []
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        client.get("/dashboard/")
        times.append(time.perf_counter() - started)
    return {"seconds": statistics.median(times), "queries": queries, "bytes": len(response.content),
            "first": first, "computed": statistics.median(computed), "warming": warming,
            "rps": _throughput(client)}


def _throughput(client, *, seconds: float = 3.0, clients: int = 4) -> float:
    """Requests per second ``clients`` threads get for ``/dashboard/`` from the project's
    WSGI application on a threaded stdlib server in this process (127.0.0.1)."""
    import threading

    from django.conf import settings

    from benchmarks.http_load import requests_per_second, threaded_server
    from config.wsgi import application

    name = settings.SESSION_COOKIE_NAME
    cookie = f"{name}={client.cookies[name].value}"
    with threaded_server(application) as httpd:
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        port = httpd.server_address[1]
        good = lambda status, body: status == 200 and b"db-summary" in body  # noqa: E731
        requests_per_second(port, "/dashboard/", seconds=0.5, clients=clients, headers={"Cookie": cookie}, good=good)
        rate, _times = requests_per_second(port, "/dashboard/", seconds=seconds, clients=clients,
                                           headers={"Cookie": cookie}, good=good)
        httpd.shutdown()
    return rate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dashboard", description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--units", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.units, args.repeat)), flush=True)
        return 0
    run(small=args.small, large=args.large, repeat=args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
