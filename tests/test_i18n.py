"""Chinese first, English complete."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
SOURCE_DIRS = ("config", "lib", "departments", "ratings", "assessment", "boards", "dashboard", "manual", "workdays", "notifications", "reviews", "casework", "evaluations", "desk", "templates")


def test_the_interface_speaks_chinese_by_default(client, db):
    response = client.get("/admin/login/")
    body = response.content.decode()
    assert 'lang="zh-CN"' in body
    assert "效能亮榜" in body
    assert "用户名" in body


def test_an_english_reader_gets_english(client, db, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get("/admin/login/").content.decode()
    assert 'lang="en"' in body
    assert "Username" in body
    assert "用户名" not in body


def test_the_english_catalogue_translates_every_message():
    catalogue = polib.pofile(str(CATALOGUE))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []
    assert len(catalogue) > 100


def test_the_english_catalogue_translates_away_every_chinese_character():
    catalogue = polib.pofile(str(CATALOGUE))
    chinese = [e.msgstr for e in catalogue.translated_entries() if any("\u4e00" <= ch <= "\u9fff" for ch in e.msgstr)]
    assert chinese == []


def test_every_translatable_string_in_the_code_is_in_the_english_catalogue(tmp_path):
    for name in SOURCE_DIRS:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    (tmp_path / "locale" / "en" / "LC_MESSAGES").mkdir(parents=True)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONPATH": str(tmp_path)}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-location", "-v", "0"],
        cwd=tmp_path, env=env, check=True,
    )
    extracted = {e.msgid for e in polib.pofile(str(tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po"))}
    catalogue = {e.msgid for e in polib.pofile(str(CATALOGUE)) if not e.obsolete}
    assert sorted(extracted - catalogue) == []
