"""The scorecard (考核方案) in the admin, as the office clerk uses it: the import page for
the scorecard and its results, the tree on the change page, editing the items inline
under the same rules as the import, the freeze once results exist, the copy to next year,
and the composite's explanation on a unit's year score.

The district and the sheets are those of ``tests/test_scorecard.py`` (镇 T1–T3, 街道 S1–S2;
100 points in three sections).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessment import services
from assessment.models import ItemResult, Scorecard, ScorecardItem, YearScore
from tests.admin_helpers import form_data, messages_of
from tests.factories import default_jurisdiction
from tests.test_scorecard import RESULTS, SCORECARD, YEAR, district, load_results, load_scorecard  # noqa: F401

LIST = reverse("admin:assessment_scorecard_changelist")
IMPORT = reverse("admin:assessment_scorecard_import")
OLD_EXCEL = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


def change_url(card: Scorecard) -> str:
    return reverse("admin:assessment_scorecard_change", args=[card.pk])


def upload(client, text: str | bytes, *, kind: str = "scorecard", name: str = "sheet.csv", year: int = YEAR,
           dry_run: bool = False, follow: bool = True):
    content = text.encode("utf-8") if isinstance(text, str) else text
    data = {"year": str(year), "kind": kind, "file": SimpleUploadedFile(name, content, content_type="text/csv")}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(IMPORT, data, follow=follow)


def body(response) -> str:
    return response.content.decode()


def the_card() -> Scorecard:
    return Scorecard.objects.get(jurisdiction=default_jurisdiction(), year=YEAR)


def items_prefix(response) -> str:
    (inline,) = response.context["inline_admin_formsets"]
    return inline.formset.prefix


def item_form(response, code: str) -> str:
    """The inline form's prefix ("items-3") of the item with that code."""
    (inline,) = response.context["inline_admin_formsets"]
    return next(form.prefix for form in inline.formset.initial_forms if form.instance.code == code)


# Importing ---------------------------------------------------------------------------------


def test_the_office_imports_a_scorecard_and_is_sent_back_to_the_list_with_the_counts(client, alice, district):
    client.force_login(alice)
    listed = client.get(LIST)
    assert "导入考核方案或结果" in body(listed) and IMPORT in body(listed)

    done = upload(client, SCORECARD)

    assert done.redirect_chain == [(LIST, 302)]
    assert "2025 年度考核方案：新建 7 项，更新 0 项，未变化 0 项，删除 0 项" in messages_of(done)
    assert the_card().items.count() == 7
    assert the_card().history.first().history_user == alice  # the audit says who


def test_the_change_page_shows_the_tree_indented_with_the_methods_in_chinese(client, alice, district):
    client.force_login(alice)
    upload(client, SCORECARD)

    page = body(client.get(change_url(the_card())))
    tree = page[page.index('class="lb-tree"'):page.index("</table>", page.index('class="lb-tree"'))]

    assert "指标体系" in page
    assert tree.index(">1<") < tree.index(">1.1<") < tree.index(">1.2<") < tree.index(">2<") < tree.index(">3.1<")
    assert '<tr class="lb-depth-0">' in tree and '<span class="lb-indent-0"><strong>省对市目标任务</strong>' in tree
    assert '<span class="lb-indent-1">地区生产总值</span>' in tree
    for method in ("排名", "赋分", "效能亮榜", "直接引用"):
        assert f"<td>{method}</td>" in tree
    for code in ("rank", "lead_scored", "board", "direct"):
        assert f"<td>{code}</td>" not in tree
    assert "<td>镇</td>" in tree and "<td>镇1</td>" in tree and "<td>25</td>" in tree  # category, lead, base


def test_a_bad_row_refuses_the_whole_file_naming_the_row_and_column(client, alice, district):
    client.force_login(alice)

    shown = upload(client, SCORECARD.replace("1.2,招商引资,1,20", "1.2,招商引资,1,25"))

    assert shown.status_code == 200 and not shown.redirect_chain
    assert "导入失败，没有写入任何数据" in body(shown)
    assert "第 2 行「分值」：下级分值合计 55 分，与本项分值 50 分不符" in body(shown)
    assert not Scorecard.objects.exists() and not ScorecardItem.objects.exists()


def test_every_bad_cell_is_listed(client, alice, district):
    client.force_login(alice)

    shown = upload(client, SCORECARD.replace("排名,镇", "名次,乡"))

    assert "第 3 行「计分方式」：“名次”不是计分方式" in body(shown)
    assert "第 3 行「适用类别」：“乡”不是本辖区的单位类别" in body(shown)
    assert not ScorecardItem.objects.exists()


def test_a_dry_run_says_so_and_writes_nothing(client, alice, district):
    client.force_login(alice)

    done = upload(client, SCORECARD, dry_run=True)

    assert done.redirect_chain == [(LIST, 302)]
    assert "【试运行，未写入】2025 年度考核方案：新建 7 项，更新 0 项，未变化 0 项，删除 0 项" in messages_of(done)
    assert not Scorecard.objects.exists() and not ScorecardItem.objects.exists()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("card.csv", PNG, "这是一个 PNG 图片，不是电子表格；请选择 .xlsx 或 .csv 文件"),
    ("card.xlsx", PNG, "这是一个 PNG 图片，不是电子表格；请选择 .xlsx 或 .csv 文件"),
    ("card.xls", OLD_EXCEL, "只能导入 .xlsx 或 .csv 文件，“card.xls”不是；.xls 请先在 Excel 中另存为 .xlsx"),
    ("card.csv", OLD_EXCEL, "这是旧版 Excel（.xls）文件或设置了打开密码的工作簿"),
    ("card.xlsx", b"\x00\x01not a workbook\xff", "无法读取这个 .xlsx 文件"),
    ("card.png", PNG, "只能导入 .xlsx 或 .csv 文件，“card.png”不是"),
])
def test_a_file_that_is_not_a_spreadsheet_is_refused_with_a_clear_message(client, alice, district, name, content,
                                                                          message):
    client.force_login(alice)

    shown = upload(client, content, name=name)

    assert shown.status_code == 200 and not shown.redirect_chain
    assert "导入失败，没有写入任何数据" in body(shown) and message in body(shown)
    assert not Scorecard.objects.exists()


def test_an_empty_file_is_refused_by_the_form(client, alice, district):
    client.force_login(alice)

    shown = upload(client, b"")

    assert not shown.redirect_chain and "所提交的是空文件" in body(shown)
    assert not Scorecard.objects.exists()


def test_the_office_imports_results_the_same_way(client, alice, district):
    client.force_login(alice)
    upload(client, SCORECARD)

    done = upload(client, RESULTS, kind="results", name="results.csv")

    assert done.redirect_chain == [(LIST, 302)]
    assert "2025 年度考核结果：新增 9 条，更新 0 条，未变化 0 条" in messages_of(done)
    assert ItemResult.objects.count() == 9
    assert ItemResult.objects.get(item__code="1.2", unit__code="T2").score == Decimal("80")

    again = upload(client, RESULTS.replace("3.1,T3,,15", "3.1,T3,,16"), kind="results", name="results.csv")
    assert "2025 年度考核结果：新增 0 条，更新 1 条，未变化 8 条" in messages_of(again)


def test_a_bad_result_writes_nothing_and_a_dry_run_neither(client, alice, district):
    client.force_login(alice)
    upload(client, SCORECARD)

    shown = upload(client, RESULTS + "3.1,S2,,21,,\n", kind="results", name="results.csv")
    assert "导入失败，没有写入任何数据" in body(shown)
    assert "第 11 行「得分」：得分 21 分超过本项分值 20 分" in body(shown)
    assert not ItemResult.objects.exists()

    done = upload(client, RESULTS, kind="results", name="results.csv", dry_run=True)
    assert "【试运行，未写入】2025 年度考核结果：新增 9 条，更新 0 条，未变化 0 条" in messages_of(done)
    assert not ItemResult.objects.exists()


def test_results_for_a_year_without_a_scorecard_are_refused(client, alice, district):
    client.force_login(alice)

    shown = upload(client, RESULTS, kind="results", name="results.csv")

    assert "2025 年度还没有考核方案，请先导入考核方案" in body(shown)


def test_a_locked_year_refuses_results(client, alice, district):
    client.force_login(alice)
    upload(client, SCORECARD)
    Scorecard.objects.update(results_locked=True)

    shown = upload(client, RESULTS, kind="results", name="results.csv")

    assert "导入失败，没有写入任何数据" in body(shown)
    assert "2025 年度考核结果已锁定，不能再导入；如需修改，请先由效能办解除锁定" in body(shown)
    assert not ItemResult.objects.exists()
    assert "结果已锁定" in body(client.get(LIST))


def test_a_frozen_scorecard_refuses_a_new_sheet(client, alice, district):
    client.force_login(alice)
    upload(client, SCORECARD)
    upload(client, RESULTS, kind="results", name="results.csv")

    shown = upload(client, SCORECARD.replace("党建考核", "党建工作考核"))

    assert "2025 年度考核方案已有考核结果，已冻结" in body(shown)
    assert ScorecardItem.objects.get(code="3.1").name == "党建考核"


# Who may do what -----------------------------------------------------------------------------


def test_the_leader_reads_the_list_and_the_tree_but_cannot_import_or_copy(client, leo, district, tmp_path):
    load_scorecard(tmp_path)
    client.force_login(leo)

    listed = client.get(LIST)
    assert listed.status_code == 200
    assert "导入考核方案或结果" not in body(listed)
    assert "copy_to_next_year" not in body(listed) and "复制为下一年度方案" not in body(listed)

    page = client.get(change_url(the_card()))
    assert page.status_code == 200
    assert "地区生产总值" in body(page)
    assert not page.context["has_change_permission"] and not page.context["has_delete_permission"]
    assert 'name="_save"' not in body(page)
    (inline,) = page.context["inline_admin_formsets"]
    assert not inline.has_add_permission and not inline.has_change_permission

    assert client.get(IMPORT).status_code == 403
    assert upload(client, SCORECARD.replace("党建考核", "党建工作考核")).status_code == 403
    assert ScorecardItem.objects.get(code="3.1").name == "党建考核"

    # Asking for the action by name does not run it either.
    client.post(LIST, {"action": "copy_to_next_year", "_selected_action": [the_card().pk]})
    assert not Scorecard.objects.filter(year=YEAR + 1).exists()


def test_a_rater_has_no_scorecard_pages(client, bob, district, tmp_path):
    load_scorecard(tmp_path)
    client.force_login(bob)

    assert client.get(LIST).status_code == 403
    assert client.get(IMPORT).status_code == 403
    assert client.get(change_url(the_card())).status_code == 403


# Editing the items inline ----------------------------------------------------------------------



def test_an_inline_change_that_breaks_the_tree_shows_the_rules_message_and_saves_nothing(client, alice, district,
                                                                                         tmp_path):
    load_scorecard(tmp_path)
    client.force_login(alice)
    page = client.get(change_url(the_card()))
    row = item_form(page, "1.2")

    sent = client.post(change_url(the_card()), form_data(page, **{f"{row}-points": "25", f"{row}-name": "招商引资工作"}))

    assert sent.status_code == 200
    assert "1：下级分值合计 55 分，与本项分值 50 分不符" in body(sent)
    item = ScorecardItem.objects.get(code="1.2")
    assert (item.points, item.name) == (Decimal("20"), "招商引资")


def test_an_inline_item_naming_an_unknown_parent_is_refused(client, alice, district, tmp_path):
    load_scorecard(tmp_path)
    client.force_login(alice)
    page = client.get(change_url(the_card()))
    row = item_form(page, "3.1")

    sent = client.post(change_url(the_card()), form_data(page, **{f"{row}-parent_code": "9"}))

    assert sent.status_code == 200 and "上级编码“9”在方案中不存在" in body(sent)
    assert ScorecardItem.objects.get(code="3.1").parent.code == "3"


def test_the_office_renames_a_scorecard_leaving_its_items_as_they_are(client, alice, district, tmp_path):
    load_scorecard(tmp_path)
    client.force_login(alice)
    page = client.get(change_url(the_card()))

    sent = client.post(change_url(the_card()), form_data(page, name="2025年度镇街综合考核方案"))

    assert sent.status_code == 302
    assert the_card().name == "2025年度镇街综合考核方案" and the_card().items.count() == 7


def test_a_new_section_and_its_new_item_named_by_parent_code_save_with_the_right_parent(client, alice, district,
                                                                                         tmp_path):
    load_scorecard(tmp_path)
    client.force_login(alice)
    page = client.get(change_url(the_card()))
    prefix = items_prefix(page)
    total = len(page.context["inline_admin_formsets"][0].formset.initial_forms)
    # Party building gives up 10 of its 20 points to a new section 4 with its only item
    # 4.1, which names its parent by code (the section has no id yet).
    data = form_data(page, **{f"{item_form(page, '3')}-points": "10", f"{item_form(page, '3.1')}-points": "10"})
    section, item = f"{prefix}-{total}", f"{prefix}-{total + 1}"
    data.update({
        f"{section}-order": "9", f"{section}-code": "4", f"{section}-name": "平安建设", f"{section}-parent_code": "",
        f"{section}-points": "10", f"{section}-method": "",
        f"{item}-order": "10", f"{item}-code": "4.1", f"{item}-name": "平安考核", f"{item}-parent_code": "4",
        f"{item}-points": "10", f"{item}-method": "direct",
        f"{prefix}-TOTAL_FORMS": str(total + 2),
    })

    sent = client.post(change_url(the_card()), data)

    assert sent.status_code == 302
    new_section, new_item = ScorecardItem.objects.get(code="4"), ScorecardItem.objects.get(code="4.1")
    assert new_section.parent is None and new_item.parent == new_section and new_item.scorecard == the_card()
    assert new_item.method == "direct" and ScorecardItem.objects.get(code="3.1").points == Decimal("10")
    assert '<span class="lb-indent-1">平安考核</span>' in body(client.get(change_url(the_card())))


# The freeze --------------------------------------------------------------------------------------



def test_a_scorecard_with_results_is_frozen_on_its_change_page(client, alice, district, tmp_path):
    load_scorecard(tmp_path)
    load_results(tmp_path)
    client.force_login(alice)

    page = client.get(change_url(the_card()))

    assert "本方案已有考核结果，已冻结" in body(page)
    assert "地区生产总值" in body(page)  # the tree still shows
    (inline,) = page.context["inline_admin_formsets"]
    assert not inline.has_add_permission and not inline.has_change_permission and not inline.has_delete_permission
    assert 'name="total_points"' not in body(page) and 'name="name"' not in body(page)
    assert 'name="reopened"' in body(page) and 'name="results_locked"' in body(page)
    assert not page.context["has_delete_permission"]
    assert "已冻结" in body(client.get(LIST))


def test_a_frozen_scorecard_cannot_be_deleted(client, alice, district, tmp_path):
    load_scorecard(tmp_path)
    load_results(tmp_path)
    client.force_login(alice)
    delete = reverse("admin:assessment_scorecard_delete", args=[the_card().pk])

    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    bulk = client.post(LIST, {"action": "delete_selected", "_selected_action": [the_card().pk], "post": "yes"})
    assert bulk.status_code == 403  # nor the list's bulk delete

    assert Scorecard.objects.filter(year=YEAR).exists() and ScorecardItem.objects.count() == 7


def test_an_open_scorecard_can_be_deleted(client, alice, district, tmp_path):
    load_scorecard(tmp_path)
    client.force_login(alice)

    client.post(reverse("admin:assessment_scorecard_delete", args=[the_card().pk]), {"post": "yes"})

    assert not Scorecard.objects.exists() and not ScorecardItem.objects.exists()


def test_ticking_reopened_opens_a_frozen_scorecard(client, alice, district, tmp_path):
    load_scorecard(tmp_path)
    load_results(tmp_path)
    client.force_login(alice)
    page = client.get(change_url(the_card()))

    sent = client.post(change_url(the_card()), form_data(page, reopened="on"))

    assert sent.status_code == 302 and the_card().reopened
    page = client.get(change_url(the_card()))
    assert "本方案已有考核结果，已冻结" not in body(page)
    assert 'name="total_points"' in body(page)
    (inline,) = page.context["inline_admin_formsets"]
    assert inline.has_change_permission and inline.has_add_permission


def test_the_office_locks_a_frozen_scorecards_results_from_its_change_page(client, alice, district, tmp_path):
    load_scorecard(tmp_path)
    load_results(tmp_path)
    client.force_login(alice)
    page = client.get(change_url(the_card()))

    sent = client.post(change_url(the_card()), form_data(page, results_locked="on"))

    assert sent.status_code == 302 and the_card().results_locked


def test_a_reopened_scorecard_is_open_again(client, alice, district, tmp_path):
    # The state the office reaches by ticking 已重新开放修改 (set here directly: see the bug above).
    load_scorecard(tmp_path)
    load_results(tmp_path)
    Scorecard.objects.update(reopened=True)
    client.force_login(alice)

    page = client.get(change_url(the_card()))

    assert "本方案已有考核结果，已冻结" not in body(page)
    assert 'name="total_points"' in body(page)
    (inline,) = page.context["inline_admin_formsets"]
    assert inline.has_change_permission and inline.has_add_permission and inline.has_delete_permission
    assert "可修改" in body(client.get(LIST))


# Copying to next year --------------------------------------------------------------------------


def copy_action(client, card: Scorecard):
    return client.post(LIST, {"action": "copy_to_next_year", "_selected_action": [card.pk]}, follow=True)


def tree_of(card: Scorecard) -> list[tuple]:
    return [
        (i.code, i.name, i.parent.code if i.parent else "", i.points, i.method, i.base,
         i.lead_unit.code if i.lead_unit else "", tuple(c.name for c in i.categories.all()))
        for i in card.items.select_related("parent", "lead_unit").prefetch_related("categories").order_by("order")
    ]


def test_the_copy_action_makes_next_years_scorecard_with_the_same_tree_and_no_results(client, alice, district,
                                                                                      tmp_path):
    load_scorecard(tmp_path)
    load_results(tmp_path)
    client.force_login(alice)

    done = copy_action(client, the_card())

    assert "已复制为 2026 年度考核方案（7 项指标，不含结果）" in messages_of(done)
    copy = Scorecard.objects.get(year=YEAR + 1)
    assert tree_of(copy) == tree_of(the_card())
    assert not ItemResult.objects.filter(item__scorecard=copy).exists()
    assert not copy.reopened and not copy.results_locked
    page = client.get(change_url(copy))
    assert "本方案已有考核结果，已冻结" not in body(page)  # a new year is open


def test_the_copy_is_refused_when_next_year_already_has_items(client, alice, district, tmp_path):
    load_scorecard(tmp_path)
    client.force_login(alice)
    copy_action(client, the_card())
    ScorecardItem.objects.filter(scorecard__year=YEAR + 1, code="3.1").update(name="明年的党建考核")

    again = copy_action(client, the_card())

    assert "2026 年度已有考核方案，不能覆盖；如需重做，请先删除其指标" in messages_of(again)
    assert ScorecardItem.objects.get(scorecard__year=YEAR + 1, code="3.1").name == "明年的党建考核"
    assert ScorecardItem.objects.filter(scorecard__year=YEAR + 1).count() == 7


# The composite explained on a unit's year score ---------------------------------------------------


def score_page(client, code: str, year: int = YEAR) -> str:
    score = YearScore.objects.get(unit__code=code, year=year)
    response = client.get(reverse("admin:assessment_yearscore_change", args=[score.pk]))
    assert response.status_code == 200
    return body(response)


def test_a_units_year_score_explains_its_composite_line_by_line(client, alice, leo, district, tmp_path):
    load_scorecard(tmp_path)
    load_results(tmp_path)
    services.year_rollup(jurisdiction=default_jurisdiction(), year=YEAR)

    for persona in (alice, leo):
        client.force_login(persona)
        t1 = score_page(client, "T1")
        assert "得分明细" in t1
        assert "<th>1.1 地区生产总值</th><td>全省第2名：100% × 30分 = 30.00分</td>" in t1
        assert "<th>1 省对市目标任务</th><td>各项合计49.00分</td>" in t1
        t3 = score_page(client, "T3")
        assert "<th>1 省对市目标任务</th><td>未承担本项，按同类单位平均分 46.00分</td>" in t3


def test_a_year_without_a_scorecard_says_the_board_decides(client, alice, district):
    services.year_rollup(jurisdiction=default_jurisdiction(), year=YEAR)
    client.force_login(alice)

    assert "本年度没有考核方案，按效能亮榜加减分评定" in score_page(client, "T1")

