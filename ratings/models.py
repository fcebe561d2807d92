"""Rule books, monthly periods and the ratings departments give units."""

from __future__ import annotations

import os
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from departments.models import NOT_PLAIN_ASCII, Jurisdiction, Organisation, clean_identifier_fields, same_identifier
from lib.uploads import stored_extension
from ratings import rules

# What a clerk may write (the forms, the imports and the services all refuse longer):
# a 事由 is published word for word on the board, and is a paragraph, not a book.
REASON_MAX_LENGTH = 2_000
CRITERION_TEXT_MAX_LENGTH = 1_000


class Kind(models.TextChoices):
    RED_FLAG = rules.RED_FLAG, _("红旗")
    YELLOW_LIGHT = rules.YELLOW_LIGHT, _("黄灯")
    RED_LIGHT = rules.RED_LIGHT, _("红灯")


class CriterionKind(models.TextChoices):
    RED_FLAG = rules.RED_FLAG, _("红旗")
    YELLOW_LIGHT = rules.YELLOW_LIGHT, _("黄灯")


class GradingMethod(models.TextChoices):
    BY_THRESHOLD = rules.BY_THRESHOLD, _("按分数线")
    BY_SHARE = rules.BY_SHARE, _("按比例")


class Grade(models.TextChoices):
    EXCELLENT = rules.EXCELLENT, _("优秀")
    GOOD = rules.GOOD, _("良好")
    FAIR = rules.FAIR, _("一般")
    POOR = rules.POOR, _("较差")


class RuleBook(models.Model):
    """《XXXX年度“效能亮榜”专项行动认定细则》: one per jurisdiction and year."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="rulebooks", verbose_name=_("辖区"))
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("标题"), max_length=200, blank=True)
    red_flag_points = models.DecimalField(_("红旗加分"), max_digits=6, decimal_places=2, default=Decimal("0.5"))
    yellow_light_points = models.DecimalField(_("黄灯减分"), max_digits=6, decimal_places=2, default=Decimal("-0.5"))
    red_light_points = models.DecimalField(_("红灯减分"), max_digits=6, decimal_places=2, default=Decimal("-1"))
    bonus_cap = models.DecimalField(
        _("加分上限"), max_digits=6, decimal_places=2, null=True, blank=True, help_text=_("全年加分最多计多少分，空表示不设上限")
    )
    deduction_cap = models.DecimalField(
        _("减分上限"), max_digits=6, decimal_places=2, null=True, blank=True, help_text=_("全年减分最多计多少分（填正数），空表示不设上限")
    )
    escalation_threshold = models.PositiveSmallIntegerField(
        _("连续黄灯升级次数"), default=2, help_text=_("同一单位连续几个月被亮黄灯即升级为红灯")
    )
    escalation_same_department = models.BooleanField(
        _("仅同一部门连续计算"), default=False, help_text=_("勾选后，只有同一职能管理部门连续亮黄灯才升级；默认跨部门累计")
    )
    criterion_required = models.BooleanField(
        _("必须引用认定条目"), default=True, help_text=_("细则中已有条目时，每条认定都必须引用一个条目")
    )
    # Year-end grading (年终考核等次): by points thresholds or by share of units.
    grading_method = models.CharField(
        _("等次评定方式"), max_length=16, choices=GradingMethod.choices, default=GradingMethod.BY_SHARE,
        help_text=_("按分数线：达到分数线即评为相应等次；按比例：按加减分排名，各等次不超过规定比例"),
    )
    excellent_min_points = models.DecimalField(
        _("优秀分数线"), max_digits=6, decimal_places=2, default=Decimal("2"), help_text=_("全年加减分不低于此分数评为优秀")
    )
    good_min_points = models.DecimalField(
        _("良好分数线"), max_digits=6, decimal_places=2, default=Decimal("0"), help_text=_("全年加减分不低于此分数评为良好")
    )
    fair_min_points = models.DecimalField(
        _("一般分数线"), max_digits=6, decimal_places=2, default=Decimal("-2"),
        help_text=_("全年加减分不低于此分数评为一般，低于此分数评为较差"),
    )
    excellent_share = models.PositiveSmallIntegerField(
        _("优秀比例（%）"), default=30, help_text=_("按排名从高到低，优秀不超过此比例（向下取整，同分跨线的均不评优秀）")
    )
    good_share = models.PositiveSmallIntegerField(_("良好比例（%）"), default=40, help_text=_("优秀之后的此比例评为良好"))
    poor_share = models.PositiveSmallIntegerField(
        _("较差比例（%）"), default=10, help_text=_("按排名从低到高，较差不超过此比例；其余为一般")
    )
    grading_by_category = models.BooleanField(
        _("按类别分别评定"), default=False, help_text=_("按比例评定时，各类别单位分别计算比例")
    )
    # The rated units' voice (公示 and 复核): counted in working days (workdays).
    notice_period_days = models.PositiveSmallIntegerField(
        _("公示期（工作日）"), default=5,
        help_text=_("被考核单位可在认定通过或亮榜发布（以较晚者为准）后的这些工作日内申请复核"),
    )
    publish_as_notice = models.BooleanField(
        _("先发布公示稿"), default=False,
        help_text=_("勾选后，每月亮榜先以“公示稿”发布，公示期满后再发布正式版；不勾选则直接发布正式版"),
    )
    # The monthly submission deadline and its reminder (催报).
    submission_deadline_day = models.PositiveSmallIntegerField(
        _("报送截止（次月第几个工作日）"), default=5,
        help_text=_("每月的认定应在次月的第几个工作日前报送"),
    )
    reminder_days_before = models.PositiveSmallIntegerField(
        _("提前几个工作日提醒"), default=2,
        help_text=_("截止前这些工作日内，提醒当月尚未填报任何认定的职能管理部门"),
    )
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("认定细则")
        verbose_name_plural = pgettext_lazy("plural", "认定细则")
        ordering = ["jurisdiction", "-year"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "year"], name="rulebook_one_per_year")]

    def __str__(self) -> str:
        return self.title or str(_("%(year)s年度“效能亮榜”专项行动认定细则") % {"year": self.year})

    def clean(self) -> None:
        errors = {}
        if self.red_flag_points is not None and self.red_flag_points < 0:
            errors["red_flag_points"] = _("红旗应为加分（不小于 0）")
        if self.yellow_light_points is not None and self.yellow_light_points > 0:
            errors["yellow_light_points"] = _("黄灯应为减分（不大于 0）")
        if self.red_light_points is not None and self.red_light_points > 0:
            errors["red_light_points"] = _("红灯应为减分（不大于 0）")
        for field in ("bonus_cap", "deduction_cap"):
            value = getattr(self, field)
            if value is not None and value < 0:
                errors[field] = _("上限应为正数")
        if self.escalation_threshold is not None and self.escalation_threshold < 1:
            errors["escalation_threshold"] = _("至少为 1")
        if self.notice_period_days is not None and not 1 <= self.notice_period_days <= 60:
            errors["notice_period_days"] = _("公示期应为 1 到 60 个工作日")
        if self.submission_deadline_day is not None and not 1 <= self.submission_deadline_day <= 20:
            errors["submission_deadline_day"] = _("应为次月第 1 到第 20 个工作日")
        lines = (self.excellent_min_points, self.good_min_points, self.fair_min_points)
        if None not in lines and not lines[0] >= lines[1] >= lines[2]:
            errors["good_min_points"] = _("分数线应满足：优秀 ≥ 良好 ≥ 一般")
        shares = (self.excellent_share, self.good_share, self.poor_share)
        if None not in shares and sum(shares) > 100:
            errors["poor_share"] = _("优秀、良好、较差比例之和不能超过 100%")
        if errors:
            raise ValidationError(errors)

    def as_rules(self) -> rules.RuleSettings:
        """The plain-data settings the pure rules work with."""
        return rules.RuleSettings(
            red_flag_points=self.red_flag_points,
            yellow_light_points=self.yellow_light_points,
            red_light_points=self.red_light_points,
            bonus_cap=self.bonus_cap,
            deduction_cap=self.deduction_cap,
            escalation_threshold=self.escalation_threshold,
            escalation_same_department=self.escalation_same_department,
        )

    def as_grading(self) -> rules.GradingSettings:
        """The plain-data grading settings the pure rules work with."""
        return rules.GradingSettings(
            method=self.grading_method,
            excellent_min=self.excellent_min_points,
            good_min=self.good_min_points,
            fair_min=self.fair_min_points,
            excellent_share=self.excellent_share,
            good_share=self.good_share,
            poor_share=self.poor_share,
            by_category=self.grading_by_category,
        )


class Criterion(models.Model):
    """One numbered entry of a rule book (认定条目)."""

    rulebook = models.ForeignKey(RuleBook, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("认定细则"))
    code = models.CharField(_("编码"), max_length=32)
    text = models.TextField(
        _("内容"), max_length=CRITERION_TEXT_MAX_LENGTH, validators=[MaxLengthValidator(CRITERION_TEXT_MAX_LENGTH)],
    )
    kind = models.CharField(_("类型"), max_length=16, choices=CriterionKind.choices)
    is_active = models.BooleanField(_("在用"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("认定条目")
        verbose_name_plural = pgettext_lazy("plural", "认定条目")
        ordering = ["rulebook", "code"]
        constraints = [models.UniqueConstraint(fields=["rulebook", "code"], name="criterion_unique_code")]

    def __str__(self) -> str:
        text = self.text if len(self.text) <= 40 else self.text[:40] + "…"
        return f"{self.code} {text}"

    def clean_fields(self, exclude=None) -> None:
        clean_identifier_fields(self, ("code",), exclude, super().clean_fields)

    def clean(self) -> None:
        # The constraint compares codes as stored; one stored before the rule may be the
        # same code written differently (an identical one the constraint reports).
        if not self.code or self.rulebook_id is None:
            return
        others = Criterion.objects.filter(rulebook_id=self.rulebook_id).exclude(pk=self.pk).exclude(code=self.code)
        others = others.filter(code__regex=NOT_PLAIN_ASCII)
        other = same_identifier(others.only("pk", "code"), "code", self.code)
        if other is not None:
            raise ValidationError({"code": _("该年度认定细则中已有条目“%(code)s”，与这个编码写法不同但读起来一样") % {
                "code": other.code,
            }})


class Period(models.Model):
    """One month of 效能亮榜: open → closed (by the office) → published (by the board)."""

    class Status(models.TextChoices):
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已关账")
        PUBLISHED = "published", _("已发布")

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="periods", verbose_name=_("辖区"))
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(_("关账时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("关账人")
    )
    reopen_reason = models.TextField(_("重新开放原因"), blank=True)
    # When a rating of the month last changed after approval on review (复核变更): a
    # published board older than this needs a correction, scores older than this are out of date.
    revised_at = models.DateTimeField(_("复核变更时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("月度")
        verbose_name_plural = pgettext_lazy("plural", "月度")
        ordering = ["jurisdiction", "-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "year", "month"], name="period_one_per_month"),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="period_month_1_12"),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def index(self) -> int:
        return rules.month_index(self.year, self.month)


class Rating(models.Model):
    """A red flag, yellow light or red light a department gives a unit for one month."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        RETURNED = "returned", _("已退回")
        APPROVED = "approved", _("已通过")
        # Taken out of a month by the office when it closed (kept, with the reason);
        # counts nowhere, like a draft, and is never edited or submitted again.
        WITHDRAWN = "withdrawn", _("已撤回")

    class Escalation(models.TextChoices):
        NONE = "", _("无")
        CONSECUTIVE = rules.ESCALATED_CONSECUTIVE, _("连续黄灯升级")
        SERIOUS = rules.ESCALATED_SERIOUS, _("造成较大影响")

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("月份"))
    department = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="ratings_given", verbose_name=_("职能管理部门"),
        limit_choices_to={"is_department": True},
    )
    unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="ratings_received", verbose_name=_("被考核单位"),
        limit_choices_to={"is_unit": True},
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, null=True, blank=True, related_name="ratings", verbose_name=_("认定条目")
    )
    reason = models.TextField(_("事由"), max_length=REASON_MAX_LENGTH, validators=[MaxLengthValidator(REASON_MAX_LENGTH)])
    serious_impact = models.BooleanField(_("造成较大影响"), default=False, help_text=_("黄灯造成较大影响的，直接认定为红灯"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    return_reason = models.TextField(_("退回原因"), blank=True)
    withdrawn_reason = models.TextField(_("撤回原因"), blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("撤回人")
    )
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    # The result after escalation: what every board, score and view shows.
    outcome = models.CharField(_("认定结果"), max_length=16, choices=Kind.choices, blank=True, db_index=True)
    escalation = models.CharField(_("升级原因"), max_length=16, choices=Escalation.choices, blank=True, default="")
    escalated_after = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("连续黄灯的上一次"), help_text=_("与本条黄灯连续、共同构成红灯的上一条黄灯"),
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("填报人")
    )
    created_at = models.DateTimeField(_("填报时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("审核人")
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = _("认定")
        verbose_name_plural = pgettext_lazy("plural", "认定")
        ordering = ["-period__year", "-period__month", "department__code", "unit__code", "pk"]
        indexes = [
            models.Index(fields=["unit", "status"], name="rating_unit_status"),
            models.Index(fields=["period", "status"], name="rating_period_status"),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.unit} {self.get_effective_kind_display()}"

    @property
    def effective_kind(self) -> str:
        return self.outcome or self.kind

    def get_effective_kind_display(self) -> str:
        return str(Kind(self.effective_kind).label)

    @property
    def is_escalated(self) -> bool:
        return bool(self.escalation)

    @property
    def is_editable_by_rater(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED) and self.period.is_open


def evidence_upload_to(instance: "Evidence", filename: str) -> str:
    """evidence/2026/03/<random>.pdf: a user's file name never becomes a path; only its
    checked extension is kept (lib.uploads), anything else is stored as .bin."""
    month = timezone.localdate().strftime("%Y/%m")
    return f"evidence/{month}/{uuid.uuid4().hex}.{stored_extension(filename)}"


class Evidence(models.Model):
    """A file that backs a rating: a photo, a work order, a circular."""

    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("认定"))
    file = models.FileField(_("文件"), upload_to=evidence_upload_to)
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    shared_with_unit = models.BooleanField(
        _("被考核单位可见"), default=False,
        help_text=_("勾选后，被考核单位在本单位工作台上可以查看和下载这份材料；涉及举报人等个人信息的材料不要勾选"),
    )

    # Evidence is part of a rating's record: uploads and removals are audited too.
    history = HistoricalRecords(excluded_fields=["uploaded_at"])

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = pgettext_lazy("plural", "佐证材料")
        ordering = ["rating", "pk"]

    def __str__(self) -> str:
        return self.original_name or os.path.basename(self.file.name)


class ClosingNotice(models.Model):
    """What closing a month did to a department's drafts and returned ratings, told to
    each of its raters once, on their next login (ratings.notices)."""

    department = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="closing_notices", verbose_name=_("职能管理部门")
    )
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+", verbose_name=_("月份"))
    text = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    seen_by = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("已读"))

    class Meta:
        verbose_name = _("关账通知")
        verbose_name_plural = pgettext_lazy("plural", "关账通知")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text
