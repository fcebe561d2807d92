"""The working-day calendar: the official calendar, the office's days, and a refusal for
a year nobody knows; and who may change it in the admin.

- ``alice`` (效能办) adds, corrects and deletes days;
- ``leo`` (领导) reads them;
- ``bob`` (a department's rater) does not see the calendar;
- ``anon`` is sent to the login page.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from workdays import selectors
from workdays.models import CalendarDay
from workdays.selectors import Calendar, CalendarUnknownYear, is_working_day

D = dt.date
pytestmark = pytest.mark.django_db


def test_a_2026_spring_festival_day_is_not_a_working_day():
    assert is_working_day(D(2026, 2, 16)) is False  # a Monday


def test_a_2026_make_up_saturday_is_a_working_day():
    assert is_working_day(D(2026, 2, 14)) is True


def test_an_ordinary_weekend_is_not_working_and_a_weekday_is():
    assert is_working_day(D(2026, 3, 14)) is False
    assert is_working_day(D(2026, 3, 16)) is True


def test_the_offices_day_wins_over_the_official_calendar():
    CalendarDay.objects.create(date=D(2026, 3, 16), is_working=False, note="临时放假")
    CalendarDay.objects.create(date=D(2026, 10, 3), is_working=True, note="更正")
    assert is_working_day(D(2026, 3, 16)) is False
    assert is_working_day(D(2026, 10, 3)) is True


def test_a_year_nobody_knows_is_refused_in_chinese():
    with pytest.raises(CalendarUnknownYear) as refused:
        is_working_day(D(2031, 5, 6))
    assert refused.value.year == 2031
    assert refused.value.messages == [
        "2031年的节假日安排尚未录入：请效能办在“工作日历”中录入该年的节假日和调休上班日"
    ]


def test_a_deadline_into_an_unknown_year_is_refused_not_guessed():
    last = selectors.OFFICIAL_YEARS.stop - 1
    with pytest.raises(CalendarUnknownYear):
        selectors.working_day_add(start=D(last, 12, 28), days=10)


def test_a_year_the_office_has_entered_counts_weekdays_and_its_days():
    CalendarDay.objects.create(date=D(2031, 1, 1), is_working=False, note="元旦")
    CalendarDay.objects.create(date=D(2031, 1, 4), is_working=True, note="元旦调休上班")
    assert is_working_day(D(2031, 1, 1)) is False  # a Wednesday off
    assert is_working_day(D(2031, 1, 2)) is True  # a Thursday
    assert is_working_day(D(2031, 1, 4)) is True  # a Saturday worked
    assert is_working_day(D(2031, 1, 5)) is False  # a Sunday
    # From New Year's Eve (2030 itself is not asked about): the 2nd, the 3rd, the worked 4th.
    assert selectors.working_day_add(start=D(2030, 12, 31), days=3) == D(2031, 1, 4)


def test_counting_over_two_entered_years():
    CalendarDay.objects.create(date=D(2031, 1, 1), is_working=False, note="元旦")
    # 2030 is unknown: a count that reaches into it is refused.
    with pytest.raises(CalendarUnknownYear):
        selectors.working_days_count(start=D(2030, 12, 30), end=D(2031, 1, 3))
    assert selectors.working_days_count(start=D(2030, 12, 31), end=D(2031, 1, 5)) == 2  # the 2nd and 3rd


def test_a_calendar_reads_each_year_once():
    CalendarDay.objects.create(date=D(2026, 3, 16), is_working=False, note="临时放假")
    calendar = Calendar()
    with CaptureQueriesContext(connection) as queries:
        assert calendar.working_days_between(D(2025, 1, 1), D(2026, 12, 31)) > 400
    assert len(queries) == 2  # one for 2025, one for 2026


def test_a_notice_period_of_five_working_days_over_national_day():
    # 30 September, then 8, 9, the worked Saturday 10 and Monday 12 October.
    assert selectors.working_day_add(start=D(2026, 9, 29), days=5) == D(2026, 10, 12)


# The admin -----------------------------------------------------------------------------------

LIST = "/admin/workdays/calendarday/"


@pytest.fixture
def day(db):
    return CalendarDay.objects.create(date=D(2031, 1, 1), is_working=False, note="元旦")


def test_the_office_adds_a_day_and_is_recorded_as_its_author(client, alice):
    client.force_login(alice)
    response = client.post(LIST + "add/", {"date": "2031-02-01", "is_working": "", "note": "春节"})
    assert response.status_code == 302
    added = CalendarDay.objects.get(date=D(2031, 2, 1))
    assert (added.is_working, added.note, added.created_by) == (False, "春节", alice)


def test_the_office_changes_and_deletes_a_day(client, alice, day):
    client.force_login(alice)
    assert client.post(f"{LIST}{day.pk}/change/", {"date": "2031-01-01", "is_working": "on", "note": "改"}).status_code == 302
    day.refresh_from_db()
    assert day.is_working is True
    assert client.post(f"{LIST}{day.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not CalendarDay.objects.exists()


def test_the_list_says_which_years_the_official_calendar_knows(client, alice, day):
    client.force_login(alice)
    page = client.get(LIST).content.decode()
    assert f"内置的国家法定节假日安排覆盖 2004—{selectors.OFFICIAL_YEARS.stop - 1} 年" in page
    assert "元旦" in page


def test_a_second_entry_for_the_same_date_is_a_form_error(client, alice, day):
    client.force_login(alice)
    response = client.post(LIST + "add/", {"date": "2031-01-01", "note": "重复"})
    assert response.status_code == 200
    assert CalendarDay.objects.count() == 1


def test_a_leader_reads_the_calendar_but_changes_nothing(client, leo, day):
    client.force_login(leo)
    assert client.get(LIST).status_code == 200
    assert client.get(f"{LIST}{day.pk}/change/").status_code == 200
    assert client.get(LIST + "add/").status_code == 403
    assert client.post(f"{LIST}{day.pk}/change/", {"date": "2031-01-01", "is_working": "on"}).status_code == 403
    assert client.post(f"{LIST}{day.pk}/delete/", {"post": "yes"}).status_code == 403
    day.refresh_from_db()
    assert day.is_working is False


def test_a_rater_does_not_see_the_calendar(client, bob, day):
    client.force_login(bob)
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}{day.pk}/change/").status_code == 403
    assert client.post(LIST + "add/", {"date": "2031-02-01"}).status_code == 403
    assert CalendarDay.objects.count() == 1


def test_a_citizen_is_sent_to_the_login_page(client, day):
    assert client.get(LIST).status_code == 302
