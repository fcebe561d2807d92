"""The public satisfaction survey in the admin: the survey's settings, its invitation
codes (generated, printed with QR codes), opening and closing, response counts while
open, and each agency's result once closed. No single response is ever listed."""

from __future__ import annotations

import segno
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.ids import pk_from_path
from departments import roles
from evaluations import rules, surveys
from evaluations.admin import JurisdictionScoped, _units, _weights_note, weights_refusal
from evaluations.models import InvitationCode, State, Survey, SurveyResult

CODES_PER_PAGE = 60


class SurveyForm(forms.ModelForm):
    class Meta:
        model = Survey
        exclude = ("jurisdiction", "state", "closed_at", "token")

    def clean(self):
        data = super().clean()
        weights_refusal(self, data)
        if self.instance.pk and self.instance.state != State.DRAFT:
            allowed = ("closes_on", "item_code", "weight", "intro")
            if self.instance.state == State.CLOSED and self.changed_data:
                raise ValidationError(_("测评已结束，不能再修改"))
            if [f for f in self.changed_data if f not in allowed]:
                raise ValidationError(_("测评开始后只能修改说明、截止日期、计入项目和权重"))
        return data


@admin.register(Survey)
class SurveyAdmin(JurisdictionScoped):
    form = SurveyForm
    list_display = ("name", "year", "access", "window_column", "state", "board_link")
    list_filter = ("year", "state")
    filter_horizontal = ("agencies",)
    fields = ("year", "name", "intro", "access", "opens_on", "closes_on", "agencies", "min_responses", "item_code",
              "weight")

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or obj.state == State.DRAFT)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "agencies":
            kwargs["queryset"] = _units(request.user).filter(is_unit=True)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("测评期"))
    def window_column(self, obj: Survey) -> str:
        return f"{obj.opens_on:%Y-%m-%d} — {obj.closes_on:%Y-%m-%d}"

    @admin.display(description=gettext_lazy("邀请码、进度与结果"))
    def board_link(self, obj: Survey) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:evaluations_survey_board", args=[obj.pk]), _("查看"))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<str:pk>/board/", view(self.board_view), name="evaluations_survey_board"),
            path("<str:pk>/codes/", view(self.codes_view), name="evaluations_survey_codes"),
        ] + super().get_urls()

    def _survey(self, request: HttpRequest, pk: str) -> Survey:
        if not self.has_view_permission(request):
            raise PermissionDenied
        key = pk_from_path(Survey, pk)
        found = self.get_queryset(request).filter(pk=key).first() if key else None
        if found is None or not self.has_view_permission(request, found):
            raise Http404
        return found

    def _office(self, request: HttpRequest, survey: Survey) -> bool:
        return roles.is_office(request.user) and self.has_change_permission(request, survey)

    def board_view(self, request: HttpRequest, pk: str) -> HttpResponse:
        survey = self._survey(request, pk)
        office = self._office(request, survey)
        if request.method == "POST":
            if not office:
                raise PermissionDenied
            action = request.POST.get("action", "")
            try:
                if action == "codes":
                    try:
                        count = int(request.POST.get("count", ""))
                    except ValueError:
                        raise ValidationError(_("请填写要生成的邀请码个数")) from None
                    surveys.codes_issue(survey=survey, count=count)
                    messages.success(request, _("已生成%(count)s个邀请码") % {"count": count})
                elif action == "open":
                    surveys.survey_open(survey=survey)
                    messages.success(request, _("测评已开始"))
                elif action == "close":
                    surveys.survey_close(survey=survey)
                    messages.success(request, _("测评已结束，结果已生成，意见建议已转为来件"))
                else:
                    raise ValidationError(_("无法识别的操作"))
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            return HttpResponseRedirect(reverse("admin:evaluations_survey_board", args=[survey.pk]))
        results = []
        if survey.state == State.CLOSED:
            results = list(SurveyResult.objects.filter(survey=survey).select_related("agency")
                           .order_by("-mean", "agency__code"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta, "title": str(survey), "survey": survey, "office": office,
            "progress": surveys.survey_progress(survey=survey),
            "results": results, "levels": [_(label) for label in rules.LEVELS],
            "link": request.build_absolute_uri(reverse("evaluations:survey", args=[survey.token])),
            "suggestions": survey.suggestions.count(),
            "weights": _weights_note(survey),
        }
        return TemplateResponse(request, "evaluations/admin/survey_board.html", context)

    def codes_view(self, request: HttpRequest, pk: str) -> HttpResponse:
        """邀请码打印: the unused codes, each with a QR code of its own link, to print and
        hand out. A page at a time (``?page=``)."""
        survey = self._survey(request, pk)
        if not self._office(request, survey):
            raise PermissionDenied
        unused = InvitationCode.objects.filter(survey=survey, used=False).order_by("pk")
        try:
            page = max(1, int(request.GET.get("page", "1")))
        except ValueError:
            page = 1
        total = unused.count()
        base = request.build_absolute_uri(reverse("evaluations:survey", args=[survey.token]))
        cards = []
        for invitation in unused[(page - 1) * CODES_PER_PAGE: page * CODES_PER_PAGE]:
            url = f"{base}?code={invitation.code}"
            cards.append({"code": rules.code_display(invitation.code),
                          # segno writes plain SVG paths: no script, no style attribute.
                          "qr": mark_safe(segno.make(url, error="m").svg_inline(scale=3, border=2))})
        pages = (total + CODES_PER_PAGE - 1) // CODES_PER_PAGE
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta, "title": _("邀请码打印"), "survey": survey, "cards": cards, "page": page,
            "pages": pages, "total": total, "base": base,
            "previous": page - 1 if page > 1 else None, "next": page + 1 if page < pages else None,
        }
        return TemplateResponse(request, "evaluations/admin/survey_codes.html", context)
