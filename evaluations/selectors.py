"""The reads of evaluation rounds, each for the person allowed to see it.

Sealing: an evaluator reads their own answers; while a round is open the office reads
response counts only; once it is closed everyone entitled reads results per unit. No
selector here returns another evaluator's answer."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q

from departments.models import Organisation
from evaluations import rules
from evaluations.models import Assignment, Highlight, HighlightPicture, Member, Round, RoundResult, Sheet, State


@dataclass(frozen=True)
class MyRound:
    round: Round
    member: Member
    sheet: Sheet
    assigned: int
    answered: int
    extra: int


def member_rounds(*, user) -> list[MyRound]:
    """The rounds a user evaluates in (open and closed; a round being prepared is not
    theirs yet), newest first, with their own progress."""
    sheets = (Sheet.objects.filter(member__user=user, member__is_active=True)
              .exclude(round__state=State.DRAFT).select_related("round", "member", "round__group")
              .order_by("-round__year", "-round__opens_on"))
    out = []
    for sheet in sheets:
        counts = Assignment.objects.filter(round=sheet.round, member=sheet.member).aggregate(
            n_assigned=Count("pk", filter=Q(extra=False)), n_extra=Count("pk", filter=Q(extra=True)),
            n_answered=Count("pk", filter=Q(extra=False, points__isnull=False)))
        out.append(MyRound(sheet.round, sheet.member, sheet, counts["n_assigned"], counts["n_answered"],
                           counts["n_extra"]))
    return out


def member_for(*, round_: Round, user) -> Member | None:
    """The user's place in the round's evaluator group, when they have a sheet in it."""
    return (Member.objects.filter(group_id=round_.group_id, user=user, is_active=True,
                                  sheets__round=round_).select_related("user").first())


@dataclass(frozen=True)
class SheetRow:
    assignment: Assignment
    unit: Organisation
    highlight: Highlight | None
    pictures: tuple[HighlightPicture, ...]


def sheet_rows(*, round_: Round, member: Member) -> list[SheetRow]:
    """An evaluator's own sheet: the assigned units, then the extra sheet, each with the
    unit's highlights beside it. Three queries, however long the sheet."""
    assignments = list(Assignment.objects.filter(round=round_, member=member).select_related("unit")
                       .order_by("extra", "unit__code"))
    highlights = {h.unit_id: h for h in Highlight.objects.filter(
        round=round_, unit_id__in=[a.unit_id for a in assignments]).prefetch_related("pictures")}
    return [SheetRow(a, a.unit, highlights.get(a.unit_id),
                     tuple(highlights[a.unit_id].pictures.all()) if a.unit_id in highlights else ())
            for a in assignments]


def extra_choices(*, round_: Round, member: Member) -> list[Organisation]:
    """Units the evaluator may add to the extra sheet: the round's, not on their sheet,
    not their own."""
    from evaluations.services import round_units

    taken = set(Assignment.objects.filter(round=round_, member=member).values_list("unit_id", flat=True))
    return [u for u in round_units(round_) if u.pk not in taken and u.pk != member.own_unit_id]


@dataclass(frozen=True)
class MemberProgress:
    member: Member
    assigned: int
    answered: int
    submitted_at: object


@dataclass(frozen=True)
class Progress:
    sheets: int
    submitted: int
    assigned: int
    answered: int
    members: tuple[MemberProgress, ...]

    @property
    def rate(self) -> Decimal:
        return rules.response_rate(self.submitted, self.sheets)

    @property
    def answered_rate(self) -> Decimal:
        return rules.response_rate(self.answered, self.assigned)


def round_progress(*, round_: Round) -> Progress:
    """How far the round's evaluators are: counts only, never what anyone answered."""
    counts = {row["member_id"]: row for row in Assignment.objects.filter(round=round_, extra=False)
              .values("member_id").annotate(assigned=Count("pk"), answered=Count("pk", filter=Q(points__isnull=False)))}
    members = []
    for sheet in Sheet.objects.filter(round=round_).select_related("member__user").order_by("member__pk"):
        row = counts.get(sheet.member_id, {"assigned": 0, "answered": 0})
        members.append(MemberProgress(sheet.member, row["assigned"], row["answered"], sheet.submitted_at))
    return Progress(
        sheets=len(members), submitted=sum(1 for m in members if m.submitted_at),
        assigned=sum(m.assigned for m in members), answered=sum(m.answered for m in members),
        members=tuple(members))


def round_results(*, round_: Round) -> list[RoundResult]:
    """A closed round's results per unit, best first; nothing while it is open."""
    if round_.state != State.CLOSED:
        return []
    return list(RoundResult.objects.filter(round=round_).select_related("unit").order_by("-score", "unit__code"))


def assignment_counts(*, round_: Round) -> dict[str, dict[int, int]]:
    """How many evaluators each unit has and how many units each evaluator has."""
    rows = Assignment.objects.filter(round=round_, extra=False)
    return {
        "units": dict(rows.values("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n")),
        "members": dict(rows.values("member_id").annotate(n=Count("pk")).values_list("member_id", "n")),
    }


@dataclass(frozen=True)
class UnitRound:
    round: Round
    highlight: Highlight | None
    result: RoundResult | None


def unit_rounds(*, unit: Organisation) -> list[UnitRound]:
    """The rounds that rate a unit, for its desk: the highlights it wrote (it may write
    them until the round closes) and, once closed, its own result and no one else's."""
    from evaluations.services import round_units

    rounds = [r for r in Round.objects.filter(jurisdiction_id=unit.jurisdiction_id, source=Round.Source.SHEETS)
              .select_related("group").order_by("-year", "-opens_on")
              if unit.pk in {u.pk for u in round_units(r)}]
    highlights = {h.round_id: h for h in Highlight.objects.filter(unit=unit, round__in=rounds)
                  .prefetch_related("pictures")}
    results = {r.round_id: r for r in RoundResult.objects.filter(unit=unit, round__in=rounds,
                                                                 round__state=State.CLOSED)}
    return [UnitRound(r, highlights.get(r.pk), results.get(r.pk)) for r in rounds]


def picture_visible(*, user, picture: HighlightPicture) -> bool:
    """A highlight's picture is the office's, its own unit's, and the evaluators' who
    have that unit on their sheet."""
    from departments.roles import is_office, user_jurisdiction, user_unit

    highlight = picture.highlight
    if is_office(user):
        place = user_jurisdiction(user)
        return getattr(user, "is_superuser", False) or (
            place is not None and Round.objects.filter(pk=highlight.round_id, jurisdiction_id=place.pk).exists())
    unit = user_unit(user)
    if unit is not None and unit.pk == highlight.unit_id:
        return True
    return Assignment.objects.filter(round_id=highlight.round_id, unit_id=highlight.unit_id, member__user=user,
                                     member__is_active=True).exclude(round__state=State.DRAFT).exists()


def appraisals(*, jurisdiction_id: int, year: int, item_code: str):
    """Per unit, the closed rounds and surveys feeding a scorecard's ``评议`` item: each
    one's name, weight, the unit's score and how many answered
    (``assessment.rules.Appraisal``). Open ones are sealed and count for nothing yet."""
    from assessment.rules import Appraisal, RoundScore
    from evaluations.models import Survey, SurveyResult

    sources: list[tuple[object, str]] = []  # (key, name) in date order
    scores: dict[int, dict[object, RoundScore]] = {}
    rounds = {r.pk: r for r in Round.objects.filter(jurisdiction_id=jurisdiction_id, year=year, item_code=item_code,
                                                    state=State.CLOSED, weight__gt=0)}
    surveys = {s.pk: s for s in Survey.objects.filter(jurisdiction_id=jurisdiction_id, year=year, item_code=item_code,
                                                      state=State.CLOSED, weight__gt=0)}
    dated = sorted([(r.opens_on, 0, r.pk, r.name) for r in rounds.values()]
                   + [(s.opens_on, 1, s.pk, s.name) for s in surveys.values()])
    sources = [((kind, pk), name) for _on, kind, pk, name in dated]
    for result in RoundResult.objects.filter(round__in=list(rounds), score__isnull=False).order_by():
        source = rounds[result.round_id]
        scores.setdefault(result.unit_id, {})[(0, source.pk)] = RoundScore(
            source.name, source.weight, result.score, result.evaluators)
    for result in SurveyResult.objects.filter(survey__in=list(surveys), mean__isnull=False).order_by():
        source = surveys[result.survey_id]
        scores.setdefault(result.agency_id, {})[(1, source.pk)] = RoundScore(
            source.name, source.weight, result.mean, result.responses)
    return {unit_id: Appraisal(tuple(by_source[key] for key, _name in sources if key in by_source),
                               tuple(name for key, name in sources if key not in by_source))
            for unit_id, by_source in scores.items()}


def daily_answers(*, round_: Round) -> list[rules.Answer]:
    """A 日常评议 round's answers: each evaluator's daily evaluations of a unit in the
    round's window, averaged into one answer (an evaluator who wrote ten times about a
    unit counts once, like one sheet)."""
    from evaluations.models import DailyEvaluation

    totals: dict[tuple[int, int], list[Decimal]] = {}
    points = round_.grade_points
    for unit_id, member_id, grade in DailyEvaluation.objects.filter(
            member__group_id=round_.group_id, on__gte=round_.opens_on, on__lte=round_.closes_on).order_by() \
            .values_list("unit_id", "member_id", "grade"):
        totals.setdefault((unit_id, member_id), []).append(Decimal(points[grade]))
    return [rules.Answer(unit_id, member_id, rules.cents(sum(values, Decimal(0)) / len(values)))
            for (unit_id, member_id), values in totals.items()]


def daily_for_member(*, user, limit: int = 50):
    from evaluations.models import DailyEvaluation

    return list(DailyEvaluation.objects.filter(member__user=user).select_related("unit")[:limit])


def daily_for_unit(*, unit: Organisation, limit: int = 50):
    """The daily evaluations of a unit, for its desk. The evaluator's name is not shown
    to the unit (an evaluator may be critical); the office sees it."""
    from evaluations.models import DailyEvaluation

    unanswered_first = F("replied_at").asc(nulls_first=True)
    return list(DailyEvaluation.objects.filter(unit=unit).order_by(unanswered_first, "-on", "-pk")[:limit])


def item_weights(*, jurisdiction_id: int, year: int, item_code: str, exclude: object = None) -> dict[str, Decimal]:
    """The rounds and surveys of a year feeding one scorecard item, by name, with their
    weights (``exclude``: the round or survey being edited)."""
    from evaluations.models import Survey

    found: dict[str, Decimal] = {}
    for model in (Round, Survey):
        rows = model.objects.filter(jurisdiction_id=jurisdiction_id, year=year, item_code=item_code)
        if isinstance(exclude, model) and exclude.pk:
            rows = rows.exclude(pk=exclude.pk)
        found.update({str(row): row.weight for row in rows})
    return found
