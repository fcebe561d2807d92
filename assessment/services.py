"""The year-end roll-up: a year of approved ratings becomes each unit's counts, points,
ranks and grade (红旗加分，红黄灯减分). These services write; ``assessment.selectors`` read;
the board is read through ``ratings.selectors``.

The roll-up must stay fast for a whole province, so it reads the counts with one
aggregate query, does the arithmetic with the pure rules in ``ratings.rules`` and
writes every unit's row with one statement: the number of queries does not depend on
the number of units or ratings.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Category, Jurisdiction, Organisation
from departments.roles import is_office
from ratings import rules
from assessment import rules as card_rules
from assessment.models import GradeAdjustment, ItemResult, RollupRun, Scorecard, ScorecardItem, YearScore
from assessment.refusals import refusal_summary, refusal_text
from casework import selectors as casework_selectors
from casework import services as casework_services
from evaluations import selectors as evaluation_selectors
from config.sql import integer_rows
from ratings import selectors as ratings_selectors
from ratings.models import Period, RuleBook
from ratings.signals import figures_changed_on_commit

CENT = Decimal("0.01")


@dataclass(frozen=True)
class RollupResult:
    year: int
    through_month: int
    is_year_to_date: bool
    units: int
    computed_at: datetime
    grades: dict[str, int] = field(default_factory=dict)  # grade -> how many units


def _require_office(by, jurisdiction: Jurisdiction) -> None:
    """``by=None`` is a management command or a task acting for the office."""
    if by is None:
        return
    profile = getattr(by, "profile", None)
    same = profile.jurisdiction_id == jurisdiction.pk if profile else bool(getattr(by, "is_superuser", False))
    if not (is_office(by) and same):
        raise PermissionDenied(_("只有效能办可以进行此操作"))


def _check_year(year: int, through_month: int | None) -> None:
    if not 2000 <= year <= 2100:
        raise ValidationError(_("年度应为四位数年份"))
    if through_month is not None and not 1 <= through_month <= 12:
        raise ValidationError(_("月份应在 1 到 12 之间"))


# The roll-up ---------------------------------------------------------------------------


def year_rollup(
    *, jurisdiction: Jurisdiction, year: int, through_month: int | None = None, run: RollupRun | None = None,
    now: datetime | None = None,
) -> RollupResult:
    """Compute and store every unit's YearScore for a year (or the year so far).

    ``through_month`` counts months 1…M only (a year-to-date roll-up, which works in
    any month); without it every month of the year counts, and the result is still
    marked year-to-date until December is closed. Units in the roll-up: every active
    unit, every unit that was in service the whole year, and every unit that received a
    counted rating — a retired unit keeps its score for the years it was rated.
    Re-running gives the same rows (only ``computed_at`` moves).

    When the year has a scorecard (考核方案), every unit is also scored on it: its
    composite total, rank and the detail of every item are stored with the board's
    figures, and the grade is the composite's (一票否决 and 例外晋级 act on it; the
    scorecard's 例外晋级名次 promotes a unit ranked that high in the province on any
    item). A scorecard that cannot be scored fails the roll-up with every reason
    (``CompositeRefused``) and writes nothing.

    This is ``province_rollup`` of one jurisdiction: the same code, the same rows.
    """
    outcome = province_rollup(jurisdictions=[jurisdiction], year=year, through_month=through_month,
                              runs={jurisdiction.pk: run} if run is not None else None, now=now)
    if jurisdiction.pk in outcome.refused:
        raise outcome.refused[jurisdiction.pk]
    return outcome.results[jurisdiction.pk]


@dataclass(frozen=True)
class ProvinceRollup:
    """``province_rollup``'s answer: each jurisdiction's result, or why its scorecard
    refused to be scored (that jurisdiction's rows were left as they were)."""

    results: dict[int, RollupResult]
    refused: dict[int, "CompositeRefused"]


@dataclass
class _Year:
    """What one jurisdiction's roll-up reads, gathered for many jurisdictions at once."""

    jurisdiction: Jurisdiction
    rulebook: RuleBook | None = None
    months: dict[int, str] = field(default_factory=dict)
    counts: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    category_of: dict[int, int | None] = field(default_factory=dict)
    vetoed: set[int] = field(default_factory=set)
    promoted: set[int] = field(default_factory=set)
    scorecard: Scorecard | None = None


def province_rollup(
    *, jurisdictions: list[Jurisdiction], year: int, through_month: int | None = None,
    runs: dict[int, RollupRun] | None = None, now: datetime | None = None,
) -> ProvinceRollup:
    """``year_rollup`` of many jurisdictions (a province's districts) in one pass: each
    kind of input is read with one query for all of them, every jurisdiction's
    arithmetic is done with the pure rules exactly as alone, and all rows are written
    with one statement per kind of write, in one transaction. Each jurisdiction's rows
    are the ones its own ``year_rollup`` writes.

    ``runs`` (jurisdiction id -> RollupRun) are marked running, then done. A
    jurisdiction whose scorecard cannot be scored is left as it was and named in
    ``refused``; its run is left for the caller to fail with the reason."""
    _check_year(year, through_month)
    if not jurisdictions:
        return ProvinceRollup(results={}, refused={})
    now = now or timezone.now()
    runs = runs or {}
    if runs:
        _runs_update(runs.values(), status=RollupRun.Status.RUNNING, started_at=now, error="")
    ids = [jurisdiction.pk for jurisdiction in jurisdictions]
    years = {jurisdiction.pk: _Year(jurisdiction) for jurisdiction in jurisdictions}

    for rulebook in RuleBook.objects.filter(jurisdiction_id__in=ids, year=year):
        years[rulebook.jurisdiction_id].rulebook = rulebook
    periods = Period.objects.filter(jurisdiction_id__in=ids, year=year).order_by()
    for jurisdiction_id, month, status in periods.values_list("jurisdiction_id", "month", "status"):
        years[jurisdiction_id].months[month] = status
    last = through_month or 12
    counts = ratings_selectors.year_outcome_counts_of(jurisdiction_ids=ids, year=year, through_month=last)
    units = ratings_selectors.year_units_of(jurisdiction_ids=ids, year=year, rated=counts)
    for jurisdiction_id, one in years.items():
        one.counts, one.category_of = counts.get(jurisdiction_id, {}), units[jurisdiction_id]
    adjustments = GradeAdjustment.objects.filter(jurisdiction_id__in=ids, year=year).order_by()
    for jurisdiction_id, unit_id, kind in adjustments.values_list("jurisdiction_id", "unit_id", "kind"):
        one = years[jurisdiction_id]
        (one.vetoed if kind == GradeAdjustment.Kind.VETO else one.promoted).add(unit_id)
    for scorecard in Scorecard.objects.filter(jurisdiction_id__in=ids, year=year).select_related("jurisdiction"):
        years[scorecard.jurisdiction_id].scorecard = scorecard
    if runs:
        for jurisdiction_id, run in runs.items():
            run.total = len(years[jurisdiction_id].category_of)
        RollupRun.objects.bulk_update(list(runs.values()), ["total"])

    # Rows already stored are updated in place: cheaper than an upsert's failed insert.
    existing = set(integer_rows(
        YearScore.objects.filter(jurisdiction_id__in=ids, year=year).order_by().values_list("jurisdiction_id", "unit_id")
    ))
    updates: list[tuple] = []
    inserts: list[tuple] = []
    results: dict[int, RollupResult] = {}
    refused: dict[int, CompositeRefused] = {}
    unfreeze: list[int] = []
    points_of: dict = {}  # units often share a tally and districts a rule book: remember points
    for jurisdiction_id, one in years.items():
        try:
            results[jurisdiction_id] = _year_rows(
                one, year=year, through_month=through_month, now=now, existing=existing,
                updates=updates, inserts=inserts, points_of=points_of,
            )
        except CompositeRefused as exc:
            refused[jurisdiction_id] = exc
            continue
        if one.scorecard is not None and one.scorecard.reopened:  # scored again: frozen until reopened
            unfreeze.append(one.scorecard.pk)

    written = list(results)
    with transaction.atomic():
        _write_scores(updates=updates, inserts=inserts)
        if written:
            # Units no longer in the roll-up (e.g. moved to another jurisdiction) lose their row.
            YearScore.objects.filter(jurisdiction_id__in=written, year=year).exclude(computed_at=now).delete()
        if unfreeze:
            Scorecard.objects.filter(pk__in=unfreeze).update(reopened=False)
        if written:
            figures_changed_on_commit(jurisdiction_ids=written)

    finished = timezone.now()
    for jurisdiction_id, run in runs.items():
        if jurisdiction_id in results:
            run.status, run.done, run.finished_at = RollupRun.Status.DONE, results[jurisdiction_id].units, finished
    done = [run for jurisdiction_id, run in runs.items() if jurisdiction_id in results]
    if done:
        RollupRun.objects.bulk_update(done, ["status", "done", "finished_at"])
    return ProvinceRollup(results=results, refused=refused)


_NO_DETAIL = json.dumps({})


def _year_rows(
    one: _Year, *, year: int, through_month: int | None, now: datetime, existing: set[tuple[int, int]],
    updates: list[tuple], inserts: list[tuple], points_of: dict,
) -> RollupResult:
    """One jurisdiction's arithmetic, with the pure rules: its rows are appended to
    ``updates`` (already stored) or ``inserts``. Raises ``CompositeRefused`` before
    appending anything when its scorecard cannot be scored."""
    jurisdiction, rulebook = one.jurisdiction, one.rulebook
    settings = rulebook.as_rules() if rulebook else rules.DEFAULT_RULES
    grading = rulebook.as_grading() if rulebook else rules.DEFAULT_GRADING
    stored_through = through_month or (max(one.months) if one.months else 12)
    december_done = one.months.get(12) in (Period.Status.CLOSED, Period.Status.PUBLISHED)
    is_year_to_date = stored_through < 12 or not december_done
    counts, category_of = one.counts, one.category_of

    # ``points_of``: rule settings -> tally -> the points and their stored form.
    memo = points_of.setdefault(settings, {})
    none = (0, 0, 0)
    adapt_points = connection.ops.adapt_decimalfield_value
    points: dict[int, Decimal] = {}
    stored_points: dict[int, object] = {}
    for unit_id in category_of:
        tally = counts.get(unit_id, none)
        known = memo.get(tally)
        if known is None:
            value = rules.year_points(rules.Tally(*tally), settings).quantize(CENT)
            known = memo[tally] = (value, adapt_points(value, 8, 2))
        points[unit_id], stored_points[unit_id] = known
    table = rules.standings(points, category_of, grading)
    rank_overall, rank_in_category, grade_by_points = table.rank_overall, table.rank_in_group, table.grade

    # The composite scorecard, when the year has one: its grade replaces the board's.
    promoted = one.promoted
    composite: dict[int, Composite] = {}
    if one.scorecard is not None:
        composite = composite_scores(scorecard=one.scorecard, counts=counts, category_of=category_of,
                                     board_rules=settings)
        grade_by_points = {unit_id: result.grade for unit_id, result in composite.items()}
        promoted = promoted | {unit_id for unit_id, result in composite.items() if result.promoted_by_rank}

    constants = (
        rulebook.pk if rulebook else None, rulebook.version if rulebook else None,
        connection.ops.adapt_datetimefield_value(now), is_year_to_date, stored_through, jurisdiction.pk, year,
    )
    vetoed = one.vetoed
    adjusted = vetoed | promoted
    finals: list[str] = []
    for unit_id, category_id in category_of.items():
        base = final = grade_by_points[unit_id]
        veto = promotion = False
        if unit_id in adjusted:
            veto, promotion = unit_id in vetoed, unit_id in promoted
            final = rules.adjust_grade(base, veto=veto, promotion=promotion)
            promotion = promotion and not veto
        finals.append(final)
        mine = composite.get(unit_id)
        ((updates if (jurisdiction.pk, unit_id) in existing else inserts).append((
            category_id, *counts.get(unit_id, none), stored_points[unit_id], rank_overall[unit_id],
            rank_in_category[unit_id], base, final, veto, promotion,
            adapt_points(mine.total, 8, 2) if mine else None, mine.rank if mine else None,
            json.dumps(mine.detail, ensure_ascii=False) if mine else _NO_DETAIL, *constants, unit_id,
        )))
    return RollupResult(
        year=year, through_month=stored_through, is_year_to_date=is_year_to_date, units=len(category_of),
        computed_at=now, grades=dict(Counter(finals)),
    )


@dataclass(frozen=True)
class Composite:
    """A unit's composite result: its total, rank (within its category when the
    scorecard has category-specific items), grade by score, and ``detail``: every
    section's and item's score with the facts of its line, as stored on the YearScore."""

    total: Decimal
    rank: int
    grade: str
    promoted_by_rank: bool
    detail: dict


class CompositeRefused(ValidationError):
    """The scorecard or its results cannot be scored; the message lists why."""


def _casework_deductions(scorecard: Scorecard) -> dict[int, card_rules.Deduction]:
    """The year's casework deductions per unit, from the ledger worked out again now
    (casework's own service: the forms and the year's settings as they stand)."""
    casework_services.deductions_recompute(jurisdiction=scorecard.jurisdiction, year=scorecard.year)
    return {unit_id: card_rules.Deduction(forms, points) for unit_id, (forms, points)
            in casework_selectors.deductions_by_unit(jurisdiction_id=scorecard.jurisdiction_id,
                                                     year=scorecard.year).items()}


def composite_scores(
    *, scorecard: Scorecard, counts: dict[int, tuple[int, int, int]], category_of: dict[int, int | None],
    board_rules: rules.RuleSettings,
) -> dict[int, Composite]:
    """Score every unit in the roll-up on the scorecard, with the pure rules
    (``assessment.rules.score``). Queries: the units, the items with their categories,
    the results — however many units and items there are."""
    from assessment.importing import result_for_rules, scorecard_rules

    # Every unit of the roll-up is one of the jurisdiction's (ratings.selectors.year_units).
    code_of = dict(Organisation.objects.filter(jurisdiction=scorecard.jurisdiction).order_by().values_list("pk", "code"))
    category_name = dict(Category.objects.filter(jurisdiction=scorecard.jurisdiction).values_list("pk", "name"))
    items = list(scorecard.items.select_related("parent", "lead_unit").prefetch_related("categories"))
    card = scorecard_rules(scorecard, items)
    item_by_pk = {item.pk: item for item in items}
    units = [card_rules.Unit(code_of[unit_id], category_name.get(category_id, "")) for unit_id, category_id
             in category_of.items()]
    id_of = {code_of[unit_id]: unit_id for unit_id in category_of}

    results: list[card_rules.Result] = []
    for item_id, unit_id, rank, score, met, assigned in ItemResult.objects.filter(item__scorecard=scorecard) \
            .order_by().values_list("item_id", "unit_id", "rank", "score", "met", "assigned"):
        if unit_id in category_of:  # a unit no longer in the roll-up (moved away) is not scored
            results.append(result_for_rules(item_by_pk[item_id], code_of[unit_id], rank=rank, score=score,
                                            met=met, assigned=assigned))
    none = (0, 0, 0)
    deductions: dict[int, card_rules.Deduction] | None = None
    for item in items:
        if item.method == card_rules.CASEWORK and deductions is None:
            deductions = _casework_deductions(scorecard)
        for unit in units:
            if not card.applies(item.code, unit.category):
                continue
            if item.method == card_rules.BOARD:
                results.append(card_rules.Result(unit.code, item.code,
                                                 tally=rules.Tally(*counts.get(id_of[unit.code], none))))
            elif item.method == card_rules.CASEWORK:
                results.append(card_rules.Result(unit.code, item.code, deduction=deductions.get(id_of[unit.code])))
        if item.method == card_rules.EVALUATION:
            # The closed evaluation rounds (and surveys) feeding this item; a unit without
            # a result takes its section's average like any unit without the task.
            appraisals = evaluation_selectors.appraisals(jurisdiction_id=scorecard.jurisdiction_id,
                                                         year=scorecard.year, item_code=item.code)
            for unit in units:
                appraisal = appraisals.get(id_of[unit.code])
                if appraisal is not None and card.applies(item.code, unit.category):
                    results.append(card_rules.Result(unit.code, item.code, appraisal=appraisal))
    try:
        scores = card_rules.score(card, units, results, board_rules=board_rules,
                                  categories=set(category_name.values()))
    except card_rules.Refused as refused:
        raise CompositeRefused(
            _("%(year)d 年度考核方案无法计分：") % {"year": scorecard.year} + "\n" + refusal_summary(refused.problems)
        ) from None

    grading = rules.GradingSettings(
        method=scorecard.grading_method, excellent_min=scorecard.excellent_min, good_min=scorecard.good_min,
        fair_min=scorecard.fair_min, excellent_share=scorecard.excellent_share, good_share=scorecard.good_share,
        poor_share=scorecard.poor_share, by_category=card.by_category,
    )
    totals = {id_of[code]: unit.total for code, unit in scores.units.items()}
    groups = {unit_id: category_of[unit_id] for unit_id in totals} if card.by_category else {}
    grades = rules.standings(totals, groups, grading).grade
    top = scorecard.promotion_top_rank
    best_rank: dict[str, tuple[int, str]] = {}
    if top:
        for result in results:
            method = card.item(result.item).method
            if result.rank is not None and method in (card_rules.RANK, card_rules.LEAD_SCORED):
                if result.rank <= top and (result.unit not in best_rank or result.rank < best_rank[result.unit][0]):
                    best_rank[result.unit] = (result.rank, result.item)
    names = {item.code: item.name for item in items}
    out: dict[int, Composite] = {}
    for code, unit in scores.units.items():
        detail: dict = {"sections": [_section_detail(card, names, section) for section in unit.sections],
                        "by_category": scores.by_category}
        if code in best_rank:
            rank, item_code = best_rank[code]
            detail["promotion_rank"] = {"item": item_code, "name": names[item_code], "rank": rank, "top": top}
        unit_id = id_of[code]
        out[unit_id] = Composite(unit.total, unit.rank, grades[unit_id], code in best_rank, detail)
    return out


def _section_detail(card: card_rules.Scorecard, names: dict[str, str], section: card_rules.SectionScore) -> dict:
    item = card.item(section.section)
    return {
        "code": section.section, "name": names[section.section], "points": f"{item.points:.2f}",
        "score": f"{section.score:.2f}", "line": section.explanation.line.value,
        "facts": card_rules.fact_texts(section.explanation),
        "items": [
            {"code": done.item, "name": names[done.item], "points": f"{card.item(done.item).points:.2f}",
             "score": f"{done.score:.2f}", "line": done.explanation.line.value,
             "method": done.explanation.method, "facts": card_rules.fact_texts(done.explanation)}
            for done in section.items
        ],
    }


# Column order of the rows built above: the values, then the unique key.
_SCORE_VALUES = (
    "category", "red_flags", "yellow_lights", "red_lights", "points", "rank_overall", "rank_in_category",
    "grade_by_points", "grade", "veto_applied", "promotion_applied", "composite_total", "composite_rank",
    "composite_detail", "rulebook", "rulebook_version", "computed_at", "is_year_to_date", "through_month",
)
_SCORE_KEY = ("jurisdiction", "year", "unit")


def _write_scores(*, updates: list[tuple], inserts: list[tuple]) -> None:
    """Write every row with at most two prepared statements, each run over its rows with
    ``executemany`` (one query in Django's count, no limit on bound parameters):
    an UPDATE by key for the rows already there, which keeps their ids, and an INSERT
    for new ones whose ``ON CONFLICT … DO UPDATE`` covers a run that inserted them
    meanwhile. SQLite (3.24+) and PostgreSQL share the syntax."""
    if connection.vendor == "postgresql":
        return _write_scores_postgresql(updates=updates, inserts=inserts)
    quote = connection.ops.quote_name
    table = quote(YearScore._meta.db_table)
    values = [quote(YearScore._meta.get_field(name).column) for name in _SCORE_VALUES]
    key = [quote(YearScore._meta.get_field(name).column) for name in _SCORE_KEY]
    with connection.cursor() as cursor:
        if updates:
            cursor.executemany(
                f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in values)} "
                f"WHERE {' AND '.join(f'{c} = %s' for c in key)}",
                updates,
            )
        if inserts:
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(values + key)}) VALUES ({', '.join(['%s'] * (len(values) + len(key)))}) "
                f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in values)}",
                inserts,
            )


def _write_scores_postgresql(*, updates: list[tuple], inserts: list[tuple]) -> None:
    """The same two statements on PostgreSQL, reading their rows from a temporary table
    that one ``COPY`` fills (psycopg's C path formats the rows): each statement runs
    once instead of once per row, and the rows cross the wire in the cheapest form. For
    10,000 units the writes take a third of the time arrays through ``unnest`` took,
    and a tenth of ``executemany`` (make bench)."""
    quote = connection.ops.quote_name
    table = quote(YearScore._meta.db_table)
    columns = [quote(YearScore._meta.get_field(name).column) for name in _SCORE_VALUES + _SCORE_KEY]
    values, key = columns[: len(_SCORE_VALUES)], columns[len(_SCORE_VALUES):]
    # Dropped at commit; a second roll-up in the same transaction has one of its own.
    rows = quote(f"yearscore_rows_{uuid.uuid4().hex[:12]}")
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {rows} ON COMMIT DROP AS "
                       f"SELECT {', '.join(columns)} FROM {table} WITH NO DATA")
        with cursor.cursor.copy(f"COPY {rows} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in updates:
                copy.write_row(row)
            for row in inserts:
                copy.write_row(row)
        if updates:
            cursor.execute(
                f"UPDATE {table} AS t SET {', '.join(f'{c} = v.{c}' for c in values)} FROM {rows} AS v "
                f"WHERE {' AND '.join(f't.{c} = v.{c}' for c in key)}"
            )
        if inserts:
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(f'v.{c}' for c in columns)} "
                f"FROM {rows} AS v WHERE NOT EXISTS (SELECT 1 FROM {table} AS t "
                f"WHERE {' AND '.join(f't.{c} = v.{c}' for c in key)}) "
                f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in values)}"
            )


def _runs_update(runs, **changes) -> None:
    # Progress is written outside the roll-up's transaction, so a polling page sees it.
    runs = list(runs)
    for run in runs:
        for name, value in changes.items():
            setattr(run, name, value)
    RollupRun.objects.filter(pk__in=[run.pk for run in runs]).update(**changes)


# Runs (started from the admin or a shell, carried out by the Celery task) -----------------


class RollupInProgress(ValidationError):
    """A roll-up of the same year has not finished yet: ``run`` is that run."""

    def __init__(self, message: str, run: RollupRun):
        super().__init__(message, code="rollup_in_progress")
        self.run = run


# A run unfinished after this long was lost with its worker (Redis gives an unacknowledged
# message up after 30 minutes); it no longer holds the year, and is recorded as failed.
RUN_ABANDONED_AFTER = timedelta(minutes=30)


def rollup_run_create(
    *, jurisdiction: Jurisdiction, year: int, through_month: int | None = None, by=None
) -> RollupRun:
    """Record a roll-up to be carried out (by the task, or at once by the command).

    One roll-up of a year at a time: two would write the same rows. A second start while
    the first has not finished (a second click, a colleague, the command) is refused
    with ``RollupInProgress``, naming who started the first and when."""
    from ratings.services import when, who

    _require_office(by, jurisdiction)
    _check_year(year, through_month)
    with transaction.atomic():
        # The jurisdiction's row makes two starts at once take turns.
        Jurisdiction.objects.select_for_update().filter(pk=jurisdiction.pk).values_list("pk", flat=True).get()
        now = timezone.now()
        unfinished = RollupRun.objects.filter(
            jurisdiction=jurisdiction, year=year, status__in=(RollupRun.Status.QUEUED, RollupRun.Status.RUNNING),
        ).select_related("created_by").order_by("created_at", "pk")
        for other in unfinished:
            if other.created_at >= now - RUN_ABANDONED_AFTER:
                raise RollupInProgress(
                    _("%(year)d 年度得分正在计算中（%(who)s 于 %(when)s 发起），请等待该次计算完成，无需重复操作")
                    % {"year": year, "who": who(other.created_by), "when": when(other.created_at)},
                    run=other,
                )
            rollup_run_fail(run_id=other.pk, error=_("超过 %(minutes)d 分钟未完成，视为中断，已由新的计算取代") % {
                "minutes": RUN_ABANDONED_AFTER.seconds // 60})
        return RollupRun.objects.create(
            jurisdiction=jurisdiction, year=year, through_month=through_month, created_by=by, task_id=uuid.uuid4().hex
        )


def rollup_run_start(
    *, jurisdiction: Jurisdiction, year: int, through_month: int | None = None, by=None
) -> RollupRun:
    """Queue a roll-up: the task starts once the run is committed. When the broker is
    down the run is marked failed with the reason and ``QueueUnavailable`` is raised,
    so the office is told at once instead of watching a run that never starts."""
    from config.queue import QueueUnavailable, enqueue
    from assessment.tasks import year_rollup_task

    run = rollup_run_create(jurisdiction=jurisdiction, year=year, through_month=through_month, by=by)

    def queue() -> None:
        try:
            enqueue(year_rollup_task, args=[run.pk], task_id=run.task_id)
        except QueueUnavailable as exc:
            rollup_run_fail(run_id=run.pk, error=str(exc))
            raise

    transaction.on_commit(queue)
    return run


def rollup_run_execute(*, run_id: int) -> RollupResult:
    run = RollupRun.objects.select_related("jurisdiction").get(pk=run_id)
    return year_rollup(jurisdiction=run.jurisdiction, year=run.year, through_month=run.through_month, run=run)


def rollup_run_fail(*, run_id: int, error: str) -> None:
    RollupRun.objects.filter(pk=run_id).update(
        status=RollupRun.Status.FAILED, error=error[:2000], finished_at=timezone.now()
    )


# Vetoes and promotions --------------------------------------------------------------------


def grade_adjustment_record(
    *, unit: Organisation, year: int, kind: str, reason: str, by=None
) -> GradeAdjustment:
    """一票否决 / 例外晋级 with a reason. The unit's stored score, if any, is re-graded at
    once; its points do not change."""
    adjustment = GradeAdjustment(unit=unit, year=year, kind=kind, reason=reason, created_by=by)
    return grade_adjustment_save(adjustment=adjustment, by=by)


def grade_adjustment_save(*, adjustment: GradeAdjustment, by=None) -> GradeAdjustment:
    """Save a new adjustment, or a changed reason, and re-grade the unit's score."""
    unit = adjustment.unit
    adjustment.jurisdiction = unit.jurisdiction
    _require_office(by, unit.jurisdiction)
    _check_year(adjustment.year, None)
    adjustment.reason = (adjustment.reason or "").strip()
    if adjustment._state.adding and adjustment.created_by_id is None:
        adjustment.created_by = by
    adjustment.full_clean()
    with transaction.atomic():
        adjustment._history_user = by
        adjustment.save()
        year_score_regrade(unit=unit, year=adjustment.year)
    return adjustment


def grade_adjustment_delete(*, adjustment: GradeAdjustment, by=None) -> None:
    _require_office(by, adjustment.jurisdiction)
    with transaction.atomic():
        adjustment._history_user = by
        adjustment.delete()
        year_score_regrade(unit=adjustment.unit, year=adjustment.year)


def year_score_regrade(*, unit: Organisation, year: int) -> YearScore | None:
    """Apply the unit's current vetoes and promotions to its stored score."""
    score = YearScore.objects.filter(unit=unit, year=year).first()
    if score is None:
        return None
    kinds = set(GradeAdjustment.objects.filter(unit=unit, year=year).values_list("kind", flat=True))
    veto, promotion = GradeAdjustment.Kind.VETO in kinds, GradeAdjustment.Kind.PROMOTION in kinds
    promotion = promotion or bool((score.composite_detail or {}).get("promotion_rank"))
    score.grade = rules.adjust_grade(score.grade_by_points, veto=veto, promotion=promotion)
    score.veto_applied = veto
    score.promotion_applied = promotion and not veto
    score.save(update_fields=["grade", "veto_applied", "promotion_applied"])
    return score


# Scorecards -------------------------------------------------------------------------------


SCORECARD_SETTINGS = (
    "total_points", "rank_first_losing", "rank_step", "rank_last", "rank_after_last", "promotion_top_rank",
    "grading_method", "excellent_min", "good_min", "fair_min", "excellent_share", "good_share", "poor_share",
)


def scorecard_copy(*, scorecard: Scorecard, year: int, by=None) -> Scorecard:
    """Last year's scorecard as this year's: its settings and every item (tree, points,
    methods, categories, lead units, base points), no results. Refused when the year
    already has a scorecard with items."""
    _require_office(by, scorecard.jurisdiction)
    _check_year(year, None)
    if year == scorecard.year:
        raise ValidationError(_("请选择另一个年度"))
    with transaction.atomic():
        target = Scorecard.objects.select_for_update().filter(jurisdiction=scorecard.jurisdiction, year=year).first()
        if target is not None and target.items.exists():
            raise ValidationError(_("%(year)d 年度已有考核方案，不能覆盖；如需重做，请先删除其指标") % {"year": year})
        if target is None:
            target = Scorecard(jurisdiction=scorecard.jurisdiction, year=year)
        for name in SCORECARD_SETTINGS:
            setattr(target, name, getattr(scorecard, name))
        target.name = scorecard.name.replace(str(scorecard.year), str(year)) if scorecard.name else ""
        target.reopened = target.results_locked = False
        target._history_user = by
        target.save()
        items = list(scorecard.items.select_related("parent").prefetch_related("categories"))
        copies = {}
        for item in items:
            copies[item.pk] = copy = ScorecardItem.objects.create(
                scorecard=target, code=item.code, name=item.name, points=item.points, method=item.method,
                lead_unit_id=item.lead_unit_id, base=item.base, order=item.order,
            )
            copy.categories.set(item.categories.all())
        for item in items:
            if item.parent_id:
                ScorecardItem.objects.filter(pk=copies[item.pk].pk).update(parent=copies[item.parent_id])
    return target


# The lead unit's entry (牵头单位录入) -------------------------------------------------------


# What a lead unit enters for each undertaking unit, by the item's method.
ENTRY_FIELDS: dict[str, tuple[str, ...]] = {
    card_rules.RANK: ("rank",),
    card_rules.LEAD_SCORED: ("score",),
    card_rules.DIRECT: ("score",),
    card_rules.COMPLETION: ("met", "assigned"),
}


def entry_label(name: str) -> str:
    """A field's name as the sheet and the form call it, in the request's language."""
    return {"rank": _("排名"), "score": _("得分"), "met": _("完成数"), "assigned": _("任务数")}[name]


class EntryRefused(ValidationError):
    """The lead unit's entries, refused whole: ``errors`` maps a unit's id to its messages."""

    def __init__(self, errors: dict[int, list[str]]):
        super().__init__(_("有单位的结果填写有误，没有保存任何结果；请按提示修改后重新保存"))
        self.errors = errors


def lead_results_save(*, item: ScorecardItem, lead: Organisation, values: dict[int, dict[str, str]], by=None) -> int:
    """Save what a lead unit entered for the undertaking units of its own item, all or
    nothing: ``values`` maps each unit's id to the texts of the item's fields (an empty
    row removes the unit's result). Refused when the item is not the unit's, the year's
    results are locked, or the method takes no entry. Returns how many results changed."""
    from assessment.importing import read_decimal, read_whole, result_for_rules, scorecard_rules
    from assessment.selectors import lead_entry_units

    scorecard = item.scorecard
    if item.lead_unit_id != lead.pk:
        raise PermissionDenied(_("只有本项的牵头单位可以录入结果"))
    if scorecard.results_locked:
        raise ValidationError(_("%(year)d 年度考核结果已锁定，不能再录入或修改") % {"year": scorecard.year})
    fields = ENTRY_FIELDS.get(item.method)
    if fields is None:
        raise ValidationError(_("本项按每月亮榜自动计分，不录入结果"))
    units = {unit.pk: unit for unit in lead_entry_units(item=item)}
    card = scorecard_rules(scorecard)
    errors: dict[int, list[str]] = {}
    wanted: dict[int, dict[str, object] | None] = {}
    for unit_id, texts in values.items():
        if unit_id not in units:
            raise PermissionDenied(_("本项不适用于该单位"))
        texts = {name: (texts.get(name) or "").strip() for name in fields}
        if not any(texts.values()):
            wanted[unit_id] = None
            continue
        parsed: dict[str, object] = {"rank": None, "score": None, "met": None, "assigned": None}
        mine: list[str] = []
        for name in fields:
            if not texts[name]:
                mine.append(_("请填写%(field)s") % {"field": entry_label(name)})
                continue
            try:
                parsed[name] = read_decimal(texts[name], what=entry_label(name)) if name == "score" \
                    else read_whole(texts[name])
            except ValueError as exc:
                mine.append(str(exc))
        if not mine:
            result = result_for_rules(item, units[unit_id].code, **parsed)
            try:
                card_rules.score_item(card, result)
            except card_rules.Refused as refused:
                mine += [refusal_text(problem) for problem in refused.problems]
        if mine:
            errors[unit_id] = mine
        wanted[unit_id] = parsed
    if errors:
        raise EntryRefused(errors)
    changed = 0
    with transaction.atomic():
        stored = {r.unit_id: r for r in ItemResult.objects.select_for_update().filter(item=item, unit_id__in=wanted)}
        for unit_id, parsed in wanted.items():
            result = stored.get(unit_id)
            if parsed is None:
                if result is not None:
                    result._history_user = by
                    result.delete()
                    changed += 1
                continue
            if result is not None and all(getattr(result, k) == v for k, v in parsed.items()):
                continue
            result = result or ItemResult(item=item, unit_id=unit_id)
            for key, value in parsed.items():
                setattr(result, key, value)
            result.source, result.updated_by = ItemResult.Source.ENTRY, by
            result._history_user = by
            result.save()
            changed += 1
    return changed
