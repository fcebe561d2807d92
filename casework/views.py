"""The public doors of casework: the report form (作风效能问题举报) and the tracking
page. No login; no third-party CAPTCHA (the product runs on intranets): a honeypot field
and a limit per address instead. Nothing here shows anyone's personal data."""

from __future__ import annotations

import os

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from casework import rules, selectors, services
from casework.forms import ReportForm, TrackForm
from casework.models import Channel, EventFile, Followup, ReportFile
from config.accounts.throttle import client_ip
from departments.models import Jurisdiction
from departments.selectors import jurisdiction_default
from lib.downloads import protected_file_response
from lib.throttle import throttle_hit
from lib.uploads import display_name


def _jurisdiction(code: str | None) -> Jurisdiction:
    if code is None:
        found = jurisdiction_default()
    else:
        found = Jurisdiction.objects.filter(code=code, is_active=True).first()
    if found is None:
        raise Http404
    return found


def _too_many(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    return render(request, template, {**context, "throttled": True}, status=429)


@never_cache
@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest, jurisdiction: str | None = None) -> HttpResponse:
    return _report_form(request, _jurisdiction(jurisdiction))


@never_cache
@require_http_methods(["GET", "POST"])
def supervisor_report(request: HttpRequest, token: str) -> HttpResponse:
    """A social supervisor's own link: the same form, and what comes in is theirs, on the
    supervisors' channel. A dismissed supervisor's link, or a made-up one, is not found."""
    supervisor = services.supervisor_for_link(token)
    if supervisor is None:
        raise Http404
    return _report_form(request, supervisor.jurisdiction, supervisor=supervisor)


def _report_form(request: HttpRequest, place: Jurisdiction, *, supervisor=None) -> HttpResponse:
    units = selectors.unit_choices(jurisdiction_id=place.pk)
    context = {"jurisdiction": place, "units": units, "extensions": services.report_extensions(),
               "max_files": settings.CASEWORK_MAX_FILES, "supervisor": supervisor}
    if request.method != "POST":
        return render(request, "casework/report_new.html", {**context, "form": ReportForm(units=units)})
    form = ReportForm(request.POST, request.FILES, units=units)
    if request.POST.get("website"):
        # A robot filled in the field people cannot see: it is told what a person is told,
        # and nothing is stored.
        return redirect("casework:report_sent")
    if not throttle_hit(scope="report", key=client_ip(request) or "", limit=settings.CASEWORK_REPORTS_PER_HOUR):
        return _too_many(request, "casework/report_new.html", {**context, "form": form})
    if form.is_valid():
        data = form.cleaned_data
        try:
            report = services.report_submit(
                jurisdiction=place, channel=Channel.SUPERVISOR if supervisor else Channel.WEB, title=data["title"],
                description=data["description"], location=data["location"], unit=data["unit_name"],
                reporter_name=data["reporter_name"] or (supervisor.name if supervisor else ""),
                reporter_phone=data["reporter_phone"], reporter_email=data["reporter_email"],
                files=request.FILES.getlist("files"), supervisor=supervisor,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, messages in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
            else:
                form.add_error("files" if error.code in _FILE_CODES else None, error.messages)
        else:
            request.session["casework_sent"] = report.code
            return redirect("casework:report_sent")
    return render(request, "casework/report_new.html", {**context, "form": form}, status=400)


_FILE_CODES = {"extension", "empty", "size", "content", "markup", "too_many_files"}


@never_cache
@require_safe
def report_sent(request: HttpRequest) -> HttpResponse:
    """The reporter's tracking code after sending (the code is kept in the session, so a
    refresh shows it again and never sends the report twice)."""
    code = request.session.get("casework_sent", "")
    return render(request, "casework/report_sent.html", {
        "code": rules.tracking_code_display(code) if code else "",
        "track_url": reverse("casework:track_code", args=[code]) if code else "",
    })


@never_cache
@require_safe
def track(request: HttpRequest) -> HttpResponse:
    """查询办理进度: a reporter types the tracking code."""
    if "code" not in request.GET:
        return render(request, "casework/track.html", {"form": TrackForm()})
    form = TrackForm(request.GET)
    if not throttle_hit(scope="track", key=client_ip(request) or "", limit=settings.CASEWORK_LOOKUPS_PER_HOUR):
        return _too_many(request, "casework/track.html", {"form": form})
    if form.is_valid():
        code = form.cleaned_data["code"]
        if selectors.public_report(code=code) is not None:
            return redirect("casework:track_code", code=code)
        form.add_error("code", _("没有找到这个查询码，请核对后再输入"))
        return render(request, "casework/track.html", {"form": form}, status=404)
    return render(request, "casework/track.html", {"form": form}, status=400)


@never_cache
@require_safe
def track_code(request: HttpRequest, code: str) -> HttpResponse:
    if not throttle_hit(scope="track", key=client_ip(request) or "", limit=settings.CASEWORK_LOOKUPS_PER_HOUR):
        return _too_many(request, "casework/track.html", {"form": TrackForm()})
    cleaned = rules.tracking_code_clean(code)
    view = selectors.public_report(code=cleaned) if cleaned else None
    if view is None:
        raise Http404
    return render(request, "casework/track_code.html", {"report": view, "code": rules.tracking_code_display(view.code)})


def _stats_year(request: HttpRequest, years: list[int]) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = 0
    return year if year in years else (years[0] if years else timezone.localdate().year)


def _stats_json(stats: selectors.CaseworkStats, jurisdiction: Jurisdiction) -> dict:
    def rate(value):
        return None if value is None else float(value)

    def counts(r: rules.Rates) -> dict:
        return {"issued": r.issued, "closed": r.closed, "open": r.open, "open_overdue": r.open_overdue,
                "closed_on_time": r.closed_on_time, "not_rectified": r.not_rectified, "on_time_rate": rate(r.on_time_rate)}

    return {
        "jurisdiction": jurisdiction.name, "year": stats.year, "reports": stats.reports,
        "reports_by_channel": {str(label): n for label, n in stats.reports_by_channel},
        "reports_by_state": {str(label): n for label, n in stats.reports_by_state},
        "forms": counts(stats.totals), "median_working_days_to_close": rate(stats.median_days),
        "followups_answered": stats.answered, "satisfaction_rate": rate(stats.satisfaction_rate),
        "units": [{"code": u.code, "name": u.name, **counts(u.rates), "median_working_days_to_close": rate(u.median_days),
                   "followups_answered": u.answered, "satisfaction_rate": rate(u.satisfaction_rate)} for u in stats.units],
        "notes": str(_("按时办结率 = 按时销号 ÷（已办结 + 未办结且已超期）；满意率 = （满意 + 基本满意）÷ 已评价。只有统计数，没有任何个人信息。")),
    }


@require_safe
def stats(request: HttpRequest, jurisdiction: str | None = None, fmt: str = "html") -> HttpResponse:
    """问题交办公开统计: counts by channel, state and unit, the on-time rate and the
    reporters' satisfaction; no names, no contacts, no text."""
    place = _jurisdiction(jurisdiction)
    years = selectors.casework_years(jurisdiction_id=place.pk)
    year = _stats_year(request, years)
    figures = selectors.casework_stats(jurisdiction_id=place.pk, year=year)
    if fmt == "json":
        response = JsonResponse(_stats_json(figures, place), json_dumps_params={"ensure_ascii": False, "indent": 1})
    else:
        response = render(request, "casework/stats.html", {"stats": figures, "years": years, "jurisdiction": place,
                                                            "json_url": reverse("casework:stats_json", kwargs={"jurisdiction": jurisdiction} if jurisdiction else {})})
    patch_cache_control(response, public=True, max_age=300)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def followup(request: HttpRequest, token: str) -> HttpResponse:
    """"问题解决了吗？": the reporter answers once, from the e-mailed link or the tracking page."""
    found = Followup.objects.select_related("report").filter(token=token).first() if rules.link_token_ok(token) else None
    if found is None:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            services.followup_answer(followup=found, answer=request.POST.get("answer", ""),
                                     comment=request.POST.get("comment", ""))
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            return redirect("casework:track_code", code=found.report.code)
    return render(request, "casework/followup.html", {
        "followup": found, "code": found.report.code_display, "answers": Followup.Answer.choices, "error": error,
        "track_url": reverse("casework:track_code", args=[found.report.code]),
    }, status=400 if error else 200)


# Files: to those who may see them, and to nobody else (404, so ids reveal nothing) ----------


def _serve(stored, name: str) -> FileResponse:
    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return protected_file_response(handle, name=display_name(name) or os.path.basename(stored.name),
                                   stored_name=stored.name)


@require_safe
@login_required
def report_file(request: HttpRequest, pk: int) -> FileResponse:
    """A reporter's photo, video or audio: the office of the item's jurisdiction only (it
    may show the reporter; the unit sees the form, not the item)."""
    found = ReportFile.objects.select_related("report").filter(pk=pk).first()
    if found is None or not services.is_office_of(request.user, found.report.jurisdiction_id):
        raise Http404
    return _serve(found.file, found.original_name)


@require_safe
@login_required
def event_file(request: HttpRequest, pk: int) -> FileResponse:
    """A unit's evidence on a form: the office and the form's own units."""
    found = EventFile.objects.select_related("event__form").filter(pk=pk).first()
    if found is None or services.actor_of(request.user, found.event.form) == rules.OTHER:
        raise Http404
    return _serve(found.file, found.original_name)
