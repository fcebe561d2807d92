"""A change never breaks what already cites it: an organisation's role or jurisdiction
cannot change while something recorded depends on it.

Departments know nothing of ratings (``departments`` ← ``ratings``): the apps that cite
organisations register a check here when they start (``ratings`` registers
``ratings.citations.organisation_change_problems``), and every door that changes an
organisation (the admin's form, the organisation import) asks
``organisation_change_problems`` before it writes.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from departments.models import Organisation, Profile

Problems = dict[str, list[str]]  # model field (is_department, is_unit, jurisdiction) → messages
Check = Callable[[Organisation], Problems]

_checks: list[Check] = []


def register(check: Check) -> Check:
    """Add a check (once, however often an app starts)."""
    if check not in _checks:
        _checks.append(check)
    return check


def organisation_change_problems(organisation: Organisation) -> Problems:
    """Why the organisation cannot be saved as it is now (its new role, its new
    jurisdiction), each with what cites it and how many. Empty when it can."""
    problems: Problems = {}
    for check in (_staff_problems, *_checks):
        for field, messages in check(organisation).items():
            problems.setdefault(field, []).extend(messages)
    return problems


def _staff_problems(organisation: Organisation) -> Problems:
    """Raters' accounts belong to a department: it stays one while it has staff."""
    if organisation.pk is None or organisation.is_department:
        return {}
    count = Profile.objects.filter(department_id=organisation.pk).count()
    if not count:
        return {}
    return {"is_department": [_(
        "已有 %(count)d 个账号属于“%(name)s”（所属职能管理部门），角色不能改为“%(role)s”；"
        "请保留“职能管理部门”或改为“两者”，或先为这些账号改选部门"
    ) % {"count": count, "name": organisation.name, "role": organisation.role_label}]}
