"""The four roles of the product, as Django groups, and who a user is."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from departments.models import Jurisdiction, Organisation

OFFICE = "效能办"
RATER = "职能管理部门"
LEADER = "领导"
UNIT_STAFF = "被考核单位"  # staff of a rated unit: their desk, notices and review requests
EVALUATOR = "评议员"  # counties', firms' and residents' evaluators: their sheets and daily evaluations
ALL_GROUPS = (OFFICE, RATER, LEADER, UNIT_STAFF, EVALUATOR)
# Roles that work in the Django admin; unit staff have the desk only.
ADMIN_GROUPS = (OFFICE, RATER, LEADER)


def _groups(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_liangbang_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._liangbang_groups = cached
    return cached


def is_office(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or OFFICE in _groups(user)


def is_rater(user) -> bool:
    return RATER in _groups(user) and user_department(user) is not None


def is_leader(user) -> bool:
    return LEADER in _groups(user)


def is_evaluator(user) -> bool:
    return EVALUATOR in _groups(user)


def is_unit_staff(user) -> bool:
    return UNIT_STAFF in _groups(user) and user_unit(user) is not None


def user_unit(user) -> Organisation | None:
    """The rated unit a unit staff member works for (their profile's unit)."""
    profile = getattr(user, "profile", None) if getattr(user, "is_authenticated", False) else None
    return profile.unit if profile else None


def user_department(user) -> Organisation | None:
    profile = getattr(user, "profile", None) if getattr(user, "is_authenticated", False) else None
    return profile.department if profile else None


def user_jurisdiction(user) -> Jurisdiction | None:
    """The jurisdiction a user works in; superusers without a profile get the only one."""
    from departments.models import Jurisdiction

    profile = getattr(user, "profile", None) if getattr(user, "is_authenticated", False) else None
    if profile is not None:
        return profile.jurisdiction
    if getattr(user, "is_superuser", False):
        return Jurisdiction.objects.order_by("pk").first()
    return None
