"""A crontab schedule in words: ``0 9 10 * *`` is 每月10日 09:00.

django-celery-beat names a schedule ``0 9 10 * * (m/h/dM/MY/d) Asia/Shanghai`` and
describes it in English (cron_descriptor), outside gettext. The admin shows the office
this instead. Plain numbers and lists (``1,15``) are put in words; anything else (a
range, a step) is shown as the five fields with their names, which says it all the same.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

NUMBERS = re.compile(r"^\d+(,\d+)*$")


def _numbers(field: str) -> list[int] | None:
    return [int(part) for part in field.split(",")] if NUMBERS.match(field) else None


def _weekday(number: int) -> str:
    names = [pgettext("星期", "日"), pgettext("星期", "一"), pgettext("星期", "二"), pgettext("星期", "三"),
             pgettext("星期", "四"), pgettext("星期", "五"), pgettext("星期", "六")]
    return names[number % 7]


def crontab_text(minute: str, hour: str, day_of_month: str, month_of_year: str, day_of_week: str) -> str:
    """The schedule in words, or its five fields, named, when the words would not be plain."""
    minutes, hours = _numbers(minute), _numbers(hour)
    days, months, weekdays = _numbers(day_of_month), _numbers(month_of_year), _numbers(day_of_week)
    fields = (minute, hour, day_of_month, month_of_year, day_of_week)
    if any(value != "*" and numbers is None for value, numbers in zip(fields, (minutes, hours, days, months,
                                                                                 weekdays))):
        return _("分 %(minute)s，时 %(hour)s，日 %(day)s，月 %(month)s，星期 %(weekday)s") % {
            "minute": minute, "hour": hour, "day": day_of_month, "month": month_of_year, "weekday": day_of_week}

    if minutes is None and hours is None:
        time = _("每分钟")
    elif hours is None:
        time = _("每小时第 %(minutes)s 分") % {"minutes": "、".join(str(m) for m in minutes)}
    elif minutes is None:
        time = _("%(hours)s 点的每分钟") % {"hours": "、".join(str(h) for h in hours)}
    else:
        time = "、".join(f"{h:02d}:{m:02d}" for h in hours for m in minutes)

    parts = []
    if months is not None:
        parts.append(_("每年 %(months)s 月") % {"months": "、".join(str(m) for m in months)})
    elif days is not None:
        parts.append(_("每月"))
    if days is not None:
        parts.append(_("%(days)s 日") % {"days": "、".join(str(d) for d in days)})
    if weekdays is not None:
        parts.append(_("每周%(weekdays)s") % {"weekdays": "、".join(_weekday(d) for d in weekdays)})
    return " ".join(parts or [_("每天")]) + " " + time
