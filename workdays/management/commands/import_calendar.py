"""python manage.py import_calendar FILE [--dry-run]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from departments.importing import ImportRejected, Summary, dry_run_note, rejected_command_error, write_notes
from workdays.importing import import_calendar_file


class Command(BaseCommand):
    @property
    def help(self) -> str:  # a str when asked: argparse cannot format a lazy string
        return _(
            "导入工作日历（.xlsx 或 .csv，表头：日期, 类型, 说明；类型为 工作日 或 休息日）；"
            "这里的日期优先于内置的节假日安排；有一行出错则整个文件都不导入"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_(".xlsx 或 .csv 文件"))
        parser.add_argument("--dry-run", action="store_true", help=_("只检查，不写入"))

    def handle(self, *args, file: str, dry_run: bool, **options) -> None:
        try:
            result = import_calendar_file(file, dry_run=dry_run)
        except ImportRejected as exc:
            raise rejected_command_error(exc)
        write_notes(self.stdout, result)
        self.stdout.write(dry_run_note(dry_run) + _("工作日历导入完成：%(summary)s") % {"summary": Summary.of(result)})
