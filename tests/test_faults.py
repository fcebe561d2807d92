"""Faults: two people acting on the same month or rating, one after the other, each with
a page opened before the other acted. Every race ends in one consistent state, and the
person who lost it is told who won, and when.

These run step by step with two test clients (two browsers), on SQLite and PostgreSQL
alike. The same races with real threads and connections are in test_faults_threads.py
(PostgreSQL), and a database that stays locked in test_faults_sqlite.py (SQLite).

The personas (see conftest): alice and alex both work in the efficiency office, bob
rates for department A.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from boards import services as board_services
from boards.models import Edition, PublishRun
from departments import roles
from ratings import services
from assessment import services as scoring
from assessment.models import RollupRun
from ratings.models import Evidence, Period, Rating
from assessment.tasks import year_rollup_task
from tests.admin_helpers import form_data, messages_of
from tests.board_support import _board_cache, fast_pdf  # noqa: F401
from tests.factories import default_jurisdiction, make_user

CHANGELIST = "admin:ratings_rating_changelist"
PDF = b"%PDF-1.4\n% evidence sent with a stale form\n"


@pytest.fixture
def alex(db):
    """alice's colleague in the efficiency office."""
    return make_user("alex", roles.OFFICE)


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def submitted(period, department, unit, *, by, kind="red_flag", criterion=None, reason="主动上门服务企业") -> Rating:
    return services.rating_record(
        period=period, department=department, unit=unit, kind=kind, criterion=criterion, reason=reason, by=by,
        submit=True,
    )


def action(client, url_name: str, name: str, objects, **extra):
    data = {"action": name, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **extra}
    if "apply" not in extra:
        data["index"] = 0
    return client.post(reverse(url_name), data, follow=True)


def reviews(rating: Rating) -> list[tuple[str, str]]:
    """The rating's review entries in its history: (reason, who)."""
    return [
        (h.history_change_reason, h.history_user.username)
        for h in rating.history.order_by("history_id")
        if h.history_change_reason == "审核通过" or h.history_change_reason.startswith("退回")
    ]


def said(response) -> str:
    return " ".join(messages_of(response))


# Two office staff reviewing the same rating ------------------------------------------------------


def test_of_two_office_staff_approving_one_rating_the_second_is_told_it_is_done(
    alice, alex, bob, dept_a, town, january, flag_criterion
):
    rating = submitted(january, dept_a, town, by=bob, criterion=flag_criterion)
    a, b = browser(alice), browser(alex)
    # Both open the rating's page while it waits for review.
    for client in (a, b):
        assert "审核通过" in client.get(reverse("admin:ratings_rating_change", args=[rating.pk])).content.decode()

    first = a.post(reverse("admin:ratings_rating_approve", args=[rating.pk]), follow=True)
    second = b.post(reverse("admin:ratings_rating_approve", args=[rating.pk]), follow=True)

    assert "已审核通过" in said(first)
    assert second.status_code == 200
    assert "该认定已由 alice 于" in said(second) and "审核通过，无需重复操作" in said(second)
    rating.refresh_from_db()
    assert (rating.status, rating.reviewed_by, rating.outcome) == (Rating.Status.APPROVED, alice, "red_flag")
    assert reviews(rating) == [("审核通过", "alice")]


def test_a_rating_returned_by_a_colleague_is_not_approved_from_a_list_opened_before(
    alice, alex, bob, dept_a, town, town2, january, flag_criterion
):
    rating = submitted(january, dept_a, town, by=bob, criterion=flag_criterion)
    other = submitted(january, dept_a, town2, by=bob, criterion=flag_criterion)
    a, b = browser(alice), browser(alex)
    listing = a.get(reverse(CHANGELIST), {"status__exact": "submitted"})
    assert {r.pk for r in listing.context["cl"].result_list} == {rating.pk, other.pk}

    # alex returns one of them; alice, still on her list, approves both.
    b.post(reverse("admin:ratings_rating_return", args=[rating.pk]), {"reason": "佐证不足，请补充工单截图"})
    response = action(a, CHANGELIST, "approve_selected", [rating, other])

    text = said(response)
    assert "已审核通过 1 条认定" in text
    assert "1 条未能处理" in text and f"#{rating.pk}" in text
    assert "该认定已由 alex 于" in text and "退回（原因：佐证不足，请补充工单截图）" in text
    rating.refresh_from_db()
    other.refresh_from_db()
    assert (rating.status, rating.reviewed_by, rating.outcome) == (Rating.Status.RETURNED, alex, "")
    assert other.status == Rating.Status.APPROVED
    assert reviews(rating) == [("退回：佐证不足，请补充工单截图", "alex")]


def test_a_return_chosen_before_a_colleague_approved_is_not_carried_out(
    alice, alex, bob, dept_a, town, january, february, yellow_criterion
):
    # January's yellow light is approved; February's makes it a red light once approved.
    services.rating_approve(
        rating=submitted(january, dept_a, town, by=bob, kind="yellow_light", criterion=yellow_criterion), by=alice
    )
    rating = submitted(february, dept_a, town, by=bob, kind="yellow_light", criterion=yellow_criterion)
    a, b = browser(alice), browser(alex)

    # alex opens the return page (the reason form) for the submitted rating...
    page = action(b, CHANGELIST, "return_selected", [rating])
    assert page.templates[0].name == "admin/ratings/reason_form.html"
    assert f'name="lb-seen-{rating.pk}" value="submitted"' in page.content.decode()
    # ...alice approves it meanwhile...
    a.post(reverse("admin:ratings_rating_approve", args=[rating.pk]))
    # ...and alex sends the reason form he opened before.
    response = action(b, CHANGELIST, "return_selected", [rating], apply="1", reason="事由不清",
                      **{f"lb-seen-{rating.pk}": "submitted"})

    text = said(response)
    assert "该认定已由 alice 于" in text and "审核通过（在您打开退回页面之后），本次退回未执行" in text
    rating.refresh_from_db()
    assert (rating.status, rating.outcome, rating.escalation) == (Rating.Status.APPROVED, "red_light", "consecutive")
    assert reviews(rating) == [("审核通过", "alice")]


def test_a_return_from_the_ratings_page_opened_before_a_colleague_approved_is_not_carried_out(
    alice, alex, bob, dept_a, town, january, flag_criterion
):
    rating = submitted(january, dept_a, town, by=bob, criterion=flag_criterion)
    a, b = browser(alice), browser(alex)
    url = reverse("admin:ratings_rating_return", args=[rating.pk])
    form = b.get(url)
    assert f'name="lb-seen-{rating.pk}" value="submitted"' in form.content.decode()
    a.post(reverse("admin:ratings_rating_approve", args=[rating.pk]))

    response = b.post(url, {"reason": "请补充", f"lb-seen-{rating.pk}": "submitted"}, follow=True)

    assert "在您打开退回页面之后" in said(response)
    rating.refresh_from_db()
    assert rating.status == Rating.Status.APPROVED and reviews(rating) == [("审核通过", "alice")]


def test_withdrawing_an_approval_on_purpose_still_works(alice, alex, bob, dept_a, town, january, flag_criterion):
    # Seen approved, returned as approved: the office withdraws an approval knowingly.
    rating = services.rating_approve(rating=submitted(january, dept_a, town, by=bob, criterion=flag_criterion),
                                     by=alice)
    b = browser(alex)
    b.post(reverse("admin:ratings_rating_return", args=[rating.pk]), {"reason": "复核撤销", f"lb-seen-{rating.pk}": "approved"})
    rating.refresh_from_db()
    assert (rating.status, rating.outcome) == (Rating.Status.RETURNED, "")
    assert reviews(rating) == [("审核通过", "alice"), ("退回：复核撤销", "alex")]


def test_of_two_office_staff_returning_one_rating_the_second_is_told(alice, alex, bob, dept_a, town, january):
    rating = submitted(january, dept_a, town, by=bob)
    services.rating_return(rating=rating, by=alex, reason="请补充佐证")

    with pytest.raises(ValidationError) as refused:
        services.rating_return(rating=rating, by=alice, reason="事由不清")

    assert "该认定已由 alex 于" in refused.value.messages[0] and "无需重复操作" in refused.value.messages[0]
    rating.refresh_from_db()
    assert rating.return_reason == "请补充佐证" and reviews(rating) == [("退回：请补充佐证", "alex")]


def test_a_rating_deleted_by_a_colleague_is_reported_not_a_server_error(alice, alex, bob, dept_a, town, town2, january):
    gone = submitted(january, dept_a, town, by=bob)
    kept = submitted(january, dept_a, town2, by=bob)
    a = browser(alice)
    a.get(reverse(CHANGELIST))
    services.rating_delete(rating=gone, by=alex)

    response = action(a, CHANGELIST, "approve_selected", [gone, kept])
    with pytest.raises(ValidationError) as refused:
        services.rating_approve(rating=gone, by=alice)

    assert response.status_code == 200
    assert f"#{gone.pk}：该认定已由 alex 于" in said(response) and "删除" in said(response)
    assert "该认定已由 alex 于" in refused.value.messages[0]
    kept.refresh_from_db()
    assert kept.status == Rating.Status.APPROVED and not Rating.objects.filter(pk=gone.pk).exists()


def test_a_ratings_page_opened_before_a_colleague_deleted_it_says_so(alice, alex, bob, carol, dept_a, town, january):
    rating = submitted(january, dept_a, town, by=bob)
    a = browser(alice)
    page = a.get(reverse("admin:ratings_rating_change", args=[rating.pk]))
    services.rating_delete(rating=rating, by=alex)

    approve = a.post(reverse("admin:ratings_rating_approve", args=[rating.pk]), follow=True)
    save = a.post(reverse("admin:ratings_rating_change", args=[rating.pk]), form_data(page, reason="改"), follow=True)

    for response in (approve, save):
        assert response.redirect_chain[-1][0] == reverse(CHANGELIST)
        assert f"#{rating.pk}：该认定已由 alex 于" in said(response) and "删除" in said(response)
    # To a rater of another department, a rating that is not there never was.
    assert browser(carol).post(reverse("admin:ratings_rating_approve", args=[rating.pk])).status_code == 404


# Closing and reopening the month ---------------------------------------------------------------------


def test_of_two_office_staff_closing_the_month_the_second_is_told_who_closed_it(alice, alex, january):
    a, b = browser(alice), browser(alex)
    close = reverse("admin:ratings_period_close", args=[january.pk])
    for client in (a, b):
        assert close in client.get(reverse("admin:ratings_period_change", args=[january.pk])).content.decode()

    first = a.post(close, follow=True)
    second = b.post(close, follow=True)

    assert "2026-01 已关账。" in said(first)
    assert "2026-01 已关账（alice 于" in said(second) and "无需重复操作" in said(second)
    january.refresh_from_db()
    assert (january.status, january.closed_by) == (Period.Status.CLOSED, alice)
    assert [h.history_change_reason for h in january.history.all()].count("关账") == 1


def test_closing_by_the_list_action_after_a_colleague_closed_tells_who(alice, alex, january):
    a = browser(alice)
    a.get(reverse("admin:ratings_period_changelist"))
    services.period_close(period=january, by=alex, withdraw_reason="关账时撤回")

    response = action(a, "admin:ratings_period_changelist", "close_selected", [january])

    assert "2026-01 已关账（alex 于" in said(response)
    january.refresh_from_db()
    assert january.closed_by == alex


def test_the_command_does_not_close_a_month_twice(alice, january):
    services.period_close(period=january, by=alice, withdraw_reason="关账时撤回")
    with pytest.raises(CommandError, match="2026-01 已经是“已关账”状态"):
        call_command("close_month", "2026-01")
    with pytest.raises(services.PeriodClosedError, match="alice"):
        services.period_close(period=january, by=None)


def test_of_two_office_staff_reopening_the_month_the_second_is_told_who_reopened_it(alice, alex, january):
    services.period_close(period=january, by=alice, withdraw_reason="关账时撤回")
    a, b = browser(alice), browser(alex)
    url = reverse("admin:ratings_period_reopen", args=[january.pk])
    a.post(url, {"reason": "住建局补报"})
    response = b.post(url, {"reason": "市场监管局更正"}, follow=True)

    assert "2026-01 已由 alice 于" in said(response) and "重新开放，无需重复操作" in said(response)
    january.refresh_from_db()
    assert (january.status, january.reopen_reason) == (Period.Status.OPEN, "住建局补报")


# A month closed while a rater saves ------------------------------------------------------------------


def test_a_form_opened_before_the_month_was_closed_saves_nothing_and_says_why(
    client, alice, bob, dept_a, town, january, flag_criterion
):
    rating = services.rating_record(period=january, department=dept_a, unit=town, kind="red_flag",
                                    criterion=flag_criterion, reason="主动上门服务企业", by=bob)
    client.force_login(bob)
    url = reverse("admin:ratings_rating_change", args=[rating.pk])
    page = client.get(url)
    # bob edits the reason and attaches a file; before he saves, alice closes the month.
    data = form_data(page, reason="改过的事由", _submit="1")
    data["evidence-TOTAL_FORMS"] = int(data["evidence-TOTAL_FORMS"]) + 1
    data[f"evidence-{data['evidence-TOTAL_FORMS'] - 1}-file"] = SimpleUploadedFile("工单.pdf", PDF)
    services.period_close(period=january, by=alice, withdraw_reason="关账时撤回")
    history_before = rating.history.count()  # the withdrawal's line included

    response = client.post(url, data)

    assert response.status_code == 403
    body = response.content.decode()
    assert "您的修改没有保存：2026-01 已关账（alice 于" in body and "请效能办先重新开放该月" in body
    assert 'name="_save"' not in body  # the page as it is now: read-only
    rating.refresh_from_db()
    assert (rating.reason, rating.status) == ("主动上门服务企业", Rating.Status.WITHDRAWN)  # withdrawn at the close, not saved
    assert rating.history.count() == history_before
    assert not Evidence.objects.exists()


def test_an_add_form_opened_before_the_month_was_closed_names_the_closed_month(
    client, alice, bob, dept_a, town, january, flag_criterion
):
    client.force_login(bob)
    assert client.get(reverse("admin:ratings_rating_add")).status_code == 200
    services.period_close(period=january, by=alice, withdraw_reason="关账时撤回")

    response = client.post(reverse("admin:ratings_rating_add"), {
        "period": january.pk, "unit": town.pk, "kind": "red_flag", "criterion": flag_criterion.pk,
        "reason": "主动上门服务企业", "evidence-TOTAL_FORMS": "0", "evidence-INITIAL_FORMS": "0",
    })

    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.errors["period"])
    assert "2026-01 已关账（alice 于" in errors
    assert not Rating.objects.exists()


def test_a_delete_confirmed_after_the_month_was_closed_deletes_nothing(client, alice, bob, dept_a, town, january):
    rating = services.rating_record(period=january, department=dept_a, unit=town, kind="red_flag",
                                    reason="主动上门服务企业", by=bob)
    client.force_login(bob)
    url = reverse("admin:ratings_rating_delete", args=[rating.pk])
    assert client.get(url).status_code == 200
    services.period_close(period=january, by=alice, withdraw_reason="关账时撤回")

    response = client.post(url, {"post": "yes"})

    assert response.status_code == 403
    assert "您的修改没有保存：2026-01 已关账（alice 于" in response.content.decode()
    assert Rating.objects.filter(pk=rating.pk).exists()


def test_a_form_opened_before_the_rater_submitted_elsewhere_saves_nothing(client, bob, dept_a, town, january):
    rating = services.rating_record(period=january, department=dept_a, unit=town, kind="red_flag",
                                    reason="主动上门服务企业", by=bob)
    client.force_login(bob)
    url = reverse("admin:ratings_rating_change", args=[rating.pk])
    page = client.get(url)
    other_tab = browser(bob)
    action(other_tab, CHANGELIST, "submit_selected", [rating])

    response = client.post(url, form_data(page, reason="另一个标签页里的修改"))

    assert response.status_code == 403
    assert "您的修改没有保存：该认定已于" in response.content.decode()
    assert "提交，正在等待效能办审核，不能再修改" in response.content.decode()
    rating.refresh_from_db()
    assert (rating.reason, rating.status) == ("主动上门服务企业", Rating.Status.SUBMITTED)


def test_evidence_cannot_be_attached_or_removed_in_a_closed_month(alice, bob, dept_a, town, january):
    rating = services.rating_record(period=january, department=dept_a, unit=town, kind="red_flag",
                                    reason="主动上门服务企业", by=bob)
    attached = services.evidence_attach(rating=rating, evidence=Evidence(file=SimpleUploadedFile("a.pdf", PDF)),
                                        by=bob, original_name="a.pdf")
    services.period_close(period=january, by=alice, withdraw_reason="关账时撤回")

    with pytest.raises(services.PeriodClosedError, match="已关账"):
        services.evidence_attach(rating=rating, evidence=Evidence(file=SimpleUploadedFile("b.pdf", PDF)), by=bob)
    with pytest.raises(services.PeriodClosedError, match="已关账"):
        services.evidence_remove(evidence=attached, by=bob)
    assert list(Evidence.objects.values_list("original_name", flat=True)) == ["a.pdf"]


def test_a_rater_saving_after_the_month_closed_is_refused_by_the_service_too(alice, bob, dept_a, town, january):
    # What the admin's check protects, the service checks again under the month's lock.
    services.period_close(period=january, by=alice, withdraw_reason="关账时撤回")
    with pytest.raises(services.PeriodClosedError) as refused:
        services.rating_record(period=january, department=dept_a, unit=town, kind="red_flag", reason="补报", by=bob)
    assert "2026-01 已关账（alice 于" in refused.value.messages[0]
    assert not Rating.objects.exists()


# Publishing twice -------------------------------------------------------------------------------------


@pytest.fixture
def closed_january(alice, bob, dept_a, town, january, fast_pdf):
    services.rating_approve(rating=submitted(january, dept_a, town, by=bob), by=alice)
    return services.period_close(period=january, by=alice, withdraw_reason="关账时撤回")


def test_a_publication_started_twice_before_it_finished_makes_one_run_and_sends_the_second_to_it(
    alice, alex, closed_january
):
    # Without a commit the task is not sent: the first run waits in the queue, as with a busy worker.
    url = reverse("admin:boards_boardmonth_publish", args=[closed_january.pk])
    a, b = browser(alice), browser(alex)
    first = a.post(url, {"note": ""})
    run = PublishRun.objects.get()

    second = b.post(url, {"note": ""})
    again = a.post(url, {"note": ""})

    progress = reverse("admin:boards_publishrun_progress", args=[run.pk])
    assert first["Location"] == second["Location"] == again["Location"] == progress
    page = b.get(progress)
    assert "2026-01 正在发布中（alice 于" in said(page) and "无需重复操作" in said(page)
    assert PublishRun.objects.count() == 1

    board_services.publish_run_execute(run_id=run.pk)
    assert Edition.objects.count() == 1
    # Finished, it no longer holds the month: publishing again makes no new edition.
    board_services.publish_run_execute(run_id=board_services.publish_run_start(period=closed_january, by=alex).pk)
    assert Edition.objects.count() == 1


def test_a_second_publication_after_the_first_finished_makes_no_new_edition(alice, alex, closed_january):
    first = board_services.edition_publish(period=closed_january, by=alice)
    second = board_services.edition_publish(period=closed_january, by=alex)
    assert (first.created, second.created, second.edition.pk) == (True, False, first.edition.pk)
    assert Edition.objects.count() == 1 and Edition.objects.get().published_by == alice


def test_a_publication_lost_with_its_worker_no_longer_holds_the_month(alice, closed_january):
    lost = board_services.publish_run_start(period=closed_january, by=alice)
    PublishRun.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(hours=1))

    run = board_services.publish_run_start(period=closed_january, by=alice)

    lost.refresh_from_db()
    assert run.pk != lost.pk and lost.status == PublishRun.Status.FAILED and "视为中断" in lost.error
    # Delivered late after all, the lost task does nothing.
    board_services.publish_run_execute(run_id=lost.pk)
    lost.refresh_from_db()
    assert lost.status == PublishRun.Status.FAILED and not Edition.objects.exists()


# The roll-up started twice ------------------------------------------------------------------------------


def test_a_rollup_started_twice_before_it_finished_is_refused_with_who_started_it(alice, alex, client):
    # Queued, not run: the task is only sent once the run is committed.
    first = scoring.rollup_run_start(jurisdiction=default_jurisdiction(), year=2026, by=alice)

    with pytest.raises(scoring.RollupInProgress) as refused:
        scoring.rollup_run_start(jurisdiction=default_jurisdiction(), year=2026, through_month=6, by=alex)
    client.force_login(alex)
    response = client.post(reverse("admin:assessment_yearscore_rollup"), {"year": 2026, "through_month": ""})
    with pytest.raises(CommandError, match="正在计算中"):
        call_command("rollup_year", "2026")

    assert refused.value.run == first
    assert "2026 年度得分正在计算中（alice 于" in refused.value.messages[0]
    assert response.status_code == 200 and "正在计算中（alice 于" in said(response)
    assert RollupRun.objects.count() == 1
    # Another year is another set of rows: it may run meanwhile.
    assert scoring.rollup_run_start(jurisdiction=default_jurisdiction(), year=2025, by=alex).year == 2025


def test_a_finished_or_lost_rollup_no_longer_holds_the_year(alice):
    done = scoring.rollup_run_create(jurisdiction=default_jurisdiction(), year=2026, by=alice)
    scoring.rollup_run_execute(run_id=done.pk)
    lost = scoring.rollup_run_create(jurisdiction=default_jurisdiction(), year=2026, by=alice)
    RollupRun.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(hours=1))

    run = scoring.rollup_run_create(jurisdiction=default_jurisdiction(), year=2026, by=alice)

    lost.refresh_from_db()
    assert run.status == RollupRun.Status.QUEUED
    assert lost.status == RollupRun.Status.FAILED and "视为中断" in lost.error
    # Delivered late after all, the lost run's task does nothing.
    year_rollup_task.delay(lost.pk)
    lost.refresh_from_db()
    assert lost.status == RollupRun.Status.FAILED and lost.started_at is None
