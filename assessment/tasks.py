"""Celery tasks of the year-end: thin wrappers over the services, with the failure handling."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.exceptions import ValidationError

logger = logging.getLogger(__name__)


# The name it had in ratings: a message queued before the move still finds it.
@shared_task(name="ratings.tasks.year_rollup_task", ignore_result=True)
def year_rollup_task(run_id: int) -> None:
    """Carry out a queued roll-up. A failure is recorded on the run, where the office's
    progress page shows it, rather than raised into a request (tasks run in-process by
    default)."""
    from assessment.models import RollupRun
    from assessment.services import rollup_run_execute, rollup_run_fail

    # Tasks are acknowledged when done (acks_late): a worker lost after the run finished
    # but before acknowledging leaves the message to be delivered again. Nothing to do;
    # nor for a run given up as lost, which a newer run has replaced (services.rollup_run_create).
    if RollupRun.objects.filter(pk=run_id, status__in=(RollupRun.Status.DONE, RollupRun.Status.FAILED)).exists():
        return
    try:
        rollup_run_execute(run_id=run_id)
    except ValidationError as exc:  # a refusal in the office's words (a scorecard that cannot be scored)
        rollup_run_fail(run_id=run_id, error="\n".join(exc.messages))
    except Exception as exc:  # noqa: BLE001 - any failure ends the run
        logger.exception("year roll-up run %s failed", run_id)
        rollup_run_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")
