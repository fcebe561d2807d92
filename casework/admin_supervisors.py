"""Social supervisors (社会监督员) in the admin: the roster grouped by the departments they
watch, their tasks and commendations inline, a dismissal recorded with its reason (never
a deletion), and how many items each has reported."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from casework import services
from casework.models import Commendation, Supervisor, SupervisorTask
from departments import roles
from departments.admin import ObjectNotFoundMixin, ScopedHistoryMixin, scope_to_jurisdiction
from departments.models import Organisation


class TaskInline(admin.TabularInline):
    model = SupervisorTask
    extra = 0
    fields = ("title", "detail", "assigned_on", "due_on", "done_on", "result")


class CommendationInline(admin.TabularInline):
    model = Commendation
    extra = 0
    fields = ("decided_on", "reason")


@admin.register(Supervisor)
class SupervisorAdmin(ScopedHistoryMixin, ObjectNotFoundMixin, SimpleHistoryAdmin):
    list_display = ("name", "affiliation", "departments_column", "appointed_on", "state", "reports_column")
    list_filter = ("state", ("departments", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "affiliation")
    fields = ("name", "phone", "affiliation", "departments", "appointed_on", "state", "dismissed_on", "dismissal_reason",
              "report_link")
    readonly_fields = ("report_link",)
    actions = ["make_report_links"]
    filter_horizontal = ("departments",)
    inlines = [TaskInline, CommendationInline]
    change_list_template = "casework/admin/supervisor_change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (scope_to_jurisdiction(super().get_queryset(request), request.user)
                .annotate(report_count=Count("reports", distinct=True)).prefetch_related("departments"))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "departments":
            kwargs["queryset"] = scope_to_jurisdiction(
                Organisation.objects.filter(is_department=True, is_active=True), request.user).order_by("code")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # 解聘 is recorded, with its date and reason

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.jurisdiction = roles.user_jurisdiction(request.user)
        super().save_model(request, obj, form, change)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        jurisdiction = roles.user_jurisdiction(request.user)

        class WithJurisdiction(form):
            def _post_clean(self) -> None:
                # The model's clean() checks dismissal dates; it needs to know whose it is.
                if self.instance.jurisdiction_id is None and jurisdiction is not None:
                    self.instance.jurisdiction = jurisdiction
                super()._post_clean()

        return WithJurisdiction

    @admin.display(description=gettext_lazy("专用举报链接"))
    def report_link(self, obj: Supervisor) -> str:
        if obj is None or not obj.pk or not obj.report_token or obj.state != Supervisor.State.ACTIVE:
            return _("没有（在列表中勾选监督员，用动作“生成专用举报链接（原链接失效）”生成）")
        url = settings.LIANGBANG_SITE_URL.rstrip("/") + reverse("casework:supervisor_report", args=[obj.report_token])
        # In a read-only box, to select and copy as a whole.
        return format_html('<input type="text" class="vTextField" readonly value="{}" aria-label="{}">', url,
                           _("专用举报链接"))

    @admin.action(description=gettext_lazy("生成专用举报链接（原链接失效）"))
    def make_report_links(self, request: HttpRequest, queryset: QuerySet) -> None:
        made, skipped = 0, 0
        for supervisor in queryset:
            try:
                services.supervisor_link_make(supervisor=supervisor)
            except ValidationError:
                skipped += 1
            else:
                made += 1
        self.message_user(request, _("已为 %(made)d 名监督员生成专用举报链接，原链接已失效；已解聘的 %(skipped)d 名不生成。请在监督员页面查看链接并转交本人。") % {
            "made": made, "skipped": skipped}, messages.SUCCESS)

    @admin.display(description=gettext_lazy("监督的部门"))
    def departments_column(self, obj: Supervisor) -> str:
        return "、".join(d.name for d in obj.departments.all()) or "—"

    @admin.display(description=gettext_lazy("反映问题"), ordering="report_count")
    def reports_column(self, obj: Supervisor) -> int:
        return obj.report_count

    def get_urls(self):
        return [path("roster/", self.admin_site.admin_view(self.roster_view), name="casework_supervisor_roster")] \
            + super().get_urls()

    def roster_view(self, request: HttpRequest) -> HttpResponse:
        """花名册: the supervisors in office, by the department they watch (one may watch
        several, and is listed under each); those watching none at the end."""
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        supervisors = list(self.get_queryset(request).filter(state=Supervisor.State.ACTIVE).order_by("name"))
        groups: dict[Organisation | None, list[Supervisor]] = defaultdict(list)
        for supervisor in supervisors:
            watched = list(supervisor.departments.all())
            for department in watched or [None]:
                groups[department].append(supervisor)
        ordered = sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0].code if kv[0] else ""))
        return TemplateResponse(request, "casework/admin/supervisor_roster.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": _("社会监督员花名册"),
            "groups": ordered, "count": len(supervisors),
        })
