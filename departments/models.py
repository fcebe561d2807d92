"""Organisations: jurisdictions, the departments that rate and the units that are rated."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from lib.identifiers import IdentifierError, identifier_key, normalise_identifier


def clean_identifier_fields(instance: models.Model, names: tuple[str, ...], exclude, clean_fields) -> None:
    """``Model.clean_fields`` with the identifiers ``names`` normalised first
    (lib.identifiers), so that every ModelForm and every import stores a lookalike as
    the text it looks like and refuses an invisible character on its field."""
    exclude = set(exclude or ())
    errors: dict[str, list[str]] = {}
    for name in names:
        value = getattr(instance, name)
        if name in exclude or value is None:
            continue
        try:
            setattr(instance, name, normalise_identifier(value))
        except IdentifierError as exc:
            errors[name] = [exc.message]
    try:
        clean_fields(exclude=exclude | set(errors))
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


# What a code holds besides printable ASCII without spaces: only such a stored code can
# be another code written differently (a plain one is stored as typed).
NOT_PLAIN_ASCII = r"[^!-~]"


def same_identifier(queryset: models.QuerySet, field: str, value: str) -> models.Model | None:
    """The row of ``queryset`` whose ``field`` is ``value`` once both are normalised:
    text stored before the rule may still hold a lookalike or an invisible character."""
    key = identifier_key(value)
    return next((row for row in queryset if identifier_key(getattr(row, field)) == key), None)


class Jurisdiction(models.Model):
    """A district or city that owns its organisations, rule books and boards."""

    code = models.SlugField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    is_active = models.BooleanField(_("启用"), default=True)
    # The board's sign-off (its PDF ends with the issuing office and the publication
    # date). Blank: the jurisdiction's 效能办, so a rename needs no second edit.
    issuing_office = models.CharField(
        _("发布单位"), max_length=100, blank=True,
        help_text=_("亮榜 PDF 末尾落款的单位；留空时为“辖区名称＋效能办”，如“南京市高淳区效能办”"),
    )

    class Meta:
        verbose_name = _("辖区")
        verbose_name_plural = pgettext_lazy("plural", "辖区")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean_fields(self, exclude=None) -> None:
        clean_identifier_fields(self, ("code", "name", "issuing_office"), exclude, super().clean_fields)


class Category(models.Model):
    """A category of assessed unit (区级机关部门, 镇, 街道, 国有企业 …)."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="categories", verbose_name=_("辖区"))
    name = models.CharField(_("名称"), max_length=50)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("单位类别")
        verbose_name_plural = pgettext_lazy("plural", "单位类别")
        ordering = ["jurisdiction", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "name"], name="category_unique_name")]

    def __str__(self) -> str:
        return self.name

    def clean_fields(self, exclude=None) -> None:
        clean_identifier_fields(self, ("name",), exclude, super().clean_fields)

    def clean(self) -> None:
        # The constraint compares names as stored; a name stored before the rule may be
        # the same name written differently (an identical one the constraint reports).
        if not self.name or self.jurisdiction_id is None:
            return
        others = Category.objects.filter(jurisdiction_id=self.jurisdiction_id).exclude(pk=self.pk).exclude(name=self.name)
        other = same_identifier(others.only("pk", "name"), "name", self.name)
        if other is not None:
            raise ValidationError({"name": _("已有类别“%(name)s”，与这个名称写法不同但读起来一样") % {"name": other.name}})


class Organisation(models.Model):
    """A body that rates (职能管理部门), is rated (被考核单位), or both."""

    class Role(models.TextChoices):
        DEPARTMENT = "department", _("职能管理部门")
        UNIT = "unit", _("被考核单位")
        BOTH = "both", _("两者")

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("辖区"))
    code = models.CharField(_("编码"), max_length=32)
    name = models.CharField(_("名称"), max_length=100)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="organisations", verbose_name=_("类别")
    )
    is_department = models.BooleanField(_("职能管理部门"), default=False, help_text=_("可以对被考核单位进行认定"))
    is_unit = models.BooleanField(_("被考核单位"), default=True, help_text=_("接受职能管理部门的认定"))
    is_active = models.BooleanField(_("在用"), default=True, help_text=_("撤并或停用的单位取消勾选，历史记录保留"))
    retired_on = models.DateField(_("停用日期"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = pgettext_lazy("plural", "单位")
        ordering = ["jurisdiction", "code"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "code"], name="organisation_unique_code"),
            models.CheckConstraint(
                condition=models.Q(is_department=True) | models.Q(is_unit=True), name="organisation_has_a_role"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean_fields(self, exclude=None) -> None:
        clean_identifier_fields(self, ("code", "name"), exclude, super().clean_fields)

    def clean(self) -> None:
        # As for a category's name: a code stored before the rule, written differently.
        if not self.code or self.jurisdiction_id is None:
            return
        others = Organisation.objects.filter(jurisdiction_id=self.jurisdiction_id).exclude(pk=self.pk)
        others = others.exclude(code=self.code).filter(code__regex=NOT_PLAIN_ASCII)  # the others are as typed
        other = same_identifier(others.only("pk", "code", "name"), "code", self.code)
        if other is not None:
            raise ValidationError({"code": _("编码“%(code)s”已由“%(name)s”使用（写法不同但读起来一样）") % {
                "code": other.code, "name": other.name,
            }})

    @property
    def role(self) -> str:
        if self.is_department and self.is_unit:
            return self.Role.BOTH
        return self.Role.DEPARTMENT if self.is_department else self.Role.UNIT

    @property
    def role_label(self) -> str:
        return self.Role(self.role).label


class DepartmentManager(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(is_department=True)


class UnitManager(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(is_unit=True)


class Department(Organisation):
    """Organisations in their rating role (职能管理部门)."""

    objects = DepartmentManager()

    class Meta:
        proxy = True
        verbose_name = _("职能管理部门")
        verbose_name_plural = pgettext_lazy("plural", "职能管理部门")


class Unit(Organisation):
    """Organisations in their rated role (被考核单位)."""

    objects = UnitManager()

    class Meta:
        proxy = True
        verbose_name = _("被考核单位")
        verbose_name_plural = pgettext_lazy("plural", "被考核单位")


class Profile(models.Model):
    """Which jurisdiction a user works in; for raters, which department; for unit staff,
    which rated unit."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile", verbose_name=_("用户"))
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="profiles", verbose_name=_("辖区"))
    department = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        limit_choices_to={"is_department": True},
        verbose_name=_("所属职能管理部门"),
        help_text=_("职能管理部门工作人员只能认定本部门负责的事项"),
    )
    unit = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="unit_staff",
        limit_choices_to={"is_unit": True},
        verbose_name=_("所属被考核单位"),
        help_text=_("被考核单位工作人员只能看到本单位的认定、复核申请和通知"),
    )
    phone = models.CharField(_("手机"), max_length=20, blank=True)

    def clean(self) -> None:
        errors = {}
        for field in ("department", "unit"):
            organisation = getattr(self, field)
            if organisation is not None and self.jurisdiction_id and organisation.jurisdiction_id != self.jurisdiction_id:
                errors[field] = _("“%(name)s”不属于本辖区") % {"name": organisation.name}
        if errors:
            raise ValidationError(errors)

    class Meta:
        verbose_name = _("用户资料")
        verbose_name_plural = pgettext_lazy("plural", "用户资料")

    def __str__(self) -> str:
        return str(self.user)
