"""Reading notifications."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils import timezone

from departments import roles
from notifications import kinds
from notifications.models import Delivery, Notification, Preference

PAGE_SIZE = 50
# The office's notice counts the failures of the last month: an address that can never
# be reached does not keep the notice up for ever.
FAILED_NOTICE_DAYS = 30


def notification_list(*, user) -> QuerySet:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def notification_page(*, user, page: str | int | None) -> Page:
    """One page of ``user``'s notifications, newest first; a page number that names no
    page gives the nearest one."""
    return Paginator(notification_list(user=user), PAGE_SIZE).get_page(page)


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def failed_deliveries(*, user, now: datetime | None = None) -> QuerySet:
    """Deliveries of the last FAILED_NOTICE_DAYS that failed for good, in ``user``'s
    jurisdiction (every jurisdiction for a superuser without a profile)."""
    now = now or timezone.now()
    failed = Delivery.objects.filter(
        status=Delivery.Status.FAILED, created_at__gte=now - timedelta(days=FAILED_NOTICE_DAYS),
    )
    profile = getattr(user, "profile", None)
    if profile is not None:
        return failed.filter(notification__recipient__profile__jurisdiction_id=profile.jurisdiction_id)
    return failed if user.is_superuser else failed.none()


def failed_deliveries_count(user, now: datetime | None = None) -> int:
    if not roles.is_office(user):
        return 0
    return failed_deliveries(user=user, now=now).count()


def email_choices(*, user) -> list[tuple[kinds.Kind, bool]]:
    """Each kind a person may choose e-mail for, with their choice (or its default)."""
    stored = dict(Preference.objects.filter(user=user).values_list("kind", "email"))
    return [(kind, stored.get(kind.code, kind.email_default)) for kind in kinds.all_kinds() if not kind.in_app_only]
