"""python manage.py import_users FILE [--jurisdiction CODE] [--passwords OUT.csv] [--dry-run]"""

from __future__ import annotations

import csv
import io
import os
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from departments.importing import ImportRejected, command_jurisdiction, dry_run_note, rejected_command_error
from departments.users_import import InitialPassword, formula_safe, import_accounts, read_accounts

PASSWORD_HEADERS = ("用户名", "姓名", "初始密码")  # the file's format, like the import's headers


def password_csv(passwords: Sequence[InitialPassword]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(PASSWORD_HEADERS)
    for entry in passwords:
        writer.writerow([formula_safe(entry.username), formula_safe(entry.name), entry.password])
    return out.getvalue()


class Command(BaseCommand):
    @property
    def help(self) -> str:  # a str when asked: argparse cannot format a lazy string
        return _(
            "导入账号（.xlsx 或 .csv，表头：用户名, 姓名, 单位, 角色, 邮箱, 手机）；有一行出错则整个文件都不导入。"
            "新账号的初始密码随机生成，写入 --passwords 指定的文件，或不指定时显示在屏幕上"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_(".xlsx 或 .csv 文件"))
        parser.add_argument("--jurisdiction", help=_("辖区编码（只有一个辖区时可省略）"))
        parser.add_argument("--passwords", metavar="OUT.csv",
                            help=_("把新账号的初始密码写入这个 CSV 文件（文件不能已存在）；不指定则显示在屏幕上"))
        parser.add_argument("--dry-run", action="store_true", help=_("只检查，不写入"))

    def handle(self, *args, file: str, jurisdiction: str | None, passwords: str | None, dry_run: bool,
               **options) -> None:
        out = Path(passwords) if passwords else None
        if out is not None:
            if out.exists():
                raise CommandError(_("密码文件“%(path)s”已存在，不会覆盖；请换一个文件名") % {"path": out})
            if not out.parent.is_dir():
                raise CommandError(_("找不到密码文件所在的文件夹“%(path)s”") % {"path": out.parent})
        try:
            dataset = read_accounts(file)
        except ImportRejected as exc:
            raise rejected_command_error(exc)
        place = command_jurisdiction(jurisdiction)
        written: list[Path] = []

        def deliver(initial: Sequence[InitialPassword]) -> None:
            if out is None:
                return
            # Created here, readable by its owner only; written before the accounts are
            # committed, so that no account is created whose password nobody has.
            try:
                handle = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                raise CommandError(_("密码文件“%(path)s”已存在，不会覆盖；请换一个文件名") % {"path": out})
            written.append(out)
            with os.fdopen(handle, "w", encoding="utf-8-sig", newline="") as target:
                target.write(password_csv(initial))

        try:
            result = import_accounts(dataset, jurisdiction=place, dry_run=dry_run, deliver=deliver)
        except ImportRejected as exc:
            self._discard(written)
            raise rejected_command_error(exc)
        except BaseException:
            self._discard(written)
            raise
        for note in result.notes:
            self.stdout.write(_("注意：%(note)s") % {"note": note})
        if result.passwords and out is None:
            self.stdout.write(_("新账号的初始密码（只显示这一次，请妥善转交，并提醒本人登录后修改）："))
            self.stdout.write(self._table(result.passwords))
        elif result.passwords:
            self.stdout.write(_("新账号的初始密码已写入“%(path)s”（只此一份，请妥善转交后删除）") % {"path": out})
        self.stdout.write(dry_run_note(dry_run) + _("账号导入完成：%(summary)s") % {"summary": result})

    @staticmethod
    def _discard(written: list[Path]) -> None:
        for path in written:
            path.unlink(missing_ok=True)

    @staticmethod
    def _table(passwords: Sequence[InitialPassword]) -> str:
        rows = [PASSWORD_HEADERS, *((p.username, p.name, p.password) for p in passwords)]
        widths = [max(_width(row[column]) for row in rows) for column in range(3)]
        return "\n".join(
            "  ".join(cell + " " * (widths[column] - _width(cell)) for column, cell in enumerate(row)).rstrip()
            for row in rows
        )


def _width(text: str) -> int:
    """Columns a text takes in a terminal: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)
