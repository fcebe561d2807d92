"""The working-day calendar from a spreadsheet: 日期, 类型, 说明, all or nothing.

The office enters the holidays and make-up working days of a year the built-in calendar
does not know yet (or corrects one it knows) from the State Council's notice, as a sheet.
The calendar is national: it belongs to no jurisdiction, so the import needs none.

- 日期: 2027-01-01 (also 2027/1/1, 2027.1.1, 2027年1月1日), or an Excel date cell; a
  plain number is refused (Excel's serial number for a date says nothing to a clerk).
- 类型: 工作日 (also 上班, 调休上班) or 休息日 (also 休息, 节假日, 放假).
- 说明: optional, such as 春节 or 国庆节调休上班.

A date is the key: an existing day is updated in place, an unchanged one is left as it
is (re-importing the same file changes nothing), the same date twice in the file is
refused naming both rows. CalendarDay keeps no history; ``created_by`` stays who first
entered the day.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, widgets
from import_export.results import Result

from departments.importing import (
    NumberCell, SheetResource, cell_text, import_all_or_nothing, read_file, starts_like_formula,
)
from workdays.models import CalendarDay

DATE, KIND, NOTE = "日期", "类型", "说明"

WORKING, RESTING = "工作日", "休息日"
# 类型 as written in the file → is a working day.
KINDS = {
    WORKING: True, "上班": True, "调休上班": True, "补班": True,
    RESTING: False, "休息": False, "节假日": False, "放假": False,
}

MIN_YEAR, MAX_YEAR = 2000, 2100
DATE_RE = re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})$")
CHINESE_DATE_RE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")


def parse_date(text: str) -> dt.date:
    """``YYYY-MM-DD`` (or / . 年月日) → a date; ValueError with the clerk's wording.
    Full-width digits (２０２７－０１－０１) are read as what they look like."""
    normal = unicodedata.normalize("NFKC", text)
    match = DATE_RE.match(normal) or CHINESE_DATE_RE.match(normal)
    if match:
        year, month, day = (int(part) for part in match.groups())
        if MIN_YEAR <= year <= MAX_YEAR:
            try:
                return dt.date(year, month, day)
            except ValueError:
                pass
    raise ValueError(_("“%(value)s”不是有效的日期，应写成 YYYY-MM-DD，例如 2027-01-01") % {"value": text})


class DateCellWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs) -> dt.date:
        if isinstance(value, NumberCell):
            raise ValueError(_(
                "是数字 %(shown)s，看不出是哪一天；请把这一列设为“日期”或“文本”格式后填写 2027-01-01"
            ) % {"shown": value})
        return parse_date(cell_text(value))

    def render(self, value, obj=None, **kwargs) -> str:
        return value.isoformat() if value else ""


class KindWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs) -> bool:
        text = unicodedata.normalize("NFKC", cell_text(value)).replace(" ", "")
        if text in KINDS:
            return KINDS[text]
        raise ValueError(_("“%(value)s”不是有效的类型，应为 %(working)s 或 %(resting)s") % {
            "value": cell_text(value), "working": WORKING, "resting": RESTING,
        })

    def render(self, value, obj=None, **kwargs) -> str:
        return WORKING if value else RESTING


class NoteWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs) -> str:
        text = " ".join(cell_text(value).split())
        if starts_like_formula(text):
            raise ValueError(
                _("不能以“%(char)s”开头：电子表格会把它当作公式；请删去开头的“%(char)s”") % {"char": text[0]}
            )
        return text


class CalendarDayResource(SheetResource):
    """Keyed by 日期. ``jurisdiction`` is not used: the calendar is national."""

    date = fields.Field(attribute="date", column_name=DATE, widget=DateCellWidget())
    is_working = fields.Field(attribute="is_working", column_name=KIND, widget=KindWidget())
    note = fields.Field(attribute="note", column_name=NOTE, widget=NoteWidget())

    required_headers = (DATE, KIND)
    optional_headers = (NOTE,)
    required_columns = (DATE, KIND)
    column_limits = {DATE: 20, KIND: 10, NOTE: CalendarDay._meta.get_field("note").max_length}

    class Meta:
        model = CalendarDay
        name = "工作日历"
        fields = ("date", "is_working", "note")
        import_id_fields = ("date",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def __init__(self, **kwargs):
        kwargs.setdefault("jurisdiction", None)
        super().__init__(**kwargs)
        self.rows_by_date: dict[dt.date, int] = {}

    def get_queryset(self):
        return CalendarDay.objects.all()

    def get_instance(self, instance_loader, row) -> CalendarDay | None:
        try:
            day = self.fields["date"].clean(row)
        except ValueError:
            return None  # a bad 日期: import_instance names the column
        return CalendarDay.objects.filter(date=day).first()

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.column_name == NOTE and NOTE not in row:
            return  # a file without 说明 leaves a day's note as it is
        super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)

    def check_row(self, instance: CalendarDay, row) -> None:
        first = self.rows_by_date.setdefault(instance.date, self.current_row)
        if first != self.current_row:
            raise ValidationError({DATE: _("日期 %(date)s 与第 %(row)d 行重复") % {
                "date": instance.date.isoformat(), "row": first,
            }})

    def before_save_instance(self, instance: CalendarDay, row, **kwargs) -> None:
        super().before_save_instance(instance, row, **kwargs)
        if instance.pk is None:
            instance.created_by = self.user


def import_calendar_file(path: str | Path, *, dry_run: bool = False, user=None) -> Result:
    """Read a calendar sheet from disk and import it all or nothing (ImportRejected)."""
    resource = CalendarDayResource(user=user)
    dataset = read_file(path, required=resource.required_headers, optional=resource.optional_headers,
                        refused=resource.refused_headers, limits=resource.column_limits)
    return import_all_or_nothing(resource, dataset, dry_run=dry_run, file_name=Path(path).name)
