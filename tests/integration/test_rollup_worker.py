"""The year-end roll-up on the real stack: queued on Redis by the web side, carried out
by a separate Celery worker process under the production settings, written to PostgreSQL.

alice (the office) starts the roll-ups; bob (department A) keeps rating while Redis is down.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from assessment import services as scoring
from assessment.models import RollupRun, YearScore
from ratings.models import Rating
from tests.admin_helpers import inline_management, messages_of
from tests.factories import OrganisationFactory, PeriodFactory, RatingFactory, RuleBookFactory, default_jurisdiction
from tests.integration.conftest import integration, wait_until

pytestmark = integration

YEAR = 2026


@pytest.fixture
def district(dept_a, town, town2):
    """淳溪街道 with two red flags, 古柏街道 with a yellow light, and 40 more units with a
    red flag each month, so that the roll-up writes enough rows to be caught halfway."""
    RuleBookFactory(year=YEAR, grading_method="threshold", excellent_min_points=Decimal("1"))
    march = PeriodFactory(year=YEAR, month=3, status="closed")
    for unit, kind, count in ((town, "red_flag", 2), (town2, "yellow_light", 1)):
        for _ in range(count):
            RatingFactory(period=march, department=dept_a, unit=unit, kind=kind, outcome=kind,
                          status=Rating.Status.APPROVED)
    for i in range(40):
        unit = OrganisationFactory(code=f"X{i:02d}", name=f"测试镇{i:02d}")
        RatingFactory(period=march, department=dept_a, unit=unit, kind="red_flag", outcome="red_flag",
                      status=Rating.Status.APPROVED)
    return march


def finished(run: RollupRun) -> RollupRun | None:
    run.refresh_from_db()
    return run if run.status in (RollupRun.Status.DONE, RollupRun.Status.FAILED) else None


def test_the_year_end_rollup_goes_through_redis_and_a_worker_into_the_database(
    district, alice, town, town2, worker, queue_to_redis
):
    run = scoring.rollup_run_start(jurisdiction=default_jurisdiction(), year=YEAR, by=alice)
    # Queued, not run here: this process only sent a message.
    assert RollupRun.objects.get(pk=run.pk).status in (RollupRun.Status.QUEUED, RollupRun.Status.RUNNING,
                                                        RollupRun.Status.DONE)
    run = wait_until(lambda: finished(run), timeout=60, what="the roll-up")
    assert run.status == RollupRun.Status.DONE, run.error
    assert run.task_id in worker.text() and "succeeded" in worker.text()

    first, second = YearScore.objects.get(unit=town), YearScore.objects.get(unit=town2)
    assert (first.red_flags, first.points, first.grade) == (2, Decimal("1"), "excellent")
    assert (second.yellow_lights, second.points) == (1, Decimal("-0.5"))
    assert YearScore.objects.filter(year=YEAR).count() == run.total == 42


def test_a_worker_killed_in_the_middle_of_a_rollup_leaves_one_complete_result_after_a_restart(
    district, alice, worker, queue_to_redis, tmp_path: Path
):
    worker.stop()
    pause = tmp_path / "in-the-middle"
    worker.start(pause_after="assessment.services:_write_scores", pause_file=pause)
    run = scoring.rollup_run_start(jurisdiction=default_jurisdiction(), year=YEAR, by=alice)

    wait_until(pause.exists, timeout=60, what="the worker to reach the middle of the roll-up")
    run.refresh_from_db()
    assert run.status == RollupRun.Status.RUNNING
    # Every row is written inside the transaction, none is visible outside it.
    assert not YearScore.objects.exists()

    worker.kill()
    assert not YearScore.objects.exists()  # the database rolled the transaction back

    worker.start()  # takes the unacknowledged message again (after the visibility timeout)
    run = wait_until(lambda: finished(run), timeout=90, what="the roll-up to be carried out again")
    assert run.status == RollupRun.Status.DONE, run.error
    assert RollupRun.objects.count() == 1
    assert YearScore.objects.filter(year=YEAR).count() == run.total == run.done == 42
    assert YearScore.objects.values("unit").distinct().count() == 42
    assert YearScore.objects.filter(computed_at__isnull=True).count() == 0


def test_with_redis_stopped_rating_goes_on_and_a_rollup_is_refused_with_a_clear_message(
    client, district, alice, bob, town, worker, queue_to_redis
):
    redis = queue_to_redis
    redis.stop()

    # Rating entry does not need the broker.
    april = PeriodFactory(year=YEAR, month=4)
    client.force_login(bob)
    response = client.post(reverse("admin:ratings_rating_add"), {
        "period": april.pk, "unit": town.pk, "kind": "red_flag", "reason": "主动上门服务企业",
        "_submit": "1", **inline_management("evidence"),
    }, follow=True)
    assert response.status_code == 200
    assert Rating.objects.get(period=april).status == Rating.Status.SUBMITTED

    # Starting a roll-up is refused, and says so; the run records why.
    client.force_login(alice)
    response = client.post(reverse("admin:assessment_yearscore_rollup"), {"year": YEAR, "through_month": ""})
    assert response.status_code == 200
    assert any("任务队列（Redis）暂时无法连接" in message for message in messages_of(response))
    run = RollupRun.objects.get()
    assert run.status == RollupRun.Status.FAILED and "Redis" in run.error
    status = client.get(reverse("admin:assessment_yearscore_rollup_status", args=[run.pk])).json()
    assert status["failed"] and "Redis" in status["message"]

    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["checks"]["database"]["ok"] and not health.json()["checks"]["broker"]["ok"]

    # Redis back: the same worker reconnects and the office's next try goes through.
    redis.start()
    assert client.get("/healthz").status_code == 200
    response = client.post(reverse("admin:assessment_yearscore_rollup"), {"year": YEAR, "through_month": ""})
    assert response.status_code == 302
    run = wait_until(lambda: finished(RollupRun.objects.latest("pk")), timeout=90, what="the roll-up")
    assert run.status == RollupRun.Status.DONE
    assert YearScore.objects.filter(year=YEAR).count() == 42
