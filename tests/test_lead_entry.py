"""The lead unit's entry (牵头单位录入): a lead unit's staff enter the undertaking units'
results of the items it leads, on their desk, all or nothing, until the office locks the
year; never their own score, never another unit's item."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assessment.models import ItemResult, Scorecard, ScorecardItem, YearScore
from tests.test_desk import unit_staff
from tests.test_scorecard import YEAR, district, load_results, load_scorecard, scores  # noqa: F401


@pytest.fixture
def lead(district, tmp_path):
    load_scorecard(tmp_path)
    load_results(tmp_path)
    return unit_staff("tian", district["T1"])  # 镇1 leads 1.2 招商引资 (赋分)


def item_url(code: str = "1.2") -> str:
    return f"/desk/items/{ScorecardItem.objects.get(code=code).pk}/"


def field(unit, name: str = "score") -> str:
    return f"u{unit.pk}-{name}"


def test_the_desk_lists_the_items_the_unit_leads(client, lead):
    client.force_login(lead)
    assert "本单位牵头 1 项考核指标" in client.get("/desk/").content.decode()
    page = client.get("/desk/items/").content.decode()
    assert f"{YEAR} · 1.2 招商引资" in page and "地区生产总值" not in page


def test_the_lead_unit_scores_the_undertaking_units_but_not_itself(client, lead, district):
    client.force_login(lead)
    page = client.get(item_url()).content.decode()
    assert "镇2" in page and "街道1" in page and 'value="80.00"' in page
    assert field(district["T1"]) not in page  # 牵头单位不给自己赋分
    response = client.post(item_url(), {field(district["T2"]): "85", field(district["T3"]): "60",
                                         field(district["S1"]): "50", field(district["S2"]): ""})
    assert response.status_code == 302
    saved = {r.unit.code: (r.score, r.source) for r in ItemResult.objects.filter(item__code="1.2")}
    assert saved["T2"] == (Decimal("85.00"), ItemResult.Source.ENTRY)
    assert saved["T3"] == (Decimal("60.00"), ItemResult.Source.ENTRY)
    assert saved["T1"][1] == ItemResult.Source.IMPORT  # its own rank, as imported, untouched
    assert "已保存，2 个单位的结果有变化" in client.get(item_url()).content.decode()
    scores()
    t3 = YearScore.objects.get(unit__code="T3", year=YEAR)
    assert any(item["code"] == "1.2" and item["score"] == "12.00"
               for section in t3.composite_detail["sections"] for item in section["items"])


def test_one_wrong_entry_saves_nothing_and_says_which_unit_and_why(client, lead, district):
    client.force_login(lead)
    response = client.post(item_url(), {field(district["T2"]): "120", field(district["T3"]): "60",
                                         field(district["S1"]): "50"})
    assert response.status_code == 200  # the form again, with what is wrong
    page = response.content.decode()
    assert "没有保存任何结果" in page and "赋分是百分比，应在 0 到 100 之间" in page
    assert 'value="120"' in page  # what was typed stays in the form
    assert not ItemResult.objects.filter(item__code="1.2", unit=district["T3"]).exists()
    assert ItemResult.objects.get(item__code="1.2", unit=district["T2"]).score == Decimal("80.00")


def test_clearing_a_row_removes_that_units_result(client, lead, district):
    client.force_login(lead)
    client.post(item_url(), {field(district["T2"]): "", field(district["S1"]): "50"})
    assert not ItemResult.objects.filter(item__code="1.2", unit=district["T2"]).exists()


def test_once_the_office_locks_the_year_the_entry_is_read_only(client, lead, district):
    Scorecard.objects.update(results_locked=True)
    client.force_login(lead)
    page = client.get(item_url()).content.decode()
    assert "效能办已锁定本年度考核结果" in page and "disabled" in page
    client.post(item_url(), {field(district["T2"]): "10"})
    assert ItemResult.objects.get(item__code="1.2", unit=district["T2"]).score == Decimal("80.00")


def test_another_units_staff_do_not_find_the_item(client, lead, district):
    client.force_login(unit_staff("qian", district["T2"]))
    assert client.get(item_url()).status_code == 404
    assert client.post(item_url(), {field(district["T3"]): "99"}).status_code == 404
    assert "本单位没有牵头的考核指标" in client.get("/desk/items/").content.decode()


def test_an_item_the_unit_does_not_lead_is_not_found_even_for_the_lead_of_another(client, lead):
    client.force_login(lead)
    assert client.get(item_url("1.1")).status_code == 404
    assert client.get(item_url("3.1")).status_code == 404
