"""The roll-up as the office starts it: the Celery task (eager, in-process), the admin's
run and progress pages, the workbook button, vetoes and promotions in the admin, and
``rollup_year`` from a shell."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

import assessment.admin  # noqa: F401 - registers the score admins
from assessment import services as scoring
from assessment.models import GradeAdjustment, RollupRun, YearScore
from ratings.models import Rating
from assessment.tasks import year_rollup_task
from tests.factories import OrganisationFactory, PeriodFactory, RatingFactory, RuleBookFactory, default_jurisdiction

YEAR = 2026


@pytest.fixture
def rated(dept_a, town, town2):
    """Two towns: 淳溪街道 with two red flags, 古柏街道 with a yellow light."""
    RuleBookFactory(year=YEAR, grading_method="threshold", excellent_min_points=Decimal("1"))
    period = PeriodFactory(year=YEAR, month=3)
    for unit, kind, count in ((town, "red_flag", 2), (town2, "yellow_light", 1)):
        for _ in range(count):
            RatingFactory(period=period, department=dept_a, unit=unit, kind=kind, outcome=kind,
                          status=Rating.Status.APPROVED)


def login(client, user):
    client.force_login(user)
    return client


# The task --------------------------------------------------------------------------------


def test_the_task_carries_out_a_run_through_celery(rated):
    run = scoring.rollup_run_create(jurisdiction=default_jurisdiction(), year=YEAR)
    result = year_rollup_task.delay(run.pk)  # eager: runs here, through Celery's machinery
    assert result.successful()
    run.refresh_from_db()
    assert run.status == RollupRun.Status.DONE
    assert (run.total, run.done, run.percent) == (2, 2, 100)
    assert run.started_at and run.finished_at
    assert YearScore.objects.get(unit__code="T01").points == Decimal("1")


def test_starting_a_run_queues_the_task_once_committed(rated, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = scoring.rollup_run_start(jurisdiction=default_jurisdiction(), year=YEAR, by=alice)
    assert run.status == RollupRun.Status.QUEUED and len(callbacks) == 1
    assert not YearScore.objects.exists()
    callbacks[0]()
    run.refresh_from_db()
    assert run.status == RollupRun.Status.DONE and run.created_by == alice
    assert YearScore.objects.count() == 2


def test_a_failing_run_is_recorded_as_failed(rated, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(scoring, "year_rollup", broken)
    run = scoring.rollup_run_create(jurisdiction=default_jurisdiction(), year=YEAR)
    year_rollup_task.delay(run.pk)
    run.refresh_from_db()
    assert run.status == RollupRun.Status.FAILED
    assert "磁盘已满" in run.error and run.finished_at


def test_only_the_office_starts_a_run(rated, bob, leo):
    for user in (bob, leo):
        with pytest.raises(scoring.PermissionDenied):
            scoring.rollup_run_start(jurisdiction=default_jurisdiction(), year=YEAR, by=user)
    assert not RollupRun.objects.exists()


# The admin -------------------------------------------------------------------------------


def test_the_office_runs_the_rollup_in_the_admin_and_watches_it_finish(
    client, alice, rated, django_capture_on_commit_callbacks
):
    login(client, alice)
    changelist = client.get(reverse("admin:assessment_yearscore_changelist"))
    assert changelist.status_code == 200
    assert f'href="{reverse("admin:assessment_yearscore_rollup")}"' in changelist.content.decode()

    form = client.get(reverse("admin:assessment_yearscore_rollup"))
    assert form.status_code == 200 and "开始计算" in form.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:assessment_yearscore_rollup"), {"year": YEAR, "through_month": ""})
    run = RollupRun.objects.get()
    progress_url = reverse("admin:assessment_yearscore_rollup_progress", args=[run.pk])
    assert response.status_code == 302 and response["Location"] == progress_url

    page = client.get(progress_url).content.decode()
    assert "admin-extra/run_progress.js" in page
    assert reverse("admin:assessment_yearscore_rollup_status", args=[run.pk]) in page

    status = client.get(reverse("admin:assessment_yearscore_rollup_status", args=[run.pk])).json()
    assert status["status"] == "done" and status["finished"] and status["percent"] == 100
    assert status["done"] == 2 and "2 个单位" in status["message"]

    scores = client.get(status["scores_url"]).content.decode()
    assert "淳溪街道" in scores and "古柏街道" in scores and "优秀" in scores


def test_the_progress_page_shows_a_run_still_in_the_queue(client, alice, rated):
    run = scoring.rollup_run_create(jurisdiction=default_jurisdiction(), year=YEAR, through_month=3, by=alice)
    login(client, alice)
    status = client.get(reverse("admin:assessment_yearscore_rollup_status", args=[run.pk])).json()
    assert (status["status"], status["finished"], status["percent"]) == ("queued", False, 0)
    assert status["scope"] == "1—3月"
    page = client.get(reverse("admin:assessment_yearscore_rollup_progress", args=[run.pk])).content.decode()
    assert 'data-finished="false"' in page


def test_the_progress_page_shows_a_failure(client, alice, rated):
    run = scoring.rollup_run_create(jurisdiction=default_jurisdiction(), year=YEAR, by=alice)
    scoring.rollup_run_fail(run_id=run.pk, error="RuntimeError: 磁盘已满")
    login(client, alice)
    status = client.get(reverse("admin:assessment_yearscore_rollup_status", args=[run.pk])).json()
    assert status["failed"] and "磁盘已满" in status["message"]


def test_a_bad_year_is_a_form_error(client, alice, rated):
    login(client, alice)
    response = client.post(reverse("admin:assessment_yearscore_rollup"), {"year": "26", "through_month": ""})
    assert response.status_code == 200 and not RollupRun.objects.exists()


def test_the_office_exports_the_workbook_from_the_admin(client, alice, rated):
    scoring.year_rollup(jurisdiction=default_jurisdiction(), year=YEAR)
    login(client, alice)
    response = client.get(reverse("admin:assessment_yearscore_workbook") + f"?year={YEAR}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames[0] == "总表"
    assert workbook["总表"]["B3"].value == "淳溪街道"  # under the title and the header row


def test_exporting_a_year_without_scores_explains_what_to_do(client, alice, rated):
    login(client, alice)
    response = client.get(reverse("admin:assessment_yearscore_workbook") + "?year=2020", follow=True)
    assert "请先计算年度得分" in response.content.decode()


def test_a_leader_reads_scores_but_neither_runs_nor_exports(client, leo, rated):
    scoring.year_rollup(jurisdiction=default_jurisdiction(), year=YEAR)
    run = scoring.rollup_run_create(jurisdiction=default_jurisdiction(), year=YEAR)
    login(client, leo)
    page = client.get(reverse("admin:assessment_yearscore_changelist"))
    assert page.status_code == 200 and "淳溪街道" in page.content.decode()
    assert f'href="{reverse("admin:assessment_yearscore_rollup")}"' not in page.content.decode()
    assert client.get(reverse("admin:assessment_yearscore_rollup")).status_code == 403
    assert client.post(reverse("admin:assessment_yearscore_rollup"), {"year": YEAR}).status_code == 403
    assert client.get(reverse("admin:assessment_yearscore_workbook")).status_code == 403
    assert client.get(reverse("admin:assessment_yearscore_rollup_progress", args=[run.pk])).status_code == 200
    assert not RollupRun.objects.exclude(pk=run.pk).exists()


def test_a_rater_sees_no_scores(client, bob, rated):
    login(client, bob)
    assert client.get(reverse("admin:assessment_yearscore_changelist")).status_code == 403
    assert client.get(reverse("admin:assessment_yearscore_rollup")).status_code == 403


def test_scores_cannot_be_edited_in_the_admin(client, alice, rated):
    scoring.year_rollup(jurisdiction=default_jurisdiction(), year=YEAR)
    score = YearScore.objects.first()
    login(client, alice)
    assert client.get(reverse("admin:assessment_yearscore_add")).status_code == 403
    response = client.post(reverse("admin:assessment_yearscore_change", args=[score.pk]), {"points": "99"})
    assert response.status_code == 403


def test_the_score_list_filters_by_year_and_grade_and_searches_units(client, alice, rated):
    scoring.year_rollup(jurisdiction=default_jurisdiction(), year=YEAR)
    login(client, alice)
    url = reverse("admin:assessment_yearscore_changelist")
    assert "古柏街道" not in client.get(url, {"grade__exact": "excellent"}).content.decode()
    assert "古柏街道" in client.get(url, {"year__exact": YEAR, "q": "T02"}).content.decode()
    assert "淳溪街道" not in client.get(url, {"q": "T02"}).content.decode()


def test_the_office_records_a_veto_in_the_admin(client, alice, town, rated):
    scoring.year_rollup(jurisdiction=default_jurisdiction(), year=YEAR)
    assert YearScore.objects.get(unit=town).grade == "excellent"
    login(client, alice)
    response = client.post(reverse("admin:assessment_gradeadjustment_add"), {
        "year": YEAR, "unit": town.pk, "kind": "veto", "reason": "主要负责人违纪被查处",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    adjustment = GradeAdjustment.objects.get()
    assert adjustment.created_by == alice and adjustment.jurisdiction == default_jurisdiction()
    score = YearScore.objects.get(unit=town)
    assert (score.grade, score.points, score.veto_applied) == ("good", Decimal("1"), True)


def test_an_adjustment_without_a_reason_is_refused_in_the_admin(client, alice, town, rated):
    login(client, alice)
    response = client.post(reverse("admin:assessment_gradeadjustment_add"), {
        "year": YEAR, "unit": town.pk, "kind": "promotion", "reason": "",
    })
    assert response.status_code == 200 and not GradeAdjustment.objects.exists()


def test_a_leader_cannot_record_adjustments(client, leo, town, rated):
    login(client, leo)
    response = client.post(reverse("admin:assessment_gradeadjustment_add"), {
        "year": YEAR, "unit": town.pk, "kind": "promotion", "reason": "省级前三",
    })
    assert response.status_code == 403 and not GradeAdjustment.objects.exists()
    assert client.get(reverse("admin:assessment_gradeadjustment_changelist")).status_code == 200


def test_deleting_an_adjustment_in_the_admin_restores_the_grade(client, alice, town, rated):
    scoring.year_rollup(jurisdiction=default_jurisdiction(), year=YEAR)
    adjustment = scoring.grade_adjustment_record(unit=town, year=YEAR, kind="veto", reason="违纪", by=alice)
    login(client, alice)
    response = client.post(reverse("admin:assessment_gradeadjustment_delete", args=[adjustment.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert YearScore.objects.get(unit=town).grade == "excellent"


# The command -----------------------------------------------------------------------------


def test_the_command_rolls_up_a_year(rated):
    out = io.StringIO()
    call_command("rollup_year", str(YEAR), stdout=out)
    assert "2 个单位" in out.getvalue() and "优秀 1" in out.getvalue()
    assert RollupRun.objects.get().status == RollupRun.Status.DONE
    assert YearScore.objects.count() == 2


def test_the_command_rolls_up_the_months_so_far(rated, dept_a, town):
    RatingFactory(period=PeriodFactory(year=YEAR, month=5), department=dept_a, unit=town, kind="red_flag",
                  outcome="red_flag", status=Rating.Status.APPROVED)
    out = io.StringIO()
    call_command("rollup_year", str(YEAR), "--through-month", "4", stdout=out)
    assert "截至 4 月" in out.getvalue()
    score = YearScore.objects.get(unit=town)
    assert (score.red_flags, score.through_month, score.is_year_to_date) == (2, 4, True)


def test_the_command_refuses_a_month_that_is_not_one(rated):
    with pytest.raises(CommandError):
        call_command("rollup_year", str(YEAR), "--through-month", "13")


def test_the_command_names_the_jurisdiction_when_there_are_several(rated):
    from tests.factories import JurisdictionFactory

    other = JurisdictionFactory(code="lishui")
    OrganisationFactory(jurisdiction=other, code="L01")
    with pytest.raises(CommandError, match="--jurisdiction"):
        call_command("rollup_year", str(YEAR))
    call_command("rollup_year", str(YEAR), "--jurisdiction", "lishui", stdout=io.StringIO())
    assert YearScore.objects.filter(jurisdiction=other).count() == 1


def test_the_score_list_exports_through_import_export_for_the_office_only(client, alice, leo, rated):
    scoring.year_rollup(jurisdiction=default_jurisdiction(), year=YEAR)
    login(client, alice)
    page = client.get(reverse("admin:assessment_yearscore_export"))
    assert page.status_code == 200
    form = page.context["form"]
    data = {"format": "0", "resource": "0"}
    data.update({name: "on" for name, field in form.fields.items() if name.startswith("yearscoreexportresource_")})
    response = client.post(reverse("admin:assessment_yearscore_export"), data)
    assert response.status_code == 200, response.content.decode()[:3000]
    workbook = load_workbook(io.BytesIO(response.content))
    headers = [cell.value for cell in next(workbook.active.iter_rows(max_row=1))]
    assert headers[:4] == ["年度", "单位编码", "单位名称", "类别"] and "等次" in headers
    client.force_login(leo)
    assert client.get(reverse("admin:assessment_yearscore_export")).status_code == 403
