"""The year-end result: each unit's year scores (the board's counts, points, ranks and
grade), the office's vetoes and promotions, and the runs of the roll-up.

These models lived in ``ratings`` until the year-end moved here; their tables keep the
names they had (``ratings_yearscore`` …), so no data moved (migration 0001)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from departments.models import Jurisdiction, Organisation
from ratings.models import Grade, RuleBook


class GradeAdjustment(models.Model):
    """一票否决 or 例外晋级, recorded by the office with a reason. The points stay the
    real points; only the grade moves."""

    class Kind(models.TextChoices):
        VETO = "veto", _("一票否决")
        PROMOTION = "promotion", _("例外晋级")

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="grade_adjustments", verbose_name=_("辖区")
    )
    unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="grade_adjustments", verbose_name=_("被考核单位"),
        limit_choices_to={"is_unit": True},
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(
        _("类型"), max_length=16, choices=Kind.choices,
        help_text=_("一票否决：不论得分，不得评为优秀；例外晋级：直接评为优秀。加减分仍按实际计算"),
    )
    reason = models.TextField(_("原因"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("登记人"),
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    history = HistoricalRecords(table_name="ratings_historicalgradeadjustment")

    class Meta:
        db_table = "ratings_gradeadjustment"  # the name it had in ratings
        verbose_name = _("等次调整")
        verbose_name_plural = pgettext_lazy("plural", "等次调整（一票否决 / 例外晋级）")
        ordering = ["jurisdiction", "-year", "unit__code", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "kind"], name="grade_adjustment_one_per_kind"),
            models.CheckConstraint(condition=~models.Q(reason=""), name="grade_adjustment_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.unit} {self.get_kind_display()}"

    def clean(self) -> None:
        if not (self.reason or "").strip():
            raise ValidationError({"reason": _("请填写原因")})


class YearScore(models.Model):
    """One unit's year: counts after escalation, points, ranks and grade, as computed
    by the roll-up (a year-to-date roll-up stores the months so far)."""

    # The roll-up rewrites a whole year at once, so the table carries one index (the
    # unique key below) and the database checks only the unit's foreign key; the other
    # references are a snapshot whose on_delete Django applies.
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="year_scores", verbose_name=_("辖区"), db_index=False,
        db_constraint=False,
    )
    unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="year_scores", verbose_name=_("被考核单位"), db_index=False
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    category = models.ForeignKey(
        "departments.Category", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("类别"),
        help_text=_("计算时单位所属的类别"), db_index=False, db_constraint=False,
    )
    red_flags = models.PositiveIntegerField(_("红旗数"), default=0)
    yellow_lights = models.PositiveIntegerField(_("黄灯数"), default=0)
    red_lights = models.PositiveIntegerField(_("红灯数"), default=0)
    points = models.DecimalField(_("加减分"), max_digits=8, decimal_places=2, default=Decimal("0"))
    rank_overall = models.PositiveIntegerField(_("排名"))
    rank_in_category = models.PositiveIntegerField(_("类别排名"))
    grade_by_points = models.CharField(_("按得分等次"), max_length=16, choices=Grade.choices)
    grade = models.CharField(_("等次"), max_length=16, choices=Grade.choices)
    veto_applied = models.BooleanField(_("一票否决"), default=False)
    promotion_applied = models.BooleanField(_("例外晋级"), default=False)
    rulebook = models.ForeignKey(
        RuleBook, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("认定细则"),
        db_index=False, db_constraint=False,
    )
    rulebook_version = models.PositiveIntegerField(_("细则版本"), null=True, blank=True)
    computed_at = models.DateTimeField(_("计算时间"))
    is_year_to_date = models.BooleanField(_("年度累计（未满全年）"), default=False)
    through_month = models.PositiveSmallIntegerField(_("统计截至月份"), default=12)

    class Meta:
        db_table = "ratings_yearscore"  # the name it had in ratings
        verbose_name = _("年度得分")
        verbose_name_plural = pgettext_lazy("plural", "年度得分")
        ordering = ["jurisdiction", "-year", "rank_overall", "unit__code"]
        constraints = [
            # Also the index of every read (a jurisdiction's year) and the roll-up's conflict key.
            models.UniqueConstraint(fields=["jurisdiction", "year", "unit"], name="year_score_one_per_unit_year"),
            models.CheckConstraint(condition=models.Q(through_month__gte=1, through_month__lte=12),
                                   name="year_score_month_1_12"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.unit}"


class RollupRun(models.Model):
    """One run of the year-end roll-up, for the office to watch until it ends."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("计算中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="rollup_runs", verbose_name=_("辖区"))
    year = models.PositiveSmallIntegerField(_("年度"))
    through_month = models.PositiveSmallIntegerField(_("统计截至月份"), null=True, blank=True,
                                                     help_text=_("空表示全年"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("单位总数"), default=0)
    done = models.PositiveIntegerField(_("已完成单位"), default=0)
    error = models.TextField(_("错误信息"), blank=True)
    task_id = models.CharField(_("任务编号"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("发起人"),
    )
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        db_table = "ratings_rolluprun"  # the name it had in ratings
        verbose_name = _("年度得分计算")
        verbose_name_plural = pgettext_lazy("plural", "年度得分计算")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.year} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return self.done * 100 // self.total if self.total else 0
