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
