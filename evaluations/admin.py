"""Evaluations in the admin: evaluator groups with their members, rounds with their
assignment (proposed, then adjusted by hand), progress and results; surveys live in
``evaluations.admin_survey``.

The office never sees an answer here: the assignment pages show who rates whom, the
progress page counts, and a closed round shows results per unit."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.ids import pk_from_path
from departments import roles
from departments.admin import ObjectNotFoundMixin, scope_to_jurisdiction
from departments.models import Organisation
from evaluations import rules, selectors, services
from evaluations.models import Assignment, DailyEvaluation, EvaluatorGroup, Member, Round, State


def _units(user) -> QuerySet:
    return scope_to_jurisdiction(Organisation.objects.filter(is_active=True), user).order_by("code")


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0
    fields = ("user", "title", "own_unit", "responsible", "is_active")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            from django.contrib.auth import get_user_model

            kwargs["queryset"] = scope_to_jurisdiction(get_user_model().objects.filter(is_active=True), request.user,
                                                       "profile__jurisdiction_id").order_by("username")
        if db_field.name == "own_unit":
            kwargs["queryset"] = _units(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "responsible":
            kwargs["queryset"] = _units(request.user).filter(is_unit=True)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def _weights_note(source) -> str:
    """Said on a round's or survey's page when the weights of its item do not add up to 100."""
    if not source.item_code:
        return ""
    weights = selectors.item_weights(jurisdiction_id=source.jurisdiction_id, year=source.year,
                                     item_code=source.item_code)
    total = sum(weights.values())
    if total == 100:
        return ""
    return _("计入考核项目“%(item)s”的各轮评议和测评权重合计为%(total)s%%（%(list)s），应为100%%；"
             "计分时按各轮权重之比折算") % {"item": source.item_code, "total": format(total.normalize(), "f"),
                                   "list": "、".join(f"{n} {w.normalize():f}%" for n, w in weights.items())}


class JurisdictionScoped(ObjectNotFoundMixin, admin.ModelAdmin):
    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_to_jurisdiction(super().get_queryset(request), request.user)

    def get_exclude(self, request, obj=None):
        return ("jurisdiction",)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.jurisdiction = roles.user_jurisdiction(request.user)
        super().save_model(request, obj, form, change)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        jurisdiction = roles.user_jurisdiction(request.user)

        class WithJurisdiction(form):
            def __init__(self, *args, **kwargs) -> None:
                super().__init__(*args, **kwargs)
                if self.instance.jurisdiction_id is None and jurisdiction is not None:
                    self.instance.jurisdiction = jurisdiction

            def _post_clean(self) -> None:
                if self.instance.jurisdiction_id is None and jurisdiction is not None:
                    self.instance.jurisdiction = jurisdiction
                super()._post_clean()

        return WithJurisdiction


@admin.register(EvaluatorGroup)
class EvaluatorGroupAdmin(JurisdictionScoped):
    list_display = ("name", "members_column")
    search_fields = ("name",)
    inlines = [MemberInline]

    @admin.display(description=gettext_lazy("评议人数"))
    def members_column(self, obj: EvaluatorGroup) -> int:
        return obj.members.filter(is_active=True).count()


def weights_refusal(form: forms.ModelForm, data: dict) -> None:
    """The weights of one item's rounds and surveys may not add up to more than 100."""
    item, year, weight = (data.get("item_code") or "").strip(), data.get("year"), data.get("weight")
    if not item or year is None or weight is None or form.instance.jurisdiction_id is None:
        return
    others = selectors.item_weights(jurisdiction_id=form.instance.jurisdiction_id, year=year, item_code=item,
                                    exclude=form.instance)
    total = sum(others.values(), weight)
    if total > 100:
        raise ValidationError({"weight": _("计入考核项目“%(item)s”的各轮评议和测评权重合计将为%(total)s%%（%(others)s），"
                                           "不能超过100%%") % {
            "item": item, "total": format(total.normalize(), "f"),
            "others": "、".join(f"{name} {w.normalize():f}%" for name, w in others.items())}})


class RoundForm(forms.ModelForm):
    class Meta:
        model = Round
        exclude = ("jurisdiction", "state", "closed_at")

    def clean(self):
        data = super().clean()
        weights_refusal(self, data)
        locked = self.instance.pk and self.instance.state != State.DRAFT
        if locked:
            changed = [f for f in self.changed_data if f not in ("closes_on", "item_code", "weight")]
            if self.instance.state == State.CLOSED and self.changed_data:
                raise ValidationError(_("本轮评议已结束，不能再修改"))
            if changed:
                raise ValidationError(_("评议开始后只能修改截止日期、计入项目和权重"))
        return data


@admin.register(Round)
class RoundAdmin(JurisdictionScoped):
    form = RoundForm
    list_display = ("__str__", "group", "window_column", "state", "feeds_column", "progress_link")
    list_filter = ("year", "state")
    filter_horizontal = ("units",)
    fieldsets = (
        (None, {"fields": ("year", "name", "group", "source", "opens_on", "closes_on", "units")}),
        (gettext_lazy("评议表"), {"fields": ("scale", "points_good", "points_fairly_good", "points_fair",
                                            "points_poor", "extra_max", "extra_weight")}),
        (gettext_lazy("评议安排"), {"fields": ("evaluator_min", "evaluator_max", "unit_min", "unit_max",
                                              "min_answers")}),
        (gettext_lazy("计入年度考核"), {"fields": ("item_code", "weight")}),
    )

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or obj.state == State.DRAFT)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "group":
            kwargs["queryset"] = scope_to_jurisdiction(EvaluatorGroup.objects.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "units":
            kwargs["queryset"] = _units(request.user).filter(is_unit=True)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("评议期"))
    def window_column(self, obj: Round) -> str:
        return f"{obj.opens_on:%Y-%m-%d} — {obj.closes_on:%Y-%m-%d}"

    @admin.display(description=gettext_lazy("计入项目（权重）"))
    def feeds_column(self, obj: Round) -> str:
        return f"{obj.item_code} ({obj.weight.normalize():f}%)" if obj.item_code else "—"

    @admin.display(description=gettext_lazy("安排、进度与结果"))
    def progress_link(self, obj: Round) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:evaluations_round_board", args=[obj.pk]),
                           _("查看"))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<str:pk>/board/", view(self.board_view), name="evaluations_round_board"),
        ] + super().get_urls()

    def _round(self, request: HttpRequest, pk: str) -> Round:
        if not self.has_view_permission(request):
            raise PermissionDenied
        key = pk_from_path(Round, pk)
        round_ = self.get_queryset(request).filter(pk=key).select_related("group").first() if key else None
        if round_ is None or not self.has_view_permission(request, round_):
            raise Http404
        return round_

    def board_view(self, request: HttpRequest, pk: str) -> HttpResponse:
        """评议安排、进度与结果: the office proposes and adjusts the assignment, opens and
        closes the round, follows the response rates; a closed round shows its results."""
        round_ = self._round(request, pk)
        office = roles.is_office(request.user) and self.has_change_permission(request, round_)
        if request.method == "POST":
            if not office:
                raise PermissionDenied
            return self._board_post(request, round_)
        progress = selectors.round_progress(round_=round_) if office else None
        counts = selectors.assignment_counts(round_=round_)
        units = services.round_units(round_)
        members = services.round_members(round_)
        mine: dict[int, list[Assignment]] = {}
        if office and round_.state != State.CLOSED:
            for a in Assignment.objects.filter(round=round_).select_related("unit").order_by("unit__code"):
                mine.setdefault(a.member_id, []).append(a)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": str(round_),
            "round": round_,
            "office": office,
            "progress": progress,
            "results": selectors.round_results(round_=round_),
            "problems": services.assignment_problems(round_=round_) if office else [],
            "weights": _weights_note(round_),
            "unit_rows": [(u, counts["units"].get(u.pk, 0)) for u in units],
            "member_rows": [(m, counts["members"].get(m.pk, 0), mine.get(m.pk, [])) for m in members],
            "units": units,
            "members": members,
            "grades": rules.GRADES,
        }
        return TemplateResponse(request, "evaluations/admin/round_board.html", context)

    def _board_post(self, request: HttpRequest, round_: Round) -> HttpResponse:
        action = request.POST.get("action", "")
        try:
            if action == "propose":
                count = services.assignment_propose(round_=round_)
                messages.success(request, _("已生成评议安排：共%(count)s份") % {"count": count})
            elif action == "open":
                services.round_open(round_=round_)
                messages.success(request, _("评议已开始，已通知评议人"))
            elif action == "close":
                services.round_close(round_=round_)
                messages.success(request, _("评议已结束，结果已生成"))
            elif action == "add":
                member = Member.objects.filter(
                    group_id=round_.group_id, pk=pk_from_path(Member, request.POST.get("member", "")) or 0).first()
                unit = _units(request.user).filter(pk=pk_from_path(Organisation, request.POST.get("unit", "")) or 0).first()
                if member is None or unit is None:
                    raise ValidationError(_("请选择评议人和单位"))
                services.assignment_add(round_=round_, member=member, unit=unit)
                messages.success(request, _("已为“%(member)s”增加“%(unit)s”") % {"member": member.name,
                                                                              "unit": unit.name})
            elif action == "remove":
                key = pk_from_path(Assignment, request.POST.get("assignment", ""))
                assignment = Assignment.objects.filter(round=round_, pk=key or 0).select_related("member__user",
                                                                                                 "unit").first()
                if assignment is None:
                    raise ValidationError(_("这条评议安排已不存在"))
                services.assignment_remove(assignment=assignment)
                messages.success(request, _("已从“%(member)s”的评议表中去掉“%(unit)s”") % {
                    "member": assignment.member.name, "unit": assignment.unit.name})
            else:
                raise ValidationError(_("无法识别的操作"))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return HttpResponseRedirect(reverse("admin:evaluations_round_board", args=[round_.pk]))
@admin.register(DailyEvaluation)
class DailyEvaluationAdmin(ObjectNotFoundMixin, admin.ModelAdmin):
    """日常评议 for the office, by unit: read only (the evaluators write them, the units reply)."""

    list_display = ("on", "unit", "member", "grade_column", "text_column", "replied_column")
    list_filter = (("unit", admin.RelatedOnlyFieldListFilter), ("replied_at", admin.EmptyFieldListFilter))
    search_fields = ("text", "suggestion", "unit__name")
    date_hierarchy = "on"
    fields = ("on", "unit", "member", "grade_column", "text", "suggestion", "reply", "replied_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_to_jurisdiction(super().get_queryset(request), request.user, "unit__jurisdiction_id") \
            .select_related("unit", "member__user")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("等次"))
    def grade_column(self, obj: DailyEvaluation) -> str:
        return _(rules.GRADES[obj.grade])

    @admin.display(description=gettext_lazy("评议内容"))
    def text_column(self, obj: DailyEvaluation) -> str:
        return obj.text if len(obj.text) <= 60 else obj.text[:60] + "…"

    @admin.display(description=gettext_lazy("答复"), boolean=True)
    def replied_column(self, obj: DailyEvaluation) -> bool:
        return obj.replied_at is not None


from evaluations import admin_survey  # noqa: E402,F401  (the survey's admin registers itself)
