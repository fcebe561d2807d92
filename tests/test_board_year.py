"""The year-end table on the public site, once the office publishes the year's roll-up."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from boards import services
from boards.models import PublishedYear
from ratings import rules
from ratings import services as rating_services
from assessment.services import year_rollup
from tests.board_support import _board_cache, approved, close, fast_pdf, reopen  # noqa: F401
from tests.factories import PeriodFactory, default_jurisdiction

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_2025(alice, dept_a, dept_b, town, town2, fast_pdf):
    """2025: twelve closed months; 淳溪街道 earns red flags, 古柏街道 a yellow light."""
    periods = {}
    for month in range(1, 13):
        period = PeriodFactory(year=2025, month=month)
        if month in (3, 7):
            approved(period, dept_a, town, rules.RED_FLAG, f"{month}月主动担当", office=alice)
        if month == 5:
            approved(period, dept_b, town2, rules.YELLOW_LIGHT, "5月随意退单", office=alice)
        periods[month] = close(period, alice)
    return periods


def _publish_months(periods, alice) -> None:
    for period in periods.values():
        services.edition_publish(period=period, by=alice)


def test_a_year_without_scores_cannot_be_published(year_2025, alice):
    with pytest.raises(ValidationError, match="还没有计算年度得分"):
        services.year_publish(jurisdiction=default_jurisdiction(), year=2025, by=alice)


def test_a_year_to_date_rollup_is_not_published(year_2025, alice):
    _publish_months(year_2025, alice)
    year_rollup(jurisdiction=default_jurisdiction(), year=2025, through_month=6)
    with pytest.raises(ValidationError, match="年度累计"):
        services.year_publish(jurisdiction=default_jurisdiction(), year=2025, by=alice)


def test_the_table_waits_for_every_month_to_be_published(year_2025, alice):
    services.edition_publish(period=year_2025[1], by=alice)
    year_rollup(jurisdiction=default_jurisdiction(), year=2025)
    with pytest.raises(ValidationError, match="还有月份未发布亮榜：2月、3月"):
        services.year_publish(jurisdiction=default_jurisdiction(), year=2025, by=alice)


def test_a_correction_after_the_rollup_asks_for_a_new_rollup(year_2025, alice, town2):
    _publish_months(year_2025, alice)
    year_rollup(jurisdiction=default_jurisdiction(), year=2025)
    may = year_2025[5]
    reopen(may, alice)
    rating_services.rating_update(rating=may.ratings.get(), by=alice, reason="5月随意退单（更正）")
    close(may, alice)
    services.edition_publish(period=may, by=alice, note="更正")
    with pytest.raises(ValidationError, match="请重新计算年度得分"):
        services.year_publish(jurisdiction=default_jurisdiction(), year=2025, by=alice)


def test_only_the_office_publishes_the_year(year_2025, alice, leo):
    _publish_months(year_2025, alice)
    year_rollup(jurisdiction=default_jurisdiction(), year=2025)
    with pytest.raises(PermissionDenied):
        services.year_publish(jurisdiction=default_jurisdiction(), year=2025, by=leo)


def test_the_published_year_is_on_the_public_site_with_its_files(client, year_2025, alice):
    _publish_months(year_2025, alice)
    assert client.get("/years/2025/").status_code == 404
    year_rollup(jurisdiction=default_jurisdiction(), year=2025)
    assert client.get("/years/2025/").status_code == 404  # computed is not published

    result = services.year_publish(jurisdiction=default_jurisdiction(), year=2025, by=alice)
    assert result.created and result.table.revision == 1

    body = client.get("/years/2025/").content.decode()
    assert "2025年度效能亮榜考核结果" in body
    assert body.index("淳溪街道") < body.index("古柏街道")  # ranked by points
    assert 'href="/years/2025/"' in client.get("/archive/").content.decode()
    rows = list(csv.reader(io.StringIO(client.get("/years/2025/table.csv").content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["年度", "版次", "排名", "单位编码", "被考核单位"]
    assert rows[1][4] == "淳溪街道" and rows[1][7] == "2" and rows[1][10] == "1.00"
    data = client.get("/years/2025/table.json").json()
    assert data["year"] == 2025 and data["rows"][0]["unit_name"] == "淳溪街道"


def test_publishing_the_same_year_twice_yields_one_table_and_a_change_needs_a_note(year_2025, alice, town2):
    _publish_months(year_2025, alice)
    year_rollup(jurisdiction=default_jurisdiction(), year=2025)
    first = services.year_publish(jurisdiction=default_jurisdiction(), year=2025, by=alice).table
    assert not services.year_publish(jurisdiction=default_jurisdiction(), year=2025, by=alice).created

    may = year_2025[5]
    reopen(may, alice)
    rating = may.ratings.get()
    rating_services.rating_return(rating=rating, by=alice, reason="不成立")
    rating_services.rating_delete(rating=rating, by=alice)
    close(may, alice)
    services.edition_publish(period=may, by=alice, note="撤销5月黄灯")
    year_rollup(jurisdiction=default_jurisdiction(), year=2025)
    with pytest.raises(services.NoteRequired):
        services.year_publish(jurisdiction=default_jurisdiction(), year=2025, by=alice)
    second = services.year_publish(jurisdiction=default_jurisdiction(), year=2025, by=alice, note="撤销5月黄灯后重算").table

    assert second.revision == 2 and second.supersedes == first
    assert PublishedYear.objects.get(pk=first.pk).is_superseded


def test_the_office_publishes_the_year_in_the_admin(client, year_2025, alice, leo):
    _publish_months(year_2025, alice)
    year_rollup(jurisdiction=default_jurisdiction(), year=2025)
    url = reverse("admin:boards_publishedyear_publish")
    client.force_login(leo)
    assert client.get(url).status_code == 403
    client.force_login(alice)
    assert client.get(reverse("admin:boards_publishedyear_changelist")).status_code == 200
    refused = client.post(url, {"year": 2024, "note": ""})
    assert "还没有计算年度得分" in refused.content.decode()
    response = client.post(url, {"year": 2025, "note": ""}, follow=True)
    assert "已发布 2025 年度考核结果第 1 版" in response.content.decode()
    assert PublishedYear.objects.get().published_by == alice


def test_the_table_is_published_in_chinese_whatever_the_offices_interface_language(year_2025, alice):
    from django.utils import translation

    _publish_months(year_2025, alice)
    year_rollup(jurisdiction=default_jurisdiction(), year=2025)
    with translation.override("en"):
        table = services.year_publish(jurisdiction=default_jurisdiction(), year=2025, by=alice).table
    assert {row["grade_label"] for row in table.rows} <= {"优秀", "良好", "一般", "较差"}
    assert '<html lang="zh-CN"' in table.html


def test_a_year_with_a_scorecard_publishes_the_composite_with_each_sections_score(client, year_2025, alice):
    from assessment.importing import import_results, import_scorecard, read_results_upload, read_scorecard_upload

    sheet = "编码,名称,上级编码,分值,计分方式,适用类别,牵头单位,基础分\n1,效能建设,,100,,,,\n1.1,效能亮榜,1,100,效能亮榜,,,90\n" \
            "2,党建工作,,20,,,,\n2.1,党建考核,2,20,直接引用,,,\n"
    import_scorecard(read_scorecard_upload(name="card.csv", content=sheet.encode()), jurisdiction=default_jurisdiction(),
                     year=2025)
    import_results(read_results_upload(name="r.csv", content="指标编码,被考核单位,得分\n2.1,T01,12\n2.1,T02,19.5\n".encode()),
                   jurisdiction=default_jurisdiction(), year=2025)
    _publish_months(year_2025, alice)
    year_rollup(jurisdiction=default_jurisdiction(), year=2025)
    services.year_publish(jurisdiction=default_jurisdiction(), year=2025, by=alice)

    body = client.get("/years/2025/").content.decode()
    assert "2025年度综合考核得分与等次" in body and "党建工作" in body
    # 古柏街道: 90 − 0.5 + 19.5 = 109.00 before 淳溪街道: 90 + 1 + 12 = 103.00, whatever the board's ranks.
    assert body.index("古柏街道") < body.index("淳溪街道")
    assert "109.00" in body and "103.00" in body
    rows = list(csv.reader(io.StringIO(client.get("/years/2025/table.csv").content.decode("utf-8-sig"))))
    assert rows[0][-4:] == ["效能建设", "党建工作", "综合得分", "综合排名"]
    by_unit = {row[4]: row for row in rows[1:]}
    assert by_unit["古柏街道"][-4:] == ["89.50", "19.50", "109.00", "1"]
    data = client.get("/years/2025/table.json").json()
    assert data["rows"][0]["composite"]["total"] == "109.00"
    assert [s["name"] for s in data["rows"][0]["composite"]["sections"]] == ["效能建设", "党建工作"]


def test_a_year_without_a_scorecard_publishes_rows_without_a_composite(client, year_2025, alice):
    _publish_months(year_2025, alice)
    year_rollup(jurisdiction=default_jurisdiction(), year=2025)
    services.year_publish(jurisdiction=default_jurisdiction(), year=2025, by=alice)
    data = client.get("/years/2025/table.json").json()
    assert all("composite" not in row for row in data["rows"])
    assert "综合得分" not in client.get("/years/2025/table.csv").content.decode("utf-8-sig")
