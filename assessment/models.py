"""The year-end result: the composite scorecard (考核方案) with its items and the results
units get on them, each unit's year scores (the board's counts and points, the composite
total, ranks and grade), the office's vetoes and promotions, and the runs of the roll-up.

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

from assessment import rules as card_rules
from departments.models import Category, Jurisdiction, Organisation
from ratings.models import Grade, GradingMethod, RuleBook


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
    # The composite result, when the year has a scorecard (综合考核); the grade above is then its grade.
    composite_total = models.DecimalField(_("综合得分"), max_digits=8, decimal_places=2, null=True, blank=True)
    composite_rank = models.PositiveIntegerField(_("综合排名"), null=True, blank=True,
                                                 help_text=_("有分类别指标时为类别内排名"))
    composite_detail = models.JSONField(_("综合得分明细"), default=dict, blank=True)
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


# The composite scorecard (考核方案) ------------------------------------------------------


def method_choices() -> list[tuple[str, str]]:
    """The scoring methods of the registry, by their Chinese names (a later issue's method
    joins the list by registering itself)."""
    return [(method.code, _(method.label)) for method in card_rules.METHODS.values()]


class Scorecard(models.Model):
    """One jurisdiction's year-end scorecard: its items (``ScorecardItem``) form a tree
    whose sections add up to ``total_points``; how ranks become points; how totals
    become grades. Frozen once results exist: a change then needs ``reopened``."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="scorecards", verbose_name=_("辖区")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("名称"), max_length=200, blank=True, help_text=_("例如“2026年度综合考核方案”"))
    total_points = models.DecimalField(
        _("总分"), max_digits=8, decimal_places=2, null=True, blank=True,
        help_text=_("各部分分值之和应等于总分，例如 300；留空则不核对"),
    )
    rank_first_losing = models.PositiveSmallIntegerField(
        _("开始扣减的名次"), default=4, help_text=_("此名次之前（如第1—3名）得该项全部分值"))
    rank_step = models.DecimalField(
        _("每降一名扣减（%）"), max_digits=5, decimal_places=2, default=Decimal("5"),
        help_text=_("从开始扣减的名次起，每降一名少得该项分值的此百分比"))
    rank_last = models.PositiveSmallIntegerField(_("逐名扣减至第几名"), default=16)
    rank_after_last = models.DecimalField(
        _("此后各名次得分（%）"), max_digits=5, decimal_places=2, default=Decimal("30"),
        help_text=_("排在“逐名扣减至第几名”之后的名次，得该项分值的此百分比"))
    promotion_top_rank = models.PositiveSmallIntegerField(
        _("例外晋级名次"), null=True, blank=True,
        help_text=_("任一按排名计分的指标全省排名在此名次以内（含）的单位例外晋级为优秀；留空则不自动晋级"))
    grading_method = models.CharField(
        _("等次评定方式"), max_length=16, choices=GradingMethod.choices, default=GradingMethod.BY_SHARE)
    excellent_min = models.DecimalField(_("优秀分数线"), max_digits=8, decimal_places=2, default=Decimal("270"))
    good_min = models.DecimalField(_("良好分数线"), max_digits=8, decimal_places=2, default=Decimal("240"))
    fair_min = models.DecimalField(_("一般分数线"), max_digits=8, decimal_places=2, default=Decimal("180"))
    excellent_share = models.PositiveSmallIntegerField(_("优秀比例（%）"), default=30)
    good_share = models.PositiveSmallIntegerField(_("良好比例（%）"), default=40)
    poor_share = models.PositiveSmallIntegerField(_("较差比例（%）"), default=10)
    reopened = models.BooleanField(
        _("已重新开放修改"), default=False,
        help_text=_("已有考核结果的方案默认冻结；效能办重新开放后方可修改指标"))
    results_locked = models.BooleanField(
        _("结果已锁定"), default=False, help_text=_("锁定后，牵头单位不能再录入或修改本年度结果，导入也被拒绝"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = pgettext_lazy("plural", "考核方案")
        ordering = ["jurisdiction", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "year"], name="scorecard_one_per_year"),
        ]

    def __str__(self) -> str:
        return self.name or _("%(year)d年度综合考核方案") % {"year": self.year}

    @property
    def rank_table(self) -> card_rules.RankTable:
        return card_rules.RankTable(self.rank_first_losing, self.rank_step, self.rank_last, self.rank_after_last)


class ScorecardItem(models.Model):
    """A section (no parent) or an item of a scorecard. A leaf has a scoring method."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="items", verbose_name=_("考核方案"))
    code = models.CharField(_("编码"), max_length=32)
    name = models.CharField(_("名称"), max_length=200)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children", verbose_name=_("上级"))
    points = models.DecimalField(_("分值"), max_digits=8, decimal_places=2)
    method = models.CharField(
        _("计分方式"), max_length=32, blank=True, choices=method_choices,
        help_text=_("有下级的项目不填，按下级合计"))
    categories = models.ManyToManyField(
        Category, blank=True, related_name="+", verbose_name=_("适用类别"), help_text=_("不选表示适用于所有类别"))
    lead_unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("牵头单位"),
        limit_choices_to={"is_unit": True})
    base = models.DecimalField(
        _("基础分"), max_digits=8, decimal_places=2, null=True, blank=True, help_text=_("仅“效能亮榜”计分方式使用"))
    order = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = pgettext_lazy("plural", "考核指标")
        ordering = ["scorecard", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "code"], name="scorecard_item_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ItemResult(models.Model):
    """A unit's figures on one item, as imported or entered by the lead unit: the figures
    its item's method reads (排名; 得分 as a percentage or as points; 完成数 and 任务数)."""

    class Source(models.TextChoices):
        IMPORT = "import", _("导入")
        ENTRY = "entry", _("牵头单位录入")

    item = models.ForeignKey(ScorecardItem, on_delete=models.CASCADE, related_name="results", verbose_name=_("指标"))
    unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("被考核单位"),
        limit_choices_to={"is_unit": True})
    rank = models.PositiveIntegerField(_("排名"), null=True, blank=True)
    score = models.DecimalField(_("得分"), max_digits=8, decimal_places=2, null=True, blank=True,
                                help_text=_("赋分：百分比 0—100；直接引用：分值"))
    met = models.PositiveIntegerField(_("完成数"), null=True, blank=True)
    assigned = models.PositiveIntegerField(_("任务数"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.IMPORT)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("录入人"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("指标结果")
        verbose_name_plural = pgettext_lazy("plural", "指标结果")
        ordering = ["item__order", "item__pk", "unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["item", "unit"], name="item_result_one_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} {self.unit}"
