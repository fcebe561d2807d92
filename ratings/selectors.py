"""Selectors: who may see and do what with ratings, periods and evidence.

Reads only. The admin, the evidence view and later the boards ask these questions
instead of repeating the row-level rules:

- the office (效能办) sees and does everything in its jurisdiction;
- a rater (职能管理部门) sees only its own department's ratings and changes only
  drafts and returned ratings of open months;
- a leader (领导) reads everything in the jurisdiction and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import (
    BooleanField, Case, Count, Exists, ExpressionWrapper, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When,
)
from django.utils.translation import gettext as _

from config.sql import integer_rows
from departments.models import Jurisdiction, Organisation
from departments.roles import is_leader, is_office, is_rater, is_unit_staff, user_department, user_unit
from ratings import rules
from ratings.models import Criterion, Evidence, Period, Rating, RuleBook

EDITABLE_BY_RATER = (Rating.Status.DRAFT, Rating.Status.RETURNED)


def jurisdiction_q(user, field: str = "jurisdiction") -> Q | None:
    """The filter that keeps a user inside their jurisdiction: ``None`` means every
    jurisdiction (a superuser without a profile); an impossible filter means none."""
    profile = getattr(user, "profile", None) if getattr(user, "is_authenticated", False) else None
    if profile is not None:
        return Q(**{f"{field}_id": profile.jurisdiction_id})
    if getattr(user, "is_superuser", False):
        return None
    return Q(pk__in=[])


def _in_jurisdiction(user, jurisdiction_id: int) -> bool:
    profile = getattr(user, "profile", None) if getattr(user, "is_authenticated", False) else None
    if profile is not None:
        return profile.jurisdiction_id == jurisdiction_id
    return bool(getattr(user, "is_superuser", False))


# Ratings --------------------------------------------------------------------------


def ratings_visible_to(*, user, queryset: QuerySet[Rating] | None = None) -> QuerySet[Rating]:
    qs = Rating.objects.all() if queryset is None else queryset
    if is_office(user) or is_leader(user):
        scope = jurisdiction_q(user, "period__jurisdiction")
        return qs if scope is None else qs.filter(scope)
    if is_rater(user):
        return qs.filter(department=user_department(user))
    return qs.none()


def ratings_with_escalation_links(*, user, queryset: QuerySet[Rating]) -> QuerySet[Rating]:
    """Annotate both ends of an escalation, for the list and the rating's page:

    - ``source_visible``: may the user open the earlier yellow light that this red
      light completed (``escalated_after``)?
    - ``successor_id``, ``successor_year``, ``successor_month``: the red light this
      yellow light became part of, and ``successor_visible``.

    Either end can belong to another department, which a rater may not open."""
    successors = Rating.objects.filter(escalated_after=OuterRef("pk")).order_by("pk")
    queryset = queryset.annotate(
        successor_id=Subquery(successors.values("pk")[:1]),
        successor_year=Subquery(successors.values("period__year")[:1]),
        successor_month=Subquery(successors.values("period__month")[:1]),
    )
    if is_office(user) or is_leader(user):
        return queryset.annotate(
            source_visible=Value(True, output_field=BooleanField()),
            successor_visible=Value(True, output_field=BooleanField()),
        )
    department = user_department(user)
    if department is None:
        return queryset.annotate(
            source_visible=Value(False, output_field=BooleanField()),
            successor_visible=Value(False, output_field=BooleanField()),
        )
    return queryset.annotate(
        source_visible=ExpressionWrapper(Q(escalated_after__department=department), output_field=BooleanField()),
        successor_visible=Exists(successors.filter(department=department)),
    )


def rating_is_visible(*, user, rating: Rating) -> bool:
    return _visible(user, jurisdiction_id=rating.period.jurisdiction_id, department_id=rating.department_id)


def rating_record_is_visible(*, user, jurisdiction_id: int, department_id: int) -> bool:
    """For a rating that may no longer exist (its history, after a deletion)."""
    return _visible(user, jurisdiction_id=jurisdiction_id, department_id=department_id)


def _visible(user, *, jurisdiction_id: int, department_id: int) -> bool:
    if is_office(user) or is_leader(user):
        return _in_jurisdiction(user, jurisdiction_id)
    if is_rater(user):
        return user_department(user).pk == department_id
    return False


def user_can_rate(user) -> bool:
    """May record ratings at all (the office for any department, a rater for its own)."""
    return is_office(user) or is_rater(user)


def rating_can_edit(*, user, rating: Rating) -> bool:
    """May change the rating's content, its evidence, or delete it."""
    if not rating.period.is_open or not rating_is_visible(user=user, rating=rating):
        return False
    if rating.status == Rating.Status.WITHDRAWN:
        return False
    if is_office(user):
        return True
    return is_rater(user) and rating.status in EDITABLE_BY_RATER


def rating_can_submit(*, user, rating: Rating) -> bool:
    return (
        rating.status in EDITABLE_BY_RATER
        and rating.period.is_open
        and user_can_rate(user)
        and rating_is_visible(user=user, rating=rating)
    )


def rating_can_review(*, user, rating: Rating) -> bool:
    """May approve or return it (the office, while the month is open)."""
    return (
        is_office(user)
        and rating.period.is_open
        and rating.status in (Rating.Status.SUBMITTED, Rating.Status.APPROVED)
        and _in_jurisdiction(user, rating.period.jurisdiction_id)
    )


def rating_problem_for_user(*, user, rating: Rating) -> str:
    """Why the user cannot change this rating, in words for the screen ('' if they can)."""
    if not rating.period.is_open:
        return _("%(period)s 已关账，本条认定只能查看，不能修改；如确需修改，请效能办先重新开放该月。") % {
            "period": rating.period.label
        }
    if is_leader(user) and not user_can_rate(user):
        return _("领导账号只能查看。")
    if is_rater(user) and not is_office(user) and rating.status not in EDITABLE_BY_RATER:
        if rating.status == Rating.Status.SUBMITTED:
            return _("已提交，等待效能办审核；如需修改，请联系效能办退回。")
        if rating.status == Rating.Status.WITHDRAWN:
            return _("已撤回，只能查看。")
        return _("已审核通过，不能再修改；如需修改，请联系效能办退回。")
    return ""


def escalation_source_is_visible(*, user, rating: Rating) -> bool:
    """The earlier yellow a red light completed may belong to another department."""
    source = rating.escalated_after
    return source is not None and rating_is_visible(user=user, rating=source)


# What an approval will do ----------------------------------------------------------


@dataclass(frozen=True)
class ApprovalPreview:
    """``rules.approval_consequence`` for one submitted rating, with the names of the
    departments of the ratings it mentions (the previous yellow light, the others)."""

    consequence: rules.Consequence
    department_names: dict[int, str] = field(default_factory=dict)

    def department(self, light: rules.Light) -> str:
        return self.department_names.get(light.department, "")


def ratings_approval_preview(*, ratings: Iterable[Rating]) -> dict[int, ApprovalPreview]:
    """What approving each of the submitted ``ratings`` will make it count as, by id.

    For a whole list page in two queries, however many rows it has: the approved
    yellow and red lights of every unit concerned (red flags start no chain), and the
    rule books of the years they fall in. Only for the office, who approves: the
    previous yellow light may be another department's. ``ratings`` need their period."""
    submitted = [r for r in ratings if r.status == Rating.Status.SUBMITTED]
    if not submitted:
        return {}
    approved = (
        Rating.objects.filter(unit_id__in={r.unit_id for r in submitted}, status=Rating.Status.APPROVED)
        .exclude(kind=rules.RED_FLAG)
        .values_list("pk", "unit_id", "kind", "serious_impact", "department_id", "department__name",
                     "period__year", "period__month", "period__jurisdiction_id")
    )
    by_unit: dict[int, list[rules.Light]] = {}
    names: dict[int, str] = {}
    years: set[tuple[int, int]] = {(r.period.jurisdiction_id, r.period.year) for r in submitted}
    for pk, unit_id, kind, serious, department_id, department_name, year, month, jurisdiction_id in approved:
        by_unit.setdefault(unit_id, []).append(rules.Light(
            id=pk, year=year, month=month, department=department_id, kind=kind, serious_impact=serious,
        ))
        names[department_id] = department_name
        years.add((jurisdiction_id, year))
    books = {
        (book.jurisdiction_id, book.year): book.as_rules()
        for book in RuleBook.objects.filter(
            jurisdiction_id__in={j for j, _year in years}, year__in={year for _j, year in years}
        )
    }
    previews = {}
    for rating in submitted:
        jurisdiction_id = rating.period.jurisdiction_id
        consequence = rules.approval_consequence(
            rules.Light(
                id=rating.pk, year=rating.period.year, month=rating.period.month, department=rating.department_id,
                kind=rating.kind, serious_impact=rating.serious_impact,
            ),
            by_unit.get(rating.unit_id, []),
            lambda year, j=jurisdiction_id: books.get((j, year), rules.DEFAULT_RULES),
        )
        mentioned = [consequence.previous] if consequence.previous else []
        mentioned += [light for light, _kind in consequence.others]
        previews[rating.pk] = ApprovalPreview(
            consequence, {light.department: names[light.department] for light in mentioned}
        )
    return previews


# Evidence -------------------------------------------------------------------------


def evidence_is_visible(*, user, evidence: Evidence) -> bool:
    """Those who may see the rating; and the rated unit's staff, for a file the
    department shared with the unit (``shared_with_unit``) on an approved rating."""
    if rating_is_visible(user=user, rating=evidence.rating):
        return True
    unit = user_unit(user) if is_unit_staff(user) else None
    return (
        unit is not None and evidence.shared_with_unit and evidence.rating.unit_id == unit.pk
        and evidence.rating.status == Rating.Status.APPROVED
    )


# Periods, criteria, units -----------------------------------------------------------


def periods_visible_to(*, user, queryset: QuerySet[Period] | None = None) -> QuerySet[Period]:
    qs = Period.objects.all() if queryset is None else queryset
    if not (is_office(user) or is_leader(user) or is_rater(user)):
        return qs.none()
    scope = jurisdiction_q(user)
    return qs if scope is None else qs.filter(scope)


def periods_with_counts(*, user, queryset: QuerySet[Period]) -> QuerySet[Period]:
    """Each month with how many ratings wait for review and how many are approved —
    a rater counts only its own department's."""
    own = Q()
    if is_rater(user) and not (is_office(user) or is_leader(user)):
        own = Q(ratings__department=user_department(user))
    return queryset.annotate(
        submitted_count=Count("ratings", filter=own & Q(ratings__status=Rating.Status.SUBMITTED)),
        approved_count=Count("ratings", filter=own & Q(ratings__status=Rating.Status.APPROVED)),
        total_count=Count("ratings", filter=own),
    )


def open_periods_for(*, user) -> QuerySet[Period]:
    return periods_visible_to(user=user).filter(status=Period.Status.OPEN).order_by("-year", "-month")


def criteria_for(*, user) -> QuerySet[Criterion]:
    qs = Criterion.objects.select_related("rulebook")
    scope = jurisdiction_q(user, "rulebook__jurisdiction")
    return qs if scope is None else qs.filter(scope)


def organisations_for(*, user) -> QuerySet[Organisation]:
    qs = Organisation.objects.all()
    scope = jurisdiction_q(user)
    return qs if scope is None else qs.filter(scope)


# The year's board, as the year-end reads it (assessment) --------------------------------


def year_counted_ratings(*, jurisdiction: Jurisdiction, year: int, through_month: int = 12) -> QuerySet[Rating]:
    """The ratings a roll-up counts: approved, in the year, up to ``through_month``."""
    return year_counted_ratings_of(jurisdiction_ids=[jurisdiction.pk], year=year, through_month=through_month)


def year_counted_ratings_of(*, jurisdiction_ids: list[int], year: int, through_month: int = 12) -> QuerySet[Rating]:
    """``year_counted_ratings`` of many jurisdictions."""
    return Rating.objects.filter(
        period__jurisdiction_id__in=jurisdiction_ids, period__year=year, period__month__lte=through_month,
        status=Rating.Status.APPROVED,
    )


def year_outcome_counts(*, jurisdiction: Jurisdiction, year: int, through_month: int) -> dict[int, tuple[int, int, int]]:
    """One GROUP BY over the counted ratings: each unit's red flags, yellow lights and
    red lights, after escalation (the ``outcome`` stored on every approved rating)."""
    return year_outcome_counts_of(jurisdiction_ids=[jurisdiction.pk], year=year,
                                  through_month=through_month).get(jurisdiction.pk, {})


def year_outcome_counts_of(
    *, jurisdiction_ids: list[int], year: int, through_month: int,
) -> dict[int, dict[int, tuple[int, int, int]]]:
    """``year_outcome_counts`` of many jurisdictions (a province) in one GROUP BY:
    jurisdiction id -> unit id -> (red flags, yellow lights, red lights). A unit counts
    in the jurisdiction whose months rated it (a unit that moved counts in both)."""
    counted = year_counted_ratings_of(jurisdiction_ids=jurisdiction_ids, year=year, through_month=through_month)
    # Of one jurisdiction, by unit alone: a second grouping key costs a tenth more.
    keys = ("unit_id",) if len(jurisdiction_ids) == 1 else ("unit_id", "period__jurisdiction_id")
    rows = integer_rows(
        counted.order_by()
        .values(*keys)
        .annotate(
            red_flags=Count("pk", filter=Q(outcome=rules.RED_FLAG)),
            yellow_lights=Count("pk", filter=Q(outcome=rules.YELLOW_LIGHT)),
            red_lights=Count("pk", filter=Q(outcome=rules.RED_LIGHT)),
        )
        .values_list(*keys, "red_flags", "yellow_lights", "red_lights")
    )
    if len(jurisdiction_ids) == 1:
        return {jurisdiction_ids[0]: {row[0]: row[1:] for row in rows}} if rows else {}
    out: dict[int, dict[int, tuple[int, int, int]]] = {}
    for unit_id, jurisdiction_id, *tally in rows:
        out.setdefault(jurisdiction_id, {})[unit_id] = tuple(tally)
    return out


def year_units(*, jurisdiction: Jurisdiction, year: int, rated: dict[int, object]) -> dict[int, int | None]:
    """unit id -> category id, for the units in service the whole year and those rated."""
    return year_units_of(jurisdiction_ids=[jurisdiction.pk], year=year,
                         rated={jurisdiction.pk: rated}).get(jurisdiction.pk, {})


def year_units_of(
    *, jurisdiction_ids: list[int], year: int, rated: dict[int, dict[int, object]],
) -> dict[int, dict[int, int | None]]:
    """``year_units`` of many jurisdictions in one query: jurisdiction id -> unit id ->
    category id. ``rated`` is ``year_outcome_counts_of``'s answer."""
    in_service = Q(is_unit=True) & (Q(is_active=True) | Q(retired_on__gt=date(year, 12, 31)))
    out: dict[int, dict[int, int | None]] = {jurisdiction_id: {} for jurisdiction_id in jurisdiction_ids}
    nobody: dict[int, object] = {}
    for jurisdiction_id, unit_id, category_id, serving in integer_rows(
        Organisation.objects.filter(jurisdiction_id__in=jurisdiction_ids).order_by()
        .annotate(serving=Case(When(in_service, then=Value(1)), default=Value(0), output_field=IntegerField()))
        .values_list("jurisdiction_id", "id", "category_id", "serving")
    ):
        if serving or unit_id in rated.get(jurisdiction_id, nobody):
            out[jurisdiction_id][unit_id] = category_id
    return out


def approved_lights(*, jurisdiction_id: int, year: int) -> QuerySet[Rating]:
    """The year's approved yellow and red lights (by their outcome after escalation), for
    whoever follows each light up: casework opens a rectification form (整改) for each."""
    lights = ["yellow_light", "red_light"]
    return (Rating.objects.filter(period__jurisdiction_id=jurisdiction_id, period__year=year,
                                  status=Rating.Status.APPROVED)
            .filter(Q(outcome__in=lights) | Q(outcome="", kind__in=lights))
            .select_related("period", "unit", "department", "criterion").order_by("period__month", "pk"))
