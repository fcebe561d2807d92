"""django-axes' records under names the office reads: its models carry English names
and no Chinese catalogue, and the office, not every staff member, looks after them."""

from axes.models import AccessAttempt, AccessLog
from django.utils.translation import gettext_lazy as _


class LoginLockout(AccessAttempt):
    """Failed logins counted per username and address (one row per browser)."""

    class Meta:
        proxy = True
        verbose_name = _("登录失败与锁定")
        verbose_name_plural = _("登录失败与锁定")


class LoginRecord(AccessLog):
    """Successful logins: who, from where, when, and when they logged out."""

    class Meta:
        proxy = True
        verbose_name = _("登录记录")
        verbose_name_plural = _("登录记录")
