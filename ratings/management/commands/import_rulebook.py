"""python manage.py import_rulebook YYYY FILE [--jurisdiction CODE]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from departments.importing import Summary, command_import, write_notes
from ratings.resources import CriterionResource, parse_year


class Command(BaseCommand):
    @property
    def help(self) -> str:  # a str when asked: argparse cannot format a lazy string
        return _("导入某年度认定细则的条目（.xlsx 或 .csv，表头：编码, 内容, 类型）；再次导入会更新，不会重复")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", help=_("年度，例如 2026"))
        parser.add_argument("file", help=_(".xlsx 或 .csv 文件"))
        parser.add_argument("--jurisdiction", help=_("辖区编码（只有一个辖区时可省略）"))

    def handle(self, *args, year: str, file: str, jurisdiction: str | None, **options) -> None:
        try:
            year_number = parse_year(year.strip())
        except ValueError as exc:
            raise CommandError(str(exc))
        result = command_import(CriterionResource, file, jurisdiction=jurisdiction, year=year_number)
        write_notes(self.stdout, result)
        self.stdout.write(
            _("%(year)s 年度认定细则条目导入完成：%(summary)s") % {"year": year_number, "summary": Summary.of(result)}
        )
