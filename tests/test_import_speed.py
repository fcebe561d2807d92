"""import_ratings in a few set-based statements: the import checks every row in memory
through one ``services.RatingBatch`` (each month locked once, each year's rule book read
once), then writes the ratings and their history in bulk and refreshes the escalation
once per unit, and ends exactly where recording and approving the same rows one at a
time through the services ends."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from departments.importing import import_file
from departments.models import Organisation
from ratings import services
from ratings.models import Period, Rating
from ratings.resources import RATING_KINDS, RatingResource, parse_month
from tests.factories import (
    CriterionFactory, DepartmentFactory, JurisdictionFactory, OrganisationFactory, RuleBookFactory, make_user, roles,
)
from tests.import_helpers import RATING_HEADERS, run, write_csv

# Rows in an order that makes later rows change earlier ones' results: February's
# yellow light comes after March's and, after January's (already approved), turns red;
# T03 gets two yellow lights in March after one in February; one row is already
# recorded and awaits review, one is already approved.
FILE_ROWS = [
    ["2026-03", "ZJJ", "T01", "黄灯", "Y01", "三月推进迟缓", "否"],
    ["2026-02", "SCJ", "T01", "黄灯", "Y01", "二月投诉超时", "否"],
    ["2026-02", "ZJJ", "T02", "黄灯", "Y01", "处置不当造成不良影响", "是"],
    ["2026-03", "SCJ", "T02", "黄灯", "Y01", "整改仍未到位", "否"],
    ["2026-01", "ZJJ", "T02", "红旗", "H01", "主动认领疑难工单", "否"],
    ["2026-03", "SCJ", "T01", "红旗", "H01", "提前完成专项整治", "否"],  # awaits review
    ["2026-03", "ZJJ", "T03", "黄灯", "Y01", "工单随意退回", "否"],
    ["2026-03", "SCJ", "T03", "黄灯", "Y01", "推诿扯皮", "否"],
    ["2026-02", "SCJ", "T03", "黄灯", "Y01", "回复不及时", "否"],
    ["2026-01", "SCJ", "T02", "红旗", "H01", "汛期值守到位", "否"],  # already approved
]


def district(code: str):
    """A jurisdiction as the import tests know it, with January's yellow light for T01
    approved, one March red flag awaiting review and one January red flag approved."""
    jurisdiction = JurisdictionFactory(code=code, name=f"{code}区")
    orgs = {c: DepartmentFactory(jurisdiction=jurisdiction, code=c, name=f"{code}{c}") for c in ("ZJJ", "SCJ")}
    orgs |= {c: OrganisationFactory(jurisdiction=jurisdiction, code=c, name=f"{code}{c}") for c in ("T01", "T02", "T03")}
    rulebook = RuleBookFactory(jurisdiction=jurisdiction, year=2026, criterion_required=True)
    CriterionFactory(rulebook=rulebook, code="H01", kind="red_flag")
    CriterionFactory(rulebook=rulebook, code="Y01", kind="yellow_light")
    office = make_user(f"office-{code}", roles.OFFICE, jurisdiction=jurisdiction)
    january = services.period_get_or_open(jurisdiction=jurisdiction, year=2026, month=1)
    first = record(jurisdiction, ["2026-01", "ZJJ", "T01", "黄灯", "Y01", "一月推进迟缓", "否"], office)
    services.rating_approve(rating=first, by=office)
    services.rating_approve(rating=record(jurisdiction, FILE_ROWS[9], office), by=office)
    record(jurisdiction, FILE_ROWS[5], office)
    assert january.pk
    return jurisdiction, office


def record(jurisdiction, row, by) -> Rating:
    """One file row through ``rating_record``, as the import did it before the batch."""
    month, department, unit, kind, criterion, reason, serious = row
    year, number = parse_month(month)
    period = services.period_get_or_open(jurisdiction=jurisdiction, year=year, month=number)
    return services.rating_record(
        period=period, department=Organisation.objects.get(jurisdiction=jurisdiction, code=department),
        unit=Organisation.objects.get(jurisdiction=jurisdiction, code=unit), kind=RATING_KINDS[kind],
        criterion=period_criterion(period, criterion), reason=reason, serious_impact=serious == "是", by=by,
        submit=True,
    )


def period_criterion(period: Period, code: str):
    return period.jurisdiction.rulebooks.get(year=period.year).criteria.get(code=code) if code else None


def one_at_a_time(jurisdiction, rows, by) -> None:
    """The file through the services one row at a time, in one transaction: a new row
    is recorded and approved, a row already recorded is approved if it awaits review."""
    with transaction.atomic():
        for row in rows:
            month, department, unit, kind, criterion, reason, _serious = row
            year, number = parse_month(month)
            period = services.period_get_or_open(jurisdiction=jurisdiction, year=year, month=number)
            existing = Rating.objects.filter(
                period=period, department__code=department, unit__code=unit, kind=RATING_KINDS[kind],
                criterion=period_criterion(period, criterion), reason=reason,
            ).order_by("pk").first()
            if existing is None:
                services.rating_approve(rating=record(jurisdiction, row, by), by=by)
            elif existing.status == Rating.Status.SUBMITTED:
                services.rating_approve(rating=existing, by=by)


def state(jurisdiction) -> list[tuple]:
    """Every rating of the jurisdiction and its history, by what a person reads in them."""

    def name(rating):
        return (rating.period.label, rating.department.code, rating.unit.code, rating.kind, rating.reason)

    def person(user):
        return None if user is None else "office"

    ratings = Rating.objects.filter(period__jurisdiction=jurisdiction).select_related(
        "period", "department", "unit", "criterion", "escalated_after__period", "escalated_after__department",
        "escalated_after__unit",
    )
    rows = []
    for rating in ratings:
        history = [
            (h.history_type, h.history_change_reason, person(h.history_user), h.status, h.outcome, h.escalation)
            for h in rating.history.order_by("history_id")
        ]
        rows.append((
            name(rating), rating.criterion.code if rating.criterion else None, rating.serious_impact, rating.status,
            rating.outcome, rating.escalation, name(rating.escalated_after) if rating.escalated_after else None,
            person(rating.created_by), person(rating.reviewed_by), bool(rating.submitted_at),
            bool(rating.reviewed_at), history,
        ))
    periods = [(p.label, p.status, [h.history_type for h in p.history.all()]) for p in
               Period.objects.filter(jurisdiction=jurisdiction).order_by("year", "month")]
    return sorted(rows) + periods


@pytest.mark.parametrize("by", ["command", "office user"])
def test_the_batch_import_ends_where_one_rating_at_a_time_ends(db, tmp_path, by):
    old, old_office = district("old")
    new, new_office = district("new")
    path = write_csv(tmp_path / "q1.csv", RATING_HEADERS, FILE_ROWS)

    one_at_a_time(old, FILE_ROWS, None if by == "command" else old_office)
    if by == "command":
        out = run("import_ratings", path, "--approve", "--jurisdiction", "new")
        assert "新增 8，更新 1，未变 1" in out
    else:
        import_file(RatingResource(jurisdiction=new, user=new_office, approve=True), path)

    assert state(new) == state(old)
    # and the file did what it should: a chain, a serious impact, one red of two yellows
    results = {(r.period.month, r.unit.code, r.reason): (r.outcome, r.escalation)
               for r in Rating.objects.filter(period__jurisdiction=new).select_related("period", "unit")}
    assert results[(2, "T01", "二月投诉超时")] == ("red_light", "consecutive")
    assert results[(3, "T01", "三月推进迟缓")] == ("yellow_light", "")
    assert results[(2, "T02", "处置不当造成不良影响")] == ("red_light", "serious")
    assert sorted(results[(3, "T03", reason)] for reason in ("工单随意退回", "推诿扯皮")) == [
        ("red_light", "consecutive"), ("yellow_light", ""),
    ]
    assert set(Rating.objects.filter(period__jurisdiction=new).values_list("status", flat=True)) == {"approved"}


# Bounded queries ----------------------------------------------------------------------

ROWS_PER_QUERY = 10  # a row costs no query of its own: the bulk statements and the escalation's chunks grow slowly


@pytest.fixture
def many_units(dept_a, flag_criterion):
    category = Organisation.objects.get(code="ZJJ").category
    return Organisation.objects.bulk_create(
        Organisation(jurisdiction=dept_a.jurisdiction, code=f"U{i:04d}", name=f"被考核单位{i:04d}", category=category)
        for i in range(500)
    )


def queries_to_import(tmp_path, count: int, *args: str) -> int:
    rows = [["2026-03", "ZJJ", f"U{i:04d}", "红旗", "H01", "按时高质量完成任务", ""] for i in range(count)]
    path = write_csv(tmp_path / f"{count}.csv", RATING_HEADERS, rows)
    with CaptureQueriesContext(connection) as queries:
        run("import_ratings", path, *args)
    return len(queries)


@pytest.mark.parametrize("args", [("--approve",), ()], ids=["approved", "submitted"])
def test_ten_times_the_rows_cost_a_few_more_queries_not_a_few_a_row(many_units, tmp_path, args):
    few = queries_to_import(tmp_path, 50, *args)
    Rating.objects.all().delete()
    Period.objects.filter(month=3).delete()

    many = queries_to_import(tmp_path, 500, *args)

    assert Rating.objects.count() == 500
    assert many - few <= 450 // ROWS_PER_QUERY
    assert many <= 80  # and the fixed part stays small


def test_the_ratings_and_their_history_go_in_bulk_dozens_of_rows_a_statement(many_units, tmp_path):
    rows = [["2026-03", "ZJJ", f"U{i:04d}", "红旗", "H01", "按时高质量完成任务", ""] for i in range(500)]
    with CaptureQueriesContext(connection) as queries:
        run("import_ratings", write_csv(tmp_path / "march.csv", RATING_HEADERS, rows), "--approve")

    inserts = [q["sql"].split("(")[0] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    # SQLite takes 999 parameters a statement (Django's limit), about 50 ratings
    assert inserts.count('INSERT INTO "ratings_rating" ') <= 500 // 40
    assert inserts.count('INSERT INTO "ratings_historicalrating" ') <= 1000 // 40  # 填报 and 审核通过 records
    assert Rating.history.filter(history_type="+").count() == Rating.history.filter(history_type="~").count() == 500


def test_approving_a_file_refreshes_each_units_escalation_once(many_units, tmp_path):
    rows = [["2026-03", "ZJJ", f"U{i:04d}", "红旗", "H01", "按时高质量完成任务", ""] for i in range(500)]
    with CaptureQueriesContext(connection) as queries:
        run("import_ratings", write_csv(tmp_path / "march.csv", RATING_HEADERS, rows), "--approve")

    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")
             and '"ratings_rating"."status" =' in q["sql"] and '"ratings_rating"."unit_id" IN' in q["sql"]]
    # 500 units, one read of their approved yellow and red lights, one check of their red flags
    assert len(reads) == 2
    assert sum('NOT ("ratings_rating"."kind" =' in sql for sql in reads) == 1
    assert set(Rating.objects.values_list("outcome", flat=True)) == {"red_flag"}
