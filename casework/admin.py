"""Casework in the admin: the office enters items, triages them, answers them and issues
and follows the forms. Every write goes through ``casework.services``; the admin's own
add and change forms are replaced by pages that call them, and nothing is deleted."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from casework import rules, selectors, services
from casework.forms import MultipleFileField
from casework.models import (
    FORM_LABELS, Accountability, AssignmentForm, CaseworkSettings, CaseworkYear, Channel, Deduction, Followup, FormEvent,
    Reply, Report, Supervisor,
)
from config.ids import value_from_path
from departments import roles
from departments.admin import ObjectNotFoundMixin, ScopedHistoryMixin, scope_to_jurisdiction
from departments.models import Organisation


def _refusal(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return exc.messages
    return [str(exc) or _("没有权限")]


def _units(user) -> QuerySet[Organisation]:
    return scope_to_jurisdiction(Organisation.objects.filter(is_unit=True, is_active=True), user).order_by("code")


def _pk(model, object_id) -> int | None:
    return value_from_path(model._meta.pk, object_id, model=model)


# Items (来件) ---------------------------------------------------------------------------------


class ReportEntryForm(forms.Form):
    """The office's entry of a visit, call, letter, leader's instruction, firm's complaint,
    window case, 12345 transfer or supervisor's report."""

    channel = forms.ChoiceField(label=gettext_lazy("来源渠道"),
                                choices=[(c, Channel(c).label) for c in rules.OFFICE_CHANNELS])
    received_at = forms.DateTimeField(label=gettext_lazy("收到时间"), required=False,
                                      help_text=gettext_lazy("不填为现在；格式如 2026-03-05 09:30"))
    external_ref = forms.CharField(label=gettext_lazy("外部编号"), max_length=64, required=False,
                                   help_text=gettext_lazy("如12345工单编号、来信编号；同一渠道的编号不能重复"))
    title = forms.CharField(label=gettext_lazy("标题"), max_length=100)
    description = forms.CharField(label=gettext_lazy("反映内容"), max_length=rules.TEXT_MAX_LENGTH,
                                  widget=forms.Textarea(attrs={"rows": 6}))
    location = forms.CharField(label=gettext_lazy("发生地点"), max_length=200, required=False)
    unit = forms.ModelChoiceField(label=gettext_lazy("反映的单位"), queryset=Organisation.objects.none(), required=False)
    reporter_name = forms.CharField(label=gettext_lazy("反映人姓名"), max_length=50, required=False)
    reporter_phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=30, required=False)
    reporter_email = forms.EmailField(label=gettext_lazy("电子邮箱"), required=False)
    supervisor = forms.ModelChoiceField(label=gettext_lazy("社会监督员"), queryset=Supervisor.objects.none(),
                                        required=False, help_text=gettext_lazy("来源渠道为“社会监督员”时必选"))
    files = MultipleFileField(label=gettext_lazy("附件"), required=False)

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(user)
        self.fields["supervisor"].queryset = scope_to_jurisdiction(
            Supervisor.objects.filter(state=Supervisor.State.ACTIVE), user).order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("channel") == rules.SUPERVISOR and not data.get("supervisor"):
            self.add_error("supervisor", _("请选择反映问题的社会监督员"))
        if data.get("channel") != rules.SUPERVISOR:
            data["supervisor"] = None
        return data


class ReplyForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("答复内容"), max_length=rules.REASON_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 4}))


@admin.register(Report)
class ReportAdmin(ScopedHistoryMixin, ObjectNotFoundMixin, SimpleHistoryAdmin):
    list_display = ("code_column", "received_at", "channel", "title", "unit", "state", "form_column")
    list_display_links = ("code_column",)
    list_filter = ("state", "channel", ("unit", admin.RelatedOnlyFieldListFilter),
                   ("supervisor", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "title", "description", "external_ref", "location")
    list_select_related = ("unit", "form")
    date_hierarchy = "received_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_to_jurisdiction(super().get_queryset(request), request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the original is kept, whatever the triage

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if not f.primary_key]

    @admin.display(description=gettext_lazy("查询码"), ordering="code")
    def code_column(self, obj: Report) -> str:
        return obj.code_display

    @admin.display(description=gettext_lazy("交办单"))
    def form_column(self, obj: Report) -> str:
        return obj.form.number if obj.form else "—"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<path:object_id>/triage/", view(self.triage_view), name="casework_report_triage")] + super().get_urls()

    def _get(self, request: HttpRequest, object_id) -> Report:
        if not self.has_view_permission(request):
            raise PermissionDenied
        pk = _pk(Report, object_id)
        found = self.get_queryset(request).filter(pk=pk).select_related("unit", "form", "merged_into").first() if pk else None
        if found is None:
            raise Http404(_("没有找到该来件"))
        return found

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        jurisdiction = roles.user_jurisdiction(request.user)
        form = ReportEntryForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid() and jurisdiction is not None:
            data = form.cleaned_data
            try:
                report = services.report_submit(
                    jurisdiction=jurisdiction, channel=data["channel"], title=data["title"],
                    description=data["description"], location=data["location"], unit=data["unit"],
                    reporter_name=data["reporter_name"], reporter_phone=data["reporter_phone"],
                    reporter_email=data["reporter_email"], files=request.FILES.getlist("files"), by=request.user,
                    external_ref=data["external_ref"], received_at=data["received_at"], supervisor=data["supervisor"],
                )
            except (ValidationError, PermissionDenied) as exc:
                if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, _refusal(exc))
            else:
                self.message_user(request, _("来件已录入，查询码 %(code)s") % {"code": report.code_display}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:casework_report_change", args=[report.pk]))
        return TemplateResponse(request, "casework/admin/report_add.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": _("录入来件"), "form": form,
        })

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self._page(request, self._get(request, object_id))

    def _page(self, request: HttpRequest, obj: Report, *, errors=(), reply_form=None) -> HttpResponse:
        may = services.is_office_of(request.user, obj.jurisdiction_id) and self.has_change_permission(request, obj)
        return TemplateResponse(request, "casework/admin/report.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": str(obj), "obj": obj,
            "files": [(f, reverse("casework:report_file", args=[f.pk])) for f in obj.files.all()],
            "replies": list(obj.replies.select_related("written_by")),
            "merged": list(obj.merged.all()),
            "may_triage": may and obj.state == Report.State.NEW,
            "may_restore": may and obj.state == Report.State.REJECTED,
            "may_reply": may,
            "reply_form": reply_form or ReplyForm(),
            "errors": errors,
            "issue_url": reverse("admin:casework_assignmentform_add") + f"?report={obj.pk}",
            "history_url": reverse("admin:casework_report_history", args=[obj.pk]),
            "track_url": reverse("casework:track_code", args=[obj.code]),
        })

    def triage_view(self, request: HttpRequest, object_id) -> HttpResponse:
        obj = self._get(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:casework_report_change", args=[obj.pk]))
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        action = request.POST.get("action", "")
        text = request.POST.get("text", "")
        reply_form = None
        try:
            if action == "reject":
                services.report_reject(report=obj, by=request.user, reason=text)
                done = _("已不予受理，理由会显示在查询页")
            elif action == "restore":
                services.report_restore(report=obj, by=request.user)
                done = _("已恢复为待处理")
            elif action == "merge":
                code = rules.tracking_code_clean(request.POST.get("target", ""))
                target = self.get_queryset(request).filter(code=code).first() if code else None
                if target is None:
                    raise ValidationError(_("没有找到查询码为“%(code)s”的来件") % {"code": request.POST.get("target", "")})
                services.report_merge(report=obj, into=target, by=request.user)
                done = _("已合并到 %(code)s") % {"code": target.code_display}
            elif action == "answer":
                services.report_answer(report=obj, by=request.user, text=text)
                done = _("已答复办结，答复已公开")
            elif action in ("reply", "reply_publish"):
                reply_form = ReplyForm(request.POST)
                services.reply_write(report=obj, by=request.user, text=text, publish=action == "reply_publish")
                done = _("答复已公开") if action == "reply_publish" else _("答复已保存为草稿，公开前反映人看不到")
            elif action == "publish":
                reply = obj.replies.filter(pk=_pk(Reply, request.POST.get("reply", "")) or 0).first()
                if reply is None:
                    raise Http404
                services.reply_publish(reply=reply, by=request.user)
                done = _("答复已公开")
            else:
                raise ValidationError(_("没有这个操作"))
        except (ValidationError, PermissionDenied) as exc:
            return self._page(request, self._get(request, object_id), errors=_refusal(exc), reply_form=reply_form)
        self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:casework_report_change", args=[obj.pk]))


# Forms (问题交办单) ----------------------------------------------------------------------------


class IssueForm(forms.Form):
    lead_unit = forms.ModelChoiceField(label=gettext_lazy("承办单位"), queryset=Organisation.objects.none())
    co_units = forms.ModelMultipleChoiceField(label=gettext_lazy("协办单位"), queryset=Organisation.objects.none(),
                                              required=False, widget=forms.CheckboxSelectMultiple)
    title = forms.CharField(label=gettext_lazy("标题"), max_length=100)
    problem = forms.CharField(label=gettext_lazy("问题描述"), max_length=rules.TEXT_MAX_LENGTH,
                              widget=forms.Textarea(attrs={"rows": 6}),
                              help_text=gettext_lazy("承办单位会看到这段文字：请不要写反映人的姓名和联系方式"))
    requirement = forms.CharField(label=gettext_lazy("办理要求"), max_length=rules.REASON_MAX_LENGTH,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    days = forms.IntegerField(label=gettext_lazy("办理时限（工作日）"), min_value=1, max_value=rules.MAX_DEADLINE_DAYS)
    priority = forms.ChoiceField(label=gettext_lazy("紧急程度"), choices=AssignmentForm.Priority.choices)
    channel = forms.ChoiceField(label=gettext_lazy("来源渠道"), choices=Channel.choices)
    issued_on = forms.DateField(label=gettext_lazy("交办日期"), required=False, help_text=gettext_lazy("不填为今天"))

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].queryset = _units(user)
        self.fields["co_units"].queryset = _units(user)


class ActForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in rules.ACTIONS])
    text = forms.CharField(required=False, max_length=rules.TEXT_MAX_LENGTH)


class FormStateFilter(admin.SimpleListFilter):
    """状态, by the office's own names for the states (交办设置)."""

    title = gettext_lazy("状态")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        jurisdiction = roles.user_jurisdiction(request.user)
        own = CaseworkSettings.objects.filter(jurisdiction=jurisdiction).first() if jurisdiction else None
        return [(state, (own and own.state_label(state)) or label) for state, label in AssignmentForm.State.choices]

    def queryset(self, request, queryset):
        return queryset.filter(state=self.value()) if self.value() in rules.FORM_STATES else queryset


class OverdueFilter(admin.SimpleListFilter):
    """超期: worked out from each open form's deadline and the calendar, never stored."""

    title = gettext_lazy("时限")
    parameter_name = "timing"

    def lookups(self, request, model_admin):
        return [("overdue", _("已超期")), ("soon", _("即将到期")), ("paused", _("暂停计时")),
                ("late", _("超期办结"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value not in ("overdue", "soon", "paused", "late"):
            return queryset
        candidates = list(queryset.filter(state__in=rules.OPEN_STATES) if value != "late"
                          else queryset.exclude(state__in=rules.OPEN_STATES))
        timings = selectors.form_timings(candidates)
        remind = {s.jurisdiction_id: s.remind_days for s in CaseworkSettings.objects.all()}
        default_remind = CaseworkSettings._meta.get_field("remind_days").default
        keep = [f.pk for f in candidates if {
            "overdue": timings[f.pk].overdue,
            "soon": rules.due_soon(timings[f.pk], remind_days=remind.get(f.jurisdiction_id, default_remind)),
            "paused": timings[f.pk].paused,
            "late": timings[f.pk].late,
        }[value]]
        return queryset.filter(pk__in=keep)


class FormChangeList(ChangeList):
    """The list's page of forms, with their timings worked out together (one query for
    the pauses, one a year for the calendar), not one by one."""

    def get_results(self, request):
        super().get_results(request)
        timings = selectors.form_timings(self.result_list)
        for form in self.result_list:
            form._timing = timings[form.pk]


@admin.register(AssignmentForm)
class AssignmentFormAdmin(ScopedHistoryMixin, ObjectNotFoundMixin, SimpleHistoryAdmin):
    list_display = ("number", "title", "lead_unit", "state_column", "issued_on", "due_column", "timing_column",
                    "priority")
    list_filter = (FormStateFilter, OverdueFilter, "channel", "priority", "year", ("lead_unit", admin.RelatedOnlyFieldListFilter))
    search_fields = ("number", "title", "problem", "lead_unit__name")
    list_select_related = ("lead_unit", FORM_LABELS)
    change_list_template = "casework/admin/form_change_list.html"  # with the quarterly circular

    def get_changelist(self, request, **kwargs):
        return FormChangeList

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_to_jurisdiction(super().get_queryset(request), request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        # The history's version page shows a form as text, never a choice of every unit.
        return [f.name for f in self.model._meta.fields if not f.primary_key] + ["co_units"]

    @admin.display(description=gettext_lazy("状态"), ordering="state")
    def state_column(self, obj: AssignmentForm) -> str:
        return obj.get_state_display()

    @admin.display(description=gettext_lazy("办理期限"))
    def due_column(self, obj: AssignmentForm):
        return getattr(obj, "_timing", None) and obj._timing.due

    @admin.display(description=gettext_lazy("时限"))
    def timing_column(self, obj: AssignmentForm) -> str:
        timing = getattr(obj, "_timing", None)
        return selectors.timing_text(obj, timing) if timing else ""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/act/", view(self.act_view), name="casework_assignmentform_act"),
            path("<path:object_id>/rate/", view(self.rate_view), name="casework_assignmentform_rate"),
            path("<path:object_id>/record/", view(self.record_view), name="casework_assignmentform_record"),
            path("circular/", view(self.circular), name="casework_assignmentform_circular"),
        ] + super().get_urls()

    def circular(self, request: HttpRequest) -> HttpResponse:
        """季度通报, as a PDF and a Word document (casework/circular_views.py)."""
        from casework.circular_views import circular_view

        return circular_view(request, model_admin=self)

    def _get(self, request: HttpRequest, object_id) -> AssignmentForm:
        if not self.has_view_permission(request):
            raise PermissionDenied
        pk = _pk(AssignmentForm, object_id)
        found = self.get_queryset(request).filter(pk=pk).select_related("lead_unit", "issued_by").first() if pk else None
        if found is None:
            raise Http404(_("没有找到该交办单"))
        return found

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        jurisdiction = roles.user_jurisdiction(request.user)
        source = None
        report_id = _pk(Report, request.GET.get("report", "")) if request.GET.get("report") else None
        if report_id:
            source = scope_to_jurisdiction(Report.objects.all(), request.user).filter(pk=report_id).first()
            if source is None:
                raise Http404(_("没有找到该来件"))
        initial = {"priority": rules.NORMAL, "channel": source.channel if source else Channel.LEADER,
                   "days": services.settings_for(jurisdiction).default_days if jurisdiction else 10}
        if source is not None:
            initial.update(title=source.title, problem=source.description, lead_unit=source.unit_id)
        form = IssueForm(request.POST or None, initial=initial, user=request.user)
        if request.method == "POST" and form.is_valid() and jurisdiction is not None:
            data = form.cleaned_data
            try:
                issued = services.form_issue(
                    jurisdiction=jurisdiction, by=request.user, lead_unit=data["lead_unit"],
                    co_units=data["co_units"], title=data["title"], problem=data["problem"],
                    requirement=data["requirement"], days=data["days"], priority=data["priority"],
                    channel=data["channel"], reports=[source] if source else [], issued_on=data["issued_on"],
                )
            except (ValidationError, PermissionDenied) as exc:
                if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, _refusal(exc))
            else:
                self.message_user(request, _("已交办 %(number)s，已通知承办和协办单位") % {"number": issued.number},
                                  messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:casework_assignmentform_change", args=[issued.pk]))
        return TemplateResponse(request, "casework/admin/form_add.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": _("交办问题"), "form": form,
            "source": source,
        })

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self._page(request, self._get(request, object_id))

    def _page(self, request: HttpRequest, obj: AssignmentForm, *, errors=(), rate_form=None) -> HttpResponse:
        timing = selectors.form_timings([obj])[obj.pk]
        actor = services.actor_of(request.user, obj) if self.has_change_permission(request, obj) else rules.OTHER
        return TemplateResponse(request, "casework/admin/form.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": str(obj), "obj": obj,
            "timing": timing, "timing_text": selectors.timing_text(obj, timing),
            "actions": rules.actions_for(actor=actor, state=obj.state, paused=timing.paused, overdue=timing.overdue),
            "events": selectors.form_events(form=obj), "co_units": list(obj.co_units.all()),
            "reports": [(r, reverse("admin:casework_report_change", args=[r.pk]))
                        for r in selectors.reports_for_form(form=obj)],
            "pauses": list(obj.pauses.all()), "errors": errors,
            "accountabilities": list(obj.accountabilities.all()), "measures": Accountability.Measure.choices,
            "rate_form": rate_form or (RateForm(user=request.user, initial={"reason": _rate_reason(obj)})
                                       if actor == rules.OFFICE and obj.rating_id is None else None),
            "may_record": actor == rules.OFFICE,
            "history_url": reverse("admin:casework_assignmentform_history", args=[obj.pk]),
            "today": timezone.localdate(),
        })

    def act_view(self, request: HttpRequest, object_id) -> HttpResponse:
        obj = self._get(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:casework_assignmentform_change", args=[obj.pk]))
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        form = ActForm(request.POST)
        if not form.is_valid():
            return self._page(request, obj, errors=[_("没有这个操作")])
        action = form.cleaned_data["action"]
        try:
            services.form_act(form=obj, by=request.user, action=action, text=form.cleaned_data["text"])
        except (ValidationError, PermissionDenied) as exc:
            return self._page(request, obj, errors=_refusal(exc))
        self.message_user(request, _("已%(action)s") % {"action": FormEvent.Action(action).label}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:casework_assignmentform_change", args=[obj.pk]))


    def rate_view(self, request: HttpRequest, object_id) -> HttpResponse:
        """转为黄灯: one action, citing a criterion; the light goes for approval like any other."""
        obj = self._get(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:casework_assignmentform_change", args=[obj.pk]))
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        form = RateForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                rating = services.form_to_rating(form=obj, by=request.user, department=form.cleaned_data["department"],
                                                 criterion=form.cleaned_data["criterion"],
                                                 reason=form.cleaned_data["reason"])
            except (ValidationError, PermissionDenied) as exc:
                return self._page(request, obj, errors=_refusal(exc), rate_form=form)
            self.message_user(request, _("已转为黄灯认定并提交审核：%(rating)s") % {"rating": rating}, messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:casework_assignmentform_change", args=[obj.pk]))
        return self._page(request, obj, rate_form=form)

    def record_view(self, request: HttpRequest, object_id) -> HttpResponse:
        """移送纪委监委 and 问责: recorded against the form, on the office's screens only."""
        obj = self._get(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:casework_assignmentform_change", args=[obj.pk]))
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        try:
            if request.POST.get("what") == "transfer":
                services.form_transfer(form=obj, by=request.user, sent_on=request.POST.get("sent_on", ""),
                                       outcome=request.POST.get("outcome", ""),
                                       outcome_on=request.POST.get("outcome_on", ""))
                done = _("已记录移送纪委监委情况")
            else:
                services.accountability_record(form=obj, by=request.user, person=request.POST.get("person", ""),
                                               position=request.POST.get("position", ""),
                                               measure=request.POST.get("measure", ""),
                                               decided_on=request.POST.get("decided_on", ""),
                                               note=request.POST.get("note", ""))
                done = _("已记录问责")
        except (ValidationError, PermissionDenied) as exc:
            return self._page(request, obj, errors=_refusal(exc))
        self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:casework_assignmentform_change", args=[obj.pk]))


def _rate_reason(form: AssignmentForm) -> str:
    return _("效能办交办的问题（%(number)s“%(title)s”）%(state)s。") % {
        "number": form.number, "title": form.title, "state": form.get_state_display()}


class RateForm(forms.Form):
    department = forms.ModelChoiceField(label=gettext_lazy("认定部门"), queryset=Organisation.objects.none())
    criterion = forms.ModelChoiceField(label=gettext_lazy("认定条目"), queryset=None, required=False)
    reason = forms.CharField(label=gettext_lazy("认定事由"), max_length=rules.REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user=None, **kwargs) -> None:
        from ratings.models import Criterion

        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = scope_to_jurisdiction(
            Organisation.objects.filter(is_department=True, is_active=True), user).order_by("code")
        year = timezone.localdate().year
        self.fields["criterion"].queryset = scope_to_jurisdiction(
            Criterion.objects.filter(kind="yellow_light", rulebook__year=year), user, "rulebook__jurisdiction_id",
        ).order_by("code")


@admin.register(CaseworkYear)
class CaseworkYearAdmin(ScopedHistoryMixin, ObjectNotFoundMixin, SimpleHistoryAdmin):
    list_display = ("year", "overdue_points", "not_rectified_points", "rectification_forms", "rectification_days")
    fields = ("year", "overdue_points", "not_rectified_points", "rectification_forms", "rectification_days")
    actions = ["recompute_deductions"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_to_jurisdiction(super().get_queryset(request), request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.jurisdiction = roles.user_jurisdiction(request.user)
        super().save_model(request, obj, form, change)

    @admin.action(description=gettext_lazy("重新计算所选年度的交办扣分"))
    def recompute_deductions(self, request, queryset) -> None:
        for setting in queryset:
            lines = services.deductions_recompute(jurisdiction=setting.jurisdiction, year=setting.year)
            self.message_user(request, _("%(year)d 年度：%(count)d 条扣分记录") % {"year": setting.year, "count": len(lines)},
                              messages.SUCCESS)


@admin.register(Deduction)
class DeductionAdmin(ObjectNotFoundMixin, admin.ModelAdmin):
    list_display = ("year", "unit", "form", "reason", "points", "explanation", "computed_at")
    list_filter = ("year", "reason", ("unit", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("unit", "form")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_to_jurisdiction(super().get_queryset(request), request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Followup)
class FollowupAdmin(ObjectNotFoundMixin, admin.ModelAdmin):
    """The reporters' answers; the office sees who has not answered and may call them."""

    list_display = ("report", "sent_at", "answer", "answered_at")
    list_filter = ("answer",)
    list_select_related = ("report",)
    fields = ("report", "sent_at", "answer", "comment", "answered_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_to_jurisdiction(super().get_queryset(request), request.user, "report__jurisdiction_id")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CaseworkSettings)
class CaseworkSettingsAdmin(ObjectNotFoundMixin, admin.ModelAdmin):
    list_display = ("jurisdiction", "number_prefix", "default_days", "remind_days")
    fieldsets = (
        (None, {"fields": ("number_prefix", "default_days", "remind_days")}),
        (gettext_lazy("交办单状态的名称"), {
            "fields": ("label_issued", "label_acknowledged", "label_replied", "label_returned", "label_closed",
                       "label_not_rectified"),
            "description": gettext_lazy("可以按本地习惯改称各状态，如把“已销号”改称“已办结”；留空用默认名称。"
                                        "状态本身和每个状态下能做的事不变。"),
        }),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_to_jurisdiction(super().get_queryset(request), request.user)

    def has_add_permission(self, request) -> bool:
        jurisdiction = roles.user_jurisdiction(request.user)
        return (super().has_add_permission(request) and jurisdiction is not None
                and not CaseworkSettings.objects.filter(jurisdiction=jurisdiction).exists())

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.jurisdiction = roles.user_jurisdiction(request.user)
        super().save_model(request, obj, form, change)


# The interface keys (Open311) and the 12345 work orders have their own modules.
from casework import admin_open311, admin_supervisors, admin_workorders  # noqa: E402,F401
