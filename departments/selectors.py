"""Reading organisations by what their identifiers read as (lib.identifiers).

Names and codes stored before the identifier rule may hold a lookalike or an invisible
character, so they are compared by ``identifier_key`` here, in Python: a jurisdiction
has hundreds of organisations, not millions."""

from __future__ import annotations

from lib.identifiers import identifier_key

from departments.models import Category, Organisation


def active_codes_by_name(*, jurisdiction_id: int) -> dict[str, dict[str, str]]:
    """{name as compared: {code as compared: code}} of the jurisdiction's active
    organisations. A retired organisation's name is free again: a unit that takes over
    a merged unit's name (撤并) is a new unit, and the old one's history stays its own."""
    named: dict[str, dict[str, str]] = {}
    active = Organisation.objects.filter(jurisdiction_id=jurisdiction_id, is_active=True)
    for code, name in active.values_list("code", "name"):
        named.setdefault(identifier_key(name), {})[identifier_key(code)] = code
    return named


def active_organisations_named(*, jurisdiction_id: int, name: str, exclude_pk: int | None = None) -> list[Organisation]:
    """The jurisdiction's active organisations (but ``exclude_pk``) whose name reads as
    ``name``, by code."""
    key = identifier_key(name)
    active = Organisation.objects.filter(jurisdiction_id=jurisdiction_id, is_active=True).exclude(pk=exclude_pk)
    return [o for o in active.only("pk", "code", "name").order_by("code") if identifier_key(o.name) == key]


def category_named(*, jurisdiction_id: int, name: str) -> Category | None:
    """The jurisdiction's category whose name reads as ``name``, if any."""
    key = identifier_key(name)
    exact = Category.objects.filter(jurisdiction_id=jurisdiction_id, name=name).first()
    if exact is not None:
        return exact
    return next((c for c in Category.objects.filter(jurisdiction_id=jurisdiction_id) if identifier_key(c.name) == key), None)


def people_in(*, jurisdiction_id: int, groups, department_id: int | None = None,
              unit_ids=None):
    """The active users of a jurisdiction in any of ``groups`` (role names), optionally of
    one department or of some rated units: whom a notification goes to."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(
        is_active=True, groups__name__in=list(groups), profile__jurisdiction_id=jurisdiction_id
    )
    if department_id is not None:
        users = users.filter(profile__department_id=department_id)
    if unit_ids is not None:
        users = users.filter(profile__unit_id__in=list(unit_ids))
    return users.distinct()


def jurisdiction_default():
    """The jurisdiction served at the site root: ``BOARD_DEFAULT_JURISDICTION`` when it
    names an active one, else the first active one (None when there is none)."""
    from django.conf import settings

    from departments.models import Jurisdiction

    code = getattr(settings, "BOARD_DEFAULT_JURISDICTION", "")
    active = Jurisdiction.objects.filter(is_active=True)
    if code:
        found = active.filter(code=code).first()
        if found is not None:
            return found
    return active.order_by("pk").first()
