"""A change never breaks what already cites it.

Re-importing a rule book that turned criterion Y01 from 黄灯 into 红旗 once succeeded and
left four approved yellow lights citing a red-flag criterion, a combination every import
refuses. Whatever ratings (of any status) cite stays as they cite it: a criterion's kind
and rule book, a rule book's year, an organisation's role. The refusal names what cites
it and how many, in the row and column of a file and next to the field of a form, and
nothing is written.
"""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError
from django.urls import reverse

from departments import citations as organisation_citations
from departments.models import Organisation
from ratings import citations
from ratings.models import Criterion, Rating, RuleBook
from tests.admin_helpers import form_data, messages_of
from tests.factories import (
    CriterionFactory,
    DepartmentFactory,
    JurisdictionFactory,
    OrganisationFactory,
    RatingFactory,
    RuleBookFactory,
)
from tests.import_helpers import ORG_HEADERS, RULEBOOK_HEADERS, run, write_xlsx

ROWS = [
    ["H01", "主动担当，攻坚克难", "红旗"],
    ["H02", "主动认领疑难工单", "红旗"],
    ["Y01", "推诿扯皮，慢作为", "黄灯"],
]


def yellow_lights(criterion, *, unit, department, period, count: int = 4, status=Rating.Status.APPROVED):
    return [
        RatingFactory(period=period, department=department, unit=unit, kind="yellow_light", criterion=criterion,
                      status=status, reason=f"推诿 {n}")
        for n in range(count)
    ]


@pytest.fixture
def cited(yellow_criterion, flag_criterion, dept_a, town, january):
    """Y01 (黄灯) cited by four approved yellow lights; H01 (红旗) cited by nothing."""
    yellow_lights(yellow_criterion, unit=town, department=dept_a, period=january)
    return yellow_criterion


# The rule book import -----------------------------------------------------------------------


def test_reimporting_a_cited_yellow_criterion_as_a_red_flag_is_refused_by_row_and_column(cited, tmp_path):
    rows = [ROWS[0], ["H02", "新增条目", "红旗"], ["Y01", "推诿扯皮，慢作为", "红旗"]]

    with pytest.raises(CommandError) as refused:
        run("import_rulebook", 2026, write_xlsx(tmp_path / "rules.xlsx", RULEBOOK_HEADERS, rows))

    assert (
        "第 4 行「类型」：已有 4 条认定引用条目“Y01”（黄灯），不能改为红旗；如需调整，请新增一个条目"
        in str(refused.value)
    )
    cited.refresh_from_db()
    assert cited.kind == "yellow_light"
    assert not Criterion.objects.filter(code="H02").exists()  # nothing of the file is written


@pytest.mark.parametrize("status", list(Rating.Status), ids=[s.value for s in Rating.Status])
def test_a_rating_of_any_status_keeps_the_kind_of_its_criterion(yellow_criterion, dept_a, town, january, tmp_path,
                                                               status):
    yellow_lights(yellow_criterion, unit=town, department=dept_a, period=january, count=1, status=status)

    with pytest.raises(CommandError, match="已有 1 条认定引用条目“Y01”（黄灯），不能改为红旗"):
        run("import_rulebook", 2026, write_xlsx(tmp_path / "rules.xlsx", RULEBOOK_HEADERS,
                                                [["Y01", "推诿扯皮", "红旗"]]))


def test_a_cited_red_flag_criterion_is_not_turned_into_a_yellow_one_either(flag_criterion, dept_a, town, january,
                                                                         tmp_path):
    RatingFactory(period=january, department=dept_a, unit=town, kind="red_flag", criterion=flag_criterion)

    with pytest.raises(CommandError, match="第 2 行「类型」：已有 1 条认定引用条目“H01”（红旗），不能改为黄灯"):
        run("import_rulebook", 2026, write_xlsx(tmp_path / "rules.xlsx", RULEBOOK_HEADERS,
                                                [["H01", "主动担当", "黄灯"]]))


def test_a_cited_criterion_still_gets_its_new_wording(cited, tmp_path):
    out = run("import_rulebook", 2026, write_xlsx(tmp_path / "rules.xlsx", RULEBOOK_HEADERS,
                                                  [["Y01", "工作推诿扯皮，不作为、慢作为", "黄灯"]]))

    assert "更新 1" in out
    cited.refresh_from_db()
    assert (cited.text, cited.kind) == ("工作推诿扯皮，不作为、慢作为", "yellow_light")


def test_an_uncited_criterion_changes_kind(cited, tmp_path):
    run("import_rulebook", 2026, write_xlsx(tmp_path / "rules.xlsx", RULEBOOK_HEADERS, [["H01", "主动担当", "黄灯"]]))

    assert Criterion.objects.get(code="H01").kind == "yellow_light"


def test_the_same_code_in_another_year_is_another_criterion_and_may_differ(cited, tmp_path):
    run("import_rulebook", 2027, write_xlsx(tmp_path / "rules.xlsx", RULEBOOK_HEADERS, [["Y01", "推诿扯皮", "红旗"]]))

    assert set(Criterion.objects.filter(code="Y01").values_list("rulebook__year", "kind")) == {
        (2026, "yellow_light"), (2027, "red_flag"),
    }


# The rules, one table ----------------------------------------------------------------------


def _change_kind(criterion):
    criterion.kind = "red_flag"


def _move_to_2027(criterion):
    criterion.rulebook = RuleBookFactory(year=2027)


CRITERION_EDITS = [
    ("kind", _change_kind, "kind", "已有 4 条认定引用条目“Y01”（黄灯），不能改为红旗"),
    ("rule book", _move_to_2027, "rulebook", "已有 4 条认定引用条目“Y01”，不能移到“2027年度“效能亮榜”专项行动认定细则”"),
]


@pytest.mark.parametrize("edit, field, message", [e[1:] for e in CRITERION_EDITS], ids=[e[0] for e in CRITERION_EDITS])
def test_an_edit_of_a_cited_criterion_is_refused_on_its_field(cited, edit, field, message):
    edit(cited)

    problems = citations.criterion_change_problems(cited)

    assert list(problems) == [field]
    assert problems[field][0].startswith(message)


@pytest.mark.parametrize("edit", [e[1] for e in CRITERION_EDITS], ids=[e[0] for e in CRITERION_EDITS])
def test_the_same_edit_of_an_uncited_criterion_is_allowed(cited, rulebook, edit):
    uncited = CriterionFactory(rulebook=rulebook, code="Y02", kind="yellow_light")
    edit(uncited)

    assert citations.criterion_change_problems(uncited) == {}


def test_a_new_criterion_cites_nothing(rulebook):
    assert citations.criterion_change_problems(Criterion(rulebook=rulebook, code="Y09", kind="red_flag")) == {}


# The admin: a criterion's page, the rule book's list of criteria, delete pages -------------------


def _errors(response) -> dict:
    return response.context["adminform"].form.errors


def test_the_criterion_form_refuses_a_new_kind_next_to_the_field(client, alice, cited):
    client.force_login(alice)
    url = reverse("admin:ratings_criterion_change", args=[cited.pk])

    response = client.post(url, form_data(client.get(url), kind="red_flag"))

    assert response.status_code == 200
    assert _errors(response)["kind"] == ["已有 4 条认定引用条目“Y01”（黄灯），不能改为红旗；如需调整，请新增一个条目"]
    cited.refresh_from_db()
    assert cited.kind == "yellow_light"


def test_the_criterion_form_refuses_moving_it_to_another_rule_book(client, alice, cited):
    other = RuleBookFactory(year=2027)
    client.force_login(alice)
    url = reverse("admin:ratings_criterion_change", args=[cited.pk])

    response = client.post(url, form_data(client.get(url), rulebook=other.pk))

    assert "已有 4 条认定引用条目“Y01”，不能移到" in _errors(response)["rulebook"][0]
    cited.refresh_from_db()
    assert cited.rulebook.year == 2026


def test_the_criterion_form_still_saves_a_new_wording(client, alice, cited):
    client.force_login(alice)
    url = reverse("admin:ratings_criterion_change", args=[cited.pk])

    response = client.post(url, form_data(client.get(url), text="推诿扯皮，慢作为、不作为"))

    assert response.status_code == 302
    cited.refresh_from_db()
    assert cited.text == "推诿扯皮，慢作为、不作为"


def _inline_index(page, criterion) -> int:
    formset = page.context["inline_admin_formsets"][0].formset
    return next(n for n, form in enumerate(formset.forms) if form.instance.pk == criterion.pk)


def test_the_rule_books_list_of_criteria_refuses_a_new_kind_for_a_cited_one(client, alice, cited):
    client.force_login(alice)
    url = reverse("admin:ratings_rulebook_change", args=[cited.rulebook_id])
    page = client.get(url)
    n = _inline_index(page, cited)

    response = client.post(url, form_data(page, **{f"criteria-{n}-kind": "red_flag"}))

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.forms[n].errors["kind"] == ["已有 4 条认定引用条目“Y01”（黄灯），不能改为红旗；如需调整，请新增一个条目"]
    cited.refresh_from_db()
    assert cited.kind == "yellow_light"


def test_the_rule_books_list_of_criteria_refuses_deleting_a_cited_one(client, alice, cited, flag_criterion):
    client.force_login(alice)
    url = reverse("admin:ratings_rulebook_change", args=[cited.rulebook_id])
    page = client.get(url)
    n = _inline_index(page, cited)

    response = client.post(url, form_data(page, **{f"criteria-{n}-DELETE": "on"}))

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.non_form_errors() == ["已有 4 条认定引用条目“Y01”，不能删除；不再使用的条目请取消勾选“在用”"]
    assert Criterion.objects.filter(pk=cited.pk).exists()


def test_the_rule_books_list_of_criteria_still_deletes_an_uncited_one(client, alice, cited, flag_criterion):
    client.force_login(alice)
    url = reverse("admin:ratings_rulebook_change", args=[cited.rulebook_id])
    page = client.get(url)

    response = client.post(url, form_data(page, **{f"criteria-{_inline_index(page, flag_criterion)}-DELETE": "on"}))

    assert response.status_code == 302
    assert not Criterion.objects.filter(pk=flag_criterion.pk).exists()


def test_deleting_a_cited_criterion_says_how_many_ratings_cite_it_and_deletes_nothing(client, alice, cited):
    client.force_login(alice)
    url = reverse("admin:ratings_criterion_delete", args=[cited.pk])

    response = client.post(url, {"post": "yes"})

    assert "已有 4 条认定引用条目“Y01”，不能删除；不再使用的条目请取消勾选“在用”" in messages_of(response)
    assert Criterion.objects.filter(pk=cited.pk).exists()


def test_the_rule_book_form_refuses_a_new_year_while_its_criteria_are_cited(client, alice, cited):
    client.force_login(alice)
    url = reverse("admin:ratings_rulebook_change", args=[cited.rulebook_id])

    response = client.post(url, form_data(client.get(url), year=2027))

    assert response.status_code == 200
    assert _errors(response)["year"] == [
        "已有 4 条认定引用本细则的条目（2026 年度），不能把年度改为 2027；如需 2027 年度的细则，请另建一本"
    ]
    assert RuleBook.objects.get(pk=cited.rulebook_id).year == 2026


def test_the_rule_book_form_changes_the_year_of_a_book_nothing_cites(client, alice):
    book = RuleBookFactory(year=2030)
    CriterionFactory(rulebook=book, code="H01")
    client.force_login(alice)
    url = reverse("admin:ratings_rulebook_change", args=[book.pk])

    response = client.post(url, form_data(client.get(url), year=2031))

    assert response.status_code == 302
    book.refresh_from_db()
    assert book.year == 2031


def test_deleting_a_rule_book_whose_criteria_are_cited_says_how_many_and_deletes_nothing(client, alice, cited):
    client.force_login(alice)

    response = client.post(reverse("admin:ratings_rulebook_delete", args=[cited.rulebook_id]), {"post": "yes"})

    assert "已有 4 条认定引用本细则的条目，不能删除" in messages_of(response)
    assert RuleBook.objects.filter(pk=cited.rulebook_id).exists()


# Organisations: a role that ratings rely on ---------------------------------------------------


@pytest.fixture
def rated(dept_a, town, january):
    """淳溪街道 (T01) rated three times by 区住建局 (ZJJ)."""
    for n in range(3):
        RatingFactory(period=january, department=dept_a, unit=town, reason=f"攻坚克难 {n}")
    return {"ZJJ": dept_a, "T01": town}


ROLE_CHANGES = [
    ("a rated unit made a department only", ["T01", "淳溪街道", "街道", "职能管理部门"],
     "第 2 行「角色」：已有 3 条认定以“淳溪街道”为被考核单位，角色不能改为“职能管理部门”；请保留“被考核单位”或改为“两者”"),
    ("a rating department made a unit only", ["ZJJ", "区住建局", "区级机关部门", "被考核单位"],
     "第 2 行「角色」：已有 3 条认定由“区住建局”作为职能管理部门填报，角色不能改为“被考核单位”；请保留“职能管理部门”或改为“两者”"),
]


@pytest.mark.parametrize("row, message", [c[1:] for c in ROLE_CHANGES], ids=[c[0] for c in ROLE_CHANGES])
def test_reimporting_an_organisation_in_a_role_its_ratings_contradict_is_refused(rated, tmp_path, row, message):
    new = ["T99", "漆桥街道", "街道", "被考核单位"]

    with pytest.raises(CommandError) as refused:
        run("import_org", write_xlsx(tmp_path / "orgs.xlsx", ORG_HEADERS, [row, new]))

    assert message in str(refused.value)
    assert [o.role for o in Organisation.objects.order_by("code")] == ["unit", "department"]  # T01, ZJJ as they were
    assert not Organisation.objects.filter(code="T99").exists()


@pytest.mark.parametrize("row", [["T01", "淳溪街道", "街道", "两者"], ["ZJJ", "区住建局", "区级机关部门", "两者"]],
                         ids=["a rated unit becomes both", "a rating department becomes both"])
def test_both_roles_keep_what_ratings_cite_and_are_imported(rated, tmp_path, row):
    run("import_org", write_xlsx(tmp_path / "orgs.xlsx", ORG_HEADERS, [row]))

    assert Organisation.objects.get(code=row[0]).role == Organisation.Role.BOTH


def test_an_organisation_nobody_cites_changes_role(rated, tmp_path):
    OrganisationFactory(code="T02", name="古柏街道")

    run("import_org", write_xlsx(tmp_path / "orgs.xlsx", ORG_HEADERS, [["T02", "古柏街道", "街道", "职能管理部门"]]))

    assert Organisation.objects.get(code="T02").role == Organisation.Role.DEPARTMENT


def test_a_department_with_raters_stays_a_department(bob, dept_a, tmp_path):
    with pytest.raises(CommandError, match="第 2 行「角色」：已有 1 个账号属于“区住建局”（所属职能管理部门），角色不能改为“被考核单位”"):
        run("import_org", write_xlsx(tmp_path / "orgs.xlsx", ORG_HEADERS, [["ZJJ", "区住建局", "区级机关部门", "被考核单位"]]))

    dept_a.refresh_from_db()
    assert dept_a.is_department


def test_the_organisation_form_refuses_a_role_its_ratings_contradict(client, alice, rated):
    town = rated["T01"]
    client.force_login(alice)
    url = reverse("admin:departments_organisation_change", args=[town.pk])

    response = client.post(url, form_data(client.get(url), role=Organisation.Role.DEPARTMENT))

    assert response.status_code == 200
    assert _errors(response)["role"] == [
        "已有 3 条认定以“淳溪街道”为被考核单位，角色不能改为“职能管理部门”；请保留“被考核单位”或改为“两者”"
    ]
    town.refresh_from_db()
    assert town.role == Organisation.Role.UNIT


def test_the_organisation_form_still_saves_both_roles(client, alice, rated):
    department = rated["ZJJ"]
    client.force_login(alice)
    url = reverse("admin:departments_organisation_change", args=[department.pk])

    response = client.post(url, form_data(client.get(url), role=Organisation.Role.BOTH))

    assert response.status_code == 302
    department.refresh_from_db()
    assert department.role == Organisation.Role.BOTH


def test_the_ratings_check_is_registered_with_the_departments(db):
    assert citations.organisation_change_problems in organisation_citations._checks


def test_an_organisation_moved_to_another_jurisdiction_while_rated_is_refused(rated):
    town = rated["T01"]
    town.jurisdiction = JurisdictionFactory(code="lishui", name="溧水区")

    problems = organisation_citations.organisation_change_problems(town)

    assert problems == {"jurisdiction": ["已有 3 条认定引用“淳溪街道”，不能把它改到其他辖区"]}


def test_a_new_organisation_is_never_refused(db):
    department = DepartmentFactory.build(code="D99", name="区新局")
    department.is_department = False

    assert organisation_citations.organisation_change_problems(department) == {}
