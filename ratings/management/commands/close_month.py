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
        return _("关账：该月还有待审核的认定时拒绝，并列出它们；有草稿或已退回的认定时，须用 --carry 结转到下月或用 --withdraw 原因 撤回；关账后该月不能再修改")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("month", help=_("月份，例如 2026-03"))
        parser.add_argument("--jurisdiction", help=_("辖区编码（只有一个辖区时可省略）"))
        choice = parser.add_mutually_exclusive_group()
        choice.add_argument("--carry", action="store_true", help=_("把草稿和已退回的认定结转到下月"))
        choice.add_argument("--withdraw", metavar="REASON", default=None, help=_("撤回草稿和已退回的认定，并记录原因"))

    def handle(self, *args, month: str, jurisdiction: str | None, carry: bool = False,
               withdraw: str | None = None, **options) -> None:
        if withdraw is not None and not withdraw.strip():
            raise CommandError(_("撤回必须填写原因"))
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
                period = services.period_close(period=period, by=None, carry=carry, withdraw_reason=withdraw or "")
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages))
        closing = period.closing
        for verb, ratings in ((_("结转到 %(next)s") % {"next": closing.next_period.label} if closing.next_period else "",
                               closing.carried), (_("撤回"), closing.withdrawn)):
            if ratings:
                self.stdout.write(_("%(verb)s %(count)d 条：%(departments)s") % {
                    "verb": verb, "count": len(ratings), "departments": services.counts_by_department(ratings),
                })
                for rating in ratings:
                    self.stdout.write(f"  #{rating.pk} {rating.department.name} → {rating.unit.name}"
                                      f"（{rating.get_kind_display()}，{rating.get_status_display()}）")
        approved = period.ratings.filter(status=Rating.Status.APPROVED).count()
        self.stdout.write(
            _("%(period)s 已关账（%(place)s，已通过的认定 %(count)d 条）")
            % {"period": period.label, "place": place.name, "count": approved}
        )
