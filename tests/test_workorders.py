"""12345 work orders: the import (all or nothing, row and column named), each unit's
figures, the command, and the admin's list, import and statistics pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.models import WorkOrder
from casework.workorder_stats import by_on_time_rate, percent, unit_workorder_stats
from casework.workorders import MAX_LISTED, Moment, import_workorders, parse_moment
from departments.importing import ImportRejected
from tests.factories import JurisdictionFactory, OrganisationFactory, default_jurisdiction, make_user
from tests.import_helpers import csv_bytes, run, write_csv, write_xlsx, xlsx_bytes

HEADERS = ["工单编号", "诉求内容", "承办单位", "受理时间", "办理时限", "办结时间", "满意度"]
IMPORT_URL = "/admin/casework/workorder/import/"
STATS_URL = "/admin/casework/workorder/stats/"
LIST_URL = "/admin/casework/workorder/"


def local(*parts: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*parts))


@pytest.fixture
def units(db):
    return {
        "T01": OrganisationFactory(code="T01", name="淳溪街道"),
        "T02": OrganisationFactory(code="T02", name="古柏街道"),
        "T03": OrganisationFactory(code="T03", name="东坝街道"),
    }


# A hand-worked month (March 2026), counted on 1 April at noon:
#   T01  W01 on time, 满意 · W02 on the deadline's day, 基本满意 · W03 late, 不满意 ·
#        W04 open past its deadline · W05 open within its deadline (counted in neither)
#        → on time 2 ÷ (closed 3 + overdue 1) = 50.0 %; satisfied (1 + 1) ÷ rated 3 = 66.7 %
#   T02  W06 closed without a deadline (on time), 满意 · W07 open without a deadline ·
#        W08 on time, 未评价 → 2 ÷ (2 + 0) = 100.0 %; 1 ÷ 1 = 100.0 %
#   T03  W09 late, 基本满意 · W10 open past its deadline → 0 ÷ (1 + 1) = 0.0 %; 1 ÷ 1 = 100.0 %
#        W11 received in February (on time, 满意): only in the year's figures
MONTH_ROWS = [
    ["W01", "路灯不亮", "T01", "2026-03-01 09:00", "2026-03-05", "2026-03-04 10:00", "满意"],
    ["W02", "噪声扰民", "淳溪街道", "2026/3/2 08:30", "2026/3/6", "2026/3/6 18:00", "基本满意"],
    ["W03", "占道经营", "T01", "2026年3月3日", "2026-03-07 17:00", "2026-03-08 09:00", "不满意"],
    ["W04", "井盖缺失", "T01", "2026-03-10", "2026-03-20", "", ""],
    ["W05", "垃圾清运", "T01", "2026-03-28", "2026-04-10", "", ""],
    ["W06", "绿化修剪", "T02", "2026-03-05", "", "2026-03-09", "满意"],
    ["W07", "停车难", "T02", "2026-03-06", "", "", ""],
    ["W08", "道路破损", "T02", "2026-03-07", "2026-03-15", "2026-03-14", "未评价"],
    ["W09", "违章搭建", "T03", "2026-03-01", "2026-03-03", "2026-03-04", "基本满意"],
    ["W10", "积水", "T03", "2026-03-02", "2026-03-10", "", ""],
    ["W11", "供暖", "T03", "2026-02-27", "2026-03-01", "2026-02-28", "满意"],
]
NOW = local(2026, 4, 1, 12, 0)


def import_rows(tmp_path, rows, *, name="orders.xlsx", headers=HEADERS):
    path = write_xlsx(tmp_path / name, headers, rows)
    return import_workorders(jurisdiction=default_jurisdiction(), path_or_file=path)


def stored() -> dict[str, tuple]:
    return {o.number: (o.content, o.unit.code, o.received_at, o.due_at, o.closed_at, o.satisfaction)
            for o in WorkOrder.objects.select_related("unit")}


# The import ------------------------------------------------------------------------------------


def test_a_good_workbook_imports_every_order_with_its_dates_read_as_written(units, tmp_path):
    rows = [
        # Excel's own date and date-time cells, as a platform's export holds them.
        ["2026030500001", "楼道灯坏了", "T01", dt.datetime(2026, 3, 5, 14, 30), dt.date(2026, 3, 10),
         dt.datetime(2026, 3, 9, 16, 0), "满意"],
        ["2026030500002", "-路面塌陷", "古柏街道", "2026年3月5日 8:05", "2026/3/12 17:30", "", "未评价"],
    ]
    summary = import_rows(tmp_path, rows)
    assert (summary.added, summary.changed, summary.unchanged, summary.rows) == (2, 0, 0, 2)
    assert stored() == {
        # A bare date as the deadline runs to the end of that day.
        "2026030500001": ("楼道灯坏了", "T01", local(2026, 3, 5, 14, 30), local(2026, 3, 10, 23, 59, 59),
                          local(2026, 3, 9, 16, 0), "satisfied"),
        # Text that starts like a formula is the caller's text, kept as written.
        "2026030500002": ("-路面塌陷", "T02", local(2026, 3, 5, 8, 5), local(2026, 3, 12, 17, 30), None, ""),
    }


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_a_csv_file_imports_whatever_encoding_excel_saved_it_in(units, tmp_path, encoding):
    path = write_csv(tmp_path / "orders.csv", HEADERS, MONTH_ROWS, encoding=encoding)
    summary = import_workorders(jurisdiction=default_jurisdiction(), path_or_file=path)
    assert (summary.added, summary.rows) == (11, 11)
    order = WorkOrder.objects.get(number="W02")
    assert (order.unit.code, order.content, order.satisfaction) == ("T01", "噪声扰民", "basic")
    assert order.received_at == local(2026, 3, 2, 8, 30)


def test_reimporting_the_same_file_changes_nothing(units, tmp_path):
    import_rows(tmp_path, MONTH_ROWS)
    before = list(WorkOrder.objects.order_by("number").values())
    summary = import_rows(tmp_path, MONTH_ROWS, name="again.xlsx")
    assert (summary.added, summary.changed, summary.unchanged, summary.rows) == (0, 0, 11, 11)
    assert "新增 0 条，更新 0 条，未变化 11 条" in str(summary)
    assert list(WorkOrder.objects.order_by("number").values()) == before  # imported_at included


def test_a_changed_row_updates_that_order_only(units, tmp_path):
    import_rows(tmp_path, MONTH_ROWS)
    before = {o["number"]: o for o in WorkOrder.objects.values()}
    rows = [list(row) for row in MONTH_ROWS]
    rows[3][5], rows[3][6] = "2026-03-25 11:00", "不满意"  # W04 closed since, and rated
    summary = import_rows(tmp_path, rows, name="later.xlsx")
    assert (summary.added, summary.changed, summary.unchanged) == (0, 1, 10)
    after = {o["number"]: o for o in WorkOrder.objects.values()}
    assert (after["W04"]["closed_at"], after["W04"]["satisfaction"]) == (local(2026, 3, 25, 11), "not_satisfied")
    assert after["W04"]["imported_at"] > before["W04"]["imported_at"]
    assert {n: o for n, o in after.items() if n != "W04"} == {n: o for n, o in before.items() if n != "W04"}


def test_a_new_number_is_added_beside_the_stored_ones_which_stay(units, tmp_path):
    import_rows(tmp_path, MONTH_ROWS[:3])
    summary = import_rows(tmp_path, MONTH_ROWS[2:5], name="next.xlsx")
    assert (summary.added, summary.changed, summary.unchanged) == (2, 0, 1)
    assert sorted(stored()) == ["W01", "W02", "W03", "W04", "W05"]


@pytest.mark.parametrize("text, moment", [
    ("2026-03-05", Moment(dt.datetime(2026, 3, 5), False)),
    ("2026/3/5", Moment(dt.datetime(2026, 3, 5), False)),
    ("2026.3.5", Moment(dt.datetime(2026, 3, 5), False)),
    ("2026年3月5日", Moment(dt.datetime(2026, 3, 5), False)),
    ("２０２６－０３－０５　１４：３０", Moment(dt.datetime(2026, 3, 5, 14, 30), True)),
    ("2026-03-05 14:30", Moment(dt.datetime(2026, 3, 5, 14, 30), True)),
    ("2026-03-05T14:30:15", Moment(dt.datetime(2026, 3, 5, 14, 30, 15), True)),
    ("2026-03-05 14:30:15.600000", Moment(dt.datetime(2026, 3, 5, 14, 30, 16), True)),  # Excel's milliseconds
    ("2026年3月5日 14时30分", Moment(dt.datetime(2026, 3, 5, 14, 30), True)),
])
def test_dates_and_times_are_read_in_the_usual_ways(text, moment):
    assert parse_moment(text) == moment


@pytest.mark.parametrize("text", ["2026-13-01", "2026-03", "3/5/2026", "1999-03-05", "2026-03-05 14", "明天"])
def test_what_is_no_date_is_refused(text):
    with pytest.raises(ValueError):
        parse_moment(text)


GOOD = ["W01", "路灯不亮", "T01", "2026-03-01 09:00", "2026-03-05", "2026-03-04 10:00", "满意"]


@pytest.mark.parametrize("label, bad, message", [
    ("an unknown unit", ["W02", "噪声", "T99", "2026-03-02", "", "", ""], "第 3 行「承办单位」：没有编码或名称为“T99”的单位"),
    ("a date that does not exist", ["W02", "噪声", "T01", "2026-02-30", "", "", ""], "第 3 行「受理时间」：“2026-02-30”不是有效的日期"),
    ("a time that is no time", ["W02", "噪声", "T01", "2026-03-02", "", "2026-03-03 25:00", ""],
     "第 3 行「办结时间」：“2026-03-03 25:00”不是有效的日期"),
    ("a number twice", ["W01", "噪声", "T01", "2026-03-02", "", "", ""], "第 3 行「工单编号」：工单编号“W01”与第 2 行重复"),
    ("closed before it was received", ["W02", "噪声", "T01", "2026-03-05 10:00", "", "2026-03-05 09:00", ""],
     "第 3 行「办结时间」：办结时间 2026-03-05 09:00 早于受理时间 2026-03-05 10:00"),
    ("closed the day before it was received", ["W02", "噪声", "T01", "2026-03-05 10:00", "", "2026-03-04", ""],
     "第 3 行「办结时间」：办结时间 2026-03-04 早于受理时间"),
    ("a satisfaction that is none", ["W02", "噪声", "T01", "2026-03-02", "", "", "很好"], "第 3 行「满意度」：“很好”不是有效的满意度"),
    ("no content", ["W02", "", "T01", "2026-03-02", "", "", ""], "第 3 行「诉求内容」：请填写这一格"),
    ("a plain number for a date", ["W02", "噪声", "T01", 46086, "", "", ""], "第 3 行「受理时间」：是数字 46086"),
    ("a number Excel has rounded", [2.02603050000123e17, "噪声", "T01", "2026-03-02", "", "", ""],
     "第 3 行「工单编号」：是数字"),
])
def test_one_bad_row_imports_nothing_and_names_its_row_and_column(units, tmp_path, label, bad, message):
    with pytest.raises(ImportRejected) as refused:
        import_rows(tmp_path, [GOOD, bad, ["W03", "占道", "T02", "2026-03-03", "", "", ""]])
    assert any(text.startswith(message) for text in refused.value.messages), refused.value.messages
    assert WorkOrder.objects.count() == 0


def test_the_same_day_closing_of_an_order_received_with_a_time_is_not_early(units, tmp_path):
    import_rows(tmp_path, [["W01", "噪声", "T01", "2026-03-05 10:00", "", "2026-03-05", ""]])
    assert WorkOrder.objects.get().closed_at == local(2026, 3, 5)


def test_a_missing_column_refuses_the_file(units, tmp_path):
    with pytest.raises(ImportRejected) as refused:
        import_rows(tmp_path, [GOOD[:3] + GOOD[4:]], headers=[h for h in HEADERS if h != "办结时间"] + ["办结时间x"])
    assert any("「办结时间」：缺少这一列" in text for text in refused.value.messages)


def test_a_file_with_many_problems_lists_the_first_fifty_and_their_total(units, tmp_path):
    rows = [[f"W{n:03d}", "噪声", "T99", "2026-03-02", "", "", ""] for n in range(80)]
    with pytest.raises(ImportRejected) as refused:
        import_rows(tmp_path, rows)
    listed = refused.value.listed
    assert len(listed) == MAX_LISTED + 1
    assert listed[0].startswith("第 2 行「承办单位」") and listed[MAX_LISTED - 1].startswith("第 51 行")
    assert "共 80 处问题" in listed[-1]
    assert WorkOrder.objects.count() == 0


def test_an_upload_is_read_like_a_file_on_disk(units):
    upload = SimpleUploadedFile("orders.csv", csv_bytes(HEADERS, MONTH_ROWS[:2]), content_type="text/csv")
    summary = import_workorders(jurisdiction=default_jurisdiction(), path_or_file=upload)
    assert (summary.added, summary.rows) == (2, 2)


def test_the_same_number_in_another_jurisdiction_is_another_order(units, tmp_path):
    other = JurisdictionFactory(code="lishui")
    OrganisationFactory(jurisdiction=other, code="T01", name="邻区镇")
    import_rows(tmp_path, MONTH_ROWS[:1])
    path = write_xlsx(tmp_path / "other.xlsx", HEADERS, MONTH_ROWS[:1])
    summary = import_workorders(jurisdiction=other, path_or_file=path)
    assert summary.added == 1
    assert WorkOrder.objects.filter(number="W01").count() == 2


# The figures -----------------------------------------------------------------------------------


def figures(stats) -> dict[str, tuple]:
    return {s.unit_code: (s.orders, s.closed, s.closed_on_time, s.open_overdue, s.on_time_rate,
                          s.rated, s.satisfied, s.basic, s.not_satisfied, s.satisfaction_rate) for s in stats}


def test_each_units_figures_match_the_hand_worked_month(units, tmp_path):
    import_rows(tmp_path, MONTH_ROWS)
    stats = unit_workorder_stats(jurisdiction_id=default_jurisdiction().pk, year=2026, month_from=3, month_to=3,
                                 now=NOW)
    assert figures(stats) == {
        "T01": (5, 3, 2, 1, Decimal("50.0"), 3, 1, 1, 1, Decimal("66.7")),
        "T02": (3, 2, 2, 0, Decimal("100.0"), 1, 1, 0, 0, Decimal("100.0")),
        "T03": (2, 1, 0, 1, Decimal("0.0"), 1, 0, 1, 0, Decimal("100.0")),
    }
    assert [s.unit_code for s in by_on_time_rate(stats)] == ["T03", "T01", "T02"]


def test_the_year_counts_every_month_and_the_moment_decides_what_is_overdue(units, tmp_path):
    import_rows(tmp_path, MONTH_ROWS)
    year = figures(unit_workorder_stats(jurisdiction_id=default_jurisdiction().pk, year=2026, now=NOW))
    assert year["T03"] == (3, 2, 1, 1, Decimal("33.3"), 2, 1, 1, 0, Decimal("100.0"))
    # On 11 April W05 is past its deadline too: T01's rate falls to 2 ÷ 5.
    later = figures(unit_workorder_stats(jurisdiction_id=default_jurisdiction().pk, year=2026,
                                         now=local(2026, 4, 11)))
    assert later["T01"][:5] == (5, 3, 2, 2, Decimal("40.0"))


def test_a_unit_without_anything_to_count_has_no_rate_and_comes_last(units, tmp_path):
    import_rows(tmp_path, [MONTH_ROWS[0], MONTH_ROWS[6]])  # T02's W07: open, no deadline, not rated
    stats = unit_workorder_stats(jurisdiction_id=default_jurisdiction().pk, year=2026, now=NOW)
    assert figures(stats)["T02"] == (1, 0, 0, 0, None, 0, 0, 0, 0, None)
    assert [s.unit_code for s in by_on_time_rate(stats)] == ["T01", "T02"]


def test_the_figures_can_be_kept_to_some_units(units, tmp_path):
    import_rows(tmp_path, MONTH_ROWS)
    stats = unit_workorder_stats(jurisdiction_id=default_jurisdiction().pk, year=2026, now=NOW,
                                 unit_ids=[units["T02"].pk])
    assert [s.unit_code for s in stats] == ["T02"]


def test_rates_round_half_up_to_one_decimal():
    assert percent(1, 80) == Decimal("1.3")  # 1.25: half up, not to even
    assert percent(2, 3) == Decimal("66.7")
    assert percent(0, 0) is None


@pytest.mark.parametrize("count", [3, 30])
def test_the_figures_cost_one_query_however_many_units(db, count):
    jurisdiction = default_jurisdiction()
    orgs = [OrganisationFactory(code=f"Q{n:02d}") for n in range(count)]
    WorkOrder.objects.bulk_create(
        WorkOrder(jurisdiction=jurisdiction, number=f"N{n}", content="诉求", unit=orgs[n % count],
                  received_at=local(2026, 3, 1 + n % 28), due_at=local(2026, 3, 20), satisfaction="basic")
        for n in range(count * 3)
    )
    with CaptureQueriesContext(connection) as queries:
        stats = unit_workorder_stats(jurisdiction_id=jurisdiction.pk, year=2026, now=NOW)
    assert len(stats) == count
    assert len(queries) == 1


# The command -----------------------------------------------------------------------------------


def test_the_command_imports_and_prints_what_it_did(units, tmp_path):
    path = write_xlsx(tmp_path / "orders.xlsx", HEADERS + ["备注"], [row + ["x"] for row in MONTH_ROWS])
    out = run("import_workorders", path)
    assert "12345工单：共 11 行，新增 11 条，更新 0 条，未变化 0 条" in out
    assert "备注" in out  # the ignored column is named
    assert "新增 0 条，更新 0 条，未变化 11 条" in run("import_workorders", path, "--jurisdiction", "default")


def test_the_command_refuses_a_bad_file_with_every_problem_and_writes_nothing(units, tmp_path):
    rows = [GOOD, ["W02", "噪声", "T99", "2026-03-02", "", "", ""], ["W03", "占道", "T01", "昨天", "", "", "好"]]
    path = write_csv(tmp_path / "orders.csv", HEADERS, rows)
    with pytest.raises(CommandError) as refused:
        run("import_workorders", path)
    text = str(refused.value)
    assert "没有写入任何数据" in text
    for part in ("第 3 行「承办单位」", "第 4 行「受理时间」", "第 4 行「满意度」"):
        assert part in text
    assert WorkOrder.objects.count() == 0


def test_the_command_names_an_unknown_jurisdiction(units, tmp_path):
    path = write_csv(tmp_path / "orders.csv", HEADERS, [GOOD])
    with pytest.raises(CommandError, match="没有编码为“nowhere”的辖区"):
        run("import_workorders", path, "--jurisdiction", "nowhere")


# The admin ---------------------------------------------------------------------------------------


def test_the_office_imports_a_workbook_on_the_import_page(units, alice, client):
    client.force_login(alice)
    page = client.get(IMPORT_URL)
    assert page.status_code == 200 and "工单编号" in page.content.decode()
    upload = SimpleUploadedFile("orders.xlsx", xlsx_bytes(HEADERS, MONTH_ROWS))
    response = client.post(IMPORT_URL, {"file": upload}, follow=True)
    assert response.redirect_chain[-1][0] == LIST_URL
    assert "新增 11 条" in response.content.decode()
    assert WorkOrder.objects.count() == 11


def test_the_import_page_lists_the_problems_and_imports_nothing(units, alice, client):
    client.force_login(alice)
    upload = SimpleUploadedFile("orders.csv", csv_bytes(HEADERS, [GOOD, GOOD]))
    response = client.post(IMPORT_URL, {"file": upload})
    assert response.status_code == 200
    assert "第 3 行「工单编号」：工单编号“W01”与第 2 行重复" in response.context["errors"]
    assert WorkOrder.objects.count() == 0


def test_a_rater_may_not_import(units, bob, client):
    client.force_login(bob)
    assert client.get(IMPORT_URL).status_code == 403
    upload = SimpleUploadedFile("orders.csv", csv_bytes(HEADERS, [GOOD]))
    assert client.post(IMPORT_URL, {"file": upload}).status_code == 403
    assert WorkOrder.objects.count() == 0


def test_a_rater_reads_the_list_but_adds_changes_and_deletes_nothing(units, bob, tmp_path, client):
    import_rows(tmp_path, MONTH_ROWS[:2])
    order = WorkOrder.objects.get(number="W01")
    client.force_login(bob)
    listing = client.get(LIST_URL)
    body = listing.content.decode()
    assert listing.status_code == 200 and "W01" in body and STATS_URL in body and IMPORT_URL not in body
    assert client.get(f"{LIST_URL}add/").status_code == 403
    change = client.get(f"{LIST_URL}{order.pk}/change/")
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert client.post(f"{LIST_URL}{order.pk}/delete/", {"post": "yes"}).status_code == 403
    assert WorkOrder.objects.filter(pk=order.pk).exists()


def test_the_office_list_links_to_the_import(units, alice, client):
    client.force_login(alice)
    assert IMPORT_URL in client.get(LIST_URL).content.decode()


def test_another_jurisdictions_orders_are_not_there(units, tmp_path, client):
    other = JurisdictionFactory(code="lishui")
    OrganisationFactory(jurisdiction=other, code="L01", name="邻区镇")
    olga = make_user("olga", "效能办", jurisdiction=other)
    import_rows(tmp_path, MONTH_ROWS[:1])
    order = WorkOrder.objects.get()
    client.force_login(olga)
    assert "W01" not in client.get(LIST_URL).content.decode()
    assert client.get(f"{LIST_URL}{order.pk}/change/").status_code == 404
    assert "淳溪街道" not in client.get(STATS_URL).content.decode()


def test_a_rater_reads_each_units_figures_lowest_on_time_rate_first(units, bob, tmp_path, client):
    import_rows(tmp_path, MONTH_ROWS)
    client.force_login(bob)
    response = client.get(STATS_URL, {"year": "2026", "month_from": "3", "month_to": "3"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("东坝街道") < body.index("淳溪街道") < body.index("古柏街道")
    assert "66.7%" in body and "按时办结率 = 按时办结 ÷（已办结 + 超期未办结）" in body


def test_the_figures_page_opens_on_this_year_for_a_leader(units, leo, client):
    client.force_login(leo)
    response = client.get(STATS_URL)
    assert response.status_code == 200
    assert response.context["year"] == timezone.localdate().year


def test_the_figures_page_refuses_months_the_wrong_way_round(units, leo, client):
    client.force_login(leo)
    response = client.get(STATS_URL, {"year": str(timezone.localdate().year), "month_from": "5", "month_to": "2"})
    assert response.status_code == 200 and response.context["stats"] is None
    assert "起始月份不能晚于结束月份" in response.content.decode()


def test_unit_staff_and_citizens_have_no_work_order_pages(units, client):
    una = make_user("una", "被考核单位")
    una.is_staff = False
    una.save()
    for url in (LIST_URL, IMPORT_URL, STATS_URL):
        assert client.get(url).status_code == 302
    client.force_login(una)
    for url in (LIST_URL, IMPORT_URL, STATS_URL):
        assert client.get(url).status_code == 302


def test_a_rater_finds_the_work_orders_and_nothing_else_of_the_casework_section(units, bob, client):
    client.force_login(bob)
    section = client.get("/admin/casework/")
    body = section.content.decode()
    assert section.status_code == 200 and LIST_URL in body
    assert "/admin/casework/report/" not in body and "/admin/casework/assignmentform/" not in body


def test_who_reaches_which_work_order_page(units, tmp_path, alice, bob, leo, client):
    other = JurisdictionFactory(code="lishui")
    olga = make_user("olga", "效能办", jurisdiction=other)
    import_rows(tmp_path, MONTH_ROWS[:1])
    pk = WorkOrder.objects.get().pk
    pages = {
        "list": LIST_URL, "add": f"{LIST_URL}add/", "change": f"{LIST_URL}{pk}/change/",
        "delete": f"{LIST_URL}{pk}/delete/", "history": f"{LIST_URL}{pk}/history/", "import": IMPORT_URL,
        "stats": STATS_URL,
    }
    expected = {  # list add change delete history import stats
        "bob": (200, 403, 200, 403, 200, 403, 200),
        "leo": (200, 403, 200, 403, 200, 403, 200),
        "alice": (200, 403, 200, 403, 200, 200, 200),
        "olga": (200, 403, 404, 403, 404, 200, 200),
    }
    people = {"bob": bob, "leo": leo, "alice": alice, "olga": olga}
    found = {}
    for name, user in people.items():
        client.force_login(user)
        found[name] = tuple(client.get(url).status_code for url in pages.values())
    assert found == expected
