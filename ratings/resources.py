"""Rule book criteria and monthly ratings as spreadsheets.

Criteria: 编码, 内容, 类型 (红旗 / 黄灯), keyed by (rule book, 编码).
Ratings: 月份, 职能管理部门, 被考核单位, 类型, 认定条目, 事由, 较大影响; every row goes
through ``ratings.services.rating_record``, the same checks as a rating entered by hand.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, widgets

from departments.importing import NumberCell, ResourceWidget, SheetResource, cell_text, row_list
from departments.models import NOT_PLAIN_ASCII, Organisation, same_identifier
from departments.resources import IdentifierWidget, TextWidget
from lib.identifiers import identifier_key, normalise_identifier
from ratings import citations, rules, services
from ratings.models import CRITERION_TEXT_MAX_LENGTH, REASON_MAX_LENGTH, Criterion, Period, Rating, RuleBook

CODE, TEXT, KIND, YEAR = "编码", "内容", "类型", "年度"
MONTH, DEPARTMENT, UNIT, CRITERION, REASON, SERIOUS = "月份", "职能管理部门", "被考核单位", "认定条目", "事由", "较大影响"

CRITERION_KINDS = {"红旗": rules.RED_FLAG, "黄灯": rules.YELLOW_LIGHT}
RATING_KINDS = {"红旗": rules.RED_FLAG, "黄灯": rules.YELLOW_LIGHT, "红灯": rules.RED_LIGHT}
YES, NO = "是", "否"

MIN_YEAR, MAX_YEAR = 2000, 2100
# 2026-03, 2026-3, 2026/03, 2026.03, and 2026-03-01 (what Excel makes of a typed 2026-03).
MONTH_RE = re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})(?:\s*[-/.]\s*0?1)?$")
CHINESE_MONTH_RE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月$")


def parse_month(text: str) -> tuple[int, int]:
    """``YYYY-MM`` → (year, month); ValueError with the clerk's wording otherwise.
    Full-width digits and dashes (２０２６－０３) are read as what they look like."""
    normal = unicodedata.normalize("NFKC", text)
    match = MONTH_RE.match(normal) or CHINESE_MONTH_RE.match(normal)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12:
            return year, month
    raise ValueError(_("“%(value)s”不是有效的月份，应写成 YYYY-MM，例如 2026-03") % {"value": text})


def parse_year(text: str) -> int:
    if text.isdigit() and MIN_YEAR <= int(text) <= MAX_YEAR:
        return int(text)
    raise ValueError(_("“%(value)s”不是有效的年度，应写成四位数字，例如 2026") % {"value": text})


class KindWidget(widgets.Widget):
    """红旗 / 黄灯 / 红灯 as written in the file."""

    def __init__(self, choices: dict[str, str]):
        super().__init__()
        self.choices = choices

    def clean(self, value, row=None, **kwargs) -> str:
        text = cell_text(value)
        if text in self.choices:
            return self.choices[text]
        raise ValueError(_("“%(value)s”不是有效的类型，应为 %(choices)s") % {"value": text, "choices": "、".join(self.choices)})

    def render(self, value, obj=None, **kwargs) -> str:
        return next((text for text, kind in self.choices.items() if kind == value), value or "")


class YesNoWidget(widgets.Widget):
    """较大影响: 是 / 否, empty means 否."""

    def clean(self, value, row=None, **kwargs) -> bool:
        text = cell_text(value).upper()
        if text in ("", NO, "FALSE"):
            return False
        if text in (YES, "TRUE"):
            return True
        raise ValueError(_("“%(value)s”应为 是 或 否（空白即为 否）") % {"value": cell_text(value)})

    def render(self, value, obj=None, **kwargs) -> str:
        return YES if value else NO


class MonthWidget(ResourceWidget, widgets.Widget):
    """月份 → the jurisdiction's period, opened on demand; a month still ahead (refused
    by ``services.period_get_or_open``), a closed month, or a month of a year that has
    no rule book yet, is refused."""

    def clean(self, value, row=None, **kwargs) -> Period:
        if isinstance(value, NumberCell):
            # Excel keeps 2020.10 as the number 2020.1: a number never says which month was meant.
            raise ValueError(_(
                "是数字 %(shown)s（Excel 把 2020.10 这样的月份存成数字 2020.1），看不出是哪个月；"
                "请把这一列设为“文本”格式后填写 2020-10，或填写 2020年10月"
            ) % {"shown": value})
        year, month = parse_month(cell_text(value))
        # A closed month is the first thing to say; opening a month on demand is undone
        # with the rest of the import when any row is refused.
        period = self.resource.period_for(year, month)
        if not period.is_open:
            raise ValueError(
                _("%(period)s %(status)s，不能再导入认定；如确需补录，请效能办先重新开放该月")
                % {"period": period.label, "status": period.get_status_display()}
            )
        if self.resource.rulebook_of_year(year) is None:
            raise ValueError(
                _("%(year)s 年度还没有认定细则，不能导入这一年的认定；请效能办先建立该年度的认定细则") % {"year": year}
            )
        return period

    def render(self, value, obj=None, **kwargs) -> str:
        return value.label if value else ""


class OrganisationWidget(ResourceWidget, widgets.Widget):
    """职能管理部门 / 被考核单位 by 编码, or else by 名称, within the jurisdiction; both
    compared as normalised (lib.identifiers: ⽩鹭街道 finds 白鹭街道, and a cell with an
    invisible character is refused, naming it, rather than not found)."""

    def __init__(self, *, department: bool):
        super().__init__()
        self.department = department

    def clean(self, value, row=None, **kwargs) -> Organisation:
        text = normalise_identifier(cell_text(value))
        role = gettext_lazy("职能管理部门") if self.department else gettext_lazy("被考核单位")  # only if refused
        organisation = self.resource.organisation_for(text)
        if organisation is None:
            raise ValueError(_("本辖区没有编码或名称为“%(value)s”的%(role)s") % {"value": text, "role": role})
        if not (organisation.is_department if self.department else organisation.is_unit):
            raise ValueError(_("“%(name)s”不是%(role)s") % {"name": organisation.name, "role": role})
        if self.department and not organisation.is_active:
            # (A retired unit is refused by rating_record itself.)
            raise ValueError(_("“%(name)s”已停用，不能再填报认定") % {"name": organisation.name})
        return organisation

    def render(self, value, obj=None, **kwargs) -> str:
        return value.name if value else ""


class CriterionWidget(ResourceWidget, widgets.Widget):
    """认定条目 by 编码 (compared as normalised) within the rule book of the row's year;
    empty means none."""

    def clean(self, value, row=None, **kwargs) -> Criterion | None:
        code = normalise_identifier(cell_text(value))
        if not code:
            return None
        try:
            year, _month = parse_month(cell_text((row or {}).get(MONTH)))
        except ValueError:
            return None  # the 月份 column reports the problem
        rulebook = self.resource.rulebook_of_year(year)
        if rulebook is None:
            return None  # the 月份 column reports it
        criterion = self.resource.criterion_for(rulebook, code)
        if criterion is None:
            raise ValueError(_("%(year)s 年度认定细则中没有编码为“%(code)s”的条目") % {"year": year, "code": code})
        if not criterion.is_active:
            raise ValueError(_("条目“%(code)s”已停用") % {"code": code})
        return criterion

    def render(self, value, obj=None, **kwargs) -> str:
        return value.code if value else ""


# Criteria -------------------------------------------------------------------------


class CriterionResource(SheetResource):
    """One year's criteria, keyed by (rule book, 编码): re-importing updates the text
    and kind and never duplicates. The rule book is created with the default settings
    when the year has none.

    ``year`` is the rule book's year; with ``year_column`` a 年度 column may give each
    row's year instead (the admin uses this; empty 年度 means ``year``)."""

    code = fields.Field(attribute="code", column_name=CODE, widget=IdentifierWidget())
    text = fields.Field(attribute="text", column_name=TEXT, widget=TextWidget())
    kind = fields.Field(attribute="kind", column_name=KIND, widget=KindWidget(CRITERION_KINDS))
    # Read from the row by rulebook_for(); declared so that the preview shows each row's year.
    rulebook_year = fields.Field(attribute="rulebook__year", column_name=YEAR, readonly=True)

    required_headers = (CODE, TEXT, KIND)
    required_columns = (CODE, TEXT, KIND)
    column_limits = {TEXT: CRITERION_TEXT_MAX_LENGTH}
    # On the command line the year is an argument: a 年度 column would be misleading.
    refused_headers = {
        YEAR: gettext_lazy("命令行按参数中的年度导入，文件里不能有这一列；请删去这一列，或在后台导入（按这一列分年度）"),
    }

    class Meta:
        model = Criterion
        name = "认定细则条目"
        fields = ("code", "text", "kind", "rulebook_year")
        import_id_fields = ("code",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def __init__(self, *, year: int, year_column: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.year = year
        if year_column:
            self.optional_headers, self.refused_headers = (YEAR,), {}
        self.rulebooks: dict[int, RuleBook] = {}
        self.rows_by_code: dict[tuple[int, str], int] = {}

    def get_queryset(self):
        return Criterion.objects.filter(rulebook__jurisdiction=self.jurisdiction)

    def rulebook_for(self, row) -> RuleBook:
        year = self.year
        text = cell_text(row.get(YEAR)) if YEAR in self.optional_headers else ""
        if text:
            try:
                year = parse_year(text)
            except ValueError as exc:
                raise ValidationError({YEAR: [str(exc)]})
        if year not in self.rulebooks:
            self.rulebooks[year] = services.rulebook_get_or_create(jurisdiction=self.jurisdiction, year=year, by=self.user)
        return self.rulebooks[year]

    def get_instance(self, instance_loader, row) -> Criterion | None:
        """The criterion with this 编码, compared as normalised (ＨＱ－０１ is HQ-01)."""
        rulebook = self.rulebook_for(row)
        try:
            code = normalise_identifier(cell_text(row.get(CODE)))
        except ValueError:
            return None  # import_instance names the column
        if not code:
            return None
        criteria = Criterion.objects.filter(rulebook=rulebook)
        # A code stored before the identifier rule may be this one written differently.
        return criteria.filter(code=code).first() or same_identifier(
            criteria.filter(code__regex=NOT_PLAIN_ASCII), "code", code
        )

    def init_instance(self, row=None) -> Criterion:
        return Criterion(rulebook=self.rulebook_for(row or {}))

    def check_row(self, instance: Criterion, row) -> None:
        first = self.rows_by_code.setdefault((instance.rulebook_id, instance.code), self.current_row)
        if first != self.current_row:
            raise ValidationError({CODE: _("编码“%(code)s”与第 %(row)d 行重复") % {"code": instance.code, "row": first}})
        # A kind that ratings already cite stays (in the 类型 column, with how many cite it).
        problems = citations.criterion_change_problems(instance)
        if problems:
            raise self.by_column(ValidationError(problems))


# Ratings --------------------------------------------------------------------------


class RatingResource(SheetResource):
    """Monthly ratings, all or nothing, each row with the checks of ``rating_record``
    (and ``rating_approve``), through one ``services.RatingBatch`` for the file.

    Rows become submitted ratings (``approve``: approved, with escalation refreshed,
    so that a second consecutive yellow light shows as a red light). Periods are
    opened on demand; a closed month is refused. A row identical to a rating already
    recorded (same month, department, unit, kind, criterion and reason) changes
    nothing, except that ``approve`` approves it if it awaits review; the same row
    twice in one file is an error.

    The batch locks each month once, reads each year's rule book once and refreshes
    the escalation of the approved ratings' units once, after the last row."""

    period = fields.Field(attribute="period", column_name=MONTH, widget=MonthWidget())
    department = fields.Field(attribute="department", column_name=DEPARTMENT, widget=OrganisationWidget(department=True))
    unit = fields.Field(attribute="unit", column_name=UNIT, widget=OrganisationWidget(department=False))
    kind = fields.Field(attribute="kind", column_name=KIND, widget=KindWidget(RATING_KINDS))
    criterion = fields.Field(attribute="criterion", column_name=CRITERION, widget=CriterionWidget())
    reason = fields.Field(attribute="reason", column_name=REASON, widget=TextWidget())
    serious_impact = fields.Field(attribute="serious_impact", column_name=SERIOUS, widget=YesNoWidget())

    required_headers = (MONTH, DEPARTMENT, UNIT, KIND, CRITERION, REASON, SERIOUS)
    column_limits = {REASON: REASON_MAX_LENGTH}
    required_columns = (MONTH, DEPARTMENT, UNIT, KIND, REASON)
    key_columns = (MONTH, DEPARTMENT, UNIT, KIND, CRITERION, REASON)

    class Meta:
        model = Rating
        name = "认定"
        fields = ("period", "department", "unit", "kind", "criterion", "reason", "serious_impact")
        report_skipped = True
        clean_model_instances = False  # rating_record validates
        use_bulk = True  # no savepoint a row: the rows only read, the batch writes (save_instance)

    def __init__(self, *, approve: bool = False, today: date | None = None, **kwargs):
        super().__init__(**kwargs)
        self.approve = approve
        self.today = today  # the clock months are opened by (None: the services' own)
        self.periods: dict[tuple[int, int], Period] = {}
        self.rulebooks: dict[int, RuleBook | None] = {}
        self.criteria: dict[int, dict[str, Criterion]] = {}
        self.rows_by_key: dict[tuple, int] = {}
        self.recorded_rows: dict[str, list[int]] = {}  # rows already recorded, by the rating's status
        self._organisations: tuple[dict[str, Organisation], dict[str, list[Organisation]]] | None = None
        self._batch: services.RatingBatch | None = None
        self._cleaned: tuple[object, dict] = (None, {})  # the last row's key cells, cleaned
        self.saved: list[tuple[Rating, Rating]] = []  # each row's instance and its rating in the batch

    # Look-ups, cached for the file (named so as not to hide the fields).

    def period_for(self, year: int, month: int) -> Period:
        if (year, month) not in self.periods:
            try:
                self.periods[(year, month)] = services.period_get_or_open(
                    jurisdiction=self.jurisdiction, year=year, month=month, today=self.today
                )
            except ValidationError as exc:  # a month still ahead: the 月份 column says which can be used
                raise ValueError("；".join(exc.messages)) from exc
        return self.periods[(year, month)]

    def organisation_for(self, text: str) -> Organisation | None:
        """By code, else by name, both as compared (lib.identifiers.identifier_key). A
        name shared by one active organisation and retired ones is the active one's: a
        retired unit's name may be taken again (departments.selectors)."""
        if self._organisations is None:
            by_code: dict[str, Organisation] = {}
            by_name: dict[str, list[Organisation]] = {}
            for organisation in Organisation.objects.filter(jurisdiction=self.jurisdiction):
                by_code[identifier_key(organisation.code)] = organisation
                by_name.setdefault(identifier_key(organisation.name), []).append(organisation)
            self._organisations = (by_code, by_name)
        by_code, by_name = self._organisations
        key = identifier_key(text)
        if key in by_code:
            return by_code[key]
        named = by_name.get(key, [])
        if len(named) > 1:
            active = [organisation for organisation in named if organisation.is_active]
            if len(active) == 1:
                return active[0]
            raise ValueError(_("名称为“%(name)s”的单位不止一个，请改填编码") % {"name": text})
        return named[0] if named else None

    def rulebook_of_year(self, year: int) -> RuleBook | None:
        if year not in self.rulebooks:
            self.rulebooks[year] = RuleBook.objects.filter(jurisdiction=self.jurisdiction, year=year).first()
        return self.rulebooks[year]

    def criterion_for(self, rulebook: RuleBook, code: str) -> Criterion | None:
        if rulebook.pk not in self.criteria:
            self.criteria[rulebook.pk] = {identifier_key(c.code): c for c in rulebook.criteria.all()}
        return self.criteria[rulebook.pk].get(identifier_key(code))

    def get_queryset(self):
        return Rating.objects.filter(period__jurisdiction=self.jurisdiction)

    @property
    def batch(self) -> services.RatingBatch:
        """The file's batch, begun in the import's transaction at the first row."""
        if self._batch is None:
            self._batch = services.RatingBatch(jurisdiction_id=self.jurisdiction.pk, by=self.user)
        return self._batch

    # The import.

    def _key_values(self, row) -> dict:
        """The row's key cells, cleaned; kept for ``import_field`` of the same row, so
        that each cell is read once."""
        values = {
            self.fields[name].attribute: self.fields[name].clean(row)
            for name in ("period", "department", "unit", "kind", "criterion", "reason")
        }
        self._cleaned = (row, values)
        return values

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        cleaned_row, values = self._cleaned
        if cleaned_row is row and field.attribute in values and not field.readonly:
            if values[field.attribute] is not None or field.saves_null_values:  # as Field.save
                setattr(instance, field.attribute, values[field.attribute])
        else:
            super().import_field(field, instance, row, is_m2m, **kwargs)

    def get_instance(self, instance_loader, row) -> Rating | None:
        """A rating already recorded with the same key, if any."""
        try:
            key = self._key_values(row)
        except (ValueError, ValidationError):
            return None  # import_instance reports the problem
        if not all(key[name] for name in ("period", "department", "unit", "kind", "reason")):
            return None
        return self.batch.find(**key)

    def import_instance(self, instance: Rating, row, **kwargs) -> None:
        recorded_serious = None if instance._state.adding else instance.serious_impact
        super().import_instance(instance, row, **kwargs)
        if recorded_serious is not None and instance.serious_impact != recorded_serious:
            raise ValidationError({SERIOUS: _("已有一条相同的认定，但“较大影响”不同；请在后台修改那条认定")})

    def check_row(self, instance: Rating, row) -> None:
        key = (instance.period_id, instance.department_id, instance.unit_id, instance.kind, instance.criterion_id,
               instance.reason)
        first = self.rows_by_key.setdefault(key, self.current_row)
        if first != self.current_row:
            raise ValidationError({
                NON_FIELD_ERRORS: _("与第 %(row)d 行重复（%(columns)s都相同）")
                % {"row": first, "columns": "、".join(self.key_columns)}
            })

    def skip_row(self, instance: Rating, original, row, import_validation_errors=None) -> bool:
        if import_validation_errors or instance._state.adding:
            return False
        if self.approve and instance.status == Rating.Status.SUBMITTED:
            return False
        self.recorded_rows.setdefault(instance.get_status_display(), []).append(self.current_row)
        return True

    def before_import(self, dataset, **kwargs):
        self._batch, self.saved = None, []
        return super().before_import(dataset, **kwargs)

    def after_import(self, dataset, result, **kwargs) -> None:
        if self._batch is not None:
            # The rows' ratings are written now, and escalation refreshed once per unit;
            # the rows show their rating as written, with its result.
            results = self._batch.finish()
            for instance, rating in self.saved:
                for field in Rating._meta.concrete_fields:
                    setattr(instance, field.attname, getattr(rating, field.attname))
                instance._state.adding = False
                instance._state.db = rating._state.db
                if instance.status == Rating.Status.APPROVED:
                    instance.outcome, instance.escalation, instance.escalated_after_id = (
                        services.RED_FLAG_RESULT if instance.kind == rules.RED_FLAG else results[instance.pk]
                    )
        for status, numbers in self.recorded_rows.items():
            self.notes.append(
                _("%(rows)s与已有的认定相同（%(status)s），没有重复导入") % {"rows": row_list(numbers), "status": status}
            )
        super().after_import(dataset, result, **kwargs)

    def save_instance(self, instance: Rating, is_create: bool, row, **kwargs) -> None:
        # Every row goes to the batch, checked as it comes and written after the last
        # (``use_bulk`` spares the rows their savepoints; import-export's own bulk
        # writes below are not used).
        self.do_instance_save(instance, is_create)

    def bulk_create(self, *args, **kwargs) -> None:
        pass  # the batch writes, in after_import

    def bulk_update(self, *args, **kwargs) -> None:
        pass

    def bulk_delete(self, *args, **kwargs) -> None:
        pass

    def do_instance_save(self, instance: Rating, is_create: bool) -> None:
        try:
            if is_create:
                rating = self.batch.record(
                    period=instance.period, department=instance.department, unit=instance.unit, kind=instance.kind,
                    reason=instance.reason, criterion=instance.criterion, serious_impact=instance.serious_impact,
                    submit=True,
                )
            else:
                rating = instance
            if self.approve:
                rating = self.batch.approve(rating)
        except services.PeriodClosedError as exc:
            raise self.by_column(exc, default=MONTH)
        except ValidationError as exc:
            raise self.by_column(exc)
        except PermissionDenied as exc:
            raise ValidationError({NON_FIELD_ERRORS: [str(exc)]})
        self.saved.append((instance, rating))

    def before_save_instance(self, instance, row, **kwargs) -> None:
        pass  # the services stamp the history
