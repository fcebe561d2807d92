"""Shared fixtures. The personas, and what each may do:

- ``alice`` works in the efficiency office (效能办): everything in her jurisdiction.
- ``bob`` rates for the housing bureau (department A, 住建局): only A's ratings.
- ``carol`` rates for the market bureau (department B, 市场监管局): only B's ratings.
- ``leo`` is a leader (领导): reads everything, changes nothing.
- ``anon`` is a citizen with no account.
"""

from __future__ import annotations

import pytest
from django.utils import translation

from departments import roles
from tests.factories import (
    CriterionFactory,
    DepartmentFactory,
    OrganisationFactory,
    PeriodFactory,
    RuleBookFactory,
    make_user,
)


def _runs_transactionally(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    fixtures = getattr(item, "fixturenames", ())
    return "transactional_db" in fixtures or "live_server" in fixtures


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that commit (browser journeys, threads, the production stack) run after all
    the others, as Django orders them: each ends by emptying the database (the roles made
    by migrations included), which a test in a rolled-back transaction cannot survive.
    pytest-django sorts so, but pytest then regroups the tests by session-scoped
    parameters (the browser's name), which can pull the journeys forward; this sorts
    again, last, keeping the order within each group."""
    items.sort(key=_runs_transactionally)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """The test database, with what the migrations put in it (roles, the default
    jurisdiction, the publication schedule) kept for tests that commit
    (``serialized_rollback``), on every connection object of this database.

    Django keeps that copy on the connection object that created the database. Once
    Playwright's event loop runs, Django opens a new connection object for the same
    database (its connections are per context), which would not know the copy: every
    journey after the first would start with an empty database."""
    from django.db import connections

    for alias in connections:
        connection = connections[alias]
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None:
            type(connection)._test_serialized_contents = contents
    yield


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_caches():
    # Each test starts with empty caches: ids and closing times repeat from one test to the
    # next, so an entry a test left (the dashboard's, a board's) could answer the next one.
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield


@pytest.fixture(autouse=True)
def _chinese_first():
    # A request in English leaves English active in the thread; every test starts in Chinese.
    translation.activate("zh-hans")
    yield
    translation.activate("zh-hans")


@pytest.fixture
def dept_a(db):
    return DepartmentFactory(code="ZJJ", name="区住建局")


@pytest.fixture
def dept_b(db):
    return DepartmentFactory(code="SCJ", name="区市场监管局")


@pytest.fixture
def town(db):
    return OrganisationFactory(code="T01", name="淳溪街道")


@pytest.fixture
def town2(db):
    return OrganisationFactory(code="T02", name="古柏街道")


@pytest.fixture
def alice(db):
    return make_user("alice", roles.OFFICE)


@pytest.fixture
def bob(dept_a):
    return make_user("bob", roles.RATER, department=dept_a)


@pytest.fixture
def carol(dept_b):
    return make_user("carol", roles.RATER, department=dept_b)


@pytest.fixture
def leo(db):
    return make_user("leo", roles.LEADER)


@pytest.fixture
def rulebook(db):
    return RuleBookFactory(year=2026)


@pytest.fixture
def flag_criterion(rulebook):
    return CriterionFactory(rulebook=rulebook, code="H01", text="主动担当，攻坚克难", kind="red_flag")


@pytest.fixture
def yellow_criterion(rulebook):
    return CriterionFactory(rulebook=rulebook, code="Y01", text="推诿扯皮，慢作为", kind="yellow_light")


@pytest.fixture
def january(db):
    return PeriodFactory(year=2026, month=1)


@pytest.fixture
def february(db):
    return PeriodFactory(year=2026, month=2)
