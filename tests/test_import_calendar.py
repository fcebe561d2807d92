"""import_calendar and the calendar's admin import: the office enters a year's holidays and
make-up working days from a sheet, all or nothing; the office's days then decide.

- ``alice`` (效能办) imports, through the command's file or the admin's upload;
- ``leo`` (领导) reads the calendar but may not import;
- ``bob`` (a department's rater) does not see the calendar at all.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management.base import CommandError
from django.urls import reverse

from workdays import selectors
from workdays.models import CalendarDay
from tests.import_helpers import csv_bytes, run, write_csv, write_xlsx, xlsx_bytes

D = dt.date
HEADERS = ["日期", "类型", "说明"]
ROWS = [
    ["2031-01-01", "休息日", "元旦"],
    ["2031-01-04", "工作日", "元旦调休上班"],
    ["2031-02-03", "节假日", "春节"],
    ["2031-02-08", "调休上班", "春节调休上班"],
]
XLSX, CSV = "0", "1"  # the admin's format choices, in that order


def days() -> list[tuple]:
    return list(CalendarDay.objects.order_by("date").values_list("date", "is_working", "note", "updated_at"))


def refused(tmp_path, rows, headers=HEADERS) -> str:
    with pytest.raises(CommandError) as error:
        run("import_calendar", write_xlsx(tmp_path / "calendar.xlsx", headers, rows))
    assert "没有写入任何数据" in str(error.value)
    return str(error.value)


def test_a_good_file_enters_each_day_and_the_calendar_follows_it(db, tmp_path):
    out = run("import_calendar", write_xlsx(tmp_path / "calendar.xlsx", HEADERS, ROWS))

    assert "工作日历导入完成：新增 4，更新 0，未变 0" in out
    assert [(d, w, n) for d, w, n, _at in days()] == [
        (D(2031, 1, 1), False, "元旦"), (D(2031, 1, 4), True, "元旦调休上班"),
        (D(2031, 2, 3), False, "春节"), (D(2031, 2, 8), True, "春节调休上班"),
    ]
    assert selectors.is_working_day(D(2031, 1, 4)) is True  # a Saturday, made a working day
    assert selectors.is_working_day(D(2031, 1, 1)) is False  # a Wednesday, a holiday
    assert selectors.is_working_day(D(2031, 1, 2)) is True  # the rest of a year the office entered: weekdays


def test_an_excel_date_cell_and_other_ways_of_writing_a_date_are_read(db, tmp_path):
    rows = [[dt.datetime(2031, 1, 1), "休息", ""], ["2031/1/4", "上班", ""], ["2031.2.3", "放假", ""],
            ["2031年2月8日", "工作日", ""], ["２０３１－０２－０９", "休息日", ""]]

    run("import_calendar", write_xlsx(tmp_path / "calendar.xlsx", HEADERS, rows))

    assert [(d, w) for d, w, _n, _at in days()] == [
        (D(2031, 1, 1), False), (D(2031, 1, 4), True), (D(2031, 2, 3), False), (D(2031, 2, 8), True),
        (D(2031, 2, 9), False),
    ]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_a_csv_file_in_utf8_or_gbk_is_read(db, tmp_path, encoding):
    run("import_calendar", write_csv(tmp_path / "calendar.csv", HEADERS, ROWS, encoding=encoding))

    assert CalendarDay.objects.get(date=D(2031, 2, 3)).note == "春节"


def test_reimporting_the_same_file_changes_nothing(db, tmp_path):
    path = write_xlsx(tmp_path / "calendar.xlsx", HEADERS, ROWS)
    run("import_calendar", path)
    before = days()

    out = run("import_calendar", path)

    assert "新增 0，更新 0，未变 4" in out
    assert days() == before  # not even the time of the last change


def test_an_existing_day_is_updated_in_place_and_keeps_who_entered_it(db, tmp_path, alice):
    entered = CalendarDay.objects.create(date=D(2031, 1, 4), is_working=False, note="误录", created_by=alice)

    out = run("import_calendar", write_xlsx(tmp_path / "calendar.xlsx", HEADERS, ROWS))

    assert "新增 3，更新 1，未变 0" in out
    day = CalendarDay.objects.get(date=D(2031, 1, 4))
    assert (day.pk, day.is_working, day.note, day.created_by) == (entered.pk, True, "元旦调休上班", alice)


def test_a_file_without_the_note_column_keeps_the_notes(db, tmp_path):
    CalendarDay.objects.create(date=D(2031, 1, 1), is_working=True, note="元旦")

    run("import_calendar", write_xlsx(tmp_path / "calendar.xlsx", ["日期", "类型"], [["2031-01-01", "休息日"]]))

    day = CalendarDay.objects.get(date=D(2031, 1, 1))
    assert (day.is_working, day.note) == (False, "元旦")


def test_dry_run_reports_but_writes_nothing(db, tmp_path):
    out = run("import_calendar", write_xlsx(tmp_path / "calendar.xlsx", HEADERS, ROWS), "--dry-run")

    assert "试运行" in out and "新增 4" in out
    assert not CalendarDay.objects.exists()


BAD_ROWS = [
    ("the same date twice", [*ROWS, ["2031-01-01", "工作日", ""]], "第 6 行「日期」：日期 2031-01-01 与第 2 行重复"),
    ("a date that does not exist", [ROWS[0], ["2031-02-30", "休息日", ""]], "第 3 行「日期」：“2031-02-30”不是有效的日期"),
    ("a month without a day", [ROWS[0], ["2031-02", "休息日", ""]], "第 3 行「日期」：“2031-02”不是有效的日期"),
    ("a number for a date", [ROWS[0], [46754, "休息日", ""]], "第 3 行「日期」：是数字 46754"),
    ("an unknown kind", [ROWS[0], ["2031-01-02", "半天", ""]], "第 3 行「类型」：“半天”不是有效的类型，应为 工作日 或 休息日"),
    ("an empty kind", [ROWS[0], ["2031-01-02", "", "元旦"]], "第 3 行「类型」：不能为空"),
    ("an empty date", [ROWS[0], ["", "休息日", "元旦"]], "第 3 行「日期」：不能为空"),
    ("a note that reads as a formula", [ROWS[0], ["2031-01-02", "休息日", "@元旦"]], "第 3 行「说明」：不能以“@”开头"),
    ("a note longer than the field", [ROWS[0], ["2031-01-02", "休息日", "节" * 101]], "第 3 行「说明」：这一格有 101 个字符"),
]


@pytest.mark.parametrize("rows, message", [case[1:] for case in BAD_ROWS], ids=[case[0] for case in BAD_ROWS])
def test_one_bad_row_imports_nothing_and_names_its_row_and_column(db, tmp_path, rows, message):
    error = refused(tmp_path, rows)

    assert message in error
    assert not CalendarDay.objects.exists()


def test_a_missing_column_refuses_the_file(db, tmp_path):
    error = refused(tmp_path, [["2031-01-01", "元旦"]], headers=["日期", "说明"])

    assert "「类型」：缺少这一列" in error


def test_the_sample_file_imports(db):
    sample = Path(__file__).resolve().parent.parent / "docs" / "samples" / "calendar.csv"

    out = run("import_calendar", sample)

    assert "注意" not in out  # nothing in the sample is ignored
    assert CalendarDay.objects.filter(is_working=True).exists() and CalendarDay.objects.filter(is_working=False).exists()


# The admin --------------------------------------------------------------------------------------


def preview(client, content: bytes, name: str = "calendar.xlsx", file_format: str = XLSX):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(name, content)
    return client.post(reverse("admin:workdays_calendarday_import"),
                       {"import_file": upload, "format": file_format, "resource": "0"})


def test_the_office_previews_then_confirms_a_calendar_import(client, alice):
    client.force_login(alice)

    shown = preview(client, xlsx_bytes(HEADERS, ROWS))

    assert shown.status_code == 200 and shown.context["confirm_form"] is not None
    assert "元旦调休上班" in shown.content.decode()
    assert not CalendarDay.objects.exists()  # a preview writes nothing

    done = client.post(reverse("admin:workdays_calendarday_process_import"), shown.context["confirm_form"].initial)

    assert done.status_code == 302
    assert CalendarDay.objects.count() == 4
    assert set(CalendarDay.objects.values_list("created_by", flat=True)) == {alice.pk}
    assert "导入完成：新增 4，更新 0，未变 0" in [str(m) for m in done.wsgi_request._messages]


def test_the_admin_names_the_row_and_column_of_a_bad_row_and_imports_nothing(client, alice):
    client.force_login(alice)

    shown = preview(client, csv_bytes(HEADERS, [ROWS[0], ["2031-01-02", "半天", ""]]), "calendar.csv", CSV)

    assert shown.context.get("confirm_form") is None
    invalid = shown.context["result"].invalid_rows
    assert [(row.number, row.field_specific_errors) for row in invalid] == [
        (3, {"类型": ["“半天”不是有效的类型，应为 工作日 或 休息日"]}),
    ]
    assert "“半天”不是有效的类型" in shown.content.decode()
    assert not CalendarDay.objects.exists()


def test_the_calendar_list_offers_the_import_to_the_office_only(client, alice, leo):
    client.force_login(alice)
    page = client.get(reverse("admin:workdays_calendarday_changelist")).content.decode()
    assert reverse("admin:workdays_calendarday_import") in page
    assert "内置的国家法定节假日安排" in page  # the page keeps its own explanation

    client.force_login(leo)
    page = client.get(reverse("admin:workdays_calendarday_changelist"))
    assert page.status_code == 200
    assert reverse("admin:workdays_calendarday_import") not in page.content.decode()


@pytest.mark.parametrize("persona", ["leo", "bob"])
def test_nobody_but_the_office_may_import(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("admin:workdays_calendarday_import")).status_code == 403
    assert preview(client, xlsx_bytes(HEADERS, ROWS)).status_code == 403
    assert not CalendarDay.objects.exists()
