"""python manage.py rollup_province YYYY [--through-month M] [--jurisdictions CODE,CODE]"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from assessment import services
from assessment.management.commands.rollup_year import result_line
from departments.models import Jurisdiction


class Command(BaseCommand):
    @property
    def help(self) -> str:  # a str when asked: argparse cannot format a lazy string
        return _("一次计算全省（所有在用辖区）的年度得分：每个辖区的结果与单独计算该辖区相同")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int, help=_("年度，例如 2026"))
        parser.add_argument("--through-month", type=int, dest="through_month",
                            help=_("只统计 1 月至该月（年度累计）；省略则统计全年"))
        parser.add_argument("--jurisdictions", help=_("只计算这些辖区，编码以逗号分隔；省略则计算所有在用辖区"))

    def handle(self, *args, year: int, through_month: int | None, jurisdictions: str | None, **options) -> None:
        places = self.places(jurisdictions)
        # Recorded like a run started in each office's admin, but carried out here, all at once.
        runs = {}
        try:
            for place in places:
                runs[place.pk] = services.rollup_run_create(jurisdiction=place, year=year,
                                                            through_month=through_month, by=None)
        except ValidationError as exc:
            for run in runs.values():
                services.rollup_run_fail(run_id=run.pk, error=_("全省计算没有开始：%(place)s 无法计算") % {"place": place.name})
            raise CommandError(_("全省计算没有开始，没有写入任何得分：%(place)s：%(reason)s")
                               % {"place": place.name, "reason": "\n".join(exc.messages)})
        try:
            outcome = services.province_rollup(jurisdictions=places, year=year, through_month=through_month,
                                               runs=runs)
        except Exception as exc:
            for run in runs.values():
                services.rollup_run_fail(run_id=run.pk, error=f"{type(exc).__name__}: {exc}")
            raise
        for place in places:
            if place.pk in outcome.results:
                self.stdout.write(result_line(place, outcome.results[place.pk]))
        for place in places:
            if place.pk in outcome.refused:
                services.rollup_run_fail(run_id=runs[place.pk].pk, error="\n".join(outcome.refused[place.pk].messages))
        units = sum(result.units for result in outcome.results.values())
        self.stdout.write(_("全省 %(year)d 年度得分：%(done)d 个辖区已计算，共 %(units)d 个单位")
                          % {"year": year, "done": len(outcome.results), "units": units})
        if outcome.refused:
            names = {place.pk: place.name for place in places}
            raise CommandError(_("%(count)d 个辖区无法计算，其得分保持不变：") % {"count": len(outcome.refused)} + "\n"
                               + "\n".join(f"{names[pk]}：{'；'.join(refusal.messages)}"
                                           for pk, refusal in outcome.refused.items()))

    def places(self, codes: str | None) -> list[Jurisdiction]:
        if not codes:
            places = list(Jurisdiction.objects.filter(is_active=True).order_by("code"))
            if not places:
                raise CommandError(_("还没有任何辖区"))
            return places
        wanted = [code.strip() for code in codes.split(",") if code.strip()]
        found = {place.code: place for place in Jurisdiction.objects.filter(code__in=wanted)}
        unknown = [code for code in wanted if code not in found]
        if unknown:
            known = "、".join(Jurisdiction.objects.order_by("code").values_list("code", flat=True))
            raise CommandError(_("没有编码为“%(code)s”的辖区（现有：%(known)s）") % {"code": "、".join(unknown), "known": known})
        return [found[code] for code in dict.fromkeys(wanted)]
