"""Review requests in the admin: the office reads and decides them; the rating
department reads its own and adds a statement; leaders read. Nobody adds, edits or
deletes a request here: units file on their desk (reviews.views), the rest goes
through reviews.services."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from departments import roles
from departments.admin import ObjectNotFoundMixin, ScopedHistoryMixin
from ratings import services as rating_services
from reviews import forms, rules, selectors, services
from reviews.models import ReviewRequest


def _refusal(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc) or _("没有权限")


@admin.register(ReviewRequest)
class ReviewRequestAdmin(ScopedHistoryMixin, ObjectNotFoundMixin, SimpleHistoryAdmin):
    list_display = ("filed_column", "unit", "month_column", "kind_column", "department", "status_column",
                    "deadline")
    list_display_links = ("filed_column",)
    list_filter = ("status", ("department", admin.RelatedOnlyFieldListFilter))  # never another jurisdiction's
    search_fields = ("unit__name", "unit__code", "department__name", "reason")
    list_select_related = ("unit", "department", "rating__period")
    change_list_template = "reviews/admin/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return selectors.requests_visible_to(user=request.user, queryset=super().get_queryset(request))

    def has_add_permission(self, request, *args) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        # The history's version page shows a record as text, never a choice of every unit.
        return [field.name for field in self.model._meta.fields if not field.primary_key]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # statements and decisions have their own forms below

    @admin.display(description=gettext_lazy("申请时间"), ordering="filed_at")
    def filed_column(self, obj: ReviewRequest):
        from django.utils import timezone
        from django.utils.formats import date_format

        return date_format(timezone.localtime(obj.filed_at), "DATETIME_FORMAT")

    @admin.display(description=gettext_lazy("月份"), ordering="rating__period__year")
    def month_column(self, obj: ReviewRequest) -> str:
        return obj.rating.period.label

    @admin.display(description=gettext_lazy("认定结果"))
    def kind_column(self, obj: ReviewRequest) -> str:
        return obj.get_outcome_at_filing_display()

    @admin.display(description=gettext_lazy("状态"), ordering="status")
    def status_column(self, obj: ReviewRequest) -> str:
        if obj.status == ReviewRequest.Status.CHANGED:
            return f"{obj.get_status_display()}（{obj.get_change_display()}）"
        return obj.get_status_display()

    def changelist_view(self, request, extra_context=None):
        jurisdiction = roles.user_jurisdiction(request.user)
        context = {**(extra_context or {})}
        if jurisdiction is not None and (roles.is_office(request.user) or roles.is_leader(request.user)):
            context["department_counts"] = selectors.counts_by_department(jurisdiction_id=jurisdiction.pk)
            context["corrections"] = [
                (period, self._publish_url(period)) for period in
                selectors.months_needing_correction(jurisdiction_id=jurisdiction.pk)
            ] if roles.is_office(request.user) else []
        return super().changelist_view(request, context)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:request_id>/statement/", view(self.statement_view), name="reviews_reviewrequest_statement"),
            path("<int:request_id>/decide/", view(self.decide_view), name="reviews_reviewrequest_decide"),
        ] + super().get_urls()

    def _get(self, request: HttpRequest, request_id: int) -> ReviewRequest:
        obj = self.get_queryset(request).select_related(
            "rating__period", "rating__criterion", "unit", "department", "filed_by", "statement_by", "decided_by",
        ).filter(pk=request_id).first()
        if obj is None:
            raise Http404(_("没有找到该复核申请"))
        return obj

    def _publish_url(self, period) -> str:
        note = services.correction_note(period=period)
        url = reverse("admin:boards_boardmonth_publish", args=[period.pk])
        return f"{url}?{urlencode({'note': note})}" if note else url

    def _may_state(self, request: HttpRequest, obj: ReviewRequest) -> bool:
        department = roles.user_department(request.user)
        return obj.is_pending and roles.is_rater(request.user) and department is not None and department.pk == obj.department_id

    def _may_decide(self, request: HttpRequest, obj: ReviewRequest) -> bool:
        jurisdiction = roles.user_jurisdiction(request.user)
        return obj.is_pending and rules.may_decide(
            is_office=roles.is_office(request.user),
            same_jurisdiction=request.user.is_superuser or (jurisdiction is not None and jurisdiction.pk == obj.jurisdiction_id),
        )

    def _changes(self, obj: ReviewRequest) -> list[tuple[str, str, list[str]]]:
        """The changes a decision may make, each with what it would move through escalation."""
        rating = obj.rating
        labels = dict(ReviewRequest.Change.choices)
        out = []
        for change in rules.changes_allowed(kind=rating.kind, serious_impact=rating.serious_impact):
            ripple = rules.ripple(
                lights=services._unit_lights(rating.unit_id), rating_id=rating.pk, change=change,
                rules_for=rating_services.rules_for_jurisdiction(obj.jurisdiction_id),
            ) if rating.status == rating.Status.APPROVED else []
            lines = [
                _("%(month)s：%(before)s → %(after)s") % {
                    "month": services.month_name(r.year, r.month), "before": services.kind_label(r.before),
                    "after": services.kind_label(r.after) or _("不计"),
                }
                for r in ripple
            ]
            out.append((change, str(labels[change]), lines))
        return out

    def change_view(self, request, object_id, form_url="", extra_context=None):
        try:
            request_id = int(object_id)
        except (TypeError, ValueError):
            raise Http404(_("没有找到该复核申请")) from None
        obj = self._get(request, request_id)
        return self._page(request, obj)

    def _page(self, request: HttpRequest, obj: ReviewRequest, *, statement_form=None, decision_form=None) -> HttpResponse:
        changes = self._changes(obj) if self._may_decide(request, obj) else []
        if decision_form is None and changes:
            decision_form = forms.DecisionForm(changes=[(c, label) for c, label, _lines in changes])
        if statement_form is None and self._may_state(request, obj):
            statement_form = forms.StatementForm(initial={"statement": obj.statement})
        corrections = []
        if obj.status == ReviewRequest.Status.CHANGED and roles.is_office(request.user):
            needing = {p.pk for p in selectors.months_needing_correction(jurisdiction_id=obj.jurisdiction_id)}
            touched = {(m["year"], m["month"]) for m in obj.ripple}
            from ratings.models import Period

            for period in Period.objects.filter(pk__in=needing).order_by("year", "month"):
                if (period.year, period.month) in touched:
                    corrections.append((period, self._publish_url(period)))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": str(obj),
            "obj": obj,
            "rating": obj.rating,
            "changes": changes,
            "statement_form": statement_form,
            "decision_form": decision_form,
            "corrections": corrections,
            "ripple_lines": services.ripple_lines(obj),
            "history_url": reverse("admin:reviews_reviewrequest_history", args=[obj.pk]),
            "rating_url": reverse("admin:ratings_rating_change", args=[obj.rating_id]),
            "attachments": [
                (a, reverse("reviews:attachment", args=[a.pk])) for a in obj.attachments.all()
            ],
        }
        return TemplateResponse(request, "reviews/admin/request.html", context)

    def statement_view(self, request: HttpRequest, request_id: int) -> HttpResponse:
        obj = self._get(request, request_id)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:reviews_reviewrequest_change", args=[obj.pk]))
        if not self._may_state(request, obj):
            raise PermissionDenied
        form = forms.StatementForm(request.POST)
        if form.is_valid():
            try:
                services.review_statement(request=obj, by=request.user, text=form.cleaned_data["statement"])
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, _refusal(exc))
            else:
                self.message_user(request, _("部门说明已保存"), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:reviews_reviewrequest_change", args=[obj.pk]))
        return self._page(request, obj, statement_form=form)

    def decide_view(self, request: HttpRequest, request_id: int) -> HttpResponse:
        obj = self._get(request, request_id)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:reviews_reviewrequest_change", args=[obj.pk]))
        if not roles.is_office(request.user):
            raise PermissionDenied
        if not obj.is_pending:
            self.message_user(request, _refusal(ValidationError(_("这份复核申请已经作出决定"))), messages.WARNING)
            return HttpResponseRedirect(reverse("admin:reviews_reviewrequest_change", args=[obj.pk]))
        changes = self._changes(obj)
        form = forms.DecisionForm(request.POST, changes=[(c, label) for c, label, _lines in changes])
        if form.is_valid():
            decision = form.cleaned_data["decision"]
            try:
                services.review_decide(
                    request=obj, by=request.user, upheld=decision == forms.UPHOLD,
                    change="" if decision == forms.UPHOLD else decision, reason=form.cleaned_data["reason"],
                )
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, _refusal(exc))
            else:
                self.message_user(request, _("复核决定已作出，已通知被考核单位和作出认定的部门"), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:reviews_reviewrequest_change", args=[obj.pk]))
        return self._page(request, obj, decision_form=form)

