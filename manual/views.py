"""The user manual at /help/: thin views over manual.chapters. The public chapter is
for everyone; the staff chapters for anyone logged in to the admin; an anonymous
reader asking for a staff chapter is sent to the login page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_cookie

from departments.roles import is_leader, is_office
from manual import pdf
from manual.chapters import chapter_by_slug, chapters_for, may_read


def _frame(request: HttpRequest) -> dict:
    user = request.user
    return {"chapters": chapters_for(user), "can_dashboard": is_leader(user) or is_office(user)}


@require_safe
@vary_on_cookie
@cache_control(private=True)  # what is listed depends on who is logged in
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "manual/index.html", _frame(request))


@require_safe
@vary_on_cookie
@cache_control(private=True)
def chapter(request: HttpRequest, slug: str) -> HttpResponse:
    found = chapter_by_slug(slug)
    if found is None:
        raise Http404
    if not may_read(request.user, found):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
        raise PermissionDenied
    return render(request, "manual/chapter.html", {**_frame(request), "chapter": found})


@require_safe
@vary_on_cookie
@cache_control(private=True)
def manual_pdf(request: HttpRequest) -> HttpResponse:
    """Every chapter the reader may read, as one PDF."""
    slugs = tuple(chapter.slug for chapter in chapters_for(request.user))
    response = HttpResponse(pdf.manual_pdf(slugs, get_language()), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="liangbang-manual.pdf"'
    return response
