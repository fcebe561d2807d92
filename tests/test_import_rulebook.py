"""import_rulebook: a year's criteria from a spreadsheet; re-importing updates, never duplicates."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management.base import CommandError

from ratings.models import Criterion, RuleBook
from tests.factories import CriterionFactory, JurisdictionFactory, RuleBookFactory, default_jurisdiction
from tests.import_helpers import RULEBOOK_HEADERS, run, write_csv, write_xlsx

ROWS = [
    ["H01", "主动担当作为，攻坚克难，重点工作走在全市前列", "红旗"],
    ["H02", "12345热线多次转办的疑难工单主动认领并妥善办结", "红旗"],
    ["Y01", "工作推诿扯皮，不作为、慢作为", "黄灯"],
    ["Y02", "12345热线工单随意退单或拒绝接单", "黄灯"],
]


def test_a_good_file_creates_the_years_rule_book_with_default_settings(db, tmp_path):
    out = run("import_rulebook", 2027, write_xlsx(tmp_path / "rules.xlsx", RULEBOOK_HEADERS, ROWS))

    assert "新增 4，更新 0，未变 0" in out
    book = RuleBook.objects.get(jurisdiction=default_jurisdiction(), year=2027)
    assert (book.red_flag_points, book.yellow_light_points, book.red_light_points) == (
        Decimal("0.5"), Decimal("-0.5"), Decimal("-1"),
    )
    assert book.escalation_threshold == 2
    kinds = dict(book.criteria.values_list("code", "kind"))
    assert kinds == {"H01": "red_flag", "H02": "red_flag", "Y01": "yellow_light", "Y02": "yellow_light"}


def test_an_existing_rule_book_keeps_its_settings(db, tmp_path):
    book = RuleBookFactory(year=2026, red_flag_points=Decimal("1"))

    run("import_rulebook", 2026, write_xlsx(tmp_path / "rules.xlsx", RULEBOOK_HEADERS, ROWS))

    book.refresh_from_db()
    assert book.red_flag_points == Decimal("1")
    assert book.criteria.count() == 4
    assert RuleBook.objects.count() == 1


def test_reimporting_the_same_file_changes_nothing(db, tmp_path):
    path = write_xlsx(tmp_path / "rules.xlsx", RULEBOOK_HEADERS, ROWS)
    run("import_rulebook", 2026, path)
    history = Criterion.history.count()

    out = run("import_rulebook", 2026, path)

    assert "新增 0，更新 0，未变 4" in out
    assert Criterion.objects.count() == 4
    assert Criterion.history.count() == history


def test_reimporting_updates_text_and_kind_and_never_duplicates(db, tmp_path):
    run("import_rulebook", 2026, write_xlsx(tmp_path / "v1.xlsx", RULEBOOK_HEADERS, ROWS))
    revised = [ROWS[0], ["H02", "主动认领疑难工单", "红旗"], ["Y01", "工作推诿扯皮", "红旗"], ROWS[3], ["Y03", "乱作为", "黄灯"]]

    out = run("import_rulebook", 2026, write_xlsx(tmp_path / "v2.xlsx", RULEBOOK_HEADERS, revised))

    assert "新增 1，更新 2，未变 2" in out
    assert Criterion.objects.count() == 5
    assert Criterion.objects.get(code="H02").text == "主动认领疑难工单"
    assert Criterion.objects.get(code="Y01").kind == "red_flag"


def test_each_year_has_its_own_criteria(db, tmp_path):
    CriterionFactory(rulebook=RuleBookFactory(year=2025), code="H01", text="旧条目")

    run("import_rulebook", 2026, write_xlsx(tmp_path / "rules.xlsx", RULEBOOK_HEADERS, ROWS))

    assert Criterion.objects.get(rulebook__year=2025, code="H01").text == "旧条目"
    assert Criterion.objects.filter(rulebook__year=2026).count() == 4


def test_a_gbk_csv_is_read(db, tmp_path):
    out = run("import_rulebook", 2026, write_csv(tmp_path / "rules.csv", RULEBOOK_HEADERS, ROWS, encoding="gbk"))

    assert "新增 4" in out
    assert Criterion.objects.get(code="Y01").text == "工作推诿扯皮，不作为、慢作为"


BAD_ROWS = [
    ("an unknown kind", [ROWS[0], ["Y01", "推诿扯皮", "红灯"]], "第 3 行「类型」：“红灯”不是有效的类型，应为 红旗、黄灯"),
    ("an empty code", [ROWS[0], ["", "推诿扯皮", "黄灯"]], "第 3 行「编码」：不能为空"),
    ("an empty text", [["H01", "", "红旗"]], "第 2 行「内容」：不能为空"),
    ("a code twice in the file", [ROWS[0], ROWS[1], ["H01", "重复", "红旗"]], "第 4 行「编码」：编码“H01”与第 2 行重复"),
]


@pytest.mark.parametrize("rows, message", [case[1:] for case in BAD_ROWS], ids=[case[0] for case in BAD_ROWS])
def test_a_bad_row_imports_nothing_not_even_the_rule_book(db, tmp_path, rows, message):
    with pytest.raises(CommandError) as error:
        run("import_rulebook", 2026, write_xlsx(tmp_path / "rules.xlsx", RULEBOOK_HEADERS, rows))

    assert message in str(error.value)
    assert RuleBook.objects.count() == 0
    assert Criterion.objects.count() == 0


def test_a_missing_header_is_named(db, tmp_path):
    path = write_xlsx(tmp_path / "rules.xlsx", ["编码", "内容"], [["H01", "主动担当"]])

    with pytest.raises(CommandError, match="第 1 行「类型」：缺少这一列"):
        run("import_rulebook", 2026, path)


def test_a_year_column_is_not_accepted_on_the_command_line(db, tmp_path):
    path = write_xlsx(tmp_path / "rules.xlsx", RULEBOOK_HEADERS + ["年度"], [ROWS[0] + [2026]])

    with pytest.raises(CommandError, match="第 1 行「年度」：命令行按参数中的年度导入，文件里不能有这一列"):
        run("import_rulebook", 2026, path)


def test_a_malformed_year_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="不是有效的年度"):
        run("import_rulebook", "26", write_xlsx(tmp_path / "rules.xlsx", RULEBOOK_HEADERS, ROWS))


def test_the_jurisdiction_is_chosen_when_there_are_several(db, tmp_path):
    lishui = JurisdictionFactory(code="lishui", name="溧水区")
    path = write_xlsx(tmp_path / "rules.xlsx", RULEBOOK_HEADERS, ROWS)

    with pytest.raises(CommandError, match="--jurisdiction"):
        run("import_rulebook", 2026, path)
    run("import_rulebook", 2026, path, "--jurisdiction", "lishui")

    assert RuleBook.objects.get().jurisdiction == lishui
