"""No month after the current one can be opened or closed, through any door.

`close_month 2091-03` (a typo for 2021-03) once closed a month 70 years ahead and the
dashboard then opened on it. The clock is passed in (``today=``) or, for the doors that
read it themselves (a command, the admin), ``services.today`` is set to a fixed day:
15 June 2026, so that July 2026 is next month and June the current one, whatever the
real date.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.urls import reverse

from dashboard import selectors as dashboard_selectors
from ratings import demo, rules, services
from ratings.models import Period, Rating
from tests.admin_helpers import messages_of
from tests.factories import PeriodFactory, RatingFactory, default_jurisdiction
from tests.import_helpers import RATING_HEADERS, run, write_xlsx
from tests.test_dashboard import district  # noqa: F401  (the hand-counted district)

TODAY = date(2026, 6, 15)


@pytest.fixture
def clock(db, monkeypatch):
    """The doors that read the clock themselves read 15 June 2026."""
    monkeypatch.setattr(services, "today", lambda: TODAY)
    return TODAY


def future_message(label: str, latest: str = "2026年6月") -> str:
    return f"{label} 还没有到：只能开放或关账当月及以前的月份（最晚 {latest}）"


# The rule, as a table -------------------------------------------------------------------------

MONTHS = [
    ("the current month has come", date(2026, 6, 15), (2026, 6), True),
    ("on its first day", date(2026, 6, 1), (2026, 6), True),
    ("a past month has come", date(2026, 6, 15), (2026, 5), True),
    ("last year's December has come", date(2026, 6, 15), (2025, 12), True),
    ("next month has not, even on the last day of this one", date(2026, 6, 30), (2026, 7), False),
    ("next year's same month has not", date(2026, 6, 15), (2027, 6), False),
    ("next January has not, on New Year's Eve", date(2026, 12, 31), (2027, 1), False),
    ("last December has, on New Year's Day", date(2027, 1, 1), (2026, 12), True),
    ("2091-03, the typo for 2021-03, has not", date(2026, 6, 15), (2091, 3), False),
]


@pytest.mark.parametrize("today, month, come", [m[1:] for m in MONTHS], ids=[m[0] for m in MONTHS])
def test_a_month_can_be_used_from_its_first_day_on(today, month, come):
    assert rules.month_has_come(*month, today=today) is come


# The services ---------------------------------------------------------------------------------

FUTURE = [
    ("next month", 2026, 7, "2026年7月"),
    ("next year", 2027, 6, "2027年6月"),
    ("far future", 2091, 3, "2091年3月"),
]


@pytest.mark.parametrize("year, month, label", [f[1:] for f in FUTURE], ids=[f[0] for f in FUTURE])
def test_a_month_still_ahead_is_not_opened_and_the_refusal_says_which_months_can(db, year, month, label):
    with pytest.raises(services.FutureMonthError) as refused:
        services.period_get_or_open(jurisdiction=default_jurisdiction(), year=year, month=month, today=TODAY)

    assert refused.value.messages == [future_message(label)]
    assert refused.value.code == "future_month"
    assert not Period.objects.exists()


@pytest.mark.parametrize("year, month", [(2026, 6), (2026, 5), (2021, 3)], ids=["current", "last month", "years ago"])
def test_the_current_month_and_past_months_are_opened(db, year, month):
    period = services.period_get_or_open(jurisdiction=default_jurisdiction(), year=year, month=month, today=TODAY)

    assert (period.year, period.month, period.status) == (year, month, Period.Status.OPEN)


def test_a_month_ahead_that_old_data_already_has_is_not_handed_out_either(db):
    PeriodFactory(year=2091, month=3)

    with pytest.raises(ValidationError, match="2091年3月 还没有到"):
        services.period_get_or_open(jurisdiction=default_jurisdiction(), year=2091, month=3, today=TODAY)


@pytest.mark.parametrize("year, month, label", [f[1:] for f in FUTURE], ids=[f[0] for f in FUTURE])
def test_a_month_still_ahead_is_not_closed(alice, year, month, label):
    period = PeriodFactory(year=year, month=month)  # old data

    with pytest.raises(services.FutureMonthError, match=label):
        services.period_close(period=period, by=alice, today=TODAY)

    period.refresh_from_db()
    assert period.status == Period.Status.OPEN and period.closed_at is None


def test_the_current_month_is_closed(alice):
    june = PeriodFactory(year=2026, month=6)

    services.period_close(period=june, by=alice, today=TODAY)

    june.refresh_from_db()
    assert june.status == Period.Status.CLOSED


def test_a_closed_month_still_ahead_is_not_reopened(alice):
    typo = PeriodFactory(year=2091, month=3, status=Period.Status.CLOSED)

    with pytest.raises(services.FutureMonthError, match="2091年3月 还没有到"):
        services.period_reopen(period=typo, by=alice, reason="误操作", today=TODAY)

    typo.refresh_from_db()
    assert typo.status == Period.Status.CLOSED


def test_a_past_closed_month_is_still_reopened(alice, january):
    services.period_close(period=january, by=alice, today=TODAY)

    services.period_reopen(period=january, by=alice, reason="补录一条认定", today=TODAY)

    january.refresh_from_db()
    assert january.status == Period.Status.OPEN


# close_month ----------------------------------------------------------------------------------


@pytest.mark.parametrize("typed, label", [("2026-07", "2026年7月"), ("2027-06", "2027年6月"), ("2091-03", "2091年3月")],
                         ids=["next month", "next year", "far future"])
def test_close_month_refuses_a_month_still_ahead_and_opens_nothing(clock, typed, label):
    with pytest.raises(CommandError) as refused:
        run("close_month", typed)

    assert str(refused.value) == future_message(label)
    assert not Period.objects.exists()


@pytest.mark.parametrize("typed", ["2026-06", "2026-05", "2021-03"], ids=["current", "last month", "years ago"])
def test_close_month_still_closes_the_current_and_past_months(clock, typed):
    out = run("close_month", typed)

    assert f"{typed} 已关账" in out
    year, month = map(int, typed.split("-"))
    assert Period.objects.get(year=year, month=month).status == Period.Status.CLOSED


def test_close_month_refuses_a_month_ahead_that_old_data_left_open(clock):
    PeriodFactory(year=2091, month=3)

    with pytest.raises(CommandError, match="2091年3月 还没有到"):
        run("close_month", "2091-03")

    assert Period.objects.get().status == Period.Status.OPEN


# The rating import ----------------------------------------------------------------------------


@pytest.fixture
def rating_row(dept_a, town, flag_criterion):
    def row(month: str) -> list:
        return [month, "ZJJ", "T01", "红旗", "H01", "老旧小区改造提前完成", ""]
    return row


@pytest.mark.parametrize("typed, label", [("2026-07", "2026年7月"), ("2091-03", "2091年3月")],
                         ids=["next month", "far future"])
def test_a_rating_file_with_a_month_still_ahead_imports_nothing_and_names_the_cell(
    clock, rating_row, tmp_path, typed, label
):
    path = write_xlsx(tmp_path / "ratings.xlsx", RATING_HEADERS, [rating_row("2026-05"), rating_row(typed)])

    with pytest.raises(CommandError) as refused:
        run("import_ratings", path, "--approve")

    assert f"第 3 行「月份」：{future_message(label)}" in str(refused.value)
    assert not Rating.objects.exists()
    assert not Period.objects.exists()  # not even the good row's month


def test_a_rating_file_for_the_current_month_is_imported(clock, rating_row, tmp_path):
    run("import_ratings", write_xlsx(tmp_path / "ratings.xlsx", RATING_HEADERS, [rating_row("2026-06")]))

    assert Rating.objects.get().period.label == "2026-06"


def test_the_rating_resource_takes_its_clock(rating_row):
    from ratings.resources import RatingResource

    resource = RatingResource(jurisdiction=default_jurisdiction(), today=date(2026, 2, 10))

    with pytest.raises(ValueError, match=future_message("2026年3月", "2026年2月")):
        resource.period_for(2026, 3)
    assert resource.period_for(2026, 2).label == "2026-02"


# The admin ------------------------------------------------------------------------------------


def _action(client, action: str, periods, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [p.pk for p in periods], **extra}
    if "apply" not in extra:
        data["index"] = 0
    return client.post(reverse("admin:ratings_period_changelist"), data, follow=True)


def test_the_close_action_refuses_a_month_still_ahead_and_closes_the_others(client, clock, alice, january):
    typo = PeriodFactory(year=2091, month=3)
    client.force_login(alice)

    response = _action(client, "close_selected", [january, typo])

    assert future_message("2091年3月") in messages_of(response)
    assert "2026-01 已关账。" in messages_of(response)
    typo.refresh_from_db()
    january.refresh_from_db()
    assert (typo.status, january.status) == (Period.Status.OPEN, Period.Status.CLOSED)


def test_the_reopen_action_refuses_a_closed_month_still_ahead(client, clock, alice):
    typo = PeriodFactory(year=2091, month=3, status=Period.Status.CLOSED)
    client.force_login(alice)

    response = _action(client, "reopen_selected", [typo], apply="1", reason="误关账")

    assert future_message("2091年3月") in messages_of(response)
    typo.refresh_from_db()
    assert typo.status == Period.Status.CLOSED


def test_a_month_still_ahead_has_no_close_or_reopen_button_and_says_why(client, clock, alice, january):
    ahead = PeriodFactory(year=2026, month=7)
    client.force_login(alice)

    page = client.get(reverse("admin:ratings_period_change", args=[ahead.pk])).content.decode()
    assert future_message("2026年7月") in page
    assert reverse("admin:ratings_period_close", args=[ahead.pk]) not in page
    assert reverse("admin:ratings_period_reopen", args=[ahead.pk]) not in page

    # The button's address, posted anyway, closes nothing.
    response = client.post(reverse("admin:ratings_period_close", args=[ahead.pk]), follow=True)
    assert future_message("2026年7月") in messages_of(response)
    ahead.refresh_from_db()
    assert ahead.status == Period.Status.OPEN

    current = client.get(reverse("admin:ratings_period_change", args=[january.pk])).content.decode()
    assert reverse("admin:ratings_period_close", args=[january.pk]) in current


@pytest.mark.parametrize("year, month, label", [(2026, 7, "2026年7月"), (2091, 3, "2091年3月")],
                         ids=["next month", "far future"])
def test_opening_a_month_still_ahead_by_hand_is_a_form_error(client, clock, alice, year, month, label):
    client.force_login(alice)

    response = client.post(reverse("admin:ratings_period_add"), {"year": year, "month": month})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["month"] == [future_message(label)]
    assert not Period.objects.exists()


def test_opening_the_current_month_by_hand_works(client, clock, alice):
    client.force_login(alice)

    client.post(reverse("admin:ratings_period_add"), {"year": 2026, "month": 6})

    assert Period.objects.get().label == "2026-06"


def test_the_rating_form_opens_the_calendar_month_and_no_later_one(client, clock, bob):
    client.force_login(bob)

    client.get(reverse("admin:ratings_rating_add"))

    assert [p.label for p in Period.objects.all()] == ["2026-06"]


def test_the_admin_rating_import_refuses_a_month_still_ahead(client, clock, alice, rating_row, tmp_path):
    client.force_login(alice)
    path = write_xlsx(tmp_path / "ratings.xlsx", RATING_HEADERS, [rating_row("2091-03")])

    with open(path, "rb") as handle:
        shown = client.post(reverse("admin:ratings_rating_import"),
                            {"import_file": handle, "format": "0", "resource": "0"})

    assert future_message("2091年3月") in shown.content.decode()
    assert not Period.objects.exists()


# The demo and the dashboard -------------------------------------------------------------------


@pytest.mark.parametrize("today", [date(2026, 1, 5), date(2026, 6, 15), date(2026, 12, 31)])
def test_the_demo_seeds_no_month_after_its_today(today):
    closed, open_month = demo.months_to_seed(today)

    assert all(rules.month_has_come(year, month, today=today) for year, month in [*closed, open_month])
    assert open_month == (today.year, today.month)


def test_the_dashboard_never_opens_on_a_month_still_ahead_even_if_old_data_has_one(db):
    PeriodFactory(year=2026, month=4, status=Period.Status.CLOSED)
    PeriodFactory(year=2026, month=5, status=Period.Status.CLOSED)
    PeriodFactory(year=2026, month=6)  # open: the month being rated
    PeriodFactory(year=2026, month=7, status=Period.Status.CLOSED)  # closed by mistake, ahead
    PeriodFactory(year=2091, month=3, status=Period.Status.CLOSED)  # the typo

    calendar = dashboard_selectors.calendar_for(jurisdiction=default_jurisdiction(), today=TODAY)

    assert calendar.default_year_month() == (2026, 5)
    assert calendar.default_month_of(2026) == 5


def test_before_any_month_is_closed_the_dashboard_opens_on_the_latest_month_that_has_come(db):
    PeriodFactory(year=2026, month=6)
    PeriodFactory(year=2026, month=8)  # open, ahead

    calendar = dashboard_selectors.calendar_for(jurisdiction=default_jurisdiction(), today=TODAY)

    assert calendar.default_year_month() == (2026, 6)


def test_the_dashboard_page_opens_on_the_latest_closed_month_not_one_ahead(client, leo, district):  # noqa: F811
    ahead = date.today().year + 70
    typo = PeriodFactory(year=ahead, month=3, status=Period.Status.CLOSED)
    RatingFactory(period=typo, department=district["a"], unit=district["t1"], status=Rating.Status.APPROVED,
                  outcome=rules.RED_FLAG)
    client.force_login(leo)

    query = client.get("/dashboard/").context["query"]

    assert (query.year, query.month_from, query.month_to) == (2026, 1, 3)

