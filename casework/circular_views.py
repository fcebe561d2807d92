"""The office's page for the quarterly circular (季度通报): choose the quarter, tick the
typical cases among its forms, download the circular as a PDF or a Word document.
Wired by ``AssignmentFormAdmin.get_urls`` as ``admin:casework_assignmentform_circular``."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from casework import circular
from casework.models import FORM_LABELS, AssignmentForm
from departments import roles

FIRST_YEAR = 2000  # before the product, and before any form
FORMATS = {
    "pdf": ("application/pdf", "pdf"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
}


def _choice(request: HttpRequest, today: dt.date) -> tuple[int, int, list[str]]:
    """The year and quarter asked for (the last finished quarter by default), and what is
    wrong with them, in words for the page."""
    default_year, default_quarter = circular.last_finished_quarter(today)
    errors: list[str] = []
    raw_year = request.GET.get("year", "").strip()
    raw_quarter = request.GET.get("quarter", "").strip()
    year, quarter = default_year, default_quarter
    if raw_year:
        try:
            year = int(raw_year)
        except ValueError:
            year = 0
        if not FIRST_YEAR <= year <= today.year:
            errors.append(_("年度“%(value)s”不正确：请填写 %(first)d 到 %(last)d 之间的年份") % {
                "value": raw_year, "first": FIRST_YEAR, "last": today.year})
            year = default_year
    if raw_quarter:
        try:
            quarter = int(raw_quarter)
        except ValueError:
            quarter = 0
        if quarter not in circular.QUARTER_NAMES:
            errors.append(_("季度“%(value)s”不正确：请选择第一至第四季度（1 到 4）") % {"value": raw_quarter})
            quarter = default_quarter
    if not errors and circular.quarter_bounds(year, quarter)[0] > today:
        errors.append(_("%(year)d年%(quarter)s还没有开始，不能通报") % {
            "year": year, "quarter": circular.QUARTER_NAMES[quarter]})
    return year, quarter, errors


def _download(data: bytes, *, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    response["Content-Length"] = str(len(data))
    # The office's own figures: no shared cache keeps them, and no browser guesses the type.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def circular_view(request: HttpRequest, *, model_admin) -> HttpResponse:
    """GET only: the page, or with ``format=pdf|docx`` the circular itself. The office of a
    jurisdiction makes its own jurisdiction's circular; anyone else is refused."""
    user = request.user
    jurisdiction = roles.user_jurisdiction(user)
    if not (user.has_perm("casework.view_assignmentform") and roles.is_office(user)) or jurisdiction is None:
        raise PermissionDenied
    if request.method != "GET":
        response = HttpResponse(status=405)
        response["Allow"] = "GET"
        return response
    today = timezone.localdate()
    year, quarter, errors = _choice(request, today)
    kind = request.GET.get("format", "").strip()
    if kind and kind not in FORMATS:
        errors.append(_("没有“%(value)s”这种格式：请下载 PDF 或 Word") % {"value": kind})
    start, end = circular.quarter_bounds(year, quarter)
    ticked = circular.form_ids(request.GET.getlist("typical"))

    if kind and not errors:
        try:
            made = circular.circular_data(jurisdiction=jurisdiction, year=year, quarter=quarter, typical_ids=ticked,
                                          today=today)
        except ValidationError as exc:  # a year whose working days nobody has entered
            errors.extend(exc.messages)
        else:
            content_type, extension = FORMATS[kind]
            data = circular.circular_pdf(made) if kind == "pdf" else circular.circular_docx(made)
            return _download(data, name=f"{made.file_name}.{extension}", content_type=content_type)

    forms = list(
        # The forms the circular counts: issued in the quarter, by today while it runs.
        AssignmentForm.objects.filter(jurisdiction=jurisdiction, issued_on__gte=start, issued_on__lte=min(end, today))
        .select_related("lead_unit", FORM_LABELS).order_by("year", "seq")
    ) if not errors else []
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("季度通报"),
        "errors": errors,
        "year": year,
        "quarter": quarter,
        "first_year": FIRST_YEAR,
        "last_year": today.year,
        "quarters": [(n, str(label)) for n, label in circular.QUARTER_NAMES.items()],
        "forms": [(f, f.pk in ticked) for f in forms],
        "period": _("%(start)s至%(end)s") % {"start": circular.date_label(start), "end": circular.date_label(end)},
        "jurisdiction": jurisdiction,
    }
    return TemplateResponse(request, "casework/admin/circular.html", context, status=400 if errors else 200)
