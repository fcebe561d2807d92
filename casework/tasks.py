"""Celery tasks: thin wrappers over ``casework.services``, scheduled with django-celery-beat."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def form_reminders_task() -> int:
    """Every morning: remind lead units of forms near or past their deadline."""
    from casework.services import form_reminders_send

    count = form_reminders_send()
    logger.info("form reminders: %d forms", count)
    return count


@shared_task(ignore_result=True)
def rectification_forms_task() -> int:
    """Often: open a rectification form for each approved light of the current year (and
    last year's in January) where the year's rules ask for it. Opens nothing twice."""
    from django.utils import timezone

    from casework.services import rectification_forms_open
    from departments.models import Jurisdiction

    today = timezone.localdate()
    years = {today.year, today.year - 1} if today.month == 1 else {today.year}
    opened = 0
    for jurisdiction in Jurisdiction.objects.filter(is_active=True):
        for year in sorted(years):
            opened += len(rectification_forms_open(jurisdiction=jurisdiction, year=year, today=today))
    logger.info("rectification forms opened: %d", opened)
    return opened
