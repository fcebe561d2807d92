"""The other side of tests/test_faults_sqlite.py: the product, in a process of its own,
on a SQLite file with the embedded default's settings (``config.settings.local``), while
the test holds that file's write lock from its own connection.

    python -m tests.sqlite_faults_client SCENARIO [TIMEOUT_SECONDS]

It speaks one JSON object per line on stdout, and waits for "go" / "stop" on stdin.
TIMEOUT_SECONDS replaces the 20 seconds SQLite waits for a lock, so that a test of a lock
held too long does not take 20 seconds; every other database option is the product's.
"""

from __future__ import annotations

import html
import json
import os
import re
import sys
import threading
import uuid


def say(**payload) -> None:
    print(json.dumps(payload, ensure_ascii=False), flush=True)


def setup(timeout: float | None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.conf import settings

    if timeout is not None:
        settings.DATABASES["default"]["OPTIONS"]["timeout"] = timeout  # before any connection opens
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host name is allowed


class World:
    """alice and alex (office), bob (rater of 区住建局), the month 2026-01; created once."""

    def __init__(self) -> None:
        from django.contrib.auth import get_user_model

        from departments import roles
        from departments.models import Organisation
        from tests.factories import DepartmentFactory, PeriodFactory, make_user

        users = get_user_model().objects
        self.department = Organisation.objects.filter(code="ZJJ").first() or DepartmentFactory(
            code="ZJJ", name="区住建局"
        )
        self.alice = users.filter(username="alice").first() or make_user("alice", roles.OFFICE)
        self.alex = users.filter(username="alex").first() or make_user("alex", roles.OFFICE)
        self.bob = users.filter(username="bob").first() or make_user("bob", roles.RATER, department=self.department)
        self.january = PeriodFactory(year=2026, month=1)

    def unit(self):
        from tests.factories import OrganisationFactory

        code = uuid.uuid4().hex[:8]
        return OrganisationFactory(code=f"U{code}", name=f"街道{code}")

    def submitted(self):
        from ratings import services

        return services.rating_record(
            period=self.january, department=self.department, unit=self.unit(), kind="red_flag",
            reason="主动上门服务企业", by=self.bob, submit=True,
        )


def client_for(user):
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    """The messages on the page, read from the page: the test client's ``context`` mixes up
    pages rendered at once in two threads."""
    found = re.search(r'<ul class="messagelist">(.*?)</ul>', response.content.decode(), re.S)
    items = re.findall(r"<li[^>]*>(.*?)</li>", found.group(1), re.S) if found else []
    return [html.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def error_notes(response) -> list[str]:
    """The page's own error notes (a confirmation page says why it did not go on there)."""
    items = re.findall(r'<p class="errornote">(.*?)</p>', response.content.decode(), re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def form_errors(response) -> list[str]:
    items = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    return [html.unescape(re.sub(r"<[^>]+>", " ", item)).strip() for item in items]


def approve_when_told() -> None:
    """alice approves a submitted rating each time the test says "go"."""
    from django.urls import reverse

    world = World()
    rating = world.submitted()
    client = client_for(world.alice)
    url = reverse("admin:ratings_rating_approve", args=[rating.pk])
    say(ready=True, rating=rating.pk)
    for line in sys.stdin:
        if line.strip() != "go":
            break
        response = client.post(url)
        say(status=response.status_code, retry_after=response.get("Retry-After"),
            body=response.content.decode() if response.status_code != 302 else "")


def at_once(*actions) -> list:
    """The actions in threads of their own, each with its own connection to the file."""
    from django.db import connection

    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(index: int, act) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            results[index] = act()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            results[index] = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, act)) for i, act in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def approve_race() -> None:
    """alice and alex press 审核通过 on the same rating at the same instant."""
    from django.urls import reverse

    world = World()
    rating = world.submitted()
    clients = [client_for(world.alice), client_for(world.alex)]
    url = reverse("admin:ratings_rating_approve", args=[rating.pk])

    def press(client):
        return lambda: (lambda r: {"status": r.status_code, "messages": messages_of(r)})(client.post(url, follow=True))

    say(rating=rating.pk, results=at_once(*(press(c) for c in clients)))


def close_while_saving() -> None:
    """alice closes 2026-02 as bob saves and submits a new rating for it, at the same instant."""
    from django.urls import reverse

    from tests.factories import PeriodFactory

    world = World()
    february = PeriodFactory(year=2026, month=2)
    unit = world.unit()
    alice, bob = client_for(world.alice), client_for(world.bob)

    def close():
        response = alice.post(reverse("admin:ratings_period_close", args=[february.pk]), follow=True)
        return {"status": response.status_code, "messages": messages_of(response), "notes": error_notes(response)}

    def save():
        response = bob.post(reverse("admin:ratings_rating_add"), {
            "period": february.pk, "unit": unit.pk, "kind": "red_flag", "reason": "主动上门服务企业", "_submit": "1",
            "evidence-TOTAL_FORMS": "0", "evidence-INITIAL_FORMS": "0",
        }, follow=True)
        return {"status": response.status_code, "messages": messages_of(response), "errors": form_errors(response)}

    say(period=february.pk, results=at_once(close, save))


SCENARIOS = {"approve-when-told": approve_when_told, "approve-race": approve_race, "close-while-saving": close_while_saving}

if __name__ == "__main__":
    setup(float(sys.argv[2]) if len(sys.argv) > 2 else None)
    SCENARIOS[sys.argv[1]]()
