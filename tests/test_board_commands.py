"""publish_board on the command line, and the Celery tasks (eager, as the settings run
them) behind the admin and the schedule."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask

from boards import services, tasks
from boards.models import Edition, PublishRun
from config.celery import app
from ratings import rules
from ratings import services as rating_services
from ratings.models import Period
from tests.board_support import _board_cache, approved, close, fast_pdf, reopen  # noqa: F401
from tests.factories import JurisdictionFactory, PeriodFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_january(alice, dept_a, town, january, fast_pdf):
    approved(january, dept_a, town, rules.RED_FLAG, "主动承办疑难工单9件", office=alice)
    return close(january, alice)


def publish(*args: str) -> str:
    out = io.StringIO()
    call_command("publish_board", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_the_command_publishes_a_closed_month(closed_january):
    output = publish("2026-01")
    assert "2026-01 已发布第 1 版：红旗 1 面，黄灯 0 盏，红灯 0 盏（/2026/01/r1/）" in output
    closed_january.refresh_from_db()
    assert closed_january.status == Period.Status.PUBLISHED
    assert Edition.objects.get().published_by is None


def test_the_command_run_twice_makes_one_edition(closed_january):
    publish("2026-01")
    assert "内容与已发布的第 1 版相同，未产生新版本" in publish("2026-01")
    assert Edition.objects.count() == 1


def test_the_command_publishes_a_correction_with_its_note(closed_january, alice, town):
    publish("2026-01")
    reopen(closed_january, alice)
    rating_services.rating_update(rating=closed_january.ratings.get(), by=alice, reason="主动承办疑难工单12件")
    close(closed_january, alice)

    with pytest.raises(CommandError, match="更正说明"):
        publish("2026-01")
    assert "已发布第 2 版" in publish("2026-01", "--note", "更正件数")
    assert Edition.objects.get(revision=2).correction_note == "更正件数"


@pytest.mark.parametrize("args, message", [
    (("2026-13",), "不是有效的月份"),
    (("2026-02",), "尚未关账"),
    (("2025-07",), "没有 2025-07 这个月份"),
    ((), "请指定月份"),
    (("2026-01", "--pending"), "不能同时使用"),
    (("2026-01", "--jurisdiction", "nowhere"), "没有编码为“nowhere”的辖区"),
])
def test_the_command_explains_what_it_cannot_do(closed_january, february, args, message):
    with pytest.raises(CommandError, match=message):
        publish(*args)


def test_the_command_needs_the_jurisdiction_when_there_are_several(closed_january):
    JurisdictionFactory(code="lishui", name="南京市溧水区")
    with pytest.raises(CommandError, match="--jurisdiction"):
        publish("2026-01")
    assert "已发布第 1 版" in publish("2026-01", "--jurisdiction", "default")


def test_the_command_publishes_every_pending_month(closed_january, alice):
    close(PeriodFactory(year=2026, month=2), alice)
    output = publish("--pending")
    assert "2026-01 已发布第 1 版" in output and "2026-02 已发布第 1 版" in output
    assert "没有已关账、尚未发布的月份" in publish("--pending")


# Celery --------------------------------------------------------------------------------------------


def test_the_tasks_are_registered_with_the_celery_app():
    assert "boards.tasks.publish_run_task" in app.tasks
    assert "boards.tasks.publish_pending_task" in app.tasks


def test_the_scheduled_task_publishes_closed_months_through_celery(closed_january):
    result = tasks.publish_pending_task.delay()
    assert result.get() == 1
    assert Edition.objects.filter(year=2026, month=1).exists()
    assert tasks.publish_pending_task.delay().get() == 0  # nothing left: idempotent


def test_the_run_task_carries_out_a_publication_through_celery(closed_january, alice):
    run = PublishRun.objects.create(jurisdiction_id=closed_january.jurisdiction_id, period=closed_january,
                                    created_by=alice)
    tasks.publish_run_task.delay(run.pk)
    run.refresh_from_db()
    assert run.status == PublishRun.Status.DONE and run.percent == 100
    assert run.edition == Edition.objects.get()


def test_starting_a_run_queues_the_task_once_committed(closed_january, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = services.publish_run_start(period=closed_january, by=alice)
    assert len(callbacks) == 1 and not Edition.objects.exists()
    callbacks[0]()
    run.refresh_from_db()
    assert run.status == PublishRun.Status.DONE


def test_a_run_refused_by_the_service_is_recorded_as_failed(closed_january, alice):
    run = PublishRun.objects.create(jurisdiction_id=closed_january.jurisdiction_id, period=closed_january,
                                    created_by=alice)
    reopen(closed_january, alice)
    tasks.publish_run_task.delay(run.pk)
    run.refresh_from_db()
    assert run.status == PublishRun.Status.FAILED and "尚未关账" in run.error


def test_a_schedule_to_publish_closed_months_is_ready_but_off():
    task = PeriodicTask.objects.get(task="boards.tasks.publish_pending_task")
    assert not task.enabled
    assert (task.crontab.day_of_month, task.crontab.hour, task.crontab.minute) == ("10", "9", "0")
