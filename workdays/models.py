"""The office's additions to the official calendar: a day that is, or is not, a working
day, for a year the built-in calendar does not know yet or where it must be corrected."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    date = models.DateField(_("日期"), unique=True)
    is_working = models.BooleanField(
        _("上班"), default=False,
        help_text=_("勾选：这一天上班（如调休上班日）；不勾选：这一天放假（如法定节假日）。"),
    )
    note = models.CharField(_("名称"), max_length=100, blank=True, help_text=_("如“春节”“国庆节调休上班”。"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", editable=False,
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("日历日")
        verbose_name_plural = _("日历日")

    def __str__(self) -> str:
        kind = _("上班") if self.is_working else _("放假")
        return f"{self.date:%Y-%m-%d} {kind}" + (f"（{self.note}）" if self.note else "")
