"""Celery tasks: thin wrappers over ``evaluations.services``, scheduled with django-celery-beat."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def evaluation_rounds_task() -> tuple[int, int, int]:
    """Every morning: close the rounds and surveys whose window has ended, then remind the
    evaluators whose sheet is not in."""
    from django.utils import timezone

    from evaluations.services import reminders_send, rounds_close_due
    from evaluations.surveys import surveys_close_due

    today = timezone.localdate()
    closed = rounds_close_due(today=today)
    surveys_closed = surveys_close_due(today=today)
    reminded = reminders_send(today=today)
    logger.info("evaluation rounds closed: %d, surveys closed: %d, evaluators reminded: %d", closed, surveys_closed,
                reminded)
    return closed, surveys_closed, reminded
