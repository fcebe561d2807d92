"""The leaders' dashboard under load, on the demo district (``make bench``).

Four clients (threads, each with a leader's session) ask for ``/dashboard/`` as fast
as they are answered, from a threaded WSGI server of the project on 127.0.0.1 in a
process of its own: once with the dashboard's cache of closed months on (as shipped),
once with it off (``DASHBOARD_CACHE_SECONDS = 0``: every request computes and renders
the figures, as before the cache), in interleaved rounds on the same database. Prints

    bench: dashboard_demo_4_clients ours=<req/s, cached>req/s baseline=<req/s, uncached>req/s ratio=<ours/baseline>

higher is better. The demo district is ``manage.py seed_demo`` (34 units, two years of
ratings, this month open), in a throwaway SQLite database. ``python -m
benchmarks.dashboard_load [--seconds S] [--rounds N] [--clients N]`` runs it alone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.http_load import requests_per_second

ROOT = Path(__file__).resolve().parent.parent
PATH = "/dashboard/"


def note(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


def report(name: str, ours: float, baseline: float, unit: str) -> str:
    line = f"bench: {name} ours={ours:.3f}{unit} baseline={baseline:.3f}{unit} ratio={ours / baseline:.2f}"
    print(line, flush=True)
    return line


def run(*, seconds: float = 2.0, rounds: int = 3, clients: int = 4) -> None:
    """In a process of its own (its own Django settings and database)."""
    subprocess.run(
        [sys.executable, "-m", "benchmarks.dashboard_load", "--seconds", str(seconds), "--rounds", str(rounds),
         "--clients", str(clients)],
        cwd=ROOT, check=True,
    )


# The server --------------------------------------------------------------------------------------


def serve(port: int, cached: bool) -> None:
    """The project's WSGI application on a threaded stdlib server, with the dashboard's
    cache on or off."""
    import django
    from django.conf import settings

    from benchmarks.http_load import threaded_server

    django.setup()
    settings.DASHBOARD_CACHE_SECONDS = 3600 if cached else 0
    from config.wsgi import application

    with threaded_server(application, port) as httpd:
        httpd.serve_forever()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the benchmark server did not start")


def _load(port: int, cookie: str, seconds: float, clients: int) -> tuple[float, list[float]]:
    """Requests per second that ``clients`` threads get in ``seconds``, and each answer's time."""
    return requests_per_second(port, PATH, seconds=seconds, clients=clients, headers={"Cookie": cookie},
                               good=lambda status, body: status == 200 and b"db-summary" in body)


# The measure -------------------------------------------------------------------------------------


def _demo(workdir: Path) -> str:
    """The demo district in a fresh database; returns a leader's session cookie."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["LIANGBANG_SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    os.environ["LIANGBANG_VAR_DIR"] = str(workdir / "var")
    os.environ["DJANGO_DEBUG"] = "false"
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", stdout=quiet)
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username="lingdao"))  # the demo's leader
    name = settings.SESSION_COOKIE_NAME
    cookie = f"{name}={client.cookies[name].value}"
    connection.close()
    return cookie


def measure(*, seconds: float, rounds: int, clients: int) -> str:
    workdir = Path(tempfile.mkdtemp(prefix="liangbang-dashboard-load-"))
    servers: list[subprocess.Popen] = []
    try:
        cookie = _demo(workdir)
        ports = {}
        for cached in (True, False):
            port = ports[cached] = _free_port()
            servers.append(subprocess.Popen(
                [sys.executable, "-c", f"from benchmarks.dashboard_load import serve; serve({port}, {cached})"],
                cwd=ROOT, env=dict(os.environ),
            ))
        for port in ports.values():
            _wait_for(port)
            _load(port, cookie, 0.5, clients)  # warm up: templates, the cache, SQLite's pages
        ours, baseline, ours_times, baseline_times = [], [], [], []
        for _ in range(rounds):  # interleaved, so that drift and other load hit both alike
            rate, times = _load(ports[False], cookie, seconds, clients)
            baseline.append(rate)
            baseline_times += times
            rate, times = _load(ports[True], cookie, seconds, clients)
            ours.append(rate)
            ours_times += times
        note(f"dashboard on the demo district, {clients} clients, {seconds:g}s x {rounds} rounds each: median answer "
             f"{statistics.median(ours_times) * 1000:.0f} ms cached, {statistics.median(baseline_times) * 1000:.0f} ms "
             f"uncached (slowest {max(ours_times) * 1000:.0f} ms, {max(baseline_times) * 1000:.0f} ms)")
        return report(f"dashboard_demo_{clients}_clients", statistics.median(ours), statistics.median(baseline),
                      "req/s")
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dashboard_load", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="load per measure and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    args = parser.parse_args(argv)
    measure(seconds=args.seconds, rounds=args.rounds, clients=args.clients)
    return 0


if __name__ == "__main__":
    sys.exit(main())
