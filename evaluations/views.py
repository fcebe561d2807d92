"""The evaluators' pages (我的评议): their rounds, their sheet with the units' highlights
beside it, the extra sheet, and their daily evaluations. Tablet first.

Anyone signed in may open ``/evaluations/``; a round they have no sheet in does not
exist for them (404). Nobody's answers but their own are ever on these pages."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from django.conf import settings

from config.accounts.throttle import client_ip
from config.ids import pk_from_path
from departments.models import Organisation
from evaluations import rules, selectors, services, surveys
from evaluations.models import HighlightPicture, Round, State, Survey
from lib.downloads import protected_file_response
from lib.throttle import throttle_hit
from lib.uploads import inline_content_type


@require_safe
@never_cache
@login_required
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "evaluations/index.html", {
        "rounds": selectors.member_rounds(user=request.user),
        "daily": bool(services.daily_members(user=request.user)),
    })


def _round_for(request: HttpRequest, pk: str):
    key = pk_from_path(Round, pk)
    round_ = Round.objects.filter(pk=key).exclude(state=State.DRAFT).select_related("group").first() if key else None
    member = selectors.member_for(round_=round_, user=request.user) if round_ else None
    if member is None:
        raise Http404
    return round_, member


def _entries(request: HttpRequest, rows) -> dict[int, services.Entry]:
    return {row.unit.pk: services.Entry(grade=request.POST.get(f"grade-{row.unit.pk}", ""),
                                        score=request.POST.get(f"score-{row.unit.pk}", ""),
                                        comment=request.POST.get(f"comment-{row.unit.pk}", ""))
            for row in rows}


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def sheet(request: HttpRequest, pk: str) -> HttpResponse:
    """评议表: the assigned units, then the extra sheet; 保存 keeps what is typed, 提交
    hands the sheet in (every assigned unit answered)."""
    round_, member = _round_for(request, pk)
    rows = selectors.sheet_rows(round_=round_, member=member)
    errors: dict[str, list[str]] = {}
    typed: dict[int, services.Entry] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "save")
        extra = []
        if action == "extra":
            unit_id = pk_from_path(Organisation, request.POST.get("extra_unit", ""))
            extra = [unit_id] if unit_id else []
            if not extra:
                errors[""] = [_("请选择要加入附页的单位")]
        typed = _entries(request, rows)
        if not errors:
            try:
                services.sheet_save(round_=round_, member=member, entries=typed, extra_units=extra,
                                    submit=action == "submit")
            except ValidationError as error:
                errors = error.message_dict
                status = 400
            else:
                if action == "submit":
                    messages.success(request, _("评议表已提交，谢谢！评议结束前，任何人都看不到您的评议。"))
                elif action == "extra":
                    messages.success(request, _("已加入附页"))
                else:
                    messages.success(request, _("已保存，可以稍后继续填写"))
                return redirect("evaluations:sheet", pk=round_.pk)
        else:
            status = 400
    sheet_ = round_.sheets.get(member=member)
    today = timezone.localdate()
    editable = (round_.state == State.OPEN and not sheet_.submitted_at
                and round_.opens_on <= today <= round_.closes_on)
    lines = []
    for row in rows:
        entry = typed.get(row.unit.pk)
        lines.append({
            "row": row,
            "grade": entry.grade if entry else ("" if row.assignment.grade is None else str(row.assignment.grade)),
            "score": entry.score if entry else ("" if row.assignment.score is None else str(row.assignment.score)),
            "comment": entry.comment if entry else row.assignment.comment,
            "errors": errors.get(str(row.unit.pk), []),
        })
    assigned = [line for line in lines if not line["row"].assignment.extra]
    return render(request, "evaluations/sheet.html", {
        "round": round_, "member": member, "sheet": sheet_, "editable": editable,
        "assigned": assigned, "extra": [line for line in lines if line["row"].assignment.extra],
        "answered": sum(1 for line in assigned if line["row"].assignment.points is not None),
        "errors": errors.get("", []), "has_errors": bool(errors),
        "extra_choices": selectors.extra_choices(round_=round_, member=member) if editable else [],
        "extra_left": round_.extra_max - sum(1 for line in lines if line["row"].assignment.extra),
        "grades": [(str(i), _(g)) for i, g in enumerate(rules.GRADES)],
    }, status=status)


@require_safe
@login_required
def picture(request: HttpRequest, pk: str) -> HttpResponse:
    key = pk_from_path(HighlightPicture, pk)
    found = HighlightPicture.objects.filter(pk=key).select_related("highlight").first() if key else None
    if found is None or not selectors.picture_visible(user=request.user, picture=found):
        raise Http404
    handle = found.file.open("rb")
    return protected_file_response(handle, name=found.original_name or found.file.name, stored_name=found.file.name,
                                   shown_as=inline_content_type(found.file.name, handle))


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def daily(request: HttpRequest) -> HttpResponse:
    """日常评议: an evaluator's dated evaluations of the units, and the units' replies."""
    members = services.daily_members(user=request.user)
    if not members:
        raise Http404
    member = members[0]
    units = list(Organisation.objects.filter(jurisdiction_id=member.group.jurisdiction_id, is_unit=True,
                                             is_active=True).exclude(pk=member.own_unit_id or 0).order_by("code"))
    errors: dict[str, list[str]] = {}
    typed = {}
    status = 200
    if request.method == "POST":
        typed = {k: request.POST.get(k, "") for k in ("unit", "on", "grade", "text", "suggestion")}
        unit = next((u for u in units if str(u.pk) == typed["unit"]), None)
        try:
            on = dt.date.fromisoformat(typed["on"])
        except ValueError:
            on = None
        try:
            grade = int(typed["grade"])
        except ValueError:
            grade = -1
        if unit is None:
            errors["unit"] = [_("请选择被评议单位")]
        if on is None:
            errors["on"] = [_("请填写评议日期")]
        if not errors:
            try:
                services.daily_submit(member=member, unit=unit, on=on, grade=grade, text=typed["text"],
                                      suggestion=typed["suggestion"])
            except ValidationError as error:
                errors = error.message_dict
            else:
                messages.success(request, _("日常评议已提交，已转被评议单位答复"))
                return redirect("evaluations:daily")
        status = 400
    return render(request, "evaluations/daily.html", {
        "units": units, "typed": typed, "errors": errors, "today": timezone.localdate(),
        "grades": [(str(i), _(g)) for i, g in enumerate(rules.GRADES)],
        "evaluations": selectors.daily_for_member(user=request.user),
    }, status=status)


# The public satisfaction survey (满意度测评) ----------------------------------------------------

SURVEY_COOKIE = "lb_survey_{pk}"
SURVEY_SALT = "evaluations.survey.done"


def _survey(token: str) -> Survey:
    if not rules_token_ok(token):
        raise Http404
    found = Survey.objects.filter(token=token).exclude(state=State.DRAFT).select_related("jurisdiction").first()
    if found is None:
        raise Http404
    return found


def rules_token_ok(token: str) -> bool:
    return 1 <= len(token) <= 32 and all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in token)


def _done_in_this_browser(request: HttpRequest, found: Survey) -> bool:
    return request.get_signed_cookie(SURVEY_COOKIE.format(pk=found.pk), default="", salt=SURVEY_SALT) == "1"


@require_http_methods(["GET", "POST"])
@never_cache
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """The questionnaire, on a phone, without login: by invitation code or open link."""
    found = _survey(token)
    closed = surveys.window_problem(found, timezone.localdate())
    base = {"survey": found, "levels": [(str(i), _(label)) for i, label in enumerate(rules.LEVELS)]}
    if closed:
        return render(request, "evaluations/survey_closed.html", {**base, "message": closed})
    if found.access == Survey.Access.OPEN and _done_in_this_browser(request, found):
        return render(request, "evaluations/survey_closed.html",
                      {**base, "message": _("您已经提交过问卷，谢谢参与！")})
    code = (request.POST.get("code") or request.GET.get("code") or "").strip()[:40]
    by_code = found.access == Survey.Access.CODES
    if by_code and request.method == "GET":
        problem = surveys.code_problem(survey=found, code=code) if code else None
        if not code or problem:
            return render(request, "evaluations/survey_code.html", {**base, "code": code, "error": problem},
                          status=400 if problem else 200)
    agencies = surveys.agencies(found)
    context = {**base, "agencies": agencies, "code": rules.code_display(rules.code_clean(code) or "") if by_code else ""}
    if request.method == "GET":
        return render(request, "evaluations/survey.html", context)
    if request.POST.get("website"):
        return redirect("evaluations:survey_thanks", token=found.token)
    if not throttle_hit(scope="survey", key=client_ip(request) or "", limit=settings.SURVEY_RESPONSES_PER_HOUR):
        return render(request, "evaluations/survey.html", {**context, "throttled": True}, status=429)
    levels: dict[int, int] = {}
    for agency in agencies:
        value = request.POST.get(f"level-{agency.pk}", "")
        if value.isdigit() and len(value) == 1:
            levels[agency.pk] = int(value)
    about = pk_from_path(Organisation, request.POST.get("suggestion_agency", ""))
    suggestion = request.POST.get("suggestion", "")
    try:
        surveys.response_submit(survey=found, levels=levels, suggestions=[(about, suggestion)],
                                code=code if by_code else None)
    except ValidationError as error:
        return render(request, "evaluations/survey.html", {
            **context, "errors": error.message_dict, "typed": levels, "suggestion": suggestion,
            "suggestion_agency": about}, status=400)
    response = redirect("evaluations:survey_thanks", token=found.token)
    if not by_code:
        response.set_signed_cookie(SURVEY_COOKIE.format(pk=found.pk), "1", salt=SURVEY_SALT,
                                   max_age=366 * 24 * 3600, httponly=True, samesite="Lax",
                                   secure=request.is_secure())
    return response


@require_safe
@never_cache
def survey_thanks(request: HttpRequest, token: str) -> HttpResponse:
    return render(request, "evaluations/survey_thanks.html", {"survey": _survey(token)})
