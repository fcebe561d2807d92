"""python manage.py rollup_year YYYY [--through-month M] [--jurisdiction CODE]"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from departments.importing import command_jurisdiction
from assessment import services
from ratings.models import Grade


class Command(BaseCommand):
    @property
    def help(self) -> str:  # a str when asked: argparse cannot format a lazy string
        return _("计算年度得分：各单位红旗、黄灯、红灯数（升级后），加减分，排名和等次")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int, help=_("年度，例如 2026"))
        parser.add_argument("--through-month", type=int, dest="through_month",
                            help=_("只统计 1 月至该月（年度累计）；省略则统计全年"))
        parser.add_argument("--jurisdiction", help=_("辖区编码（只有一个辖区时可省略）"))

    def handle(self, *args, year: int, through_month: int | None, jurisdiction: str | None, **options) -> None:
        place = command_jurisdiction(jurisdiction)
        try:
            # Recorded like a run started in the admin, but carried out here and now.
            run = services.rollup_run_create(jurisdiction=place, year=year, through_month=through_month, by=None)
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages))
        try:
            result = services.rollup_run_execute(run_id=run.pk)
        except ValidationError as exc:  # a scorecard that cannot be scored: the office's words
            services.rollup_run_fail(run_id=run.pk, error="\n".join(exc.messages))
            raise CommandError("\n".join(exc.messages))
        except Exception as exc:
            services.rollup_run_fail(run_id=run.pk, error=f"{type(exc).__name__}: {exc}")
            raise
        self.stdout.write(result_line(place, result))


def result_line(place, result: services.RollupResult) -> str:
    """One jurisdiction's roll-up in a sentence (also ``rollup_province``'s lines)."""
    grades = "，".join(f"{label} {result.grades.get(value, 0)}" for value, label in Grade.choices)
    scope = (_("截至 %(month)d 月，年度累计") % {"month": result.through_month}) if result.is_year_to_date \
        else _("全年")
    return (_("%(place)s %(year)d 年度得分已计算（%(scope)s）：%(units)d 个单位（%(grades)s）")
            % {"place": place.name, "year": result.year, "scope": scope, "units": result.units, "grades": grades})
