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
from django.shortcuts import render, resolve_url
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from config.accounts.views import home_for
from departments.models import Organisation
from departments.roles import is_unit_staff, user_unit
from desk import selectors

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
    })


@require_safe
@never_cache
@unit_staff_required
def rating(request: HttpRequest, pk: int, unit: Organisation) -> HttpResponse:
    found = selectors.desk_rating(unit=unit, pk=pk)
    if found is None:
        raise Http404
    reviews = selectors.desk_filing_states(user=request.user, unit=unit, ratings=[found])
    return render(request, "desk/rating.html", {"unit": unit, "rating": found, "review": reviews[found.pk]})
