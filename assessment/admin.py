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
from django.db.models import Count, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from import_export.formats.base_formats import CSV, XLSX
from simple_history.admin import SimpleHistoryAdmin

from config.queue import QueueUnavailable
from departments import roles
from departments.admin import (
    JurisdictionScopedAdmin, ObjectNotFoundMixin, OfficeWritesAdmin, ScopedHistoryMixin, jurisdiction_is_fixed,
    office_only, scope_to_jurisdiction,
)
from assessment import rules as card_rules
from assessment import selectors, services
from assessment.export_resources import YearScoreExportResource
from assessment.importing import (
    import_results, import_scorecard, read_results_upload, read_scorecard_upload, result_for_rules, scorecard_frozen,
    scorecard_rules, unit_list,
)
from assessment.models import GradeAdjustment, ItemResult, RollupRun, Scorecard, ScorecardItem, YearScore
from assessment.refusals import refusal_text
from assessment.workbook import NothingToExport, scores_workbook_export
from departments.importing import ImportRejected, check_size, dry_run_note
from departments.models import Category, Jurisdiction, Organisation
from ratings.export_resources import ChineseExportMixin

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
        "rank_overall", "rank_in_category", "composite_total", "composite_rank", "grade_column", "year",
        "scope_column",
    )
    list_display_links = ("unit_code",)
    fieldsets = (
        (None, {"fields": ("year", "unit", "category", "scope_column", "computed_at")}),
        (gettext_lazy("效能亮榜"), {"fields": ("red_flags", "yellow_lights", "red_lights", "points", "rank_overall",
                                            "rank_in_category")}),
        (gettext_lazy("综合考核"), {"fields": ("composite_total", "composite_rank", "composite_explained")}),
        (gettext_lazy("等次"), {"fields": ("grade_by_points", "grade_column", "veto_applied", "promotion_applied")}),
    )
    readonly_fields = (
        "year", "unit", "category", "scope_column", "computed_at", "red_flags", "yellow_lights", "red_lights",
        "points", "rank_overall", "rank_in_category", "composite_total", "composite_rank", "composite_explained",
        "grade_by_points", "grade_column", "veto_applied", "promotion_applied",
    )
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

    @admin.display(description=gettext_lazy("得分明细"))
    def composite_explained(self, obj: YearScore) -> str:
        """Every section and item of the unit's composite, with its rule and arithmetic."""
        lines = selectors.composite_lines(obj)
        if not lines:
            return _("本年度没有考核方案，按效能亮榜加减分评定")
        return format_html(
            '<table class="lb-composite"><tbody>{}</tbody></table>',
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", lines),
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


# The scorecard (考核方案) ----------------------------------------------------------------------


class ScorecardItemForm(forms.ModelForm):
    """An item, its parent named by 编码 (as in the sheet), so that a new section and its
    new items can be added in one save."""

    parent_code = forms.CharField(label=gettext_lazy("上级编码"), max_length=32, required=False)

    class Meta:
        model = ScorecardItem
        fields = ("order", "code", "name", "parent_code", "points", "method", "categories", "lead_unit", "base")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.parent_id:
            self.fields["parent_code"].initial = self.instance.parent.code


class ScorecardItemFormSet(forms.BaseInlineFormSet):
    """The whole tree checked by the pure rules before anything is saved, as the import
    checks it: children add up to their parent, methods are known, and so on."""

    def clean(self) -> None:
        super().clean()
        if any(form.errors for form in self.forms):
            return
        jurisdiction = self.instance.jurisdiction
        if not self.has_changed():
            # No row changed (or the rows are read-only, the scorecard being frozen): the
            # stored tree is checked against the settings as submitted (a new 总分).
            if self.instance.pk is None:
                return
            stored = Scorecard.objects.get(pk=self.instance.pk)
            items = scorecard_rules(stored).items
        else:
            items = self._items()
        card = card_rules.Scorecard(str(jurisdiction.pk), self.instance.year or 0, items,
                                    total_points=self.instance.total_points, rank_table=self.instance.rank_table)
        problems = card_rules.scorecard_problems(
            card, units=unit_list(jurisdiction),
            categories=set(Category.objects.filter(jurisdiction=jurisdiction).values_list("name", flat=True)),
        )
        if problems:
            raise ValidationError([
                f"{problem.item}：{refusal_text(problem)}" if problem.item else refusal_text(problem)
                for problem in problems
            ])

    def _items(self) -> tuple[card_rules.Item, ...]:
        kept = [form for form in self.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("code")]
        return tuple(
            card_rules.Item(
                code=form.cleaned_data["code"], name=form.cleaned_data["name"], points=form.cleaned_data["points"],
                parent=(form.cleaned_data.get("parent_code") or "").strip(), method=form.cleaned_data.get("method") or "",
                categories=frozenset(c.name for c in form.cleaned_data.get("categories") or ()),
                lead_unit=form.cleaned_data["lead_unit"].code if form.cleaned_data.get("lead_unit") else "",
                base=form.cleaned_data.get("base"),
            )
            for form in kept
        )


def frozen_as_stored(obj: Scorecard | None) -> bool:
    """Whether the scorecard is frozen as the database has it: a submitted form may have
    ticked 已重新开放修改 on the object in memory without saving it yet."""
    if obj is None or obj.pk is None:
        return False
    return scorecard_frozen(Scorecard.objects.get(pk=obj.pk))


class ScorecardItemInline(admin.TabularInline):
    model = ScorecardItem
    form = ScorecardItemForm
    formset = ScorecardItemFormSet
    fk_name = "scorecard"
    extra = 0
    ordering = ("order", "pk")
    autocomplete_fields = ("lead_unit",)
    filter_horizontal = ()

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and not frozen_as_stored(obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and not frozen_as_stored(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not frozen_as_stored(obj)

    @admin.display(description=gettext_lazy("上级编码"))
    def parent_code(self, obj: ScorecardItem) -> str:
        """The read-only inline's column (a frozen scorecard, a leader): the form's field otherwise."""
        return obj.parent.code if obj.parent_id else "—"

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "categories":
            kwargs["queryset"] = scope_to_jurisdiction(Category.objects.all(), request.user)
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "lead_unit":
            kwargs["queryset"] = scope_to_jurisdiction(Organisation.objects.filter(is_unit=True), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScorecardImportForm(forms.Form):
    KINDS = [("scorecard", gettext_lazy("考核方案（编码, 名称, 上级编码, 分值, 计分方式, 适用类别, 牵头单位, 基础分）")),
             ("results", gettext_lazy("考核结果（指标编码, 被考核单位, 排名, 得分, 完成数, 任务数）"))]
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=gettext_lazy("导入内容"), choices=KINDS, widget=forms.RadioSelect)
    file = forms.FileField(label=gettext_lazy("文件"), help_text=gettext_lazy(".xlsx 或 .csv；有一行出错则整个文件都不导入"))
    dry_run = forms.BooleanField(label=gettext_lazy("只检查，不写入"), required=False)


@admin.register(Scorecard)
class ScorecardAdmin(ScopedHistoryMixin, OfficeWritesAdmin, SimpleHistoryAdmin):
    list_display = ("year", "title_column", "total_points", "items_column", "state_column")
    list_display_links = ("year", "title_column")
    ordering = ("-year",)
    inlines = [ScorecardItemInline]
    actions = ["copy_to_next_year"]
    change_list_template = "assessment/admin/scorecard_change_list.html"
    fieldsets = (
        (None, {"fields": ("jurisdiction", "year", "name", "total_points")}),
        (gettext_lazy("排名计分"), {"fields": ("rank_first_losing", "rank_step", "rank_last", "rank_after_last"),
                                 "description": gettext_lazy("默认：第1—3名得全部分值，第4名起每降一名少得5%，"
                                                             "至第16名（35%），此后各名次30%")}),
        (gettext_lazy("等次"), {"fields": ("grading_method", "excellent_min", "good_min", "fair_min",
                                         "excellent_share", "good_share", "poor_share", "promotion_top_rank")}),
        (gettext_lazy("冻结与锁定"), {"fields": ("reopened", "results_locked")}),
    )

    def has_delete_permission(self, request, obj=None) -> bool:
        # A scorecard with results is the record of how the year was scored.
        return super().has_delete_permission(request, obj) and not frozen_as_stored(obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        fixed = ("jurisdiction", "year")
        if frozen_as_stored(obj):
            # Frozen: only reopening (and the results lock) may change.
            return (*fixed, "name", "total_points", "rank_first_losing", "rank_step", "rank_last", "rank_after_last",
                    "grading_method", "excellent_min", "good_min", "fair_min", "excellent_share", "good_share",
                    "poor_share", "promotion_top_rank")
        return fixed

    def get_changeform_initial_data(self, request):
        return {"year": timezone.localdate().year, **super().get_changeform_initial_data(request)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(item_count=Count("items"))

    @admin.display(description=gettext_lazy("名称"))
    def title_column(self, obj: Scorecard) -> str:
        return str(obj)

    @admin.display(description=gettext_lazy("指标数"), ordering="item_count")
    def items_column(self, obj: Scorecard) -> int:
        return obj.item_count

    @admin.display(description=gettext_lazy("状态"))
    def state_column(self, obj: Scorecard) -> str:
        states = [_("已冻结") if scorecard_frozen(obj) else _("可修改")]
        if obj.results_locked:
            states.append(_("结果已锁定"))
        return "，".join(states)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = {**(extra_context or {})}
        if obj is not None:
            extra_context["frozen"] = scorecard_frozen(obj)
            extra_context["tree"] = selectors.scorecard_tree(obj)
        return super().change_view(request, object_id, form_url, extra_context)

    change_form_template = "assessment/admin/scorecard_change_form.html"

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not ScorecardItem:
            return super().save_formset(request, form, formset, change)
        for item in formset.save(commit=False):  # the new and the changed rows
            if item.pk is None:
                item.parent = None  # named by code: set below, once every item exists
            item.save()
        formset.save_m2m()
        deleted = {item.pk for item in formset.deleted_objects}
        by_code = {item.code: item for item in ScorecardItem.objects.filter(scorecard=form.instance)}
        for item_form in formset.forms:
            data = item_form.cleaned_data
            if not data or data.get("DELETE") or not item_form.has_changed():
                continue
            item = by_code[data["code"]]
            parent = by_code.get((data.get("parent_code") or "").strip())
            if item.parent_id != (parent.pk if parent else None):
                item.parent = parent
                item.save(update_fields=["parent"])
        # Last: a removed parent would take its children with it.
        ScorecardItem.objects.filter(pk__in=deleted).delete()

    @admin.action(description=gettext_lazy("复制为下一年度方案"))
    def copy_to_next_year(self, request, queryset) -> None:
        for scorecard in queryset:
            try:
                copy = services.scorecard_copy(scorecard=scorecard, year=scorecard.year + 1, by=request.user)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, _refusal(exc), messages.ERROR)
            else:
                self.message_user(request, _("已复制为 %(year)d 年度考核方案（%(count)d 项指标，不含结果）") % {
                    "year": copy.year, "count": copy.items.count()}, messages.SUCCESS)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not roles.is_office(request.user):
            actions.pop("copy_to_next_year", None)
        return actions

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("import/", view(self.import_view), name="assessment_scorecard_import")] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": roles.is_office(request.user)}
        return super().changelist_view(request, extra_context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """导入考核方案或考核结果: all or nothing, the problems by row and column."""
        if not roles.is_office(request.user):
            raise PermissionDenied
        jurisdiction = roles.user_jurisdiction(request.user)
        if jurisdiction is None:
            raise PermissionDenied
        form = ScorecardImportForm(request.POST or None, request.FILES or None,
                                   initial={"year": timezone.localdate().year, "kind": "scorecard"})
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            kind, year, dry_run = form.cleaned_data["kind"], form.cleaned_data["year"], form.cleaned_data["dry_run"]
            try:
                check_size(upload.size)
                content = upload.read()
                if kind == "scorecard":
                    dataset = read_scorecard_upload(name=upload.name, content=content)
                    summary = import_scorecard(dataset, jurisdiction=jurisdiction, year=year, by=request.user,
                                               dry_run=dry_run)
                    done = _("%(year)d 年度考核方案：新建 %(created)d 项，更新 %(updated)d 项，未变化 %(unchanged)d 项，"
                             "删除 %(deleted)d 项")
                else:
                    dataset = read_results_upload(name=upload.name, content=content)
                    summary = import_results(dataset, jurisdiction=jurisdiction, year=year, by=request.user,
                                             dry_run=dry_run)
                    done = _("%(year)d 年度考核结果：新增 %(created)d 条，更新 %(updated)d 条，未变化 %(unchanged)d 条")
            except ImportRejected as exc:
                errors = exc.listed
            else:
                for note in summary.notes:
                    self.message_user(request, _("注意：%(note)s") % {"note": note}, messages.WARNING)
                self.message_user(request, dry_run_note(dry_run) + done % {
                    "year": year, "created": summary.created, "updated": summary.updated,
                    "unchanged": summary.unchanged, "deleted": summary.deleted}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:assessment_scorecard_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("导入考核方案或考核结果"),
            "form": form,
            "errors": errors,
        }
        return TemplateResponse(request, "assessment/admin/scorecard_import.html", context)


class ItemResultForm(forms.ModelForm):
    """A correction, checked by the item's method as the import checks it."""

    class Meta:
        model = ItemResult
        fields = ("rank", "score", "met", "assigned")

    def clean(self):
        cleaned = super().clean()
        item, unit = self.instance.item, self.instance.unit
        result = result_for_rules(item, unit.code, rank=cleaned.get("rank"), score=cleaned.get("score"),
                                  met=cleaned.get("met"), assigned=cleaned.get("assigned"))
        try:
            card_rules.score_item(scorecard_rules(item.scorecard), result)
        except card_rules.Refused as refused:
            fields = {"rank": "rank", "percent": "score", "points": "score", "met": "met", "assigned": "assigned"}
            for problem in refused.problems:
                self.add_error(fields.get(problem.field), refusal_text(problem))
        return cleaned


@admin.register(ItemResult)
class ItemResultAdmin(ScopedHistoryMixin, ObjectNotFoundMixin, SimpleHistoryAdmin):
    """The results, scoped through their scorecard's jurisdiction: the office corrects
    and deletes; leaders read."""

    list_display = ("year_column", "item", "unit", "rank", "score", "met", "assigned", "source", "updated_by",
                    "updated_at")
    list_filter = ("item__scorecard__year", "source")
    search_fields = ("item__code", "item__name", "unit__code", "unit__name")
    list_select_related = ("item__scorecard", "unit", "updated_by")
    ordering = ("-item__scorecard__year", "item__order", "unit__code")
    form = ItemResultForm
    readonly_fields = ("item", "unit", "source", "updated_by", "updated_at")
    fields = ("item", "unit", "rank", "score", "met", "assigned", "source", "updated_by", "updated_at")

    def get_queryset(self, request):
        return scope_to_jurisdiction(super().get_queryset(request), request.user, "item__scorecard__jurisdiction_id")

    def deleted_history_visible(self, request, record) -> bool:
        return False

    # Results come in through the import (or the lead unit's page); here they are corrected.
    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        locked = obj is not None and obj.item.scorecard.results_locked
        return office_only(request) and not locked and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        locked = obj is not None and obj.item.scorecard.results_locked
        return office_only(request) and not locked and super().has_delete_permission(request, obj)

    @admin.display(description=gettext_lazy("年度"), ordering="item__scorecard__year")
    def year_column(self, obj: ItemResult) -> int:
        return obj.item.scorecard.year

    def save_model(self, request, obj: ItemResult, form, change) -> None:
        if obj.item.scorecard.results_locked:
            raise PermissionDenied(_("本年度考核结果已锁定"))
        obj.updated_by = request.user
        obj._history_user = request.user
        obj.save()
