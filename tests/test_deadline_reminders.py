"""催报: the submission deadline is the rule book's Nth working day of the next month;
departments that have entered nothing for the month are reminded on the working days
before it, once each while unread."""

import datetime as dt

import chinese_calendar
import pytest

from notifications.models import Notification
from ratings import rules
from ratings.notices import deadline_reminders_send
from tests.board_support import draft
from tests.factories import PeriodFactory, RuleBookFactory
from workdays.rules import add_working_days

D = dt.date


@pytest.mark.parametrize("year, month, nth, deadline", [
    (2026, 9, 5, D(2026, 10, 13)),   # National Day (Oct 1–7); Oct 8, 9, Saturday 10 (调休上班), 12, 13
    (2026, 11, 5, D(2026, 12, 7)),   # December: Tue 1 … Mon 7
    (2026, 1, 1, D(2026, 2, 2)),     # February 1 2026 is a Sunday
])
def test_the_deadline_is_the_nth_working_day_of_the_next_month(year, month, nth, deadline):
    official = lambda start, n: add_working_days(start, n, chinese_calendar.is_workday)  # noqa: E731
    assert rules.submission_deadline(year=year, month=month, nth_working_day=nth, add_working_days=official) == deadline


def weekdays_between(start, end):
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += day.weekday() < 5
    return count


@pytest.mark.parametrize("today, due", [
    (D(2026, 12, 2), False),  # three working days before Monday the 7th
    (D(2026, 12, 3), True),   # two
    (D(2026, 12, 4), True),
    (D(2026, 12, 7), True),   # the deadline itself
    (D(2026, 12, 8), False),  # after it
])
def test_reminders_run_in_the_working_days_before_the_deadline(today, due):
    assert rules.reminder_due(today=today, deadline=D(2026, 12, 7), days_before=2,
                              working_days_between=weekdays_between) is due


@pytest.mark.django_db
def test_only_departments_that_entered_nothing_are_reminded_once(bob, carol, dept_a, town):
    RuleBookFactory(year=2026, submission_deadline_day=5, reminder_days_before=2)
    november = PeriodFactory(year=2026, month=11)
    draft(november, dept_a, town, "red_flag", "按时完成", by=bob)  # bob's department has entered something
    assert deadline_reminders_send(today=D(2026, 12, 2)) == 0  # not yet in the window
    assert deadline_reminders_send(today=D(2026, 12, 4)) == 1
    assert deadline_reminders_send(today=D(2026, 12, 7)) == 1  # the same unread reminder, brought up to date
    told = Notification.objects.filter(kind="deadline_reminder")
    assert [n.recipient.username for n in told] == ["carol"]
    assert "2026年11月的认定将于 12月7日 截止报送" in told.get().title
