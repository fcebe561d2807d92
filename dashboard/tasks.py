"""Celery tasks: thin wrappers over the dashboard's figures."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def warm_figures_task(jurisdiction_ids: list[int] | int) -> dict[int, list[str]]:
    """Render the first page's figures ahead of the leaders (``dashboard.figures.warm``),
    jurisdiction by jurisdiction. (A message queued by an earlier release carries one id.)"""
    from dashboard.figures import warm

    ids = [jurisdiction_ids] if isinstance(jurisdiction_ids, int) else jurisdiction_ids
    return {jurisdiction_id: warm(jurisdiction_id=jurisdiction_id) for jurisdiction_id in ids}


def warm_figures_later(sender=None, *, jurisdiction_ids: tuple[int, ...], **kwargs) -> None:
    """``ratings.signals.figures_changed``'s receiver: queue the rendering, one task for
    the jurisdictions of one change. A broker that cannot take it only means the first
    leader renders the page."""
    from config.queue import QueueUnavailable, enqueue

    try:
        enqueue(warm_figures_task, args=[list(jurisdiction_ids)])
    except QueueUnavailable:
        logger.warning("dashboard figures of jurisdictions %s not warmed: the queue is unavailable",
                       ", ".join(map(str, jurisdiction_ids)))
