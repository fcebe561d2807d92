"""The scorecard and its results from spreadsheets, all or nothing, row and column named.

考核方案 (``import_scorecard YYYY FILE``): 编码, 名称, 上级编码, 分值, 计分方式, 适用类别,
牵头单位, 基础分. One row per section or item, in the order they are listed; 上级编码 empty
for a section; 计分方式 by its Chinese name (排名, 赋分, 直接引用, 完成率, 效能亮榜), empty for
an item with children; 适用类别 category names separated by 、 (empty: all); 牵头单位 a
unit's 编码 or 名称; 基础分 read by 效能亮榜 only. The whole tree is checked by the pure
rules (``assessment.rules.scorecard_problems``): children's points must add up to their
parent's, the sections to the scorecard's 总分 when it has one. The file is the
scorecard: an item missing from it is removed, one unchanged is left as it is
(re-importing the same file changes nothing). A frozen scorecard refuses the file.

考核结果 (``import_results YYYY FILE``): 指标编码, 被考核单位, 排名, 得分, 完成数, 任务数.
Each method reads its own columns (排名 the rank; 赋分 the percentage in 得分, or the
lead unit's own 排名; 直接引用 the points in 得分; 完成率 完成数 and 任务数); 效能亮榜 items
take no results (the board's points are counted by the roll-up). A result is keyed by
item and unit: a new one is added, a changed one updated, the same left as it is.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import tablib
from django.db import transaction
from django.utils.translation import gettext as _

from assessment import rules
from assessment.models import ItemResult, Scorecard, ScorecardItem, YearScore
from assessment.refusals import refusal_text
from departments.importing import (
    HEADER_ROWS, ImportRejected, OrganisationFinder, RowError, cell_text, is_blank, read_dataset,
    read_file, sheet_info, starts_like_formula,
)
from departments.models import Category, Jurisdiction, Organisation

CODE, NAME, PARENT, POINTS, METHOD, CATEGORIES, LEAD_UNIT, BASE = (
    "编码", "名称", "上级编码", "分值", "计分方式", "适用类别", "牵头单位", "基础分"
)
SCORECARD_REQUIRED = (CODE, NAME, PARENT, POINTS, METHOD)
SCORECARD_OPTIONAL = (CATEGORIES, LEAD_UNIT, BASE)
SCORECARD_LIMITS = {CODE: 32, NAME: 200, PARENT: 32, POINTS: 20, METHOD: 20, CATEGORIES: 500, LEAD_UNIT: 100,
                    BASE: 20}
ITEM_FIELDS = {"code": CODE, "name": NAME, "parent": PARENT, "points": POINTS, "method": METHOD,
               "categories": CATEGORIES, "lead_unit": LEAD_UNIT, "base": BASE}

ITEM, UNIT, RANK, SCORE, MET, ASSIGNED = "指标编码", "被考核单位", "排名", "得分", "完成数", "任务数"
RESULTS_REQUIRED = (ITEM, UNIT)
RESULTS_OPTIONAL = (RANK, SCORE, MET, ASSIGNED)
RESULTS_LIMITS = {ITEM: 32, UNIT: 100, RANK: 10, SCORE: 20, MET: 10, ASSIGNED: 10}
RESULT_FIELDS = {"item": ITEM, "unit": UNIT, "rank": RANK, "percent": SCORE, "points": SCORE, "met": MET,
                 "assigned": ASSIGNED, "tally": SCORE,
                 "deduction": SCORE, "appraisal": SCORE}

CATEGORY_SEPARATORS = re.compile(r"[、,，;；]+")
MAX_POINTS = Decimal("999999.99")


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    notes: list[str] = field(default_factory=list)


def read_decimal(text: str, *, what: str) -> Decimal:
    normal = unicodedata.normalize("NFKC", text).replace(",", "")
    try:
        value = Decimal(normal)
    except InvalidOperation:
        raise ValueError(_("“%(value)s”不是数字") % {"value": text}) from None
    if not value.is_finite() or abs(value) > MAX_POINTS:
        raise ValueError(_("“%(value)s”不是有效的%(what)s") % {"value": text, "what": what})
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(_("%(what)s最多保留两位小数") % {"what": what})
    return value


def read_whole(text: str) -> int:
    normal = unicodedata.normalize("NFKC", text)
    try:
        value = Decimal(normal)
    except InvalidOperation:
        raise ValueError(_("“%(value)s”不是整数") % {"value": text}) from None
    if not value.is_finite() or value != value.to_integral_value() or abs(value) > 10**9:
        raise ValueError(_("“%(value)s”不是整数") % {"value": text})
    return int(value)


def _text(text: str) -> str:
    text = " ".join(text.split())
    if starts_like_formula(text):
        raise ValueError(_("不能以“%(char)s”开头：电子表格会把它当作公式；请删去开头的“%(char)s”") % {"char": text[0]})
    return text


def _code(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _cells(dataset: tablib.Dataset):
    """(row number as the clerk sees it, header → text), skipping blank rows."""
    for offset, values in enumerate(dataset):
        if is_blank(values):
            continue
        cells = {header: value for header, value in zip(dataset.headers, values)}
        yield offset + HEADER_ROWS + 1, cells


def _year_check(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise ImportRejected.file(_("年度应为四位数年份"))


def scorecard_frozen(scorecard: Scorecard) -> bool:
    """A scorecard with results (entered, imported or rolled up) is frozen until reopened."""
    if scorecard.reopened or scorecard.pk is None:
        return False
    return ItemResult.objects.filter(item__scorecard=scorecard).exists() or YearScore.objects.filter(
        jurisdiction_id=scorecard.jurisdiction_id, year=scorecard.year, composite_total__isnull=False
    ).exists()


def frozen_message(year: int) -> str:
    return _("%(year)d 年度考核方案已有考核结果，已冻结；如需修改，请先由效能办在管理后台“重新开放修改”") % {"year": year}


# The scorecard ---------------------------------------------------------------------------


@dataclass
class _ItemRow:
    row: int
    item: rules.Item
    lead: Organisation | None
    categories: list[Category]


def read_scorecard_file(path: str | Path) -> tablib.Dataset:
    return read_file(path, required=SCORECARD_REQUIRED, optional=SCORECARD_OPTIONAL, limits=SCORECARD_LIMITS)


def read_scorecard_upload(*, name: str, content: bytes) -> tablib.Dataset:
    return read_dataset(name=name, content=content, required=SCORECARD_REQUIRED, optional=SCORECARD_OPTIONAL,
                        limits=SCORECARD_LIMITS)


def unit_list(jurisdiction: Jurisdiction) -> list[rules.Unit]:
    """The jurisdiction's rated units as the rules see them (code, category name)."""
    return [
        rules.Unit(code, category or "")
        for code, category in Organisation.objects.filter(jurisdiction=jurisdiction, is_unit=True)
        .order_by("code").values_list("code", "category__name")
    ]


def check_scorecard(dataset: tablib.Dataset, *, jurisdiction: Jurisdiction,
                    total_points: Decimal | None = None) -> list[_ItemRow]:
    """Every row read and the whole tree checked; ImportRejected lists every problem."""
    finder = OrganisationFinder(jurisdiction)
    categories = {unicodedata.normalize("NFKC", c.name).strip(): c for c in Category.objects.filter(
        jurisdiction=jurisdiction)}
    errors: list[RowError] = []
    rows: list[_ItemRow] = []
    first_row: dict[str, int] = {}
    for number, cells in _cells(dataset):
        def read(header: str, parse, required: bool = False):
            raw = cells.get(header)
            if raw is not None and hasattr(raw, "problem") and raw.problem:
                errors.append(RowError(number, header, raw.problem))
                return None
            text = cell_text(raw)
            if not text:
                if required:
                    errors.append(RowError(number, header, _("请填写这一格")))
                return None
            try:
                return parse(text)
            except ValueError as exc:
                errors.append(RowError(number, header, str(exc)))
                return None

        code = read(CODE, _code, required=True)
        name = read(NAME, _text, required=True)
        parent = read(PARENT, _code) or ""
        points = read(POINTS, lambda t: read_decimal(t, what=_("分值")), required=True)
        method_text = read(METHOD, _text) or ""
        method = rules.method_for_label(method_text) if method_text else ""
        if method is None:
            errors.append(RowError(number, METHOD, refusal_text(rules.Problem(
                rules.Refusal.UNKNOWN_METHOD, facts={"method": method_text}))))
            method = ""
        names = [n.strip() for n in CATEGORY_SEPARATORS.split(
            unicodedata.normalize("NFKC", cell_text(cells.get(CATEGORIES)))) if n.strip()]
        chosen = []
        for category_name in names:
            if category_name not in categories:
                errors.append(RowError(number, CATEGORIES, refusal_text(rules.Problem(
                    rules.Refusal.UNKNOWN_CATEGORY, facts={"category": category_name}))))
            else:
                chosen.append(categories[category_name])
        lead = None
        lead_text = cell_text(cells.get(LEAD_UNIT))
        if lead_text:
            try:
                lead = finder.find(lead_text)
            except ValueError as exc:
                errors.append(RowError(number, LEAD_UNIT, str(exc)))
            else:
                if lead is None or not lead.is_unit:
                    errors.append(RowError(number, LEAD_UNIT, refusal_text(rules.Problem(
                        rules.Refusal.UNKNOWN_UNIT, facts={"unit": lead_text}))))
                    lead = None
        base = read(BASE, lambda t: read_decimal(t, what=_("基础分")))
        if code is None or name is None or points is None:
            continue
        if code in first_row:
            errors.append(RowError(number, CODE, _("编码“%(code)s”与第 %(row)d 行重复") % {
                "code": code, "row": first_row[code]}))
            continue
        first_row[code] = number
        item = rules.Item(
            code=code, name=name, points=points, parent=parent, method=method,
            categories=frozenset(c.name for c in chosen), lead_unit=lead.code if lead else "",
            base=base if method == rules.BOARD else None,
        )
        if base is not None and method != rules.BOARD:
            errors.append(RowError(number, BASE, _("基础分只用于“效能亮榜”计分方式，本项请留空")))
        rows.append(_ItemRow(number, item, lead, chosen))
    if errors:
        raise ImportRejected(errors)
    if not rows:
        raise ImportRejected.file(_("文件中没有指标（从第 2 行开始填写）"))

    card = rules.Scorecard(jurisdiction.code, 0, tuple(r.item for r in rows), total_points=total_points)
    problems = rules.scorecard_problems(
        card, units=unit_list(jurisdiction), categories={c.name for c in categories.values()})
    row_of = {r.item.code: r.row for r in rows}
    for problem in problems:
        column = ITEM_FIELDS.get(problem.field, "")
        row = row_of.get(problem.item)
        if problem.code == rules.Refusal.TOTAL_DOES_NOT_ADD_UP:
            row, column = None, ""
        errors.append(RowError(row, column, refusal_text(problem)))
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: (e.row or 0, list(ITEM_FIELDS.values()).index(e.column)
                                                           if e.column in ITEM_FIELDS.values() else -1)))
    return rows


def import_scorecard(dataset: tablib.Dataset, *, jurisdiction: Jurisdiction, year: int, by=None,
                     dry_run: bool = False) -> ImportSummary:
    """Check the file, then make it the year's scorecard in one transaction."""
    _year_check(year)
    scorecard = Scorecard.objects.filter(jurisdiction=jurisdiction, year=year).first()
    if scorecard is not None and scorecard_frozen(scorecard):
        raise ImportRejected.file(frozen_message(year))
    rows = check_scorecard(dataset, jurisdiction=jurisdiction,
                           total_points=scorecard.total_points if scorecard else None)
    summary = ImportSummary(notes=list(sheet_info(dataset).notes))
    with transaction.atomic():
        if scorecard is None:
            scorecard = Scorecard(jurisdiction=jurisdiction, year=year)
            if not dry_run:
                scorecard._history_user = by
                scorecard.save()
        existing = {item.code: item for item in scorecard.items.prefetch_related("categories")} if scorecard.pk else {}
        wanted = {r.item.code for r in rows}
        stored: dict[str, ScorecardItem] = {}
        for order, r in enumerate(rows, start=1):
            item = existing.get(r.item.code)
            values = {"name": r.item.name, "points": r.item.points, "method": r.item.method,
                      "lead_unit": r.lead, "base": r.item.base, "order": order}
            if item is None:
                item = ScorecardItem(scorecard=scorecard, code=r.item.code, **values)
                summary.created += 1
                changed = True
            else:
                parent_code = existing_parent_code(item, existing)
                changed = (
                    any(getattr(item, k) != v for k, v in values.items() if k != "lead_unit")
                    or item.lead_unit_id != (r.lead.pk if r.lead else None)
                    or parent_code != r.item.parent
                    or {c.pk for c in item.categories.all()} != {c.pk for c in r.categories}
                )
                for key, value in values.items():
                    setattr(item, key, value)
                summary.updated += changed
                summary.unchanged += not changed
            stored[r.item.code] = item
            if dry_run or not changed:
                continue
            if item.pk is None:
                item.parent = None  # set below, once every item exists
            item.save()
            item.categories.set(r.categories)
        removed = [item for code, item in existing.items() if code not in wanted]
        summary.deleted = len(removed)
        if not dry_run:
            for r in rows:  # parents once every item exists
                item = stored[r.item.code]
                parent = stored[r.item.parent] if r.item.parent else None
                if item.parent_id != (parent.pk if parent else None):
                    item.parent = parent
                    item.save(update_fields=["parent"])
            if removed:  # after the kept items left them: a removed parent would take its children
                ScorecardItem.objects.filter(pk__in=[item.pk for item in removed]).delete()
    return summary


def existing_parent_code(item: ScorecardItem, existing: dict[str, ScorecardItem]) -> str:
    if item.parent_id is None:
        return ""
    return next((code for code, other in existing.items() if other.pk == item.parent_id), "")


# The results -------------------------------------------------------------------------------


@dataclass
class _ResultRow:
    row: int
    item: ScorecardItem
    unit: Organisation
    rank: int | None
    score: Decimal | None
    met: int | None
    assigned: int | None


def read_results_file(path: str | Path) -> tablib.Dataset:
    return read_file(path, required=RESULTS_REQUIRED, optional=RESULTS_OPTIONAL, limits=RESULTS_LIMITS)


def read_results_upload(*, name: str, content: bytes) -> tablib.Dataset:
    return read_dataset(name=name, content=content, required=RESULTS_REQUIRED, optional=RESULTS_OPTIONAL,
                        limits=RESULTS_LIMITS)


def result_for_rules(item: ScorecardItem, unit_code: str, *, rank: int | None,
                     score: Decimal | None, met: int | None, assigned: int | None) -> rules.Result:
    """A stored or imported result as the rules read it: 得分 is a percentage for 赋分 (a
    lead unit's own result is its 排名), points for 直接引用; elsewhere it is a figure the
    method does not read (refused as such)."""
    percent = points = None
    if score is not None:
        if item.method == rules.LEAD_SCORED:
            percent = score
        else:
            points = score
    return rules.Result(unit=unit_code, item=item.code, rank=rank, percent=percent, points=points, met=met,
                        assigned=assigned)


def scorecard_rules(scorecard: Scorecard, items: list[ScorecardItem] | None = None) -> rules.Scorecard:
    """The stored scorecard as the pure rules read it."""
    if items is None:
        items = list(scorecard.items.select_related("parent", "lead_unit").prefetch_related("categories"))
    return rules.Scorecard(
        jurisdiction=str(scorecard.jurisdiction_id), year=scorecard.year,
        items=tuple(
            rules.Item(code=i.code, name=i.name, points=i.points, parent=i.parent.code if i.parent_id else "",
                       method=i.method, categories=frozenset(c.name for c in i.categories.all()),
                       lead_unit=i.lead_unit.code if i.lead_unit_id else "", base=i.base)
            for i in items
        ),
        total_points=scorecard.total_points, rank_table=scorecard.rank_table,
    )


def check_results(dataset: tablib.Dataset, *, scorecard: Scorecard) -> list[_ResultRow]:
    items = list(scorecard.items.select_related("parent", "lead_unit").prefetch_related("categories"))
    card = scorecard_rules(scorecard, items)
    by_code = {item.code: item for item in items}
    finder = OrganisationFinder(scorecard.jurisdiction)
    errors: list[RowError] = []
    rows: list[_ResultRow] = []
    seen: dict[tuple[int, int], int] = {}
    for number, cells in _cells(dataset):
        def read(header: str, parse):
            raw = cells.get(header)
            if raw is not None and getattr(raw, "problem", ""):
                errors.append(RowError(number, header, raw.problem))
                return None
            text = cell_text(raw)
            if not text:
                return None
            try:
                return parse(text)
            except ValueError as exc:
                errors.append(RowError(number, header, str(exc)))
                return None

        code = read(ITEM, _code)
        unit_text = cell_text(cells.get(UNIT))
        rank = read(RANK, read_whole)
        score = read(SCORE, lambda t: read_decimal(t, what=_("得分")))
        met = read(MET, read_whole)
        assigned = read(ASSIGNED, read_whole)
        if code is None:
            errors.append(RowError(number, ITEM, _("请填写这一格")))
            continue
        item = by_code.get(code)
        if item is None:
            errors.append(RowError(number, ITEM, refusal_text(rules.Problem(rules.Refusal.UNKNOWN_ITEM, code))))
            continue
        if not unit_text:
            errors.append(RowError(number, UNIT, _("请填写这一格")))
            continue
        try:
            unit = finder.find(unit_text)
        except ValueError as exc:
            errors.append(RowError(number, UNIT, str(exc)))
            continue
        if unit is None or not unit.is_unit:
            errors.append(RowError(number, UNIT, refusal_text(rules.Problem(
                rules.Refusal.UNKNOWN_UNIT, facts={"unit": unit_text}))))
            continue
        if card.children(code):
            errors.append(RowError(number, ITEM, refusal_text(rules.Problem(rules.Refusal.NOT_A_LEAF, code))))
            continue
        category = unit.category.name if unit.category_id else ""
        if not card.applies(code, category):
            errors.append(RowError(number, ITEM, refusal_text(rules.Problem(
                rules.Refusal.NOT_APPLICABLE, code, facts={"category": category or _("未分类")}))))
            continue
        if item.method == rules.BOARD:
            errors.append(RowError(number, ITEM, _("“效能亮榜”指标按每月亮榜自动计分，不导入结果")))
            continue
        if item.method == rules.CASEWORK:
            errors.append(RowError(number, ITEM, _("“交办单”指标按交办单扣分台账自动计分，不导入结果")))
            continue
        if item.method == rules.EVALUATION:
            errors.append(RowError(number, ITEM, _("“评议”指标按已结束的评议轮次自动计分，不导入结果")))
            continue
        key = (item.pk, unit.pk)
        if key in seen:
            errors.append(RowError(number, UNIT, _("与第 %(row)d 行重复：同一单位同一指标只能有一个结果") % {
                "row": seen[key]}))
            continue
        seen[key] = number
        if any(e.row == number for e in errors):
            continue
        result = result_for_rules(item, unit.code, rank=rank, score=score,
                                  met=met, assigned=assigned)
        try:
            rules.score_item(card, result)
        except rules.Refused as refused:
            for problem in refused.problems:
                errors.append(RowError(number, RESULT_FIELDS.get(problem.field, ""), refusal_text(problem)))
            continue
        rows.append(_ResultRow(number, item, unit, rank, score, met, assigned))
    if errors:
        raise ImportRejected(errors)
    if not rows:
        raise ImportRejected.file(_("文件中没有结果（从第 2 行开始填写）"))
    return rows


def import_results(dataset: tablib.Dataset, *, jurisdiction: Jurisdiction, year: int, by=None,
                   dry_run: bool = False) -> ImportSummary:
    _year_check(year)
    scorecard = Scorecard.objects.filter(jurisdiction=jurisdiction, year=year).first()
    if scorecard is None:
        raise ImportRejected.file(_("%(year)d 年度还没有考核方案，请先导入考核方案") % {"year": year})
    if scorecard.results_locked:
        raise ImportRejected.file(_("%(year)d 年度考核结果已锁定，不能再导入；如需修改，请先由效能办解除锁定") % {
            "year": year})
    rows = check_results(dataset, scorecard=scorecard)
    summary = ImportSummary(notes=list(sheet_info(dataset).notes))
    existing = {(r.item_id, r.unit_id): r for r in ItemResult.objects.filter(item__scorecard=scorecard)}
    with transaction.atomic():
        for r in rows:
            values = {"rank": r.rank, "score": r.score, "met": r.met, "assigned": r.assigned}
            stored = existing.get((r.item.pk, r.unit.pk))
            if stored is None:
                summary.created += 1
                if not dry_run:
                    result = ItemResult(item=r.item, unit=r.unit, source=ItemResult.Source.IMPORT, updated_by=by,
                                        **values)
                    result._history_user = by
                    result.save()
                continue
            if all(getattr(stored, k) == v for k, v in values.items()):
                summary.unchanged += 1
                continue
            summary.updated += 1
            if not dry_run:
                for key, value in values.items():
                    setattr(stored, key, value)
                stored.source, stored.updated_by = ItemResult.Source.IMPORT, by
                stored._history_user = by
                stored.save()
    return summary
