"""One organisation, one name: a code, name or category that reads like another is
the other, at every door (issue 17).

A name copied from a PDF (⽩鹭街道, with a Kangxi radical), typed in full-width
(Ｔ０５) or holding an invisible character (a soft hyphen, a bidi mark) never makes a
second organisation that reads exactly like a real one:

- what normalises (lib.identifiers, NFKC) is the text it looks like: an organisation
  file matches the organisation, a rating file finds it;
- what holds an invisible or unshowable character is refused, naming the character by
  its code point and Unicode name, in its row and column, and nothing is written (the
  rows, their history, the admin log), through the command and the admin's preview;
- a new organisation may not take the name of an active one (import: the 名称 column
  says which code has it; admin: an error on the name field). A retired organisation's
  name may be taken again: after a merger (撤并) the new unit is a new unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils.html import escape

from departments.models import Category, Jurisdiction, Organisation
from ratings.models import Criterion, Period, Rating, RuleBook
from tests.admin_helpers import form_data
from tests.factories import CategoryFactory, CriterionFactory, DepartmentFactory, OrganisationFactory
from tests.import_helpers import ORG_HEADERS, RATING_HEADERS, RULEBOOK_HEADERS, csv_bytes, run, xlsx_bytes

KANGXI_WHITE = "\u2f69"  # ⽩ KANGXI RADICAL WHITE, what a PDF gives for 白
RATING_ROWS = [
    ["2026-03", "ZJJ", "T01", "红旗", "H01", "老旧小区改造提前完成", ""],
    ["2026-03", "区市场监管局", "古柏街道", "黄灯", "Y01", "食品安全专项整治推进迟缓", "否"],
]


def rating(**changes: Any) -> list[Any]:
    """A third rating for the file (row 4), with some columns changed, by header."""
    values = dict(zip(RATING_HEADERS, ["2026-03", "ZJJ", "T02", "红旗", "H01", "汛期值守到位，险情处置及时", ""]))
    values.update(changes)
    return [values[h] for h in RATING_HEADERS]


@pytest.fixture
def world(dept_a, dept_b, town, town2, flag_criterion, yellow_criterion, alice):
    """Two departments (ZJJ 区住建局, SCJ 区市场监管局), the towns T01 淳溪街道 and T02
    古柏街道, T05 白鹭街道, T06 青溪镇, D05 区12345热线办, a retired town T09 撤并的镇, the
    category 金融机构, and the 2026 rule book (H01, Y01)."""
    OrganisationFactory(code="T05", name="白鹭街道")
    OrganisationFactory(code="T06", name="青溪镇")
    DepartmentFactory(code="D05", name="区12345热线办")
    OrganisationFactory(code="T09", name="撤并的镇", is_active=False)
    CategoryFactory(name="金融机构")
    return alice


def snapshot() -> dict[str, Any]:
    """Everything an import or a form could touch, with the history and the admin log."""
    models = [Jurisdiction, Organisation, Category, Rating, Period, Criterion, RuleBook]
    state: dict[str, Any] = {m.__name__: list(m.objects.order_by("pk").values()) for m in models}
    for model in (Organisation, Rating, Period, Criterion, RuleBook):
        state[f"{model.__name__} history"] = model.history.count()
    state["admin log"] = LogEntry.objects.count()
    return state


# Bad files, through both doors -------------------------------------------------------


@dataclass(frozen=True)
class Bad:
    id: str
    kind: str  # "org", "rulebook" or "ratings"
    rows: list[list[Any]]
    message: str  # as the command prints it: 第 N 行「列」：…
    fmt: str = "xlsx"

    def content(self) -> bytes:
        headers = {"org": ORG_HEADERS, "rulebook": RULEBOOK_HEADERS, "ratings": RATING_HEADERS}[self.kind]
        rows = [*RATING_ROWS, *self.rows] if self.kind == "ratings" else self.rows
        return xlsx_bytes(headers, rows) if self.fmt == "xlsx" else csv_bytes(headers, rows)

    @property
    def shown(self) -> str:
        """What the preview shows in the row's column: the message after 「列」："""
        return self.message.split("：", 1)[1]


def org(code: str, name: str, category: str = "街道", role: str = "被考核单位") -> list[str]:
    return [code, name, category, role]


INVISIBLE = "含有不可见字符"
BAD = [
    # --- the lookalikes
    Bad("a Kangxi radical makes the name of an active unit", "org", [org("T11", f"{KANGXI_WHITE}鹭街道")],
        "第 2 行「名称」：“白鹭街道”已是编码为“T05”的单位的名称"),
    Bad("a soft hyphen in a name", "org", [org("T11", "青\u00ad溪镇", "镇")],
        f"第 2 行「名称」：{INVISIBLE} U+00AD（SOFT HYPHEN），请删去后再试"),
    Bad("a left-to-right mark after a name", "org", [org("T11", "青溪镇\u200e", "镇")],
        f"第 2 行「名称」：{INVISIBLE} U+200E（LEFT-TO-RIGHT MARK）"),
    Bad("a combining grapheme joiner in a name", "org", [org("T11", "青\u034f溪镇", "镇")],
        f"第 2 行「名称」：{INVISIBLE} U+034F（COMBINING GRAPHEME JOINER）"),
    Bad("a right-to-left override in a name", "org", [org("T11", "\u202e镇溪青", "镇")],
        f"第 2 行「名称」：{INVISIBLE} U+202E（RIGHT-TO-LEFT OVERRIDE）"),
    # --- more of the class
    Bad("a right-to-left mark in a code", "org", [org("T11\u200f", "漆桥街道")],
        f"第 2 行「编码」：{INVISIBLE} U+200F（RIGHT-TO-LEFT MARK）"),
    Bad("an isolate around a code", "org", [org("\u2066T11\u2069", "漆桥街道")],
        f"第 2 行「编码」：{INVISIBLE} U+2066（LEFT-TO-RIGHT ISOLATE）"),
    Bad("a variation selector in a category", "org", [org("T11", "漆桥街道", "街道\ufe0f")],
        f"第 2 行「类别」：{INVISIBLE} U+FE0F（VARIATION SELECTOR-16）"),
    Bad("a Hangul filler for a name", "org", [org("T11", "\u3164")], f"第 2 行「名称」：{INVISIBLE} U+3164（HANGUL FILLER）"),
    Bad("tag characters after a name", "org", [org("T11", "漆桥街道\U000e0063\U000e006e")],
        f"第 2 行「名称」：{INVISIBLE} U+E0063（TAG LATIN SMALL LETTER C）"),
    Bad("a Mongolian vowel separator in a name", "org", [org("T11", "漆桥\u180e街道")],
        f"第 2 行「名称」：{INVISIBLE} U+180E（MONGOLIAN VOWEL SEPARATOR）"),
    Bad("an Arabic letter mark in a name", "org", [org("T11", "漆桥\u061c街道")],
        f"第 2 行「名称」：{INVISIBLE} U+061C（ARABIC LETTER MARK）"),
    Bad("a private-use character in a name", "org", [org("T11", "漆\ue000桥街道")],
        "第 2 行「名称」：含有无法显示的字符 U+E000（私用区字符），请删去后再试"),
    Bad("a CJK radical NFKC leaves as it is", "org", [org("T11", "\u2ed8溪镇", "镇")],
        "第 2 行「名称」：含有部首字符 U+2ED8（CJK RADICAL BLUE）：它看起来像汉字，但不是"),
    Bad("a tab inside a name", "org", [org("T11", "漆桥\t街道")], "第 2 行「名称」：不能有换行或制表符，请写在一行内",
        fmt="csv"),
    Bad("full-width digits make the name of an active department", "org",
        [org("D11", "区１２３４５热线办", "区级机关部门", "职能管理部门")],
        "第 2 行「名称」：“区12345热线办”已是编码为“D05”的单位的名称"),
    Bad("a zero-width joiner the reader drops makes the name of an active unit", "org",
        [org("T11", "青\u200d溪镇", "镇")], "第 2 行「名称」：“青溪镇”已是编码为“T06”的单位的名称"),
    Bad("ideographic spaces around the name of an active unit", "org", [org("T11", "\u3000白鹭街道\u3000")],
        "第 2 行「名称」：“白鹭街道”已是编码为“T05”的单位的名称"),
    Bad("one name twice in the file, once as a lookalike", "org",
        [org("T11", "白鹭新村"), org("T12", f"{KANGXI_WHITE}鹭新村")], "第 3 行「名称」：名称“白鹭新村”与第 2 行重复"),
    Bad("one code twice in the file, once in full-width", "org", [org("T11", "漆桥街道"), org("Ｔ１１", "东坝街道")],
        "第 3 行「编码」：编码“T11”与第 2 行重复"),
    Bad("a full-width equals sign starts a formula", "org", [org("T11", "＝1+1")],
        "第 2 行「名称」：不能以“=”开头：电子表格会把它当作公式"),
    # --- the rule book's criterion codes
    Bad("a soft hyphen in a criterion code", "rulebook", [["H\u00ad03", "主动担当", "红旗"]],
        f"第 2 行「编码」：{INVISIBLE} U+00AD（SOFT HYPHEN）"),
    Bad("a right-to-left override in a criterion code", "rulebook", [["\u202eH03", "主动担当", "红旗"]],
        f"第 2 行「编码」：{INVISIBLE} U+202E（RIGHT-TO-LEFT OVERRIDE）"),
    Bad("one criterion code twice, once in full-width", "rulebook",
        [["H03", "主动担当", "红旗"], ["Ｈ０３", "攻坚克难", "红旗"]], "第 3 行「编码」：编码“H03”与第 2 行重复"),
    # --- references in a rating file: refused by name, never "not found"
    Bad("a right-to-left override in a unit", "ratings", [rating(被考核单位="\u202e古柏街道")],
        f"第 4 行「被考核单位」：{INVISIBLE} U+202E（RIGHT-TO-LEFT OVERRIDE）"),
    Bad("a soft hyphen in a department", "ratings", [rating(职能管理部门="区住\u00ad建局")],
        f"第 4 行「职能管理部门」：{INVISIBLE} U+00AD（SOFT HYPHEN）"),
    Bad("a left-to-right mark after a criterion", "ratings", [rating(认定条目="H01\u200e")],
        f"第 4 行「认定条目」：{INVISIBLE} U+200E（LEFT-TO-RIGHT MARK）"),
    Bad("a private-use character in a unit", "ratings", [rating(被考核单位="古柏\ue000街道")],
        "第 4 行「被考核单位」：含有无法显示的字符 U+E000（私用区字符）"),
]
COMMAND = {"org": ["import_org"], "rulebook": ["import_rulebook", "2026"], "ratings": ["import_ratings"]}
ADMIN = {
    "org": "admin:departments_organisation_import",
    "rulebook": "admin:ratings_criterion_import",
    "ratings": "admin:ratings_rating_import",
}


@pytest.mark.parametrize("case", BAD, ids=[case.id for case in BAD])
def test_the_command_refuses_a_lookalike_or_invisible_identifier_by_row_and_column_and_writes_nothing(
    world, case, tmp_path
):
    path = tmp_path / f"file.{case.fmt}"
    path.write_bytes(case.content())
    before = snapshot()

    with pytest.raises(CommandError) as refused:
        run(*COMMAND[case.kind], path)

    assert str(refused.value).startswith("导入失败，没有写入任何数据")
    assert case.message in str(refused.value)
    assert snapshot() == before


@pytest.mark.parametrize("case", BAD, ids=[case.id for case in BAD])
def test_the_admin_preview_shows_the_problem_in_its_column_offers_no_confirmation_and_writes_nothing(
    world, case, client
):
    client.force_login(world)
    before = snapshot()

    shown = client.post(reverse(ADMIN[case.kind]), {
        "import_file": SimpleUploadedFile(f"file.{case.fmt}", case.content()), "format": "0", "resource": "0",
    })

    assert shown.status_code == 200
    assert shown.context.get("confirm_form") is None
    assert escape(case.shown) in shown.content.decode()
    assert snapshot() == before


# What a lookalike means, imported -------------------------------------------------------


def import_orgs(tmp_path: Path, rows: list[list[str]]) -> str:
    path = tmp_path / "orgs.xlsx"
    path.write_bytes(xlsx_bytes(ORG_HEADERS, rows))
    return run("import_org", path)


def test_a_lookalike_row_for_an_existing_code_is_that_unit_unchanged(world, tmp_path):
    out = import_orgs(tmp_path, [org("Ｔ０５", f"{KANGXI_WHITE}鹭街道", "镇"), org("T06", "青溪镇\u3000", "镇")])

    assert "新增 0，更新 0，未变 2" in out
    assert Organisation.objects.filter(name__endswith="鹭街道").count() == 1


def test_a_new_unit_is_stored_as_the_text_it_looks_like(world, tmp_path):
    import_orgs(tmp_path, [org("Ｄ２０", "区数据局（大数据　中心）", "区级机关部门", "两者")])

    created = Organisation.objects.get(code="D20")
    # NFKC: full-width letters and brackets become ASCII, an ideographic space a space.
    assert created.name == "区数据局(大数据 中心)"


def test_a_lookalike_category_is_the_existing_category(world, tmp_path):
    categories = Category.objects.count()

    import_orgs(tmp_path, [org("F01", "区城投集团", "\u2fa6融机构")])  # ⾦ KANGXI RADICAL GOLD for 金

    assert Category.objects.count() == categories
    assert Organisation.objects.get(code="F01").category.name == "金融机构"


def test_a_new_unit_may_take_the_name_of_a_retired_one(world, tmp_path):
    """A merged (撤并) unit's name goes to the unit that takes its place: a new
    organisation, with a new code; the retired one keeps its own history."""
    out = import_orgs(tmp_path, [org("T19", "撤并的镇", "镇")])

    assert "新增 1" in out
    assert set(Organisation.objects.filter(name="撤并的镇").values_list("code", "is_active")) == {
        ("T09", False), ("T19", True),
    }


def test_a_name_stored_before_the_rule_is_compared_as_it_reads(world, tmp_path):
    # Saved around the forms, as the first import_org did: a lookalike of 东坝街道.
    OrganisationFactory(code="T07", name="东坝\u00ad街道")

    with pytest.raises(CommandError) as refused:
        import_orgs(tmp_path, [org("T17", "东坝街道")])

    assert "第 2 行「名称」：“东坝街道”已是编码为“T07”的单位的名称" in str(refused.value)


def test_a_rule_book_file_in_full_width_updates_the_criterion_it_names(world, tmp_path):
    path = tmp_path / "rules.xlsx"
    path.write_bytes(xlsx_bytes(RULEBOOK_HEADERS, [["Ｈ０１", "主动担当，攻坚克难，成效明显", "红旗"]]))

    out = run("import_rulebook", "2026", path)

    assert "新增 0，更新 1" in out
    assert list(Criterion.objects.filter(rulebook__year=2026).values_list("code", "text")) == [
        ("H01", "主动担当，攻坚克难，成效明显"), ("Y01", "推诿扯皮，慢作为"),
    ]


def test_a_rating_file_finds_units_departments_and_criteria_written_as_lookalikes(world, tmp_path):
    rows = [
        ["2026-03", "ＺＪＪ", f"{KANGXI_WHITE}鹭街道", "红旗", "Ｈ０１", "老旧小区改造提前完成", ""],
        ["2026-03", "区市场监管局\u3000", "Ｔ０２", "黄灯", "Y01", "食品安全专项整治推进迟缓", "否"],
    ]
    path = tmp_path / "march.xlsx"
    path.write_bytes(xlsx_bytes(RATING_HEADERS, rows))

    run("import_ratings", path)

    assert set(Rating.objects.values_list("department__code", "unit__code", "criterion__code")) == {
        ("ZJJ", "T05", "H01"), ("SCJ", "T02", "Y01"),
    }


def test_a_rating_file_finds_a_unit_stored_before_the_rule(world, tmp_path):
    OrganisationFactory(code="T07", name="东坝\u00ad街道")  # saved around the forms, as the first import_org did
    path = tmp_path / "march.xlsx"
    path.write_bytes(xlsx_bytes(RATING_HEADERS, [["2026-03", "ZJJ", "东坝街道", "红旗", "H01", "提前完成", ""]]))

    run("import_ratings", path)

    assert Rating.objects.get().unit.code == "T07"


def test_a_name_an_active_unit_shares_with_retired_ones_is_the_active_one(world, tmp_path):
    OrganisationFactory(code="T19", name="撤并的镇")  # took the merged town's name
    path = tmp_path / "march.xlsx"
    path.write_bytes(xlsx_bytes(RATING_HEADERS, [["2026-03", "ZJJ", "撤并的镇", "红旗", "H01", "提前完成", ""]]))

    run("import_ratings", path)

    assert Rating.objects.get().unit.code == "T19"


# The admin's forms ---------------------------------------------------------------------


def organisation_post(client, **fields: str):
    data = {"code": "T11", "name": "漆桥街道", "role": "unit", "is_active": "on", **fields}
    return client.post(reverse("admin:departments_organisation_add"), data)


def field_errors(response, field: str) -> list[str]:
    """The form's errors on ``field`` and those on the whole form (a constraint's)."""
    assert response.status_code == 200, "the form was accepted"
    errors = response.context["adminform"].form.errors
    return [str(error) for error in [*errors.get(field, []), *errors.get("__all__", [])]]


@pytest.mark.parametrize("field, value, message", [
    ("name", "青\u00ad溪镇", "含有不可见字符 U+00AD（SOFT HYPHEN），请删去后再试"),
    ("name", "青溪镇\u200e", "含有不可见字符 U+200E（LEFT-TO-RIGHT MARK）"),
    ("name", "\u202e镇溪青", "含有不可见字符 U+202E（RIGHT-TO-LEFT OVERRIDE）"),
    ("name", "青\u034f溪镇", "含有不可见字符 U+034F（COMBINING GRAPHEME JOINER）"),
    ("name", "青\u200d溪镇", "含有不可见字符 U+200D（ZERO WIDTH JOINER）"),
    ("name", "漆桥\u2028街道", "不能有换行或制表符"),
    ("name", "\u2ed8溪镇", "含有部首字符 U+2ED8（CJK RADICAL BLUE）"),
    ("name", f"{KANGXI_WHITE}鹭街道", "在用的单位中已有“白鹭街道”（编码 T05）；同一辖区内在用的单位不能同名"),
    ("name", "区１２３４５热线办", "在用的单位中已有“区12345热线办”（编码 D05）"),
    ("code", "T11\ufeff", "含有不可见字符 U+FEFF（ZERO WIDTH NO-BREAK SPACE）"),
    ("code", "Ｔ０１", "已经存在"),  # T01 written in full-width is T01
])
def test_the_admin_refuses_a_lookalike_or_invisible_organisation_on_its_field(world, client, field, value, message):
    client.force_login(world)
    before = snapshot()

    response = organisation_post(client, **{field: value})

    assert any(message in error for error in field_errors(response, field))
    assert snapshot() == before


def test_the_admin_stores_a_new_organisation_as_the_text_it_looks_like(world, client):
    client.force_login(world)

    organisation_post(client, code="Ｔ１１", name="\u3000漆桥　街道")

    assert Organisation.objects.filter(code="T11", name="漆桥 街道").exists()


def test_the_admin_lets_a_new_unit_take_a_retired_units_name(world, client):
    client.force_login(world)

    organisation_post(client, code="T19", name="撤并的镇")

    assert Organisation.objects.filter(code="T19", is_active=True, name="撤并的镇").exists()


def test_the_admin_keeps_a_units_own_name_when_it_is_saved_again_as_a_lookalike(world, client):
    client.force_login(world)
    unit = Organisation.objects.get(code="T05")

    response = client.post(reverse("admin:departments_organisation_change", args=[unit.pk]), {
        "code": "T05", "name": f"{KANGXI_WHITE}鹭街道", "role": "unit", "is_active": "on",
    })

    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "白鹭街道"


def test_the_admin_refuses_to_rename_a_unit_to_an_active_units_name(world, client):
    client.force_login(world)
    unit = Organisation.objects.get(code="T06")
    before = snapshot()

    response = client.post(reverse("admin:departments_organisation_change", args=[unit.pk]), {
        "code": "T06", "name": "白鹭街道\u3000", "role": "unit", "is_active": "on",
    })

    assert "在用的单位中已有“白鹭街道”（编码 T05）" in " ".join(field_errors(response, "name"))
    assert snapshot() == before


def test_the_admin_refuses_to_reenable_a_retired_unit_whose_name_an_active_one_took(world, client):
    OrganisationFactory(code="T19", name="撤并的镇")
    retired = Organisation.objects.get(code="T09")
    client.force_login(world)
    before = snapshot()

    response = client.post(reverse("admin:departments_organisation_change", args=[retired.pk]), {
        "code": "T09", "name": "撤并的镇", "role": "unit", "is_active": "on",
    })

    assert "在用的单位中已有“撤并的镇”（编码 T19）" in " ".join(field_errors(response, "name"))
    assert snapshot() == before


def test_the_admin_refuses_a_category_that_reads_as_another(world, client):
    client.force_login(world)
    url = reverse("admin:departments_category_add")
    before = snapshot()

    lookalike = client.post(url, {"name": "\u2fa6融机构", "order": "0"})
    invisible = client.post(url, {"name": "街\u200b道", "order": "0"})

    assert any("已经存在" in error for error in field_errors(lookalike, "name"))
    assert "含有不可见字符 U+200B（ZERO WIDTH SPACE）" in " ".join(field_errors(invisible, "name"))
    assert snapshot() == before


def test_the_admin_refuses_a_category_that_reads_as_one_stored_before_the_rule(world, client):
    Category.objects.filter(name="金融机构").update(name="金融\u00ad机构")
    client.force_login(world)

    response = client.post(reverse("admin:departments_category_add"), {"name": "金融机构", "order": "0"})

    assert "已有类别“金融\u00ad机构”，与这个名称写法不同但读起来一样" in " ".join(field_errors(response, "name"))


def test_the_admin_normalises_a_jurisdictions_name_and_refuses_an_invisible_one(world, client):
    jurisdiction = Jurisdiction.objects.get()
    client.force_login(world)
    url = reverse("admin:departments_jurisdiction_change", args=[jurisdiction.pk])

    refused = client.post(url, {"name": "高淳区\u202e", "is_active": "on"})
    client.post(url, {"name": "\u2fbc淳区", "is_active": "on"})  # ⾼ KANGXI RADICAL TALL for 高

    assert "含有不可见字符 U+202E" in " ".join(field_errors(refused, "name"))
    jurisdiction.refresh_from_db()
    assert jurisdiction.name == "高淳区"


@pytest.mark.parametrize("code, message", [
    ("Ｈ０１", "已经存在"),  # H01 of the 2026 rule book, in full-width
    ("H\u200d09", "含有不可见字符 U+200D（ZERO WIDTH JOINER）"),
    ("H09\U000e0001", "含有不可见字符 U+E0001（LANGUAGE TAG）"),
])
def test_the_admin_refuses_a_lookalike_or_invisible_criterion_code(world, client, flag_criterion, code, message):
    client.force_login(world)
    before = snapshot()

    response = client.post(reverse("admin:ratings_criterion_add"), {
        "rulebook": flag_criterion.rulebook_id, "code": code, "text": "主动担当", "kind": "red_flag", "is_active": "on",
    })

    assert any(message in error for error in field_errors(response, "code"))
    assert snapshot() == before


def test_the_admin_stores_a_criterion_code_as_the_text_it_looks_like(world, client, flag_criterion):
    client.force_login(world)

    client.post(reverse("admin:ratings_criterion_add"), {
        "rulebook": flag_criterion.rulebook_id, "code": "ＨＱ－０９", "text": "主动担当", "kind": "red_flag",
        "is_active": "on",
    })

    assert Criterion.objects.filter(code="HQ-09").exists()


def test_a_criterion_stored_before_the_rule_is_still_one_code(world, client, rulebook):
    CriterionFactory(rulebook=rulebook, code="Y02")
    Criterion.objects.filter(code="Y02").update(code="Y\u00ad02")
    client.force_login(world)

    response = client.post(reverse("admin:ratings_criterion_add"), {
        "rulebook": rulebook.pk, "code": "Y02", "text": "推诿扯皮", "kind": "yellow_light", "is_active": "on",
    })

    assert "该年度认定细则中已有条目“Y\u00ad02”，与这个编码写法不同但读起来一样" in " ".join(field_errors(response, "code"))


def test_the_rule_books_inline_refuses_one_new_code_written_twice(world, client, rulebook):
    """Two new rows of one rule book, H09 and Ｈ０９: one code, refused by the form
    (not by the database, after the first row was saved)."""
    client.force_login(world)
    url = reverse("admin:ratings_rulebook_change", args=[rulebook.pk])
    data = form_data(client.get(url))
    initial = int(data["criteria-TOTAL_FORMS"])
    for index, code in enumerate(("H09", "Ｈ０９"), start=initial):
        data.update({f"criteria-{index}-code": code, f"criteria-{index}-kind": "red_flag",
                     f"criteria-{index}-text": f"主动担当{index}", f"criteria-{index}-is_active": "on",
                     f"criteria-{index}-rulebook": str(rulebook.pk)})
    data["criteria-TOTAL_FORMS"] = str(initial + 2)
    before = snapshot()

    response = client.post(url, data)

    assert response.status_code == 200
    errors = [str(error) for inline in response.context["inline_admin_formsets"]
              for error in inline.formset.non_form_errors()]
    assert any("重复" in error for error in errors), errors  # Django: 请修改code的重复数据
    assert snapshot() == before


def test_the_rule_books_inline_stores_a_new_code_as_the_text_it_looks_like(world, client, rulebook):
    client.force_login(world)
    url = reverse("admin:ratings_rulebook_change", args=[rulebook.pk])
    data = form_data(client.get(url))
    index = int(data["criteria-TOTAL_FORMS"])
    data.update({f"criteria-{index}-code": "ＨＱ－０９", f"criteria-{index}-kind": "red_flag",
                 f"criteria-{index}-text": "主动担当", f"criteria-{index}-is_active": "on",
                 f"criteria-{index}-rulebook": str(rulebook.pk), "criteria-TOTAL_FORMS": str(index + 1)})

    client.post(url, data)

    assert rulebook.criteria.filter(code="HQ-09").exists()
