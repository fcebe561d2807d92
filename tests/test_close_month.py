"""close_month: the office closes a month from the command line."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from ratings import services
from ratings.models import Period, Rating
from tests.factories import JurisdictionFactory, PeriodFactory, RatingFactory
from tests.import_helpers import RATING_HEADERS, run, write_xlsx


def test_a_month_whose_ratings_are_all_reviewed_is_closed(january, dept_a, town):
    RatingFactory(period=january, department=dept_a, unit=town, status=Rating.Status.APPROVED)
    # (a returned rating would need --carry or --withdraw: tests/test_close_carry.py)

    out = run("close_month", "2026-01")

    assert "2026-01 已关账" in out
    january.refresh_from_db()
    assert january.status == Period.Status.CLOSED
    assert january.closed_at is not None
    assert january.closed_by is None  # the command acts for the office
    assert january.history.first().history_change_reason == "关账"


def test_a_month_with_ratings_awaiting_review_is_not_closed_and_they_are_listed(january, dept_a, town, town2):
    RatingFactory(period=january, department=dept_a, unit=town, status=Rating.Status.SUBMITTED, kind="yellow_light")
    RatingFactory(period=january, department=dept_a, unit=town2, status=Rating.Status.APPROVED)

    with pytest.raises(CommandError) as error:
        run("close_month", "2026-01")

    assert "还有 1 条认定待审核" in str(error.value)
    assert "区住建局 → 淳溪街道（黄灯）" in str(error.value)
    january.refresh_from_db()
    assert january.status == Period.Status.OPEN


def test_a_closed_month_is_not_closed_again(january):
    run("close_month", "2026-01")

    with pytest.raises(CommandError, match="2026-01 已经是“已关账”状态"):
        run("close_month", "2026-01")


def test_a_month_nobody_rated_is_opened_and_closed(db):
    run("close_month", "2026-05")

    assert Period.objects.get(year=2026, month=5).status == Period.Status.CLOSED


def test_a_malformed_month_is_refused(db):
    with pytest.raises(CommandError, match="不是有效的月份"):
        run("close_month", "2026-13")
    assert not Period.objects.exists()


def test_with_several_jurisdictions_the_command_asks_which(january):
    lishui = JurisdictionFactory(code="lishui", name="溧水区")
    theirs = PeriodFactory(jurisdiction=lishui, year=2026, month=1)

    with pytest.raises(CommandError, match="--jurisdiction"):
        run("close_month", "2026-01")
    run("close_month", "2026-01", "--jurisdiction", "lishui")

    theirs.refresh_from_db()
    january.refresh_from_db()
    assert (theirs.status, january.status) == (Period.Status.CLOSED, Period.Status.OPEN)


def test_a_closed_month_refuses_imported_ratings(dept_a, town, tmp_path):
    run("close_month", "2026-04")
    path = write_xlsx(tmp_path / "april.xlsx", RATING_HEADERS,
                      [["2026-04", "ZJJ", "T01", "红旗", "", "老旧小区改造提前完成", ""]])

    with pytest.raises(CommandError, match="第 2 行「月份」：2026-04 已关账"):
        run("import_ratings", path)
    assert not Rating.objects.exists()


def test_only_the_command_acts_for_the_office_a_rater_still_cannot_close(january, bob, leo):
    # period_close(by=None) is the system; a user must still be from the office.
    for user in (bob, leo):
        with pytest.raises(PermissionDenied):
            services.period_close(period=january, by=user)
