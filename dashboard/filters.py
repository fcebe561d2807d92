"""The dashboard's filters, kept in the URL (GET) so that a view can be bookmarked and
shared: year, month range, unit category, department and unit; the drill-down list adds
the kind of result and which ratings count."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboard.selectors import (
    COUNTED,
    LIGHTS,
    SUBMITTED_STATUSES,
    Calendar,
    DashboardQuery,
    rating_filter,
    units_named,
)
from departments.models import Category, Jurisdiction, Organisation
from ratings import rules
from ratings.models import Rating

SCOPE_FIELDS = ("year", "month_from", "month_to", "category", "department", "unit")
UNIT_LIST_ID = "dashboard-unit-list"
UNITS_NAMED_IN_ERROR = 5

# Drill-down choices beyond the three kinds.
LIGHT = "light"  # yellow or red
ESCALATED = "escalated"  # red lights that were yellow lights
STATUS_COUNTED = "counted"
STATUS_SUBMITTED = "submitted"


def month_choices() -> list[tuple[int, str]]:
    return [(month, _("%(month)d月") % {"month": month}) for month in range(1, 13)]


class DashboardForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("month_from"), cleaned.get("month_to")
        if first and last and first > last:
            self.add_error("month_from", _("起始月份不能晚于截止月份"))
        return cleaned


class UnitField(forms.CharField):
    """A unit, typed as its name, part of its name or its code (the suggestions offer
    the names); cleaned to the one unit it names, or refused saying what is wrong."""

    widget = forms.TextInput(attrs={"list": UNIT_LIST_ID, "placeholder": gettext_lazy("输入名称查找"),
                                    "autocomplete": "off", "size": 16})

    def __init__(self, *, jurisdiction: Jurisdiction | None = None, **kwargs) -> None:
        kwargs.setdefault("max_length", 100)  # as long as a name may be
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.jurisdiction = jurisdiction

    def clean(self, value):
        text = super().clean(value)
        if not text or self.jurisdiction is None:
            return None
        units = units_named(jurisdiction=self.jurisdiction, text=text)
        if not units:
            raise forms.ValidationError(_("没有名称或编码为“%(text)s”的被考核单位，请从提示中选择") % {"text": text},
                                        code="no_unit")
        if len(units) > 1:
            shown = UNITS_NAMED_IN_ERROR
            names = "、".join(unit.name for unit in units[:shown])
            raise forms.ValidationError(
                _("“%(text)s”对应多家单位：%(names)s%(more)s。请输入完整名称或从提示中选择")
                % {"text": text, "names": names, "more": _("等") if len(units) > shown else ""},
                code="several_units",
            )
        return units[0]


class UnitFilter(django_filters.Filter):
    field_class = UnitField


class DashboardFilter(django_filters.FilterSet):
    """Parses the URL into a ``DashboardQuery``; missing values take sensible defaults
    (the latest closed month, from January), so ``/dashboard/`` alone is a useful view."""

    year = django_filters.TypedChoiceFilter(
        field_name="period__year", coerce=int, label=gettext_lazy("年度"), empty_value=None
    )
    month_from = django_filters.TypedChoiceFilter(
        field_name="period__month", lookup_expr="gte", coerce=int, label=gettext_lazy("起始月份"), empty_value=None
    )
    month_to = django_filters.TypedChoiceFilter(
        field_name="period__month", lookup_expr="lte", coerce=int, label=gettext_lazy("截止月份"), empty_value=None
    )
    category = django_filters.ModelChoiceFilter(
        field_name="unit__category", queryset=Category.objects.none(), label=gettext_lazy("单位类别"),
        empty_label=gettext_lazy("全部类别"),
    )
    department = django_filters.ModelChoiceFilter(
        field_name="department", queryset=Organisation.objects.none(), label=gettext_lazy("职能管理部门"),
        empty_label=gettext_lazy("全部部门"),
    )
    unit = UnitFilter(field_name="unit", label=gettext_lazy("被考核单位"))

    class Meta:
        model = Rating
        fields: list[str] = []
        form = DashboardForm

    def __init__(self, data: QueryDict | None = None, queryset: QuerySet | None = None, *,
                 jurisdiction: Jurisdiction, calendar: Calendar, request=None, prefix=None) -> None:
        self.jurisdiction = jurisdiction
        self.calendar = calendar
        super().__init__(self._with_defaults(data), queryset, request=request, prefix=prefix)
        months = month_choices()
        self.filters["year"].extra["choices"] = [(year, str(year)) for year in calendar.years]
        self.filters["month_from"].extra["choices"] = months
        self.filters["month_to"].extra["choices"] = months
        self.filters["category"].queryset = Category.objects.filter(jurisdiction=jurisdiction).order_by("order", "name")
        organisations = Organisation.objects.filter(jurisdiction=jurisdiction)
        self.filters["department"].queryset = organisations.filter(is_department=True).order_by("code")
        self.filters["unit"].extra["jurisdiction"] = jurisdiction

    def _with_defaults(self, data: QueryDict | None) -> QueryDict:
        """Fill what the URL leaves out, so the form shows what the page shows."""
        data = (data or QueryDict()).copy()
        default_year, _month = self.calendar.default_year_month()
        if not data.get("year"):
            data["year"] = str(default_year)
        if not data.get("month_to"):
            try:
                year = int(data["year"])
            except ValueError:
                year = default_year
            data["month_to"] = str(self.calendar.default_month_of(year))
        if not data.get("month_from"):
            data["month_from"] = "1"
        return data

    def query(self) -> DashboardQuery:
        """The resolved filters; an invalid value falls back to its default (and the
        form shows why)."""
        if not hasattr(self, "_query"):
            self.is_valid()
            data = self.form.cleaned_data
            year = data.get("year") or self.calendar.default_year_month()[0]
            month_to = data.get("month_to") or self.calendar.default_month_of(year)
            month_from = data.get("month_from") or 1
            if month_from > month_to:
                month_from = 1
            self._query = DashboardQuery(
                jurisdiction=self.jurisdiction, year=year, month_from=month_from, month_to=month_to,
                category=data.get("category"), department=data.get("department"), unit=data.get("unit"),
            )
            self._show_unit_name(self._query.unit)
        return self._query

    def _show_unit_name(self, unit: Organisation | None) -> None:
        """The box shows the unit's name, not the code a link carried (or the part of
        the name typed), when that name names this unit alone."""
        name = self.form.add_prefix("unit")
        if unit is None or self.form.data.get(name) == unit.name:
            return
        if units_named(jurisdiction=self.jurisdiction, text=unit.name) == [unit]:
            self.form.data[name] = unit.name

    def filter_queryset(self, queryset: QuerySet[Rating]) -> QuerySet[Rating]:
        queryset = queryset.filter(rating_filter(self.query()))
        for name, value in self.form.cleaned_data.items():
            if name not in SCOPE_FIELDS:
                queryset = self.filters[name].filter(queryset, value)
        return queryset


class DrillDownFilter(DashboardFilter):
    """The ratings behind a figure: the dashboard's filters, plus the result and which
    ratings count (approved ones, by default, as everywhere on the dashboard)."""

    outcome = django_filters.ChoiceFilter(
        method="filter_outcome", label=gettext_lazy("认定结果"), empty_label=gettext_lazy("全部结果"),
        choices=[
            (rules.RED_FLAG, gettext_lazy("红旗")),
            (rules.YELLOW_LIGHT, gettext_lazy("黄灯")),
            (rules.RED_LIGHT, gettext_lazy("红灯")),
            (LIGHT, gettext_lazy("亮灯（黄灯和红灯）")),
            (ESCALATED, gettext_lazy("红灯（由黄灯升级）")),
        ],
    )
    status = django_filters.ChoiceFilter(
        method="filter_status", label=gettext_lazy("范围"), empty_label=None,
        choices=[
            (STATUS_COUNTED, gettext_lazy("已通过审核（计入统计）")),
            (STATUS_SUBMITTED, gettext_lazy("已报送（不含草稿）")),
        ],
    )

    def filter_outcome(self, queryset: QuerySet[Rating], name: str, value: str) -> QuerySet[Rating]:
        if value == LIGHT:
            return queryset.filter(outcome__in=LIGHTS)
        if value == ESCALATED:
            return queryset.filter(outcome=rules.RED_LIGHT).exclude(escalation="")
        return queryset.filter(outcome=value)

    def filter_status(self, queryset: QuerySet[Rating], name: str, value: str) -> QuerySet[Rating]:
        return queryset  # applied in filter_queryset, which also supplies the default

    def filter_queryset(self, queryset: QuerySet[Rating]) -> QuerySet[Rating]:
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("status") == STATUS_SUBMITTED:
            return queryset.filter(status__in=SUBMITTED_STATUSES)
        return queryset.filter(Q(status=COUNTED))
