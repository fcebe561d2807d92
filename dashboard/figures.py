"""The dashboard's figures (everything below its header), rendered for a leader's
request or ahead of one.

``render`` is what the page shows for a filter; ``warm`` renders the page a leader
opens first (no filter: the latest closed month) in every language and keeps it
(``dashboard/cache.py``), so that the first leader after a month is closed, published,
changed on review or rolled up does not wait for it. It runs in a task
(``dashboard.tasks.warm_figures_task``), queued by ``ratings.signals.figures_changed``.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from dashboard import cache, charts, selectors
from dashboard.filters import UNIT_LIST_ID, DashboardFilter
from departments.models import Jurisdiction


def render(*, filterset: DashboardFilter, calendar: selectors.Calendar, grid_page=1, request=None) -> str:
    query = filterset.query()
    overview = selectors.dashboard_overview(query=query, calendar=calendar, grid_page=grid_page or 1)
    return render_to_string("dashboard/_overview.html", {
        "filterset": filterset,
        "query": query,
        "o": overview,
        "charts": charts.chart_data(overview),
        "unit_list_id": UNIT_LIST_ID,
        "unit_options": selectors.unit_options(query=query),
    }, request=request)


def warm(*, jurisdiction_id: int) -> list[str]:
    """Render and keep the first page's figures in every language, unless kept already
    or a month they read is open (then they stay live). Returns the languages rendered."""
    if cache.cache_seconds() <= 0:
        return []
    jurisdiction = Jurisdiction.objects.filter(pk=jurisdiction_id).first()
    if jurisdiction is None:
        return []
    calendar = selectors.calendar_for(jurisdiction=jurisdiction)
    rendered = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            params = QueryDict()
            request = _first_page_request(params)
            filterset = DashboardFilter(params, jurisdiction=jurisdiction, calendar=calendar, request=request)
            query = filterset.query()
            stamp = selectors.overview_stamp(query=query, calendar=calendar)
            if stamp is None:
                return rendered
            key = cache.figures_key(query=query, params=params, years=calendar.years, stamp=stamp)
            if cache.figures_keep(key=key, render=lambda f=filterset, r=request: render(filterset=f, calendar=calendar, request=r)):
                rendered.append(code)
    return rendered


def _first_page_request(params: QueryDict) -> HttpRequest:
    """The request a leader's first look makes, as far as the figures read it: the
    address and its (empty) query, which the grid's page links carry on."""
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = reverse("dashboard:index")
    request.GET = params
    return request
