"""Casework in figures: the public statistics, the dashboard's panel, and the lists that
keep a fixed number of queries whatever the amount of casework. People as in
tests/test_casework.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework import selectors, services
from casework.models import Followup
from tests.factories import OrganisationFactory, default_jurisdiction
from tests.test_casework import issued, report, una  # noqa: F401 (fixtures)
from tests.test_casework_consequences import close


def a_year(alice, una, town, town2) -> None:
    """Three forms for 淳溪街道 (closed on time, closed late, open and overdue on 1 April),
    one for 古柏街道 still within its time; one reporter satisfied, one not."""
    first = report(reporter_name="ZQNAMEQZ 李女士", reporter_phone="13912345678")
    second = report()
    close(issued(alice, town, reports=[first]), alice, una, on=dt.date(2026, 3, 10))
    close(issued(alice, town, reports=[second]), alice, una, on=dt.date(2026, 3, 18))
    issued(alice, town)
    issued(alice, town2, issued_on=dt.date(2026, 3, 30))
    services.followup_answer(followup=Followup.objects.get(report=first), answer="satisfied")
    services.followup_answer(followup=Followup.objects.get(report=second), answer="not_satisfied")


def test_the_figures_count_overdue_open_forms_against_the_unit(alice, una, town, town2):
    a_year(alice, una, town, town2)
    stats = selectors.casework_stats(jurisdiction_id=default_jurisdiction().pk, year=2026, today=dt.date(2026, 4, 1))
    chunxi = next(u for u in stats.units if u.name == "淳溪街道")
    # On time: 1 of (2 closed + 1 open overdue) = 33.3%, not 1 of 2 closed = 50%.
    assert (chunxi.rates.issued, chunxi.rates.closed, chunxi.rates.open_overdue) == (3, 2, 1)
    assert chunxi.rates.on_time_rate == Decimal("33.3")
    assert chunxi.median_days == Decimal("9.0")  # 6 working days (3–10 March) and 12 (3–18 March)
    assert (chunxi.answered, chunxi.satisfaction_rate) == (2, Decimal("50.0"))
    assert stats.totals.issued == 4 and stats.totals.on_time_rate == Decimal("33.3")
    assert stats.reports == 2


def test_the_public_statistics_show_counts_and_never_a_person(client, alice, una, town, town2):
    a_year(alice, una, town, town2)
    page = client.get(reverse("casework:stats"), {"year": 2026})
    body = page.content.decode()
    assert page.status_code == 200 and "淳溪街道" in body
    for secret in ("ZQNAMEQZ", "13912345678", "三次到窗口", "alice"):
        assert secret not in body
    data = client.get(reverse("casework:stats_json"), {"year": 2026}).json()
    assert data["year"] == 2026 and {u["name"] for u in data["units"]} == {"淳溪街道", "古柏街道"}
    assert "ZQNAMEQZ" not in str(data) and "13912345678" not in str(data)


def test_the_dashboard_shows_the_casework_panel(client, leo, alice, una, town, town2):
    a_year(alice, una, town, town2)
    client.force_login(leo)
    body = client.get(reverse("dashboard:index") + "?year=2026").content.decode()
    assert "问题交办" in body and "按时办结率" in body and "淳溪街道" in body


def queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def many_forms(alice, units, n: int) -> None:
    for i in range(n):
        services.form_issue(jurisdiction=default_jurisdiction(), by=alice, lead_unit=units[i % len(units)],
                            title=f"问题{i}", problem="问题", requirement="整改", days=10,
                            issued_on=dt.date(2026, 3, 2) + dt.timedelta(days=i % 20))


@pytest.mark.parametrize("page", ["stats", "office", "desk"])
def test_the_lists_keep_their_queries_at_ten_times_the_casework(client, alice, una, town, page):
    units = [town] + [OrganisationFactory(code=f"U{i:02d}", name=f"单位{i}") for i in range(9)]
    many_forms(alice, units, 3)
    fetch = {
        "stats": lambda: selectors.casework_stats(jurisdiction_id=default_jurisdiction().pk, year=2026),
        "office": lambda: client.get(reverse("admin:casework_assignmentform_changelist")),
        "desk": lambda: client.get(reverse("desk:forms")),
    }[page]
    client.force_login(una if page == "desk" else alice)
    small = queries(fetch)
    many_forms(alice, units, 30)
    assert queries(fetch) == small


def test_the_overdue_filter_keeps_its_queries_too(client, alice, town):
    client.force_login(alice)
    many_forms(alice, [town], 2)
    url = reverse("admin:casework_assignmentform_changelist") + "?timing=overdue"
    small = queries(lambda: client.get(url))
    many_forms(alice, [town], 20)
    assert queries(lambda: client.get(url)) == small
