"""The demo district's year-end (called by ``ratings.demo.seed_demo`` after the months
are rated and published): last year's roll-up with a veto and a promotion, this year's
so far."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User

from assessment import services
from assessment.models import GradeAdjustment, YearScore
from departments.models import Jurisdiction
from ratings import rules


def demo_extend(*, jurisdiction: Jurisdiction, users: dict[str, User], today: date) -> None:
    """Last year's roll-up with one veto and one promotion, and this year's so far."""
    office = users["xiaonengban"]
    last_year = today.year - 1
    services.year_rollup(jurisdiction=jurisdiction, year=last_year)
    scores = YearScore.objects.filter(jurisdiction=jurisdiction, year=last_year).select_related("unit")
    top = scores.filter(grade_by_points=rules.EXCELLENT).order_by("rank_overall", "unit__code").first()
    if top is not None:
        services.grade_adjustment_record(
            unit=top.unit, year=last_year, kind=GradeAdjustment.Kind.VETO, by=office,
            reason="单位主要负责人因违纪受到党纪处分，年度考核实行一票否决",
        )
    runner_up = scores.filter(grade_by_points=rules.GOOD).order_by("rank_overall", "unit__code").first()
    if runner_up is not None:
        services.grade_adjustment_record(
            unit=runner_up.unit, year=last_year, kind=GradeAdjustment.Kind.PROMOTION, by=office,
            reason="该项工作在全省考核中位列前三，例外晋级为优秀",
        )
    if today.month > 1:
        services.year_rollup(jurisdiction=jurisdiction, year=today.year, through_month=today.month - 1)
