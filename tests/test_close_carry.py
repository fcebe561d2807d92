"""Nothing is lost when a month closes: drafts and returned ratings are carried into the
next month or withdrawn with a reason, never dropped; submitted ratings still block."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.management.base import CommandError

from ratings import rules, services
from ratings.models import ClosingNotice, Evidence, Period, Rating
from tests.factories import PeriodFactory, RatingFactory
from tests.import_helpers import run

NOV = date(2026, 12, 1)  # today: November is the last full month, December the current one


@pytest.fixture
def november(db):
    return PeriodFactory(year=2026, month=11)


@pytest.fixture
def drafts(november, dept_a, dept_b, town, town2):
    return {
        "draft": RatingFactory(period=november, department=dept_a, unit=town),
        "returned": RatingFactory(period=november, department=dept_a, unit=town2, status=Rating.Status.RETURNED,
                                  return_reason="佐证不全"),
        "b_draft": RatingFactory(period=november, department=dept_b, unit=town, kind="yellow_light"),
        "approved": RatingFactory(period=november, department=dept_b, unit=town2, status=Rating.Status.APPROVED),
    }


@pytest.mark.parametrize("year, month, expected", [(2026, 1, (2026, 2)), (2026, 11, (2026, 12)), (2026, 12, (2027, 1))])
def test_the_month_after_december_is_next_january(year, month, expected):
    assert rules.next_month(year, month) == expected


def test_closing_refuses_while_drafts_or_returned_ratings_are_undecided_and_counts_them(drafts, november, alice):
    with pytest.raises(services.PeriodUndecidedError) as refused:
        services.period_close(period=november, by=alice, today=NOV)

    assert "还有 3 条草稿或已退回的认定（区市场监管局 1 条、区住建局 2 条）" in refused.value.messages[0]
    november.refresh_from_db()
    assert november.status == Period.Status.OPEN
    assert Rating.objects.filter(period=november).count() == 4


def test_submitted_ratings_still_block_whatever_the_choice(drafts, november, alice, dept_a, town):
    RatingFactory(period=november, department=dept_a, unit=town, status=Rating.Status.SUBMITTED)

    for choice in ({"carry": True}, {"withdraw_reason": "重复填报"}):
        with pytest.raises(services.PeriodNotReadyError, match="还有 1 条认定待审核"):
            services.period_close(period=november, by=alice, today=NOV, **choice)
    assert set(Rating.objects.values_list("period__month", "status")) == {
        (11, "draft"), (11, "returned"), (11, "approved"), (11, "submitted")}


def test_carried_ratings_keep_status_reason_evidence_and_history_with_a_line_saying_where_from(drafts, november, alice):
    evidence = Evidence(rating=drafts["draft"], original_name="工单.pdf")
    evidence.file.save("x.pdf", ContentFile(b"%PDF-1.4\n"), save=True)

    closed = services.period_close(period=november, by=alice, carry=True, today=NOV)

    december = Period.objects.get(year=2026, month=12)
    assert closed.status == Period.Status.CLOSED and december.status == Period.Status.OPEN
    assert closed.closing.next_period == december and len(closed.closing.carried) == 3
    for name in ("draft", "returned", "b_draft"):
        drafts[name].refresh_from_db()
        assert drafts[name].period == december
        assert drafts[name].history.first().history_change_reason == "从 2026年11月 结转"
        assert drafts[name].history.first().history_user == alice
    assert drafts["returned"].status == Rating.Status.RETURNED and drafts["returned"].return_reason == "佐证不全"
    assert drafts["draft"].status == Rating.Status.DRAFT
    assert list(drafts["draft"].evidence.values_list("original_name", flat=True)) == ["工单.pdf"]
    drafts["approved"].refresh_from_db()
    assert drafts["approved"].period == november


def test_withdrawn_ratings_are_kept_marked_with_reason_and_who_and_count_nowhere(drafts, november, alice):
    services.period_close(period=november, by=alice, withdraw_reason="  部门自查后不再认定  ", today=NOV)

    rating = Rating.objects.get(pk=drafts["returned"].pk)
    assert rating.period == november
    assert (rating.status, rating.withdrawn_reason, rating.withdrawn_by) == ("withdrawn", "部门自查后不再认定", alice)
    assert rating.withdrawn_at is not None and rating.return_reason == "佐证不全"
    assert rating.history.first().history_change_reason == "2026年11月 关账时撤回：部门自查后不再认定"
    assert Rating.objects.filter(period=november).count() == 4  # nothing deleted
    assert Rating.objects.filter(status=Rating.Status.APPROVED).count() == 1


def test_withdrawing_needs_a_reason_and_cannot_be_combined_with_carrying(drafts, november, alice):
    with pytest.raises(services.PeriodUndecidedError):
        services.period_close(period=november, by=alice, withdraw_reason="   ", today=NOV)
    with pytest.raises(ValidationError, match="只能选择一种"):
        services.period_close(period=november, by=alice, carry=True, withdraw_reason="重复", today=NOV)
    november.refresh_from_db()
    assert november.status == Period.Status.OPEN


def test_a_withdrawn_rating_cannot_be_edited_submitted_or_deleted_even_in_a_reopened_month(drafts, november, alice, bob):
    services.period_close(period=november, by=alice, withdraw_reason="重复填报", today=NOV)
    services.period_reopen(period=november, by=alice, reason="复核", today=NOV)
    rating = Rating.objects.get(pk=drafts["draft"].pk)

    with pytest.raises(PermissionDenied, match="撤回（原因：重复填报），不能再修改"):
        services.rating_update(rating=rating, by=alice, reason="改一改")
    with pytest.raises(ValidationError, match="撤回"):
        services.rating_submit(rating=rating, by=bob)
    with pytest.raises(PermissionDenied):
        services.rating_delete(rating=rating, by=alice)
    from ratings import selectors
    assert not selectors.rating_can_edit(user=alice, rating=rating)
    assert not selectors.rating_can_submit(user=bob, rating=rating)


def test_closing_opens_the_next_month_so_departments_always_have_an_open_month(november, alice):
    services.period_close(period=november, by=alice, today=NOV)

    assert Period.objects.get(year=2026, month=12).status == Period.Status.OPEN


def test_closing_the_current_month_opens_no_month_ahead_unless_ratings_are_carried_into_it(db, alice, dept_a, town):
    december = PeriodFactory(year=2026, month=12)
    services.period_close(period=december, by=alice, today=NOV)
    assert not Period.objects.filter(year=2027).exists()

    services.period_reopen(period=december, by=alice, reason="补录", today=NOV)
    draft = RatingFactory(period=december, department=dept_a, unit=town)
    # The ratings must go somewhere: exactly the next month is opened for them.
    services.period_close(period=december, by=alice, carry=True, today=NOV)
    draft.refresh_from_db()
    assert (draft.period.year, draft.period.month, draft.period.status) == (2027, 1, "open")
    # … and it still cannot be closed before it comes.
    with pytest.raises(services.FutureMonthError):
        services.period_close(period=draft.period, by=alice, today=NOV)


def test_carrying_into_a_closed_next_month_is_refused_and_nothing_moves(drafts, november, alice):
    december = PeriodFactory(year=2026, month=12, status=Period.Status.CLOSED)

    with pytest.raises(services.PeriodClosedError, match="2026年12月 已关账，不能把认定结转过去"):
        services.period_close(period=november, by=alice, carry=True, today=NOV)
    assert not Rating.objects.filter(period=december).exists()
    november.refresh_from_db()
    assert november.status == Period.Status.OPEN


def test_closing_twice_carries_once_and_the_second_is_told_who_closed(drafts, november, alice):
    services.period_close(period=november, by=alice, carry=True, today=NOV)

    with pytest.raises(services.PeriodClosedError, match="无需重复操作"):
        services.period_close(period=november, by=alice, carry=True, today=NOV)
    assert Rating.objects.get(pk=drafts["draft"].pk).history.filter(history_change_reason__contains="结转").count() == 1


def test_only_the_office_closes(drafts, november, bob, leo):
    for user in (bob, leo):
        with pytest.raises(PermissionDenied):
            services.period_close(period=november, by=user, carry=True, today=NOV)


def test_each_department_concerned_gets_one_notice(drafts, november, alice):
    services.period_close(period=november, by=alice, carry=True, today=NOV)

    notices = {n.department.code: n.text for n in ClosingNotice.objects.all()}
    assert notices == {
        "ZJJ": "2026年11月 已关账：你部门的 1 条草稿、1 条已退回的认定已结转到 2026年12月",
        "SCJ": "2026年11月 已关账：你部门的 1 条草稿已结转到 2026年12月",
    }


# The command -----------------------------------------------------------------------------


def test_the_command_refuses_undecided_drafts_and_says_what_to_do(drafts, november):
    with pytest.raises(CommandError, match="请选择结转到下月，或填写原因撤回"):
        run("close_month", "2026-11")
    with pytest.raises(CommandError, match="撤回必须填写原因"):
        run("close_month", "2026-11", "--withdraw", " ")
    with pytest.raises(CommandError):
        run("close_month", "2026-11", "--carry", "--withdraw", "重复")
    november.refresh_from_db()
    assert november.status == Period.Status.OPEN


def test_the_command_carries_and_lists_what_it_carried_by_department(drafts, november):
    out = run("close_month", "2026-11", "--carry")

    assert "2026-11 已关账" in out
    assert "结转到 2026-12 3 条：区市场监管局 1 条、区住建局 2 条" in out
    assert f"#{drafts['returned'].pk} 区住建局 → 古柏街道（红旗，已退回）" in out
    assert Rating.objects.filter(period__month=12).count() == 3


def test_the_command_withdraws_with_the_reason(drafts, november):
    out = run("close_month", "2026-11", "--withdraw", "年底清理")

    assert "撤回 3 条：区市场监管局 1 条、区住建局 2 条" in out
    assert set(Rating.objects.filter(period=november).values_list("status", flat=True)) == {"withdrawn", "approved"}
