"""python manage.py seed_demo: a demo district to click through, and the logins to do it."""

from __future__ import annotations

import secrets
import string
import unicodedata
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from config.env import env_str
from departments import roles
from ratings import rules
from ratings.demo import Login, Summary, seed_demo

PASSWORD_ENV = "LIANGBANG_ADMIN_PASSWORD"
# No look-alikes (0/O, 1/l/I): the password is read off a terminal and typed by hand.
PASSWORD_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")


def new_password(length: int = 12) -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


class Command(BaseCommand):
    @property
    def help(self) -> str:  # a str when asked: argparse cannot format a lazy string
        return _("生成演示数据（南京市高淳区：职能管理部门、被考核单位、认定细则和一年的认定），并打印登录账号")

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000/admin/", help=_("打印的管理后台地址")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # A new password every run unless one is given, so the printed one always works.
        password = env_str(PASSWORD_ENV, "") or new_password()
        summary = seed_demo(password=password)
        self._report(summary)
        self._logins(summary.logins, password, options["url"], from_env=bool(env_str(PASSWORD_ENV, "")))

    def _report(self, summary: Summary) -> None:
        if summary.created:
            self.stdout.write(self.style.SUCCESS(_("演示数据已生成。")))
        else:
            self.stdout.write(_("本辖区已有数据，未重复生成演示数据。"))
        self.stdout.write(
            _(
                "%(departments)d 个职能管理部门，%(units)d 个被考核单位，%(rulebooks)d 本认定细则；"
                "已通过认定：红旗 %(flags)d 面，黄灯 %(yellows)d 盏，红灯 %(reds)d 盏；"
                "本月待审核 %(pending)d 条，草稿和已退回 %(drafts)d 条。"
            )
            % {
                "departments": summary.departments,
                "units": summary.units,
                "rulebooks": summary.rulebooks,
                "flags": summary.approved[rules.RED_FLAG],
                "yellows": summary.approved[rules.YELLOW_LIGHT],
                "reds": summary.approved[rules.RED_LIGHT],
                "pending": summary.pending,
                "drafts": summary.drafts,
            }
        )

    def _logins(self, logins: list[Login], password: str, url: str, *, from_env: bool) -> None:
        role_names = {
            "": _("超级管理员"),
            roles.OFFICE: _("效能办"),
            roles.RATER: _("职能管理部门"),
            roles.LEADER: _("领导"),
            roles.UNIT_STAFF: _("被考核单位"),
        }
        rows = [(_("用户名"), _("角色"), _("密码"))]
        for login in logins:
            role = role_names.get(login.role, login.role)
            if login.department:
                role = _("%(role)s（%(department)s）") % {"role": role, "department": login.department}
            rows.append((login.username, role, password))
        widths = [max(display_width(row[i]) for row in rows) + 2 for i in range(2)]

        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(_("管理后台：%(url)s") % {"url": url}))
        login = url[: -len("admin/")] + "login/" if url.endswith("/admin/") else url
        self.stdout.write(self.style.SUCCESS(_("被考核单位登录：%(url)s") % {"url": login}))
        self.stdout.write("")
        for i, (user, role, pw) in enumerate(rows):
            line = "  " + pad(user, widths[0]) + pad(role, widths[1]) + pw
            self.stdout.write(self.style.MIGRATE_HEADING(line) if i == 0 else line)
        self.stdout.write("")
        if from_env:
            self.stdout.write(_("密码取自环境变量 %(env)s。") % {"env": PASSWORD_ENV})
        else:
            self.stdout.write(
                _("密码每次运行都会重新生成；如需固定密码，请设置环境变量 %(env)s。") % {"env": PASSWORD_ENV}
            )
