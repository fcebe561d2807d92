"""The office publishes in the admin: the months, the confirmation page with the
correction note, the progress page until done; leaders read, raters see nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from boards import services
from boards.models import Edition, PublishRun
from ratings import rules
from ratings import services as rating_services
from tests.board_support import _board_cache, approved, close, fast_pdf, reopen  # noqa: F401
from tests.factories import PeriodFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_january(alice, dept_a, dept_b, town, town2, january, fast_pdf):
    approved(january, dept_a, town, rules.RED_FLAG, "主动承办疑难工单9件", office=alice)
    approved(january, dept_b, town2, rules.YELLOW_LIGHT, "随意退单6件", office=alice)
    return close(january, alice)


def _publish_url(period) -> str:
    return reverse("admin:boards_boardmonth_publish", args=[period.pk])


def _login(client, user) -> None:
    client.force_login(user)


def test_the_office_sees_each_month_with_its_counts_and_a_publish_button(client, alice, closed_january, february):
    _login(client, alice)
    response = client.get(reverse("admin:boards_boardmonth_changelist"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "2026-01" in body and _publish_url(closed_january) in body
    assert "关账后可发布" in body  # February is still open
    assert "发布已关账月份的效能亮榜" in body  # the schedule, ready to switch on


def test_the_office_publishes_a_month_and_watches_it_until_done(
    client, alice, closed_january, django_capture_on_commit_callbacks
):
    _login(client, alice)
    page = client.get(_publish_url(closed_january))
    assert page.status_code == 200
    assert "红旗 1 面，黄灯 1 盏，红灯 0 盏" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_publish_url(closed_january), {"note": ""})
    run = PublishRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:boards_publishrun_progress", args=[run.pk])

    progress = client.get(response["Location"]).content.decode()
    assert "已发布 2026-01 第 1 版" in progress
    assert 'href="/2026/01/r1/"' in progress and 'href="/2026/01/r1/board.pdf"' in progress
    status = client.get(reverse("admin:boards_publishrun_status", args=[run.pk])).json()
    assert status["finished"] and not status["failed"] and status["percent"] == 100
    assert status["links"]["lobby"] == "/lobby/"
    run.refresh_from_db()
    assert run.status == PublishRun.Status.DONE and run.created_edition and run.created_by == alice
    assert Edition.objects.get().published_by == alice


def test_the_progress_page_polls_while_the_run_waits_in_the_queue(client, alice, closed_january):
    # Without the commit, the task is not sent: the run stays queued, as with a busy worker.
    _login(client, alice)
    response = client.post(_publish_url(closed_january), {"note": ""})
    run = PublishRun.objects.get()
    body = client.get(response["Location"]).content.decode()
    assert run.status == PublishRun.Status.QUEUED
    assert "已排队" in body and "admin-extra/run_progress.js" in body
    assert 'data-finished="false"' in body
    assert client.get(reverse("admin:boards_publishrun_status", args=[run.pk])).json()["finished"] is False


def test_a_failed_run_says_why(client, alice, closed_january, monkeypatch, django_capture_on_commit_callbacks):
    def broken(**kwargs):
        raise RuntimeError("字体缺失")

    monkeypatch.setattr(services, "edition_publish", broken)
    _login(client, alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_publish_url(closed_january), {"note": ""})
    body = client.get(response["Location"]).content.decode()
    assert "发布失败" in body and "字体缺失" in body
    assert PublishRun.objects.get().status == PublishRun.Status.FAILED


def test_republishing_a_changed_month_asks_for_the_correction_note(
    client, alice, closed_january, town2, django_capture_on_commit_callbacks
):
    services.edition_publish(period=closed_january, by=alice)
    reopen(closed_january, alice)
    rating_services.rating_update(rating=closed_january.ratings.get(unit=town2), by=alice, reason="随意退单4件")
    close(closed_january, alice)
    _login(client, alice)

    page = client.get(_publish_url(closed_january)).content.decode()
    assert "现在的内容与之不同" in page and 'name="note"' in page
    refused = client.post(_publish_url(closed_january), {"note": "  "})
    assert refused.status_code == 200 and not PublishRun.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(_publish_url(closed_january), {"note": "更正古柏街道的退单件数"})
    current = Edition.objects.get(revision=2)
    assert current.correction_note == "更正古柏街道的退单件数"
    assert Edition.objects.get(revision=1).is_superseded


def test_republishing_an_unchanged_month_makes_no_new_edition(
    client, alice, closed_january, django_capture_on_commit_callbacks
):
    services.edition_publish(period=closed_january, by=alice)
    _login(client, alice)
    assert "再次发布不会产生新版本" in client.get(_publish_url(closed_january)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_publish_url(closed_january), {"note": ""})
    assert "未产生新版本" in client.get(response["Location"]).content.decode()
    assert Edition.objects.count() == 1


def test_an_open_month_cannot_be_published_from_the_admin(client, alice, february):
    _login(client, alice)
    response = client.get(_publish_url(february), follow=True)
    assert "尚未关账" in response.content.decode()
    assert not PublishRun.objects.exists()


def test_the_office_publishes_several_months_with_the_list_action(
    client, alice, closed_january, django_capture_on_commit_callbacks
):
    march = close(PeriodFactory(year=2026, month=3), alice)
    _login(client, alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:boards_boardmonth_changelist"), {
            "action": "publish_selected", "_selected_action": [closed_january.pk, march.pk],
        }, follow=True)
    assert "已开始发布 2 个月份" in response.content.decode()
    assert sorted(Edition.objects.values_list("month", flat=True)) == [1, 3]


def test_a_leader_reads_the_editions_but_cannot_publish(client, leo, alice, closed_january):
    services.edition_publish(period=closed_january, by=alice)
    _login(client, leo)
    assert client.get(reverse("admin:boards_boardmonth_changelist")).status_code == 200
    assert client.get(reverse("admin:boards_edition_changelist")).status_code == 200
    assert client.get(_publish_url(closed_january)).status_code == 403
    assert client.post(_publish_url(closed_january), {"note": ""}).status_code == 403
    assert "publish_selected" not in client.get(reverse("admin:boards_boardmonth_changelist")).content.decode()


def test_a_rater_sees_nothing_of_publishing(client, bob, closed_january):
    _login(client, bob)
    for name in ("admin:boards_boardmonth_changelist", "admin:boards_edition_changelist",
                 "admin:boards_publishrun_changelist"):
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(_publish_url(closed_january)).status_code == 403


def test_editions_are_read_only_in_the_admin(client, alice, closed_january):
    edition = services.edition_publish(period=closed_january, by=alice).edition
    _login(client, alice)
    listing = client.get(reverse("admin:boards_edition_changelist")).content.decode()
    assert 'href="/2026/01/r1/board.pdf"' in listing and "现行版本" in listing
    change = client.get(reverse("admin:boards_edition_change", args=[edition.pk]))
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert client.post(reverse("admin:boards_edition_change", args=[edition.pk]), {}).status_code == 403
    assert client.get(reverse("admin:boards_edition_add")).status_code == 403
    assert client.post(reverse("admin:boards_edition_delete", args=[edition.pk]), {"post": "yes"}).status_code == 403
    assert Edition.objects.filter(pk=edition.pk).exists()
