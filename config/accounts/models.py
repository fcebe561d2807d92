"""django-axes' records under names the office reads: its models carry English names
and no Chinese catalogue, and the office, not every staff member, looks after them."""

from axes.models import AccessAttempt, AccessLog
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


class LoginLockout(AccessAttempt):
    """Failed logins counted per username and address (one row per browser)."""

    class Meta:
        proxy = True
        verbose_name = _("登录失败与锁定")
        verbose_name_plural = _("登录失败与锁定")

    def __str__(self) -> str:  # django-axes: "Attempted Access: <time>", outside gettext
        return gettext("%(username)s 登录失败（%(time)s）") % {
            "username": self.username, "time": _when(self.attempt_time)}


class LoginRecord(AccessLog):
    """Successful logins: who, from where, when, and when they logged out."""

    class Meta:
        proxy = True
        verbose_name = _("登录记录")
        verbose_name_plural = _("登录记录")

    def __str__(self) -> str:  # django-axes: "Access Log for <user> @ <time>", outside gettext
        return gettext("%(username)s 登录（%(time)s）") % {
            "username": self.username, "time": _when(self.attempt_time)}
