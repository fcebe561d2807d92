"""Is a day a working day, and counting them: the office's days first, then the official
calendar (the ``chinesecalendar`` package), then, for a year the office has entered days
for, weekdays; a year nobody knows is refused."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
from chinese_calendar import constants
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from workdays import rules
from workdays.models import CalendarDay

# The years the official calendar covers (2004 to its newest year).
OFFICIAL_YEARS = range(min(constants.holidays).year, max(constants.holidays).year + 1)


class CalendarUnknownYear(ValidationError):
    """Neither the official calendar nor the office knows the year's holidays."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            _("%(year)s年的节假日安排尚未录入：请效能办在“工作日历”中录入该年的节假日和调休上班日")
            % {"year": year},
            code="calendar_unknown_year",
        )


class Calendar:
    """The working days as known now; each year's office days are read once, so counting
    many days costs one query a year."""

    def __init__(self) -> None:
        self._office: dict[int, dict[dt.date, bool]] = {}

    def _office_days(self, year: int) -> dict[dt.date, bool]:
        if year not in self._office:
            self._office[year] = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "is_working"))
        return self._office[year]

    def is_working(self, day: dt.date) -> bool:
        office = self._office_days(day.year)
        if day in office:
            return office[day]
        if day.year in OFFICIAL_YEARS:
            return chinese_calendar.is_workday(day)
        if office:
            return day.weekday() < 5
        raise CalendarUnknownYear(day.year)

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        return rules.add_working_days(start, n, self.is_working)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        return rules.working_days_between(start, end, self.is_working)


def is_working_day(day: dt.date) -> bool:
    return Calendar().is_working(day)


def working_day_add(*, start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (``start`` not counted)."""
    return Calendar().add_working_days(start, days)


def working_days_count(*, start: dt.date, end: dt.date) -> int:
    """The working days after ``start`` up to and including ``end``."""
    return Calendar().working_days_between(start, end)


def office_years() -> list[int]:
    """The years the office has entered days for."""
    return sorted({d.year for d in CalendarDay.objects.dates("date", "year")})
