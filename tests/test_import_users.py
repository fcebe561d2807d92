"""import_users: the office creates its jurisdiction's accounts from a spreadsheet, all or nothing.

Personas: alice works in the efficiency office; the organisations are 区住建局 (ZJJ, a
department), 淳溪街道 (T01, a rated unit) and 区交通运输局 (B10, both)."""

from __future__ import annotations

import csv
import os
import stat
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management.base import CommandError

from departments import roles
from departments.models import Profile
from departments.users_import import PASSWORD_ALPHABET
from tests.factories import DepartmentFactory, JurisdictionFactory, OrganisationFactory, make_user
from tests.import_helpers import run, write_csv, write_xlsx

HEADERS = ["用户名", "姓名", "单位", "角色", "邮箱", "手机"]
ROWS = [
    ["wangfang", "王芳", "", "效能办", "wangfang@example.cn", "13800000001"],
    ["lijun", "李军", "ZJJ", "职能管理部门", "", "13800000002"],
    ["zhaomin", "赵敏", "淳溪街道", "被考核单位", "zhaomin@example.cn", ""],
    ["chenlei", "陈磊", "", "领导", "", ""],
]


@pytest.fixture
def orgs(db):
    return {
        "ZJJ": DepartmentFactory(code="ZJJ", name="区住建局"),
        "T01": OrganisationFactory(code="T01", name="淳溪街道"),
        "B10": OrganisationFactory(code="B10", name="区交通运输局", is_department=True, is_unit=True),
    }


def accounts() -> list[tuple]:
    return sorted(
        (u.username, u.first_name, u.email, u.is_staff, u.password,
         tuple(sorted(u.groups.values_list("name", flat=True))),
         u.profile.department_id, u.profile.unit_id, u.profile.phone)
        for u in User.objects.select_related("profile")
    )


def read_passwords(path) -> dict[str, tuple[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["用户名", "姓名", "初始密码"]
    return {username: (name, password) for username, name, password in rows[1:]}


def refused(tmp_path, rows, *args) -> str:
    with pytest.raises(CommandError) as error:
        run("import_users", write_xlsx(tmp_path / "users.xlsx", HEADERS, rows), *args)
    assert "没有写入任何数据" in str(error.value)
    return str(error.value)


def test_a_good_file_creates_each_account_with_its_role_organisation_and_admin_access(orgs, tmp_path):
    out_file = tmp_path / "passwords.csv"

    out = run("import_users", write_xlsx(tmp_path / "users.xlsx", HEADERS, ROWS), "--passwords", out_file)

    assert "新建 4，更新 0，未变化 0" in out
    users = {u.username: u for u in User.objects.select_related("profile")}
    assert [g.name for g in users["wangfang"].groups.all()] == [roles.OFFICE]
    assert [g.name for g in users["lijun"].groups.all()] == [roles.RATER]
    assert [g.name for g in users["zhaomin"].groups.all()] == [roles.UNIT_STAFF]
    assert [g.name for g in users["chenlei"].groups.all()] == [roles.LEADER]
    assert users["lijun"].profile.department == orgs["ZJJ"] and users["lijun"].profile.unit is None
    assert users["zhaomin"].profile.unit == orgs["T01"] and users["zhaomin"].profile.department is None
    assert users["wangfang"].profile.department is None and users["wangfang"].profile.unit is None
    # Unit staff work on their desk only; every other role works in the admin.
    assert {name: u.is_staff for name, u in users.items()} == {
        "wangfang": True, "lijun": True, "zhaomin": False, "chenlei": True,
    }
    assert (users["wangfang"].first_name, users["wangfang"].email, users["wangfang"].profile.phone) == (
        "王芳", "wangfang@example.cn", "13800000001")
    assert not any(u.is_superuser for u in users.values())
    assert all(u.profile.jurisdiction.code == "default" for u in users.values())


def test_each_new_account_can_log_in_with_the_password_written_to_the_file(orgs, tmp_path, client):
    out_file = tmp_path / "passwords.csv"

    out = run("import_users", write_xlsx(tmp_path / "users.xlsx", HEADERS, ROWS), "--passwords", out_file)

    passwords = read_passwords(out_file)
    assert set(passwords) == {"wangfang", "lijun", "zhaomin", "chenlei"}
    assert passwords["zhaomin"][0] == "赵敏"
    for username, (_name, password) in passwords.items():
        assert len(password) >= 12 and set(password) <= set(PASSWORD_ALPHABET)
        assert not set(password) & set("0O1lI")
        assert User.objects.get(username=username).check_password(password)
        assert client.login(username=username, password=password)
    assert len({password for _name, password in passwords.values()}) == 4
    assert open(out_file, "rb").read().startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    assert stat.S_IMODE(os.stat(out_file).st_mode) == 0o600
    # The passwords are in the file, nowhere else.
    assert not any(password in out for _name, password in passwords.values())


def test_without_a_password_file_the_initial_passwords_are_printed_once(orgs, tmp_path):
    out = run("import_users", write_csv(tmp_path / "users.csv", HEADERS, ROWS[:2]))

    assert "初始密码" in out and "新建 2" in out
    line = next(line for line in out.splitlines() if line.startswith("lijun"))
    password = line.split()[-1]
    assert User.objects.get(username="lijun").check_password(password)


def test_an_existing_password_file_is_refused_before_anything_is_written(orgs, tmp_path):
    out_file = tmp_path / "passwords.csv"
    out_file.write_text("别人的文件")

    with pytest.raises(CommandError) as error:
        run("import_users", write_xlsx(tmp_path / "users.xlsx", HEADERS, ROWS), "--passwords", out_file)

    assert "已存在" in str(error.value)
    assert out_file.read_text() == "别人的文件"
    assert not User.objects.exists()


def test_reimporting_the_same_file_changes_nothing_and_keeps_the_passwords(orgs, tmp_path):
    path = write_xlsx(tmp_path / "users.xlsx", HEADERS, ROWS)
    run("import_users", path, "--passwords", tmp_path / "first.csv")
    before = accounts()

    out = run("import_users", path, "--passwords", tmp_path / "second.csv")

    assert "新建 0，更新 0，未变化 4" in out
    assert accounts() == before
    assert not (tmp_path / "second.csv").exists()  # no new account, no password


def test_a_changed_row_updates_the_account_but_never_its_password(orgs, tmp_path):
    run("import_users", write_xlsx(tmp_path / "v1.xlsx", HEADERS, ROWS), "--passwords", tmp_path / "p.csv")
    password = User.objects.get(username="zhaomin").password
    changed = [*ROWS[:2], ["zhaomin", "赵敏敏", "B10", "被考核单位、职能管理部门", "zm@example.cn", "13900000003"],
               ROWS[3]]

    out = run("import_users", write_xlsx(tmp_path / "v2.xlsx", HEADERS, changed))

    assert "新建 0，更新 1，未变化 3" in out
    user = User.objects.select_related("profile").get(username="zhaomin")
    assert (user.first_name, user.email, user.profile.phone) == ("赵敏敏", "zm@example.cn", "13900000003")
    assert sorted(user.groups.values_list("name", flat=True)) == sorted([roles.RATER, roles.UNIT_STAFF])
    assert user.is_staff  # a rater now: the admin is theirs
    assert user.password == password


def test_a_unit_and_rater_account_on_an_organisation_that_is_both_has_it_as_department_and_unit(orgs, tmp_path):
    rows = [["sunli", "孙丽", "区交通运输局", "职能管理部门，被考核单位", "", ""]]

    run("import_users", write_xlsx(tmp_path / "users.xlsx", HEADERS, rows), "--passwords", tmp_path / "p.csv")

    user = User.objects.select_related("profile").get(username="sunli")
    assert user.profile.department == orgs["B10"] and user.profile.unit == orgs["B10"]
    assert sorted(user.groups.values_list("name", flat=True)) == sorted([roles.RATER, roles.UNIT_STAFF])
    assert user.is_staff


def test_an_organisation_written_in_full_width_is_the_organisation(orgs, tmp_path):
    rows = [["lijun", "李军", "ＺＪＪ", "职能管理部门", "", ""]]

    run("import_users", write_xlsx(tmp_path / "users.xlsx", HEADERS, rows), "--passwords", tmp_path / "p.csv")

    assert Profile.objects.get(user__username="lijun").department == orgs["ZJJ"]


def test_dry_run_checks_everything_and_writes_nothing(orgs, tmp_path):
    out = run("import_users", write_xlsx(tmp_path / "users.xlsx", HEADERS, ROWS), "--dry-run",
              "--passwords", tmp_path / "p.csv")

    assert "试运行" in out and "新建 4" in out
    assert not User.objects.exists() and not (tmp_path / "p.csv").exists()


BAD_ROWS = [
    ("an unknown organisation", ["lijun", "李军", "区水务局", "职能管理部门", "", ""],
     "第 3 行「单位」：本辖区没有编码或名称为“区水务局”的单位"),
    ("a rater on an organisation that is not a department", ["lijun", "李军", "T01", "职能管理部门", "", ""],
     "第 3 行「单位」：“淳溪街道”不是职能管理部门"),
    ("unit staff on a department", ["lijun", "李军", "ZJJ", "被考核单位", "", ""],
     "第 3 行「单位」：“区住建局”不是被考核单位"),
    ("a rater without an organisation", ["lijun", "李军", "", "职能管理部门", "", ""],
     "第 3 行「单位」：角色为职能管理部门的账号必须填写所属单位"),
    ("an organisation for a leader", ["lijun", "李军", "ZJJ", "领导", "", ""],
     "第 3 行「单位」：领导账号不属于任何单位，请把这一格留空"),
    ("a bad e-mail", ["lijun", "李军", "ZJJ", "职能管理部门", "lijun@", ""],
     "第 3 行「邮箱」：“lijun@”不是有效的邮箱地址"),
    ("a bad phone", ["lijun", "李军", "ZJJ", "职能管理部门", "", "2380000000"],
     "第 3 行「手机」：“2380000000”不是有效的手机号码"),
    ("an unknown role", ["lijun", "李军", "ZJJ", "部门管理员", "", ""],
     "第 3 行「角色」：“部门管理员”不是有效的角色"),
    ("a username with a space", ["li jun", "李军", "ZJJ", "职能管理部门", "", ""],
     "第 3 行「用户名」：“li jun”不是有效的用户名"),
    ("a username twice in the file", ["wangfang", "王芳二", "", "领导", "", ""],
     "第 3 行「用户名」：用户名“wangfang”与第 2 行重复"),
    ("a code with an invisible character", ["lijun", "李军", "ZJ\u00adJ", "职能管理部门", "", ""],
     "第 3 行「单位」：含有不可见字符 U+00AD（SOFT HYPHEN）"),
    ("a name with a radical that only looks like a character", ["lijun", "李\u2ed8", "ZJJ", "职能管理部门", "", ""],
     "第 3 行「姓名」：含有部首字符 U+2ED8"),
    ("a name that reads as a formula", ["lijun", "@李军", "ZJJ", "职能管理部门", "", ""],
     "第 3 行「姓名」：不能以“@”开头"),
    ("a formula", ["lijun", "=HYPERLINK(1)", "ZJJ", "职能管理部门", "", ""], "第 3 行「姓名」：是公式"),
    ("an empty name", ["lijun", "", "ZJJ", "职能管理部门", "", ""], "第 3 行「姓名」：不能为空"),
]


@pytest.mark.parametrize("row, message", [case[1:] for case in BAD_ROWS], ids=[case[0] for case in BAD_ROWS])
def test_one_bad_row_imports_nothing_and_names_its_row_and_column(orgs, tmp_path, row, message):
    out_file = tmp_path / "p.csv"

    error = refused(tmp_path, [ROWS[0], row], "--passwords", out_file)

    assert message in error
    assert not User.objects.exists() and not Profile.objects.exists()
    assert not out_file.exists()


def test_every_problem_is_listed_at_once(orgs, tmp_path):
    rows = [["lijun", "李军", "区水务局", "职能管理部门", "bad", ""], ROWS[0], ["x y", "某", "", "领导", "", "1"]]

    error = refused(tmp_path, rows)

    for where in ("第 2 行「单位」", "第 2 行「邮箱」", "第 4 行「用户名」", "第 4 行「手机」"):
        assert where in error
    assert not User.objects.exists()


def test_a_superuser_is_never_touched(orgs, tmp_path):
    make_user("root", superuser=True)

    error = refused(tmp_path, [["root", "管理员", "", "效能办", "", ""]])

    assert "第 2 行「用户名」：“root”是超级管理员账号" in error
    assert User.objects.get(username="root").groups.count() == 0


def test_an_account_of_another_jurisdiction_is_never_touched(orgs, tmp_path):
    other = JurisdictionFactory(code="lishui", name="溧水区")
    make_user("lijun", roles.LEADER, jurisdiction=other)

    error = refused(tmp_path, [["lijun", "李军", "ZJJ", "职能管理部门", "", ""]], "--jurisdiction", "default")

    assert "第 2 行「用户名」：用户名“lijun”已被其他辖区" in error
    assert Profile.objects.get(user__username="lijun").jurisdiction == other


def test_a_password_column_is_refused(orgs, tmp_path):
    with pytest.raises(CommandError) as error:
        run("import_users", write_xlsx(tmp_path / "u.xlsx", [*HEADERS, "密码"], [[*ROWS[0], "secret-123"]]))

    assert "「密码」：导入不接收密码" in str(error.value)
    assert not User.objects.exists()


def test_the_sample_file_imports_onto_the_sample_organisations(db, tmp_path):
    samples = Path(__file__).resolve().parent.parent / "docs" / "samples"
    run("import_org", samples / "organisations.csv")

    out = run("import_users", samples / "users.csv", "--passwords", tmp_path / "p.csv")

    assert "新建 7，更新 0，未变化 0" in out
    assert "注意" not in out  # nothing in the sample is ignored
    both = Profile.objects.get(user__username="scj_wutao")
    assert both.department == both.unit and both.unit.code == "SCJGJ"
