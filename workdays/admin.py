"""The working-day calendar in the admin: the office adds, corrects, deletes and imports
days (a sheet of 日期, 类型, 说明, workdays.importing); leaders read; raters do not see it
(the groups' permissions, workdays/migrations/0002)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from departments.admin import ObjectNotFoundMixin, office_only
from departments.admin_import import SpreadsheetImportAdminMixin
from workdays import selectors
from workdays.importing import CalendarDayResource
from workdays.models import CalendarDay


class YearFilter(admin.SimpleListFilter):
    title = _("年份")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        return [(str(year), _("%(year)s年") % {"year": year}) for year in selectors.office_years()]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isascii() and value.isdigit() and len(value) == 4:
            return queryset.filter(date__year=int(value))
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(SpreadsheetImportAdminMixin, ObjectNotFoundMixin, admin.ModelAdmin):
    list_display = ("date", "weekday", "is_working", "note", "created_by", "updated_at")
    list_filter = (YearFilter, "is_working")
    search_fields = ("note",)
    ordering = ("date",)
    fields = ("date", "is_working", "note")
    resource_classes = [CalendarDayResource]  # the import: only the office (SpreadsheetImportAdminMixin)
    # The import button is added around this page's own template (import-export wraps it).
    change_list_template = "admin/workdays/calendarday/change_list.html"

    @admin.display(description=_("星期"))
    def weekday(self, obj: CalendarDay) -> str:
        return str(WEEKDAYS[obj.date.weekday()])

    def has_add_permission(self, request: HttpRequest) -> bool:
        return office_only(request) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return office_only(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return office_only(request) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj: CalendarDay, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def changelist_view(self, request, extra_context=None):
        years = selectors.OFFICIAL_YEARS
        extra_context = {**(extra_context or {}), "official_first": years.start, "official_last": years.stop - 1}
        return super().changelist_view(request, extra_context)


WEEKDAYS = (_("星期一"), _("星期二"), _("星期三"), _("星期四"), _("星期五"), _("星期六"), _("星期日"))
