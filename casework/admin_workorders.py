"""12345 work orders in the admin: the list (read only), the office's import, and each
unit's figures for a span of months.

Work orders come from the platform, by the import (this page or ``import_workorders``):
nobody adds, changes or deletes one through the admin's forms. Everyone who may view
them (the office, the raters, the leaders) reads the list and the figures; the office
(the add permission) imports."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.models import WorkOrder
from casework.workorder_stats import by_on_time_rate, unit_workorder_stats
from casework.workorders import (
    CLOSED, DUE, NUMBER, OPTIONAL, REQUIRED, SATISFACTION, SATISFACTIONS, UNIT, import_workorders,
)
from departments import roles
from departments.admin import JurisdictionScopedAdmin
from departments.importing import ImportRejected

IMPORT_PERMISSION = "casework.add_workorder"


def month_label(month: int) -> str:
    return _("%(month)d月") % {"month": month}


# Lazy: the labels are read in the language of each request, not of the import.
MONTHS = [(month, lazy(month_label, str)(month)) for month in range(1, 13)]


def can_import(user) -> bool:
    return user.has_perm(IMPORT_PERMISSION) and roles.user_jurisdiction(user) is not None


class WorkOrderImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("文件"),
                           help_text=gettext_lazy(".xlsx 或 .csv；有一行出错则整个文件都不导入"))


class WorkOrderStatsForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("年度"), coerce=int)
    month_from = forms.TypedChoiceField(label=gettext_lazy("起始月份"), choices=MONTHS, coerce=int, initial=1)
    month_to = forms.TypedChoiceField(label=gettext_lazy("结束月份"), choices=MONTHS, coerce=int, initial=12)

    def __init__(self, *args, years: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in years]

    def clean(self):
        data = super().clean()
        if data.get("month_from") and data.get("month_to") and data["month_from"] > data["month_to"]:
            raise forms.ValidationError(_("起始月份不能晚于结束月份"))
        return data


@admin.register(WorkOrder)
class WorkOrderAdmin(JurisdictionScopedAdmin):
    """The list, scoped to the user's jurisdiction (JurisdictionScopedAdmin's queryset,
    through ``scope_to_jurisdiction``); the change page is read only."""

    list_display = ("number", "received_at", "unit", "closed_at", "satisfaction")
    list_filter = (("unit", admin.RelatedOnlyFieldListFilter), "satisfaction")
    search_fields = ("number", "content")
    list_select_related = ("unit",)
    show_full_result_count = False  # a year is tens of thousands of rows: no second count
    change_list_template = "casework/admin/workorder_change_list.html"

    # Records come from the platform: no add, change or delete through the admin's forms.
    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="casework_workorder_import"),
            path("stats/", view(self.stats_view), name="casework_workorder_stats"),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": can_import(request.user)}
        return super().changelist_view(request, extra_context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """导入12345工单: all or nothing, the problems by row and column."""
        if not can_import(request.user):
            raise PermissionDenied
        jurisdiction = roles.user_jurisdiction(request.user)
        form = WorkOrderImportForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            try:
                summary = import_workorders(jurisdiction=jurisdiction, path_or_file=form.cleaned_data["file"],
                                            by=request.user)
            except ImportRejected as exc:
                errors = exc.listed
            else:
                for note in summary.notes:
                    self.message_user(request, _("注意：%(note)s") % {"note": note}, messages.WARNING)
                self.message_user(request, str(summary), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:casework_workorder_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("导入12345工单"),
            "form": form,
            "errors": errors,
            "required": "、".join(REQUIRED),
            "optional": "、".join(OPTIONAL),
            # The file's own words, named in the page's explanation whatever its language.
            "columns": {"number": NUMBER, "unit": UNIT, "due": DUE, "closed": CLOSED, "satisfaction": SATISFACTION},
            "satisfactions": "、".join(key for key in SATISFACTIONS if key),
        }
        return TemplateResponse(request, "casework/admin/workorder_import.html", context)

    def stats_view(self, request: HttpRequest) -> HttpResponse:
        """Each unit's on-time and satisfaction rates for a span of months, lowest on-time first."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        jurisdiction = roles.user_jurisdiction(request.user)
        if jurisdiction is None:
            raise PermissionDenied
        this_year = timezone.localdate().year
        stored = self.get_queryset(request).filter(received_at__isnull=False).datetimes("received_at", "year")
        years = sorted({moment.year for moment in stored} | {this_year}, reverse=True)
        form = WorkOrderStatsForm(request.GET or None, years=years,
                                  initial={"year": this_year, "month_from": 1, "month_to": 12})
        stats = None
        if form.is_bound and form.is_valid():
            year, month_from, month_to = (form.cleaned_data[k] for k in ("year", "month_from", "month_to"))
        else:
            year, month_from, month_to = this_year, 1, 12
        if not form.is_bound or form.is_valid():
            stats = by_on_time_rate(unit_workorder_stats(
                jurisdiction_id=jurisdiction.pk, year=year, month_from=month_from, month_to=month_to))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("12345工单办理情况统计"),
            "form": form,
            "stats": stats,
            "year": year,
            "month_from": month_from,
            "month_to": month_to,
        }
        return TemplateResponse(request, "casework/admin/workorder_stats.html", context)
