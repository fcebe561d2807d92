"""python manage.py export_scores YYYY -o FILE.xlsx [--jurisdiction CODE]"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from departments.importing import command_jurisdiction
from assessment.workbook import NothingToExport, scores_workbook_export


class Command(BaseCommand):
    @property
    def help(self) -> str:  # a str when asked: argparse cannot format a lazy string
        return _("导出年度得分 Excel 工作簿：总表、各类别分表、认定明细")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int, help=_("年度，例如 2026"))
        parser.add_argument("-o", "--output", required=True, help=_("输出文件，例如 2026年度得分.xlsx"))
        parser.add_argument("--jurisdiction", help=_("辖区编码（只有一个辖区时可省略）"))

    def handle(self, *args, year: int, output: str, jurisdiction: str | None, **options) -> None:
        place = command_jurisdiction(jurisdiction)
        path = Path(output)
        if path.suffix.lower() != ".xlsx":
            raise CommandError(_("输出文件应以 .xlsx 结尾"))
        if not path.parent.exists():
            raise CommandError(_("目录不存在：%(dir)s") % {"dir": path.parent})
        try:
            summary = scores_workbook_export(jurisdiction=place, year=year, target=path)
        except NothingToExport:
            raise CommandError(
                _("%(year)d 年度还没有计算得分，请先运行 python manage.py rollup_year %(year)d") % {"year": year}
            )
        self.stdout.write(
            _("已导出 %(path)s：%(units)d 个单位，%(ratings)d 条认定，工作表 %(sheets)s")
            % {"path": path, "units": summary.units, "ratings": summary.ratings, "sheets": "、".join(summary.sheets)}
        )
