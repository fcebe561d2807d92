"""Notification mail on the real stack: queued on Redis by the web side, sent by a
separate Celery worker under the production settings to an SMTP server, recorded in
PostgreSQL; a mail server that is down ends in a failed delivery the office is told of,
never in a broken request."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest

from notifications import services
from notifications.models import Delivery, Notification
from tests.integration.conftest import Worker, integration, wait_until

pytestmark = integration


class SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for Django's backend: no TLS, no auth; each message is kept."""

    def handle(self) -> None:
        self.wfile.write(b"220 test ESMTP\r\n")
        while line := self.rfile.readline():
            command = line.strip().upper()
            if command.startswith(b"DATA"):
                self.wfile.write(b"354 go ahead\r\n")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                self.server.messages.append(data)
                self.wfile.write(b"250 queued\r\n")
            elif command.startswith(b"QUIT"):
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server() -> Iterator[socketserver.ThreadingTCPServer]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPHandler)
    server.daemon_threads = True
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mail_worker(request, stack_env, stack_dir, redis) -> Iterator[callable]:
    started: list[Worker] = []

    def start(port: int, *, retries: int = 5) -> Worker:
        env = {**stack_env, "DJANGO_EMAIL_HOST": "127.0.0.1", "DJANGO_EMAIL_PORT": str(port),
               "DJANGO_DEFAULT_FROM_EMAIL": "效能办 <xnb@example.gov.cn>", "DJANGO_EMAIL_TIMEOUT": "5",
               "LIANGBANG_NOTIFICATION_MAX_RETRIES": str(retries), "LIANGBANG_SITE_URL": "https://xlb.example.gov.cn"}
        logdir = stack_dir / f"mail-{request.node.name}"
        logdir.mkdir(exist_ok=True)
        worker = Worker(env, logdir)
        worker.start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def test_a_notification_mail_goes_through_redis_and_a_worker_to_the_mail_server(
    bob, smtp_server, mail_worker, queue_to_redis
):
    bob.email = "bob@example.gov.cn"
    bob.save()
    mail_worker(smtp_server.server_address[1])
    (notification,) = services.notify(recipients=[bob], kind="rating_returned", title="2026年3月 对淳溪街道的认定被退回",
                                      body="退回原因：佐证材料不全", link="/admin/ratings/rating/1/change/")
    delivery = Delivery.objects.get(notification=notification)
    wait_until(lambda: Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.SENT, timeout=60,
               what="the mail to be sent")
    (raw,) = smtp_server.messages
    mail = message_from_bytes(raw)
    assert str(make_header(decode_header(mail["Subject"]))) == "【效能亮榜】2026年3月 对淳溪街道的认定被退回"
    assert mail["To"] == "bob@example.gov.cn"
    body = mail.get_payload(decode=True).decode(mail.get_content_charset() or "utf-8")
    assert "佐证材料不全" in body and "https://xlb.example.gov.cn/admin/ratings/rating/1/change/" in body


def test_a_mail_server_that_is_down_ends_in_a_failed_delivery_the_office_is_told_of(
    alice, bob, mail_worker, queue_to_redis
):
    bob.email = "bob@example.gov.cn"
    bob.save()
    mail_worker(free_port(), retries=1)  # nothing listens there
    (notification,) = services.notify(recipients=[bob], kind="rating_returned", title="认定被退回")
    delivery = Delivery.objects.get(notification=notification)
    failed = wait_until(
        lambda: (d := Delivery.objects.get(pk=delivery.pk)).status == Delivery.Status.FAILED and d, timeout=90,
        what="the delivery to fail after its retry",
    )
    assert failed.attempts == 2 and failed.last_error
    # Written by the worker just after it marks the delivery failed.
    told = wait_until(lambda: Notification.objects.filter(recipient=alice, kind="delivery_failed").first(),
                      timeout=30, what="the office's notice")
    assert "未能发出" in told.title
