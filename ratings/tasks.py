"""Celery tasks: thin wrappers over the services, with the failure handling."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def year_rollup_task(run_id: int) -> None:
    """Carry out a queued roll-up. A failure is recorded on the run, where the office's
    progress page shows it, rather than raised into a request (tasks run in-process by
    default)."""
    from ratings.models import RollupRun
    from ratings.scoring import rollup_run_execute, rollup_run_fail

    # Tasks are acknowledged when done (acks_late): a worker lost after the run finished
    # but before acknowledging leaves the message to be delivered again. Nothing to do;
    # nor for a run given up as lost, which a newer run has replaced (scoring.rollup_run_create).
    if RollupRun.objects.filter(pk=run_id, status__in=(RollupRun.Status.DONE, RollupRun.Status.FAILED)).exists():
        return
    try:
        rollup_run_execute(run_id=run_id)
    except Exception as exc:  # noqa: BLE001 - any failure ends the run
        logger.exception("year roll-up run %s failed", run_id)
        rollup_run_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")


@shared_task(ignore_result=True)
def deadline_reminders_task() -> None:
    """催报, on the schedule the office sets (django-celery-beat; daily at 09:00 by default)."""
    from ratings.notices import deadline_reminders_send

    count = deadline_reminders_send()
    logger.info("deadline reminders sent to %s departments", count)
