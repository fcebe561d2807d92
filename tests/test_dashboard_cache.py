"""The dashboard keeps its figures for closed months, and never shows a stale one.

A closed month does not change until the office reopens it, so once every month the
figures read is closed, the page's figures are rendered once and kept (dashboard/
cache.py). Reopening a month makes the figures live again at once; closing it again
gives it a new closing time, so the kept page is never read again. These tests walk
the office's real actions (close, reopen, approve, return, retire, roll up) and read
the page a leader reads after each.

The district: 区住建局 (department A) rates 淳溪街道 and 古柏街道; alice of the office
approves and closes; leo the leader reads; olga runs the office of a neighbouring
district on the same installation.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments import roles
from departments.models import Jurisdiction
from ratings import rules, services
from assessment import services as scoring
from ratings.models import Rating
from tests.factories import OrganisationFactory, RuleBookFactory, make_user

YEAR = 2026
URL = f"/dashboard/?year={YEAR}&month_to=2"


@pytest.fixture(autouse=True)
def _empty_cache():
    caches["default"].clear()


def summary(response) -> str:
    return re.search(r'<p class="db-summary">(.*?)</p>', response.content.decode(), re.S).group(1).strip()


def main(body: str) -> str:
    """The page below its header (whose forms carry a fresh CSRF token each time)."""
    return body[body.index("<main"):]


def read(client, url: str = URL) -> tuple[str, int]:
    """What the leader reads, and how many questions the page asked the database."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(captured.captured_queries)


def approve(period, department, unit, kind, by) -> Rating:
    rating = services.rating_record(period=period, department=department, unit=unit, kind=kind,
                                    reason=f"{period.month}月{unit.name}", by=by, submit=True)
    return services.rating_approve(rating=rating, by=by)


@pytest.fixture
def months(dept_a, town, town2, alice):
    """January and February closed through the office's own actions (closing February
    opens March)."""
    RuleBookFactory(year=YEAR)
    jurisdiction = dept_a.jurisdiction
    january = services.period_get_or_open(jurisdiction=jurisdiction, year=YEAR, month=1)
    approve(january, dept_a, town, rules.RED_FLAG, alice)
    services.period_close(period=january, by=alice)
    february = services.period_get_or_open(jurisdiction=jurisdiction, year=YEAR, month=2)
    flag = approve(february, dept_a, town2, rules.RED_FLAG, alice)
    services.period_close(period=february, by=alice)
    january.refresh_from_db(), february.refresh_from_db()
    return {"january": january, "february": february, "flag": flag}


@pytest.fixture
def as_leo(client, leo):
    client.force_login(leo)
    return client


def test_a_second_look_at_closed_months_is_served_from_the_cache(as_leo, months):
    first, asked_first = read(as_leo)
    again, asked_again = read(as_leo)
    assert main(again) == main(first)
    assert asked_again < asked_first - 10, (asked_first, asked_again)


def test_reopening_a_month_and_approving_a_rating_shows_the_change_at_once_and_after_closing(
        as_leo, months, dept_a, town, alice):
    assert "红旗 2 面、黄灯 0 盏" in summary(as_leo.get(URL))
    february = services.period_reopen(period=months["february"], by=alice, reason="补录一条黄灯")
    approve(february, dept_a, town, rules.YELLOW_LIGHT, alice)

    reopened = as_leo.get(URL)
    assert "红旗 2 面、黄灯 1 盏" in summary(reopened)
    assert "2月尚未关账" in reopened.content.decode()

    services.period_close(period=february, by=alice)
    assert "红旗 2 面、黄灯 1 盏" in summary(as_leo.get(URL))


def test_reopening_a_month_and_returning_a_rating_takes_it_off_the_page(as_leo, months, alice):
    assert "红旗 2 面" in summary(as_leo.get(URL))
    february = services.period_reopen(period=months["february"], by=alice, reason="复核更正")
    services.rating_return(rating=months["flag"], by=alice, reason="证据不足")
    services.period_close(period=february, by=alice, withdraw_reason="复核后撤回")
    assert "红旗 1 面" in summary(as_leo.get(URL))


def test_a_light_approved_in_a_reopened_january_turns_februarys_yellow_red_on_the_page(
        as_leo, months, dept_a, town, alice):
    february = services.period_reopen(period=months["february"], by=alice, reason="补录")
    approve(february, dept_a, town, rules.YELLOW_LIGHT, alice)
    services.period_close(period=february, by=alice)
    february_only = f"/dashboard/?year={YEAR}&month_from=2&month_to=2"
    assert "黄灯 1 盏、红灯 0 盏" in summary(as_leo.get(february_only))

    # January reopened: February stays closed, but its yellow light follows January's.
    january = services.period_reopen(period=months["january"], by=alice, reason="补录一月黄灯")
    approve(january, dept_a, town, rules.YELLOW_LIGHT, alice)
    assert "黄灯 0 盏、红灯 1 盏" in summary(as_leo.get(february_only))
    services.period_close(period=january, by=alice)
    assert "黄灯 0 盏、红灯 1 盏" in summary(as_leo.get(february_only))


def test_while_a_month_shown_is_open_every_look_reads_the_database(as_leo, months, dept_a, town2, alice):
    march = services.period_get_or_open(jurisdiction=dept_a.jurisdiction, year=YEAR, month=3)
    open_march = f"/dashboard/?year={YEAR}&month_to=3"
    _body, asked_first = read(as_leo, open_march)
    _body, asked_again = read(as_leo, open_march)
    assert asked_again == asked_first
    approve(march, dept_a, town2, rules.RED_FLAG, alice)
    assert "红旗 3 面" in summary(as_leo.get(open_march))


def test_a_review_that_withdraws_a_light_in_a_closed_month_shows_at_once(as_leo, months, alice):
    assert "红旗 2 面" in summary(as_leo.get(URL))  # kept: both months are closed
    services.rating_revise_on_review(rating=months["flag"], by=alice, withdraw=True, note="复核撤销：证据不足")
    assert "红旗 1 面" in summary(as_leo.get(URL))


def test_a_renamed_unit_shows_its_new_name(as_leo, months, town):
    assert "淳溪街道" in as_leo.get(URL).content.decode()
    town.name = "淳溪新街道"
    town.save()
    body = as_leo.get(URL).content.decode()
    grid = body[body.index('id="db-h-grid"'):]
    assert "淳溪新街道" in grid


def test_a_year_score_rolled_up_by_the_office_shows_at_once(as_leo, months, alice):
    assert "按已通过的认定即时计算" in as_leo.get(URL).content.decode()
    scoring.year_rollup(jurisdiction=months["february"].jurisdiction, year=YEAR, through_month=2)
    assert "数据来源：年度得分（截至 2 月的年度累计" in as_leo.get(URL).content.decode()


def test_a_reader_in_english_does_not_get_the_chinese_figures(as_leo, months, settings):
    assert "总体情况" in as_leo.get(URL).content.decode()
    as_leo.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = as_leo.get(URL).content.decode()
    assert '<html lang="en">' in body
    assert "总体情况" not in body


def test_the_office_of_another_jurisdiction_never_gets_these_figures(client, months, leo):
    client.force_login(leo)
    assert "淳溪街道" in client.get(URL).content.decode()
    neighbour = Jurisdiction.objects.create(code="lishui", name="邻区")
    OrganisationFactory(jurisdiction=neighbour, code="L01", name="邻区镇")
    client.force_login(make_user("olga", roles.OFFICE, jurisdiction=neighbour))
    response = client.get(URL)
    assert response.context["query"].jurisdiction == neighbour
    assert "淳溪街道" not in response.content.decode()


def test_the_cache_can_be_turned_off(as_leo, months, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0
    _body, asked_first = read(as_leo)
    _body, asked_again = read(as_leo)
    assert asked_again == asked_first


# Rendered ahead: the first leader after a change does not wait -------------------------------


FIRST_PAGE = "/dashboard/"  # no filter: the latest closed month, where a leader lands


def first_look_uncached(client, settings) -> tuple[str, int]:
    seconds, settings.DASHBOARD_CACHE_SECONDS = settings.DASHBOARD_CACHE_SECONDS, 0
    try:
        return read(client, FIRST_PAGE)
    finally:
        settings.DASHBOARD_CACHE_SECONDS = seconds


def test_closing_a_month_renders_the_first_page_before_any_leader_asks(
        as_leo, months, dept_a, town, alice, settings, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr("dashboard.selectors.GRID_PAGE_SIZE", 1)  # the grid's page links, rendered ahead
    march = services.period_get_or_open(jurisdiction=dept_a.jurisdiction, year=YEAR, month=3)
    approve(march, dept_a, town, rules.YELLOW_LIGHT, alice)
    with django_capture_on_commit_callbacks(execute=True):
        services.period_close(period=march, by=alice)

    first, asked_first = read(as_leo, FIRST_PAGE)
    rendered, asked_rendering = first_look_uncached(as_leo, settings)
    assert "黄灯 1 盏" in summary_of(first)  # March's light, on the page kept at closing
    assert "?grid_page=2#db-h-grid" in first
    assert main(first) == main(rendered)
    assert asked_first < asked_rendering - 10, (asked_first, asked_rendering)


def test_the_first_page_is_rendered_ahead_in_english_too(
        as_leo, months, dept_a, alice, settings, django_capture_on_commit_callbacks):
    march = services.period_get_or_open(jurisdiction=dept_a.jurisdiction, year=YEAR, month=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.period_close(period=march, by=alice)
    as_leo.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    first, asked_first = read(as_leo, FIRST_PAGE)
    rendered, asked_rendering = first_look_uncached(as_leo, settings)
    assert '<html lang="en">' in first and "总体情况" not in first
    assert main(first) == main(rendered)
    assert asked_first < asked_rendering - 10, (asked_first, asked_rendering)


def test_a_review_that_changes_a_closed_month_renders_the_first_page_again(
        as_leo, months, alice, settings, django_capture_on_commit_callbacks):
    assert "红旗 2 面" in summary(as_leo.get(FIRST_PAGE))
    with django_capture_on_commit_callbacks(execute=True):
        services.rating_revise_on_review(rating=months["flag"], by=alice, withdraw=True, note="复核撤销：证据不足")
    first, asked_first = read(as_leo, FIRST_PAGE)
    _rendered, asked_rendering = first_look_uncached(as_leo, settings)
    assert "红旗 1 面" in summary_of(first)
    assert asked_first < asked_rendering - 10, (asked_first, asked_rendering)


def test_a_roll_up_renders_the_first_page_again_with_the_stored_scores(
        as_leo, months, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        scoring.year_rollup(jurisdiction=months["february"].jurisdiction, year=YEAR, through_month=2)
    first, asked_first = read(as_leo, FIRST_PAGE)
    _rendered, asked_rendering = first_look_uncached(as_leo, settings)
    assert "数据来源：年度得分（截至 2 月的年度累计" in first
    assert asked_first < asked_rendering - 10, (asked_first, asked_rendering)


def test_nothing_is_rendered_ahead_when_the_cache_is_off(months, alice, dept_a, settings,
                                                        django_capture_on_commit_callbacks):
    from dashboard.figures import warm

    settings.DASHBOARD_CACHE_SECONDS = 0
    assert warm(jurisdiction_id=dept_a.jurisdiction_id) == []
    settings.DASHBOARD_CACHE_SECONDS = 3600
    assert warm(jurisdiction_id=dept_a.jurisdiction_id) == ["zh-hans", "en"]
    assert warm(jurisdiction_id=dept_a.jurisdiction_id) == []  # kept already


def summary_of(body: str) -> str:
    return re.search(r'<p class="db-summary">(.*?)</p>', body, re.S).group(1).strip()
