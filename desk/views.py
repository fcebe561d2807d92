"""The rated units' desk (单位工作台): thin views over desk.selectors.

Unit staff only: an anonymous visitor is sent to the login page, anyone else without a
unit is refused with a page that says whom the desk is for. A rating of another unit,
or one not yet approved, does not exist here (404, never 403)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from assessment import selectors as assessment_selectors
from assessment import services as assessment_services
from assessment.rules import METHODS
from assessment.services import ENTRY_FIELDS, entry_label
from casework import rules as casework_rules
from casework import selectors as casework_selectors
from casework import services as casework_services
from casework.filters import UnitFormFilter
from casework.forms import StepForm
from casework.models import FormEvent
from config.accounts.views import home_for
from departments.models import Organisation
from departments.roles import is_unit_staff, user_unit
from config.ids import pk_from_path
from desk import selectors
from evaluations import selectors as evaluation_selectors
from evaluations import services as evaluation_services
from evaluations.models import DailyEvaluation, HighlightPicture as EvaluationPicture, Round as EvaluationRound

View = Callable[..., HttpResponse]
NOTICES_SHOWN = 5


def unit_staff_required(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
        if not is_unit_staff(user):
            return render(request, "desk/forbidden.html", {"home_url": home_for(user)}, status=403)
        return view(request, *args, unit=user_unit(user), **kwargs)

    return wrapped


def _year(request: HttpRequest, years: list[int]) -> int:
    """``?year=`` among the unit's years; anything else is the current year."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return years[0]
    return year if year in years else years[0]


@require_safe
@never_cache  # a unit's record moves as ratings are approved and reviews decided
@unit_staff_required
def home(request: HttpRequest, unit: Organisation) -> HttpResponse:
    years = selectors.desk_years(unit=unit)
    year = _year(request, years)
    ratings = selectors.desk_ratings(unit=unit, year=year)
    reviews = selectors.desk_filing_states(user=request.user, unit=unit, ratings=ratings)
    return render(request, "desk/home.html", {
        "unit": unit,
        "year": year,
        "years": years,
        "months": selectors.by_month(ratings, reviews),
        "standing": selectors.desk_standing(unit=unit, year=year),
        "requests": selectors.desk_requests(unit=unit),
        "notices": selectors.desk_notices(user=request.user, limit=NOTICES_SHOWN),
        "public_url": selectors.desk_public_url(unit=unit),
        "lead_items": assessment_selectors.lead_items(unit=unit),
        "evaluation_rounds": evaluation_selectors.unit_rounds(unit=unit)[:3],
        "daily_unanswered": DailyEvaluation.objects.filter(unit=unit, replied_at__isnull=True).count(),
        **_form_counts(unit),
    })


def _form_counts(unit: Organisation) -> dict[str, int]:
    rows = casework_selectors.unit_forms(unit=unit)
    return {"forms_any": len(rows), "forms_open": sum(r.form.is_open for r in rows),
            "forms_overdue": sum(r.timing.overdue for r in rows)}


@require_safe
@never_cache
@unit_staff_required
def rating(request: HttpRequest, pk: int, unit: Organisation) -> HttpResponse:
    found = selectors.desk_rating(unit=unit, pk=pk)
    if found is None:
        raise Http404
    reviews = selectors.desk_filing_states(user=request.user, unit=unit, ratings=[found])
    return render(request, "desk/rating.html", {"unit": unit, "rating": found, "review": reviews[found.pk]})


# The items the unit leads (牵头单位录入) ------------------------------------------------------


@require_safe
@never_cache
@unit_staff_required
def lead_items(request: HttpRequest, unit: Organisation) -> HttpResponse:
    """The scorecard items this unit leads, each with how many results it has entered."""
    items = assessment_selectors.lead_items(unit=unit)
    return render(request, "desk/lead_items.html", {"unit": unit, "items": items})


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@unit_staff_required
def lead_item(request: HttpRequest, pk: int, unit: Organisation) -> HttpResponse:
    """Enter the undertaking units' results of one item this unit leads, all or nothing,
    until the office locks the year. Another unit's item does not exist here (404)."""
    item = next((i for i in assessment_selectors.lead_items(unit=unit) if i.pk == pk), None)
    if item is None:
        raise Http404
    fields = ENTRY_FIELDS[item.method]
    errors: dict[int, list[str]] = {}
    posted: dict[int, dict[str, str]] = {}
    if request.method == "POST":
        if item.scorecard.results_locked:
            messages.error(request, _("%(year)d 年度考核结果已锁定，不能再录入或修改") % {"year": item.scorecard.year})
            return redirect("desk:lead_item", pk=item.pk)
        units = [u.pk for u in assessment_selectors.lead_entry_units(item=item)]
        posted = {unit_id: {name: request.POST.get(f"u{unit_id}-{name}", "") for name in fields} for unit_id in units}
        try:
            changed = assessment_services.lead_results_save(item=item, lead=unit, values=posted, by=request.user)
        except assessment_services.EntryRefused as refused:
            errors = refused.errors
            messages.error(request, refused.messages[0])
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("已保存，%(count)d 个单位的结果有变化") % {"count": changed})
            return redirect("desk:lead_item", pk=item.pk)
    rows = []
    for other, result in assessment_selectors.lead_entry_rows(item=item):
        values = posted.get(other.pk) or {name: "" if result is None or getattr(result, name) is None
                                          else f"{getattr(result, name)}" for name in fields}
        rows.append({"unit": other, "result": result, "cells": [
            {"name": name, "label": entry_label(name), "value": values[name], "id": f"u{other.pk}-{name}"}
            for name in fields], "errors": errors.get(other.pk, [])})
    return render(request, "desk/lead_item.html", {
        "unit": unit, "item": item, "rows": rows, "locked": item.scorecard.results_locked,
        "method_label": _(METHODS[item.method].label),
    })


# Problem assignment forms (问题交办单) --------------------------------------------------------


@require_safe
@never_cache
@unit_staff_required
def forms_list(request: HttpRequest, unit: Organisation) -> HttpResponse:
    """The forms this unit leads or assists with: open ones first, overdue at the top."""
    chosen = UnitFormFilter(request.GET or None, casework_selectors.unit_forms_queryset(unit=unit), unit=unit)
    rows = casework_selectors.unit_forms(unit=unit, forms=chosen.qs, overdue_only=chosen.overdue_only)
    return render(request, "desk/forms.html", {"unit": unit, "rows": rows, "filter": chosen,
                                               "filtered": bool(request.GET), "any": chosen.queryset.exists()})


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@unit_staff_required
def form_detail(request: HttpRequest, pk: int, unit: Organisation) -> HttpResponse:
    """One form: the problem, the requirement, the deadline, the whole timeline; the lead
    unit acknowledges it and replies with evidence, a co-unit adds its remarks. Another
    unit's form does not exist here (404)."""
    form = casework_selectors.unit_form(unit=unit, pk=pk)
    if form is None:
        raise Http404
    step = StepForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if step.is_valid():
            try:
                casework_services.form_act(form=form, by=request.user, action=step.cleaned_data["action"],
                                           text=step.cleaned_data["text"], files=request.FILES.getlist("files"))
            except (ValidationError, PermissionDenied) as exc:
                for message in getattr(exc, "messages", [str(exc)]):
                    step.add_error(None, message)
            else:
                messages.success(request, _("已%(action)s") % {
                    "action": FormEvent.Action(step.cleaned_data["action"]).label})
                return redirect("desk:form", pk=form.pk)
        form.refresh_from_db()
    actor = casework_services.actor_of(request.user, form)
    timing = casework_selectors.form_timings([form])[form.pk]
    return render(request, "desk/form.html", {
        "unit": unit, "form": form, "timing": timing, "timing_text": casework_selectors.timing_text(form, timing),
        "step": step,
        "actions": casework_rules.actions_for(actor=actor, state=form.state, paused=timing.paused,
                                              overdue=timing.overdue),
        "events": casework_selectors.form_events(form=form), "co_units": list(form.co_units.all()),
        "is_lead": actor == casework_rules.LEAD,
    }, status=400 if request.method == "POST" else 200)


# Evaluations (评议): highlights, own results, daily evaluations ------------------------------


@require_safe
@never_cache
@unit_staff_required
def evaluations(request: HttpRequest, unit: Organisation) -> HttpResponse:
    """The rounds that rate this unit: its highlights to write until a round closes, and
    its own result once closed (never anyone else's, never a single evaluator's)."""
    return render(request, "desk/evaluations.html", {
        "unit": unit, "rounds": evaluation_selectors.unit_rounds(unit=unit),
    })


@require_http_methods(["GET", "POST"])
@never_cache
@unit_staff_required
def highlight(request: HttpRequest, pk: str, unit: Organisation) -> HttpResponse:
    """工作亮点 for one round: a short text and a few pictures."""
    key = pk_from_path(EvaluationRound, pk)
    found = next((r for r in evaluation_selectors.unit_rounds(unit=unit) if r.round.pk == key), None)
    if found is None or found.round.state == "closed":  # a closed round's highlights are kept as they were
        raise Http404
    errors: dict[str, list[str]] = {}
    text = found.highlight.text if found.highlight else ""
    if request.method == "POST":
        text = request.POST.get("text", "")
        remove = [v for v in (pk_from_path(EvaluationPicture, r) for r in request.POST.getlist("remove")) if v]
        try:
            evaluation_services.highlight_save(round_=found.round, unit=unit, text=text,
                                               pictures=request.FILES.getlist("pictures"), remove=remove,
                                               by=request.user)
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        else:
            messages.success(request, _("工作亮点已保存，评议人填表时可以看到"))
            return redirect("desk:evaluations")
    return render(request, "desk/highlight.html", {
        "unit": unit, "found": found, "text": text, "errors": errors,
        "pictures_max": settings.EVALUATIONS_PICTURES_MAX,
    }, status=400 if errors else 200)


@require_http_methods(["GET", "POST"])
@never_cache
@unit_staff_required
def daily(request: HttpRequest, unit: Organisation) -> HttpResponse:
    """日常评议 of this unit, unanswered first, each to be answered once."""
    errors: dict[int, list[str]] = {}
    typed: dict[int, str] = {}
    if request.method == "POST":
        key = pk_from_path(DailyEvaluation, request.POST.get("evaluation", ""))
        evaluation = DailyEvaluation.objects.filter(pk=key, unit=unit).first() if key else None
        if evaluation is None:
            raise Http404
        typed[evaluation.pk] = request.POST.get("reply", "")
        try:
            evaluation_services.daily_reply(evaluation=evaluation, unit=unit, text=typed[evaluation.pk],
                                            by=request.user)
        except ValidationError as error:
            errors[evaluation.pk] = error.messages
        else:
            messages.success(request, _("答复已提交"))
            return redirect("desk:daily")
    return render(request, "desk/daily.html", {
        "unit": unit, "evaluations": evaluation_selectors.daily_for_unit(unit=unit), "errors": errors,
        "typed": typed,
    }, status=400 if errors else 200)
