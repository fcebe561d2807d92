"""The year scores list opens on one year (the latest with scores), keeps the year
filter, and never breaks a unit's name between its characters; a roll-up of one month
reads "1月", of several "1—3月".

alice is the office; leo reads.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise

from assessment import services as scoring
from assessment.admin import MONTH_CHOICES, month_range, run_status, scope_label
from assessment.models import YearScore
from tests.factories import OrganisationFactory, default_jurisdiction

URL = "/admin/assessment/yearscore/"


@pytest.mark.parametrize(("first", "last", "label"), [
    (1, 1, "1月"),
    (1, 3, "1—3月"),
    (1, 12, "1—12月"),
    (4, 4, "4月"),
    (3, 6, "3—6月"),
])
def test_a_range_of_months_reads_as_one_month_or_from_to(first, last, label):
    assert month_range(first, last) == label


@pytest.mark.parametrize(("through_month", "label"), [(None, "全年"), (1, "1月"), (2, "1—2月"), (12, "1—12月")])
def test_a_roll_up_names_what_it_counts(through_month, label):
    assert scope_label(through_month) == label


def test_the_roll_up_forms_choices_read_the_same_and_are_worded_when_shown():
    assert [str(label) for _value, label in MONTH_CHOICES[:3]] == ["全年", "1月", "1—2月"]
    # Worded in the language of the request that shows the form, not of the import.
    assert all(isinstance(label, Promise) for _value, label in MONTH_CHOICES)


@pytest.mark.django_db
def test_a_run_of_january_only_says_1_month(alice):
    run = scoring.rollup_run_create(jurisdiction=default_jurisdiction(), year=2026, through_month=1, by=alice)
    assert run_status(run)["scope"] == "1月"


@pytest.fixture
def two_years(db):
    """淳溪街道 scored in 2025, 古柏街道 in 2026 (names that show which year is listed)."""
    now = timezone.now()
    for year, name in ((2025, "淳溪街道"), (2026, "古柏街道")):
        YearScore.objects.create(
            jurisdiction=default_jurisdiction(), unit=OrganisationFactory(name=name), year=year,
            points=Decimal("1"), rank_overall=1, rank_in_category=1, grade_by_points="excellent", grade="excellent",
            computed_at=now,
        )


def listing(client, query: str = "") -> str:
    response = client.get(URL + query)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("persona", ["alice", "leo"])
def test_the_list_opens_on_the_latest_year_with_scores(client, two_years, persona, request):
    client.force_login(request.getfixturevalue(persona))
    page = listing(client)
    assert "古柏街道" in page and "淳溪街道" not in page


def test_the_year_filter_is_still_there_with_every_year_and_all_years(client, alice, two_years):
    client.force_login(alice)
    page = listing(client)
    assert '<li class="selected">\n    <a href="?year=2026">2026</a></li>' in page
    assert 'href="?year=2025"' in page and 'href="?year=all"' in page and "全部年度" in page

    assert "淳溪街道" in listing(client, "?year=2025") and "古柏街道" not in listing(client, "?year=2025")
    every = listing(client, "?year=all")
    assert "淳溪街道" in every and "古柏街道" in every


def test_a_link_written_for_djangos_own_year_filter_still_opens_that_year(client, alice, two_years):
    client.force_login(alice)
    page = listing(client, "?year__exact=2025")
    assert "淳溪街道" in page and "古柏街道" not in page


@pytest.mark.parametrize("year", ["１２", "20255", "abc", "9" * 40])
def test_a_year_that_is_no_year_lists_nothing_and_is_no_error(client, alice, two_years, year):
    client.force_login(alice)
    page = listing(client, f"?year={year}")
    assert "淳溪街道" not in page and "古柏街道" not in page


def test_without_scores_the_list_opens_with_nothing_to_filter(client, alice):
    client.force_login(alice)
    assert "全部年度" not in listing(client)


def test_names_in_the_scores_table_do_not_wrap(client, alice, two_years):
    client.force_login(alice)
    page = listing(client)
    assert '<td class="field-unit_name">古柏街道</td>' in page
    assert "admin-extra/liangbang.css" in page
    css = Path(settings.BASE_DIR, "static", "admin-extra", "liangbang.css").read_text(encoding="utf-8")
    rule = css[css.index(".model-yearscore #result_list td.field-unit_name"):]
    assert "td.field-category" in rule.split("{")[0]
    assert rule.split("{")[1].split("}")[0].strip() == "white-space: nowrap;"
