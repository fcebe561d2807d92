"""What Django and the libraries write in English outside gettext, in the reader's language.

No catalogue can translate these, as they never pass through gettext:

- Django admin's yes/no icons carry ``alt="True"`` / ``"False"`` / ``"None"``, which a
  screen reader reads aloud (``admin_list._boolean_icon``; the admin's helpers import it
  from there at each call);
- django-celery-beat names a crontab ``0 9 10 * * (m/h/dM/MY/d) Asia/Shanghai``, describes
  it in English (cron_descriptor), calls its task field 'Task Name', and leaves three
  admin columns to be titled after their attribute names ("Scheduler", "Human readable",
  "Crontab translation");
- Django's password page for an account adds its warning "If disabled, the current
  password for this user will be lost." to a translated text as plain English;
- Django names the rows linking an account to its roles "User-group relationship" and
  each of them "User_groups object (2)" (on the page that confirms deleting an account).

Installed once, when the apps are ready (``config.accounts``); the strings used are
Django's own msgids (是 / 否 / 未知) or the product's.
"""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lib.crontab import crontab_text


def _boolean_icon(field_val: bool | None) -> str:
    from django.templatetags.static import static

    icon, text = {True: ("yes", _("Yes")), False: ("no", _("No")), None: ("unknown", _("Unknown"))}[field_val]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), text)


def _crontab_str(crontab) -> str:
    words = crontab_text(crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year,
                         crontab.day_of_week)
    return f"{words}（{crontab.timezone}）"


def _titled(function, title):
    """``function`` as an admin column titled ``title``."""

    def column(obj):
        return function(obj)

    column.short_description = title
    return column


def _role_link_str(link) -> str:
    return str(link.group)


def _permission_link_str(link) -> str:
    return str(link.permission)


def install() -> None:
    from django.contrib.admin.templatetags import admin_list
    from django.contrib.auth.forms import AdminPasswordChangeForm, SetUnusablePasswordMixin
    from django.contrib.auth.models import User
    from django_celery_beat.admin import PeriodicTaskAdmin
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    admin_list._boolean_icon = _boolean_icon
    CrontabSchedule.__str__ = _crontab_str
    CrontabSchedule.human_readable = property(_titled(_crontab_str, gettext_lazy("执行时间")))
    PeriodicTask.scheduler = property(_titled(PeriodicTask.scheduler.fget, gettext_lazy("执行计划")))
    PeriodicTask._meta.get_field("task").verbose_name = gettext_lazy("任务")
    PeriodicTaskAdmin.crontab_translation.short_description = gettext_lazy("执行时间")

    # The markup is Django's: its script shows the warning when password login is switched off.
    AdminPasswordChangeForm.usable_password_help_text = format_lazy(
        '{}<ul id="id_unusable_warning" class="messagelist"><li class="warning">{}</li></ul>',
        SetUnusablePasswordMixin.usable_password_help_text, gettext_lazy("停用后，该账号现有的密码将被清除。"))
    for field, name, text in ((User.groups, gettext_lazy("所属角色"), _role_link_str),
                              (User.user_permissions, gettext_lazy("单项权限"), _permission_link_str)):
        field.through._meta.verbose_name = field.through._meta.verbose_name_plural = name
        field.through.__str__ = text
