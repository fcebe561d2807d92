"""A retired or merged unit (停用 / 撤并) on the leaders' dashboard: it is not named among
the units that lost most points, nor among those one yellow light short of a red light
(it is never rated again), while its history stays: its ratings count in the months it
was rated, the grid keeps its row, and the drill-down and its ratings' pages show them.

The district is tests/test_dashboard.py's, counted by hand: 阳江镇 (T2) lost half a
point against 2025 (yellow, red against yellow, yellow); 砖墙镇 (T1) had a yellow light
in March, one short of a red light.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.test_dashboard import district, overview  # noqa: F401  (the hand-counted district)

DRILL = "/dashboard/ratings/"


def retire(unit) -> None:
    """As the admin's 停用 action does it."""
    unit.is_active = False
    unit.retired_on = date(2026, 3, 31)
    unit.save()


def test_before_it_is_retired_the_town_is_among_those_that_lost_most_points(district):
    assert [drop.code for drop in overview().watch.dropped] == ["T2"]


def test_a_retired_unit_is_not_listed_as_losing_most_points(district):
    retire(district["t2"])
    assert overview().watch.dropped == []


def test_a_retired_unit_is_not_one_yellow_light_short_of_a_red_light(district):
    assert [unit.code for unit in overview().watch.one_more] == ["T1"]
    retire(district["t1"])
    assert overview().watch.one_more == []


def test_a_retired_units_ratings_still_count_in_the_months_it_was_rated(district):
    before = overview()
    retire(district["t2"])
    after = overview()
    assert [(f.kind, f.current) for f in after.headline.span] == [(f.kind, f.current) for f in before.headline.span]
    assert after.watch.many_lights_total == before.watch.many_lights_total == 1  # T2's two lights are history


def test_the_grid_keeps_the_retired_units_row_with_its_months(district):
    retire(district["t2"])
    rows = {row.code: row for group in overview().grid.groups for row in group.rows}
    assert rows["T2"].is_active is False
    assert [cell.result for cell in rows["T2"].cells] == ["yellow_light", "red_light", ""]


def test_the_leader_still_drills_into_a_retired_units_ratings_and_opens_one(client, leo, district):
    retire(district["t2"])
    client.force_login(leo)
    response = client.get(DRILL, {"year": 2026, "month_to": 3, "unit": "阳江镇"})
    assert response.context["query"].unit == district["t2"]
    assert response.context["page"].paginator.count == 2
    body = response.content.decode()
    assert "已撤并" in body
    rating_page = client.get(f"{DRILL}{district['escalated'].pk}/")
    assert rating_page.status_code == 200
    assert "阳江镇" in rating_page.content.decode()


def test_the_page_no_longer_names_the_retired_unit_under_lost_most_points(client, leo, district):
    client.force_login(leo)
    watch = client.get("/dashboard/").context["o"].watch
    assert [(drop.code, drop.change) for drop in watch.dropped] == [("T2", Decimal("-0.50"))]
    retire(district["t2"])
    body = client.get("/dashboard/").content.decode()
    lost = body[body.index("比去年同期失分最多"):]
    lost = lost[:lost.index("</div>")]
    assert "阳江镇" not in lost
    assert "没有单位比去年同期失分" in lost


@pytest.mark.parametrize("month_to", [1, 2, 3])
def test_a_retired_unit_rated_in_the_year_keeps_its_grid_row_in_each_month_range(district, month_to):
    retire(district["t2"])
    codes = [row.code for group in overview(month_to=month_to).grid.groups for row in group.rows]
    assert "T2" in codes
