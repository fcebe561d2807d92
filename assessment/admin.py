"""Admin of the year-end scores.

- 年度得分 (YearScore): read-only list with filters by year, category and grade; the
  office starts a roll-up from it, watches its progress page until it ends, and exports
  the workbook. Leaders read.
- 年度得分计算 (RollupRun): the runs, read-only, each linking to its progress page.
- 等次调整 (GradeAdjustment): vetoes and promotions, recorded by the office with a reason.

Thin: the roll-up, the adjustments and the workbook are services in ``assessment.services``
and ``assessment.workbook``.
"""

from __future__ import annotations

import tempfile

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from import_export.formats.base_formats import CSV, XLSX
from simple_history.admin import SimpleHistoryAdmin

from config.queue import QueueUnavailable
from departments import roles
from departments.admin import JurisdictionScopedAdmin, OfficeWritesAdmin, ScopedHistoryMixin, jurisdiction_is_fixed
from departments.admin import scope_to_jurisdiction
from departments.models import Jurisdiction, Organisation
from assessment import selectors, services
from assessment.models import GradeAdjustment, RollupRun, YearScore
from assessment.export_resources import YearScoreExportResource
from ratings.export_resources import ChineseExportMixin
from assessment.workbook import NothingToExport, scores_workbook_export

def month_range(first: int, last: int) -> str:
    """A span of months as the roll-up names it: "1月" for one month, "1—3月" for several."""
    if first == last:
        return pgettext("month range", "%(month)d月") % {"month": first}
    return _("%(first)d—%(last)d月") % {"first": first, "last": last}


def scope_label(through_month: int | None) -> str:
    """What a roll-up counts: "全年", or the months from January, "1—3月"."""
    return _("全年") if through_month is None else month_range(1, through_month)


# Lazy: the choices are read in the language of each request, not of the import.
MONTH_CHOICES = [("", gettext_lazy("全年"))] + [(str(m), lazy(month_range, str)(1, m)) for m in range(1, 13)]


def _refusal(exc: Exception) -> str:
    return "；".join(getattr(exc, "messages", None) or [str(exc)])


class RollupForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    through_month = forms.TypedChoiceField(
        label=gettext_lazy("统计范围"), choices=MONTH_CHOICES, coerce=int, empty_value=None, required=False,
        help_text=gettext_lazy("选择月份即为年度累计（只统计 1 月至该月），供年中查看；年终考核选“全年”"),
    )
    jurisdiction = forms.ModelChoiceField(label=gettext_lazy("辖区"), queryset=Jurisdiction.objects.none())

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if jurisdiction_is_fixed(user):
            del self.fields["jurisdiction"]
        else:
            self.fields["jurisdiction"].queryset = scope_to_jurisdiction(Jurisdiction.objects.all(), user, "pk")


# Scores ------------------------------------------------------------------------------------


class ScoreYearFilter(admin.SimpleListFilter):
    """年度: the list opens on the latest year with scores, so that ranks of one year are
    read together; any other year, or 全部年度, is a click away."""

    title = gettext_lazy("年度")
    parameter_name = "year"
    ALL = "all"
    ALIAS = "year__exact"  # how Django's own year filter wrote it: links and bookmarks keep working

    def __init__(self, request, params, model, model_admin) -> None:
        if self.ALIAS in params and self.parameter_name not in params:
            params[self.parameter_name] = params.pop(self.ALIAS)
        super().__init__(request, params, model, model_admin)
        if self.value() is None and self.lookup_choices:
            self.used_parameters[self.parameter_name] = self.lookup_choices[0][0]

    def lookups(self, request, model_admin):
        years = model_admin.get_queryset(request).order_by("-year").values_list("year", flat=True).distinct()
        choices = [(str(year), str(year)) for year in years]
        return choices + [(self.ALL, _("全部年度"))] if len(choices) > 1 else choices

    def choices(self, changelist):
        # No "全部" of Django's that would mean "the default year" here: 全部年度 says it.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}, [self.ALIAS]),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value()
        if value is None or value == self.ALL:
            return queryset
        if value.isascii() and value.isdigit() and len(value) <= 4:
            return queryset.filter(year=int(value))
        return queryset.none()  # no year (１２, five thousand digits): no rows, not an error


@admin.register(YearScore)
class YearScoreAdmin(ChineseExportMixin, JurisdictionScopedAdmin):
    list_display = (
        "unit_code", "unit_name", "category", "red_flags", "yellow_lights", "red_lights", "points",
        "rank_overall", "rank_in_category", "grade_column", "year", "scope_column",
    )
    list_display_links = None
    list_filter = (ScoreYearFilter, ("category", admin.RelatedOnlyFieldListFilter), "grade", "is_year_to_date")
    search_fields = ("unit__code", "unit__name")
    search_help_text = gettext_lazy("按单位编码或名称搜索")
    ordering = ("-year", "rank_overall", "unit__code")
    list_select_related = ("unit", "category")
    list_per_page = 100
    change_list_template = "assessment/admin/yearscore_change_list.html"  # carries the export button itself
    import_export_change_list_template = None
    # The list's own export (django-import-export), in the workbook's column names.
    resource_classes = [YearScoreExportResource]
    export_formats = [XLSX, CSV]

    # Scores are written by the roll-up only.
    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("单位编码"), ordering="unit__code")
    def unit_code(self, obj: YearScore) -> str:
        return obj.unit.code

    @admin.display(description=gettext_lazy("单位名称"), ordering="unit__name")
    def unit_name(self, obj: YearScore) -> str:
        return obj.unit.name if obj.unit.is_active else _("%(name)s（已停用）") % {"name": obj.unit.name}

    @admin.display(description=gettext_lazy("等次"), ordering="grade")
    def grade_column(self, obj: YearScore) -> str:
        if obj.grade == obj.grade_by_points:
            return obj.get_grade_display()
        reason = _("一票否决") if obj.veto_applied else _("例外晋级")
        return format_html(
            '{} <span class="lb-muted">（{}，{}：{}）</span>', obj.get_grade_display(), reason, _("按得分"),
            obj.get_grade_by_points_display(),
        )

    @admin.display(description=gettext_lazy("统计范围"), ordering="through_month")
    def scope_column(self, obj: YearScore) -> str:
        if obj.is_year_to_date:
            return _("截至 %(month)d 月") % {"month": obj.through_month}
        return _("全年")

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("rollup/", view(self.rollup_view), name="assessment_yearscore_rollup"),
            path("rollup/<int:run_id>/", view(self.progress_view), name="assessment_yearscore_rollup_progress"),
            path("rollup/<int:run_id>/status/", view(self.status_view), name="assessment_yearscore_rollup_status"),
            path("workbook/", view(self.workbook_view), name="assessment_yearscore_workbook"),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        year = request.GET.get("year__exact") or request.GET.get("year")
        extra_context = {
            **(extra_context or {}),
            "can_run": roles.is_office(request.user),
            "export_year": year if (year or "").isdigit() else None,
            "latest_run": self._runs(request).first(),
            "revised_years": self._revised_years(request),
        }
        return super().changelist_view(request, extra_context)

    def _revised_years(self, request: HttpRequest) -> list[tuple[int, list[str]]]:
        """Years whose scores a review decision has put out of date, with the months."""
        jurisdiction = roles.user_jurisdiction(request.user)
        if jurisdiction is None:
            return []
        out = []
        for year in selectors.year_scored_years(jurisdiction=jurisdiction):
            months = selectors.year_scores_revised_after(jurisdiction=jurisdiction, year=year)
            if months:
                out.append((year, [_("%(month)d月") % {"month": p.month} for p in months]))
        return out

    def _runs(self, request: HttpRequest) -> QuerySet[RollupRun]:
        return scope_to_jurisdiction(RollupRun.objects.all(), request.user)

    def _require_office(self, request: HttpRequest) -> None:
        if not roles.is_office(request.user):
            raise PermissionDenied

    def rollup_view(self, request: HttpRequest) -> HttpResponse:
        """计算年度得分: creates a run, queues the task, shows its progress."""
        self._require_office(request)
        form = RollupForm(request.POST or None, user=request.user,
                          initial={"year": timezone.localdate().year, "through_month": ""})
        if request.method == "POST" and form.is_valid():
            jurisdiction = form.cleaned_data.get("jurisdiction") or roles.user_jurisdiction(request.user)
            try:
                run = services.rollup_run_start(
                    jurisdiction=jurisdiction, year=form.cleaned_data["year"],
                    through_month=form.cleaned_data["through_month"], by=request.user,
                )
            except (ValidationError, PermissionDenied, QueueUnavailable) as exc:
                self.message_user(request, _refusal(exc), messages.ERROR)
            else:
                return HttpResponseRedirect(reverse("admin:assessment_yearscore_rollup_progress", args=[run.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("计算年度得分"),
            "form": form,
            "recent_runs": [
                (run, scope_label(run.through_month)) for run in self._runs(request).select_related("created_by")[:5]
            ],
        }
        return TemplateResponse(request, "assessment/admin/rollup_form.html", context)

    def _run_or_404(self, request: HttpRequest, run_id: int) -> RollupRun:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(self._runs(request).select_related("jurisdiction"), pk=run_id)

    def progress_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        run = self._run_or_404(request, run_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("年度得分计算进度"),
            "run": run,
            "status": run_status(run),
            "can_export": roles.is_office(request.user),
        }
        return TemplateResponse(request, "assessment/admin/rollup_progress.html", context)

    def status_view(self, request: HttpRequest, run_id: int) -> JsonResponse:
        """What the progress page polls for."""
        response = JsonResponse(run_status(self._run_or_404(request, run_id)))
        response["Cache-Control"] = "no-store"
        return response

    def has_export_permission(self, request: HttpRequest) -> bool:
        """The list's export (django-import-export) is the office's, like the workbook."""
        return roles.is_office(request.user)

    def workbook_view(self, request: HttpRequest) -> HttpResponse:
        """导出 Excel 工作簿 for a year (the year filtered in the list, or the latest)."""
        self._require_office(request)
        jurisdiction = roles.user_jurisdiction(request.user)
        if jurisdiction is None:
            raise Http404
        years = selectors.year_scored_years(jurisdiction=jurisdiction)
        year_text = request.GET.get("year", "")
        # A year as the list's filter writes it; anything else (１２, 5000 digits) is no year.
        year = int(year_text) if year_text.isascii() and year_text.isdigit() and len(year_text) <= 4 else None
        if not year_text:
            year = years[0] if years else None
        if year is None or year not in years:
            self.message_user(request, _("该年度还没有计算得分，请先计算年度得分"), messages.WARNING)
            return HttpResponseRedirect(reverse("admin:assessment_yearscore_changelist"))
        # Spooled: a district's workbook stays in memory, a province's goes to disk.
        target = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
        try:
            scores_workbook_export(jurisdiction=jurisdiction, year=year, target=target)
        except NothingToExport:  # the scores went away meanwhile
            target.close()
            raise Http404
        target.seek(0)
        filename = _("%(year)d年度效能亮榜得分.xlsx") % {"year": year}
        return FileResponse(target, as_attachment=True, filename=filename,
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def run_status(run: RollupRun) -> dict:
    """A run as the progress page shows it."""
    scope = scope_label(run.through_month)
    if run.status == RollupRun.Status.QUEUED:
        message = _("已排队，等待开始…")
    elif run.status == RollupRun.Status.RUNNING:
        message = _("正在计算 %(total)d 个单位…") % {"total": run.total} if run.total else _("正在汇总认定…")
    elif run.status == RollupRun.Status.DONE:
        message = _("已完成：%(done)d 个单位的得分、排名和等次已更新") % {"done": run.done}
    else:
        message = _("计算失败：%(error)s") % {"error": run.error or _("未知错误")}
    return {
        "id": run.pk,
        "year": run.year,
        "scope": str(scope),
        "status": run.status,
        "status_label": str(run.get_status_display()),
        "message": str(message),
        "total": run.total,
        "done": run.done,
        "percent": run.percent,
        "finished": run.is_finished,
        "failed": run.status == RollupRun.Status.FAILED,
        "scores_url": reverse("admin:assessment_yearscore_changelist") + f"?year={run.year}",
    }


@admin.register(RollupRun)
class RollupRunAdmin(JurisdictionScopedAdmin):
    list_display = ("created_at", "year", "scope_column", "status_column", "progress_column", "created_by",
                    "finished_at")
    list_filter = ("year", "status")
    ordering = ("-created_at", "-pk")
    list_select_related = ("created_by",)
    list_display_links = None

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("统计范围"), ordering="through_month")
    def scope_column(self, obj: RollupRun) -> str:
        return scope_label(obj.through_month)

    @admin.display(description=gettext_lazy("状态"), ordering="status")
    def status_column(self, obj: RollupRun) -> str:
        url = reverse("admin:assessment_yearscore_rollup_progress", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.get_status_display())

    @admin.display(description=gettext_lazy("进度"))
    def progress_column(self, obj: RollupRun) -> str:
        return f"{obj.done}/{obj.total}"


# Vetoes and promotions -----------------------------------------------------------------------


@admin.register(GradeAdjustment)
class GradeAdjustmentAdmin(ScopedHistoryMixin, OfficeWritesAdmin, SimpleHistoryAdmin):
    list_display = ("year", "unit", "kind", "reason", "created_by", "created_at")
    list_filter = ("year", "kind")
    search_fields = ("unit__code", "unit__name", "reason")
    ordering = ("-year", "unit__code", "kind")
    list_select_related = ("unit", "created_by")
    autocomplete_fields = ("unit",)
    fieldsets = ((None, {"fields": ("jurisdiction", "year", "unit", "kind", "reason", "created_by", "created_at")}),)

    def get_readonly_fields(self, request, obj=None):
        # Once recorded, only the reason may be corrected; a different decision is a new record.
        fixed = ("jurisdiction", "year", "unit", "kind") if obj is not None else ()
        return (*fixed, "created_by", "created_at")

    def get_changeform_initial_data(self, request):
        return {"year": timezone.localdate().year, **super().get_changeform_initial_data(request)}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":
            kwargs["queryset"] = scope_to_jurisdiction(Organisation.objects.filter(is_unit=True), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj: GradeAdjustment, form, change) -> None:
        services.grade_adjustment_save(adjustment=obj, by=request.user)
        if YearScore.objects.filter(unit=obj.unit, year=obj.year).exists():
            self.message_user(request, _("该单位 %(year)d 年度的等次已随之调整（加减分不变）。") % {"year": obj.year},
                              messages.INFO)

    def delete_model(self, request, obj: GradeAdjustment) -> None:
        services.grade_adjustment_delete(adjustment=obj, by=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for adjustment in queryset.select_related("unit", "jurisdiction"):
            services.grade_adjustment_delete(adjustment=adjustment, by=request.user)
