"""python manage.py publish_board YYYY-MM [--note TEXT] [--jurisdiction CODE]
python manage.py publish_board --pending"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from boards import services
from boards.links import board_reverse, edition_kwargs, jurisdiction_kwargs
from boards.models import Edition
from departments.importing import command_jurisdiction
from ratings.models import Period
from ratings.resources import parse_month


class Command(BaseCommand):
    @property
    def help(self) -> str:  # a str when asked: argparse cannot format a lazy string
        return _(
            "发布已关账月份的效能亮榜（红旗榜、亮灯榜的网页和 PDF）；内容未变化时不产生新版本，"
            "已发布后更正的须用 --note 填写更正说明"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("month", nargs="?", help=_("月份，例如 2026-03"))
        parser.add_argument("--note", default="", help=_("更正说明（发布更正版本时必填）"))
        parser.add_argument("--jurisdiction", help=_("辖区编码（只有一个辖区时可省略）"))
        parser.add_argument(
            "--pending", action="store_true", help=_("发布所有已关账、尚未发布的月份（与定时任务相同）")
        )

    def handle(self, *args, month: str | None, note: str, jurisdiction: str | None, pending: bool, **options) -> None:
        if pending:
            if month:
                raise CommandError(_("--pending 与月份不能同时使用"))
            self._pending()
            return
        if not month:
            raise CommandError(_("请指定月份（YYYY-MM），或使用 --pending"))
        try:
            year, month_number = parse_month(month.strip())
        except ValueError as exc:
            raise CommandError(str(exc))
        place = command_jurisdiction(jurisdiction)
        period = Period.objects.filter(jurisdiction=place, year=year, month=month_number).first()
        if period is None:
            raise CommandError(_("%(place)s 没有 %(month)s 这个月份") % {"place": place.name, "month": month})
        try:
            # by=None: the command acts for the office.
            result = services.edition_publish(period=period, by=None, note=note)
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages))
        self._report(result.edition, result.created)

    def _pending(self) -> None:
        outcomes = services.editions_publish_pending()
        if not outcomes:
            self.stdout.write(_("没有已关账、尚未发布的月份。"))
        for outcome in outcomes:
            if outcome.edition is not None:
                self._report(outcome.edition, outcome.created)
            else:
                self.stderr.write(_("%(period)s 未发布：%(problem)s") % {
                    "period": outcome.period.label, "problem": outcome.problem,
                })

    def _report(self, edition: Edition, created: bool) -> None:
        url = board_reverse(
            "edition_revision", jurisdiction_kwargs(edition.jurisdiction),
            **edition_kwargs(edition.year, edition.month, edition.revision),
        )
        values = {
            "period": edition.label, "revision": edition.revision, "flags": edition.red_flags,
            "yellows": edition.yellow_lights, "reds": edition.red_lights, "url": url,
        }
        if created:
            self.stdout.write(self.style.SUCCESS(
                _("%(period)s 已发布第 %(revision)d 版：红旗 %(flags)d 面，黄灯 %(yellows)d 盏，红灯 %(reds)d 盏（%(url)s）")
                % values
            ))
        else:
            self.stdout.write(
                _("%(period)s 内容与已发布的第 %(revision)d 版相同，未产生新版本（%(url)s）") % values
            )
