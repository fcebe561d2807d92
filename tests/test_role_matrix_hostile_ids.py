"""A wrong or hostile address is a plain 404 page, never a server error.

What a person relies on: whatever they type into the address bar (an id copied wrong, a
number too large for any database, a negative one, letters, a NUL byte, full-width digits
from a Chinese input method, a 5000-character string), the answer is the page's normal
refusal: a 404 for an object that is not there, a 403 for someone who may not use the
page at all, the login page for a citizen on a page that needs an account. Never a 500,
never an exception.

The walk is automatic. Every URL pattern of the project that takes a path argument
(``object_id``, ``pk``, ``year``, ``month``, ``revision``, ``code``, ``run_id``, the
history ids of django-simple-history, the admin pages of django-import-export,
django-celery-beat, django-axes and django.contrib.auth, the public board's
``j/<code>/``, …) is found through ``get_resolver()``; the role matrix's first row for
the pattern (tests/test_role_matrix.py) gives a real address, and each of its arguments
in turn is replaced by each hostile value, the others kept. A new pattern is covered as
soon as the matrix has a row for it, which ``test_every_url_pattern_has_a_row`` demands.

The expected answer is derived, per person, from where the hostile address lands
(``_landing``) and from the matrix's table for that pattern:

- an address no pattern takes: 404 for everyone (the admin's catch-all sends a citizen
  to the login page first, as for any admin address);
- the public board: 404 for everyone;
- any other page a citizen meets logged out (302 on all its rows): 302 to the login page
  (400 when the address is too long to put in a redirect);
- a person refused the page on every row of the matrix: 403, or 404 where the page looks
  the id up before it asks who is asking (both refuse; neither tells anything);
- the admin's bare ``<id>/``: 302 to that id's change page (which is walked too);
- anyone else: 404 (a POST may also be refused as such, 403, before the id is read).

What is tried, and what is left out to keep the run short (about a minute on SQLite,
most of it the error pages, each in the frame of its part of the site):

- GET, path arguments: every value of ``HOSTILE`` and the converter's edge values
  (``EDGES``: year 0000 and 9999, month 00 and 13), for every argument, by the citizen
  everywhere and by the office in the admin (who passes the most permission checks, so
  the most code runs with the value); the other people, and the office on the public
  board (which reads no account), try ``EACH_KIND``: one value of each kind (too large,
  a valid number with no row, letters, NUL, full-width, over-long).
- POST, path arguments: the admin's pages only (the product's other pages only read and
  refuse POST, which tests/test_role_matrix.py checks), with ``POST_VALUES`` (full-width
  digits, the alias that once closed another month; too large; NUL) for the citizen and
  the office, the first two for the others.
- Ids in a query or a form: every ModelAdmin's list with all its id lookups at once (too
  large: two values) and all its own filters at once (malformed: two values); its list
  actions posted with every hostile id at once (each action by the citizen and the
  office, the first by the others); the add page's ``?<foreign key>=`` choices; the
  dashboard's, the score workbook's, the export's and the autocomplete's queries.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from urllib.parse import quote, unquote, urlsplit

import pytest
from django.conf import settings
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.utils.http import MAX_URL_REDIRECT_LENGTH

from tests.test_role_matrix import (  # noqa: F401  (the scene's fixtures)
    CASES,
    PERSONAS,
    _media_root,
    media_dir,
    scene,
)

pytestmark = pytest.mark.filterwarnings("ignore:The 'get_valid_export_item_pks:DeprecationWarning")

HUGE = "9999999999999999999999999"
# Each value, and why it is there.
HOSTILE = {
    "huge": HUGE,  # beyond any integer column: OverflowError on SQLite, out of range on PostgreSQL
    "2**63": str(2**63),  # one past a 64-bit integer
    "2**63-1": str(2**63 - 1),  # the largest 64-bit integer: a valid number, no such row
    "-1": "-1",
    "0": "0",
    "abc": "abc",
    "1.5": "1.5",
    "nul": "\x00",  # sent as %00
    "fullwidth": "１２",  # full-width digits: int() reads them as 12, another row's id
    "long": "9" * 5000,  # over-long, and past Python's int() digit limit
}
# More, for an argument whose converter takes such values: year zero, the last four-digit
# year (a date a year later does not exist), month zero and a thirteenth month.
EDGES = {"yyyy": {"0000": "0000", "9999": "9999"}, "mm": {"00": "00", "13": "13"}}
# Who tries every value, and the values the others try (see the module's docstring).
FULL = ("anon", "alice")
# Sent to log in by the admin: a citizen, and the staff of a rated unit (no admin access).
LOGGED_OUT = ("anon", "una")
EACH_KIND = ("huge", "2**63-1", "abc", "nul", "fullwidth", "long")
POST_VALUES = ("fullwidth", "huge", "nul")  # the others post the first two


# The URL patterns, walked as Django resolves them --------------------------------------------


@dataclass(frozen=True)
class Argument:
    span: tuple[int, int]  # where it sits in the path
    converter: str  # its converter's registered name ("int", "path", "yyyy", …), "" for a regex group


@dataclass(frozen=True)
class Landing:
    route: str  # as tests/test_role_matrix.url_patterns() spells it
    arguments: tuple[Argument, ...]


def _converter_name(converter) -> str:
    from django.urls.converters import get_converters

    names = {type(registered): name for name, registered in get_converters().items()}
    return names.get(type(converter), "")


def _walk(path: str, patterns, prefix: str = "", offset: int = 0) -> Landing | None:
    """The pattern that resolves ``path[offset:]`` (first match wins, as in Django), with
    its arguments' places in ``path``."""
    remaining = path[offset:]
    for pattern in patterns:
        found = pattern.pattern.regex.search(remaining)
        if not found or pattern.pattern.match(remaining) is None:
            continue
        names = {index: name for name, index in found.re.groupindex.items()}
        converters = getattr(pattern.pattern, "converters", {})
        arguments = tuple(
            Argument((offset + found.start(i), offset + found.end(i)), _converter_name(converters.get(names.get(i))))
            for i in range(1, found.re.groups + 1) if found.start(i) >= 0
        )
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = _walk(path, pattern.url_patterns, route, offset + found.end())
            if inner is not None:
                return Landing(inner.route, arguments + inner.arguments)
            continue
        return Landing(route, arguments)
    return None


@cache
def _landing(path: str) -> Landing | None:
    """Where the path (as the server reads it: decoded, with its leading slash) lands."""
    return _walk(path, get_resolver().url_patterns, offset=1) if path.startswith("/") else None


def _routes_with_arguments() -> list[str]:
    from tests.test_role_matrix import url_patterns

    return list(dict.fromkeys(route for route in url_patterns() if re.compile(_regex_of(route)).groups))


def _regex_of(route: str) -> str:
    """A regex with one group per argument of ``route`` (a path() route or a regex)."""
    return re.sub(r"(?<!\?P)<(?:\w+:)?\w+>", "()", route)


ROUTES = _routes_with_arguments()


def _sample_path(scene, route: str) -> str:
    """A real address of ``route``: the first row of the matrix that lands on it."""
    for case in CASES:
        if case.route == route:
            path = urlsplit(case.url(scene)).path
            landing = _landing(path)
            if landing is not None and landing.route == route:
                return path
    raise AssertionError(f"no row of the role matrix lands on {route}")


def hostile_paths(scene, route: str, names: tuple[str, ...] | None = None) -> Iterator[tuple[str, str]]:
    """``(label, path)``: the route's real address with one argument made hostile, for
    each argument and each value (``names``, or all with the converter's edges)."""
    path = _sample_path(scene, route)
    for index, argument in enumerate(_landing(path).arguments, start=1):
        values = HOSTILE if names is None else {name: HOSTILE[name] for name in names}
        if names is None:
            values = {**values, **EDGES.get(argument.converter, {})}
        start, end = argument.span
        for name, value in values.items():
            yield f"argument {index} = {name}", path[:start] + quote(value, safe="") + path[end:]


# What each person should get ---------------------------------------------------------------


LOGIN_PATHS = {resolve_url("admin:login"), resolve_url(settings.LOGIN_URL)}


@cache
def _statuses(route: str, persona: str) -> frozenset[int]:
    return frozenset(case.expected[persona] for case in CASES if case.route == route)


@cache
def _is_public(route: str) -> bool:
    return any(case.public for case in CASES if case.route == route)


def expected(path: str, persona: str, method: str) -> tuple[frozenset[int], str | None]:
    """The acceptable statuses, and for a redirect the path it must go to ("login" for
    the login page)."""
    landing = _landing(unquote(path))
    if landing is None:
        return frozenset({404}), None
    route = landing.route
    if _is_public(route):
        return frozenset({404}), None
    statuses = _statuses(route, persona)
    if persona in LOGGED_OUT and statuses == {302}:
        return frozenset({302}), "login"
    if statuses == {403}:
        return frozenset({403, 404}), None
    if method == "GET" and statuses == {405}:
        return frozenset({405}), None  # a POST-only address answers a GET so, whatever the id
    if route.endswith("<path:object_id>/") and statuses == {302}:
        return frozenset({302}), path + "change/"
    if method == "POST":
        return frozenset({404, 403}), None
    return frozenset({404}), None


def _problem(client, persona: str, method: str, label: str, path: str, data, allowed: frozenset[int],
             location: str | None) -> str | None:
    """What is wrong with the answer to one request, or None."""
    where = f"{persona}: {method} {label} {path[:120]}"
    if location == "login" and len(quote(path)) > MAX_URL_REDIRECT_LENGTH - len("/admin/login/?next="):
        allowed = allowed | {400}  # Django will not redirect to so long an address: a bad request
    try:
        with transaction.atomic():  # a database error must not poison the requests after it
            response = client.post(path, data) if method == "POST" else client.get(path)
    except Exception as exc:  # noqa: BLE001  (the point: nothing may escape)
        return f"{where}: {type(exc).__name__}: {str(exc)[:160]}"
    if response.status_code not in allowed:
        return f"{where}: {response.status_code}, expected {sorted(allowed)}"
    if response.status_code == 302 and location is not None:
        target = urlsplit(response["Location"]).path
        if location == "login" and target not in LOGIN_PATHS:
            return f"{where}: redirects to {target}, not the login page"
        if location != "login" and unquote(target) != unquote(location):
            return f"{where}: redirects to {target[:120]}, not {location[:120]}"
    return None


@pytest.fixture(autouse=True, scope="module")
def _no_warning_per_refusal():
    """Thousands of 404s and 403s are the point here: Django's warning for each is not
    logged (a server error still is, at ERROR)."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture(scope="module")
def sessions(scene, django_db_blocker) -> dict[str, str]:
    """Each person logged in once for the module (inside the scene's transaction, so
    the sessions outlive each test's savepoint): their session cookies."""
    with django_db_blocker.unblock():
        cookies = {}
        for persona in PERSONAS:
            browser = Client()
            if persona != "anon":
                browser.force_login(scene.users[persona])
                cookies[persona] = browser.cookies[settings.SESSION_COOKIE_NAME].value
    return cookies


@pytest.fixture
def clients(sessions, db) -> dict[str, Client]:
    """A fresh browser per person and test (no messages left over from other tests)."""
    browsers = {}
    for persona in PERSONAS:
        browsers[persona] = Client()
        if persona in sessions:
            browsers[persona].cookies[settings.SESSION_COOKIE_NAME] = sessions[persona]
    return browsers


@pytest.mark.parametrize("route", ROUTES)
def test_a_hostile_address_is_a_plain_refusal_never_a_server_error(scene, clients, db, route):
    problems = []
    for persona, client in clients.items():
        full = persona == "anon" or (persona in FULL and route.startswith("admin/"))
        for label, path in hostile_paths(scene, route, None if full else EACH_KIND):
            problems.append(_problem(client, persona, "GET", label, path, None, *expected(path, persona, "GET")))
        if route.startswith("admin/"):
            for label, path in hostile_paths(scene, route, POST_VALUES if persona in FULL else POST_VALUES[:2]):
                problems.append(_problem(client, persona, "POST", label, path, {"post": "yes", "reason": "x"},
                                         *expected(path, persona, "POST")))
    assert [problem for problem in problems if problem] == []


def test_every_pattern_with_an_argument_is_walked(scene, db):
    """Each pattern with a path argument has a real address whose arguments are found."""
    assert len(ROUTES) > 100
    for route in ROUTES:
        path = _sample_path(scene, route)
        assert len(_landing(path).arguments) == re.compile(_regex_of(route)).groups, route


# Ids in a query string or a form ----------------------------------------------------------------
#
# The same, for ids that arrive another way: a list's filters (``?unit__id__exact=…``), the
# rows a list action is posted for, an add page's ``?unit=…``, the dashboard's and the
# score workbook's ``?year=…``. Every ModelAdmin of the site is walked; each person gets
# the page's answer without the hostile value (its rows in the matrix), or, on a list the
# person reads, Django's own refusal of a bad filter (302 to ``?e=1``, or 400).

OVERFLOWING = ("huge", "2**63")  # built into the query, refused by the database binding it
MALFORMED = ("nul", "long")  # refused by the field converting it, or by the filter


def _model_admins() -> list:
    from django.contrib import admin

    return list(admin.site._registry.values())


def _admin_id(model_admin) -> str:
    return f"{model_admin.model._meta.app_label}.{model_admin.model._meta.model_name}"


def _id_lookups(model) -> list[str]:
    """A list's lookups on every integer and foreign-key column of ``model``."""
    from django.db import models

    lookups = []
    for field in model._meta.concrete_fields:
        if field.many_to_one:
            lookups += [f"{field.name}__id__exact", f"{field.name}__exact", f"{field.name}__in"]
        elif isinstance(field, models.IntegerField):
            lookups += [f"{field.name}__exact", f"{field.name}__in"]
    return lookups


def _filter_parameters(model_admin) -> list[str]:
    """The parameters of the list's own filters (SimpleListFilter subclasses)."""
    names = []
    for item in model_admin.list_filter:
        parameter = getattr(item, "parameter_name", None)
        if isinstance(item, type) and parameter:
            names.append(parameter)
    return names + ["q", "p", "o"]


def _action_names(model_admin) -> list[str]:
    names = ["delete_selected"]
    for action in model_admin.actions or ():
        names.append(action if isinstance(action, str) else action.__name__)
    return list(dict.fromkeys(names))


def _query(parameters: list[str], value: str) -> str:
    return "&".join(f"{name}={quote(value, safe='')}" for name in parameters)


def _page_statuses(route: str, persona: str) -> frozenset[int]:
    return frozenset(case.expected[persona] for case in CASES if case.route == route and case.post is None)


@pytest.mark.parametrize("model_admin", _model_admins(), ids=_admin_id)
def test_a_hostile_id_in_a_list_query_or_action_is_refused_never_a_server_error(scene, clients, db, model_admin):
    from django.contrib.admin import helpers

    opts = model_admin.model._meta
    root = f"admin/{opts.app_label}/{opts.model_name}/"
    foreign_keys = [field.name for field in opts.concrete_fields if field.many_to_one]
    problems = []
    for persona, client in clients.items():
        listed = _page_statuses(root, persona)
        login = "login" if listed == {302} and persona in LOGGED_OUT else None
        refused = listed | ({302, 400} if 200 in listed else set())
        for name in OVERFLOWING:
            url = f"/{root}?{_query(_id_lookups(model_admin.model), HOSTILE[name])}"
            problems.append(_problem(client, persona, "GET", f"list filters = {name}", url, None, refused, login))
        for name in MALFORMED:
            url = f"/{root}?{_query(_filter_parameters(model_admin), HOSTILE[name])}"
            problems.append(_problem(client, persona, "GET", f"list's own filters = {name}", url, None, refused,
                                     login))
        for action in _action_names(model_admin)[:None if persona in FULL else 1]:
            selected = [HOSTILE[name] for name in ("huge", "2**63", "nul", "long", "fullwidth")]
            data = {"action": action, "index": "0", "post": "yes", "reason": "x", "apply": "1",
                    helpers.ACTION_CHECKBOX_NAME: selected}
            acted = listed | ({302} if 200 in listed else set())
            problems.append(_problem(client, persona, "POST", f"action {action} on hostile ids", f"/{root}", data,
                                     acted, login))
        if foreign_keys:
            added = _page_statuses(root + "add/", persona)
            for name in ("huge", "nul") if persona in FULL else ("nul",):
                url = f"/{root}add/?{_query(foreign_keys, HOSTILE[name])}"
                problems.append(_problem(client, persona, "GET", f"add page's choices = {name}", url, None, added,
                                         "login" if persona in LOGGED_OUT else None))
    assert [problem for problem in problems if problem] == []


#                               anon bob carol leo alice olga
DASHBOARD = frozenset({200}), {"anon": frozenset({302}), "bob": frozenset({403}), "carol": frozenset({403}),
                               "una": frozenset({403})}
QUERIES = [
    # The dashboard falls back to its defaults for each value it cannot use, and says why.
    ("/dashboard/?year={v}", DASHBOARD),
    ("/dashboard/?year=2026&month_from={v}&month_to={v}&category={v}&department={v}&unit={v}", DASHBOARD),
    ("/dashboard/ratings/?year={v}", DASHBOARD),
    ("/dashboard/ratings/?year=2026&month_to={v}&department={v}&unit={v}&category={v}&status={v}", DASHBOARD),
    # The office's workbook of a year that has no scores: back to the list, with a message.
    ("/admin/assessment/yearscore/workbook/?year={v}",
     (frozenset({302}), {"bob": frozenset({403}), "carol": frozenset({403}), "leo": frozenset({403})})),
    # An export of a list filtered on an id that names nothing: a bad request.
    ("/admin/ratings/rating/export/?period__id__exact={v}", (frozenset({200, 400}), {"anon": frozenset({302}), "una": frozenset({302})})),
    ("/admin/autocomplete/?app_label=ratings&model_name=rating&field_name=unit&term={v}&page={v}",
     (frozenset({200, 404}), {"anon": frozenset({302}), "una": frozenset({302})})),
]
# Beyond the hostile values: a year of eleven digits, year zero, month zero and thirteen.
QUERY_EDGES = ("11 digits", "0000", "13")
QUERY_VALUES = {**HOSTILE, "11 digits": "99999999999", "0000": "0000", "13": "13"}


@pytest.mark.parametrize(("template", "answers"), QUERIES, ids=[template for template, _ in QUERIES])
def test_a_hostile_value_in_a_page_query_is_refused_never_a_server_error(scene, clients, db, template, answers):
    default, by_person = answers
    problems = []
    for persona, client in clients.items():
        allowed = by_person.get(persona, default)
        for name, value in QUERY_VALUES.items():
            if persona not in FULL and name not in EACH_KIND:
                continue
            url = template.replace("{v}", quote(value, safe=""))
            problems.append(_problem(client, persona, "GET", f"= {name}", url, None, allowed,
                                     "login" if persona in LOGGED_OUT and allowed == {302} else None))
    assert [problem for problem in problems if problem] == []


def test_an_id_that_no_row_can_have_is_not_even_looked_up(scene, db, django_assert_num_queries):
    """What PostgreSQL refuses in a query (a NUL byte in a text: DataError) and SQLite
    cannot bind (an integer past 2**63-1: OverflowError) never reaches the database,
    whichever database runs this test."""
    from boards import selectors
    from config.ids import pk_from_path
    from ratings.models import Rating

    named = {name: pk_from_path(Rating, value) for name, value in HOSTILE.items()}
    assert named == {name: None for name in HOSTILE} | {"2**63-1": 2**63 - 1, "-1": -1, "0": 0}
    assert pk_from_path(Rating, str(scene.o.a_draft.pk)) == scene.o.a_draft.pk
    with django_assert_num_queries(0):
        assert selectors.unit_public(jurisdiction=scene.j1, code="T0\x001") is None
        assert selectors.unit_public(jurisdiction=scene.j1, code="T" * 33) is None
        # An id beyond its column's range matches nothing, without a query.
        assert list(Rating.objects.filter(pk__in=[int(HUGE), 2**63])) == []
        assert list(Rating.objects.filter(unit__in=[int(HUGE)])) == []
        assert list(Rating.objects.filter(unit=int(HUGE))) == []
    assert list(Rating.objects.filter(pk__in=[int(HUGE), scene.o.a_draft.pk])) == [scene.o.a_draft]
    assert Rating.objects.exclude(unit__in=[int(HUGE)]).count() == Rating.objects.count()
