"""Counting working days, as tables (no database): the official 2026 calendar of the
``chinesecalendar`` package stands in for what a day is."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from workdays.rules import add_working_days, working_days_between

D = dt.date


def official(day: dt.date) -> bool:
    return chinese_calendar.is_workday(day)


def weekdays(day: dt.date) -> bool:
    return day.weekday() < 5


@pytest.mark.parametrize(("start", "n", "expected", "why"), [
    (D(2026, 3, 9), 0, D(2026, 3, 9), "zero days is the start itself"),
    (D(2026, 3, 9), 1, D(2026, 3, 10), "Monday plus one is Tuesday"),
    (D(2026, 3, 9), 4, D(2026, 3, 13), "a normal week ends on Friday"),
    (D(2026, 3, 13), 1, D(2026, 3, 16), "Friday plus one skips the weekend"),
    (D(2026, 3, 9), 5, D(2026, 3, 16), "five days from Monday is next Monday"),
    # Spring Festival: 15-23 February off; Saturdays 14 and 28 February are worked (调休).
    (D(2026, 2, 13), 1, D(2026, 2, 14), "the 调休 Saturday before the festival is a working day"),
    (D(2026, 2, 14), 1, D(2026, 2, 24), "nine festival days are skipped"),
    (D(2026, 2, 27), 1, D(2026, 2, 28), "the 调休 Saturday after the festival is a working day"),
    (D(2026, 2, 28), 1, D(2026, 3, 2), "then Sunday is off again"),
    # National Day: 1-7 October off; Sunday 20 September and Saturday 10 October worked.
    (D(2026, 9, 30), 1, D(2026, 10, 8), "the golden week is skipped"),
    (D(2026, 10, 9), 1, D(2026, 10, 10), "the 调休 Saturday after National Day is a working day"),
    (D(2026, 9, 18), 1, D(2026, 9, 20), "the 调休 Sunday before it is one too"),
])
def test_adding_working_days_follows_the_official_2026_calendar(start, n, expected, why):
    assert add_working_days(start, n, official) == expected, why


@pytest.mark.parametrize(("start", "end", "expected", "why"), [
    (D(2026, 3, 9), D(2026, 3, 9), 0, "the same day counts nothing"),
    (D(2026, 3, 13), D(2026, 3, 9), 0, "an end before the start counts nothing"),
    (D(2026, 3, 8), D(2026, 3, 15), 5, "a normal week has five"),
    (D(2026, 2, 13), D(2026, 2, 28), 6, "the Spring Festival fortnight: two 调休 Saturdays and 24-27 February"),
    (D(2026, 9, 30), D(2026, 10, 10), 3, "National Day: the 8th, 9th and the 调休 10th"),
    (D(2025, 12, 30), D(2026, 1, 5), 3, "over the new year: 31 Dec, the 调休 Sunday 4 Jan, Monday 5 Jan"),
])
def test_counting_working_days_between_two_dates(start, end, expected, why):
    assert working_days_between(start, end, official) == expected, why


def test_adding_crosses_the_new_year():
    # 31 December 2025 is a Wednesday; 1-3 January 2026 are off, Sunday 4 January is worked.
    assert add_working_days(D(2025, 12, 31), 1, official) == D(2026, 1, 4)
    assert add_working_days(D(2026, 12, 30), 3, weekdays) == D(2027, 1, 4)


def test_adding_and_counting_agree():
    start = D(2026, 1, 20)
    for n in range(0, 60):
        assert working_days_between(start, add_working_days(start, n, official), official) == n


def test_a_negative_count_is_refused():
    with pytest.raises(ValueError):
        add_working_days(D(2026, 3, 9), -1, official)


def test_the_calendars_refusal_reaches_the_caller():
    # The package knows no year after 2026: its error is passed on, not replaced by a guess.
    with pytest.raises(NotImplementedError):
        add_working_days(D(2026, 12, 30), 5, official)


def test_a_calendar_without_any_working_day_is_an_error_not_an_endless_loop():
    with pytest.raises(ValueError):
        add_working_days(D(2026, 3, 9), 1, lambda day: False)
