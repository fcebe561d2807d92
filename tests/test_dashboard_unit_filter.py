"""The dashboard's unit filter takes what a leader knows: a unit's name, or part of it,
with suggestions from the page itself (an HTML <datalist>, no script from elsewhere);
a code still works, as the page's own links carry codes. A name that matches no unit,
or several, is said plainly in Chinese on the page, which still answers for the whole
district.

The district is tests/test_dashboard.py's: 砖墙镇 (T1), 阳江镇 (T2), 淳溪街道 (S1).
"""

from __future__ import annotations

import re

import pytest

from departments.models import Jurisdiction
from tests.factories import OrganisationFactory
from tests.test_dashboard import district  # noqa: F401  (the hand-counted district)

URL = "/dashboard/"
DRILL = "/dashboard/ratings/"


def unit_errors(response) -> list[str]:
    return list(response.context["filterset"].form.errors.get("unit", []))


def shown_in_the_box(response) -> str:
    return re.search(r'<input type="text" name="unit" value="([^"]*)"', response.content.decode()).group(1)


@pytest.fixture
def as_leo(client, leo):
    client.force_login(leo)
    return client


def test_a_unit_is_found_by_its_full_name(as_leo, district):
    response = as_leo.get(URL, {"unit": "阳江镇"})
    assert response.context["query"].unit == district["t2"]
    assert unit_errors(response) == []
    assert "阳江镇" in response.content.decode().split("</h1>")[0]


def test_a_unit_is_found_by_a_part_of_its_name_that_no_other_unit_has(as_leo, district):
    response = as_leo.get(URL, {"unit": "阳江"})
    assert response.context["query"].unit == district["t2"]
    assert shown_in_the_box(response) == "阳江镇"  # the box then says whom it found


def test_a_unit_is_still_found_by_its_code_as_the_pages_own_links_carry_it(as_leo, district):
    response = as_leo.get(URL, {"unit": "S1"})
    assert response.context["query"].unit == district["s1"]
    assert shown_in_the_box(response) == "淳溪街道"


def test_a_part_of_a_name_several_units_share_is_refused_naming_them(as_leo, district):
    response = as_leo.get(URL, {"unit": "镇"})
    assert response.status_code == 200
    assert response.context["query"].unit is None  # the whole district meanwhile
    (error,) = unit_errors(response)
    assert error == "“镇”对应多家单位：砖墙镇、阳江镇。请输入完整名称或从提示中选择"
    assert error in response.content.decode()


def test_a_name_no_unit_has_is_refused_in_chinese_on_the_page(as_leo, district):
    response = as_leo.get(URL, {"unit": "不存在的镇"})
    assert response.status_code == 200
    assert response.context["query"].unit is None
    assert unit_errors(response) == ["没有名称或编码为“不存在的镇”的被考核单位，请从提示中选择"]
    assert "没有名称或编码为“不存在的镇”的被考核单位" in response.content.decode()


def test_a_department_that_is_not_rated_is_not_a_unit(as_leo, district):
    assert unit_errors(as_leo.get(URL, {"unit": "区统计局"})) == [
        "没有名称或编码为“区统计局”的被考核单位，请从提示中选择"
    ]


def test_another_jurisdictions_unit_is_not_found(as_leo, district):
    neighbour = Jurisdiction.objects.create(code="lishui", name="邻区")
    OrganisationFactory(jurisdiction=neighbour, code="L1", name="邻区白马镇")
    assert as_leo.get(URL, {"unit": "白马"}).context["query"].unit is None
    assert as_leo.get(URL, {"unit": "L1"}).context["query"].unit is None


def test_where_a_unit_in_service_took_a_retired_units_name_the_name_is_the_one_in_service(as_leo, district):
    old = OrganisationFactory(code="T8", name="桠溪镇", category=district["towns"], is_active=False)
    new = OrganisationFactory(code="T9", name="桠溪镇", category=district["towns"])
    assert as_leo.get(URL, {"unit": "桠溪镇"}).context["query"].unit == new
    # The retired one is still reached by its code, and its box keeps the code, which names it alone.
    response = as_leo.get(URL, {"unit": "T8"})
    assert response.context["query"].unit == old
    assert shown_in_the_box(response) == "T8"


def test_the_suggestions_are_the_names_of_the_units_in_service_listed_in_the_page(as_leo, district):
    OrganisationFactory(code="T9", name="撤并镇", category=district["towns"], is_active=False)
    body = as_leo.get(URL).content.decode()
    box = re.search(r'<input type="text" name="unit"[^>]*>', body).group(0)
    list_id = re.search(r'list="([^"]+)"', box).group(1)
    datalist = re.search(rf'<datalist id="{list_id}">(.*?)</datalist>', body, re.S).group(1)
    assert re.findall(r'<option value="([^"]+)">', datalist) == ["淳溪街道", "砖墙镇", "阳江镇"]
    assert "撤并镇" not in datalist
    assert not re.search(r'<script[^>]+src="(https?:)?//', body)  # no script from another site


def test_the_drill_down_list_takes_a_name_too(as_leo, district):
    response = as_leo.get(DRILL, {"year": 2026, "month_to": 3, "unit": "砖墙"})
    assert response.context["query"].unit == district["t1"]
    assert {rating.unit for rating in response.context["page"]} == {district["t1"]}


@pytest.mark.parametrize("typed", ["\x00", "镇\u200b", "　", "x" * 5000])
def test_a_hostile_or_empty_name_is_a_plain_answer_never_an_error_page(as_leo, district, typed):
    response = as_leo.get(URL, {"unit": typed})
    assert response.status_code == 200
    assert response.context["query"].unit is None
