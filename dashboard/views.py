"""The leaders' dashboard: thin views that parse the filters, call the selectors and
render. Leaders (领导) and the office (效能办) only: an anonymous visitor is sent to
the login page, anyone else (a department rater) is refused."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from dashboard import cache, figures, links, selectors
from dashboard.filters import STATUS_SUBMITTED, UNIT_LIST_ID, DashboardFilter, DrillDownFilter
from dashboard.selectors import COUNTED, DashboardQuery
from departments.models import Jurisdiction
from assessment import selectors as assessment_selectors
from casework import selectors as casework_selectors
from reviews import selectors as review_selectors
from departments.roles import is_leader, is_office, user_jurisdiction

DRILL_PAGE_SIZE = 50

View = Callable[..., HttpResponse]


def leader_or_office_required(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
        jurisdiction = user_jurisdiction(user) if (is_leader(user) or is_office(user)) else None
        if jurisdiction is None:
            return render(request, "dashboard/forbidden.html", status=403)
        return view(request, *args, jurisdiction=jurisdiction, **kwargs)

    return wrapped


@require_safe
@never_cache  # the figures move as ratings are approved; never kept by a browser or a proxy
@leader_or_office_required
def dashboard(request: HttpRequest, jurisdiction: Jurisdiction) -> HttpResponse:
    calendar = selectors.calendar_for(jurisdiction=jurisdiction)
    filterset = DashboardFilter(request.GET, jurisdiction=jurisdiction, calendar=calendar, request=request)
    query = filterset.query()

    def render_figures() -> str:
        return figures.render(filterset=filterset, calendar=calendar, grid_page=request.GET.get("grid_page"),
                              request=request)

    # Everything below the header is the same for every leader and the office of the
    # jurisdiction: kept once the months it reads are closed (dashboard/cache.py).
    stamp = selectors.overview_stamp(query=query, calendar=calendar)
    key = cache.figures_key(query=query, params=request.GET, years=calendar.years, stamp=stamp) if stamp else None
    return render(request, "dashboard/index.html", {
        "query": query,
        "figures": cache.figures_html(key=key, render=render_figures),
        # Live, not cached with the figures: a review is filed or decided in any month.
        "reviews": review_selectors.counts_by_department(jurisdiction_id=jurisdiction.pk, year=query.year),
        # Live too: the office computes the year's scores again whenever it needs to.
        # Live: forms move every day, and overdue is worked out from today.
        "casework": casework_selectors.casework_stats(jurisdiction_id=jurisdiction.pk, year=query.year),
        "composite": assessment_selectors.composite_standings(
            jurisdiction=jurisdiction, year=query.year, category_id=query.category.pk if query.category else None),
    })


@require_safe
@never_cache
@leader_or_office_required
def dashboard_ratings(request: HttpRequest, jurisdiction: Jurisdiction) -> HttpResponse:
    """The ratings behind a figure, each linked to its read-only page (``dashboard_rating``)."""
    calendar = selectors.calendar_for(jurisdiction=jurisdiction)
    filterset = DrillDownFilter(
        request.GET, queryset=selectors.drill_down_base(jurisdiction=jurisdiction),
        jurisdiction=jurisdiction, calendar=calendar, request=request,
    )
    query = filterset.query()
    page = Paginator(filterset.qs, DRILL_PAGE_SIZE).get_page(request.GET.get("page"))
    outcome = filterset.form.cleaned_data.get("outcome") or ""
    status = filterset.form.cleaned_data.get("status") or ""
    return render(request, "dashboard/ratings.html", {
        "filterset": filterset,
        "query": query,
        "page": page,
        "outcome": outcome,
        "status": status,
        "admin_url": links.admin_drill_url(query, calendar, outcome=outcome, submitted=status == STATUS_SUBMITTED),
        "back_url": links.dashboard_url(query),
        "unit_list_id": UNIT_LIST_ID,
        "unit_options": selectors.unit_options(query=query),
    })


@require_safe
@never_cache
@leader_or_office_required
def dashboard_rating(request: HttpRequest, pk: int, jurisdiction: Jurisdiction) -> HttpResponse:
    """One rating, read-only, in the dashboard's frame: where a drill-down ends. A rating
    the drill-down would not list (another jurisdiction's, a draft, a withdrawn one) is
    not found."""
    found = selectors.rating_page(jurisdiction=jurisdiction, rating_id=pk)
    if found is None:
        raise Http404
    rating = found.rating
    query = DashboardQuery(jurisdiction=jurisdiction, year=rating.period.year,
                           month_from=rating.period.month, month_to=rating.period.month, unit=rating.unit)
    back_url = links.safe_back_url(request.GET.get("back")) or links.drill_url(
        query, status=STATUS_SUBMITTED if rating.status != COUNTED else None
    )
    return render(request, "dashboard/rating.html", {
        "r": found,
        "rating": rating,
        "query": query,
        "back_url": back_url,
        "back_to_dashboard": urlsplit(back_url).path == reverse("dashboard:index"),
        "unit_url": links.dashboard_url(query, month_from=1),
    })
