"""python manage.py import_results YYYY FILE [--jurisdiction CODE] [--dry-run]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from assessment.importing import import_results, read_results_file
from departments.importing import ImportRejected, command_jurisdiction, dry_run_note, rejected_command_error


class Command(BaseCommand):
    @property
    def help(self) -> str:  # a str when asked: argparse cannot format a lazy string
        return _(
            "导入年度考核指标结果（.xlsx 或 .csv，表头：指标编码, 被考核单位, 排名, 得分, 完成数, 任务数）；"
            "有一行出错则整个文件都不导入"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int, help=_("年度，例如 2026"))
        parser.add_argument("file", help=_(".xlsx 或 .csv 文件"))
        parser.add_argument("--jurisdiction", help=_("辖区编码（只有一个辖区时可省略）"))
        parser.add_argument("--dry-run", action="store_true", help=_("只检查，不写入"))

    def handle(self, *args, year: int, file: str, jurisdiction: str | None, dry_run: bool, **options) -> None:
        try:
            dataset = read_results_file(file)
            summary = import_results(dataset, jurisdiction=command_jurisdiction(jurisdiction), year=year,
                                     dry_run=dry_run)
        except ImportRejected as exc:
            raise rejected_command_error(exc)
        for note in summary.notes:
            self.stdout.write(_("注意：%(note)s") % {"note": note})
        self.stdout.write(dry_run_note(dry_run) + _(
            "%(year)d 年度考核结果：新增 %(created)d 条，更新 %(updated)d 条，未变化 %(unchanged)d 条"
        ) % {"year": year, "created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged})
