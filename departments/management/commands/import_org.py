"""python manage.py import_org FILE [--jurisdiction CODE] [--dry-run]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from departments.importing import Summary, command_import, dry_run_note, write_notes
from departments.resources import OrganisationResource


class Command(BaseCommand):
    @property
    def help(self) -> str:  # a str when asked: argparse cannot format a lazy string
        return _("导入单位名录（.xlsx 或 .csv，表头：编码, 名称, 类别, 角色）；有一行出错则整个文件都不导入")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_(".xlsx 或 .csv 文件"))
        parser.add_argument("--jurisdiction", help=_("辖区编码（只有一个辖区时可省略）"))
        parser.add_argument("--dry-run", action="store_true", help=_("只检查，不写入"))

    def handle(self, *args, file: str, jurisdiction: str | None, dry_run: bool, **options) -> None:
        result = command_import(OrganisationResource, file, jurisdiction=jurisdiction, dry_run=dry_run)
        write_notes(self.stdout, result)
        self.stdout.write(dry_run_note(dry_run) + _("单位名录导入完成：%(summary)s") % {"summary": Summary.of(result)})
