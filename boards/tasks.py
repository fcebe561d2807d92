"""Celery tasks: thin wrappers over ``boards.services``, with the failure handling."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def publish_run_task(run_id: int) -> None:
    """Carry out a publication the office started in the admin. A failure is recorded
    on the run, where the progress page shows it, rather than raised into a request
    (tasks run in-process by default)."""
    from boards.services import publish_run_execute, publish_run_fail

    try:
        publish_run_execute(run_id=run_id)
    except Exception as exc:  # noqa: BLE001 - any failure ends the run
        logger.exception("publish run %s failed", run_id)
        messages = getattr(exc, "messages", None)
        publish_run_fail(run_id=run_id, error="；".join(messages) if messages else f"{type(exc).__name__}: {exc}")


@shared_task(ignore_result=True)
def publish_pending_task() -> int:
    """The scheduled publication (django-celery-beat): every closed month not yet
    published. Returns how many editions it made."""
    from boards.services import editions_publish_pending

    outcomes = editions_publish_pending()
    return sum(1 for outcome in outcomes if outcome.created)
