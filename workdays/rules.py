"""Counting working days (工作日), given what a day is.

Pure Python: the calendar comes in as ``is_working(date) -> bool``, which may raise
(for a year nobody knows); the error goes to the caller unchanged, never a guess.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

IsWorking = Callable[[dt.date], bool]

# No year has this many days off in a row; more means the calendar says every day is off.
_LONGEST_BREAK = 366


def add_working_days(start: dt.date, n: int, is_working: IsWorking) -> dt.date:
    """The day ``n`` working days after ``start`` (``start`` itself is not counted;
    ``n == 0`` gives ``start``)."""
    if n < 0:
        raise ValueError("n must be zero or more")
    day, left, idle = start, n, 0
    while left:
        day += dt.timedelta(days=1)
        if is_working(day):
            left, idle = left - 1, 0
        else:
            idle += 1
            if idle > _LONGEST_BREAK:
                raise ValueError(f"no working day in the {_LONGEST_BREAK} days before {day}")
    return day


def working_days_between(start: dt.date, end: dt.date, is_working: IsWorking) -> int:
    """The working days after ``start`` up to and including ``end`` (0 when ``end`` is
    not after ``start``)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_working(day)
    return count
