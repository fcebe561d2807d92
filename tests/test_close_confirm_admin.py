"""The month's close page in the admin: what it lists, the office's choice, and the
departments told on their next login."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ratings import services
from ratings.models import Period, Rating
from tests.factories import PeriodFactory, RatingFactory


@pytest.fixture
def november(db):
    return PeriodFactory(year=2026, month=11)


@pytest.fixture
def month_with_drafts(november, dept_a, dept_b, town, town2):
    RatingFactory(period=november, department=dept_a, unit=town, reason="草稿事由")
    RatingFactory(period=november, department=dept_b, unit=town2, status=Rating.Status.RETURNED, return_reason="补材料")
    RatingFactory(period=november, department=dept_b, unit=town, status=Rating.Status.APPROVED)
    return november


def close_url(period) -> str:
    return reverse("admin:ratings_period_close", args=[period.pk])


@pytest.mark.parametrize("persona, status", [("bob", 403), ("leo", 403), ("alice", 200)])
def test_only_the_office_opens_the_close_page(client, month_with_drafts, persona, status, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(close_url(month_with_drafts)).status_code == status


def test_the_close_page_lists_by_department_every_rating_not_approved_and_what_happens(client, alice, month_with_drafts):
    client.force_login(alice)
    page = client.get(close_url(month_with_drafts)).content.decode()

    assert "<h2>区住建局</h2>" in page and "<h2>区市场监管局</h2>" in page
    assert page.count("结转到 2026年12月，或撤回") == 2
    assert "已退回" in page and 'name="fate" value="withdraw"' in page and "确认关账" in page


def test_submitted_ratings_block_with_no_confirm_button(client, alice, month_with_drafts, dept_a, town):
    RatingFactory(period=month_with_drafts, department=dept_a, unit=town, status=Rating.Status.SUBMITTED)
    client.force_login(alice)
    page = client.get(close_url(month_with_drafts)).content.decode()

    assert "还有 1 条认定待审核" in page and "确认关账" not in page
    response = client.post(close_url(month_with_drafts), {"fate": "carry"})
    assert response.status_code == 200
    month_with_drafts.refresh_from_db()
    assert month_with_drafts.status == Period.Status.OPEN


def test_a_post_without_a_choice_or_without_a_reason_changes_nothing(client, alice, month_with_drafts):
    client.force_login(alice)
    for data in ({}, {"fate": "withdraw", "reason": "  "}):
        response = client.post(close_url(month_with_drafts), data)
        assert response.status_code == 200
    assert "撤回必须填写原因" in response.content.decode()
    month_with_drafts.refresh_from_db()
    assert month_with_drafts.status == Period.Status.OPEN
    assert set(Rating.objects.values_list("status", "period__month")) == {("draft", 11), ("returned", 11), ("approved", 11)}


def test_carrying_through_the_page_moves_drafts_into_the_next_month(client, alice, month_with_drafts):
    client.force_login(alice)
    response = client.post(close_url(month_with_drafts), {"fate": "carry"})

    assert response.status_code == 302
    month_with_drafts.refresh_from_db()
    assert month_with_drafts.status == Period.Status.CLOSED
    assert Rating.objects.filter(period__month=12).count() == 2


def test_withdrawing_through_the_page_keeps_them_with_the_reason(client, alice, month_with_drafts):
    client.force_login(alice)
    client.post(close_url(month_with_drafts), {"fate": "withdraw", "reason": "重复填报"})

    assert list(Rating.objects.filter(status=Rating.Status.WITHDRAWN).values_list("withdrawn_reason", flat=True)) == [
        "重复填报", "重复填报"]


def test_the_list_action_sends_a_month_with_drafts_to_its_close_page(client, alice, month_with_drafts):
    client.force_login(alice)
    response = client.post(reverse("admin:ratings_period_changelist"), {
        "action": "close_selected", "_selected_action": [month_with_drafts.pk], "index": "0"}, follow=True)

    assert close_url(month_with_drafts) in response.content.decode()
    month_with_drafts.refresh_from_db()
    assert month_with_drafts.status == Period.Status.OPEN


def _login(client, username):
    return client.post(reverse("admin:login"), {"username": username, "password": f"pw-{username}",
                                                "next": reverse("admin:index")}, follow=True)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_departments_raters_are_told_once_on_their_next_login(client, alice, bob, carol, month_with_drafts):
    services.period_close(period=month_with_drafts, by=alice, carry=True)

    assert _messages(_login(client, "bob")) == ["2026年11月 已关账：你部门的 1 条草稿已结转到 2026年12月"]
    client.logout()
    assert _messages(_login(client, "bob")) == []  # once
    client.logout()
    assert _messages(_login(client, "carol")) == ["2026年11月 已关账：你部门的 1 条已退回的认定已结转到 2026年12月"]


def test_a_withdrawal_is_told_with_its_reason_and_not_to_other_people(client, alice, bob, leo, month_with_drafts):
    services.period_close(period=month_with_drafts, by=alice, withdraw_reason="年底清理")

    assert _messages(_login(client, "leo")) == []
    client.logout()
    assert _messages(_login(client, "bob")) == ["2026年11月 已关账：你部门的 1 条草稿或已退回的认定已撤回（原因：年底清理）"]


def test_a_month_that_has_not_come_has_no_close_page_to_confirm(client, alice):
    future = PeriodFactory(year=2099, month=1)
    client.force_login(alice)

    response = client.get(close_url(future), follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:ratings_period_change", args=[future.pk])
    assert "2099年1月 还没有到" in response.content.decode()
    future.refresh_from_db()
    assert future.is_open
