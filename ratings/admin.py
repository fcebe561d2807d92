"""The admin: the efficiency office's daily tool and the raters' entry screen.

Thin: every change of a rating or a period goes through ratings.services, and what
a user may see or do is asked of ratings.selectors. Refusals from the services are
shown as messages or form errors, never as a server error.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from import_export.formats.base_formats import CSV, XLSX
from simple_history.admin import SimpleHistoryAdmin

from config.ids import pk_from_path
from departments import roles
from departments.admin import (
    IdentifierFieldsAdminMixin,
    ObjectNotFoundMixin,
    OfficeWritesAdmin,
    ScopedHistoryMixin,
    scope_to_jurisdiction,
)
from departments.models import Jurisdiction
from lib.uploads import may_show_inline
from ratings import citations, rules, selectors, services
from ratings import staging
from ratings.admin_import import CriterionImportAdminMixin, RatingImportAdminMixin
from ratings.export_resources import ChineseExportMixin, RatingExportResource
from ratings.forms import (
    CriterionForm,
    CriterionInlineFormSet,
    EvidenceForm,
    PeriodForm,
    RatingAdminForm,
    ReasonForm,
    RuleBookForm,
)
from ratings.models import Criterion, Evidence, Kind, Period, Rating, RuleBook
from ratings.rules import KINDS, RED_FLAG, YELLOW_LIGHT


def _messages_of(exc: Exception) -> str:
    return "；".join(getattr(exc, "messages", None) or [str(exc)])


class ServiceRefused(Exception):
    """A service refused a change after the form had passed (a race: the month was
    closed, the rating was reviewed meanwhile). Shown as a message, not a 500."""


# Rule books and criteria ---------------------------------------------------------------


class CriterionInline(IdentifierFieldsAdminMixin, admin.TabularInline):
    model = Criterion
    identifier_fields = ("code",)
    form = CriterionForm
    formset = CriterionInlineFormSet
    fields = ("code", "kind", "text", "is_active")
    extra = 0
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return roles.is_office(request.user) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return roles.is_office(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return roles.is_office(request.user) and super().has_delete_permission(request, obj)


ESCALATION_FIELDS = {"escalation_threshold", "escalation_same_department", "year"}


@admin.register(RuleBook)
class RuleBookAdmin(ScopedHistoryMixin, OfficeWritesAdmin, SimpleHistoryAdmin):
    form = RuleBookForm
    list_display = (
        "year", "title_column", "red_flag_points", "yellow_light_points", "red_light_points",
        "escalation_threshold", "escalation_same_department", "criterion_required", "criteria_count", "updated_at",
    )
    list_display_links = ("year", "title_column")
    search_fields = ("title", "year")
    ordering = ("-year",)
    inlines = (CriterionInline,)
    readonly_fields = ("updated_at",)
    fieldsets = (
        (None, {"fields": ("jurisdiction", "year", "title")}),
        (gettext_lazy("分值（红旗加分，红黄灯减分）"), {
            "fields": ("red_flag_points", "yellow_light_points", "red_light_points", "bonus_cap", "deduction_cap"),
        }),
        (gettext_lazy("连续黄灯升级为红灯"), {"fields": ("escalation_threshold", "escalation_same_department")}),
        (gettext_lazy("认定条目"), {"fields": ("criterion_required", "updated_at")}),
    )

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        # Settings added to the rule book later still appear, under "other settings".
        listed = {name for _title, options in fieldsets for name in options["fields"]}
        others = [
            f.name for f in RuleBook._meta.get_fields()
            if getattr(f, "editable", False) and not f.auto_created and not f.is_relation and f.name not in listed
        ]
        if others:
            fieldsets.append((gettext_lazy("其他设置"), {"fields": others}))
        return fieldsets

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_criteria_count=Count("criteria"))

    @admin.display(description=gettext_lazy("标题"))
    def title_column(self, obj: RuleBook) -> str:
        return str(obj)

    @admin.display(description=gettext_lazy("条目数"), ordering="_criteria_count")
    def criteria_count(self, obj: RuleBook) -> int:
        return obj._criteria_count

    def save_model(self, request, obj, form, change):
        obj._change_reason = _("修改认定细则设置") if change else _("新建认定细则")
        super().save_model(request, obj, form, change)

    def get_deleted_objects(self, objs, request):
        # Deleting a rule book deletes its criteria: refused while ratings cite them.
        _report_delete_problems(request, self, (citations.rulebook_delete_problem(book) for book in objs))
        return super().get_deleted_objects(objs, request)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The escalated results every board shows follow the rule book's settings.
        if not change or ESCALATION_FIELDS & set(form.changed_data):
            count = services.jurisdiction_escalation_refresh(jurisdiction=form.instance.jurisdiction)
            self.message_user(
                request,
                _("已按新的升级设置重新计算认定结果，%(count)d 条认定的结果有变化。") % {"count": count},
                messages.INFO,
            )


def _report_delete_problems(request, model_admin, problems: Iterable[str]) -> None:
    """Why the objects cannot be deleted, with how many ratings cite them, above the
    protected objects Django lists (it deletes nothing while there are any)."""
    for problem in problems:
        if problem:
            model_admin.message_user(request, problem, messages.ERROR)


@admin.register(Criterion)
class CriterionAdmin(
    IdentifierFieldsAdminMixin, CriterionImportAdminMixin, ScopedHistoryMixin, ObjectNotFoundMixin, SimpleHistoryAdmin
):
    identifier_fields = ("code",)
    form = CriterionForm
    list_display = ("code", "text", "kind", "rulebook", "is_active")
    list_filter = ("rulebook", "kind", "is_active")
    search_fields = ("code", "text")
    ordering = ("-rulebook__year", "code")
    list_select_related = ("rulebook",)

    def get_queryset(self, request):
        return scope_to_jurisdiction(super().get_queryset(request), request.user, "rulebook__jurisdiction_id")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "rulebook":
            kwargs["queryset"] = scope_to_jurisdiction(RuleBook.objects.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path.endswith("/autocomplete/"):
            # A rating cites a criterion in force, of the rule book of a month still open
            # (last year's identical codes would only be refused on saving), newest first.
            open_month = Period.objects.filter(
                jurisdiction_id=OuterRef("rulebook__jurisdiction_id"), year=OuterRef("rulebook__year"),
                status=Period.Status.OPEN,
            )
            queryset = queryset.filter(Exists(open_month), is_active=True).order_by("-rulebook__year", "code")
            # The rating form sends its kind: a red flag cites red-flag criteria, a
            # yellow or red light yellow-light ones (rules.rating_problems).
            kind = request.GET.get("kind", "")
            if request.GET.get("field_name") == "criterion" and kind in KINDS:
                queryset = queryset.filter(kind=RED_FLAG if kind == RED_FLAG else YELLOW_LIGHT)
        return queryset, may_have_duplicates

    def deleted_history_visible(self, request, record) -> bool:
        return roles.is_office(request.user) and scope_to_jurisdiction(
            RuleBook.objects.filter(pk=record.rulebook_id), request.user
        ).exists()

    def get_deleted_objects(self, objs, request):
        _report_delete_problems(request, self, (citations.criterion_delete_problem(c) for c in objs))
        return super().get_deleted_objects(objs, request)

    def has_add_permission(self, request) -> bool:
        return roles.is_office(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return roles.is_office(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return roles.is_office(request.user) and super().has_delete_permission(request, obj)


# Periods ---------------------------------------------------------------------------


class RefusalMixin:
    """Views of this admin that call one service on one object and report back."""

    def _object_or_404(self, request: HttpRequest, object_id: str):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404(_("没有找到该记录"))
        return obj

    def _change_url(self, obj) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])

    def _reason_page(self, request: HttpRequest, *, title: str, intro: str, form: ReasonForm,
                     objects: Iterable, action: str | None = None, submit_label: str,
                     hidden: Iterable[tuple[str, str]] = ()) -> TemplateResponse:
        context = {
            "hidden": list(hidden),
            **self.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "form": form,
            "objects": list(objects),
            "opts": self.model._meta,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "submit_label": submit_label,
        }
        return TemplateResponse(request, "admin/ratings/reason_form.html", context)

    def _report(self, request: HttpRequest, done: int, problems: list[str], success: str) -> None:
        if done:
            self.message_user(request, success % {"count": done}, messages.SUCCESS)
        if problems:
            self.message_user(
                request,
                format_html(
                    "{}<ul>{}</ul>",
                    ngettext("%(count)d 条未能处理：", "%(count)d 条未能处理：", len(problems)) % {"count": len(problems)},
                    format_html_join("", "<li>{}</li>", ((p,) for p in problems)),
                ),
                messages.ERROR,
            )


@admin.register(Period)
class PeriodAdmin(RefusalMixin, ScopedHistoryMixin, OfficeWritesAdmin, SimpleHistoryAdmin):
    form = PeriodForm
    list_display = (
        "label_column", "status_column", "total_count", "submitted_count", "approved_count", "closed_at", "closed_by",
    )
    list_display_links = ("label_column",)
    list_filter = ("status", "year")
    ordering = ("-year", "-month")
    actions = ("close_selected", "reopen_selected")
    change_form_template = "admin/ratings/period/change_form.html"
    fieldsets = (
        (None, {"fields": ("jurisdiction", "year", "month")}),
        (gettext_lazy("状态"), {"fields": ("status", "closed_at", "closed_by", "reopen_reason")}),
    )

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("closed_by")
        return selectors.periods_with_counts(user=request.user, queryset=qs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        return fieldsets[:1] if obj is None else fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # A month changes only by being closed or reopened, through the services.
        return ("jurisdiction", "year", "month", "status", "closed_at", "closed_by", "reopen_reason")

    @admin.display(description=gettext_lazy("月份"), ordering="year")
    def label_column(self, obj: Period) -> str:
        return obj.label

    @admin.display(description=gettext_lazy("状态"), ordering="status")
    def status_column(self, obj: Period) -> str:
        return format_html('<span class="lb-status lb-period-{}">{}</span>', obj.status, obj.get_status_display())

    @admin.display(description=gettext_lazy("认定总数"), ordering="total_count")
    def total_count(self, obj: Period) -> int:
        return obj.total_count

    @admin.display(description=gettext_lazy("待审核"), ordering="submitted_count")
    def submitted_count(self, obj: Period) -> str:
        if not obj.submitted_count:
            return "0"
        url = reverse("admin:ratings_rating_changelist") + f"?period__id__exact={obj.pk}&status__exact=submitted"
        return format_html('<a href="{}" class="lb-pending">{}</a>', url, obj.submitted_count)

    @admin.display(description=gettext_lazy("已通过"), ordering="approved_count")
    def approved_count(self, obj: Period) -> int:
        return obj.approved_count

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing on this form is editable
        period = services.period_get_or_open(jurisdiction=obj.jurisdiction, year=obj.year, month=obj.month)
        obj.pk = period.pk
        obj._state.adding = False

    def has_office_permission(self, request) -> bool:
        return roles.is_office(request.user)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self._object_or_404(request, object_id)
        # A month still ahead (old data: 2091-03 typed for 2021-03) is neither closed nor
        # reopened; the page says why instead of offering the buttons.
        try:
            services.require_month_has_come(year=obj.year, month=obj.month)
            future_refusal = ""
        except services.FutureMonthError as exc:
            future_refusal = _messages_of(exc)
        office = roles.is_office(request.user)
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "can_close": office and obj.status == Period.Status.OPEN and not future_refusal,
            "can_reopen": office and obj.status != Period.Status.OPEN and not future_refusal,
            "future_refusal": future_refusal,
            "pending_url": reverse("admin:ratings_rating_changelist")
            + f"?period__id__exact={obj.pk}&status__exact=submitted",
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        urls = super().get_urls()
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/close/", view(self.close_view), name="ratings_period_close"),
            path("<path:object_id>/reopen/", view(self.reopen_view), name="ratings_period_reopen"),
        ] + urls

    def _close(self, request, periods: Iterable[Period]) -> None:
        for period in periods:
            try:
                services.period_close(period=period, by=request.user)
            except services.PeriodNotReadyError as exc:
                url = reverse("admin:ratings_rating_changelist") + f"?period__id__exact={period.pk}&status__exact=submitted"
                self.message_user(
                    request,
                    format_html('{} <a href="{}">{}</a>', _messages_of(exc), url, _("查看待审核的认定")),
                    messages.ERROR,
                )
            except services.PeriodUndecidedError as exc:
                # Drafts and returned ratings: the office decides on the month's close page.
                url = reverse("admin:ratings_period_close", args=[period.pk])
                self.message_user(
                    request, format_html('{} <a href="{}">{}</a>', _messages_of(exc), url, _("关账…")), messages.ERROR
                )
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, _messages_of(exc), messages.ERROR)
            else:
                self.message_user(request, _("%(period)s 已关账。") % {"period": period.label}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("关账"), permissions=("office",))
    def close_selected(self, request, queryset):
        self._close(request, queryset.order_by("year", "month"))

    @admin.action(description=gettext_lazy("重新开放（需填写原因）"), permissions=("office",))
    def reopen_selected(self, request, queryset):
        periods = list(queryset.order_by("year", "month"))
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            for period in periods:
                try:
                    services.period_reopen(period=period, by=request.user, reason=form.cleaned_data["reason"])
                except (ValidationError, PermissionDenied) as exc:
                    self.message_user(request, _messages_of(exc), messages.ERROR)
                else:
                    self.message_user(request, _("%(period)s 已重新开放。") % {"period": period.label}, messages.SUCCESS)
            return None
        return self._reason_page(
            request, title=_("重新开放月份"), intro=_("重新开放后，该月的认定可以再次修改。请说明原因，原因会记入历史记录。"),
            form=form, objects=periods, action="reopen_selected", submit_label=_("重新开放"),
        )

    def close_view(self, request, object_id):
        """关账 of one month: a page that lists every rating of the month not approved, by
        department, and what closing does to each; the office chooses to carry the drafts
        and returned ratings into the next month or to withdraw them with a reason."""
        period = self._object_or_404(request, object_id)
        if not roles.is_office(request.user):
            raise PermissionDenied
        if request.method != "POST" and not period.is_open:
            return HttpResponseRedirect(self._change_url(period))
        if request.method != "POST":
            try:
                services.require_month_has_come(year=period.year, month=period.month)
            except services.FutureMonthError as exc:
                # Nothing to confirm for a month that has not come: back to it, saying why.
                self.message_user(request, _messages_of(exc), messages.ERROR)
                return HttpResponseRedirect(self._change_url(period))
        fate = request.POST.get("fate", "") if request.method == "POST" else ""
        reason = request.POST.get("reason", "") if request.method == "POST" else ""
        error = ""
        if request.method == "POST":
            try:
                closed = services.period_close(
                    period=period, by=request.user, carry=fate == "carry",
                    withdraw_reason=reason if fate == "withdraw" else "",
                )
            except (ValidationError, PermissionDenied) as exc:
                if isinstance(exc, services.FutureMonthError) or getattr(exc, "code", "") == "already_closed":
                    # Nothing to choose on this page: back to the month, which says why.
                    self.message_user(request, _messages_of(exc), messages.ERROR)
                    return HttpResponseRedirect(self._change_url(period))
                error = _messages_of(exc)
                if fate == "withdraw" and not reason.strip():
                    error = _("撤回必须填写原因")
            else:
                closing = closed.closing
                done = ""
                if closing.carried:
                    done = _("%(count)d 条已结转到 %(next)s") % {
                        "count": len(closing.carried), "next": closing.next_period.label}
                elif closing.withdrawn:
                    done = _("%(count)d 条已撤回") % {"count": len(closing.withdrawn)}
                self.message_user(request, _("%(period)s 已关账。") % {"period": closed.label} + done, messages.SUCCESS)
                return HttpResponseRedirect(self._change_url(closed))
        return self._close_page(request, period, fate=fate, reason=reason, error=error)

    def _close_page(self, request, period: Period, *, fate: str, reason: str, error: str) -> TemplateResponse:
        ratings = list(
            period.ratings.filter(status__in=services.NOT_APPROVED_STATUSES)
            .select_related("department", "unit").order_by("department__code", "unit__code", "pk")
        )
        blocking = [r for r in ratings if r.status == Rating.Status.SUBMITTED]
        next_year, next_month = rules.next_month(period.year, period.month)
        departments: dict[str, list] = {}
        for rating in ratings:
            departments.setdefault(rating.department.name, []).append({
                "rating": rating,
                "url": reverse("admin:ratings_rating_change", args=[rating.pk]),
                "fate": _("待审核：须先审核（通过或退回），否则不能关账") if rating.status == Rating.Status.SUBMITTED
                else _("结转到 %(next)s，或撤回（按下面的选择）") % {"next": services.month_name(next_year, next_month)},
            })
        context = {
            **self.admin_site.each_context(request),
            "title": _("关账 %(period)s") % {"period": period.label},
            "opts": self.model._meta,
            "original": period,
            "departments": departments.items(),
            "blocking": blocking,
            "undecided": len(ratings) - len(blocking),
            "next_month": services.month_name(next_year, next_month),
            "fate": fate,
            "reason": reason,
            "error": error,
            "change_url": self._change_url(period),
        }
        return TemplateResponse(request, "admin/ratings/period/close_confirm.html", context)

    def reopen_view(self, request, object_id):
        period = self._object_or_404(request, object_id)
        if not roles.is_office(request.user):
            raise PermissionDenied
        form = ReasonForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            try:
                services.period_reopen(period=period, by=request.user, reason=form.cleaned_data["reason"])
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, _messages_of(exc), messages.ERROR)
            else:
                self.message_user(request, _("%(period)s 已重新开放。") % {"period": period.label}, messages.SUCCESS)
            return HttpResponseRedirect(self._change_url(period))
        return self._reason_page(
            request, title=_("重新开放 %(period)s") % {"period": period.label},
            intro=_("重新开放后，该月的认定可以再次修改。请说明原因，原因会记入历史记录。"),
            form=form, objects=[period], submit_label=_("重新开放"),
        )


# Ratings ---------------------------------------------------------------------------


class EvidenceInline(admin.TabularInline):
    model = Evidence
    form = EvidenceForm
    extra = 1
    fields = ("file", "shared_with_unit", "uploaded_by", "uploaded_at")
    readonly_fields = ("download", "view", "uploaded_by", "uploaded_at")
    verbose_name = gettext_lazy("佐证材料")
    verbose_name_plural = gettext_lazy("佐证材料")

    def _editable(self, request, obj) -> bool:
        if obj is None:
            return selectors.user_can_rate(request.user)
        return selectors.rating_can_edit(user=request.user, rating=obj)

    def get_fields(self, request, obj=None):
        if self._editable(request, obj):
            return ("file", "shared_with_unit", "view", "uploaded_by", "uploaded_at")
        # Read-only: a link to the protected download, never to MEDIA_URL.
        return ("download", "shared_with_unit", "view", "uploaded_by", "uploaded_at")

    def get_extra(self, request, obj=None, **kwargs) -> int:
        return 1 if self._editable(request, obj) else 0

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # A new class each time: files kept across a form with errors are this session's.
        formset.form.staging_owner = staging.Owner.of(request)
        return formset

    @admin.display(description=gettext_lazy("文件"))
    def download(self, obj: Evidence) -> str:
        if not obj.pk:
            return ""
        return format_html('<a href="{}">{}</a>', reverse("ratings:evidence_download", args=[obj.pk]), str(obj))

    @admin.display(description=gettext_lazy("在线查看"))
    def view(self, obj: Evidence) -> str:
        """查看: a PDF or an image opens in a new tab (the view checks its bytes again)."""
        if not obj.pk or not may_show_inline(obj.file.name):
            return ""
        return format_html(
            '<a href="{}" target="_blank" rel="noopener" class="lb-evidence-view">{}</a>',
            reverse("ratings:evidence_view", args=[obj.pk]), _("查看"),
        )

    def has_add_permission(self, request, obj=None) -> bool:
        return self._editable(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._editable(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._editable(request, obj) and super().has_delete_permission(request, obj)


def approval_text(preview: selectors.ApprovalPreview) -> str:
    """"审核通过后将认定为红灯（连续黄灯升级，上次黄灯：2026-11 区市场监管局）", and what
    else changes with it, for the office before it approves."""
    consequence = preview.consequence
    kind = Kind(consequence.kind).label
    previous = consequence.previous
    if consequence.escalation == rules.ESCALATED_CONSECUTIVE and previous is not None:
        text = _("审核通过后将认定为%(kind)s（%(why)s，上次黄灯：%(month)s %(department)s）") % {
            "kind": kind, "why": Rating.Escalation(consequence.escalation).label,
            "month": f"{previous.year}-{previous.month:02d}", "department": preview.department(previous),
        }
    elif consequence.escalation:
        text = _("审核通过后将认定为%(kind)s（%(why)s）") % {
            "kind": kind, "why": Rating.Escalation(consequence.escalation).label,
        }
    else:
        text = _("审核通过后将认定为%(kind)s") % {"kind": kind}
    for other, new_kind in consequence.others:
        text += "；" + _("%(month)s %(department)s 的认定将随之改为%(kind)s") % {
            "month": f"{other.year}-{other.month:02d}", "department": preview.department(other),
            "kind": Kind(new_kind).label,
        }
    return text


class OpenPeriodField(forms.ModelChoiceField):
    """The open months to rate in. A month closed after the form was opened is named,
    with who closed it and when, rather than refused as an unknown choice."""

    visible_periods = None  # the months the user may see, set by the admin

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:
            pk = pk_from_path(Period, str(value))
            if self.visible_periods is not None and pk is not None:
                period = self.visible_periods.filter(pk=pk).first()
                if period is not None and not period.is_open:
                    raise ValidationError(services.period_closed_message(period), code="period_closed") from None
            raise


SEEN_PREFIX = "lb-seen-"  # the status of each rating when the office chose to return it


def _seen_statuses(request: HttpRequest) -> dict[int, str]:
    seen = {}
    for name, value in request.POST.items():
        pk = pk_from_path(Rating, name[len(SEEN_PREFIX):]) if name.startswith(SEEN_PREFIX) else None
        if pk is not None:
            seen[pk] = value
    return seen


class OutcomeFilter(admin.SimpleListFilter):
    """The result after escalation; escalated red lights can be picked out."""

    title = gettext_lazy("认定结果")
    parameter_name = "outcome"

    def lookups(self, request, model_admin):
        return (
            ("red_flag", gettext_lazy("红旗")),
            ("yellow_light", gettext_lazy("黄灯")),
            ("red_light", gettext_lazy("红灯")),
            ("escalated", gettext_lazy("红灯（由黄灯升级）")),
            ("none", gettext_lazy("未生效（未通过审核）")),
        )

    def queryset(self, request, queryset):
        value = self.value()
        if value in ("red_flag", "yellow_light", "red_light"):
            return queryset.filter(outcome=value)
        if value == "escalated":
            return queryset.exclude(escalation="")
        if value == "none":
            return queryset.filter(outcome="")
        return queryset


@admin.register(Rating)
class RatingAdmin(RatingImportAdminMixin, ChineseExportMixin, RefusalMixin, ScopedHistoryMixin, ObjectNotFoundMixin, SimpleHistoryAdmin):
    form = RatingAdminForm
    inlines = (EvidenceInline,)
    list_display = (
        "month_column", "department", "unit", "kind_column", "outcome_column", "criterion_column",
        "status_column", "serious_impact", "evidence_column", "approval_column",
    )
    list_display_links = ("month_column", "unit")
    list_filter = (
        ("period", admin.RelatedOnlyFieldListFilter),
        ("department", admin.RelatedOnlyFieldListFilter),
        ("unit", admin.RelatedOnlyFieldListFilter),
        "kind",
        OutcomeFilter,
        "status",
    )
    search_fields = ("unit__name", "unit__code", "department__name", "reason")
    autocomplete_fields = ("department", "unit", "criterion")
    list_select_related = ("period", "department", "unit", "criterion", "escalated_after__period")
    list_per_page = 50
    actions = ("submit_selected", "approve_selected", "return_selected")
    change_form_template = "admin/ratings/rating/change_form.html"
    delete_selected_confirmation_template = "admin/ratings/rating/delete_selected_confirmation.html"
    fieldsets = (
        (None, {"fields": ("period", "department", "unit", "kind", "criterion", "serious_impact", "reason")}),
        (gettext_lazy("审核"), {
            "fields": ("status", "return_reason", "created_by", "submitted_at", "reviewed_by", "reviewed_at"),
        }),
        (gettext_lazy("认定结果（升级后）"), {"fields": ("outcome_column",)}),
    )
    # The list exports (django-import-export) in the year-end workbook's column names;
    # the list's own scoping applies, so a rater exports only her department's ratings.
    export_formats = [XLSX, CSV]
    import_export_change_list_template = "admin/import_export/change_list_import_export.html"

    def get_export_resource_classes(self, request):
        return [RatingExportResource]

    REVIEW_FIELDS = ("status", "return_reason", "created_by", "submitted_at", "reviewed_by", "reviewed_at")

    # Who sees what ----------------------------------------------------------------

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related(*self.list_select_related, "escalated_after__department")
        qs = selectors.ratings_visible_to(user=request.user, queryset=qs)
        qs = qs.annotate(month_key=F("period__year") * 100 + F("period__month"))
        evidence = Evidence.objects.filter(rating=OuterRef("pk")).order_by().values("rating")
        qs = qs.annotate(evidence_count=Coalesce(
            Subquery(evidence.annotate(n=Count("pk")).values("n")), Value(0), output_field=IntegerField(),
        ))
        return selectors.ratings_with_escalation_links(user=request.user, queryset=qs)

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) and (
            obj is None or selectors.rating_is_visible(user=request.user, rating=obj)
        )

    def has_add_permission(self, request) -> bool:
        return selectors.user_can_rate(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        if not (selectors.user_can_rate(request.user) and super().has_change_permission(request, obj)):
            return False
        return obj is None or selectors.rating_can_edit(user=request.user, rating=obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if not (selectors.user_can_rate(request.user) and super().has_delete_permission(request, obj)):
            return False
        return obj is None or selectors.rating_can_edit(user=request.user, rating=obj)

    def has_submit_permission(self, request) -> bool:
        return selectors.user_can_rate(request.user)

    def has_review_permission(self, request) -> bool:
        return roles.is_office(request.user)

    def deleted_history_visible(self, request, record) -> bool:
        period = Period.objects.filter(pk=record.period_id).only("jurisdiction_id").first()
        return period is not None and selectors.rating_record_is_visible(
            user=request.user, jurisdiction_id=period.jurisdiction_id, department_id=record.department_id
        )

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if not (roles.is_office(request.user) or roles.is_leader(request.user)):
            filters = [f for f in filters if not (isinstance(f, tuple) and f[0] == "department")]
        if not Jurisdiction.objects.count() > 1 or getattr(request.user, "profile", None) is not None:
            return filters
        return [("period__jurisdiction", admin.RelatedOnlyFieldListFilter)] + filters

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if roles.is_rater(request.user) and not (roles.is_office(request.user) or roles.is_leader(request.user)):
            columns.remove("department")  # always their own
        if not roles.is_office(request.user):
            # The office approves; the previous yellow light may be another department's.
            columns.remove("approval_column")
        return columns

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if roles.is_office(request.user):
            # The rows shown only, in a fixed number of queries however many they are.
            previews = selectors.ratings_approval_preview(ratings=changelist.result_list)
            for rating in changelist.result_list:
                rating.approval_preview = previews.get(rating.pk)
        return changelist

    # The form -------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        return fieldsets[:1] if obj is None else fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = [*self.REVIEW_FIELDS, "outcome_column"]
        if obj is not None:
            readonly.append("period")  # a rating stays in its month
        if not roles.is_office(request.user):
            readonly.append("department")  # a rater rates for its own department only
        return readonly

    def get_autocomplete_fields(self, request):
        if roles.is_office(request.user):
            return self.autocomplete_fields
        return tuple(f for f in self.autocomplete_fields if f != "department")

    class Media:
        # The criterion follows the kind; 造成较大影响 only for a yellow light.
        js = ("admin-extra/rating_form.js",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user
        # No pencil, plus or cross: those edit the organisations and the rule book
        # themselves, which is not what this form is for.
        for name in ("period", "department", "unit", "criterion"):
            field = form.base_fields.get(name)
            if field is not None and isinstance(field.widget, RelatedFieldWidgetWrapper):
                widget = field.widget
                widget.can_add_related = widget.can_change_related = False
                widget.can_delete_related = widget.can_view_related = False
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        user = request.user
        if db_field.name == "period":
            kwargs["queryset"] = selectors.open_periods_for(user=user)
            kwargs["form_class"] = OpenPeriodField
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.visible_periods = selectors.periods_visible_to(user=user)
            return field
        elif db_field.name == "department":
            kwargs["queryset"] = selectors.organisations_for(user=user).filter(is_department=True)
        elif db_field.name == "unit":
            kwargs["queryset"] = selectors.organisations_for(user=user).filter(is_unit=True)
        elif db_field.name == "criterion":
            kwargs["queryset"] = selectors.criteria_for(user=user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if "period" not in initial:
            latest = selectors.open_periods_for(user=request.user).first()
            if latest is not None:
                initial["period"] = latest.pk
        return initial

    # Writes go through the services -------------------------------------------------

    # The rating, then its evidence, then (if asked) the submission: each through a
    # service that locks the month and checks it is still open, all in the admin's one
    # transaction, so that a month closed meanwhile leaves nothing half saved.

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if not change:
                rating = services.rating_record(
                    period=data["period"], department=obj.department, unit=data["unit"], kind=data["kind"],
                    reason=data["reason"], criterion=data.get("criterion"),
                    serious_impact=data.get("serious_impact", False), by=request.user,
                )
                obj.pk = rating.pk
                obj.status = rating.status
                obj._state.adding = False
                return
            changes = {name: data[name] for name in form.changed_data if name in services.EDITABLE_FIELDS}
            if changes:
                services.rating_update(rating=obj, by=request.user, **changes)
        except (ValidationError, PermissionDenied) as exc:
            raise ServiceRefused(_messages_of(exc)) from exc

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "_submit" in request.POST:
            try:
                services.rating_submit(rating=form.instance, by=request.user)
            except (ValidationError, PermissionDenied) as exc:
                raise ServiceRefused(_messages_of(exc)) from exc

    def save_formset(self, request, form, formset, change):
        if formset.model is not Evidence:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        new_files = [f.instance for f in formset.forms if "file" in f.changed_data]
        staged = [f.staged_token for f in formset.forms if f.staged_token]
        try:
            for evidence in formset.deleted_objects:
                services.evidence_remove(evidence=evidence, by=request.user)
            for evidence in instances:
                name = ""
                if any(evidence is other for other in new_files):
                    name = os.path.basename(getattr(evidence.file, "name", "") or "")
                services.evidence_attach(rating=form.instance, evidence=evidence, by=request.user, original_name=name)
        except (ValidationError, PermissionDenied) as exc:
            raise ServiceRefused(_messages_of(exc)) from exc
        owner = staging.Owner.of(request)
        for token in staged:
            # Attached (under a new random name, already in storage): the kept copy goes.
            staging.discard(token, owner=owner)
        return None

    def delete_model(self, request, obj):
        try:
            services.rating_delete(rating=obj, by=request.user)
        except (ValidationError, PermissionDenied) as exc:
            raise ServiceRefused(_messages_of(exc)) from exc

    def delete_queryset(self, request, queryset):
        problems = []
        for rating in queryset:
            try:
                services.rating_delete(rating=rating, by=request.user)
            except (ValidationError, PermissionDenied) as exc:
                problems.append(f"{rating}：{_messages_of(exc)}")
        if problems:
            self._report(request, 0, problems, "")

    def get_deleted_objects(self, objs, request):
        """Refuse the whole bulk delete, naming the ratings, when any of them may not
        be deleted (submitted or approved for a rater, or in a closed month)."""
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        refused = {
            f"{rating}（{rating.get_status_display()}）"
            for rating in objs
            if not selectors.rating_can_edit(user=request.user, rating=rating)
        }
        return deleted, model_count, set(perms_needed) | refused, protected

    def _refused_page(self, request, obj: Rating, object_id: str, extra_context=None) -> HttpResponse:
        """A form sent after the rating or its month changed (opened before the month was
        closed, or before the rating was submitted or reviewed): nothing is saved, and the
        page shows the rating as it is now, with why (403)."""
        self.message_user(
            request, _("您的修改没有保存：%(why)s") % {"why": self._refusal_for(request, obj)}, messages.ERROR
        )
        request.method = "GET"
        response = self.changeform_view(request, object_id, extra_context=extra_context)
        response.status_code = 403
        return response

    def _refusal_for(self, request, obj: Rating) -> str:
        if not obj.period.is_open:
            return services.period_closed_message(obj.period)
        if selectors.user_can_rate(request.user):
            refusal = services.rating_change_refusal(rating=obj, by=request.user)
            if refusal:
                return refusal
        return selectors.rating_problem_for_user(user=request.user, rating=obj) or _("您只能查看该认定")

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        if (
            obj is not None and request.method == "POST"
            and self.has_view_permission(request, obj) and not self.has_change_permission(request, obj)
        ):
            return self._refused_page(request, obj, object_id, extra_context)
        if obj is not None:
            extra_context = {**(extra_context or {}), **self._rating_context(request, obj)}
        elif object_id is None:
            extra_context = {**(extra_context or {}), "show_submit": selectors.user_can_rate(request.user)}
            jurisdiction = roles.user_jurisdiction(request.user)
            if jurisdiction is not None and selectors.user_can_rate(request.user):
                # The calendar month is open for rating without anyone having to open it.
                today = services.today()
                services.period_get_or_open(
                    jurisdiction=jurisdiction, year=today.year, month=today.month, today=today
                )
            if request.method == "GET" and not selectors.open_periods_for(user=request.user).exists():
                self.message_user(request, _("目前没有开放的月份，暂时不能填报；请联系效能办开放月份。"), messages.WARNING)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if (
            obj is not None and request.method == "POST"
            and self.has_view_permission(request, obj) and not self.has_delete_permission(request, obj)
        ):
            return self._refused_page(request, obj, object_id)
        try:
            return super().delete_view(request, object_id, extra_context)
        except ServiceRefused as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(self._change_url(self._object_or_404(request, object_id)))

    def _rating_context(self, request, rating: Rating) -> dict:
        user = request.user
        can_approve = (
            selectors.rating_can_review(user=user, rating=rating) and rating.status == Rating.Status.SUBMITTED
        )
        return {
            "rating": rating,
            "refusal": selectors.rating_problem_for_user(user=user, rating=rating),
            "show_submit": selectors.rating_can_submit(user=user, rating=rating),
            "can_submit": selectors.rating_can_submit(user=user, rating=rating),
            "can_approve": can_approve,
            "can_return": selectors.rating_can_review(user=user, rating=rating),
            "approval_text": approval_text(selectors.ratings_approval_preview(ratings=[rating])[rating.pk])
            if can_approve else "",
        }

    # The list -------------------------------------------------------------------

    @admin.display(description=gettext_lazy("月份"), ordering="month_key")
    def month_column(self, obj: Rating) -> str:
        return obj.period.label

    @admin.display(description=gettext_lazy("类型（填报）"), ordering="kind")
    def kind_column(self, obj: Rating) -> str:
        return format_html('<span class="lb-kind lb-{}">{}</span>', obj.kind, obj.get_kind_display())

    @admin.display(description=gettext_lazy("认定结果"), ordering="outcome")
    def outcome_column(self, obj: Rating) -> str:
        if not obj.outcome:
            return format_html(
                '<span class="lb-muted" title="{}">{}</span>', _("只有审核通过的认定才计入"), _("未生效")
            )
        label = obj.get_outcome_display()
        if obj.escalation:
            label = _("%(kind)s（%(why)s）") % {"kind": label, "why": obj.get_escalation_display()}
        badge = format_html('<span class="lb-kind lb-{}">{}</span>', obj.outcome, label)
        chain = self._chain_html(obj)
        return format_html('{}<div class="lb-chain">{}</div>', badge, chain) if chain else badge

    def _chain_html(self, obj: Rating) -> str:
        """Both ends of an escalation: the earlier yellow light a red light completed
        (←), or the red light a yellow light became part of (→). A link when the user
        may open it; it can belong to another department, then only its month."""
        source = obj.escalated_after if obj.escalated_after_id else None
        if source is not None:
            if not getattr(obj, "source_visible", False):
                return "← " + _("%(period)s 黄灯（其他部门认定）") % {"period": source.period.label}
            text = _("%(period)s 黄灯：%(department)s") % {
                "period": source.period.label, "department": source.department.name,
            }
            return format_html('← <a href="{}">{}</a>', self._change_url(source), text)
        successor_id = getattr(obj, "successor_id", None)
        if successor_id is None:
            return ""
        label = f"{obj.successor_year}-{obj.successor_month:02d}"
        text = _("与 %(period)s 黄灯连续，升级为红灯") % {"period": label}
        if not getattr(obj, "successor_visible", False):
            return "→ " + text
        url = reverse("admin:ratings_rating_change", args=[successor_id])
        return format_html('→ <a href="{}">{}</a>', url, text)

    @admin.display(description=gettext_lazy("佐证材料"), ordering="evidence_count")
    def evidence_column(self, obj: Rating) -> str:
        count = getattr(obj, "evidence_count", 0)
        if not count:
            return format_html('<span class="lb-muted">{}</span>', _("无"))
        return ngettext("%(count)d 份", "%(count)d 份", count) % {"count": count}

    @admin.display(description=gettext_lazy("审核通过后"))
    def approval_column(self, obj: Rating) -> str:
        preview = getattr(obj, "approval_preview", None)
        if preview is None:
            return ""
        return format_html(
            '<span class="lb-approval lb-approval-{}">{}</span>', preview.consequence.kind, approval_text(preview)
        )

    @admin.display(description=gettext_lazy("认定条目"), ordering="criterion__code")
    def criterion_column(self, obj: Rating) -> str:
        if obj.criterion is None:
            return "—"
        return format_html('<span title="{}">{}</span>', obj.criterion.text, obj.criterion.code)

    @admin.display(description=gettext_lazy("状态"), ordering="status")
    def status_column(self, obj: Rating) -> str:
        if obj.status == Rating.Status.RETURNED and obj.return_reason:
            return format_html(
                '<span class="lb-status lb-returned">{}</span><div class="lb-return-reason">{}</div>',
                obj.get_status_display(), Truncator(obj.return_reason).chars(60),
            )
        return format_html('<span class="lb-status lb-{}">{}</span>', obj.status, obj.get_status_display())

    # Actions --------------------------------------------------------------------

    def _deleted(self, request, ids: Iterable[int]) -> list[str]:
        """Who deleted these ratings and when, for those whose history the user may read
        (to anyone else a rating that is not there never was)."""
        records = Rating.history.filter(id__in=list(ids), history_type="-").select_related("history_user")
        return [
            f"#{record.id}：{services.rating_deleted_message(record)}"
            for record in records.order_by("id")
            if self.deleted_history_visible(request, record)
        ]

    def _vanished(self, request, queryset) -> list[str]:
        """Ratings selected on the list that were deleted before the action ran."""
        selected = {pk_from_path(Rating, text) for text in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)} - {None}
        missing = selected - set(queryset.values_list("pk", flat=True))
        return self._deleted(request, missing) if missing else []

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # A page opened before a colleague deleted the rating: say so, back to the list.
        pk = pk_from_path(Rating, unquote(str(object_id)))
        deleted = self._deleted(request, [pk]) if pk is not None else []
        if not deleted:
            return super()._get_obj_does_not_exist_redirect(request, opts, object_id)
        self.message_user(request, deleted[0], messages.WARNING)
        return HttpResponseRedirect(reverse("admin:ratings_rating_changelist"))

    def _object_or_404(self, request: HttpRequest, object_id: str):
        pk = pk_from_path(Rating, unquote(str(object_id)))
        if pk is not None and not self.get_queryset(request).filter(pk=pk).exists():
            deleted = self._deleted(request, [pk])
            if deleted:
                raise ServiceRefused(deleted[0])
        return super()._object_or_404(request, object_id)

    @admin.action(description=gettext_lazy("提交审核"), permissions=("submit",))
    def submit_selected(self, request, queryset):
        done, problems = 0, []
        with transaction.atomic():  # refusals are reported, anything else undoes the batch
            for rating in queryset:
                try:
                    services.rating_submit(rating=rating, by=request.user)
                    done += 1
                except (ValidationError, PermissionDenied) as exc:
                    problems.append(f"{rating}：{_messages_of(exc)}")
        self._report(request, done, problems + self._vanished(request, queryset),
                     _("已提交 %(count)d 条认定，等待效能办审核。"))

    @admin.action(description=gettext_lazy("审核通过"), permissions=("review",))
    def approve_selected(self, request, queryset):
        done, problems = services.ratings_approve_many(ratings=queryset, by=request.user)
        self._report(request, done, problems + self._vanished(request, queryset), _("已审核通过 %(count)d 条认定。"))

    @admin.action(description=gettext_lazy("退回（需填写原因）"), permissions=("review",))
    def return_selected(self, request, queryset):
        ratings = list(queryset)
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done, problems = services.ratings_return_many(
                ratings=ratings, by=request.user, reason=form.cleaned_data["reason"], seen=_seen_statuses(request),
            )
            self._report(request, done, problems + self._vanished(request, queryset), _("已退回 %(count)d 条认定。"))
            return None
        return self._reason_page(
            request, title=_("退回认定"), intro=_("退回的认定回到职能管理部门修改后重新提交。请写明退回原因，填报人会看到。"),
            form=form, objects=ratings, action="return_selected", submit_label=_("退回"),
            hidden=self._seen_fields(request, ratings),
        )

    @staticmethod
    def _seen_fields(request, ratings: list[Rating]) -> list[tuple[str, str]]:
        # The statuses the office sees now; a form sent back again keeps those it first saw.
        seen = _seen_statuses(request)
        return [(f"{SEEN_PREFIX}{r.pk}", seen.get(r.pk, r.status)) for r in ratings]

    # One rating at a time, from its page ----------------------------------------------

    def get_urls(self):
        urls = super().get_urls()
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/submit/", view(self.submit_view), name="ratings_rating_submit"),
            path("<path:object_id>/approve/", view(self.approve_view), name="ratings_rating_approve"),
            path("<path:object_id>/return/", view(self.return_view), name="ratings_rating_return"),
        ] + urls

    def _one(self, request, object_id: str, service, success: str) -> HttpResponse:
        try:
            rating = self._object_or_404(request, object_id)
        except ServiceRefused as exc:  # deleted meanwhile
            self.message_user(request, str(exc), messages.WARNING)
            return HttpResponseRedirect(reverse("admin:ratings_rating_changelist"))
        if request.method != "POST":
            return HttpResponseRedirect(self._change_url(rating))
        try:
            service(rating=rating, by=request.user)
        except (ValidationError, PermissionDenied) as exc:
            self.message_user(request, _messages_of(exc), messages.ERROR)
        else:
            self.message_user(request, success, messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(rating))

    def submit_view(self, request, object_id):
        return self._one(request, object_id, services.rating_submit, _("已提交，等待效能办审核。"))

    def approve_view(self, request, object_id):
        return self._one(request, object_id, services.rating_approve, _("已审核通过。"))

    def return_view(self, request, object_id):
        try:
            rating = self._object_or_404(request, object_id)
        except ServiceRefused as exc:  # deleted meanwhile
            self.message_user(request, str(exc), messages.WARNING)
            return HttpResponseRedirect(reverse("admin:ratings_rating_changelist"))
        if not roles.is_office(request.user):
            raise PermissionDenied
        form = ReasonForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            try:
                services.rating_return(
                    rating=rating, by=request.user, reason=form.cleaned_data["reason"],
                    seen_status=_seen_statuses(request).get(rating.pk),
                )
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, _messages_of(exc), messages.ERROR)
            else:
                self.message_user(request, _("已退回。"), messages.SUCCESS)
            return HttpResponseRedirect(self._change_url(rating))
        return self._reason_page(
            request, title=_("退回认定"), intro=_("退回的认定回到职能管理部门修改后重新提交。请写明退回原因，填报人会看到。"),
            form=form, objects=[rating], submit_label=_("退回"), hidden=self._seen_fields(request, [rating]),
        )
