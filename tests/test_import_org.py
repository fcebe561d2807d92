"""import_org: the organisation list from a spreadsheet, all or nothing."""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError

from departments.models import Category, Organisation
from tests.factories import JurisdictionFactory, OrganisationFactory, default_jurisdiction
from tests.import_helpers import ORG_HEADERS, run, write_csv, write_xlsx

ROWS = [
    ["T10", "漆桥街道", "街道", "被考核单位"],
    ["D10", "区发改委", "区级机关部门", "职能管理部门"],
    ["B10", "区交通运输局", "区级机关部门", "两者"],
]


def counts() -> tuple[int, int, int]:
    return Organisation.objects.count(), Category.objects.count(), Organisation.history.count()


def test_a_good_file_creates_each_organisation_with_its_role_and_category(db, tmp_path):
    path = write_xlsx(tmp_path / "orgs.xlsx", ORG_HEADERS, ROWS)

    out = run("import_org", path)

    assert "新增 3，更新 0，未变 0" in out
    orgs = {o.code: o for o in Organisation.objects.filter(jurisdiction=default_jurisdiction())}
    assert (orgs["T10"].is_department, orgs["T10"].is_unit) == (False, True)
    assert (orgs["D10"].is_department, orgs["D10"].is_unit) == (True, False)
    assert (orgs["B10"].is_department, orgs["B10"].is_unit) == (True, True)
    assert orgs["T10"].category.name == "街道"
    assert orgs["D10"].category == orgs["B10"].category  # one 区级机关部门, not two
    assert orgs["T10"].category.jurisdiction == default_jurisdiction()


def test_reimporting_the_same_file_changes_nothing(db, tmp_path):
    path = write_xlsx(tmp_path / "orgs.xlsx", ORG_HEADERS, ROWS)
    run("import_org", path)
    before = counts()

    out = run("import_org", path)

    assert "新增 0，更新 0，未变 3" in out
    assert counts() == before  # not even a history entry


def test_a_changed_row_updates_the_organisation_in_place(db, tmp_path):
    run("import_org", write_xlsx(tmp_path / "v1.xlsx", ORG_HEADERS, ROWS))
    changed = [ROWS[0], ["D10", "区发展和改革委员会", "区级机关部门", "两者"], ROWS[2]]

    out = run("import_org", write_xlsx(tmp_path / "v2.xlsx", ORG_HEADERS, changed))

    assert "新增 0，更新 1，未变 2" in out
    d10 = Organisation.objects.get(code="D10")
    assert (d10.name, d10.is_department, d10.is_unit) == ("区发展和改革委员会", True, True)
    assert Organisation.objects.filter(code="D10").count() == 1


def test_an_existing_organisation_is_matched_by_its_code(db, tmp_path):
    OrganisationFactory(code="T10", name="旧名称")

    out = run("import_org", write_xlsx(tmp_path / "orgs.xlsx", ORG_HEADERS, ROWS))

    assert "新增 2，更新 1" in out
    assert Organisation.objects.get(code="T10").name == "漆桥街道"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_a_csv_file_in_utf8_with_or_without_bom_or_gbk_is_read(db, tmp_path, encoding):
    path = write_csv(tmp_path / "orgs.csv", ORG_HEADERS, ROWS, encoding=encoding)

    out = run("import_org", path)

    assert "新增 3" in out
    assert Organisation.objects.get(code="B10").name == "区交通运输局"


def test_numeric_codes_from_excel_are_read_as_written(db, tmp_path):
    path = write_xlsx(tmp_path / "orgs.xlsx", ORG_HEADERS, [[1001, "东坝街道", "街道", "被考核单位"]])

    run("import_org", path)

    assert Organisation.objects.filter(code="1001").exists()


def test_an_empty_category_leaves_the_organisation_without_one(db, tmp_path):
    run("import_org", write_xlsx(tmp_path / "orgs.xlsx", ORG_HEADERS, [["Q01", "区城投集团", "", "被考核单位"]]))

    assert Organisation.objects.get(code="Q01").category is None


BAD_ROWS = [
    (
        "an unknown role",
        [ROWS[0], ["D10", "区发改委", "区级机关部门", "部门"]],
        "第 3 行「角色」：“部门”不是有效的角色",
    ),
    ("an empty code", [["", "漆桥街道", "街道", "被考核单位"]], "第 2 行「编码」：不能为空"),
    ("an empty name", [ROWS[0], ROWS[1], ["B10", "", "区级机关部门", "两者"]], "第 4 行「名称」：不能为空"),
    ("an empty role", [["T10", "漆桥街道", "街道", ""]], "第 2 行「角色」：不能为空"),
    ("a code twice in the file", [ROWS[0], ROWS[1], ["T10", "另一个街道", "街道", "被考核单位"]],
     "第 4 行「编码」：编码“T10”与第 2 行重复"),
    ("a code longer than the field", [["X" * 40, "漆桥街道", "街道", "被考核单位"]], "第 2 行「编码」："),
]


@pytest.mark.parametrize("rows, message", [case[1:] for case in BAD_ROWS], ids=[case[0] for case in BAD_ROWS])
def test_a_bad_row_imports_nothing_and_names_its_row_and_column(db, tmp_path, rows, message):
    before = counts()

    with pytest.raises(CommandError) as error:
        run("import_org", write_xlsx(tmp_path / "orgs.xlsx", ORG_HEADERS, rows))

    assert message in str(error.value)
    assert "没有写入任何数据" in str(error.value)
    assert counts() == before  # not even the new categories


def test_every_bad_row_is_listed_at_once(db, tmp_path):
    rows = [["", "漆桥街道", "街道", "被考核单位"], ROWS[1], ["B10", "区交通运输局", "区级机关部门", "都是"]]

    with pytest.raises(CommandError) as error:
        run("import_org", write_xlsx(tmp_path / "orgs.xlsx", ORG_HEADERS, rows))

    assert "第 2 行「编码」" in str(error.value)
    assert "第 4 行「角色」" in str(error.value)
    assert Organisation.objects.count() == 0


def test_empty_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers(db, tmp_path):
    rows = [ROWS[0], ["", "", "", ""], ["D10", "区发改委", "区级机关部门", "部门"]]

    with pytest.raises(CommandError) as error:
        run("import_org", write_xlsx(tmp_path / "orgs.xlsx", ORG_HEADERS, rows))

    assert "第 4 行「角色」" in str(error.value)


def test_dry_run_reports_but_writes_nothing(db, tmp_path):
    out = run("import_org", write_xlsx(tmp_path / "orgs.xlsx", ORG_HEADERS, ROWS), "--dry-run")

    assert "试运行" in out and "新增 3" in out
    assert counts() == (0, 0, 0)


def test_dry_run_still_reports_bad_rows(db, tmp_path):
    rows = [["T10", "漆桥街道", "街道", "两个"]]

    with pytest.raises(CommandError, match="第 2 行「角色」"):
        run("import_org", write_xlsx(tmp_path / "orgs.xlsx", ORG_HEADERS, rows), "--dry-run")


# The file itself --------------------------------------------------------------------


def test_a_missing_header_is_named(db, tmp_path):
    path = write_xlsx(tmp_path / "orgs.xlsx", ["编码", "名称", "角色"], [["T10", "漆桥街道", "被考核单位"]])

    with pytest.raises(CommandError) as error:
        run("import_org", path)

    assert "第 1 行「类别」：缺少这一列" in str(error.value)
    assert Organisation.objects.count() == 0


def test_an_unknown_column_is_ignored_and_named_in_a_note(db, tmp_path):
    path = write_xlsx(tmp_path / "orgs.xlsx", ORG_HEADERS + ["备注"], [ROWS[0] + ["新设"]])

    out = run("import_org", path)

    assert "注意：以下列不在导入格式中，没有导入：备注（E 列）" in out
    assert "新增 1" in out


def test_a_header_twice_is_named(db, tmp_path):
    path = write_xlsx(tmp_path / "orgs.xlsx", ORG_HEADERS + ["名称"], [ROWS[0] + ["x"]])

    with pytest.raises(CommandError, match="第 1 行「名称」：这一列出现了 2 次"):
        run("import_org", path)


def test_a_csv_file_renamed_xlsx_is_refused_with_the_fix(db, tmp_path):
    path = tmp_path / "orgs.xlsx"
    path.write_text("编码,名称,类别,角色\nT10,漆桥街道,街道,被考核单位\n", encoding="utf-8")

    with pytest.raises(CommandError, match="这个文件是文本（CSV），不是 Excel 工作簿；请把文件扩展名改为 .csv"):
        run("import_org", path)


def test_a_zip_that_is_not_a_workbook_is_refused(db, tmp_path):
    import zipfile

    path = tmp_path / "orgs.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")

    with pytest.raises(CommandError, match="无法读取这个 .xlsx 文件"):
        run("import_org", path)


def test_an_empty_file_is_refused(db, tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_bytes(b"")

    with pytest.raises(CommandError, match="文件是空的"):
        run("import_org", path)


def test_a_file_with_only_the_header_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="只有表头，没有数据"):
        run("import_org", write_xlsx(tmp_path / "orgs.xlsx", ORG_HEADERS, []))


def test_another_extension_is_refused(db, tmp_path):
    path = tmp_path / "orgs.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")

    with pytest.raises(CommandError, match="只能导入 .xlsx 或 .csv 文件.*另存为 .xlsx"):
        run("import_org", path)


def test_a_missing_file_is_named(db, tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        run("import_org", tmp_path / "nowhere.xlsx")


def test_a_file_over_the_size_limit_is_refused(db, tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 100
    path = write_csv(tmp_path / "orgs.csv", ORG_HEADERS, ROWS * 5)

    with pytest.raises(CommandError, match="文件太大"):
        run("import_org", path)


# Jurisdictions ----------------------------------------------------------------------


def test_with_several_jurisdictions_the_command_asks_which(db, tmp_path):
    JurisdictionFactory(code="lishui", name="溧水区")

    with pytest.raises(CommandError, match="--jurisdiction"):
        run("import_org", write_xlsx(tmp_path / "orgs.xlsx", ORG_HEADERS, ROWS))


def test_the_same_code_lives_separately_in_each_jurisdiction(db, tmp_path):
    lishui = JurisdictionFactory(code="lishui", name="溧水区")
    OrganisationFactory(code="T10", name="漆桥街道")  # in the default jurisdiction
    path = write_xlsx(tmp_path / "orgs.xlsx", ORG_HEADERS, ROWS)

    out = run("import_org", path, "--jurisdiction", "lishui")

    assert "新增 3" in out
    assert Organisation.objects.filter(jurisdiction=lishui).count() == 3
    assert Category.objects.filter(jurisdiction=lishui).count() == 2
    assert Organisation.objects.get(code="T10", jurisdiction=default_jurisdiction()).name == "漆桥街道"


def test_an_unknown_jurisdiction_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="没有编码为“nowhere”的辖区"):
        run("import_org", write_xlsx(tmp_path / "orgs.xlsx", ORG_HEADERS, ROWS), "--jurisdiction", "nowhere")
