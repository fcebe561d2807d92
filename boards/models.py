"""The published boards: immutable editions of a month's 红旗榜 and 亮灯榜, the year-end
table once the office publishes it, and the runs the office watches in the admin.

An edition is a public record. Once made, nothing of it changes: a correction is a new
revision that points at the one it replaces (``supersedes``), so the earlier revision
stays as it was published and is known to be superseded by the newer one's link.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from departments.models import Jurisdiction, Organisation
from ratings.models import Kind, Period


class ImmutableRecord(Exception):
    """An edition (or published year) is a public record and cannot be changed."""


class Stage(models.TextChoices):
    """公示稿 first (when the year's rule book says so), then 正式版."""

    NOTICE = "notice", _("公示稿")
    FINAL = "final", _("正式版")


class Board(models.TextChoices):
    HONOUR = "honour", _("红旗榜")
    WARNING = "warning", _("亮灯榜")


def edition_pdf_path(instance: Edition, filename: str) -> str:
    # The checksum in the name: a stored file is never overwritten by another edition's.
    return (
        f"boards/{instance.jurisdiction_id}/{instance.year}-{instance.month:02d}-"
        f"r{instance.revision}-{instance.pdf_sha256[:12]}.pdf"
    )


class ImmutableModel(models.Model):
    """Rows that are written once. A guard, not business logic: the services only ever
    insert these rows, and this keeps anything else from quietly rewriting history."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ImmutableRecord(f"{type(self).__name__} {self.pk} is a published record and cannot be changed")
        super().save(*args, **kwargs)


class Edition(ImmutableModel):
    """One revision of one month's published board: the stored web page, the lobby
    screen and the PDF, all rendered once from the same templates, with checksums."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="editions", verbose_name=_("辖区"))
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="editions", verbose_name=_("月份"))
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月"))
    revision = models.PositiveSmallIntegerField(_("版次"))
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by",
        verbose_name=_("更正的版次"),
    )
    correction_note = models.TextField(_("更正说明"), blank=True)
    stage = models.CharField(_("阶段"), max_length=8, choices=Stage.choices, default=Stage.FINAL)
    notice_until = models.DateField(
        _("公示截止"), null=True, blank=True, help_text=_("公示稿的公示期最后一天（按工作日计算）"),
    )
    jurisdiction_name = models.CharField(_("发布单位"), max_length=100)
    red_flags = models.PositiveIntegerField(_("红旗数"), default=0)
    yellow_lights = models.PositiveIntegerField(_("黄灯数"), default=0)
    red_lights = models.PositiveIntegerField(_("红灯数"), default=0)
    html = models.TextField(_("网页快照"))
    lobby_html = models.TextField(_("大屏快照"))
    pdf = models.FileField(_("PDF 文件"), upload_to=edition_pdf_path, max_length=200)
    pdf_size = models.PositiveIntegerField(_("PDF 大小（字节）"), default=0)
    html_sha256 = models.CharField(_("网页校验值（SHA-256）"), max_length=64)
    pdf_sha256 = models.CharField(_("PDF 校验值（SHA-256）"), max_length=64)
    content_sha256 = models.CharField(
        _("内容校验值（SHA-256）"), max_length=64, help_text=_("榜单内容的校验值：内容相同的再次发布不产生新版次")
    )
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("发布人"),
    )

    class Meta:
        verbose_name = _("已发布的亮榜")
        verbose_name_plural = _("已发布的亮榜")
        ordering = ["jurisdiction", "-year", "-month", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "year", "month", "revision"], name="edition_one_per_revision"),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="edition_month_1_12"),
            models.CheckConstraint(condition=models.Q(revision__gte=1), name="edition_revision_from_1"),
            models.CheckConstraint(
                condition=models.Q(stage="final") | models.Q(stage="notice", notice_until__isnull=False),
                name="edition_notice_has_its_end",
            ),
        ]
        indexes = [models.Index(fields=["jurisdiction", "published_at"], name="edition_published")]

    def __str__(self) -> str:
        return f"{self.label} r{self.revision}"

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def is_superseded(self) -> bool:
        try:
            return self.superseded_by is not None
        except Edition.DoesNotExist:
            return False

    @property
    def total(self) -> int:
        return self.red_flags + self.yellow_lights + self.red_lights

    @property
    def is_notice(self) -> bool:
        return self.stage == Stage.NOTICE


class EditionEntry(ImmutableModel):
    """One line of an edition's board, as published (names as they were that month)."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="entries", verbose_name=_("亮榜"))
    board = models.CharField(_("榜单"), max_length=16, choices=Board.choices)
    position = models.PositiveIntegerField(_("序号"))
    rating_id = models.PositiveIntegerField(_("认定编号"))  # a reference, not a key: the rating may change later
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("被考核单位"))
    unit_code = models.CharField(_("单位编码"), max_length=32)
    unit_name = models.CharField(_("单位名称"), max_length=100)
    category = models.CharField(_("单位类别"), max_length=50, blank=True)
    department_code = models.CharField(_("部门编码"), max_length=32)
    department_name = models.CharField(_("职能管理部门"), max_length=100)
    outcome = models.CharField(_("认定结果"), max_length=16, choices=Kind.choices)
    entered_kind = models.CharField(_("认定类型"), max_length=16, choices=Kind.choices)
    escalation = models.CharField(_("升级原因"), max_length=16, blank=True)
    escalated_after = models.CharField(_("连续黄灯的上一次（月份）"), max_length=7, blank=True)
    criterion_code = models.CharField(_("认定条目编码"), max_length=32, blank=True)
    criterion_text = models.TextField(_("认定条目"), blank=True)
    reason = models.TextField(_("事由"))

    class Meta:
        verbose_name = _("亮榜条目")
        verbose_name_plural = _("亮榜条目")
        ordering = ["edition", "board", "position"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "board", "position"], name="edition_entry_position"),
        ]
        indexes = [models.Index(fields=["unit", "edition"], name="edition_entry_unit")]

    def __str__(self) -> str:
        return f"{self.edition} {self.unit_name} {self.outcome}"


class PublishRun(models.Model):
    """One request to publish a month, for the office to watch until it is done."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("发布中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="publish_runs", verbose_name=_("辖区"))
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="publish_runs", verbose_name=_("月份"))
    note = models.TextField(_("更正说明"), blank=True)
    final = models.BooleanField(_("发布正式版"), default=False, help_text=_("公示期满后，以公示稿为基础发布正式版"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    step = models.CharField(_("当前步骤"), max_length=100, blank=True)
    percent = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    edition = models.ForeignKey(
        Edition, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("亮榜")
    )
    created_edition = models.BooleanField(_("产生了新版次"), default=False)
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
        verbose_name = _("发布任务")
        verbose_name_plural = _("发布任务")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.period} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class PublishedYear(ImmutableModel):
    """The year-end table (年终考核加减分) as the office published it: a snapshot of the
    year's roll-up, revised like an edition."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="published_years", verbose_name=_("辖区")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    revision = models.PositiveSmallIntegerField(_("版次"))
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by",
        verbose_name=_("更正的版次"),
    )
    correction_note = models.TextField(_("更正说明"), blank=True)
    jurisdiction_name = models.CharField(_("发布单位"), max_length=100)
    rows = models.JSONField(_("表格内容"))
    html = models.TextField(_("网页快照"))
    html_sha256 = models.CharField(_("网页校验值（SHA-256）"), max_length=64)
    content_sha256 = models.CharField(_("内容校验值（SHA-256）"), max_length=64)
    computed_at = models.DateTimeField(_("得分计算时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("发布人"),
    )

    class Meta:
        verbose_name = _("已发布的年度考核结果")
        verbose_name_plural = _("已发布的年度考核结果")
        ordering = ["jurisdiction", "-year", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "year", "revision"], name="published_year_one_per_revision"),
        ]

    def __str__(self) -> str:
        return f"{self.year} r{self.revision}"

    @property
    def is_superseded(self) -> bool:
        try:
            return self.superseded_by is not None
        except PublishedYear.DoesNotExist:
            return False


class BoardMonth(Period):
    """The months, as the office publishes them (月度发布 in the admin)."""

    class Meta:
        proxy = True
        verbose_name = _("月度发布")
        verbose_name_plural = _("月度发布")
