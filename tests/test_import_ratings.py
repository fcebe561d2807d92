"""import_ratings: a month's ratings from a spreadsheet, through the same checks as a
rating entered by hand, all or nothing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from ratings import services
from ratings.models import Period, Rating
from ratings.resources import parse_month
from tests.factories import DepartmentFactory, JurisdictionFactory, OrganisationFactory, PeriodFactory
from tests.import_helpers import RATING_HEADERS, run, write_csv, write_xlsx


@pytest.fixture
def org_chart(dept_a, dept_b, town, town2, flag_criterion, yellow_criterion):
    """住建局 (ZJJ) and 市场监管局 (SCJ) rate 淳溪街道 (T01) and 古柏街道 (T02) under the
    2026 rule book, whose criteria H01 (红旗) and Y01 (黄灯) every rating must cite."""
    return {"ZJJ": dept_a, "SCJ": dept_b, "T01": town, "T02": town2}


def counts() -> tuple[int, int]:
    return Rating.objects.count(), Period.objects.count()


GOOD_ROWS = [
    ["2026-03", "ZJJ", "T01", "红旗", "H01", "老旧小区改造提前完成", ""],
    ["2026-03", "区市场监管局", "古柏街道", "黄灯", "Y01", "食品安全专项整治推进迟缓", "否"],
    ["2026-03", "SCJ", "T01", "黄灯", "Y01", "投诉处置超时，造成不良影响", "是"],
]


def test_a_good_file_records_submitted_ratings(org_chart, tmp_path):
    out = run("import_ratings", write_xlsx(tmp_path / "march.xlsx", RATING_HEADERS, GOOD_ROWS))

    assert "新增 3，更新 0，未变 0" in out
    ratings = list(Rating.objects.order_by("pk"))
    assert [r.status for r in ratings] == [Rating.Status.SUBMITTED] * 3
    assert all(r.submitted_at for r in ratings)
    first, second, third = ratings
    assert (first.department, first.unit, first.kind, first.criterion.code) == (
        org_chart["ZJJ"], org_chart["T01"], "red_flag", "H01",
    )
    # departments and units by code or by exact name
    assert (second.department, second.unit) == (org_chart["SCJ"], org_chart["T02"])
    assert (first.serious_impact, second.serious_impact, third.serious_impact) == (False, False, True)
    assert not any(r.outcome for r in ratings)  # only approved ratings count


def test_the_month_is_opened_on_demand(org_chart, tmp_path):
    assert not Period.objects.filter(year=2026, month=3).exists()

    run("import_ratings", write_xlsx(tmp_path / "march.xlsx", RATING_HEADERS, GOOD_ROWS))

    assert Period.objects.get(year=2026, month=3).status == Period.Status.OPEN


def test_a_month_that_excel_turned_into_a_date_is_read_as_that_month(org_chart, tmp_path):
    rows = [[datetime(2026, 3, 1), "ZJJ", "T01", "红旗", "H01", "老旧小区改造提前完成", ""]]

    run("import_ratings", write_xlsx(tmp_path / "march.xlsx", RATING_HEADERS, rows))

    assert Rating.objects.get().period.label == "2026-03"


def test_a_gbk_csv_is_read(org_chart, tmp_path):
    out = run("import_ratings", write_csv(tmp_path / "march.csv", RATING_HEADERS, GOOD_ROWS, encoding="gbk"))

    assert "新增 3" in out
    assert Rating.objects.filter(reason="食品安全专项整治推进迟缓").exists()


def test_approve_makes_a_second_consecutive_yellow_light_a_red_light(org_chart, tmp_path):
    rows = [
        ["2026-01", "ZJJ", "T01", "黄灯", "Y01", "征收工作推进迟缓", "否"],
        ["2026-02", "SCJ", "T01", "黄灯", "Y01", "投诉处置超时", "否"],
        ["2026-02", "ZJJ", "T02", "红旗", "H01", "主动认领疑难工单", ""],
    ]

    out = run("import_ratings", write_xlsx(tmp_path / "q1.xlsx", RATING_HEADERS, rows), "--approve")

    assert "已审核通过" in out and "新增 3" in out
    january, february, flag = Rating.objects.order_by("pk")
    assert {r.status for r in (january, february, flag)} == {Rating.Status.APPROVED}
    assert (january.outcome, january.escalation) == ("yellow_light", "")
    assert (february.kind, february.outcome, february.escalation) == ("yellow_light", "red_light", "consecutive")
    assert february.escalated_after == january  # the original yellow stays, linked
    assert flag.outcome == "red_flag"


def test_approve_continues_a_chain_begun_by_an_earlier_import(org_chart, tmp_path):
    run("import_ratings", write_xlsx(tmp_path / "jan.xlsx", RATING_HEADERS,
                                     [["2026-01", "ZJJ", "T01", "黄灯", "Y01", "征收工作推进迟缓", ""]]), "--approve")

    run("import_ratings", write_xlsx(tmp_path / "feb.xlsx", RATING_HEADERS,
                                     [["2026-02", "ZJJ", "T01", "黄灯", "Y01", "整改仍未到位", ""]]), "--approve")

    assert Rating.objects.get(period__month=2).outcome == "red_light"


def test_approve_makes_a_serious_yellow_light_a_red_light_at_once(org_chart, tmp_path):
    rows = [["2026-03", "SCJ", "T01", "黄灯", "Y01", "投诉处置超时，造成不良影响", "是"]]

    run("import_ratings", write_xlsx(tmp_path / "march.xlsx", RATING_HEADERS, rows), "--approve")

    rating = Rating.objects.get()
    assert (rating.outcome, rating.escalation) == ("red_light", "serious")


def test_without_approve_nothing_escalates(org_chart, tmp_path):
    rows = [
        ["2026-01", "ZJJ", "T01", "黄灯", "Y01", "征收工作推进迟缓", ""],
        ["2026-02", "ZJJ", "T01", "黄灯", "Y01", "整改仍未到位", ""],
    ]

    run("import_ratings", write_xlsx(tmp_path / "q1.xlsx", RATING_HEADERS, rows))

    assert set(Rating.objects.values_list("status", "outcome")) == {(Rating.Status.SUBMITTED, "")}


def test_reimporting_the_same_file_changes_nothing(org_chart, tmp_path):
    path = write_xlsx(tmp_path / "march.xlsx", RATING_HEADERS, GOOD_ROWS)
    run("import_ratings", path)
    history = Rating.history.count()

    out = run("import_ratings", path)

    assert "新增 0，更新 0，未变 3" in out
    assert Rating.objects.count() == 3
    assert Rating.history.count() == history


def test_reimporting_with_approve_approves_the_ratings_awaiting_review(org_chart, tmp_path):
    path = write_xlsx(tmp_path / "march.xlsx", RATING_HEADERS, GOOD_ROWS)
    run("import_ratings", path)

    out = run("import_ratings", path, "--approve")

    assert "新增 0，更新 3，未变 0" in out
    assert set(Rating.objects.values_list("status", flat=True)) == {Rating.Status.APPROVED}


def test_dry_run_checks_everything_and_writes_nothing(org_chart, tmp_path):
    before = counts()

    out = run("import_ratings", write_xlsx(tmp_path / "march.xlsx", RATING_HEADERS, GOOD_ROWS), "--approve", "--dry-run")

    assert "试运行" in out and "新增 3" in out
    assert counts() == before  # not even the period


def test_dry_run_still_reports_bad_rows(org_chart, tmp_path):
    rows = [GOOD_ROWS[0], ["2026-03", "ZJJ", "T09", "红旗", "H01", "某事", ""]]

    with pytest.raises(CommandError, match="第 3 行「被考核单位」"):
        run("import_ratings", write_xlsx(tmp_path / "march.xlsx", RATING_HEADERS, rows), "--dry-run")


def row(**changes) -> list:
    """A new red flag like GOOD_ROWS[0], with some columns changed, by header."""
    values = dict(zip(RATING_HEADERS, GOOD_ROWS[0]), 事由="汛期值守到位，险情处置及时")
    values.update(changes)
    return [values[h] for h in RATING_HEADERS]


BAD_ROWS = [
    ("a malformed month", row(月份="2026-13"), "「月份」：“2026-13”不是有效的月份"),
    ("a month written as text", row(月份="三月"), "「月份」：“三月”不是有效的月份"),
    ("an unknown department", row(职能管理部门="区教育局"), "「职能管理部门」：本辖区没有编码或名称为“区教育局”的职能管理部门"),
    ("a unit as the department", row(职能管理部门="T02"), "「职能管理部门」：“古柏街道”不是职能管理部门"),
    ("an unknown unit", row(被考核单位="T99"), "「被考核单位」：本辖区没有编码或名称为“T99”的被考核单位"),
    ("a department as the unit", row(被考核单位="SCJ"), "「被考核单位」：“区市场监管局”不是被考核单位"),
    ("an unknown kind", row(类型="蓝灯"), "「类型」：“蓝灯”不是有效的类型，应为 红旗、黄灯、红灯"),
    ("an unknown criterion", row(认定条目="H99"), "「认定条目」：2026 年度认定细则中没有编码为“H99”的条目"),
    ("a criterion of the wrong kind", row(认定条目="Y01"), "「认定条目」：所选认定条目的类型与认定类型不符"),
    ("a missing criterion the rule book requires", row(认定条目=""), "「认定条目」：本年度认定细则要求每条认定引用一个认定条目"),
    # (a past year: a month still ahead is refused first, tests/test_future_months.py)
    ("a month of a year without a rule book", row(月份="2025-01"), "「月份」：2025 年度还没有认定细则"),
    ("an empty reason", row(事由=""), "「事由」：不能为空"),
    ("an empty unit", row(被考核单位=""), "「被考核单位」：不能为空"),
    ("a serious impact that is neither yes nor no", row(较大影响="可能"), "「较大影响」：“可能”应为 是 或 否"),
    ("a serious impact on a red flag", row(较大影响="是"), "「较大影响」：只有黄灯可以标记“造成较大影响”"),
]


@pytest.mark.parametrize("bad, message", [case[1:] for case in BAD_ROWS], ids=[case[0] for case in BAD_ROWS])
def test_a_bad_row_imports_nothing_and_names_its_row_and_column(org_chart, tmp_path, bad, message):
    before = counts()

    with pytest.raises(CommandError) as error:
        run("import_ratings", write_xlsx(tmp_path / "march.xlsx", RATING_HEADERS, [GOOD_ROWS[0], GOOD_ROWS[1], bad]),
            "--approve")

    assert "第 4 行" + message in str(error.value)
    assert counts() == before  # the good rows and the opened month are gone too


def test_a_closed_month_is_refused_naming_the_row_and_the_month_column(org_chart, tmp_path, january):
    january.status = Period.Status.CLOSED
    january.save()
    rows = [GOOD_ROWS[0], row(月份="2026-01")]

    with pytest.raises(CommandError) as error:
        run("import_ratings", write_xlsx(tmp_path / "jan.xlsx", RATING_HEADERS, rows))

    assert "第 3 行「月份」：2026-01 已关账" in str(error.value)
    assert counts() == (0, 1)


def test_the_same_row_twice_in_a_file_is_an_error(org_chart, tmp_path):
    rows = [GOOD_ROWS[0], GOOD_ROWS[1], GOOD_ROWS[0]]

    with pytest.raises(CommandError) as error:
        run("import_ratings", write_xlsx(tmp_path / "march.xlsx", RATING_HEADERS, rows))

    assert "第 4 行：与第 2 行重复" in str(error.value)
    assert Rating.objects.count() == 0


def test_a_department_cannot_rate_itself(org_chart, tmp_path):
    DepartmentFactory(code="JTJ", name="区交通运输局", is_unit=True)
    rows = [row(职能管理部门="JTJ", 被考核单位="区交通运输局")]

    with pytest.raises(CommandError, match="第 2 行「被考核单位」：职能管理部门不能认定自身"):
        run("import_ratings", write_xlsx(tmp_path / "march.xlsx", RATING_HEADERS, rows))


def test_a_retired_unit_cannot_be_rated(org_chart, tmp_path):
    OrganisationFactory(code="T03", name="撤并的镇", is_active=False)

    with pytest.raises(CommandError, match="第 2 行「被考核单位」：“撤并的镇”已停用"):
        run("import_ratings", write_xlsx(tmp_path / "march.xlsx", RATING_HEADERS, [row(被考核单位="T03")]))


def test_a_name_shared_by_two_units_asks_for_the_code(org_chart, tmp_path):
    OrganisationFactory(code="T05", name="古柏街道")

    with pytest.raises(CommandError, match="第 2 行「被考核单位」：名称为“古柏街道”的单位不止一个，请改填编码"):
        run("import_ratings", write_xlsx(tmp_path / "march.xlsx", RATING_HEADERS, [row(被考核单位="古柏街道")]))


def test_a_changed_serious_impact_on_an_existing_rating_is_refused(org_chart, tmp_path):
    run("import_ratings", write_xlsx(tmp_path / "v1.xlsx", RATING_HEADERS, GOOD_ROWS))
    changed = [GOOD_ROWS[0], GOOD_ROWS[1], GOOD_ROWS[2][:6] + ["否"]]

    with pytest.raises(CommandError, match="第 4 行「较大影响」：已有一条相同的认定"):
        run("import_ratings", write_xlsx(tmp_path / "v2.xlsx", RATING_HEADERS, changed))


def test_units_of_another_jurisdiction_are_not_found(org_chart, tmp_path):
    lishui = JurisdictionFactory(code="lishui", name="溧水区")
    OrganisationFactory(jurisdiction=lishui, code="L01", name="永阳街道")

    with pytest.raises(CommandError, match="第 2 行「被考核单位」：本辖区没有编码或名称为“L01”"):
        run("import_ratings", write_xlsx(tmp_path / "march.xlsx", RATING_HEADERS, [row(被考核单位="L01")]),
            "--jurisdiction", "default")


def test_a_missing_header_is_named(org_chart, tmp_path):
    headers = [h for h in RATING_HEADERS if h != "较大影响"]
    path = write_xlsx(tmp_path / "march.xlsx", headers, [r[:6] for r in GOOD_ROWS])

    with pytest.raises(CommandError, match="第 1 行「较大影响」：缺少这一列"):
        run("import_ratings", path)


def test_ratings_imported_for_an_open_month_can_be_approved_and_the_month_closed(org_chart, tmp_path, alice):
    run("import_ratings", write_xlsx(tmp_path / "march.xlsx", RATING_HEADERS, GOOD_ROWS))
    for rating in Rating.objects.all():
        services.rating_approve(rating=rating, by=alice)

    period = services.period_close(period=Period.objects.get(year=2026, month=3), by=alice)

    assert period.status == Period.Status.CLOSED


MONTHS = [
    ("2026-03", (2026, 3)),
    ("2026-3", (2026, 3)),
    ("2026/03", (2026, 3)),
    ("2026.03", (2026, 3)),
    ("2026年3月", (2026, 3)),
    ("2026-03-01", (2026, 3)),
    ("2026/3/1", (2026, 3)),
]


@pytest.mark.parametrize("text, expected", MONTHS)
def test_a_month_is_read_in_the_ways_clerks_write_it(text, expected):
    assert parse_month(text) == expected


@pytest.mark.parametrize("text", ["", "2026-13", "2026-00", "26-03", "2026-03-15", "2026", "1999-01", "三月"])
def test_anything_else_is_not_a_month(text):
    with pytest.raises(ValueError, match="不是有效的月份"):
        parse_month(text)


def test_a_period_is_looked_up_in_the_jurisdiction_given(org_chart, tmp_path):
    PeriodFactory(year=2026, month=3, status=Period.Status.CLOSED, jurisdiction=JurisdictionFactory(code="lishui"))

    out = run("import_ratings", write_xlsx(tmp_path / "march.xlsx", RATING_HEADERS, GOOD_ROWS), "--jurisdiction", "default")

    assert "新增 3" in out


def test_the_sample_files_import_as_the_readme_shows(db):
    samples = Path(__file__).parents[1] / "docs" / "samples"

    run("import_org", samples / "organisations.csv")
    run("import_rulebook", 2026, samples / "rulebook.csv")
    out = run("import_ratings", samples / "ratings.csv", "--approve")

    assert "新增 8，更新 0，未变 0" in out
    assert "注意" not in out  # nothing in the samples is ignored
    red_lights = Rating.objects.filter(outcome="red_light").order_by("unit__name")
    assert [(r.unit.name, r.escalation) for r in red_lights] == [("区城建集团", "serious"), ("砖墙镇", "consecutive")]
