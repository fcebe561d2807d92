"""The monthly workflow through the services: who may do what, and what a closed month refuses."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ratings import services
from ratings.models import Period, Rating
from tests.factories import CriterionFactory, PeriodFactory, RuleBookFactory


def record(period, department, unit, kind="yellow_light", by=None, criterion=None, **extra):
    return services.rating_record(
        period=period, department=department, unit=unit, kind=kind, reason="群众反映多次未处理", by=by,
        criterion=criterion, **extra
    )


def approved(period, department, unit, alice, kind="yellow_light", **extra):
    rating = record(period, department, unit, kind=kind, submit=True, **extra)
    return services.rating_approve(rating=rating, by=alice)


def test_a_rater_records_a_draft_for_her_own_department(bob, dept_a, town, january):
    rating = record(january, dept_a, town, by=bob)
    assert rating.status == Rating.Status.DRAFT
    assert rating.created_by == bob


def test_a_rater_cannot_record_for_another_department(bob, dept_b, town, january):
    with pytest.raises(PermissionDenied):
        record(january, dept_b, town, by=bob)
    assert not Rating.objects.exists()


def test_a_leader_cannot_record_anything(leo, dept_a, town, january):
    with pytest.raises(PermissionDenied):
        record(january, dept_a, town, by=leo)


def test_a_department_cannot_rate_itself(alice, dept_a, january):
    dept_a.is_unit = True
    dept_a.save()
    with pytest.raises(ValidationError) as exc:
        record(january, dept_a, dept_a, by=alice)
    assert "unit" in exc.value.message_dict


def test_a_retired_unit_cannot_get_a_new_rating(bob, dept_a, town, january):
    town.is_active = False
    town.save()
    with pytest.raises(ValidationError):
        record(january, dept_a, town, by=bob)


def test_a_rating_must_cite_a_criterion_when_the_rule_book_has_criteria(bob, dept_a, town, january, yellow_criterion):
    with pytest.raises(ValidationError) as exc:
        record(january, dept_a, town, by=bob)
    assert "criterion" in exc.value.message_dict
    assert record(january, dept_a, town, by=bob, criterion=yellow_criterion).criterion == yellow_criterion


def test_a_red_flag_cannot_cite_a_yellow_light_criterion(bob, dept_a, town, january, yellow_criterion):
    with pytest.raises(ValidationError):
        record(january, dept_a, town, kind="red_flag", by=bob, criterion=yellow_criterion)


def test_a_criterion_from_another_year_is_refused(bob, dept_a, town, january):
    old = CriterionFactory(rulebook=RuleBookFactory(year=2025), kind="yellow_light")
    with pytest.raises(ValidationError) as exc:
        record(january, dept_a, town, by=bob, criterion=old)
    assert "criterion" in exc.value.message_dict


def test_only_approved_ratings_count(alice, bob, dept_a, town, january):
    rating = record(january, dept_a, town, by=bob)
    assert rating.outcome == ""
    services.rating_submit(rating=rating, by=bob)
    rating.refresh_from_db()
    assert rating.outcome == ""
    rating = services.rating_approve(rating=rating, by=alice)
    assert rating.outcome == "yellow_light"


def test_a_rater_cannot_approve(bob, dept_a, town, january):
    rating = record(january, dept_a, town, by=bob, submit=True)
    with pytest.raises(PermissionDenied):
        services.rating_approve(rating=rating, by=bob)
    rating.refresh_from_db()
    assert rating.status == Rating.Status.SUBMITTED


def test_a_returned_rating_goes_back_with_its_reason_and_can_be_fixed(alice, bob, dept_a, town, january):
    rating = record(january, dept_a, town, by=bob, submit=True)
    rating = services.rating_return(rating=rating, by=alice, reason="事由不具体，请补充工单编号")
    assert rating.status == Rating.Status.RETURNED
    assert rating.return_reason == "事由不具体，请补充工单编号"
    services.rating_update(rating=rating, by=bob, reason="工单 2026-0131 超期 5 天未办结")
    rating = services.rating_submit(rating=rating, by=bob)
    assert rating.status == Rating.Status.SUBMITTED


def test_returning_needs_a_reason(alice, bob, dept_a, town, january):
    rating = record(january, dept_a, town, by=bob, submit=True)
    with pytest.raises(ValidationError):
        services.rating_return(rating=rating, by=alice, reason="  ")


def test_a_submitted_rating_is_no_longer_editable_by_its_rater(bob, dept_a, town, january):
    rating = record(january, dept_a, town, by=bob, submit=True)
    with pytest.raises(PermissionDenied):
        services.rating_update(rating=rating, by=bob, reason="改一下")


def test_a_second_consecutive_yellow_light_becomes_red(alice, dept_a, dept_b, town, january, february):
    first = approved(january, dept_a, town, alice)
    second = approved(february, dept_b, town, alice)
    first.refresh_from_db()
    assert (first.kind, first.outcome) == ("yellow_light", "yellow_light")
    assert (second.kind, second.outcome, second.escalation) == ("yellow_light", "red_light", "consecutive")
    assert second.escalated_after == first


def test_a_serious_impact_yellow_light_is_a_red_light_at_once(alice, dept_a, town, january):
    rating = approved(january, dept_a, town, alice, serious_impact=True)
    assert (rating.outcome, rating.escalation) == ("red_light", "serious")


def test_withdrawing_an_approval_undoes_the_escalation_it_caused(alice, dept_a, town, january, february):
    first = approved(january, dept_a, town, alice)
    second = approved(february, dept_a, town, alice)
    services.rating_return(rating=first, by=alice, reason="证据不足")
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.outcome == "yellow_light" and second.escalation == ""
    assert first.outcome == ""


def test_the_same_department_setting_changes_escalation_after_a_recount(alice, dept_a, dept_b, town, january, february):
    approved(january, dept_a, town, alice)
    second = approved(february, dept_b, town, alice)
    assert second.outcome == "red_light"
    book = RuleBookFactory(year=2026)
    book.escalation_same_department = True
    book.save()
    services.jurisdiction_escalation_refresh(jurisdiction=january.jurisdiction)
    second.refresh_from_db()
    assert second.outcome == "yellow_light"


def test_a_red_flag_stored_with_another_result_counts_as_a_red_flag_again_after_a_recount(
    alice, dept_a, town, january, february
):
    flag = approved(january, dept_a, town, alice, kind="red_flag")
    light = approved(february, dept_a, town, alice)
    Rating.objects.filter(pk=flag.pk).update(outcome="red_light", escalation="consecutive", escalated_after=light)

    changed = services.unit_escalation_refresh(unit=town)

    flag.refresh_from_db()
    assert (flag.outcome, flag.escalation, flag.escalated_after) == ("red_flag", "", None)
    assert changed == [flag.pk]


def test_closing_a_month_refuses_while_ratings_await_review_and_lists_them(alice, bob, dept_a, town, january):
    record(january, dept_a, town, by=bob, submit=True)
    with pytest.raises(services.PeriodNotReadyError) as exc:
        services.period_close(period=january, by=alice)
    assert len(exc.value.pending) == 1
    assert "淳溪街道" in exc.value.messages[0]
    january.refresh_from_db()
    assert january.status == Period.Status.OPEN


def test_only_the_office_closes_a_month(bob, january):
    with pytest.raises(PermissionDenied):
        services.period_close(period=january, by=bob)


def test_a_closed_month_refuses_every_change(alice, bob, dept_a, town, january):
    draft = record(january, dept_a, town, by=bob)
    submitted = record(january, dept_a, town, by=bob, submit=True)
    services.rating_approve(rating=submitted, by=alice)
    services.period_close(period=january, by=alice, withdraw_reason="不再认定")  # the draft is kept, withdrawn
    attempts = [
        lambda: record(january, dept_a, town, by=bob),
        lambda: record(january, dept_a, town, by=alice),
        lambda: services.rating_update(rating=draft, by=bob, reason="x"),
        lambda: services.rating_submit(rating=draft, by=bob),
        lambda: services.rating_delete(rating=draft, by=bob),
        lambda: services.rating_return(rating=submitted, by=alice, reason="x"),
        lambda: services.rating_update(rating=submitted, by=alice, reason="x"),
        lambda: services.rating_delete(rating=submitted, by=alice),
    ]
    for attempt in attempts:
        with pytest.raises(services.PeriodClosedError):
            attempt()
    assert Rating.objects.count() == 2
    draft.refresh_from_db()
    assert draft.reason == "群众反映多次未处理"


def test_reopening_a_month_needs_a_reason_and_is_kept_in_the_history(alice, january):
    services.period_close(period=january, by=alice)
    with pytest.raises(ValidationError):
        services.period_reopen(period=january, by=alice, reason="")
    period = services.period_reopen(period=january, by=alice, reason="住建局补报遗漏的红旗")
    assert period.status == Period.Status.OPEN
    latest = period.history.first()
    assert latest.history_user == alice
    assert "住建局补报遗漏的红旗" in latest.history_change_reason


def test_every_change_to_a_rating_is_kept_with_who_and_why(alice, bob, dept_a, town, january):
    rating = record(january, dept_a, town, by=bob, submit=True)
    services.rating_return(rating=rating, by=alice, reason="请补充证据")
    entries = list(rating.history.order_by("history_date"))
    assert [(e.status, e.history_user) for e in entries] == [("submitted", bob), ("returned", alice)]
    assert "请补充证据" in entries[-1].history_change_reason


def test_the_office_of_one_jurisdiction_cannot_act_in_another(alice, dept_a, town):
    from tests.factories import JurisdictionFactory

    elsewhere = JurisdictionFactory(code="other")
    period = PeriodFactory(jurisdiction=elsewhere, year=2026, month=1)
    with pytest.raises(PermissionDenied):
        services.period_close(period=period, by=alice)
