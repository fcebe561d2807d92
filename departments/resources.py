"""The organisation list as a spreadsheet: 编码, 名称, 类别, 角色."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, widgets

from departments.importing import ResourceWidget, SheetResource, cell_text
from departments.models import Category, Organisation

CODE, NAME, CATEGORY, ROLE = "编码", "名称", "类别", "角色"

# 角色 as written in the file → (is_department, is_unit)
ROLES = {
    "职能管理部门": (True, False),
    "被考核单位": (False, True),
    "两者": (True, True),
}
ROLE_TEXT = {
    Organisation.Role.DEPARTMENT: "职能管理部门",
    Organisation.Role.UNIT: "被考核单位",
    Organisation.Role.BOTH: "两者",
}


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs) -> str:
        return cell_text(value)


class CategoryWidget(ResourceWidget, widgets.Widget):
    """类别 by name within the jurisdiction, created when new; empty means none."""

    def clean(self, value, row=None, **kwargs) -> Category | None:
        name = cell_text(value)
        if not name:
            return None
        if len(name) > Category._meta.get_field("name").max_length:
            raise ValueError(_("类别名称太长"))
        category, _created = Category.objects.get_or_create(jurisdiction=self.resource.jurisdiction, name=name)
        return category

    def render(self, value, obj=None, **kwargs) -> str:
        return value.name if value else ""


class RoleWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs) -> str:
        text = cell_text(value)
        for role, label in ROLE_TEXT.items():
            if text == label:
                return role
        raise ValueError(
            _("“%(value)s”不是有效的角色，应为 职能管理部门、被考核单位 或 两者") % {"value": text}
        )

    def render(self, value, obj=None, **kwargs) -> str:
        return ROLE_TEXT.get(value, "") if value else ""


class RoleField(fields.Field):
    """角色 is stored as two flags; ``Organisation.role`` reads them back."""

    def save(self, instance, row, is_m2m=False, **kwargs) -> None:
        role = self.clean(row, **kwargs)
        instance.is_department, instance.is_unit = ROLES[ROLE_TEXT[role]]


class OrganisationResource(SheetResource):
    """Keyed by (jurisdiction, 编码): re-importing the same file changes nothing,
    a changed name, category or role updates the organisation in place."""

    code = fields.Field(attribute="code", column_name=CODE, widget=TextWidget())
    name = fields.Field(attribute="name", column_name=NAME, widget=TextWidget())
    category = fields.Field(attribute="category", column_name=CATEGORY, widget=CategoryWidget())
    role = RoleField(attribute="role", column_name=ROLE, widget=RoleWidget())

    required_headers = (CODE, NAME, CATEGORY, ROLE)
    required_columns = (CODE, NAME, ROLE)
    extra_columns = {"is_department": ROLE, "is_unit": ROLE}

    class Meta:
        model = Organisation
        name = "单位名录"
        fields = ("code", "name", "category", "role")
        import_id_fields = ("code",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.rows_by_code: dict[str, int] = {}

    def get_queryset(self):
        return Organisation.objects.filter(jurisdiction=self.jurisdiction)

    def init_instance(self, row=None) -> Organisation:
        return Organisation(jurisdiction=self.jurisdiction)

    def check_row(self, instance: Organisation, row) -> None:
        first = self.rows_by_code.setdefault(instance.code, self.current_row)
        if first != self.current_row:
            raise ValidationError({CODE: _("编码“%(code)s”与第 %(row)d 行重复") % {"code": instance.code, "row": first}})
