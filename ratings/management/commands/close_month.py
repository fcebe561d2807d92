"""python manage.py close_month YYYY-MM [--jurisdiction CODE]"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from departments.importing import command_jurisdiction
from ratings import services
from ratings.models import Rating
from ratings.resources import parse_month


class Command(BaseCommand):
    @property
    def help(self) -> str:  # a str when asked: argparse cannot format a lazy string
        return _("关账：该月还有待审核的认定时拒绝，并列出它们；关账后该月不能再修改")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("month", help=_("月份，例如 2026-03"))
        parser.add_argument("--jurisdiction", help=_("辖区编码（只有一个辖区时可省略）"))

    def handle(self, *args, month: str, jurisdiction: str | None, **options) -> None:
        try:
            year, month_number = parse_month(month.strip())
        except ValueError as exc:
            raise CommandError(str(exc))
        place = command_jurisdiction(jurisdiction)
        try:
            with transaction.atomic():
                # A month nobody rated is closed all the same: closing locks it.
                period = services.period_get_or_open(jurisdiction=place, year=year, month=month_number)
                if not period.is_open:
                    raise CommandError(
                        _("%(period)s 已经是“%(status)s”状态，无需关账")
                        % {"period": period.label, "status": period.get_status_display()}
                    )
                # by=None: the command acts for the office.
                period = services.period_close(period=period, by=None)
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages))
        approved = period.ratings.filter(status=Rating.Status.APPROVED).count()
        self.stdout.write(
            _("%(period)s 已关账（%(place)s，已通过的认定 %(count)d 条）")
            % {"period": period.label, "place": place.name, "count": approved}
        )
