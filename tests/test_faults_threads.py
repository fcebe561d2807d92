"""Faults with real concurrency: two people acting at the same instant, each in a thread
of its own with its own database connection, released together by a barrier. Exactly
one wins; the other is refused with a message that names the winner; the database is
left in one consistent state (one history entry, the right escalation, one edition).

PostgreSQL only: the second pass of `make test` runs these. On SQLite the suite's test
database lives in memory, shared between threads through a shared cache whose table
locks fail at once ("database table is locked") instead of waiting, unlike the file
database the product runs on; the SQLite file is tested in test_faults_sqlite.py.

The personas (see conftest): alice and alex both work in the efficiency office, bob
rates for department A.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse

from boards import services as board_services
from boards.models import Edition, PublishRun
from departments import roles
from ratings import services
from assessment import services as scoring
from assessment.models import RollupRun
from ratings.models import Period, Rating
from tests.board_support import _board_cache, fast_pdf  # noqa: F401
from tests.factories import default_jurisdiction, make_user

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="real concurrent connections need PostgreSQL (the second pass of `make test`); "
               "SQLite's in-memory test database shares one cache between threads",
    ),
    # Every step commits, so that the other thread's connection sees it; serialized_rollback
    # puts back what the migrations created (roles, the default jurisdiction) afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def message(self) -> str:
        return "；".join(getattr(self.error, "messages", None) or [str(self.error)])


def at_once(*actions: Callable[[], Any]) -> list[Outcome]:
    """Run the actions in threads of their own, released together; each thread has its own
    database connection (Django's are per thread), opened before the start."""
    barrier = threading.Barrier(len(actions))
    outcomes = [Outcome() for _ in actions]

    def run(index: int, act: Callable[[], Any]) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            outcomes[index].value = act()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            outcomes[index].error = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, act)) for i, act in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "a thread is still waiting: a deadlock"
    close_old_connections()
    return outcomes


def one_won(outcomes: list[Outcome]) -> tuple[Outcome, Outcome]:
    winners = [o for o in outcomes if o.ok]
    losers = [o for o in outcomes if not o.ok]
    assert len(winners) == 1 and len(losers) == 1, [o.error for o in outcomes]
    assert isinstance(losers[0].error, ValidationError), repr(losers[0].error)
    return winners[0], losers[0]


@pytest.fixture
def alex(db):
    """alice's colleague in the efficiency office."""
    return make_user("alex", roles.OFFICE)


def submitted(period, department, unit, *, by, kind="yellow_light", criterion=None) -> Rating:
    return services.rating_record(period=period, department=department, unit=unit, kind=kind, criterion=criterion,
                                  reason="群众反映多次未处理", by=by, submit=True)


def review_entries(rating: Rating) -> list[str]:
    return [h.history_change_reason for h in rating.history.order_by("history_id")
            if h.history_change_reason == "审核通过" or h.history_change_reason.startswith("退回")]


# Reviewing -----------------------------------------------------------------------------------------


def test_two_office_staff_approving_one_rating_at_once_make_one_approval(
    alice, alex, bob, dept_a, town, january, february, yellow_criterion
):
    services.rating_approve(rating=submitted(january, dept_a, town, by=bob, criterion=yellow_criterion), by=alice)
    rating = submitted(february, dept_a, town, by=bob, criterion=yellow_criterion)

    winner, loser = one_won(at_once(
        lambda: services.rating_approve(rating=rating, by=alice),
        lambda: services.rating_approve(rating=rating, by=alex),
    ))

    rating.refresh_from_db()
    assert rating.status == Rating.Status.APPROVED
    assert f"该认定已由 {rating.reviewed_by.username} 于" in loser.message and "无需重复操作" in loser.message
    assert review_entries(rating) == ["审核通过"]
    # The second consecutive yellow light became a red light, once.
    assert (rating.outcome, rating.escalation) == ("red_light", "consecutive")


def test_approving_and_returning_one_rating_at_once_leaves_the_winners_decision(
    alice, alex, bob, dept_a, town, january, yellow_criterion
):
    rating = submitted(january, dept_a, town, by=bob, criterion=yellow_criterion)

    winner, loser = one_won(at_once(
        lambda: services.rating_approve(rating=rating, by=alice),
        lambda: services.rating_return(rating=rating, by=alex, reason="佐证不足", seen_status="submitted"),
    ))

    rating.refresh_from_db()
    if rating.status == Rating.Status.APPROVED:
        assert (rating.reviewed_by, rating.outcome) == (alice, "yellow_light")
        assert "该认定已由 alice 于" in loser.message and "本次退回未执行" in loser.message
        assert review_entries(rating) == ["审核通过"]
    else:
        assert (rating.status, rating.reviewed_by, rating.outcome) == (Rating.Status.RETURNED, alex, "")
        assert "该认定已由 alex 于" in loser.message and "不能审核通过" in loser.message
        assert review_entries(rating) == ["退回：佐证不足"]


def test_approving_two_consecutive_yellow_lights_at_once_makes_the_later_one_red(
    alice, alex, bob, dept_a, town, january, february, yellow_criterion
):
    # Different months, different month locks: the unit's lock makes the two take turns.
    first = submitted(january, dept_a, town, by=bob, criterion=yellow_criterion)
    second = submitted(february, dept_a, town, by=bob, criterion=yellow_criterion)

    outcomes = at_once(
        lambda: services.rating_approve(rating=first, by=alice),
        lambda: services.rating_approve(rating=second, by=alex),
    )

    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.outcome, first.escalation) == ("yellow_light", "")
    assert (second.outcome, second.escalation, second.escalated_after_id) == ("red_light", "consecutive", first.pk)


# The month -----------------------------------------------------------------------------------------


def test_two_office_staff_closing_the_month_at_once_close_it_once(alice, alex, january):
    winner, loser = one_won(at_once(
        lambda: services.period_close(period=january, by=alice),
        lambda: services.period_close(period=january, by=alex),
    ))

    january.refresh_from_db()
    assert january.status == Period.Status.CLOSED
    assert f"2026-01 已关账（{january.closed_by.username} 于" in loser.message and "无需重复操作" in loser.message
    assert [h.history_change_reason for h in january.history.all()].count("关账") == 1


def test_a_month_closed_while_a_rater_submits_never_holds_a_rating_awaiting_review(
    alice, bob, dept_a, town, january
):
    winner, loser = one_won(at_once(
        lambda: services.period_close(period=january, by=alice),
        lambda: submitted(january, dept_a, town, by=bob),
    ))

    january.refresh_from_db()
    if january.status == Period.Status.CLOSED:
        assert "2026-01 已关账（alice 于" in loser.message
        assert not Rating.objects.exists()
    else:
        # The rating came first: closing is refused and names it.
        assert "还有 1 条认定待审核" in loser.message and "淳溪街道" in loser.message
        assert Rating.objects.get().status == Rating.Status.SUBMITTED


def test_a_rater_saving_through_the_admin_as_the_month_closes_saves_all_or_nothing(
    alice, bob, dept_a, town, january
):
    rating = services.rating_record(period=january, department=dept_a, unit=town, kind="red_flag",
                                    reason="主动上门服务企业", by=bob)
    url = reverse("admin:ratings_rating_change", args=[rating.pk])

    def save() -> int:
        client = Client()
        client.force_login(bob)
        data = {"unit": town.pk, "kind": "red_flag", "reason": "改过的事由", "evidence-TOTAL_FORMS": "0",
                "evidence-INITIAL_FORMS": "0", "_submit": "1"}
        return client.post(url, data).status_code

    # The office closes withdrawing what was not submitted (a close must say what becomes of drafts).
    close, save = at_once(lambda: services.period_close(period=january, by=alice, withdraw_reason="月底仍未提交"), save)

    assert save.ok, save.error
    rating.refresh_from_db()
    january.refresh_from_db()
    if january.status == Period.Status.CLOSED:
        # Closed before the save took the month's lock: the save is refused whole (a 403 when
        # the month was closed before the form was read, a message when it closed meanwhile).
        assert close.ok and save.value in (302, 403)
        assert (rating.reason, rating.status) == ("主动上门服务企业", Rating.Status.WITHDRAWN)
    else:
        # Saved and submitted first: closing is refused and names what awaits review.
        assert (rating.reason, rating.status) == ("改过的事由", Rating.Status.SUBMITTED)
        assert "还有 1 条认定待审核" in close.message


# Publishing and the roll-up --------------------------------------------------------------------------


@pytest.fixture
def closed_january(alice, bob, dept_a, town, january, fast_pdf):
    services.rating_approve(rating=submitted(january, dept_a, town, by=bob, kind="red_flag"), by=alice)
    return services.period_close(period=january, by=alice)


def test_two_publications_of_one_month_at_once_make_one_edition(alice, alex, closed_january):
    outcomes = at_once(
        lambda: board_services.edition_publish(period=closed_january, by=alice),
        lambda: board_services.edition_publish(period=closed_january, by=alex),
    )

    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert sorted(o.value.created for o in outcomes) == [False, True]
    edition = Edition.objects.get()
    assert {o.value.edition.pk for o in outcomes} == {edition.pk}
    assert edition.entries.count() == 1
    closed_january.refresh_from_db()
    assert closed_january.status == Period.Status.PUBLISHED


def test_a_publication_started_twice_at_once_makes_one_run(alice, alex, closed_january, monkeypatch):
    # The worker is busy: the runs wait in the queue (the task is not sent).
    monkeypatch.setattr(board_services, "_queue", lambda run_id, task: None)

    winner, loser = one_won(at_once(
        lambda: board_services.publish_run_start(period=closed_january, by=alice),
        lambda: board_services.publish_run_start(period=closed_january, by=alex),
    ))

    assert isinstance(loser.error, board_services.PublishInProgress)
    assert loser.error.run == winner.value and "正在发布中" in loser.message
    assert PublishRun.objects.count() == 1


def test_a_rollup_started_twice_at_once_makes_one_run(alice, alex):
    winner, loser = one_won(at_once(
        lambda: scoring.rollup_run_create(jurisdiction=default_jurisdiction(), year=2026, by=alice),
        lambda: scoring.rollup_run_create(jurisdiction=default_jurisdiction(), year=2026, by=alex),
    ))

    assert isinstance(loser.error, scoring.RollupInProgress)
    assert loser.error.run == winner.value and "2026 年度得分正在计算中" in loser.message
    assert RollupRun.objects.count() == 1


# A lock held too long ---------------------------------------------------------------------------------


def test_a_lock_held_past_the_lock_timeout_gives_a_busy_page_and_changes_nothing(
    alice, bob, dept_a, town, january
):
    rating = submitted(january, dept_a, town, by=bob)
    held, release = threading.Event(), threading.Event()

    def hold_the_month() -> None:
        # Another request in the middle of a long write to the month.
        from django.db import transaction

        with transaction.atomic():
            Period.objects.select_for_update().get(pk=january.pk)
            held.set()
            release.wait(timeout=30)

    holder = threading.Thread(target=lambda: (hold_the_month(), connection.close()))
    holder.start()
    try:
        assert held.wait(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        client = Client(raise_request_exception=False)
        client.force_login(alice)
        response = client.post(reverse("admin:ratings_rating_approve", args=[rating.pk]))
        # A page's script polling for JSON is answered in JSON.
        polled = client.post(reverse("admin:ratings_rating_approve", args=[rating.pk]),
                             headers={"Accept": "application/json"})
    finally:
        release.set()
        holder.join(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    assert response.status_code == 503 and response["Retry-After"]
    assert "数据库正忙，本次操作没有完成" in response.content.decode()
    assert polled.status_code == 503 and polled.json()["retry_after"] == 5
    rating.refresh_from_db()
    assert rating.status == Rating.Status.SUBMITTED and review_entries(rating) == []
    # A moment later the same request goes through.
    client.post(reverse("admin:ratings_rating_approve", args=[rating.pk]))
    rating.refresh_from_db()
    assert rating.status == Rating.Status.APPROVED
