"""What the year-end shows: a year's scores, the years scored, the reasons of vetoes and
promotions, whether the scores are out of date, and the year table the board publishes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Min, QuerySet
from django.utils.translation import gettext as _

from assessment.models import GradeAdjustment, YearScore
from assessment.rules import render_texts
from departments.models import Jurisdiction
from ratings.models import Period


def year_scores(*, jurisdiction: Jurisdiction, year: int) -> QuerySet[YearScore]:
    """A year's scores in rank order, with what a list or a workbook shows."""
    return (
        YearScore.objects.filter(jurisdiction=jurisdiction, year=year)
        .select_related("unit", "category")
        .order_by("rank_overall", "unit__code")
    )


def year_scored_years(*, jurisdiction: Jurisdiction) -> list[int]:
    return list(
        YearScore.objects.filter(jurisdiction=jurisdiction).order_by("-year").values_list("year", flat=True).distinct()
    )


def year_adjustment_reasons(*, jurisdiction: Jurisdiction, year: int) -> dict[tuple[int, str], str]:
    """(unit id, kind) -> reason, for every veto and promotion of the year."""
    return {
        (unit_id, kind): reason
        for unit_id, kind, reason in GradeAdjustment.objects.filter(jurisdiction=jurisdiction, year=year)
        .order_by().values_list("unit_id", "kind", "reason")
    }


def year_scores_revised_after(*, jurisdiction: Jurisdiction, year: int) -> list[Period]:
    """The year's months with a review change made after the year's scores were computed:
    the scores are out of date until they are computed again (empty: up to date, or none)."""
    computed = YearScore.objects.filter(jurisdiction=jurisdiction, year=year).aggregate(at=Min("computed_at"))["at"]
    if computed is None:
        return []
    return list(
        Period.objects.filter(jurisdiction=jurisdiction, year=year, revised_at__gt=computed).order_by("month")
    )


# The year-end table ---------------------------------------------------------------------


@dataclass(frozen=True)
class YearRow:
    unit_id: int
    unit_code: str
    unit_name: str
    category: str
    red_flags: int
    yellow_lights: int
    red_lights: int
    points: str  # a decimal, as text: "1.50"
    rank_overall: int
    rank_in_category: int
    grade: str
    grade_label: str
    # The composite result, when the year has a scorecard: {"total": "93.00", "rank": 1,
    # "by_category": True, "sections": [{"code": "1", "name": "省对市目标任务", "score": "49.00"}, …]}.
    # None otherwise, and then left out of the published snapshot (whose digest it would change).
    composite: dict | None = None


@dataclass(frozen=True)
class YearTable:
    """A year's roll-up as the office computed it (``complete``: the whole year, not a
    year-to-date roll-up)."""

    jurisdiction_id: int
    year: int
    complete: bool
    computed_at: datetime | None
    rows: tuple[YearRow, ...]


def year_table(*, jurisdiction: Jurisdiction, year: int) -> YearTable:
    scores = list(
        YearScore.objects.filter(jurisdiction=jurisdiction, year=year)
        .select_related("unit", "category")
        .order_by("rank_overall", "unit__code")
    )
    if any(score.composite_total is not None for score in scores):
        # The composite's order: by category (when ranked within categories), then rank.
        by_category = any((score.composite_detail or {}).get("by_category") for score in scores)
        scores.sort(key=lambda s: (
            ((s.category.order, s.category.name) if s.category_id else (1 << 16, "")) if by_category else (0, ""),
            s.composite_rank or 1 << 30, s.unit.code,
        ))
    rows: list[YearRow] = []
    complete = True
    computed_at: datetime | None = None
    for score in scores:
        complete = complete and not score.is_year_to_date
        computed_at = score.computed_at if computed_at is None else min(computed_at, score.computed_at)
        rows.append(YearRow(
            unit_id=score.unit_id,
            unit_code=score.unit.code,
            unit_name=score.unit.name,
            category=score.category.name if score.category_id else "",
            red_flags=score.red_flags,
            yellow_lights=score.yellow_lights,
            red_lights=score.red_lights,
            points=f"{score.points:.2f}",
            rank_overall=score.rank_overall,
            rank_in_category=score.rank_in_category,
            grade=score.grade,
            grade_label=str(score.get_grade_display()),
            composite=None if score.composite_total is None else {
                "total": f"{score.composite_total:.2f}", "rank": score.composite_rank,
                "by_category": bool((score.composite_detail or {}).get("by_category")),
                "sections": [{"code": section["code"], "name": section["name"], "score": section["score"]}
                             for section in (score.composite_detail or {}).get("sections", [])],
            },
        ))
    return YearTable(
        jurisdiction_id=jurisdiction.pk, year=year, complete=bool(rows) and complete, computed_at=computed_at,
        rows=tuple(rows),
    )


# The composite result -------------------------------------------------------------------


def composite_lines(score: YearScore) -> list[tuple[str, str]]:
    """How a unit's composite came about, section by section: ("1 省对市目标任务",
    "各项合计49.00分"), then each item it was scored on ("1.1 地区生产总值",
    "全省第2名：100% × 30分 = 30.00分"). Empty for a year without a scorecard."""
    lines: list[tuple[str, str]] = []
    for section in (score.composite_detail or {}).get("sections", []):
        lines.append((f"{section['code']} {section['name']}", render_texts(section["line"], section["facts"], _)))
        for item in section["items"]:
            lines.append((f"{item['code']} {item['name']}", render_texts(item["line"], item["facts"], _)))
    promotion = (score.composite_detail or {}).get("promotion_rank")
    if promotion:
        lines.append((f"{promotion['item']} {promotion['name']}", _(
            "全省第%(rank)s名，在第%(top)s名以内，例外晋级") % promotion))
    return lines


@dataclass(frozen=True)
class TreeRow:
    depth: int
    code: str
    name: str
    points: str
    method: str
    categories: str
    lead_unit: str
    base: str


def scorecard_tree(scorecard) -> list[TreeRow]:
    """The scorecard as a clerk reads it: each section, then its items indented under it,
    with what the sheet says of each (the sections' points add up to the total)."""
    from assessment.models import ScorecardItem
    from assessment.rules import METHODS

    items = list(ScorecardItem.objects.filter(scorecard=scorecard).select_related("lead_unit")
                 .prefetch_related("categories").order_by("order", "pk"))
    children: dict[int | None, list] = {}
    for item in items:
        children.setdefault(item.parent_id, []).append(item)
    rows: list[TreeRow] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for item in children.get(parent_id, []):
            method = METHODS.get(item.method)
            rows.append(TreeRow(
                depth, item.code, item.name, f"{item.points.normalize():f}", _(method.label) if method else "",
                "、".join(c.name for c in item.categories.all()), item.lead_unit.name if item.lead_unit_id else "",
                f"{item.base.normalize():f}" if item.base is not None else "",
            ))
            walk(item.pk, depth + 1)

    walk(None, 0)
    return rows


@dataclass(frozen=True)
class CompositeRow:
    unit_code: str
    unit_name: str
    category: str
    total: str
    rank: int
    grade_label: str
    adjusted: str  # "一票否决" / "例外晋级" when the grade is not the score's, else ""
    next_grade: str  # the grade above the score's, "" for 优秀
    gap: str  # the points behind it, "" when there is nothing to reach
    top: bool  # the score earned 优秀


@dataclass(frozen=True)
class CompositeStandings:
    year: int
    by_category: bool
    sections: list[str]
    rows: list[CompositeRow]
    is_year_to_date: bool
    through_month: int


def composite_standings(*, jurisdiction: Jurisdiction, year: int, category_id: int | None = None,
                        ) -> CompositeStandings | None:
    """The composite ranking for the dashboard: by category (when ranked within
    categories) then rank, each unit's grade and how far it is from the next grade
    (``rules.next_grade_gaps`` under the scorecard's grading). None without a composite."""
    from assessment.models import Scorecard
    from assessment.rules import next_grade_gaps
    from ratings.models import Grade
    from ratings.rules import GradingSettings

    scorecard = Scorecard.objects.filter(jurisdiction=jurisdiction, year=year).first()
    if scorecard is None:  # one query for a year without a scorecard
        return None
    scores = list(YearScore.objects.filter(jurisdiction=jurisdiction, year=year, composite_total__isnull=False)
                  .select_related("unit", "category"))
    if not scores:
        return None
    by_category = any((s.composite_detail or {}).get("by_category") for s in scores)
    grading = GradingSettings(
        method=scorecard.grading_method, excellent_min=scorecard.excellent_min, good_min=scorecard.good_min,
        fair_min=scorecard.fair_min, excellent_share=scorecard.excellent_share, good_share=scorecard.good_share,
        poor_share=scorecard.poor_share, by_category=by_category,
    )
    gaps = next_grade_gaps({s.unit.code: s.composite_total for s in scores},
                           {s.unit.code: s.grade_by_points for s in scores},
                           {s.unit.code: s.category_id for s in scores}, grading)
    if category_id is not None:
        scores = [s for s in scores if s.category_id == category_id]
    scores.sort(key=lambda s: (
        ((s.category.order, s.category.name) if s.category_id else (1 << 16, "")) if by_category else (0, ""),
        s.composite_rank, s.unit.code))
    labels = dict(Grade.choices)
    rows = []
    for s in scores:
        gap = gaps.get(s.unit.code)
        adjusted = _("一票否决") if s.veto_applied else _("例外晋级") if s.promotion_applied else ""
        rows.append(CompositeRow(
            s.unit.code, s.unit.name, s.category.name if s.category_id else "", f"{s.composite_total:.2f}",
            s.composite_rank, str(s.get_grade_display()), adjusted if s.grade != s.grade_by_points else "",
            str(labels[gap.grade]) if gap else "", f"{gap.points:.2f}" if gap else "",
            s.grade_by_points == Grade.EXCELLENT,
        ))
    first = scores[0] if scores else None
    sections = [section["name"] for section in (first.composite_detail.get("sections", []) if first else [])]
    return CompositeStandings(year, by_category, sections, rows, any(s.is_year_to_date for s in scores),
                              max((s.through_month for s in scores), default=12))


# The lead unit's items (牵头单位录入) --------------------------------------------------------


def lead_items(*, unit) -> list:
    """The scorecard items a unit leads, newest year first, that take an entry (not the
    board's), with their scorecard."""
    from assessment.models import ScorecardItem
    from assessment.services import ENTRY_FIELDS

    return list(
        ScorecardItem.objects.filter(lead_unit=unit, method__in=list(ENTRY_FIELDS),
                                     scorecard__jurisdiction_id=unit.jurisdiction_id)
        .select_related("scorecard").order_by("-scorecard__year", "order", "pk")
    )


def lead_entry_units(*, item) -> list:
    """The units a lead unit enters results for: the jurisdiction's active rated units
    the item (and its parents) apply to; for 赋分, not the lead unit itself, whose own
    result is its rank in the province (牵头单位不给自己赋分)."""
    from assessment.importing import scorecard_rules
    from assessment.rules import LEAD_SCORED
    from departments.models import Organisation

    card = scorecard_rules(item.scorecard)
    units = Organisation.objects.filter(jurisdiction_id=item.scorecard.jurisdiction_id, is_unit=True, is_active=True)
    if item.method == LEAD_SCORED:
        units = units.exclude(pk=item.lead_unit_id)
    return [unit for unit in units.select_related("category").order_by("category__order", "code")
            if card.applies(item.code, unit.category.name if unit.category_id else "")]


def lead_entry_rows(*, item) -> list[tuple]:
    """(unit, its result or None) for every unit of ``lead_entry_units``."""
    from assessment.models import ItemResult

    results = {r.unit_id: r for r in ItemResult.objects.filter(item=item)}
    return [(unit, results.get(unit.pk)) for unit in lead_entry_units(item=item)]
