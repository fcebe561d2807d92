"""Writing notifications: ``notify`` is what every other app calls.

A notification is stored in the product at once; its deliveries (an e-mail, later an
SMS) are queued after the caller's transaction commits. Nothing here raises into the
caller because a broker or a mail server is down: a delivery that could not be queued
stays ``queued`` and the periodic ``retry_queued`` picks it up; one that keeps failing
ends ``failed`` and the office is told in the product (never by mail)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from departments import roles
from notifications import kinds
from notifications.channels import Channel, channel_for, channels_enabled
from notifications.models import Delivery, Notification, Preference

logger = logging.getLogger(__name__)

# A delivery still queued this long after it was last queued or tried has been lost
# (broker down, worker restarted): ``retry_queued`` queues it again.
REQUEUE_AFTER = timedelta(minutes=10)


def in_site_language(function):
    """Notifications are written in the site's language, whoever's request sends them
    (an office member browsing in English still tells a unit in Chinese)."""
    import functools

    @functools.wraps(function)
    def wrapped(*args, **kwargs):
        with override(settings.LANGUAGE_CODE):
            return function(*args, **kwargs)

    return wrapped


def _check_link(link: str) -> None:
    # Links point inside the product: a mail or a list never sends anyone elsewhere.
    if link and (not link.startswith("/") or link.startswith("//") or "\\" in link):
        raise ValueError(f"A notification's link is a path inside the product, not {link!r}")


def _people(recipients: Iterable) -> list:
    seen: set[int] = set()
    people = []
    for user in recipients:
        if user is None or not user.is_active or user.pk in seen:
            continue
        seen.add(user.pk)
        people.append(user)
    return people


def _wants(channel: Channel, preference: Preference | None, kind: kinds.Kind) -> bool:
    """Whether this person wants this kind on this channel. Preferences hold one field per
    channel (``email``); a channel without one follows the kind's default."""
    if kind.in_app_only:
        return False
    if preference is None:
        return kind.email_default
    return bool(getattr(preference, channel.code, kind.email_default))


def notify(*, recipients: Iterable, kind: str, title: str, body: str = "", link: str = "",
           group_key: str = "", now: datetime | None = None) -> list[Notification]:
    """Notify each of ``recipients`` (users; inactive ones and repeats are skipped).

    With a ``group_key`` an unread notification of the same kind and key is brought up to
    date instead of adding another (a digest), and it is not mailed again until read."""
    kind_obj = kinds.kind_for(kind)
    _check_link(link)
    title, body = " ".join(str(title).split())[:200], str(body)
    people = _people(recipients)
    if not people:
        return []
    now = now or timezone.now()
    with transaction.atomic():
        updated: list[Notification] = []
        if group_key:
            digests = {
                n.recipient_id: n
                for n in Notification.objects.select_for_update().filter(
                    recipient__in=people, kind=kind, group_key=group_key, read_at__isnull=True,
                )
            }
            for notification in digests.values():
                notification.title, notification.body, notification.link = title, body, link
                notification.created_at = now
            Notification.objects.bulk_update(digests.values(), ["title", "body", "link", "created_at"])
            updated = list(digests.values())
            people_new = [user for user in people if user.pk not in digests]
        else:
            people_new = people
        created = Notification.objects.bulk_create([
            Notification(recipient=user, kind=kind, title=title, body=body, link=link, group_key=group_key,
                         created_at=now)
            for user in people_new
        ])
        deliveries = _deliveries_create(created, people_new, kind_obj, now)
    for delivery in deliveries:
        transaction.on_commit(lambda pk=delivery.pk: delivery_queue(delivery_id=pk))
    return updated + created


def _deliveries_create(notifications: list[Notification], people: list, kind: kinds.Kind,
                       now: datetime) -> list[Delivery]:
    channels = channels_enabled()
    if not notifications or not channels or kind.in_app_only:
        return []
    preferences = {
        p.user_id: p for p in Preference.objects.filter(user__in=people, kind=kind.code)
    }
    rows = []
    for notification, user in zip(notifications, people, strict=True):
        for channel in channels:
            address = channel.address_for(user)
            if address and _wants(channel, preferences.get(user.pk), kind):
                rows.append(Delivery(notification=notification, channel=channel.code, address=address,
                                     queued_at=now))
    return Delivery.objects.bulk_create(rows)


def delivery_queue(*, delivery_id: int) -> bool:
    """Hand one delivery to Celery. Never raises: a broker that refuses leaves the delivery
    queued for ``retry_queued``; a send that fails while tasks run in-process (eager) is
    already recorded on the delivery by the task."""
    from notifications.tasks import deliver

    try:
        deliver.delay(delivery_id)
    except Exception:  # noqa: BLE001 - a notification never breaks the request that made it
        logger.exception("could not queue notification delivery %s", delivery_id)
        return False
    return True


def delivery_send(*, delivery_id: int, final_attempt: bool) -> None:
    """Send one queued delivery through its channel, and record the outcome.

    A failure is raised again for the task to retry, unless this was the last attempt:
    then the delivery is marked failed and the office of the recipient's jurisdiction
    gets an in-app notice."""
    delivery = Delivery.objects.select_related("notification__recipient").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != Delivery.Status.QUEUED:
        return  # sent already, given up on, or deleted with its notification
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(attempts=F("attempts") + 1, queued_at=now)
    try:
        channel_for(delivery.channel).send(delivery)
    except Exception as exc:  # noqa: BLE001 - whatever the backend raises is recorded
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if not final_attempt:
            Delivery.objects.filter(pk=delivery.pk).update(last_error=error)
            raise
        logger.warning("notification delivery %s failed for good: %s", delivery.pk, error)
        Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.FAILED, last_error=error)
        _office_told_of_failure(delivery, error=error, now=now)
        return
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.SENT, sent_at=timezone.now(), last_error="")


def office_for(user) -> QuerySet:
    """The active office staff of ``user``'s jurisdiction (superusers when it has none)."""
    User = get_user_model()
    jurisdiction = roles.user_jurisdiction(user)
    office = User.objects.filter(is_active=True, groups__name=roles.OFFICE)
    if jurisdiction is not None:
        office = office.filter(profile__jurisdiction=jurisdiction)
    if not office.exists():
        office = User.objects.filter(is_active=True, is_superuser=True)
    return office.distinct()


def _office_told_of_failure(delivery: Delivery, *, error: str, now: datetime) -> None:
    from notifications.selectors import failed_deliveries_count

    office = list(office_for(delivery.notification.recipient))
    if not office:
        return
    count = failed_deliveries_count(office[0])
    # Stored text is in the product's language, whoever's request (or worker) wrote it.
    with override(settings.LANGUAGE_CODE):
        # One unread notice per office member, brought up to date with each failure.
        notify(
            recipients=office, kind=kinds.DELIVERY_FAILED.code, group_key="delivery_failed", now=now,
            title=_("有 %(count)s 封通知邮件未能发出") % {"count": count},
            body=_("最近一封：发给 %(address)s 的“%(title)s”，重试后仍未发出（%(error)s）。请检查邮件服务器设置和收件地址。") % {
                "address": delivery.address, "title": delivery.notification.title, "error": error,
            },
            link=reverse("admin:notifications_delivery_changelist") + "?status__exact=failed",
        )


def deliveries_requeue(*, now: datetime | None = None) -> int:
    """Queue again the deliveries left ``queued`` for longer than REQUEUE_AFTER."""
    now = now or timezone.now()
    stale = list(Delivery.objects.filter(status=Delivery.Status.QUEUED, queued_at__lt=now - REQUEUE_AFTER)
                 .values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=stale).update(queued_at=now)
    for pk in stale:
        delivery_queue(delivery_id=pk)
    return len(stale)


def deliveries_resend(*, deliveries: QuerySet) -> int:
    """The office sends failed deliveries again (after mending the mail settings or an
    address): each starts over with no attempts."""
    now = timezone.now()
    pks = list(deliveries.filter(status=Delivery.Status.FAILED).values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=pks).update(status=Delivery.Status.QUEUED, attempts=0, queued_at=now)
    for pk in pks:
        transaction.on_commit(lambda pk=pk: delivery_queue(delivery_id=pk))
    return len(pks)


def mark_read(user, notification_id: int) -> Notification:
    """Mark one of ``user``'s notifications read; another's raises Notification.DoesNotExist."""
    notification = Notification.objects.get(pk=notification_id, recipient=user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def preferences_save(user, choices: dict[str, bool]) -> None:
    """Keep ``user``'s e-mail choice for each kind; a choice equal to the default is
    stored too, so that a later change of default does not change a person's choice."""
    with transaction.atomic():
        for code, email in choices.items():
            kind = kinds.kind_for(code)
            if kind.in_app_only:
                continue
            Preference.objects.update_or_create(user=user, kind=code, defaults={"email": bool(email)})


def unread_count(user) -> int:
    from notifications.selectors import unread_count as count

    return count(user)
