"""python manage.py import_workorders FILE [--jurisdiction CODE]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from casework.workorders import import_workorders
from departments.importing import ImportRejected, command_jurisdiction, rejected_command_error


class Command(BaseCommand):
    @property
    def help(self) -> str:  # a str when asked: argparse cannot format a lazy string
        return _(
            "导入12345工单（.xlsx 或 .csv，表头：工单编号, 诉求内容, 承办单位, 受理时间, 办理时限, 办结时间, 满意度）；"
            "有一行出错则整个文件都不导入"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_(".xlsx 或 .csv 文件"))
        parser.add_argument("--jurisdiction", help=_("辖区编码（只有一个辖区时可省略）"))

    def handle(self, *args, file: str, jurisdiction: str | None, **options) -> None:
        target = command_jurisdiction(jurisdiction)
        try:
            summary = import_workorders(jurisdiction=target, path_or_file=file)
        except ImportRejected as exc:
            raise rejected_command_error(exc)
        for note in summary.notes:
            self.stdout.write(_("注意：%(note)s") % {"note": note})
        self.stdout.write(str(summary))
