"""Settings come from the environment, with working defaults, and refuse nonsense."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env


def test_a_missing_value_takes_its_default(monkeypatch):
    monkeypatch.delenv("LIANGBANG_X", raising=False)
    assert env.env_bool("LIANGBANG_X", True) is True
    assert env.env_int("LIANGBANG_X", 7) == 7
    assert env.env_list("LIANGBANG_X", ["a"]) == ["a"]


@pytest.mark.parametrize("raw, expected", [("true", True), ("1", True), ("False", False), ("off", False)])
def test_booleans_are_read_in_their_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("LIANGBANG_X", raw)
    assert env.env_bool("LIANGBANG_X", not expected) is expected


@pytest.mark.parametrize("reader, raw", [(env.env_bool, "maybe"), (env.env_int, "ten")])
def test_a_malformed_value_stops_the_start_with_its_name(monkeypatch, reader, raw):
    monkeypatch.setenv("LIANGBANG_X", raw)
    with pytest.raises(ImproperlyConfigured, match="LIANGBANG_X"):
        reader("LIANGBANG_X", 0)


def test_lists_are_comma_separated(monkeypatch):
    monkeypatch.setenv("LIANGBANG_X", "a.gov.cn, b.gov.cn,")
    assert env.env_list("LIANGBANG_X", []) == ["a.gov.cn", "b.gov.cn"]


def test_the_product_speaks_chinese_and_runs_tasks_in_process_by_default():
    from config.settings import base

    assert base.LANGUAGE_CODE == "zh-hans"
    assert base.CELERY_TASK_ALWAYS_EAGER is True
    assert base.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
