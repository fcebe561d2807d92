"""Evaluations (评议): the year's rounds, who rates whom, the sealed answers and each
closed round's results; the public satisfaction survey with its invitation codes and its
anonymous responses; the evaluators' daily evaluations. The rules live in
``evaluations.rules``; the writes in ``evaluations.services``."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from departments.models import Jurisdiction, Organisation
from evaluations import rules
from lib.uploads import stored_extension

COMMENT_MAX = 500
HIGHLIGHT_MAX = 800
SUGGESTION_MAX = 1000
PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class State(models.TextChoices):
    DRAFT = "draft", _("准备中")
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class EvaluatorGroup(models.Model):
    """A group of evaluators (评议人组): the city leaders, the counties, the firms' and
    residents' representatives, the daily evaluators (评议员)."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="evaluator_groups",
                                     verbose_name=_("辖区"))
    name = models.CharField(_("名称"), max_length=50)

    class Meta:
        verbose_name = _("评议人组")
        verbose_name_plural = pgettext_lazy("plural", "评议人组")
        ordering = ["jurisdiction", "name"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "name"], name="evaluator_group_unique_name")]

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    """An evaluator in a group: a user account, the unit they work for (never rated by
    them) and the units they are responsible for (分管), which the assignment prefers."""

    group = models.ForeignKey(EvaluatorGroup, on_delete=models.CASCADE, related_name="members",
                              verbose_name=_("评议人组"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evaluator_memberships",
                             verbose_name=_("用户"))
    title = models.CharField(_("职务"), max_length=50, blank=True)
    own_unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("所在单位"),
                                 help_text=_("评议人不评议本单位"))
    responsible = models.ManyToManyField(Organisation, blank=True, related_name="+", verbose_name=_("分管单位"),
                                         help_text=_("安排评议单位时优先安排分管单位"))
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("评议人")
        verbose_name_plural = pgettext_lazy("plural", "评议人")
        ordering = ["group", "pk"]
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="evaluator_member_unique_user")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    def clean(self) -> None:
        if self.own_unit_id and self.group_id and self.own_unit.jurisdiction_id != self.group.jurisdiction_id:
            raise ValidationError({"own_unit": _("“%(name)s”不属于本辖区") % {"name": self.own_unit.name}})


class Round(models.Model):
    """An evaluation round: its window, its evaluator group, the units it rates, its sheet
    (a grade or a score, an optional comment), the numbers of the assignment and how it
    feeds the scorecard (the item's code and the round's weight in it)."""

    class Source(models.TextChoices):
        SHEETS = "sheets", _("评议表")
        DAILY = "daily", _("日常评议")

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="evaluation_rounds",
                                     verbose_name=_("辖区"))
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("名称"), max_length=50, help_text=_("如“市领导评议”“县市区评议”"))
    group = models.ForeignKey(EvaluatorGroup, on_delete=models.PROTECT, related_name="rounds",
                              verbose_name=_("评议人组"))
    source = models.CharField(_("评议方式"), max_length=10, choices=Source.choices, default=Source.SHEETS,
                              help_text=_("“日常评议”按评议期内评议员的日常评议计分，不填评议表"))
    opens_on = models.DateField(_("开始日期"))
    closes_on = models.DateField(_("截止日期"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    units = models.ManyToManyField(Organisation, blank=True, related_name="+", verbose_name=_("被评议单位"),
                                   help_text=_("不选则为本辖区全部在用的被考核单位"))
    scale = models.CharField(_("打分方式"), max_length=10, default=rules.Scale.GRADE.value, choices=[
        (rules.Scale.GRADE.value, _("等次（好、较好、一般、差）")), (rules.Scale.SCORE.value, _("百分制打分"))])
    points_good = models.DecimalField(_("“好”计分"), max_digits=5, decimal_places=2, default=Decimal(100),
                                      validators=PERCENT)
    points_fairly_good = models.DecimalField(_("“较好”计分"), max_digits=5, decimal_places=2, default=Decimal(85),
                                             validators=PERCENT)
    points_fair = models.DecimalField(_("“一般”计分"), max_digits=5, decimal_places=2, default=Decimal(70),
                                      validators=PERCENT)
    points_poor = models.DecimalField(_("“差”计分"), max_digits=5, decimal_places=2, default=Decimal(50),
                                      validators=PERCENT)
    evaluator_min = models.PositiveSmallIntegerField(_("每人评议单位数下限"), default=20)
    evaluator_max = models.PositiveSmallIntegerField(_("每人评议单位数上限"), default=25)
    unit_min = models.PositiveSmallIntegerField(_("每个单位评议人数下限"), default=8)
    unit_max = models.PositiveSmallIntegerField(_("每个单位评议人数上限"), default=9)
    min_answers = models.PositiveSmallIntegerField(_("有效评议人数"), default=8,
                                                   help_text=_("评议人数少于此数的单位在结果中标出"))
    extra_max = models.PositiveSmallIntegerField(_("附页最多单位数"), default=5,
                                                 help_text=_("评议人可在附页上另评熟悉的单位；0为不设附页"))
    extra_weight = models.DecimalField(
        _("附页权重"), max_digits=4, decimal_places=2, default=Decimal("0.5"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text=_("附页上的一份评议按安排评议的几份计：0.5为半份，1为一份，0为不计分"))
    item_code = models.CharField(_("计入考核项目编码"), max_length=32, blank=True,
                                 help_text=_("年度考核方案中计分方式为“评议”的项目编码；留空则不计入"))
    weight = models.DecimalField(_("权重（%）"), max_digits=5, decimal_places=2, default=Decimal(100),
                                 validators=PERCENT, help_text=_("计入同一项目的各轮权重合计应为100"))

    class Meta:
        verbose_name = _("评议轮次")
        verbose_name_plural = pgettext_lazy("plural", "评议轮次")
        ordering = ["-year", "opens_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "year", "name"], name="evaluation_round_unique_name")]

    def __str__(self) -> str:
        return f"{self.year}年 {self.name}"

    @property
    def bounds(self) -> rules.Bounds:
        return rules.Bounds(self.evaluator_min, self.evaluator_max, self.unit_min, self.unit_max)

    @property
    def grade_points(self) -> tuple[Decimal, ...]:
        return (self.points_good, self.points_fairly_good, self.points_fair, self.points_poor)

    @property
    def is_grade(self) -> bool:
        return self.scale == rules.Scale.GRADE.value

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            errors.setdefault("closes_on", []).append(_("截止日期不能早于开始日期"))
        if self.opens_on and self.year and self.opens_on.year != self.year:
            errors.setdefault("opens_on", []).append(_("开始日期应在%(year)s年内") % {"year": self.year})
        if self.evaluator_min > self.evaluator_max:
            errors.setdefault("evaluator_max", []).append(_("上限不能小于下限"))
        if self.unit_min > self.unit_max:
            errors.setdefault("unit_max", []).append(_("上限不能小于下限"))
        if self.group_id and self.jurisdiction_id and self.group.jurisdiction_id != self.jurisdiction_id:
            errors.setdefault("group", []).append(_("评议人组不属于本辖区"))
        for message in rules.grade_points_problems(self.grade_points):
            errors.setdefault("points_poor", []).append(_(message))
        if errors:
            raise ValidationError(errors)


class Assignment(models.Model):
    """One evaluator to rate one unit in a round, on the assigned sheet or the extra one
    (附页), and their answer. The answer is sealed: only its evaluator ever sees it;
    everyone else sees the closed round's results per unit."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("评议轮次"))
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("评议人"))
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("被评议单位"))
    extra = models.BooleanField(_("附页"), default=False)
    by_hand = models.BooleanField(_("人工调整"), default=False)
    grade = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    points = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    comment = models.TextField(blank=True, max_length=COMMENT_MAX, validators=[MaxLengthValidator(COMMENT_MAX)])

    class Meta:
        verbose_name = _("评议安排")
        verbose_name_plural = pgettext_lazy("plural", "评议安排")
        ordering = ["round", "member", "extra", "unit__code"]
        constraints = [models.UniqueConstraint(fields=["round", "member", "unit"], name="evaluation_assignment_unique")]

    def __str__(self) -> str:
        return f"{self.member} → {self.unit}"


class Sheet(models.Model):
    """An evaluator's sheet in a round: saved as they go, submitted once. Only submitted
    sheets count."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="sheets", verbose_name=_("评议轮次"))
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="sheets", verbose_name=_("评议人"))
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reminded_on = models.DateField(_("最近提醒日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("评议表")
        verbose_name_plural = pgettext_lazy("plural", "评议表")
        constraints = [models.UniqueConstraint(fields=["round", "member"], name="evaluation_sheet_unique")]

    def __str__(self) -> str:
        return f"{self.round} · {self.member}"


class Highlight(models.Model):
    """A unit's highlights (工作亮点) for a round, shown to its evaluators beside the sheet."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="highlights", verbose_name=_("评议轮次"))
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("单位"))
    text = models.TextField(_("工作亮点"), max_length=HIGHLIGHT_MAX, validators=[MaxLengthValidator(HIGHLIGHT_MAX)])
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("填写人"))

    class Meta:
        verbose_name = _("工作亮点")
        verbose_name_plural = pgettext_lazy("plural", "工作亮点")
        constraints = [models.UniqueConstraint(fields=["round", "unit"], name="evaluation_highlight_unique")]

    def __str__(self) -> str:
        return f"{self.round} · {self.unit}"


def picture_upload_to(instance: HighlightPicture, filename: str) -> str:
    return f"evaluations/highlights/{uuid.uuid4().hex}{stored_extension(filename)}"


class HighlightPicture(models.Model):
    """A picture with a unit's highlights, stored without its EXIF data."""

    highlight = models.ForeignKey(Highlight, on_delete=models.CASCADE, related_name="pictures",
                                  verbose_name=_("工作亮点"))
    file = models.FileField(_("图片"), upload_to=picture_upload_to)
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("亮点图片")
        verbose_name_plural = pgettext_lazy("plural", "亮点图片")
        ordering = ["highlight", "pk"]

    def __str__(self) -> str:
        return self.original_name or self.file.name


class RoundResult(models.Model):
    """A unit's result in a closed round (``evaluations.rules.UnitResult``)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="results", verbose_name=_("评议轮次"))
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("单位"))
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    evaluators = models.PositiveSmallIntegerField(_("评议人数"), default=0)
    extra = models.PositiveSmallIntegerField(_("其中附页"), default=0)
    spread = models.DecimalField(_("标准差"), max_digits=5, decimal_places=2, default=Decimal(0))
    low = models.DecimalField(_("最低"), max_digits=5, decimal_places=2, null=True, blank=True)
    high = models.DecimalField(_("最高"), max_digits=5, decimal_places=2, null=True, blank=True)
    too_few = models.BooleanField(_("评议人数不足"), default=False)

    class Meta:
        verbose_name = _("评议结果")
        verbose_name_plural = pgettext_lazy("plural", "评议结果")
        ordering = ["round", "-score", "unit__code"]
        constraints = [models.UniqueConstraint(fields=["round", "unit"], name="evaluation_result_unique")]

    def __str__(self) -> str:
        return f"{self.round} · {self.unit}"


# The public satisfaction survey (满意度测评) ----------------------------------------------------


class Survey(models.Model):
    """A public satisfaction survey: the agencies rated on a five-point scale, a
    suggestion box, open on a phone without login, by invitation code or by an open
    link. Responses are anonymous (LimeSurvey's anonymised mode): nothing stored with an
    answer says whose it is, which code it came with, from where or when."""

    class Access(models.TextChoices):
        CODES = "codes", _("邀请码（每码一份）")
        OPEN = "open", _("公开链接（每个浏览器一份）")

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="surveys",
                                     verbose_name=_("辖区"))
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("名称"), max_length=80, help_text=_("如“2026年度机关作风满意度测评”"))
    intro = models.TextField(_("说明"), blank=True, max_length=1000, validators=[MaxLengthValidator(1000)],
                             help_text=_("显示在问卷开头，如测评目的、匿名说明"))
    access = models.CharField(_("参与方式"), max_length=10, choices=Access.choices, default=Access.CODES)
    token = models.CharField(_("链接标识"), max_length=32, unique=True, editable=False)
    opens_on = models.DateField(_("开始日期"))
    closes_on = models.DateField(_("截止日期"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    agencies = models.ManyToManyField(Organisation, related_name="+", verbose_name=_("被测评单位"))
    min_responses = models.PositiveIntegerField(_("有效样本数"), default=30,
                                                help_text=_("答卷少于此数的单位在结果中标出"))
    item_code = models.CharField(_("计入考核项目编码"), max_length=32, blank=True,
                                 help_text=_("年度考核方案中计分方式为“评议”的项目编码；留空则不计入"))
    weight = models.DecimalField(_("权重（%）"), max_digits=5, decimal_places=2, default=Decimal(100),
                                 validators=PERCENT, help_text=_("与计入同一项目的评议轮次合计应为100"))

    class Meta:
        verbose_name = _("满意度测评")
        verbose_name_plural = pgettext_lazy("plural", "满意度测评")
        ordering = ["-year", "-opens_on", "pk"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.token:
            import secrets

            self.token = secrets.token_urlsafe(16)[:22]
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValidationError({"closes_on": _("截止日期不能早于开始日期")})


class InvitationCode(models.Model):
    """One response's way in. Only whether it was used is kept: not when, not by whom,
    and nothing links it to the response it let in."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="codes", verbose_name=_("测评"))
    code = models.CharField(_("邀请码"), max_length=rules.CODE_LENGTH)
    used = models.BooleanField(_("已使用"), default=False)

    class Meta:
        verbose_name = _("邀请码")
        verbose_name_plural = pgettext_lazy("plural", "邀请码")
        ordering = ["survey", "pk"]
        constraints = [models.UniqueConstraint(fields=["survey", "code"], name="survey_code_unique")]

    def __str__(self) -> str:
        return rules.code_display(self.code)


class Response(models.Model):
    """One anonymous response: a random id (no order of arrival), no time, no code, no
    address."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses", verbose_name=_("测评"))

    class Meta:
        verbose_name = _("答卷")
        verbose_name_plural = pgettext_lazy("plural", "答卷")


class ResponseAnswer(models.Model):
    """A response's level for one agency (0 is 非常满意 … 4 is 非常不满意)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers", verbose_name=_("答卷"))
    agency = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("单位"))
    level = models.PositiveSmallIntegerField(_("满意程度"), validators=[MaxValueValidator(len(rules.LEVELS) - 1)])

    class Meta:
        verbose_name = _("测评答案")
        verbose_name_plural = pgettext_lazy("plural", "测评答案")
        constraints = [models.UniqueConstraint(fields=["response", "agency"], name="survey_answer_unique")]


class Suggestion(models.Model):
    """A suggestion left in a response, for one agency or none; on close it goes to the
    office's casework as an item for the agency's reply."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="suggestions", verbose_name=_("测评"))
    agency = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("涉及单位"))
    text = models.TextField(_("意见建议"), max_length=SUGGESTION_MAX, validators=[MaxLengthValidator(SUGGESTION_MAX)])
    report = models.ForeignKey("casework.Report", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name=_("转交来件"))

    class Meta:
        verbose_name = _("测评意见建议")
        verbose_name_plural = pgettext_lazy("plural", "测评意见建议")

    def __str__(self) -> str:
        return self.text[:30]


class SurveyResult(models.Model):
    """An agency's result in a closed survey (``evaluations.rules.SurveyResult``)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="results", verbose_name=_("测评"))
    agency = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("单位"))
    responses = models.PositiveIntegerField(_("答卷数"), default=0)
    mean = models.DecimalField(_("满意度得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    low = models.DecimalField(_("置信区间下限"), max_digits=5, decimal_places=2, null=True, blank=True)
    high = models.DecimalField(_("置信区间上限"), max_digits=5, decimal_places=2, null=True, blank=True)
    distribution = models.JSONField(_("各等次人数"), default=list)
    too_few = models.BooleanField(_("样本不足"), default=False)

    class Meta:
        verbose_name = _("测评结果")
        verbose_name_plural = pgettext_lazy("plural", "测评结果")
        ordering = ["survey", "-mean"]
        constraints = [models.UniqueConstraint(fields=["survey", "agency"], name="survey_result_unique")]


# Daily evaluation (日常评议) ----------------------------------------------------------------------


class DailyEvaluation(models.Model):
    """An evaluator's dated evaluation of a unit, any day of the year, with a suggestion;
    the unit replies. A round of the ``日常评议`` kind counts those in its window."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="daily", verbose_name=_("评议人"))
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("被评议单位"))
    on = models.DateField(_("评议日期"))
    grade = models.PositiveSmallIntegerField(_("等次"), validators=[MaxValueValidator(len(rules.GRADES) - 1)],
                                             choices=[(i, _(g)) for i, g in enumerate(rules.GRADES)])
    text = models.TextField(_("评议内容"), max_length=COMMENT_MAX, validators=[MaxLengthValidator(COMMENT_MAX)])
    suggestion = models.TextField(_("意见建议"), blank=True, max_length=COMMENT_MAX,
                                  validators=[MaxLengthValidator(COMMENT_MAX)])
    reply = models.TextField(_("单位答复"), blank=True, max_length=SUGGESTION_MAX,
                             validators=[MaxLengthValidator(SUGGESTION_MAX)])
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("答复人"))
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("日常评议")
        verbose_name_plural = pgettext_lazy("plural", "日常评议")
        ordering = ["-on", "-pk"]

    def __str__(self) -> str:
        return f"{self.on} {self.unit}"
