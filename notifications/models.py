"""Notifications in the product (站内通知), each person's e-mail choices, and the
deliveries of a notification through a channel (e-mail first)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("接收人"),
    )
    kind = models.CharField(_("类型"), max_length=50)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    # A path inside the product (``/desk/…``), never an external address.
    link = models.CharField(_("链接"), max_length=300, blank=True)
    # Notifications with the same kind and group key make one digest while unread.
    group_key = models.CharField(_("汇总键"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = pgettext_lazy("plural", "通知")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def kind_label(self) -> str:
        from notifications.kinds import UnknownKind, kind_for

        try:
            return str(kind_for(self.kind).label)
        except UnknownKind:
            return self.kind


class Preference(models.Model):
    """A person's choice for one kind; no row means the kind's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences",
        verbose_name=_("用户"),
    )
    kind = models.CharField(_("类型"), max_length=50)
    email = models.BooleanField(_("接收邮件"))

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = pgettext_lazy("plural", "通知设置")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")]

    def __str__(self) -> str:
        return f"{self.user} {self.kind}"


class Delivery(models.Model):
    """One notification sent through one channel (e-mail first)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("通知"),
    )
    channel = models.CharField(_("渠道"), max_length=20)
    address = models.CharField(_("地址"), max_length=254)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近一次错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    queued_at = models.DateTimeField(_("排队时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知发送记录")
        verbose_name_plural = pgettext_lazy("plural", "通知发送记录")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_one_per_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.notification} → {self.address}"
