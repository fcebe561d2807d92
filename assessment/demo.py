"""The demo district's year-end (called by ``ratings.demo.seed_demo`` after the months
are rated and published).

First the composite scorecard (考核方案), in Chuzhou's shape, for last year and this
year: 省对市目标任务 150 + 效能建设 100 + 党建工作 50 = 300 points, with items for 街道
only and 镇 only, so that units are ranked within their category. It goes in through the
sheet imports a clerk uses (``assessment.importing``): last year's from the CSV text
below, this year's copied from last year's (``services.scorecard_copy``). Then each
year's results, as the lead units' and the party building office's sheets would bring
them: every item for last year, this year only the items measured so far. A few units
undertake nothing in a section (KJJ, SFJ and TYJR in 省对市目标任务, SFJ and JTJT in
党建工作): they get their category's average (按同类单位平均分赋分).

Then last year's roll-up with a veto and a promotion by the office (one more unit is
promoted by its top-3 rank in the province: the scorecard's 例外晋级名次), and this
year's so far.

The figures are drawn from a seeded generator: the same district always gets the same
results (this year's depend on how many months have closed).
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import F

from assessment import rules as card_rules
from assessment import services
from assessment.importing import import_results, import_scorecard, read_results_upload, read_scorecard_upload
from assessment.models import GradeAdjustment, Scorecard, YearScore
from departments.models import Jurisdiction
from ratings import rules
from ratings.demo import ORGS, STATE_FIRM, STREET, TOWN
from ratings.models import GradingMethod

TOTAL_POINTS = Decimal(300)
PROMOTION_TOP_RANK = 3  # Chuzhou: a unit ranked top 3 in the province on an item is promoted
RESULTS_SEED = 2019  # the year Chuzhou merged its assessments into one scorecard

# 考核方案 as the office's clerk would fill in the template (lead units by name).
SCORECARD_CSV = """编码,名称,上级编码,分值,计分方式,适用类别,牵头单位,基础分
1,省对市目标任务,,150,,,,
1.1,经济发展,1,60,,,,
1.1.1,地区生产总值增速,1.1,20,排名,街道、镇,,
1.1.2,固定资产投资增速,1.1,20,排名,,,
1.1.3,招商引资实际到位资金,1.1,20,赋分,,区商务局,
1.2,民生保障,1,45,,,,
1.2.1,城镇新增就业,1.2,15,赋分,,区人社局,
1.2.2,老旧小区改造,1.2,15,完成率,街道,,
1.2.3,民生实事项目,1.2,15,完成率,,,
1.3,重点任务攻坚,1,45,,,,
1.3.1,省市重大项目建设,1.3,15,完成率,,,
1.3.2,乡村振兴,1.3,15,排名,镇,,
1.3.3,生态环境质量,1.3,15,赋分,,区生态环境局,
2,效能建设,,100,,,,
2.1,效能亮榜,2,80,效能亮榜,,,72
2.2,12345热线工单按期办结,2,20,完成率,,,
3,党建工作,,50,,,,
3.1,党建工作考核,3,50,直接引用,,,
"""

RESULTS_HEADER = ("指标编码", "被考核单位", "排名", "得分", "完成数", "任务数")

STREETS = tuple(org.code for org in ORGS if org.category == STREET)
TOWNS = tuple(org.code for org in ORGS if org.category == TOWN)
TOWNSHIPS = STREETS + TOWNS
STATE_FIRMS = tuple(org.code for org in ORGS if org.category == STATE_FIRM)
RATED = tuple(org.code for org in ORGS if org.rated)

# Who undertakes each item last year (a lead unit undertakes its own item by its rank).
# KJJ, SFJ and TYJR undertake nothing in section 1; SFJ and JTJT have no party building
# score: their category's average stands in.
UNDERTAKEN: dict[str, tuple[str, ...]] = {
    "1.1.1": TOWNSHIPS,
    "1.1.2": ("FGW", "CXJD", "GBJD", "DBJD", "YJZ", "ZQZ", "KFQ", "CJJT", "GZJT"),
    "1.1.3": ("SWJ", *TOWNSHIPS, "KFQ"),
    "1.2.1": ("RSJ", *TOWNSHIPS, "KFQ", "GZJT", "WLJT"),
    "1.2.2": STREETS,
    "1.2.3": ("ZJJ", "WJW", "JYJ", "MZJ", "CGJ", "WLJ", *TOWNSHIPS, "CJJT", "SWJT"),
    "1.3.1": ("FGW", "JTYSJ", "SLJ", "GHZY", "GXJ", "KFQ", "CJJT", "JTJT", "SWJT", "GZJT"),
    "1.3.2": TOWNS,
    "1.3.3": ("STHJJ", *TOWNSHIPS, "KFQ", "YJGLJ", "SCJGJ", "NYNCJ", "CJJT", "SWJT"),
    "2.2": RATED,
    "3.1": tuple(code for code in RATED if code not in ("SFJ", "JTJT")),
}
# The one top-3 rank in the province last year: 固城街道's GDP growth (例外晋级 by rank).
TOP_RANKS = {("1.1.1", "GCJD"): 2}

# This year so far: the items already measured, and the units the party building
# office has assessed at mid-year (at least one of every category).
THIS_YEAR_ITEMS = ("1.1.1", "1.1.2", "1.2.3", "1.3.1", "2.2", "3.1")
THIS_YEAR_PARTY = ("FGW", "RSJ", "SWJ", "ZJJ", "JYJ", "WJW", "CXJD", "GBJD", "QQJD", "YJZ", "KFQ", "CJJT", "GZJT")


@dataclass(frozen=True)
class _Item:
    code: str
    method: str
    lead_unit: str  # the lead unit's code, "" when none


def _items() -> dict[str, _Item]:
    """The scorecard's leaves as the CSV above has them (method by code, lead by code)."""
    code_of = {org.name: org.code for org in ORGS}
    items = {}
    for row in csv.DictReader(io.StringIO(SCORECARD_CSV)):
        if row["计分方式"]:
            method = card_rules.method_for_label(row["计分方式"])
            items[row["编码"]] = _Item(row["编码"], method, code_of.get(row["牵头单位"], ""))
    return items


def _csv(rows: Iterable[tuple[object, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RESULTS_HEADER)
    writer.writerows(("" if cell is None else cell for cell in row) for row in rows)
    return out.getvalue().encode("utf-8")


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def results_csv(*, year_fraction: Decimal | None = None) -> bytes:
    """The year's results sheet. Without ``year_fraction``: last year, every item; with it
    (the share of the year closed): this year so far, the items measured, task counts
    as far as they have fallen due. Each unit has a strength, so its figures agree."""
    rng = random.Random(RESULTS_SEED if year_fraction is None else RESULTS_SEED + 1)
    strength = {code: rng.uniform(0.0, 1.0) for code in RATED}
    name = {org.code: org.name for org in ORGS}
    items = _items()
    codes = list(UNDERTAKEN) if year_fraction is None else list(THIS_YEAR_ITEMS)
    rows = []
    for code in codes:
        item = items[code]
        units = UNDERTAKEN[code]
        if year_fraction is not None:
            units = THIS_YEAR_PARTY if code == "3.1" else tuple(u for u in units if u != "JTJT")  # merged away
        for unit in units:
            q = strength[unit]
            rank = met = assigned = score = None
            if item.method == card_rules.RANK or unit == item.lead_unit:
                rank = _clamp(4 + (1 - q) * 10 + rng.uniform(-1.5, 1.5), 4, 16)  # top 3 only as planned
                if year_fraction is None:
                    rank = TOP_RANKS.get((code, unit), rank)
            elif item.method == card_rules.LEAD_SCORED:
                score = _clamp(72 + 26 * q + rng.uniform(-3, 3), 60, 100)
            elif item.method == card_rules.COMPLETION:
                assigned = rng.randint(8, 16) if code != "2.2" else rng.randint(60, 240)
                if year_fraction is not None:
                    assigned = max(1, round(assigned * year_fraction))
                met = _clamp(assigned * (0.62 + 0.38 * q + rng.uniform(-0.06, 0.06)), 0, assigned)
            elif item.method == card_rules.DIRECT:
                score = Decimal(_clamp((40 + 9.5 * q + rng.uniform(-1, 1)) * 2, 70, 99)) / 2
            rows.append((code, name[unit], rank, score, met, assigned))
    return _csv(rows)


def scorecards_create(*, jurisdiction: Jurisdiction, office: User, today: date) -> tuple[Scorecard, Scorecard]:
    """Last year's scorecard from the CSV text, this year's copied from it, and their
    results, all through the imports the office uses."""
    last_year = today.year - 1
    card = Scorecard(
        jurisdiction=jurisdiction, year=last_year, name=f"{last_year}年度综合考核方案", total_points=TOTAL_POINTS,
        promotion_top_rank=PROMOTION_TOP_RANK, grading_method=GradingMethod.BY_SHARE,
        excellent_share=30, good_share=40, poor_share=10,
    )
    card._history_user = office
    card.save()
    import_scorecard(read_scorecard_upload(name="考核方案.csv", content=SCORECARD_CSV.encode("utf-8")),
                     jurisdiction=jurisdiction, year=last_year, by=office)
    this_card = services.scorecard_copy(scorecard=card, year=today.year, by=office)
    import_results(read_results_upload(name="考核结果.csv", content=results_csv()),
                   jurisdiction=jurisdiction, year=last_year, by=office)
    closed = today.month - 1
    if closed:
        content = results_csv(year_fraction=Decimal(closed) / 12)
        import_results(read_results_upload(name="考核结果.csv", content=content),
                       jurisdiction=jurisdiction, year=today.year, by=office)
    return card, this_card


def demo_extend(*, jurisdiction: Jurisdiction, users: dict[str, User], today: date) -> None:
    """The scorecards and their results; last year's roll-up with one veto and one
    promotion by the office, and this year's so far."""
    office = users["xiaonengban"]
    last_year = today.year - 1
    scorecards_create(jurisdiction=jurisdiction, office=office, today=today)
    services.year_rollup(jurisdiction=jurisdiction, year=last_year)
    # The best by the composite, leaving out the unit its rank already promotes.
    scores = (YearScore.objects.filter(jurisdiction=jurisdiction, year=last_year, promotion_applied=False)
              .select_related("unit").order_by(F("composite_total").desc(nulls_last=True), "rank_overall",
                                               "unit__code"))
    top = scores.filter(grade_by_points=rules.EXCELLENT).first()
    if top is not None:
        services.grade_adjustment_record(
            unit=top.unit, year=last_year, kind=GradeAdjustment.Kind.VETO, by=office,
            reason="单位主要负责人因违纪受到党纪处分，年度考核实行一票否决",
        )
    runner_up = scores.filter(grade_by_points=rules.GOOD).first()
    if runner_up is not None:
        services.grade_adjustment_record(
            unit=runner_up.unit, year=last_year, kind=GradeAdjustment.Kind.PROMOTION, by=office,
            reason="牵头的重点工作获省委、省政府通报表扬，经区考核委员会研究，例外晋级为优秀",
        )
    if today.month > 1:
        services.year_rollup(jurisdiction=jurisdiction, year=today.year, through_month=today.month - 1)
