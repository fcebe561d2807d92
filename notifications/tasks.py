"""Celery tasks: thin wrappers over ``notifications.services``."""

from __future__ import annotations

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

# The backoff between attempts: 1 s, 2 s, 4 s … (with jitter), at most 10 minutes.
BACKOFF_FACTOR = 1
BACKOFF_MAX = 600


def max_retries() -> int:
    return int(getattr(settings, "LIANGBANG_NOTIFICATION_MAX_RETRIES", 5))


@shared_task(bind=True, ignore_result=True, acks_late=True)
def deliver(self, delivery_id: int) -> None:
    """Send one delivery; retried with exponential backoff. The last failure is recorded
    on the delivery (and the office told) instead of raised, so that a send run in-process
    (eager) never fails the request that made the notification.

    The retries are explicit rather than ``autoretry_for``: their number is read from the
    settings when the task runs, and the service must know which attempt is the last."""
    from notifications.services import delivery_send

    retries = max_retries()
    if self.request.is_eager:
        # In-process (``make run``, the tests) Celery raises a retry into the caller rather
        # than running it: the attempts are made here, one after the other.
        for attempt in range(retries + 1):
            try:
                delivery_send(delivery_id=delivery_id, final_attempt=attempt >= retries)
                return
            except Exception:  # noqa: BLE001 - recorded on the delivery; try again
                continue
        return
    try:
        delivery_send(delivery_id=delivery_id, final_attempt=self.request.retries >= retries)
    except Exception as exc:  # noqa: BLE001 - delivery_send raised: not the last attempt
        countdown = get_exponential_backoff_interval(BACKOFF_FACTOR, self.request.retries, BACKOFF_MAX, full_jitter=True)
        raise self.retry(exc=exc, countdown=countdown, max_retries=retries) from exc


@shared_task(ignore_result=True)
def retry_queued() -> int:
    """Periodic (django-celery-beat): queue again deliveries a broker outage left waiting."""
    from notifications.services import deliveries_requeue

    return deliveries_requeue()
