"""Review requests (复核申请): a rated unit contests one approved rating within the
notice period (公示期); the office decides, the rating department may add a statement."""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from departments.models import Jurisdiction, Organisation
from lib.uploads import stored_extension
from ratings.models import Kind, Rating
from reviews import rules

REASON_MAX_LENGTH = rules.REASON_MAX_LENGTH


class ReviewRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = rules.PENDING, _("待复核")
        UPHELD = rules.UPHELD, _("维持原认定")
        CHANGED = rules.CHANGED, _("变更认定")

    class Change(models.TextChoices):
        NONE = "", _("不变更")
        WITHDRAW = rules.WITHDRAW, _("撤销认定")
        YELLOW = rules.TO_YELLOW, _("改为黄灯")
        RED = rules.TO_RED, _("改为红灯")

    # One request per rating: a unit contests a rating once.
    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="review_request", verbose_name=_("认定"))
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+", verbose_name=_("辖区"))
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="review_requests", verbose_name=_("被考核单位"))
    department = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="reviews_of_ratings_given", verbose_name=_("职能管理部门")
    )
    # The rating as it stood when contested (kind entered, result after escalation).
    kind_at_filing = models.CharField(_("申请时的认定类型"), max_length=16, choices=Kind.choices)
    outcome_at_filing = models.CharField(_("申请时的认定结果"), max_length=16, choices=Kind.choices)
    reason = models.TextField(_("申请理由"), max_length=REASON_MAX_LENGTH, validators=[MaxLengthValidator(REASON_MAX_LENGTH)])
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("申请人")
    )
    filed_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    deadline = models.DateField(_("申请截止日"), null=True, blank=True, help_text=_("申请时的公示期截止日"))

    statement = models.TextField(
        _("部门说明"), blank=True, max_length=REASON_MAX_LENGTH, validators=[MaxLengthValidator(REASON_MAX_LENGTH)]
    )
    statement_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("说明人")
    )
    statement_at = models.DateTimeField(_("说明时间"), null=True, blank=True)

    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    change = models.CharField(_("变更内容"), max_length=16, choices=Change.choices, blank=True, default="")
    decision_reason = models.TextField(
        _("复核意见"), blank=True, max_length=REASON_MAX_LENGTH, validators=[MaxLengthValidator(REASON_MAX_LENGTH)]
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("复核人")
    )
    decided_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    # What the decision moved through escalation: [{id, year, month, before, after}], in month order.
    ripple = models.JSONField(_("连带变化"), default=list, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("复核申请")
        verbose_name_plural = pgettext_lazy("plural", "复核申请")
        ordering = ["-filed_at", "-pk"]
        indexes = [
            models.Index(fields=["jurisdiction", "status"], name="review_jurisdiction_status"),
            models.Index(fields=["department", "status"], name="review_department_status"),
        ]

    def __str__(self) -> str:
        return str(_("%(unit)s 对 %(period)s %(kind)s 的复核申请") % {
            "unit": self.unit.name, "period": self.rating.period.label, "kind": Kind(self.outcome_at_filing).label,
        })

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


def attachment_upload_to(instance: "ReviewAttachment", filename: str) -> str:
    """reviews/2026/03/<random>.pdf: as for evidence, a user's name never becomes a path."""
    month = timezone.localdate().strftime("%Y/%m")
    return f"reviews/{month}/{uuid.uuid4().hex}.{stored_extension(filename)}"


class ReviewAttachment(models.Model):
    """A file a unit attaches to its request, checked like evidence (lib.uploads)."""

    request = models.ForeignKey(ReviewRequest, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("复核申请"))
    file = models.FileField(_("文件"), upload_to=attachment_upload_to)
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = pgettext_lazy("plural", "申请材料")
        ordering = ["request", "pk"]

    def __str__(self) -> str:
        return self.original_name or os.path.basename(self.file.name)
