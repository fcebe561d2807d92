"""The board's benchmarks (``make bench``), each against a plain baseline in the same run:

- ``board_page``: requests per second for a published board page (a month of about the
  district's size), served by the project's WSGI application from the stored snapshot,
  under concurrent load (threads of clients, a threaded server in its own process),
  against the same server returning a static file of the same bytes (WhiteNoise, in
  front of the same application). Ratio ours/baseline: higher is better, 1 is a static
  file.
- ``board_pdf_1000``: seconds to make the PDF of a 1,000-unit board (the edition's
  template with the shared partials, then WeasyPrint) against WeasyPrint rendering a
  plain table of the same rows. Ratio ours/baseline: lower is better.
- ``board_publish_reasons_at_limit``: publishing (``edition_publish``: HTML, lobby and
  PDF, stored) a month of the district's size whose every 事由 is at the limit
  (REASON_MAX_LENGTH characters, with a long unbroken run of letters in each), against
  WeasyPrint rendering the same texts in a plain fixed-layout table: what laying out
  that much text costs at all. ``board_publish_reasons_half_limit`` is the same month
  at half the length: publishing costs time in proportion to the text.

Call ``run()`` (after ``benchmarks.setup_django`` or on its own: it then makes a
throwaway SQLite database in a temporary directory), or ``python -m benchmarks.board``.
Everything goes into a jurisdiction of its own, ``board-bench``.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.http_load import requests_per_second

JURISDICTION = "board-bench"
YEAR = 2026
PAGE_MONTH = 3  # a month of the district's size: the page
PDF_MONTH = 4  # a 1,000-unit month: the PDF
PAGE_ROWS = 48  # about Gaochun's month: 332 + 82 + 2 a year over 12 months is ~35
PDF_UNITS = 1000
STATIC_PREFIX = "/bench-static/"
REASONS = (
    "主动承接多次转办的12345疑难工单，按时办结，群众满意",
    "城乡居民养老保险征缴进度超序时进度8个百分点，工作人员下沉村组上门服务",
    "推诿扯皮，工单随意退回，群众反映强烈",
    "=HYPERLINK(\"http://example.com\")<script>群众反映</script>",  # user text that must stay text
)


def note(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


def report(name: str, ours: float, baseline: float, unit: str) -> str:
    line = f"bench: {name} ours={ours:.3f}{unit} baseline={baseline:.3f}{unit} ratio={ours / baseline:.2f}"
    print(line, flush=True)
    return line


def _django_ready(workdir: Path) -> None:
    """Use the configured project if there is one (``benchmarks.__main__``), else a
    throwaway SQLite database in ``workdir``."""
    if _apps_ready():
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("LIANGBANG_SQLITE_PATH", str(workdir / "bench.sqlite3"))
    os.environ.setdefault("LIANGBANG_VAR_DIR", str(workdir / "var"))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def _apps_ready() -> bool:
    from django.apps import apps

    return apps.ready


# Data -------------------------------------------------------------------------------------


def _period_with_rows(jurisdiction, month: int, rows: int, rng: random.Random):
    """A closed month with ``rows`` approved ratings, one per unit, in the seed's
    proportions (with escalated red lights), inserted in bulk."""
    from django.db import transaction

    from departments.models import Category, Organisation
    from ratings.models import Period, Rating

    with transaction.atomic():
        categories = [
            Category.objects.get_or_create(jurisdiction=jurisdiction, name=name, defaults={"order": i})[0]
            for i, name in enumerate(("区级机关部门", "街道", "镇", "国有企业"))
        ]
        departments = list(Organisation.objects.filter(jurisdiction=jurisdiction, is_department=True))
        if not departments:
            departments = Organisation.objects.bulk_create(
                Organisation(jurisdiction=jurisdiction, code=f"D{i:02d}", name=f"职能管理部门{i:02d}",
                             category=categories[0], is_department=True, is_unit=False)
                for i in range(23)
            )
        existing = Organisation.objects.filter(jurisdiction=jurisdiction, is_unit=True).count()
        if existing < rows:
            Organisation.objects.bulk_create(
                Organisation(jurisdiction=jurisdiction, code=f"U{i:05d}", name=f"被考核单位{i:05d}",
                             category=categories[i % len(categories)])
                for i in range(existing, rows)
            )
        units = list(Organisation.objects.filter(jurisdiction=jurisdiction, is_unit=True).order_by("code")[:rows])
        period = Period.objects.create(jurisdiction=jurisdiction, year=YEAR, month=month, status=Period.Status.CLOSED)
        ratings = []
        for unit in units:
            roll = rng.random()
            if roll < 0.78:
                kind = outcome = "red_flag"
                escalation = ""
            elif roll < 0.97:
                kind = outcome = "yellow_light"
                escalation = ""
            else:
                kind, outcome, escalation = "yellow_light", "red_light", rng.choice(("consecutive", "serious"))
            ratings.append(Rating(
                period=period, department=rng.choice(departments), unit=unit, kind=kind, outcome=outcome,
                escalation=escalation, serious_impact=escalation == "serious", reason=rng.choice(REASONS),
                status=Rating.Status.APPROVED,
            ))
        Rating.objects.bulk_create(ratings, batch_size=500)
    return period


def _fresh_jurisdiction():
    from boards.models import Edition, EditionEntry, PublishRun
    from departments.models import Jurisdiction, Organisation
    from ratings.models import Period, Rating

    jurisdiction, _created = Jurisdiction.objects.get_or_create(code=JURISDICTION, defaults={"name": "基准测试区"})
    # A previous run's data goes first (a kept database).
    EditionEntry.objects.filter(edition__jurisdiction=jurisdiction).delete()
    PublishRun.objects.filter(jurisdiction=jurisdiction).delete()
    for edition in Edition.objects.filter(jurisdiction=jurisdiction).order_by("-revision"):
        Edition.objects.filter(pk=edition.pk).delete()
    Rating.objects.filter(period__jurisdiction=jurisdiction).delete()
    Period.objects.filter(jurisdiction=jurisdiction).delete()
    Organisation.objects.filter(jurisdiction=jurisdiction).delete()
    return jurisdiction


# The PDF -----------------------------------------------------------------------------------


def timed(fn: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_pdf(jurisdiction, rng: random.Random, repeat: int = 3) -> str:
    from django.template.loader import render_to_string
    from django.utils import timezone, translation
    from django.utils.html import escape
    from weasyprint import HTML

    from boards import render, services
    from boards.links import jurisdiction_kwargs
    from ratings import publication

    period = _period_with_rows(jurisdiction, PDF_MONTH, PDF_UNITS, rng)
    board = publication.month_board(period=period)
    honour, warning = services.board_entries(board)
    info = render.EditionInfo(
        jurisdiction_name=board.jurisdiction_name, year=board.year, month=board.month, revision=1,
        published_at=timezone.now(), red_flags=len(honour),
        yellow_lights=sum(1 for e in warning if e.outcome == "yellow_light"),
        red_lights=sum(1 for e in warning if e.outcome == "red_light"),
    )
    jkw = jurisdiction_kwargs(jurisdiction)

    def ours(limit: int | None = None) -> bytes:
        with translation.override("zh-hans"):
            html = render_to_string("boards/edition_pdf.html", {
                "edition": info, "honour": honour[:limit], "warning": warning[:limit], "jkw": jkw,
                "jurisdiction_name": info.jurisdiction_name, "urls": {}, "page_counter": render.page_counter_css(),
            })
            return render.pdf_from_html(html)

    def plain(limit: int | None = None) -> str:
        rows = "".join(
            f"<tr><td>{e.position}</td><td>{escape(e.unit_name)}</td><td>{escape(e.get_outcome_display())}</td>"
            f"<td>{escape(e.department_name)}</td><td>{escape(e.reason)}</td></tr>"
            for e in honour[:limit] + warning[:limit]
        )
        return (
            '<html lang="zh-CN"><head><meta charset="utf-8"><style>@page { size: A4 } '
            'body { font-family: "Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif; font-size: 10pt } '
            "table { width: 100%; border-collapse: collapse }</style></head><body><table>"
            "<thead><tr><th>序号</th><th>被考核单位</th><th>认定</th><th>职能管理部门</th><th>事由</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></body></html>"
        )

    full = plain()

    def baseline() -> bytes:
        return HTML(string=full).write_pdf()

    ours(10), HTML(string=plain(10)).write_pdf()  # warm up: fonts, templates, stylesheets
    ours_times, baseline_times = [], []
    for _ in range(repeat):
        baseline_times.append(timed(baseline))
        ours_times.append(timed(ours))
    note(f"PDF of {PDF_UNITS} rows, median of {repeat}")
    return report("board_pdf_1000", statistics.median(ours_times), statistics.median(baseline_times), "s")


def _long_reason(length: int, n: int) -> str:
    """A reason of ``length`` characters: Chinese text with a pasted address in it."""
    run = f"https://12345.example.invalid/workorder/{n:06d}/" + "attachment" * 30
    text = "推诿扯皮，工单随意退回，群众反映强烈；经督查仍未整改。"
    body = (text * (length // len(text) + 1))[: length - len(run)]
    middle = len(body) // 2
    return body[:middle] + run + body[middle:]


def bench_long_reasons(jurisdiction, rng: random.Random) -> list[str]:
    from django.utils.html import escape
    from weasyprint import HTML

    from boards import services
    from boards.templatetags.board_tags import soft_breaks
    from ratings.models import REASON_MAX_LENGTH, Rating

    lines = []
    for name, length, month in (("board_publish_reasons_at_limit", REASON_MAX_LENGTH, 6),
                                ("board_publish_reasons_half_limit", REASON_MAX_LENGTH // 2, 7)):
        period = _period_with_rows(jurisdiction, month, PAGE_ROWS, rng)
        for n, rating in enumerate(Rating.objects.filter(period=period).order_by("pk")):
            Rating.objects.filter(pk=rating.pk).update(reason=_long_reason(length, n))
        reasons = list(Rating.objects.filter(period=period).order_by("pk").values_list("reason", flat=True))
        rows = "".join(f"<tr><td>{n}</td><td>被考核单位</td><td>红旗</td><td>职能管理部门</td>"
                       f"<td>{escape(soft_breaks(reason))}</td></tr>" for n, reason in enumerate(reasons, 1))
        plain = (
            '<html lang="zh-CN"><head><meta charset="utf-8"><style>@page { size: A4 } '
            'body { font-family: "Noto Sans CJK SC", sans-serif; font-size: 9.5pt } '
            "table { width: 100%; border-collapse: collapse; table-layout: fixed } "
            "td:nth-child(1) { width: 9mm } td:nth-child(2) { width: 34mm } td:nth-child(3) { width: 36mm } "
            "td:nth-child(4) { width: 30mm }</style></head><body><table>"
            f"<tbody>{rows}</tbody></table></body></html>"
        )
        baseline = timed(lambda: HTML(string=plain).write_pdf())
        ours = timed(lambda: services.edition_publish(period=period))
        note(f"{PAGE_ROWS} reasons of {length:,} characters each")
        lines.append(report(name, ours, baseline, "s"))
    return lines


# The page under load -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(port: int, static_root: str) -> None:
    """The server process: the project's WSGI application behind WhiteNoise (which
    serves ``static_root`` under STATIC_PREFIX), on a threaded stdlib WSGI server."""
    from whitenoise import WhiteNoise

    from benchmarks.http_load import threaded_server
    from config.wsgi import application

    app = WhiteNoise(application, root=static_root, prefix=STATIC_PREFIX, autorefresh=False)
    with threaded_server(app, port) as httpd:
        httpd.serve_forever()


def _load(port: int, path: str, seconds: float, threads: int) -> float:
    """Requests per second that ``threads`` clients get for ``path`` in ``seconds``."""
    return requests_per_second(port, path, seconds=seconds, clients=threads)[0]


def bench_page(jurisdiction, rng: random.Random, workdir: Path, seconds: float, threads: int, rounds: int = 5) -> str:
    from django.conf import settings
    from django.db import connection

    from boards import services
    from boards.links import board_reverse, edition_kwargs, jurisdiction_kwargs

    period = _period_with_rows(jurisdiction, PAGE_MONTH, PAGE_ROWS, rng)
    edition = services.edition_publish(period=period, by=None).edition
    path = board_reverse("edition", jurisdiction_kwargs(jurisdiction), **edition_kwargs(YEAR, PAGE_MONTH))
    static_root = workdir / "static-baseline"
    static_root.mkdir(parents=True, exist_ok=True)
    (static_root / "board.html").write_text(edition.html, encoding="utf-8")
    connection.close()

    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.test"),
        "LIANGBANG_SQLITE_PATH": str(settings.DATABASES["default"]["NAME"]),
        "DJANGO_DEBUG": "false",
    }
    server = subprocess.Popen(
        [sys.executable, "-c", f"from benchmarks.board import serve; serve({port}, {str(static_root)!r})"],
        cwd=str(Path(__file__).resolve().parent.parent), env=env,
    )
    try:
        _wait_for(port)
        ours_path, static_path = path, STATIC_PREFIX + "board.html"
        for target in (ours_path, static_path):
            _load(port, target, 0.5, threads)  # warm up
        ours, baseline = [], []
        for _ in range(rounds):  # interleaved, so that drift and other load hit both alike
            baseline.append(_load(port, static_path, seconds, threads))
            ours.append(_load(port, ours_path, seconds, threads))
    finally:
        server.terminate()
        server.wait(timeout=10)
    note(f"page {path}: {len(edition.html.encode()):,} bytes, {PAGE_ROWS} rows, {threads} client threads, "
         f"{seconds:g}s x {rounds} rounds each, median")
    return report("board_page", statistics.median(ours), statistics.median(baseline), "req/s")


def _wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the benchmark server did not start")


# Entry points ----------------------------------------------------------------------------------


def run(*, seconds: float = 2.0, threads: int = 8, repeat: int = 3, workdir: Path | None = None) -> list[str]:
    """Both measures; returns (and prints) their ``bench:`` lines."""
    own = workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="liangbang-board-bench-")) if own else workdir
    try:
        _django_ready(workdir)
        rng = random.Random(2016)
        jurisdiction = _fresh_jurisdiction()
        return [
            bench_page(jurisdiction, rng, workdir, seconds, threads),
            bench_pdf(jurisdiction, rng, repeat),
            *bench_long_reasons(jurisdiction, rng),
        ]
    finally:
        if own:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.board", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="load per measure and round")
    parser.add_argument("--threads", type=int, default=8, help="concurrent clients")
    parser.add_argument("--repeat", type=int, default=3, help="PDF repetitions")
    args = parser.parse_args(argv)
    run(seconds=args.seconds, threads=args.threads, repeat=args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
