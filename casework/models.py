"""Casework (问题交办): incoming items (来件), the problem assignment forms (问题交办单)
they become, and each form's timeline. The rules live in ``casework.rules``; the writes
in ``casework.services``."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from casework import rules
from departments.models import Jurisdiction, Organisation
from lib.uploads import stored_extension

TEXT_MAX = rules.TEXT_MAX_LENGTH
LABEL_MAX = 20
FORM_LABELS = "jurisdiction__casework_settings"  # select_related: what a form's state is called
REASON_MAX = rules.REASON_MAX_LENGTH


class Channel(models.TextChoices):
    WEB = rules.WEB, _("网上举报")
    OPEN311 = rules.OPEN311, _("接口报送")
    VISIT = rules.VISIT, _("来访")
    CALL = rules.CALL, _("来电")
    LETTER = rules.LETTER, _("来信")
    LEADER = rules.LEADER, _("领导交办")
    FIRM = rules.FIRM, _("政企通")
    WINDOW = rules.WINDOW, _("办不成事窗口")
    HOTLINE = rules.HOTLINE, _("12345转办")
    SUPERVISOR = rules.SUPERVISOR, _("社会监督员")
    LIGHT = rules.LIGHT, _("亮灯整改")
    SURVEY = rules.SURVEY, _("满意度测评")


class CaseworkSettings(models.Model):
    """The office's settings for its casework, one row per jurisdiction."""

    jurisdiction = models.OneToOneField(
        Jurisdiction, on_delete=models.CASCADE, related_name="casework_settings", verbose_name=_("辖区")
    )
    number_prefix = models.CharField(
        _("交办单文号前缀"), max_length=20, default="效交", help_text=_("如“镇效交”，文号为“镇效交〔2026〕12号”")
    )
    default_days = models.PositiveSmallIntegerField(
        _("默认办理时限（工作日）"), default=10,
        validators=[MinValueValidator(1), MaxValueValidator(rules.MAX_DEADLINE_DAYS)],
    )
    remind_days = models.PositiveSmallIntegerField(
        _("到期前提醒（工作日）"), default=2, validators=[MaxValueValidator(rules.MAX_DEADLINE_DAYS)],
        help_text=_("剩余工作日不超过此数时提醒承办单位"),
    )
    # The states' names as this office calls them ("已办结" for 已销号, say); the states
    # themselves, and what may happen in each, are fixed (casework.rules).
    label_issued = models.CharField(_("“已交办”改称"), max_length=LABEL_MAX, blank=True)
    label_acknowledged = models.CharField(_("“已签收”改称"), max_length=LABEL_MAX, blank=True)
    label_replied = models.CharField(_("“已报送整改情况”改称"), max_length=LABEL_MAX, blank=True)
    label_returned = models.CharField(_("“退回重办”改称"), max_length=LABEL_MAX, blank=True)
    label_closed = models.CharField(_("“已销号”改称"), max_length=LABEL_MAX, blank=True)
    label_not_rectified = models.CharField(_("“未整改办结”改称"), max_length=LABEL_MAX, blank=True)

    class Meta:
        verbose_name = _("交办设置")
        verbose_name_plural = pgettext_lazy("plural", "交办设置")

    def __str__(self) -> str:
        return str(self.jurisdiction)

    def state_label(self, state: str) -> str:
        """The office's own name for a form's state, or "" for the default."""
        return getattr(self, f"label_{state}", "").strip()

    def clean(self) -> None:
        super().clean()
        names: dict[str, str] = {}
        for state, default in AssignmentForm.State.choices:
            name = self.state_label(state) or str(default)
            if name in names:
                raise ValidationError({f"label_{state}": _("“%(name)s”已是另一状态（%(other)s）的名称，各状态的名称不能相同") % {
                    "name": name, "other": names[name]}})
            names[name] = str(default)


class Report(models.Model):
    """An incoming item (来件): a citizen's report, a transfer, a visit, call or letter…

    The reporter's name, phone and e-mail are the office's only: no public page and no
    unit's desk shows them. The text and files as they came in are never edited; the
    office's triage adds to them."""

    class State(models.TextChoices):
        NEW = rules.NEW, _("待处理")
        REJECTED = rules.REJECTED, _("不予受理")
        MERGED = rules.MERGED, _("已合并")
        ANSWERED = rules.ANSWERED, _("已答复")
        ASSIGNED = rules.ASSIGNED, _("已交办")

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+", verbose_name=_("辖区"))
    code = models.CharField(_("查询码"), max_length=rules.CODE_LENGTH, unique=True, editable=False)
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices, db_index=True)
    external_ref = models.CharField(_("外部编号"), max_length=64, blank=True, help_text=_("如12345工单编号"))
    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("反映内容"), max_length=TEXT_MAX, validators=[MaxLengthValidator(TEXT_MAX)])
    location = models.CharField(_("发生地点"), max_length=200, blank=True)
    unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="reports_about",
        verbose_name=_("反映的单位"),
    )
    reporter_name = models.CharField(_("反映人姓名"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    reporter_email = models.EmailField(_("电子邮箱"), blank=True)
    received_at = models.DateTimeField(_("收到时间"), default=timezone.now, db_index=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("录入人"),
    )
    supervisor = models.ForeignKey(
        "Supervisor", on_delete=models.PROTECT, null=True, blank=True, related_name="reports",
        verbose_name=_("社会监督员"),
    )

    state = models.CharField(_("处理状态"), max_length=16, choices=State.choices, default=State.NEW, db_index=True)
    reject_reason = models.TextField(_("不予受理理由"), blank=True, max_length=REASON_MAX)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged", verbose_name=_("合并到")
    )
    form = models.ForeignKey(
        "AssignmentForm", on_delete=models.PROTECT, null=True, blank=True, related_name="reports",
        verbose_name=_("交办单"),
    )
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("处理人"),
    )
    triaged_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["reporter_name", "reporter_phone", "reporter_email"])

    class Meta:
        verbose_name = _("来件")
        verbose_name_plural = pgettext_lazy("plural", "来件")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["jurisdiction", "state"], name="report_jurisdiction_state")]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "channel", "external_ref"], condition=~models.Q(external_ref=""),
                name="report_unique_external_ref",
            ),
        ]

    def __str__(self) -> str:
        return f"{rules.tracking_code_display(self.code)} {self.title}"

    @property
    def code_display(self) -> str:
        return rules.tracking_code_display(self.code)


def report_file_upload_to(instance: "ReportFile", filename: str) -> str:
    """casework/2026/03/<random>.jpg: a reporter's file name never becomes a path."""
    month = timezone.localdate().strftime("%Y/%m")
    return f"casework/{month}/{uuid.uuid4().hex}.{stored_extension(filename)}"


class ReportFile(models.Model):
    """A photo, video, audio or document that came with an item; photos are stored
    without their EXIF location and camera data."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("照片")
        VIDEO = "video", _("视频")
        AUDIO = "audio", _("音频")
        DOCUMENT = "document", _("文件")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="files", verbose_name=_("来件"))
    file = models.FileField(_("文件"), upload_to=report_file_upload_to)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)

    class Meta:
        verbose_name = _("来件附件")
        verbose_name_plural = pgettext_lazy("plural", "来件附件")
        ordering = ["report", "pk"]

    def __str__(self) -> str:
        return self.original_name or self.file.name


class Reply(models.Model):
    """The office's answer to an item. A draft is the office's; once published it is on
    the reporter's tracking page, after the office has taken out any personal data."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="replies", verbose_name=_("来件"))
    text = models.TextField(_("答复内容"), max_length=REASON_MAX, validators=[MaxLengthValidator(REASON_MAX)])
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("撰写人")
    )
    written_at = models.DateTimeField(_("撰写时间"), default=timezone.now)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("答复")
        verbose_name_plural = pgettext_lazy("plural", "答复")
        ordering = ["report", "written_at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class AssignmentForm(models.Model):
    """问题交办单: one problem handed to a lead unit (and co-units) with a deadline in
    working days, followed until it is closed (一事一表、逐一销号)."""

    class State(models.TextChoices):
        ISSUED = rules.ISSUED, _("已交办")
        ACKNOWLEDGED = rules.ACKNOWLEDGED, _("已签收")
        REPLIED = rules.REPLIED, _("已报送整改情况")
        RETURNED = rules.RETURNED, _("退回重办")
        CLOSED = rules.CLOSED, _("已销号")
        NOT_RECTIFIED = rules.NOT_RECTIFIED, _("未整改办结")

    class Priority(models.TextChoices):
        NORMAL = rules.NORMAL, _("一般")
        URGENT = rules.URGENT, _("紧急")

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+", verbose_name=_("辖区"))
    year = models.PositiveSmallIntegerField(_("年度"))
    seq = models.PositiveIntegerField(_("序号"))
    number = models.CharField(_("文号"), max_length=40)
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices)
    lead_unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="forms_led", verbose_name=_("承办单位")
    )
    co_units = models.ManyToManyField(
        Organisation, blank=True, related_name="forms_assisted", verbose_name=_("协办单位")
    )
    title = models.CharField(_("标题"), max_length=100)
    problem = models.TextField(_("问题描述"), max_length=TEXT_MAX, validators=[MaxLengthValidator(TEXT_MAX)])
    requirement = models.TextField(_("办理要求"), max_length=REASON_MAX, validators=[MaxLengthValidator(REASON_MAX)])
    priority = models.CharField(_("紧急程度"), max_length=16, choices=Priority.choices, default=Priority.NORMAL)
    issued_on = models.DateField(_("交办日期"))
    days = models.PositiveSmallIntegerField(
        _("办理时限（工作日）"), validators=[MinValueValidator(1), MaxValueValidator(rules.MAX_DEADLINE_DAYS)]
    )
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.ISSUED, db_index=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("交办人")
    )
    # Lights and forms, linked both ways: the light a rectification form follows up (整改),
    # and the yellow light the office turned this form into.
    source_rating = models.ForeignKey(
        "ratings.Rating", on_delete=models.PROTECT, null=True, blank=True, related_name="rectification_forms",
        verbose_name=_("整改的认定"),
    )
    rating = models.ForeignKey(
        "ratings.Rating", on_delete=models.PROTECT, null=True, blank=True, related_name="casework_forms",
        verbose_name=_("转为的认定"),
    )
    # 移送纪委监委: when the clues went, and what came back.
    transferred_on = models.DateField(_("移送纪委监委日期"), null=True, blank=True)
    transfer_outcome = models.TextField(_("纪委监委处理结果"), blank=True, max_length=REASON_MAX)
    transfer_outcome_on = models.DateField(_("处理结果日期"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("问题交办单")
        verbose_name_plural = pgettext_lazy("plural", "问题交办单")
        ordering = ["-year", "-seq"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "year", "seq"], name="form_unique_number"),
            # One rectification form per light.
            models.UniqueConstraint(fields=["source_rating"], condition=models.Q(source_rating__isnull=False),
                                    name="form_one_per_light"),
        ]
        indexes = [
            models.Index(fields=["jurisdiction", "state"], name="form_jurisdiction_state"),
            models.Index(fields=["lead_unit", "state"], name="form_lead_state"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_state_display(self) -> str:
        """The state by the office's own name for it (交办设置), else by its default name.
        Lists select ``jurisdiction__casework_settings`` with the forms (``FORM_LABELS``)."""
        try:
            own = self.jurisdiction.casework_settings.state_label(self.state)
        except CaseworkSettings.DoesNotExist:
            own = ""
        return own or str(self.State(self.state).label)

    @property
    def is_open(self) -> bool:
        return self.state in rules.OPEN_STATES


class FormPause(models.Model):
    """The clock stood still from ``start`` to ``end`` (open while ``end`` is empty)."""

    form = models.ForeignKey(AssignmentForm, on_delete=models.CASCADE, related_name="pauses", verbose_name=_("交办单"))
    start = models.DateField(_("暂停日期"))
    end = models.DateField(_("恢复日期"), null=True, blank=True)
    reason = models.TextField(_("暂停理由"), max_length=REASON_MAX)

    class Meta:
        verbose_name = _("暂停计时")
        verbose_name_plural = pgettext_lazy("plural", "暂停计时")
        ordering = ["form", "start", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["form"], condition=models.Q(end__isnull=True), name="form_one_open_pause"),
        ]

    def __str__(self) -> str:
        return f"{self.start}–{self.end or ''}"


class FormEvent(models.Model):
    """One step in a form's life, in order: what was done, by whom, with what text and files."""

    class Action(models.TextChoices):
        ISSUE = "issue", _("交办")
        ACKNOWLEDGE = rules.ACKNOWLEDGE, _("签收")
        REPLY = rules.REPLY, _("报送整改情况")
        RETURN = rules.RETURN, _("退回重办")
        CLOSE = rules.CLOSE, _("销号")
        CLOSE_NOT_RECTIFIED = rules.CLOSE_NOT_RECTIFIED, _("未整改办结")
        PAUSE = rules.PAUSE, _("暂停计时")
        RESUME = rules.RESUME, _("恢复计时")
        NOTE = rules.NOTE, _("备注")

    form = models.ForeignKey(AssignmentForm, on_delete=models.CASCADE, related_name="events", verbose_name=_("交办单"))
    action = models.CharField(_("操作"), max_length=24, choices=Action.choices)
    state_after = models.CharField(_("操作后状态"), max_length=16, choices=AssignmentForm.State.choices)
    text = models.TextField(_("内容"), blank=True, max_length=TEXT_MAX)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("操作人")
    )
    by_unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("操作单位")
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = pgettext_lazy("plural", "办理记录")
        ordering = ["form", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.form.number} {self.get_action_display()}"


def event_file_upload_to(instance: "EventFile", filename: str) -> str:
    month = timezone.localdate().strftime("%Y/%m")
    return f"casework/forms/{month}/{uuid.uuid4().hex}.{stored_extension(filename)}"


class EventFile(models.Model):
    """Evidence a unit attaches to its reply (整改佐证), checked like any evidence."""

    event = models.ForeignKey(FormEvent, on_delete=models.CASCADE, related_name="files", verbose_name=_("办理记录"))
    file = models.FileField(_("文件"), upload_to=event_file_upload_to)
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("整改佐证")
        verbose_name_plural = pgettext_lazy("plural", "整改佐证")
        ordering = ["event", "pk"]

    def __str__(self) -> str:
        return self.original_name or self.file.name


class Accountability(models.Model):
    """问责: a measure against a person in a case (诫勉教育, 通报批评, 效能告诫). Names of
    staff never leave the office's screens: no unit's desk, public page or export shows them."""

    class Measure(models.TextChoices):
        ADMONITION = "admonition", _("诫勉教育")
        CRITICISM = "criticism", _("通报批评")
        WARNING = "warning", _("效能告诫")

    form = models.ForeignKey(AssignmentForm, on_delete=models.PROTECT, related_name="accountabilities",
                             verbose_name=_("交办单"))
    person = models.CharField(_("责任人"), max_length=50)
    position = models.CharField(_("职务"), max_length=100, blank=True)
    measure = models.CharField(_("问责方式"), max_length=16, choices=Measure.choices)
    decided_on = models.DateField(_("决定日期"))
    note = models.TextField(_("说明"), blank=True, max_length=REASON_MAX)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("问责记录")
        verbose_name_plural = pgettext_lazy("plural", "问责记录")
        ordering = ["form", "decided_on", "pk"]

    def __str__(self) -> str:
        return f"{self.person} {self.get_measure_display()}"


class CaseworkYear(models.Model):
    """The year's consequences of casework (rule-book settings): points deducted at year
    end for each form closed late or left open past its deadline, and for each closed as
    not rectified ("整改不力的实施扣分")."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="+", verbose_name=_("辖区"))
    year = models.PositiveSmallIntegerField(_("年度"))
    overdue_points = models.DecimalField(_("超期扣分（每份）"), max_digits=5, decimal_places=2, default=0,
                                         validators=[MinValueValidator(0)])
    not_rectified_points = models.DecimalField(_("未整改扣分（每份）"), max_digits=5, decimal_places=2, default=0,
                                               validators=[MinValueValidator(0)])
    rectification_forms = models.BooleanField(
        _("亮灯自动交办整改"), default=False, help_text=_("黄灯、红灯审核通过后，自动向该单位发出整改交办单"),
    )
    rectification_days = models.PositiveSmallIntegerField(
        _("整改时限（工作日）"), default=20, validators=[MinValueValidator(1), MaxValueValidator(rules.MAX_DEADLINE_DAYS)],
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("年度交办规则")
        verbose_name_plural = pgettext_lazy("plural", "年度交办规则")
        ordering = ["jurisdiction", "-year"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "year"], name="casework_year_unique")]

    def __str__(self) -> str:
        return str(self.year)


class Deduction(models.Model):
    """One line of the year's deduction ledger: one form, why, how many points. The ledger
    is recomputed from the forms and the year's settings, never edited by hand."""

    class Reason(models.TextChoices):
        OVERDUE = "overdue", _("超期办理")
        NOT_RECTIFIED = "not_rectified", _("整改不力")

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="+", verbose_name=_("辖区"))
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    form = models.ForeignKey(AssignmentForm, on_delete=models.CASCADE, related_name="deductions", verbose_name=_("交办单"))
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("被考核单位"))
    reason = models.CharField(_("扣分原因"), max_length=16, choices=Reason.choices)
    points = models.DecimalField(_("扣分"), max_digits=6, decimal_places=2)
    explanation = models.CharField(_("说明"), max_length=300)
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)

    class Meta:
        verbose_name = _("交办扣分")
        verbose_name_plural = pgettext_lazy("plural", "交办扣分")
        ordering = ["year", "unit", "form"]
        constraints = [models.UniqueConstraint(fields=["form", "reason"], name="deduction_one_per_form_reason")]

    def __str__(self) -> str:
        return f"{self.form.number} {self.get_reason_display()} {self.points}"


class Followup(models.Model):
    """"Is it fixed?": after a form is closed, a reporter who left a phone or e-mail gets a
    link and answers satisfied, partly or not satisfied. The answer counts per unit."""

    class Answer(models.TextChoices):
        SATISFIED = "satisfied", _("满意，问题已解决")
        PARTLY = "partly", _("基本满意，部分解决")
        NOT_SATISFIED = "not_satisfied", _("不满意，问题没有解决")

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="followup", verbose_name=_("来件"))
    token = models.CharField(_("链接码"), max_length=43, unique=True, editable=False)
    sent_at = models.DateTimeField(_("发出时间"), default=timezone.now)
    answer = models.CharField(_("评价"), max_length=16, choices=Answer.choices, blank=True)
    comment = models.TextField(_("意见"), blank=True, max_length=REASON_MAX)
    answered_at = models.DateTimeField(_("评价时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("办结回访")
        verbose_name_plural = pgettext_lazy("plural", "办结回访")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.report.code_display


class WorkOrder(models.Model):
    """A 12345 hotline work order (工单), as imported from the platform: whose it was, when
    it was closed against its deadline, and how satisfied the caller was. The departments
    cite a unit's figures when they award a red flag or a yellow light."""

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        BASIC = "basic", _("基本满意")
        NOT_SATISFIED = "not_satisfied", _("不满意")
        NONE = "", _("未评价")

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+", verbose_name=_("辖区"))
    number = models.CharField(_("工单编号"), max_length=64)
    content = models.TextField(_("诉求内容"), max_length=TEXT_MAX)
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("承办单位"))
    received_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("办理时限"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=16, choices=Satisfaction.choices, blank=True)
    imported_at = models.DateTimeField(_("导入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("12345工单")
        verbose_name_plural = pgettext_lazy("plural", "12345工单")
        ordering = ["-received_at", "number"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "number"], name="workorder_unique_number")]
        indexes = [models.Index(fields=["jurisdiction", "unit", "received_at"], name="workorder_unit_received")]

    def __str__(self) -> str:
        return self.number


class ApiKey(models.Model):
    """A key the office issues to another system (the 12345 platform, a 311 client) for
    Open311 POSTs. Only a digest is stored; the key is shown once, when it is made."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="+", verbose_name=_("辖区"))
    name = models.CharField(_("使用方"), max_length=100)
    prefix = models.CharField(_("密钥前缀"), max_length=8, editable=False)
    digest = models.CharField(_("密钥摘要"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("创建人"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口密钥")
        verbose_name_plural = pgettext_lazy("plural", "接口密钥")
        ordering = ["jurisdiction", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Supervisor(models.Model):
    """社会监督员: appointed by the office to watch some departments, reporting what they
    see as a channel of their own, given tasks, commended or dismissed. Their phone is
    the office's only."""

    class State(models.TextChoices):
        ACTIVE = "active", _("在任")
        DISMISSED = "dismissed", _("已解聘")

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+", verbose_name=_("辖区"))
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    affiliation = models.CharField(_("工作单位或身份"), max_length=100, blank=True, help_text=_("如：人大代表、企业代表、退休干部"))
    departments = models.ManyToManyField(
        Organisation, blank=True, related_name="supervisors", verbose_name=_("监督的部门"),
        limit_choices_to={"is_department": True},
    )
    appointed_on = models.DateField(_("聘任日期"))
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.ACTIVE)
    dismissed_on = models.DateField(_("解聘日期"), null=True, blank=True)
    dismissal_reason = models.TextField(_("解聘原因"), blank=True, max_length=REASON_MAX)
    # The supervisor's own reporting link (/report/s/<token>/): what comes in through it is
    # this supervisor's, on the supervisors' channel. Made again, the old link stops working.
    report_token = models.CharField(_("举报链接码"), max_length=43, unique=True, null=True, blank=True, editable=False)

    history = HistoricalRecords(m2m_fields=[departments], excluded_fields=["report_token"])

    class Meta:
        verbose_name = _("社会监督员")
        verbose_name_plural = pgettext_lazy("plural", "社会监督员")
        ordering = ["jurisdiction", "state", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.state == self.State.DISMISSED and not (self.dismissed_on and self.dismissal_reason.strip()):
            raise ValidationError(_("解聘须填写解聘日期和原因"))
        if self.state == self.State.ACTIVE and self.dismissed_on:
            raise ValidationError({"dismissed_on": _("在任的监督员没有解聘日期")})
        if self.dismissed_on and self.appointed_on and self.dismissed_on < self.appointed_on:
            raise ValidationError({"dismissed_on": _("解聘日期不能早于聘任日期")})


class SupervisorTask(models.Model):
    """A task the office gives a supervisor (e.g. 暗访某窗口), and what came of it."""

    supervisor = models.ForeignKey(Supervisor, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("社会监督员"))
    title = models.CharField(_("任务"), max_length=100)
    detail = models.TextField(_("任务要求"), blank=True, max_length=REASON_MAX)
    assigned_on = models.DateField(_("布置日期"))
    due_on = models.DateField(_("完成期限"), null=True, blank=True)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    result = models.TextField(_("完成情况"), blank=True, max_length=TEXT_MAX)

    class Meta:
        verbose_name = _("监督任务")
        verbose_name_plural = pgettext_lazy("plural", "监督任务")
        ordering = ["supervisor", "-assigned_on", "pk"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.due_on and self.assigned_on and self.due_on < self.assigned_on:
            raise ValidationError({"due_on": _("完成期限不能早于布置日期")})
        if self.done_on and self.assigned_on and self.done_on < self.assigned_on:
            raise ValidationError({"done_on": _("完成日期不能早于布置日期")})
        if self.done_on and not self.result.strip():
            raise ValidationError({"result": _("已完成的任务请填写完成情况")})


class Commendation(models.Model):
    """The office's commendation of a supervisor (表扬)."""

    supervisor = models.ForeignKey(Supervisor, on_delete=models.CASCADE, related_name="commendations",
                                   verbose_name=_("社会监督员"))
    decided_on = models.DateField(_("表扬日期"))
    reason = models.TextField(_("表扬事由"), max_length=REASON_MAX)

    class Meta:
        verbose_name = _("表扬")
        verbose_name_plural = pgettext_lazy("plural", "表扬")
        ordering = ["supervisor", "-decided_on"]

    def __str__(self) -> str:
        return f"{self.decided_on} {self.reason[:20]}"
