"""The ratings list exports to Excel (django-import-export) in the workbook's column names,
and a rater exports only what she may see."""

import io

from django.urls import reverse
from openpyxl import load_workbook

from ratings import services


def export(client, user):
    client.force_login(user)
    url = reverse("admin:ratings_rating_export")
    form = client.get(url).context["form"]
    data = {"format": "0", "resource": "0"}
    data.update({name: "on" for name in form.fields if name.startswith("ratingexportresource_")})
    response = client.post(url, data)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    return rows[0], rows[1:]


def test_the_office_exports_every_rating_with_chinese_headers_and_inert_formulas(client, alice, bob, dept_a, dept_b, town, january):
    services.rating_record(period=january, department=dept_a, unit=town, kind="red_flag", reason="=HYPERLINK(\"x\")", by=bob)
    services.rating_record(period=january, department=dept_b, unit=town, kind="yellow_light", reason="推诿", by=None)
    headers, rows = export(client, alice)
    assert {"月份", "职能管理部门", "被考核单位", "事由"} <= set(headers), headers
    assert len(rows) == 2
    reasons = [row[headers.index("事由")] for row in rows]
    assert not any(str(reason).startswith("=") for reason in reasons)


def test_a_rater_exports_only_her_own_departments_ratings(client, bob, dept_a, dept_b, town, january):
    services.rating_record(period=january, department=dept_a, unit=town, kind="red_flag", reason="主动作为", by=bob)
    services.rating_record(period=january, department=dept_b, unit=town, kind="yellow_light", reason="B 的草稿", by=None)
    headers, rows = export(client, bob)
    assert [row[headers.index("职能管理部门")] for row in rows] == ["区住建局"]
