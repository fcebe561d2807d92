"""The organisation list as a spreadsheet: 编码, 名称, 类别, 角色."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, widgets

from departments import citations, selectors
from departments.importing import ResourceWidget, SheetResource, cell_text, row_list, starts_like_formula
from departments.models import NOT_PLAIN_ASCII, Category, Organisation, same_identifier
from lib.identifiers import identifier_key, normalise_identifier

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


def identifier_text(value) -> str:
    """A code, a name or a category: it is shown on the boards and in every export and
    looked up as written, so it is normalised as every identifier is (lib.identifiers:
    ⽩鹭街道 is 白鹭街道; an invisible character, a line break or a tab is refused,
    naming it; the IdentifierError is a ValueError, reported in its column), and it
    may not read as a formula (＝ is = once normalised)."""
    text = normalise_identifier(cell_text(value))
    if starts_like_formula(text):
        raise ValueError(
            _("不能以“%(char)s”开头：电子表格会把它当作公式；请删去开头的“%(char)s”") % {"char": text[0]}
        )
    return text


class IdentifierWidget(TextWidget):
    def clean(self, value, row=None, **kwargs) -> str:
        return identifier_text(value)


class CategoryWidget(ResourceWidget, widgets.Widget):
    """类别 by name within the jurisdiction (compared as normalised: 街道 written with a
    full-width space or a Kangxi radical is 街道), created when new; empty means none."""

    def clean(self, value, row=None, **kwargs) -> Category | None:
        name = identifier_text(value)
        if not name:
            return None
        if len(name) > Category._meta.get_field("name").max_length:
            raise ValueError(_("类别名称太长"))
        jurisdiction = self.resource.jurisdiction
        category = selectors.category_named(jurisdiction_id=jurisdiction.pk, name=name)
        return category or Category.objects.create(jurisdiction=jurisdiction, name=name)

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
    a changed name, category or role updates the organisation in place.

    A code or a name twice in the file is refused, and so is a new code for a name an
    active organisation already has (a re-coded list would otherwise double every
    organisation). A retired organisation is left as it is: an unchanged row is
    noted, a change is refused (re-enable it in the admin first)."""

    code = fields.Field(attribute="code", column_name=CODE, widget=IdentifierWidget())
    name = fields.Field(attribute="name", column_name=NAME, widget=IdentifierWidget())
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
        self.rows_by_name: dict[str, int] = {}
        self.file_codes: set[str] = set()
        self.retired_rows: list[int] = []
        self._active_names: dict[str, dict[str, str]] | None = None

    def get_queryset(self):
        return Organisation.objects.filter(jurisdiction=self.jurisdiction)

    def init_instance(self, row=None) -> Organisation:
        return Organisation(jurisdiction=self.jurisdiction)

    def get_instance(self, instance_loader, row) -> Organisation | None:
        """The organisation with this 编码, compared as normalised (Ｔ０１ is T01)."""
        try:
            code = identifier_text(row.get(CODE))
        except ValueError:
            return None  # a bad 编码: import_instance names the column
        if not code:
            return None
        queryset = self.get_queryset()
        # A code stored before the identifier rule may be this one written differently.
        return queryset.filter(code=code).first() or same_identifier(
            queryset.filter(code__regex=NOT_PLAIN_ASCII), "code", code
        )

    def before_import(self, dataset, **kwargs) -> None:
        super().before_import(dataset, **kwargs)
        self.file_codes = {identifier_key(cell_text(code)) for code in dataset[CODE]} if len(dataset) else set()

    def codes_named(self, name: str) -> dict[str, str]:
        """The codes of the active organisations whose name reads as this one now, by
        code as compared. Retired ones are not among them: see selectors.active_codes_by_name."""
        if self._active_names is None:
            self._active_names = selectors.active_codes_by_name(jurisdiction_id=self.jurisdiction.pk)
        return self._active_names.get(identifier_key(name), {})

    def check_row(self, instance: Organisation, row) -> None:
        first = self.rows_by_code.setdefault(instance.code, self.current_row)
        if first != self.current_row:
            raise ValidationError({CODE: _("编码“%(code)s”与第 %(row)d 行重复") % {"code": instance.code, "row": first}})
        first = self.rows_by_name.setdefault(instance.name, self.current_row)
        if first != self.current_row:
            raise ValidationError({NAME: _("名称“%(name)s”与第 %(row)d 行重复") % {"name": instance.name, "row": first}})
        # Codes in this file get their names from it; the file's own duplicates are caught above.
        others = {
            code for key, code in self.codes_named(instance.name).items()
            if key != identifier_key(instance.code) and key not in self.file_codes
        }
        if others:
            raise ValidationError({NAME: _(
                "“%(name)s”已是编码为“%(other)s”的单位的名称；同一单位不能有两个编码，如要改编码请在后台修改原来的单位"
            ) % {"name": instance.name, "other": "、".join(sorted(others))}})
        # A role that ratings or accounts already rely on stays (in the 角色 column, with how many).
        problems = citations.organisation_change_problems(instance)
        if problems:
            raise self.by_column(ValidationError(problems))

    def skip_row(self, instance: Organisation, original, row, import_validation_errors=None) -> bool:
        skip = super().skip_row(instance, original, row, import_validation_errors)
        if original is None or original._state.adding or original.is_active or import_validation_errors:
            return skip
        if skip:
            self.retired_rows.append(self.current_row)
            return True
        raise ValidationError({CODE: _(
            "“%(name)s”（编码 %(code)s）已停用，导入不能修改停用的单位；如需恢复请在后台重新启用，否则请删去这一行"
        ) % {"name": original.name, "code": original.code}})

    def after_import(self, dataset, result, **kwargs) -> None:
        if self.retired_rows:
            self.notes.append(_("%(rows)s是已停用的单位，保持停用，没有改动") % {"rows": row_list(self.retired_rows)})
        super().after_import(dataset, result, **kwargs)
