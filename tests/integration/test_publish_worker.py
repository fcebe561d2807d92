"""Publishing a month on the real stack: the office queues it on Redis, a separate
Celery worker renders the boards (HTML and the WeasyPrint PDF) into PostgreSQL and the
shared media directory, and gunicorn's processes serve the public page.

alice (the office) closes and publishes; a citizen reads the page over HTTP.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from boards import services
from boards.models import Edition, EditionEntry, PublishRun
from ratings import rules
from ratings.models import Period
from tests.board_support import approved, close
from tests.integration.conftest import ROOT, integration, wait_until

pytestmark = integration


@pytest.fixture
def closed_month(alice, dept_a, dept_b, town, town2):
    march = Period.objects.create(jurisdiction=town.jurisdiction, year=2026, month=3)
    approved(march, dept_a, town, rules.RED_FLAG, "主动承办疑难工单9件", office=alice)
    approved(march, dept_b, town2, rules.YELLOW_LIGHT, "随意退单6件", office=alice)
    return close(march, alice)


def finished(run: PublishRun) -> PublishRun | None:
    run.refresh_from_db()
    return run if run.status in (PublishRun.Status.DONE, PublishRun.Status.FAILED) else None


def assert_one_complete_edition(period: Period, media_root: Path) -> Edition:
    edition = Edition.objects.get(period=period)  # exactly one
    assert edition.revision == 1
    assert EditionEntry.objects.filter(edition=edition).count() == 2
    pdf = (media_root / edition.pdf.name).read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) == edition.pdf_size
    assert hashlib.sha256(pdf).hexdigest() == edition.pdf_sha256
    return edition


def test_publishing_a_month_goes_through_the_worker_and_reaches_the_public_page(
    closed_month, alice, worker, queue_to_redis, media_root, web
):
    run = services.publish_run_start(period=closed_month, by=alice)
    run = wait_until(lambda: finished(run), timeout=120, what="the publication")
    assert run.status == PublishRun.Status.DONE, run.error
    assert "succeeded" in worker.text()
    edition = assert_one_complete_edition(closed_month, media_root)

    status, _, body = web.get("/2026/03/")
    page = body.decode()
    assert status == 200 and "淳溪街道" in page and "古柏街道" in page and "随意退单6件" in page
    status, headers, pdf = web.get("/2026/03/board.pdf")
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert hashlib.sha256(pdf).hexdigest() == edition.pdf_sha256
    assert web.get("/")[0] == 200


def test_a_new_edition_shows_on_every_gunicorn_worker_as_soon_as_it_is_published(
    closed_month, alice, dept_a, town, worker, queue_to_redis, media_root, web
):
    """The stored pages are kept in Redis, under a generation each publication moves on:
    no worker goes on serving the edition it kept in its memory."""
    march_run = services.publish_run_start(period=closed_month, by=alice)
    run = wait_until(lambda: finished(march_run), timeout=120, what="March's publication")
    assert run.status == PublishRun.Status.DONE, run.error
    for _ in range(24):  # read often enough that every worker keeps March's board
        status, _, body = web.get("/")
        assert status == 200 and "随意退单6件" in body.decode()

    april, _created = Period.objects.get_or_create(jurisdiction=closed_month.jurisdiction, year=2026, month=4)
    approved(april, dept_a, town, rules.RED_FLAG, "四月帮办企业开办23家", office=alice)
    close(april, alice)
    april_run = services.publish_run_start(period=april, by=alice)
    run = wait_until(lambda: finished(april_run), timeout=120, what="April's publication")
    assert run.status == PublishRun.Status.DONE, run.error
    # The worker moves the generation on just after its commit: a moment, not the 30 s a page is kept.
    wait_until(lambda: "四月帮办企业开办23家" in web.get("/")[2].decode(), timeout=5, what="April on the board")
    for _ in range(24):
        assert "四月帮办企业开办23家" in web.get("/")[2].decode()
        assert "随意退单6件" in web.get("/2026/03/")[2].decode()


def test_beat_sends_the_scheduled_publication_and_the_worker_publishes_the_closed_month(
    closed_month, worker, stack_env, stack_dir, media_root
):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every_second = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="测试：每秒发布已关账月份", task="boards.tasks.publish_pending_task",
                                interval=every_second)
    log = stack_dir / "beat.log"
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO", "--max-interval", "1",
         "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"],
        cwd=ROOT, env=stack_env, stdin=subprocess.DEVNULL, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until(lambda: Edition.objects.filter(period=closed_month).exists(), timeout=90,
                   what=f"the scheduled publication\n{log.read_text()[-2000:]}")
    finally:
        os.killpg(beat.pid, signal.SIGTERM)
        beat.wait(30)
    assert_one_complete_edition(closed_month, media_root)
    closed_month.refresh_from_db()
    assert closed_month.status == Period.Status.PUBLISHED
    assert "Sending due task" in log.read_text() and "publish_pending_task" in worker.text()


def test_a_worker_killed_in_the_middle_of_publishing_leaves_exactly_one_complete_edition(
    closed_month, alice, worker, queue_to_redis, media_root, tmp_path: Path
):
    worker.stop()
    pause = tmp_path / "in-the-middle"
    # Inside the edition's transaction: the PDF file and every row written, nothing committed.
    worker.start(pause_after="boards.services:_mark_published", pause_file=pause)
    run = services.publish_run_start(period=closed_month, by=alice)
    wait_until(pause.exists, timeout=120, what="the worker to reach the middle of publishing")
    assert not Edition.objects.exists()

    worker.kill()
    assert not Edition.objects.exists() and not EditionEntry.objects.exists()

    worker.start()
    run = wait_until(lambda: finished(run), timeout=120, what="the publication to be carried out again")
    assert run.status == PublishRun.Status.DONE, run.error
    edition = assert_one_complete_edition(closed_month, media_root)
    assert PublishRun.objects.count() == 1 and run.edition == edition
    # The killed attempt's PDF was never committed, and is gone: one file for the month, the edition's.
    stored = {p.relative_to(media_root).as_posix() for p in (media_root / "boards").rglob("2026-03-r1-*")}
    assert stored == {edition.pdf.name}


def test_with_redis_stopped_the_public_pages_work_and_a_publication_is_refused_with_a_clear_message(
    client, closed_month, alice, worker, queue_to_redis, media_root, web
):
    services.edition_publish(period=closed_month, by=alice)  # an edition already out
    redis = queue_to_redis
    redis.stop()

    status, _, body = web.get("/2026/03/")
    assert status == 200 and "淳溪街道" in body.decode()
    assert client.get("/").status_code == 200

    april, _created = Period.objects.get_or_create(jurisdiction=closed_month.jurisdiction, year=2026, month=4)  # opened by the close of March
    close(april, alice)
    client.force_login(alice)
    response = client.post(reverse("admin:boards_boardmonth_publish", args=[april.pk]), {"note": ""})
    assert response.status_code == 200 and "任务队列（Redis）暂时无法连接" in response.content.decode()
    run = PublishRun.objects.get(period=april)
    assert run.status == PublishRun.Status.FAILED and "Redis" in run.error
    assert not Edition.objects.filter(period=april).exists()
    redis.start()
