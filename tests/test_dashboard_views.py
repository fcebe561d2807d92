"""The dashboard over HTTP: who may open it, filters kept in the URL, links to the ratings
behind every figure, assets served by the project, and a bounded number of queries.

Personas (see conftest): leo the leader and alice of the office may open it; bob, who
rates for a department, may not; an anonymous visitor is sent to the login page.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.models import Organisation
from ratings import rules
from ratings.models import Period, Rating
from tests.factories import CategoryFactory, DepartmentFactory, PeriodFactory, default_jurisdiction
from tests.test_dashboard import district  # noqa: F401  (the hand-counted district)

ROOT = Path(__file__).resolve().parent.parent
URL = "/dashboard/"
DRILL = "/dashboard/ratings/"


class Links(HTMLParser):
    """Every href and src of a page, and the src/href of its scripts and stylesheets."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.assets: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if tag == "script" and attrs.get("src"):
            self.assets.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.assets.append(attrs["href"])


def parse(response) -> Links:
    links = Links()
    links.feed(response.content.decode())
    return links


def params(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


# Who may open it -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [URL, DRILL])
def test_a_leader_and_the_office_may_open_the_dashboard(client, leo, alice, path):
    for user in (leo, alice):
        client.force_login(user)
        assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", [URL, DRILL])
def test_a_department_rater_is_refused(client, bob, path):
    client.force_login(bob)
    response = client.get(path)
    assert response.status_code == 403
    assert "无权查看数据看板" in response.content.decode()


@pytest.mark.parametrize("path", [URL, DRILL])
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, db, path):
    response = client.get(path + "?year=2026")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert "year%3D2026" in response["Location"]


def test_a_superuser_without_a_profile_sees_the_only_jurisdiction(client, district, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="pw-root")
    client.force_login(admin)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["query"].jurisdiction == default_jurisdiction()


def test_the_dashboard_only_reads(client, leo, db):
    client.force_login(leo)
    assert client.post(URL).status_code == 405


# The page ------------------------------------------------------------------------------------


def test_the_page_is_chinese_and_shows_the_hand_counted_year(client, leo, district):
    client.force_login(leo)
    body = client.get(URL).content.decode()
    assert '<html lang="zh-CN">' in body
    assert "2026年效能亮榜" in body
    assert "1–3月共认定红旗 7 面、黄灯 2 盏、红灯 1 盏，合计 10 个，比2025年同期多 5 个。" in body
    assert "其中 1 盏由黄灯升级" in body


def test_an_english_reader_gets_an_english_page(client, leo, district, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(leo)
    assert '<html lang="en">' in client.get(URL).content.decode()


def test_the_page_loads_only_the_projects_own_static_files(client, leo, district):
    client.force_login(leo)
    response = client.get(URL)
    links = parse(response)
    assert "/static/vendor/echarts/echarts.min.js" in links.assets
    assert "/static/dashboard/dashboard.js" in links.assets
    external = [src for src in links.assets if not (src.startswith("/static/") or src.startswith("data:"))]
    assert external == []
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", response.content.decode())
    for asset in links.assets:
        if asset.startswith("/static/"):
            assert client.get(asset).status_code == 200, asset


def test_the_charts_data_goes_to_the_page_as_json(client, leo, district):
    client.force_login(leo)
    response = client.get(URL)
    data = response.context["charts"]
    assert '<script id="dashboard-data" type="application/json">' in response.content.decode()
    flags = next(s for s in data["monthly"]["series"] if s["kind"] == rules.RED_FLAG)
    assert flags["data"] == [3, 1, 3]
    assert params(flags["urls"][2]) == {"year": "2026", "month_from": "3", "month_to": "3", "outcome": "red_flag"}
    assert [s["data"] for s in data["monthly"]["previous"]] == [[1, 2, 0], [1, 0, 1]]
    assert data["categories"]["names"] == ["镇", "街道"]


def test_the_charts_numbers_are_also_in_tables_for_readers_without_javascript(client, leo, district):
    client.force_login(leo)
    body = client.get(URL).content.decode()
    assert body.count('<details class="db-data">') == 2
    assert "图表需要 JavaScript，数据见下表。" in body


# Filters in the URL --------------------------------------------------------------------------


def test_filters_are_read_from_the_url_and_shown_in_the_form(client, leo, district):
    client.force_login(leo)
    towns = district["towns"]
    response = client.get(URL, {"year": 2026, "month_from": 1, "month_to": 2, "category": towns.pk, "unit": "T2"})
    query = response.context["query"]
    assert (query.year, query.month_from, query.month_to, query.category, query.unit) == (
        2026, 1, 2, towns, district["t2"])
    body = response.content.decode()
    assert f'<option value="{towns.pk}" selected>镇</option>' in body
    assert 'value="阳江镇"' in body  # the unit's name, though the link carried its code
    assert [f.current for f in response.context["o"].headline.span] == [0, 1, 1, 2]


def test_links_on_the_page_keep_the_filters(client, leo, district):
    client.force_login(leo)
    towns = district["towns"]
    response = client.get(URL, {"year": 2026, "month_from": 2, "month_to": 3, "category": towns.pk})
    drill = [href for href in parse(response).hrefs if href.startswith(DRILL)]
    assert drill
    for href in drill:
        if "back" in params(href):  # a rating's own page: its way back keeps them
            href = params(href)["back"]
        assert params(href)["category"] == str(towns.pk)
        assert params(href)["year"] in ("2026", "2025")


def test_an_invalid_filter_is_shown_and_the_page_still_answers(client, leo, district):
    client.force_login(leo)
    response = client.get(URL, {"year": "abc", "month_from": 5, "month_to": 2})
    assert response.status_code == 200
    assert response.context["query"].year == 2026
    assert response.context["filterset"].form.errors


def test_the_grid_pages_keep_the_filters(client, leo, district, monkeypatch):
    from dashboard import selectors

    monkeypatch.setattr(selectors, "GRID_PAGE_SIZE", 2)
    client.force_login(leo)
    response = client.get(URL, {"year": 2026, "month_to": 3})
    grid = response.context["o"].grid
    assert grid.page.paginator.num_pages == 2
    body = response.content.decode()
    assert "grid_page=2" in body and "month_to=3" in body
    second = client.get(URL, {"year": 2026, "month_to": 3, "grid_page": 2}).context["o"].grid
    assert [row.code for group in second.groups for row in group.rows] == ["S1"]


# Drilling down ---------------------------------------------------------------------------------


def test_a_headline_figure_drills_down_to_exactly_its_ratings(client, leo, district):
    client.force_login(leo)
    response = client.get(URL)
    hrefs = parse(response).hrefs
    march_flags = next(h for h in hrefs if h.startswith(DRILL) and params(h) == {
        "year": "2026", "month_from": "3", "month_to": "3", "outcome": "red_flag"})
    listed = client.get(march_flags).context["page"]
    assert listed.paginator.count == 3
    assert {(r.unit.code, r.outcome) for r in listed.object_list} == {("T1", "red_flag"), ("S1", "red_flag")}


def test_the_escalated_lights_drill_down_to_the_escalated_rating(client, leo, district):
    client.force_login(leo)
    page = client.get(DRILL, {"year": 2026, "outcome": "escalated"}).context["page"]
    assert [r.pk for r in page.object_list] == [district["escalated"].pk]
    body = client.get(DRILL, {"year": 2026, "outcome": "escalated"}).content.decode()
    assert "原为黄灯，连续黄灯升级" in body


def test_the_drill_down_counts_what_departments_submitted_when_asked(client, leo, district):
    client.force_login(leo)
    a = district["a"]
    counted = client.get(DRILL, {"year": 2026, "month_from": 3, "month_to": 3, "department": a.pk}).context["page"]
    submitted = client.get(DRILL, {"year": 2026, "month_from": 3, "month_to": 3, "department": a.pk,
                                   "status": "submitted"}).context["page"]
    assert (counted.paginator.count, submitted.paginator.count) == (2, 3)


def test_every_figure_of_the_activity_table_links_to_its_submitted_ratings(client, leo, district):
    client.force_login(leo)
    hrefs = parse(client.get(URL)).hrefs
    cell = next(h for h in hrefs if h.startswith(DRILL) and params(h).get("status") == "submitted"
                and params(h).get("department") == str(district["a"].pk) and params(h).get("month_from") == "3")
    assert client.get(cell).context["page"].paginator.count == 3


def test_a_grid_cell_with_one_rating_opens_that_rating_on_the_dashboard(client, leo, district):
    client.force_login(leo)
    escalated = district["escalated"]
    url = next(h for h in parse(client.get(URL)).hrefs if h.startswith(f"/dashboard/ratings/{escalated.pk}/"))
    response = client.get(url)
    assert response.status_code == 200
    assert "阳江镇" in response.content.decode()


def test_a_grid_cell_with_several_ratings_opens_the_list_filtered_by_unit_and_month(client, leo, district):
    client.force_login(leo)
    t1 = district["t1"]
    hrefs = parse(client.get(URL)).hrefs
    cell = next(h for h in hrefs if h.startswith(DRILL + "?") and params(h).get("unit") == "T1"
                and params(h).get("month_from") == params(h).get("month_to") == "1")
    response = client.get(cell)
    assert response.status_code == 200
    assert response.context["query"].unit == t1
    assert response.context["page"].paginator.count == 2


def test_the_drill_down_offers_the_same_ratings_in_the_admin(client, leo, district):
    client.force_login(leo)
    response = client.get(DRILL, {"year": 2026, "month_from": 1, "month_to": 3, "outcome": "red_flag"})
    admin_url = response.context["admin_url"]
    assert "period__id__in=" in admin_url
    admin = client.get(admin_url)
    assert admin.status_code == 200
    assert admin.context["cl"].result_count == response.context["page"].paginator.count == 7


def test_a_category_drill_down_has_no_admin_equivalent(client, leo, district):
    client.force_login(leo)
    response = client.get(DRILL, {"category": district["towns"].pk})
    assert response.context["admin_url"] == ""
    assert response.context["page"].paginator.count == 6


# Fast at scale ---------------------------------------------------------------------------------


def build_district(units: int, per_unit_month: int = 2) -> None:
    """``units`` units in three categories, 23 departments, ratings in every month of two
    years, written in bulk (thousands of ratings)."""
    jurisdiction = default_jurisdiction()
    categories = [CategoryFactory(name=name, order=i) for i, name in enumerate(("镇", "街道", "国有企业"))]
    departments = [DepartmentFactory(code=f"D{i:02d}") for i in range(23)]
    unit_objs = Organisation.objects.bulk_create(
        Organisation(jurisdiction=jurisdiction, code=f"U{i:04d}", name=f"单位{i:04d}", category=categories[i % 3])
        for i in range(units)
    )
    periods = [PeriodFactory(year=year, month=month, status=Period.Status.CLOSED)
               for year in (2025, 2026) for month in range(1, 13)]
    outcomes = (rules.RED_FLAG, rules.RED_FLAG, rules.YELLOW_LIGHT, rules.RED_LIGHT)
    Rating.objects.bulk_create(
        Rating(period=period, department=departments[(i + j) % 23], unit=unit, kind=outcomes[(i + j + k) % 4],
               outcome=outcomes[(i + j + k) % 4], reason="按时高质量完成任务", status=Rating.Status.APPROVED)
        for i, unit in enumerate(unit_objs)
        for j, period in enumerate(periods)
        for k in range(per_unit_month)
    )


def queries_for(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("path", [URL, URL + "?category={category}&month_from=3&month_to=9", DRILL + "?outcome=light"])
def test_the_number_of_queries_does_not_grow_with_units_months_or_ratings(client, leo, path):
    client.force_login(leo)
    build_district(20)
    path = path.format(category=Organisation.objects.filter(is_unit=True).first().category_id)
    small = queries_for(client, path)
    Rating.objects.all().delete()
    Organisation.objects.all().delete()
    build_district(200)  # 200 units × 24 months × 2 = 9,600 ratings; two pages of the grid
    assert Rating.objects.count() == 9600
    large = queries_for(client, path)
    assert large == small
    # 30 for the figures, 1 for the header's unread notifications, 1 for reviews, 1 for the year's scorecard,
    # 3 for casework (items, forms, answers; a year with forms adds their pauses), 1 for a leader's
    # link to their evaluation sheets (我的评议)
    assert large <= 37, large
