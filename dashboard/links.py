"""Links from a figure to the ratings behind it: the dashboard's drill-down list (it
takes every filter) and each rating's read-only page, or the admin's ratings list with the filters the admin accepts
(``RatingAdmin``: ``period__id__exact``, ``unit__id__exact``, ``department__id__exact``,
``status__exact``, ``outcome``; and ``period__id__in`` for several months)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from dashboard.selectors import COUNTED, Calendar, DashboardQuery, GridCell
from ratings import rules


def query_params(query: DashboardQuery, **overrides: object) -> dict[str, str]:
    """The URL parameters that reproduce ``query``, changed by ``overrides``: ``month``
    narrows the range to one month; ``unit`` takes a unit code; ``None`` drops a filter."""
    params: dict[str, object] = {
        "year": query.year,
        "month_from": query.month_from,
        "month_to": query.month_to,
        "category": query.category.pk if query.category is not None else None,
        "department": query.department.pk if query.department is not None else None,
        "unit": query.unit.code if query.unit is not None else None,
    }
    month = overrides.pop("month", None)
    if month is not None:
        params["month_from"] = params["month_to"] = month
    params.update(overrides)
    return {key: str(value) for key, value in params.items() if value not in (None, "")}


def dashboard_url(query: DashboardQuery, **overrides: object) -> str:
    return _with_params(reverse("dashboard:index"), query_params(query, **overrides))


def drill_url(query: DashboardQuery, **overrides: object) -> str:
    """The dashboard's list of the ratings behind a figure."""
    return _with_params(reverse("dashboard:ratings"), query_params(query, **overrides))


def admin_ratings_url(**params: object) -> str:
    return _with_params(reverse("admin:ratings_rating_changelist"),
                        {key: str(value) for key, value in params.items() if value not in (None, "")})


def admin_rating_url(rating_id: int) -> str:
    return reverse("admin:ratings_rating_change", args=[rating_id])


def rating_url(rating_id: int, *, back: str = "") -> str:
    """The dashboard's read-only page of one rating; ``back`` is the list it was opened
    from (its "back" link returns there)."""
    return _with_params(reverse("dashboard:rating", args=[rating_id]), {"back": back} if back else {})


def safe_back_url(url: str | None) -> str:
    """``url`` when it is a page of the dashboard on this site, else ""."""
    if not url or len(url) > 2000 or not url.startswith(reverse("dashboard:index")):
        return ""
    if not url_has_allowed_host_and_scheme(url, allowed_hosts=None) or "\\" in url:
        return ""
    return url


def grid_cell_url(query: DashboardQuery, unit_code: str, cell: GridCell) -> str:
    """A cell of the traffic-light grid opens its rating when it holds one, else the
    drill-down list of the unit's counted ratings of that month."""
    if cell.first_rating_id is not None:
        return rating_url(cell.first_rating_id, back=dashboard_url(query))
    return drill_url(query, unit=unit_code, month=cell.month)


def admin_drill_url(query: DashboardQuery, calendar: Calendar, *, outcome: str = "", submitted: bool = False) -> str:
    """The same ratings in the admin's list, when its filters can say it: not for a
    category, nor for yellow and red together, nor for "submitted" (several statuses).
    "" when they cannot."""
    if query.category is not None or submitted or outcome not in ("", *rules.KINDS, "escalated"):
        return ""
    periods = [period.id for month in query.months if (period := calendar.period(query.year, month)) is not None]
    if not periods:
        return ""
    return admin_ratings_url(
        period__id__exact=periods[0] if len(periods) == 1 else None,
        period__id__in=",".join(map(str, periods)) if len(periods) > 1 else None,
        unit__id__exact=query.unit.pk if query.unit is not None else None,
        department__id__exact=query.department.pk if query.department is not None else None,
        outcome=outcome or None,
        status__exact=COUNTED.value,
    )


def _with_params(path: str, params: dict[str, str]) -> str:
    return f"{path}?{urlencode(params)}" if params else path
