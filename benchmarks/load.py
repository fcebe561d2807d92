"""A real load generator (``make bench``): Locust, as a library, against the production stack.

gunicorn (``--workers 5``, as docs/deploy.md ships it) and a Celery worker under
``config.settings.production`` serve the demo district (``manage.py seed_demo``: 34 units, two years, this month open,
the closed months published) from a temporary PostgreSQL cluster (durable settings) and
Redis (broker, shared cache of pages and dashboard figures, login throttle), all on
127.0.0.1. A bounded, headless Locust run (a fixed number of users per page, all started
at once, a warm-up whose figures are thrown away, then a fixed duration) plays:

- citizens reading the public board: ``/`` (the current edition), the latest month's page,
  its PDF and its open data (JSON and CSV);
- the same number of citizens asking for a static file of the month page's bytes through
  the same gunicorn (whitenoise): **the baseline** of every line;
- leaders on the dashboard (``/dashboard/``, the latest closed month);
- raters (the demo's four departments) opening the admin's new-rating form and saving a
  draft rating in the open month: a GET, then a POST that must answer 302.

Every user waits 0.5–1.5 s between requests (a person reading), so a page that answers
slowly gets fewer requests per second than the static file with the same number of users.
For each page it prints

    bench: load_<N>_users.<page>.rps ours=<req/s> baseline=<the static file's req/s, per as many users>req/s
    bench: load_<N>_users.<page>.p50 ours=<ms> baseline=<the static file's p50>ms   (and .p95, .p99)
    bench: load_<N>_users.<page>.failures ours=<failed> baseline=<requests> ratio=<share failed>

Goal on a 2-core machine: no failures, and p99 under 1 s for the public pages at 100 users.
``python -m benchmarks.load [--users N] [--seconds S] [--warmup S]`` runs it alone.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 5
THINK = (0.5, 1.5)
STATIC = "static_file"
# page name -> share of the users (the static file's share is the citizens' page share)
CITIZEN_PAGES = ("home", "month_page", "month_pdf", "open_data_json", "open_data_csv")
SHARES = {**{name: 12 for name in CITIZEN_PAGES}, STATIC: 12, "dashboard": 14, "rating_form": 7, "rating_save": 7}


def note(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


def report(name: str, ours: float, baseline: float, unit: str, digits: int = 3) -> str:
    ratio = ours / baseline if baseline else 0.0
    line = f"bench: {name} ours={ours:.{digits}f}{unit} baseline={baseline:.{digits}f}{unit} ratio={ratio:.2f}"
    print(line, flush=True)
    return line


# The stack ---------------------------------------------------------------------------------------


def _production_env(*, database_url: str, redis_url: str, workdir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "LIANGBANG_", "CELERY_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": redis_url,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
        "DJANGO_MEDIA_ROOT": str(workdir / "media"),
        "DJANGO_STATIC_ROOT": str(workdir / "static"),
        "DJANGO_HTTPS": "false",  # plain HTTP on a loopback port
        "DJANGO_LOG_LEVEL": "WARNING",
        "LIANGBANG_ADMIN_PASSWORD": secrets.token_urlsafe(12),
        "PYTHONUNBUFFERED": "1",
    })
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                          stdout=subprocess.PIPE, text=True).stdout


def run(*, users: int = 100, seconds: float = 30.0, warmup: float = 10.0) -> int:
    """Start the stack, prepare the district, run Locust in a process of its own, print."""
    from scripts.localstack import RedisServer, free_port, temporary_cluster
    from benchmarks.board import _wait_for

    workdir = Path(tempfile.mkdtemp(prefix="liangbang-load-"))
    cluster = temporary_cluster(fast=False)
    redis = RedisServer(workdir / "redis")
    server = worker = None
    try:
        started = time.perf_counter()
        cluster.start()
        cluster.create_database("liangbang")
        redis.start()
        env = _production_env(database_url=cluster.url("liangbang"), redis_url=redis.url(), workdir=workdir)
        _manage(env, "migrate", "--noinput", "-v", "0")
        _manage(env, "seed_demo")
        _manage(env, "collectstatic", "--noinput", "-v", "0")
        plan_file = workdir / "plan.json"
        subprocess.run([sys.executable, "-m", "benchmarks.load", "--prepare", str(plan_file)], cwd=ROOT, env=env,
                       check=True)
        # The worker renders the dashboard's figures after each close, delivers notices.
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "WARNING", "--concurrency", "1",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--logfile", str(workdir / "worker.log")],
            cwd=ROOT, env=env, start_new_session=True,
        )
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", str(WORKERS), "--bind",
             f"127.0.0.1:{port}", "--no-control-socket", "--log-level", "warning", "--timeout", "60",
             "--access-logfile", str(workdir / "access.log"), "--access-logformat", "%(m)s %(U)s %(s)s %(D)s"],
            cwd=ROOT, env=env, start_new_session=True,
        )
        _wait_for(port)
        note(f"load: PostgreSQL, Redis and gunicorn ({WORKERS} workers) ready with the demo district in "
             f"{time.perf_counter() - started:.0f}s")
        completed = subprocess.run(
            [sys.executable, "-m", "benchmarks.load", "--locust", str(plan_file), "--host", f"http://127.0.0.1:{port}",
             "--users", str(users), "--seconds", str(seconds), "--warmup", str(warmup)],
            cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True,
        )
        stats = json.loads(completed.stdout.strip().splitlines()[-1])
        _print(stats, users=users)
        _server_times(workdir / "access.log")
        return 0
    finally:
        for process in (server, worker):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
        redis.stop()
        cluster.stop()
        shutil.rmtree(cluster.base, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)


def _print(stats: dict, *, users: int) -> None:
    counts = stats["users"]
    static = stats["pages"][STATIC]
    static_per_user = static["rps"] / counts[STATIC]
    note(f"load: {users} users for {stats['seconds']:.0f}s after {stats['warmup']:.0f}s of warm-up; "
         + ", ".join(f"{name} {count}" for name, count in counts.items()))
    prefix = f"load_{users}_users"
    for name, page in stats["pages"].items():
        if name == STATIC:
            continue
        report(f"{prefix}.{name}.rps", page["rps"], static_per_user * counts[name], "req/s")
        for percentile in ("p50", "p95", "p99"):
            report(f"{prefix}.{name}.{percentile}", page[percentile], static[percentile], "ms", digits=0)
        report(f"{prefix}.{name}.failures", page["failures"], page["requests"], "", digits=0)
        for message in page["errors"][:3]:
            note(f"load: {name} failed: {message}")
    report(f"{prefix}.{STATIC}.failures", static["failures"], static["requests"], "", digits=0)


def _server_times(log: Path) -> None:
    """What gunicorn itself took (its access log, from the first request on): the
    slowest answer a page got, to tell the server's time from the load generator's."""
    times: dict[str, list[float]] = {}
    for line in log.read_text().splitlines():
        method, path, _status, micros = line.split()
        times.setdefault(f"{method} {path.split('?')[0]}", []).append(int(micros) / 1000)
    for name, values in sorted(times.items(), key=lambda item: -len(item[1]))[:10]:
        values.sort()
        note(f"load: gunicorn {name}: {len(values)} answers, median {values[len(values) // 2]:.0f} ms, "
             f"99th {values[int(len(values) * 0.99)]:.0f} ms, slowest {values[-1]:.0f} ms")


# Preparing (a Django process under the production settings) -------------------------------------


def prepare(plan_file: Path) -> None:
    """What the users need: the pages' addresses, sessions for a leader and the raters,
    each rater's open month, department, units and criteria; and the static copy of the
    month page (written before gunicorn starts, so that whitenoise serves it)."""
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from boards.links import board_reverse, edition_kwargs
    from boards.models import Edition
    from departments import roles
    from departments.models import Organisation, Profile
    from ratings.models import Criterion, Period

    edition = Edition.objects.order_by("-year", "-month", "-revision").first()  # the latest month published
    month = edition_kwargs(edition.year, edition.month)
    paths = {
        "home": "/",
        "month_page": board_reverse("edition", {}, **month),
        "month_pdf": board_reverse("edition_pdf_current", {}, **month),
        "open_data_json": board_reverse("edition_json_current", {}, **month),
        "open_data_csv": board_reverse("edition_csv_current", {}, **month),
        STATIC: "/static/bench/board.html",
        "dashboard": "/dashboard/",
        "rating_form": "/admin/ratings/rating/add/",
    }
    page = Client(HTTP_HOST="127.0.0.1").get(paths["month_page"])
    assert page.status_code == 200, page.status_code
    target = Path(settings.STATIC_ROOT) / "bench" / "board.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(page.content)

    def session(username: str) -> str:
        from django.contrib.auth.models import User

        client = Client()
        client.force_login(User.objects.get(username=username))
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    raters = []
    for profile in Profile.objects.filter(user__groups__name=roles.RATER, department__isnull=False).select_related(
            "user", "department"):
        jurisdiction = profile.department.jurisdiction
        open_month = Period.objects.filter(jurisdiction=jurisdiction, status=Period.Status.OPEN).order_by(
            "-year", "-month").first()
        units = list(Organisation.objects.filter(jurisdiction=jurisdiction, is_unit=True, is_active=True)
                     .exclude(pk=profile.department_id).values_list("pk", flat=True))
        criteria = {
            kind: list(Criterion.objects.filter(rulebook__jurisdiction=jurisdiction, rulebook__year=open_month.year,
                                                kind=kind, is_active=True).values_list("pk", flat=True))
            for kind in ("red_flag", "yellow_light")
        }
        raters.append({"username": profile.user.username, "session": session(profile.user.username),
                       "period": open_month.pk, "department": profile.department_id, "units": units,
                       "criteria": criteria})
    assert raters, "the demo district has no raters"
    plan = {"paths": paths, "cookie": settings.SESSION_COOKIE_NAME, "leader": session("lingdao"),
            "raters": raters, "month_bytes": len(page.content)}
    plan_file.write_text(json.dumps(plan, ensure_ascii=False))


# Locust (a process of its own: gevent patches the whole process) ---------------------------------


def locust_run(plan_file: Path, *, host: str, users: int, seconds: float, warmup: float) -> dict:
    import gevent
    from locust import between, task
    from locust.contrib.fasthttp import FastHttpUser
    from locust.env import Environment

    import random
    import re

    plan = json.loads(plan_file.read_text())
    paths = plan["paths"]
    total = sum(SHARES.values())
    counts = {name: max(1, round(users * share / total)) for name, share in SHARES.items()}
    counts["rating_save"] = counts["rating_form"]  # one rater user does both
    counts[STATIC] = users - sum(count for name, count in counts.items() if name not in (STATIC, "rating_save"))
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    rng = random.Random(2026)

    def citizen(name: str, path: str, expect: bytes):
        def read(self) -> None:
            with self.client.get(path, name=name, catch_response=True) as response:
                if response.status_code != 200 or expect not in (response.content or b"")[:4096]:
                    response.failure(f"{response.status_code} {(response.content or b'')[:120]!r}")

        return type(f"Citizen_{name}", (FastHttpUser,), {
            "host": host, "wait_time": between(*THINK), "fixed_count": counts[name], "tasks": [task(read)],
        })

    def log_in(client, session: str) -> None:
        """The session cookie in the user's jar, which then keeps the CSRF cookie too."""
        from http.cookiejar import Cookie

        client.cookiejar.set_cookie(Cookie(
            0, plan["cookie"], session, None, False, "127.0.0.1", False, False, "/", True, False, None, True,
            None, None, {}))

    # Logged-in users are FastHttpUsers too: with python-requests (HttpUser) the load
    # generator's own work on the larger pages showed as seconds of waiting that
    # gunicorn never saw.
    class Leader(FastHttpUser):
        wait_time = between(*THINK)
        fixed_count = counts["dashboard"]

        def on_start(self) -> None:
            log_in(self.client, plan["leader"])

        @task
        def dashboard(self) -> None:
            with self.client.get(paths["dashboard"], name="dashboard", catch_response=True,
                                 allow_redirects=False) as response:
                if response.status_code != 200 or "db-summary" not in response.text:
                    response.failure(f"{response.status_code} {response.text[:120]!r}")

    class Rater(FastHttpUser):
        wait_time = between(*THINK)
        fixed_count = counts["rating_form"]
        serial = 0

        def on_start(self) -> None:
            Rater.serial += 1
            self.account = plan["raters"][Rater.serial % len(plan["raters"])]
            log_in(self.client, self.account["session"])

        @task
        def save_a_draft(self) -> None:
            with self.client.get(paths["rating_form"], name="rating_form", catch_response=True,
                                 allow_redirects=False) as response:
                found = token.search(response.text) if response.status_code == 200 else None
                if found is None:
                    response.failure(f"{response.status_code} {response.text[:120]!r}")
                    return
            kind = rng.choice(("red_flag", "yellow_light"))
            criteria = self.account["criteria"][kind]
            data = {
                "csrfmiddlewaretoken": found.group(1), "period": self.account["period"],
                "department": self.account["department"], "unit": rng.choice(self.account["units"]),
                "kind": kind, "criterion": rng.choice(criteria) if criteria else "",
                "reason": f"压力测试：第{rng.randrange(10**6)}号工单按时办结",
                "evidence-TOTAL_FORMS": "0", "evidence-INITIAL_FORMS": "0", "evidence-MIN_NUM_FORMS": "0",
                "evidence-MAX_NUM_FORMS": "1000", "_save": "1",
            }
            with self.client.post(paths["rating_form"], data=data, name="rating_save", catch_response=True,
                                  allow_redirects=False, headers={"Referer": host + paths["rating_form"]}) as saved:
                if saved.status_code != 302:
                    errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', saved.text, re.S)
                    saved.failure(f"{saved.status_code} {errors[:2] or saved.text[:200]!r}")

    Leader.host = Rater.host = host
    classes = [citizen(name, paths[name], b"%PDF" if name == "month_pdf" else b"") for name in
               (*CITIZEN_PAGES, STATIC)] + [Leader, Rater]
    environment = Environment(user_classes=classes)
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=users)
    gevent.sleep(warmup)
    environment.stats.reset_all()
    measured_from = time.perf_counter()
    gevent.sleep(seconds)
    measured = time.perf_counter() - measured_from
    stats = environment.stats
    pages = {}
    for (name, _method), entry in stats.entries.items():
        pages[name] = {
            "requests": entry.num_requests, "failures": entry.num_failures, "rps": entry.num_requests / measured,
            "p50": entry.get_response_time_percentile(0.50) or 0, "p95": entry.get_response_time_percentile(0.95) or 0,
            "p99": entry.get_response_time_percentile(0.99) or 0,
            "errors": [f"{error.error} ×{error.occurrences}" for error in stats.errors.values() if error.name == name],
        }
    runner.quit()
    order = [*CITIZEN_PAGES, "dashboard", "rating_form", "rating_save", STATIC]
    return {"users": {name: counts[name] for name in order}, "seconds": measured, "warmup": warmup,
            "pages": {name: pages.get(name, {"requests": 0, "failures": 0, "rps": 0.0, "p50": 0, "p95": 0,
                                              "p99": 0, "errors": ["no request answered"]}) for name in order}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--locust", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--host", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.prepare:
        sys.path.insert(0, str(ROOT))
        prepare(args.prepare)
        return 0
    if args.locust:
        result = locust_run(args.locust, host=args.host, users=args.users, seconds=args.seconds, warmup=args.warmup)
        print(json.dumps(result, ensure_ascii=False), flush=True)
        return 0
    return run(users=args.users, seconds=args.seconds, warmup=args.warmup)


if __name__ == "__main__":
    sys.exit(main())
