"""The unit's list of its forms, filtered (django-filter): open, overdue or closed, by
year, led or assisted. Overdue is worked out from the calendar, never stored, so the
filter keeps the open forms and ``selectors.unit_forms`` keeps the overdue ones."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from casework import rules
from casework.models import AssignmentForm
from departments.models import Organisation

OPEN, OVERDUE, CLOSED = "open", "overdue", "closed"


class UnitFormFilter(django_filters.FilterSet):
    show = django_filters.ChoiceFilter(
        label=_("办理情况"), method="filter_show", empty_label=_("全部"),
        choices=[(OPEN, _("办理中")), (OVERDUE, _("已超期")), (CLOSED, _("已办结"))],
    )
    role = django_filters.ChoiceFilter(
        label=_("本单位"), method="filter_role", empty_label=_("承办和协办"),
        choices=[(rules.LEAD, _("承办")), (rules.CO, _("协办"))],
    )
    year = django_filters.ChoiceFilter(field_name="year", label=_("年度"), empty_label=_("全部年度"))

    class Meta:
        model = AssignmentForm
        fields: list[str] = []

    def __init__(self, data=None, queryset: QuerySet | None = None, *, unit: Organisation, **kwargs) -> None:
        self.unit = unit
        super().__init__(data, queryset, **kwargs)
        years = sorted({y for y in self.queryset.order_by().values_list("year", flat=True)}, reverse=True)
        self.filters["year"].extra["choices"] = [(str(y), _("%(year)d年") % {"year": y}) for y in years]

    def filter_show(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == CLOSED:
            return queryset.exclude(state__in=rules.OPEN_STATES)
        return queryset.filter(state__in=rules.OPEN_STATES)  # OVERDUE: narrowed on the timings

    def filter_role(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(lead_unit=self.unit) if value == rules.LEAD else queryset.filter(
            Q(co_units=self.unit) & ~Q(lead_unit=self.unit))

    @property
    def overdue_only(self) -> bool:
        return self.is_bound and self.form.is_valid() and self.form.cleaned_data.get("show") == OVERDUE
