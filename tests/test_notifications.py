"""The notification service, its e-mail channel and its delivery task.

Personas (tests/conftest.py): ``alice`` works in the efficiency office, ``bob`` rates for
department A, ``carol`` for department B. ``ursula`` (here) is staff of the town 淳溪街道
and has no admin; ``dora`` has left (inactive). Everyone but dora has an e-mail address
unless a test takes it away.
"""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from kombu.exceptions import OperationalError

from departments import roles
from departments.models import Profile
from notifications import kinds, services
from notifications.channels import Channel, EmailChannel, channels_enabled, register
from notifications.models import Delivery, Notification, Preference
from notifications.tasks import deliver, retry_queued
from tests.factories import default_jurisdiction

pytestmark = pytest.mark.django_db


class FailingEmailBackend(BaseEmailBackend):
    """A mail server that is down."""

    attempts = 0

    def send_messages(self, email_messages):
        FailingEmailBackend.attempts += 1
        raise smtplib.SMTPException("连接邮件服务器失败")


FAILING = "tests.test_notifications.FailingEmailBackend"


def unit_staff(username: str, unit) -> User:
    user = User.objects.create_user(username=username, password="pw-" + username, email=f"{username}@example.cn")
    user.groups.add(Group.objects.get(name=roles.UNIT_STAFF))
    Profile.objects.create(user=user, jurisdiction=default_jurisdiction(), unit=unit)
    return user


@pytest.fixture
def ursula(town):
    return unit_staff("ursula", town)


@pytest.fixture
def mailed(alice, bob, carol):
    for user in (alice, bob, carol):
        user.email = f"{user.username}@example.cn"
        user.save()
    return alice, bob, carol


@pytest.fixture
def dora(db):
    return User.objects.create_user(username="dora", email="dora@example.cn", is_active=False)


def approve_notice(recipients, **kwargs):
    return services.notify(
        recipients=recipients, kind="rating_approved", title="淳溪街道获评红旗", body="区住建局：按时完成棚改任务",
        link="/desk/ratings/7/", **kwargs,
    )


def badge(user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load notification_tags %}{% notifications_badge %}").render(
        Context({"request": request, "user": user})
    )


def test_notify_makes_one_notification_per_person_and_the_badge_counts_them(
    ursula, mailed, dora, django_capture_on_commit_callbacks
):
    alice, bob, _carol = mailed
    with django_capture_on_commit_callbacks(execute=True):
        made = approve_notice([ursula, bob, ursula, dora])  # ursula twice, dora has left

    assert sorted(n.recipient.username for n in made) == ["bob", "ursula"]
    approve_notice([ursula])
    assert Notification.objects.filter(recipient=ursula).count() == 2
    assert "2 条未读通知" in badge(ursula)
    assert "1 条未读通知" in badge(bob)
    assert "没有未读" in badge(alice)


def test_the_badge_asks_the_database_once_per_request(ursula, django_assert_num_queries):
    approve_notice([ursula])
    request = RequestFactory().get("/")
    request.user = ursula
    template = Template("{% load notification_tags %}{% notifications_badge %}{% notifications_badge %}")
    with django_assert_num_queries(1):
        html = template.render(Context({"request": request, "user": ursula}))
    assert html.count("1 条未读通知") == 2


def test_the_mail_has_the_chinese_subject_and_the_absolute_link(ursula, settings, django_capture_on_commit_callbacks):
    settings.LIANGBANG_SITE_URL = "https://xn.gaochun.gov.cn/"
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = approve_notice([ursula])

    [message] = mail.outbox
    assert message.subject == "【效能亮榜】淳溪街道获评红旗"
    assert message.to == ["ursula@example.cn"]
    assert "区住建局：按时完成棚改任务" in message.body
    assert "https://xn.gaochun.gov.cn/desk/ratings/7/" in message.body
    delivery = notification.deliveries.get()
    assert (delivery.status, delivery.attempts, delivery.sent_at is not None) == (Delivery.Status.SENT, 1, True)


def test_a_digest_brings_one_unread_notification_up_to_date_and_mails_once(
    mailed, django_capture_on_commit_callbacks
):
    alice = mailed[0]
    with django_capture_on_commit_callbacks(execute=True):
        for count in (1, 2, 3):
            services.notify(recipients=[alice], kind="ratings_submitted", title=f"2026年1月有 {count} 条认定待审核",
                            group_key="period:1")

    [digest] = Notification.objects.filter(recipient=alice)
    assert digest.title == "2026年1月有 3 条认定待审核"
    # The mail leaves once the caller's transaction commits, with the digest as it then is.
    assert [m.subject for m in mail.outbox] == ["【效能亮榜】2026年1月有 3 条认定待审核"]

    # Once read, the next submission is news again, and mailed.
    services.mark_read(alice, digest.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[alice], kind="ratings_submitted", title="2026年1月有 4 条认定待审核",
                        group_key="period:1")
    assert Notification.objects.filter(recipient=alice).count() == 2
    assert len(mail.outbox) == 2
    # Another month is another digest.
    services.notify(recipients=[alice], kind="ratings_submitted", title="2026年2月有 1 条认定待审核", group_key="period:2")
    assert Notification.objects.filter(recipient=alice, read_at__isnull=True).count() == 2


def test_a_person_who_turned_a_kind_off_gets_no_mail_for_it(ursula, django_capture_on_commit_callbacks):
    services.preferences_save(ursula, {"rating_approved": False, "correction_published": True})
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = approve_notice([ursula])
        services.notify(recipients=[ursula], kind="correction_published", title="2026年1月亮榜更正")

    assert not notification.deliveries.exists()
    assert [m.subject for m in mail.outbox] == ["【效能亮榜】2026年1月亮榜更正"]
    assert Preference.objects.filter(user=ursula).count() == 2


def test_a_person_without_an_email_address_gets_no_delivery(bob, django_capture_on_commit_callbacks):
    assert bob.email == ""
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = services.notify(recipients=[bob], kind="rating_returned", title="认定被退回")
    assert not notification.deliveries.exists()
    assert mail.outbox == []


def test_a_link_outside_the_product_is_refused(ursula):
    for link in ("https://example.com/", "//example.com/", "desk/", "/\\example.com"):
        with pytest.raises(ValueError):
            services.notify(recipients=[ursula], kind="rating_approved", title="x", link=link)
    assert not Notification.objects.exists()


def test_an_unknown_kind_is_a_programming_error(ursula):
    with pytest.raises(kinds.UnknownKind):
        services.notify(recipients=[ursula], kind="no_such_kind", title="x")


def test_a_mail_server_that_is_down_does_not_break_the_caller_and_the_office_is_told_in_the_product(
    ursula, mailed, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = FAILING
    settings.LIANGBANG_NOTIFICATION_MAX_RETRIES = 3
    FailingEmailBackend.attempts = 0
    alice = mailed[0]
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = approve_notice([ursula])  # returns: the caller's request goes on

    delivery = notification.deliveries.get()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 4 == FailingEmailBackend.attempts  # the first try and 3 retries
    assert "SMTPException" in delivery.last_error and "连接邮件服务器失败" in delivery.last_error
    [notice] = Notification.objects.filter(recipient=alice, kind="delivery_failed")
    assert notice.title == "有 1 封通知邮件未能发出"
    assert "ursula@example.cn" in notice.body
    assert notice.link == "/admin/notifications/delivery/?status__exact=failed"
    # Never mail about failing mail.
    assert not notice.deliveries.exists()

    # A second failure brings the same notice up to date.
    with django_capture_on_commit_callbacks(execute=True):
        approve_notice([ursula])
    [notice] = Notification.objects.filter(recipient=alice, kind="delivery_failed")
    assert notice.title == "有 2 封通知邮件未能发出"


def test_a_broker_that_is_down_leaves_the_delivery_queued_for_the_periodic_retry(
    ursula, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    # A broker outage cannot be staged here (tasks run in-process); apply_async raises
    # what kombu raises then.
    monkeypatch.setattr(deliver, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = approve_notice([ursula])
    delivery = notification.deliveries.get()
    assert delivery.status == Delivery.Status.QUEUED and mail.outbox == []

    monkeypatch.undo()
    assert services.deliveries_requeue(now=timezone.now()) == 0  # too recent: may still be on its way
    assert services.deliveries_requeue(now=timezone.now() + timedelta(minutes=11)) == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and len(mail.outbox) == 1
    assert retry_queued.delay().get() == 0  # the periodic task, through Celery


def test_a_sent_delivery_is_never_sent_twice(ursula, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = approve_notice([ursula])
    deliver.delay(notification.deliveries.get().pk)
    assert len(mail.outbox) == 1


def test_the_office_resends_failed_mail_once_the_server_is_back(ursula, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = FAILING
    settings.LIANGBANG_NOTIFICATION_MAX_RETRIES = 0
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = approve_notice([ursula])
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deliveries_resend(deliveries=Delivery.objects.all()) == 1
    delivery = notification.deliveries.get()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 1)
    assert len(mail.outbox) == 1


def test_the_retry_is_scheduled_every_quarter_hour():
    task = PeriodicTask.objects.get(task="notifications.tasks.retry_queued")
    assert task.enabled and task.crontab.minute == "*/15"


def test_mark_all_read_empties_the_badge(ursula):
    approve_notice([ursula])
    approve_notice([ursula])
    assert services.unread_count(ursula) == 2
    assert services.mark_all_read(ursula) == 2
    assert services.unread_count(ursula) == 0


def test_a_later_app_adds_a_kind_and_a_channel_without_editing_this_one(ursula, settings, django_capture_on_commit_callbacks):
    sent = []

    @register
    class PagerChannel(Channel):
        code = "pager"
        label = "寻呼"

        def address_for(self, user) -> str:
            return "13800000000"

        def send(self, delivery) -> None:
            sent.append((delivery.address, delivery.notification.title))

    kinds.register(kinds.Kind("case_assigned", "收到交办单", email_default=True))
    settings.LIANGBANG_NOTIFICATION_CHANNELS = ["email", "pager"]
    assert [type(c) for c in channels_enabled()] == [EmailChannel, PagerChannel]
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[ursula], kind="case_assigned", title="交办单 2026-001")
    assert sent == [("13800000000", "交办单 2026-001")]
    assert len(mail.outbox) == 1
    kinds._REGISTRY.pop("case_assigned")
