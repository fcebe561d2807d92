"""A schedule of the periodic-task admin in words (lib/crontab.py)."""

import pytest

from lib.crontab import crontab_text


@pytest.mark.parametrize("fields, words", [
    (("0", "9", "10", "*", "*"), "每月 10 日 09:00"),  # the scheduled publication, as shipped
    (("30", "8", "1,15", "*", "*"), "每月 1、15 日 08:30"),
    (("0", "9", "*", "*", "*"), "每天 09:00"),
    (("0", "9", "*", "*", "1,3"), "每周一、三 09:00"),
    (("0", "9", "*", "*", "0"), "每周日 09:00"),
    (("0", "9", "*", "*", "7"), "每周日 09:00"),
    (("0", "18", "31", "12", "*"), "每年 12 月 31 日 18:00"),
    (("0,30", "8", "*", "*", "*"), "每天 08:00、08:30"),
    (("*", "*", "*", "*", "*"), "每天 每分钟"),
    (("15", "*", "*", "*", "*"), "每天 每小时第 15 分"),
])
def test_a_plain_schedule_reads_as_chinese_words(fields, words):
    assert crontab_text(*fields) == words


def test_a_range_or_a_step_is_shown_field_by_field_with_chinese_names():
    assert crontab_text("*/5", "8-18", "*", "*", "1-5") == "分 */5，时 8-18，日 *，月 *，星期 1-5"
