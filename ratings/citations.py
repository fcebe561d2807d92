"""A change never breaks what already cites it.

A rating cites a criterion (of its year's rule book), a unit and a department. An edit
that would leave recorded ratings, of any status, citing something they no longer fit
is refused, with how many ratings cite it:

- a criterion's kind (红旗 / 黄灯), its rule book, or the criterion itself (deleted);
- a rule book's year or jurisdiction, or the rule book itself (deleted);
- an organisation's role (a rated unit made a department only, a rating department
  made a unit only) or its jurisdiction.

Reads only. Every door asks these before it writes: the rule book and organisation
imports (the message lands in the row and column of the file), the admin's forms,
inlines and delete pages. Each function takes the object as it would be saved and
compares it with the stored row; a new object cites nothing and is never refused.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from departments.models import Organisation
from ratings.models import Criterion, CriterionKind, Rating, RuleBook

Problems = dict[str, list[str]]  # model field → messages


def _add(problems: Problems, field: str, message: str) -> None:
    problems.setdefault(field, []).append(message)


# Criteria -----------------------------------------------------------------------------


def ratings_citing_criterion(criterion_id: int) -> int:
    return Rating.objects.filter(criterion_id=criterion_id).count()


def criterion_change_problems(criterion: Criterion) -> Problems:
    """Why the criterion cannot be saved as it is now: its kind or its rule book changed
    while ratings cite it (a yellow light citing a red-flag criterion, a 2026 rating
    citing a 2027 criterion). Empty when it can."""
    if criterion.pk is None:
        return {}
    stored = Criterion.objects.filter(pk=criterion.pk).values("kind", "rulebook_id").first()
    if stored is None:
        return {}
    kind_changed = stored["kind"] != criterion.kind
    moved = criterion.rulebook_id is not None and stored["rulebook_id"] != criterion.rulebook_id
    if not (kind_changed or moved):
        return {}
    count = ratings_citing_criterion(criterion.pk)
    if not count:
        return {}
    problems: Problems = {}
    if kind_changed:
        _add(problems, "kind", _(
            "已有 %(count)d 条认定引用条目“%(code)s”（%(kind)s），不能改为%(new)s；如需调整，请新增一个条目"
        ) % {"count": count, "code": criterion.code, "kind": _kind_label(stored["kind"]),
             "new": _kind_label(criterion.kind)})
    if moved:
        _add(problems, "rulebook", _(
            "已有 %(count)d 条认定引用条目“%(code)s”，不能移到“%(rulebook)s”；如需调整，请在该细则中新增一个条目"
        ) % {"count": count, "code": criterion.code, "rulebook": criterion.rulebook})
    return problems


def criterion_delete_problem(criterion: Criterion) -> str:
    """Why the criterion cannot be deleted ('' if it can)."""
    count = ratings_citing_criterion(criterion.pk) if criterion.pk else 0
    if not count:
        return ""
    return _("已有 %(count)d 条认定引用条目“%(code)s”，不能删除；不再使用的条目请取消勾选“在用”") % {
        "count": count, "code": criterion.code,
    }


def _kind_label(kind: str) -> str:
    try:
        return str(CriterionKind(kind).label)
    except ValueError:
        return kind


# Rule books ---------------------------------------------------------------------------


def ratings_citing_rulebook(rulebook_id: int) -> int:
    return Rating.objects.filter(criterion__rulebook_id=rulebook_id).count()


def rulebook_change_problems(rulebook: RuleBook) -> Problems:
    """Why the rule book cannot be saved as it is now: its year or jurisdiction changed
    while ratings cite its criteria. Empty when it can."""
    if rulebook.pk is None:
        return {}
    stored = RuleBook.objects.filter(pk=rulebook.pk).values("year", "jurisdiction_id").first()
    if stored is None:
        return {}
    year_changed = rulebook.year is not None and stored["year"] != rulebook.year
    moved = rulebook.jurisdiction_id is not None and stored["jurisdiction_id"] != rulebook.jurisdiction_id
    if not (year_changed or moved):
        return {}
    count = ratings_citing_rulebook(rulebook.pk)
    if not count:
        return {}
    problems: Problems = {}
    if year_changed:
        _add(problems, "year", _(
            "已有 %(count)d 条认定引用本细则的条目（%(year)d 年度），不能把年度改为 %(new)d；"
            "如需 %(new)d 年度的细则，请另建一本"
        ) % {"count": count, "year": stored["year"], "new": rulebook.year})
    if moved:
        _add(problems, "jurisdiction", _("已有 %(count)d 条认定引用本细则的条目，不能把它改到其他辖区") % {"count": count})
    return problems


def rulebook_delete_problem(rulebook: RuleBook) -> str:
    """Why the rule book cannot be deleted ('' if it can): deleting it deletes its criteria."""
    count = ratings_citing_rulebook(rulebook.pk) if rulebook.pk else 0
    if not count:
        return ""
    return _("已有 %(count)d 条认定引用本细则的条目，不能删除") % {"count": count}


# Organisations ------------------------------------------------------------------------


def organisation_change_problems(organisation: Organisation) -> Problems:
    """Why the organisation cannot be saved as it is now, as far as ratings go: it was
    rated as a unit and would no longer be one, it rated as a department and would no
    longer be one, or it moved to another jurisdiction. Errors are keyed ``is_unit``,
    ``is_department`` and ``jurisdiction``. Registered with ``departments.citations``
    (departments do not know ratings)."""
    if organisation.pk is None:
        return {}
    stored = Organisation.objects.filter(pk=organisation.pk).values("jurisdiction_id").first()
    if stored is None:
        return {}
    problems: Problems = {}
    role = str(organisation.role_label)
    if not organisation.is_unit:
        count = Rating.objects.filter(unit_id=organisation.pk).count()
        if count:
            _add(problems, "is_unit", _(
                "已有 %(count)d 条认定以“%(name)s”为被考核单位，角色不能改为“%(role)s”；请保留“被考核单位”或改为“两者”"
            ) % {"count": count, "name": organisation.name, "role": role})
    if not organisation.is_department:
        count = Rating.objects.filter(department_id=organisation.pk).count()
        if count:
            _add(problems, "is_department", _(
                "已有 %(count)d 条认定由“%(name)s”作为职能管理部门填报，角色不能改为“%(role)s”；"
                "请保留“职能管理部门”或改为“两者”"
            ) % {"count": count, "name": organisation.name, "role": role})
    if organisation.jurisdiction_id is not None and stored["jurisdiction_id"] != organisation.jurisdiction_id:
        count = Rating.objects.filter(Q(unit_id=organisation.pk) | Q(department_id=organisation.pk)).count()
        if count:
            _add(problems, "jurisdiction", _("已有 %(count)d 条认定引用“%(name)s”，不能把它改到其他辖区") % {
                "count": count, "name": organisation.name,
            })
    return problems
