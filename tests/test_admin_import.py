"""The admin's import: the office uploads, previews, then confirms; nobody else imports."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from departments.models import Organisation
from ratings import services
from ratings.models import Criterion, Period, Rating
from tests.import_helpers import ORG_HEADERS, RATING_HEADERS, RULEBOOK_HEADERS, write_csv, write_xlsx

XLSX, CSV = "0", "1"  # the admin's format choices, in that order

ORG_ROWS = [
    ["T10", "漆桥街道", "街道", "被考核单位"],
    ["D10", "区发改委", "区级机关部门", "职能管理部门"],
]
RATING_ROWS = [
    ["2026-03", "ZJJ", "T01", "红旗", "H01", "老旧小区改造提前完成", ""],
    ["2026-03", "区住建局", "古柏街道", "黄灯", "Y01", "征收工作推进迟缓", "否"],
]


def preview(client, url: str, path: Path, file_format: str = XLSX):
    with open(path, "rb") as handle:
        return client.post(url, {"import_file": handle, "format": file_format, "resource": "0"})


def confirm(client, model: str, response):
    """Post the confirmation form the preview page showed."""
    form = response.context["confirm_form"]
    return client.post(reverse(f"admin:{model}_process_import"), form.initial)


def test_the_office_previews_then_confirms_an_organisation_import(client, alice, tmp_path):
    client.force_login(alice)
    url = reverse("admin:departments_organisation_import")

    shown = preview(client, url, write_xlsx(tmp_path / "orgs.xlsx", ORG_HEADERS, ORG_ROWS))

    assert shown.status_code == 200
    assert shown.context["confirm_form"] is not None
    assert "漆桥街道" in shown.content.decode()
    assert not Organisation.objects.exists()  # a preview writes nothing

    done = confirm(client, "departments_organisation", shown)

    assert done.status_code == 302
    assert set(Organisation.objects.values_list("code", flat=True)) == {"T10", "D10"}
    assert Organisation.objects.get(code="D10").is_department
    assert Organisation.history.filter(history_user=alice).count() == 2  # the audit says who
    messages = [str(m) for m in done.wsgi_request._messages]
    assert "导入完成：新增 2，更新 0，未变 0" in messages


def test_the_office_imports_ratings_which_await_review(client, alice, dept_a, town, town2, flag_criterion,
                                                       yellow_criterion, tmp_path):
    client.force_login(alice)
    url = reverse("admin:ratings_rating_import")

    shown = preview(client, url, write_xlsx(tmp_path / "march.xlsx", RATING_HEADERS, RATING_ROWS))
    assert shown.context["confirm_form"] is not None
    assert not Rating.objects.exists() and not Period.objects.exists()
    confirm(client, "ratings_rating", shown)

    ratings = Rating.objects.order_by("pk")
    assert [(r.unit, r.status, r.created_by) for r in ratings] == [
        (town, Rating.Status.SUBMITTED, alice), (town2, Rating.Status.SUBMITTED, alice),
    ]


def test_a_gbk_csv_imports_through_the_admin(client, alice, tmp_path):
    client.force_login(alice)
    url = reverse("admin:departments_organisation_import")

    shown = preview(client, url, write_csv(tmp_path / "orgs.csv", ORG_HEADERS, ORG_ROWS, encoding="gbk"), CSV)
    confirm(client, "departments_organisation", shown)

    assert Organisation.objects.get(code="T10").name == "漆桥街道"


def test_a_bad_file_shows_the_row_and_the_chinese_column_and_cannot_be_confirmed(client, alice, dept_a, town,
                                                                                 flag_criterion, tmp_path):
    client.force_login(alice)
    rows = [RATING_ROWS[0], ["2026-03", "ZJJ", "T09", "红旗", "H01", "主动认领疑难工单", ""]]

    shown = preview(client, reverse("admin:ratings_rating_import"),
                    write_xlsx(tmp_path / "march.xlsx", RATING_HEADERS, rows))

    assert shown.context.get("confirm_form") is None
    invalid = shown.context["result"].invalid_rows
    assert [(row.number, row.field_specific_errors) for row in invalid] == [
        (3, {"被考核单位": ["本辖区没有编码或名称为“T09”的被考核单位"]}),
    ]
    page = shown.content.decode()
    assert "被考核单位" in page and "T09" in page
    assert not Rating.objects.exists() and not Period.objects.exists()


def test_a_missing_header_is_shown_in_the_admin(client, alice, tmp_path):
    client.force_login(alice)
    path = write_xlsx(tmp_path / "orgs.xlsx", ["编码", "名称", "角色"], [["T10", "漆桥街道", "被考核单位"]])

    shown = preview(client, reverse("admin:departments_organisation_import"), path)

    assert shown.context.get("confirm_form") is None
    assert "第 1 行「类别」：缺少这一列" in str(shown.context["form"].errors["import_file"])


def test_an_empty_file_is_a_form_error(client, alice, tmp_path):
    client.force_login(alice)
    path = write_csv(tmp_path / "orgs.csv", ORG_HEADERS, [])

    shown = preview(client, reverse("admin:departments_organisation_import"), path, CSV)

    assert "只有表头，没有数据" in str(shown.context["form"].errors["import_file"])


def test_an_unreadable_file_is_a_form_error(client, alice, tmp_path):
    client.force_login(alice)
    path = tmp_path / "orgs.xlsx"
    path.write_bytes(b"\x00\x01not a workbook\xff")

    shown = preview(client, reverse("admin:departments_organisation_import"), path)

    assert "无法读取这个 .xlsx 文件" in str(shown.context["form"].errors["import_file"])


def test_only_xlsx_and_csv_files_within_the_size_limit_are_accepted(client, alice, tmp_path, settings):
    client.force_login(alice)
    url = reverse("admin:departments_organisation_import")
    old_excel = tmp_path / "orgs.xls"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0")

    shown = preview(client, url, old_excel)
    assert "只能导入 .xlsx 或 .csv 文件" in str(shown.context["form"].errors["import_file"])

    settings.IMPORT_MAX_BYTES = 10
    shown = preview(client, url, write_csv(tmp_path / "orgs.csv", ORG_HEADERS, ORG_ROWS), CSV)
    assert "文件太大" in str(shown.context["form"].errors["import_file"])


def test_a_file_is_read_as_its_extension_says_whatever_format_was_chosen(client, alice, tmp_path):
    client.force_login(alice)

    shown = preview(client, reverse("admin:departments_organisation_import"),
                    write_csv(tmp_path / "orgs.csv", ORG_HEADERS, ORG_ROWS), XLSX)
    confirm(client, "departments_organisation", shown)

    assert Organisation.objects.count() == 2


def test_a_month_closed_between_preview_and_confirmation_writes_nothing(client, alice, dept_a, town, town2,
                                                                        flag_criterion, yellow_criterion, tmp_path):
    client.force_login(alice)
    shown = preview(client, reverse("admin:ratings_rating_import"),
                    write_xlsx(tmp_path / "march.xlsx", RATING_HEADERS, RATING_ROWS))
    services.period_close(period=services.period_get_or_open(jurisdiction=town.jurisdiction, year=2026, month=3),
                          by=alice)

    done = confirm(client, "ratings_rating", shown)

    assert done.status_code == 302 and done.url.endswith("/import/")
    messages = " ".join(str(m) for m in done.wsgi_request._messages)
    assert "第 2 行「月份」：2026-03 已关账" in messages
    assert not Rating.objects.exists()


def test_criteria_go_into_the_year_of_the_year_column_or_else_the_current_year(client, alice, tmp_path):
    client.force_login(alice)
    rows = [["H01", "主动担当作为", "红旗", "2027"], ["Y01", "推诿扯皮", "黄灯", ""]]
    path = write_xlsx(tmp_path / "rules.xlsx", RULEBOOK_HEADERS + ["年度"], rows)

    shown = preview(client, reverse("admin:ratings_criterion_import"), path)
    confirm(client, "ratings_criterion", shown)

    assert set(Criterion.objects.values_list("code", "rulebook__year")) == {
        ("H01", 2027), ("Y01", services.today().year),
    }


@pytest.mark.parametrize("model", ["ratings_rating", "ratings_criterion", "departments_organisation"])
def test_a_rater_and_a_leader_are_refused_the_import_page(client, bob, leo, model):
    for user in (bob, leo):
        client.force_login(user)
        assert client.get(reverse(f"admin:{model}_import")).status_code == 403
        assert client.post(reverse(f"admin:{model}_process_import"), {}).status_code == 403


def test_only_the_office_sees_the_import_button(client, alice, bob):
    url = reverse("admin:ratings_rating_changelist")
    import_url = reverse("admin:ratings_rating_import")

    client.force_login(alice)
    assert import_url in client.get(url).content.decode()
    client.force_login(bob)
    page = client.get(url)
    assert page.status_code == 200 and import_url not in page.content.decode()


def test_a_stored_file_that_no_longer_reads_at_confirmation_writes_nothing(client, alice, tmp_path, settings):
    client.force_login(alice)
    shown = preview(client, reverse("admin:departments_organisation_import"),
                    write_csv(tmp_path / "orgs.csv", ORG_HEADERS, ORG_ROWS), CSV)
    settings.IMPORT_MAX_ROWS = 1  # lowered between the preview and the confirmation

    done = confirm(client, "departments_organisation", shown)

    assert done.status_code == 302 and done.url.endswith("/import/")
    messages = " ".join(str(m) for m in done.wsgi_request._messages)
    assert "导入失败，没有写入任何数据：第 3 行：一个文件最多导入 1 行数据" in messages
    assert not Organisation.objects.exists()
