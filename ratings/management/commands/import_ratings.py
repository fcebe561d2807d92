"""python manage.py import_ratings FILE [--approve] [--dry-run] [--jurisdiction CODE]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from departments.importing import Summary, command_import, dry_run_note, write_notes
from ratings.resources import RatingResource


class Command(BaseCommand):
    @property
    def help(self) -> str:  # a str when asked: argparse cannot format a lazy string
        return _(
            "导入认定（.xlsx 或 .csv，表头：月份, 职能管理部门, 被考核单位, 类型, 认定条目, 事由, 较大影响）；"
            "默认为待审核，--approve 直接审核通过；有一行出错则整个文件都不导入"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_(".xlsx 或 .csv 文件"))
        parser.add_argument("--approve", action="store_true", help=_("导入后直接审核通过（并计算连续黄灯升级）"))
        parser.add_argument("--dry-run", action="store_true", help=_("只检查，不写入"))
        parser.add_argument("--jurisdiction", help=_("辖区编码（只有一个辖区时可省略）"))

    def handle(self, *args, file: str, approve: bool, dry_run: bool, jurisdiction: str | None, **options) -> None:
        result = command_import(RatingResource, file, jurisdiction=jurisdiction, dry_run=dry_run, approve=approve,
                                preview=False)
        write_notes(self.stdout, result)
        status = _("已审核通过") if approve else _("待审核")
        self.stdout.write(
            dry_run_note(dry_run)
            + _("认定导入完成（%(status)s）：%(summary)s") % {"status": status, "summary": Summary.of(result)}
        )
