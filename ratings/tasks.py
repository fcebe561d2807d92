"""Celery tasks: thin wrappers over the services, with the failure handling."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def deadline_reminders_task() -> None:
    """催报, on the schedule the office sets (django-celery-beat; daily at 09:00 by default)."""
    from ratings.notices import deadline_reminders_send

    count = deadline_reminders_send()
    logger.info("deadline reminders sent to %s departments", count)
