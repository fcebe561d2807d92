"""Celery tasks: thin wrappers over the dashboard's figures."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def warm_figures_task(jurisdiction_id: int) -> list[str]:
    """Render the first page's figures ahead of the leaders (``dashboard.figures.warm``)."""
    from dashboard.figures import warm

    return warm(jurisdiction_id=jurisdiction_id)


def warm_figures_later(sender=None, *, jurisdiction_id: int, **kwargs) -> None:
    """``ratings.signals.figures_changed``'s receiver: queue the rendering. A broker
    that cannot take it only means the first leader renders the page."""
    from config.queue import QueueUnavailable, enqueue

    try:
        enqueue(warm_figures_task, args=[jurisdiction_id])
    except QueueUnavailable:
        logger.warning("dashboard figures of jurisdiction %s not warmed: the queue is unavailable", jurisdiction_id)
