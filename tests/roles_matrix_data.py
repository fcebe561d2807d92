"""The scene of the role matrix (tests/test_role_matrix.py): two jurisdictions, every
status a rating can have, published, superseded, closed-but-unpublished and open months,
evidence, year scores and a published year table, built once through the real services.

Every piece of text that someone may or may not see carries a *marker*: a short ASCII
token (``ZQ…QZ``) that survives HTML escaping, JSON's ``\\u`` escapes, CSV, Excel and PDF
text extraction. A marker says who may read it in the admin and on which public site
it is published, if any; the matrix asserts that no response shows a marker to anyone
else.

The people (as in tests/conftest.py, plus one):

- ``alice``: the efficiency office (效能办) of the district (J1);
- ``bob``: rater of department A (区住建局) in J1; ``carol``: rater of department B
  (区市场监管局) in J1;
- ``leo``: a leader (领导) in J1;
- ``olga``: the efficiency office of the neighbouring district (J2), which shares the
  installation; nothing of J1 is hers, nothing of J2 is J1's;
- ``anon``: a citizen without an account.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.utils import timezone
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule

from boards import render
from boards import services as board_services
from boards.models import Edition, PublishedYear, PublishRun
from departments import roles
from departments.models import Category, Jurisdiction, Organisation
from ratings import rules, services
from assessment import importing as assessment_importing
from assessment import services as scoring
from assessment.models import ItemResult, Scorecard
from assessment.models import GradeAdjustment, YearScore
from ratings.models import Criterion, Evidence, Rating, RuleBook
from tests.factories import make_user

PERSONAS = ("anon", "bob", "carol", "leo", "alice", "olga", "una")  # una: staff of the unit T01 (淳溪街道)
J1_ADMIN = {"leo", "alice"}  # read everything of J1 in the admin
A = {"bob"} | J1_ADMIN  # department A's ratings
B = {"carol"} | J1_ADMIN  # department B's ratings
J2 = {"olga"}
UNA = {"una"}  # T01's approved ratings, on its desk

J1_CODE, J2_CODE = "default", "lishui"


@dataclass(frozen=True)
class Marker:
    token: str
    readers: frozenset[str]  # who may see it in the admin, the dashboard and downloads
    public_in: str | None = None  # the jurisdiction whose public site publishes it

    def __str__(self) -> str:
        return self.token


def _marker(name: str, readers: set[str], public_in: str | None = None) -> Marker:
    return Marker(f"ZQ{name}QZ", frozenset(readers), public_in)


M = SimpleNamespace(
    # 2025: published, and in the published year table.
    PUB_2025=_marker("PUBXXV", A | UNA, J1_CODE),
    # 2026-01: published (revision 1, superseded by revision 2).
    PUB_A_JAN=_marker("PUBAJAN", A | UNA, J1_CODE),
    PUB_B_JAN=_marker("PUBBJAN", B, J1_CODE),
    CORR_R2=_marker("CORRRTWO", A, J1_CODE),  # added by the correction, revision 2
    NOTE_R2=_marker("NOTERTWO", J1_ADMIN, J1_CODE),  # the correction note
    CORR_UNPUB=_marker("CORRUNPUB", B | UNA),  # a later correction, closed but not republished (T01's)
    # 2026-02: closed, never published.
    CLOSED_A=_marker("CLOSEDA", A),
    CLOSED_B=_marker("CLOSEDB", B),
    # 2026-03: open, every status.
    DRAFT_A=_marker("DRAFTA", A),
    SUBMITTED_A=_marker("SUBMITA", A),
    RETURNED_A=_marker("RETURNA", A),
    RETURN_WHY_A=_marker("WHYA", A),
    APPROVED_A=_marker("APPROVEA", A),
    EVIDENCE_A=_marker("EVIDA", A),  # the evidence file's name
    EVIDENCE_FILE_A=_marker("FILEA", A),  # inside the evidence file
    DRAFT_B=_marker("DRAFTB", B),
    SUBMITTED_B=_marker("SUBMITB", B),
    RETURNED_B=_marker("RETURNB", B),
    RETURN_WHY_B=_marker("WHYB", B),
    APPROVED_B=_marker("APPROVEB", B | UNA),  # T01's
    EVIDENCE_SHARED=_marker("SHAREDB", B | UNA),  # B's evidence on it, shared with the unit
    EVIDENCE_FILE_SHARED=_marker("FILESHAREDB", B | UNA),
    EVIDENCE_B=_marker("EVIDB", B),
    EVIDENCE_FILE_B=_marker("FILEB", B),
    # T01's review request of its January yellow light (by B): the unit, B and J1's overseers.
    REVIEW_T1=_marker("REVIEWTONE", B | UNA),
    REVIEW_FILE_T1=_marker("REVFILETONE", B | UNA),
    # The office's year-end decisions.
    VETO=_marker("VETO", J1_ADMIN),
    SCORECARD=_marker("SCORECARD", J1_ADMIN | UNA),  # J1's 2027 scorecard and its result; T01 leads its item
    # J1's organisations: J1's own and public on J1's site, never in J2.
    J1_UNIT=_marker("JONEUNIT", {"bob", "carol"} | J1_ADMIN | UNA, J1_CODE),  # una: a lead unit scores them
    # The neighbouring district.
    PUB_J2=_marker("PUBJTWO", J2, J2_CODE),
    DRAFT_J2=_marker("DRAFTJTWO", J2),
    EVIDENCE_J2=_marker("EVIDJTWO", J2),
    EVIDENCE_FILE_J2=_marker("FILEJTWO", J2),
    J2_UNIT=_marker("JTWOUNIT", J2, J2_CODE),
    # Who tried to log in from where (the browser's name): each office its own people's.
    LOGIN_J1=_marker("LOGINJONE", {"alice"}),
    LOGIN_J2=_marker("LOGINJTWO", J2),
    # Casework: J1's item (its text and its reporter: the office's only), the reporter's file,
    # the form handed to T01 and T01's evidence on it (the office's and T01's), J2's item.
    CASE_REPORT=_marker("CASEREPORT", {"alice"}),
    CASE_REPORT_FILE=_marker("CASEFILE", {"alice"}),
    CASE_FORM=_marker("CASEFORM", {"alice"} | UNA),
    CASE_STEP_FILE=_marker("CASESTEP", {"alice"} | UNA),
    CASE_J2=_marker("CASEJTWO", J2),
    API_KEY=_marker("APIKEYJONE", {"alice"}),
    WORK_ORDER=_marker("WORKORDER", {"bob", "carol"} | J1_ADMIN),
    SUPERVISOR=_marker("SUPERVISOR", {"alice"}),  # a social supervisor of J1 and their phone  # a 12345 work order: J1's staff cite it  # the name of a system J1's office gave a key
    # Evaluations: a round's name (its evaluators, J1's overseers, the rated unit), leo's
    # sealed answer (his only), T01's highlights (the office, its evaluator leo, T01), the
    # survey's name (public on J1's site, through its link), a survey suggestion (the
    # office's, once closed), a daily evaluation of T01 by leo (leo, the office, T01).
    EV_ROUND=_marker("EVROUND", J1_ADMIN | UNA),
    EV_ANSWER=_marker("EVANSWER", {"leo"}),
    EV_HIGHLIGHT=_marker("EVHIGHLIGHT", J1_ADMIN | UNA),
    EV_SURVEY=_marker("EVSURVEY", J1_ADMIN, J1_CODE),
    EV_SUGGESTION=_marker("EVSUGGEST", {"alice"}),
    EV_DAILY=_marker("EVDAILY", J1_ADMIN | UNA),
    # The working-day calendar is national: every office and leader reads it, raters do not.
    CALENDAR_DAY=_marker("CALDAY", {"leo", "alice", "olga"}),
)
MARKERS: tuple[Marker, ...] = tuple(vars(M).values())


def forbidden_in_admin(persona: str) -> list[Marker]:
    """What ``persona`` may never see on an admin page, the dashboard or a download."""
    return [m for m in MARKERS if persona not in m.readers]


def forbidden_in_public(jurisdiction_code: str) -> list[Marker]:
    """What the public site of a jurisdiction may never show."""
    return [m for m in MARKERS if m.public_in != jurisdiction_code]


def _fake_pdf(html: str) -> bytes:
    # Months whose PDF no test reads (WeasyPrint takes about half a second a page).
    return b"%PDF-1.7\n% not rendered\n" + hashlib.sha256(html.encode()).hexdigest().encode() + b"\n%%EOF\n"


@dataclass
class Scene:
    j1: Jurisdiction
    j2: Jurisdiction
    users: dict = field(default_factory=dict)
    o: SimpleNamespace = field(default_factory=SimpleNamespace)  # the objects the URLs point at


def build_scene(monkeypatch) -> Scene:
    """Everything, through the services (``monkeypatch`` stands in for WeasyPrint where
    the PDF is never read)."""
    j1 = Jurisdiction.objects.get(code=J1_CODE)
    j2 = Jurisdiction.objects.create(code=J2_CODE, name="邻区")
    scene = Scene(j1=j1, j2=j2)
    o = scene.o

    towns = Category.objects.create(jurisdiction=j1, name="街道", order=1)
    bureaus = Category.objects.create(jurisdiction=j1, name="区级机关部门", order=2)
    o.category = towns
    dept_a = Organisation.objects.create(jurisdiction=j1, code="ZJJ", name="区住建局", category=bureaus,
                                         is_department=True, is_unit=False)
    dept_b = Organisation.objects.create(jurisdiction=j1, code="SCJ", name="区市场监管局", category=bureaus,
                                         is_department=True, is_unit=False)
    t1 = Organisation.objects.create(jurisdiction=j1, code="T01", name="淳溪街道", category=towns)
    t2 = Organisation.objects.create(jurisdiction=j1, code="T02", name="古柏街道", category=towns)
    t3 = Organisation.objects.create(jurisdiction=j1, code="T03", name=f"东坝街道{M.J1_UNIT}", category=towns)
    o.dept_a, o.dept_b, o.t1, o.t2, o.t3 = dept_a, dept_b, t1, t2, t3

    alice = make_user("alice", roles.OFFICE)
    bob = make_user("bob", roles.RATER, department=dept_a)
    carol = make_user("carol", roles.RATER, department=dept_b)
    leo = make_user("leo", roles.LEADER)

    l_towns = Category.objects.create(jurisdiction=j2, name="镇")
    l_dept = Organisation.objects.create(jurisdiction=j2, code="LSJ", name="邻区住建局", is_department=True,
                                         is_unit=False)
    l_unit = Organisation.objects.create(jurisdiction=j2, code="L01", name=f"邻区镇{M.J2_UNIT}", category=l_towns)
    olga = make_user("olga", roles.OFFICE, jurisdiction=j2)
    RuleBook.objects.create(jurisdiction=j2, year=2026)
    o.l_dept, o.l_unit = l_dept, l_unit
    una = make_user("una", roles.UNIT_STAFF)
    una.is_staff = False
    una.save()
    una.profile.unit = t1
    una.profile.save()
    scene.users = {"alice": alice, "bob": bob, "carol": carol, "leo": leo, "olga": olga, "una": una}

    rulebook = RuleBook.objects.create(jurisdiction=j1, year=2026)
    flag = Criterion.objects.create(rulebook=rulebook, code="H01", text="主动担当，攻坚克难", kind=rules.RED_FLAG)
    yellow = Criterion.objects.create(rulebook=rulebook, code="Y01", text="推诿扯皮，慢作为", kind=rules.YELLOW_LIGHT)
    RuleBook.objects.create(jurisdiction=j1, year=2025)
    o.rulebook, o.flag, o.yellow = rulebook, flag, yellow
    crit = {rules.RED_FLAG: flag, rules.YELLOW_LIGHT: yellow}

    def record(period, dept, unit, kind, marker, by, *, submit=False, criterion=True) -> Rating:
        return services.rating_record(
            period=period, department=dept, unit=unit, kind=kind, reason=f"事由 {marker}", by=by, submit=submit,
            criterion=crit[kind] if criterion else None,
        )

    def approved(period, dept, unit, kind, marker, **kwargs) -> Rating:
        rating = record(period, dept, unit, kind, marker, alice, submit=True, **kwargs)
        return services.rating_approve(rating=rating, by=alice)

    # 2025: twelve published months and the published year table (fake PDFs).
    with monkeypatch.context() as patch:
        patch.setattr(render, "pdf_from_html", _fake_pdf)
        for month in range(1, 13):
            period = services.period_get_or_open(jurisdiction=j1, year=2025, month=month)
            if month == 6:
                approved(period, dept_a, t1, rules.RED_FLAG, M.PUB_2025, criterion=False)
            services.period_close(period=period, by=alice)
            board_services.edition_publish(period=period, by=alice)
    o.rollup_run = scoring.rollup_run_create(jurisdiction=j1, year=2025, by=alice)
    scoring.rollup_run_execute(run_id=o.rollup_run.pk)
    o.year_table = board_services.year_publish(jurisdiction=j1, year=2025, by=alice).table
    o.year_score = YearScore.objects.get(jurisdiction=j1, year=2025, unit=t1)

    # 2026-01: published as revision 1 (through a run, as the admin does), corrected as
    # revision 2, then corrected again without being republished.
    jan = services.period_get_or_open(jurisdiction=j1, year=2026, month=1)
    approved(jan, dept_a, t1, rules.RED_FLAG, M.PUB_A_JAN)
    o.b_january_yellow = approved(jan, dept_b, t2, rules.YELLOW_LIGHT, M.PUB_B_JAN)
    services.period_close(period=jan, by=alice)
    o.publish_run = board_services.publish_run_start(period=jan, by=alice)
    board_services.publish_run_execute(run_id=o.publish_run.pk)
    services.period_reopen(period=jan, by=alice, reason="复核更正")
    approved(jan, dept_a, t2, rules.RED_FLAG, M.CORR_R2)
    services.period_close(period=jan, by=alice)
    board_services.edition_publish(period=jan, by=alice, note=f"更正说明 {M.NOTE_R2}")
    services.period_reopen(period=jan, by=alice, reason="再次更正")
    approved(jan, dept_b, t1, rules.YELLOW_LIGHT, M.CORR_UNPUB)
    services.period_close(period=jan, by=alice)
    o.january = jan
    o.t1_january_yellow = Rating.objects.get(reason=f"事由 {M.CORR_UNPUB}")
    o.edition_r1 = Edition.objects.get(jurisdiction=j1, year=2026, month=1, revision=1)
    o.edition_r2 = Edition.objects.get(jurisdiction=j1, year=2026, month=1, revision=2)

    # 2026-02: closed, never published. A's yellow light follows B's January one:
    # a red light whose earlier half belongs to another department.
    feb = services.period_get_or_open(jurisdiction=j1, year=2026, month=2)
    o.a_february_red = approved(feb, dept_a, t2, rules.YELLOW_LIGHT, M.CLOSED_A)
    approved(feb, dept_b, t3, rules.RED_FLAG, M.CLOSED_B)
    services.period_close(period=feb, by=alice)
    o.february = feb

    # 2026-03: open, with each department's ratings in every status and evidence.
    mar = services.period_get_or_open(jurisdiction=j1, year=2026, month=3)
    o.march = mar

    def evidence(rating, name_marker, file_marker, by) -> Evidence:
        item = Evidence()
        item.file.save("upload.pdf", ContentFile(f"%PDF-1.4\n% {file_marker}\n".encode()), save=False)
        return services.evidence_attach(rating=rating, evidence=item, by=by, original_name=f"佐证{name_marker}.pdf")

    o.a_draft = record(mar, dept_a, t1, rules.RED_FLAG, M.DRAFT_A, bob)
    o.a_evidence = evidence(o.a_draft, M.EVIDENCE_A, M.EVIDENCE_FILE_A, bob)
    o.a_submitted = record(mar, dept_a, t2, rules.RED_FLAG, M.SUBMITTED_A, bob, submit=True)
    o.a_returned = services.rating_return(
        rating=record(mar, dept_a, t3, rules.RED_FLAG, M.RETURNED_A, bob, submit=True), by=alice,
        reason=f"退回 {M.RETURN_WHY_A}",
    )
    o.a_approved = approved(mar, dept_a, t3, rules.RED_FLAG, M.APPROVED_A)
    o.b_draft = record(mar, dept_b, t1, rules.YELLOW_LIGHT, M.DRAFT_B, carol)
    o.b_evidence = evidence(o.b_draft, M.EVIDENCE_B, M.EVIDENCE_FILE_B, carol)
    o.b_submitted = record(mar, dept_b, t2, rules.RED_FLAG, M.SUBMITTED_B, carol, submit=True)
    o.b_returned = services.rating_return(
        rating=record(mar, dept_b, t3, rules.YELLOW_LIGHT, M.RETURNED_B, carol, submit=True), by=alice,
        reason=f"退回 {M.RETURN_WHY_B}",
    )
    o.b_approved = approved(mar, dept_b, t1, rules.RED_FLAG, M.APPROVED_B)
    shared = Evidence(shared_with_unit=True)
    shared.file.save("upload.pdf", ContentFile(f"%PDF-1.4\n% {M.EVIDENCE_FILE_SHARED}\n".encode()), save=False)
    o.b_shared_evidence = services.evidence_attach(rating=o.b_approved, evidence=shared, by=alice,
                                                   original_name=f"共享{M.EVIDENCE_SHARED}.pdf")

    # 2026-04: open and empty (to close or delete); 2026 so far: scores, not published.
    o.april = services.period_get_or_open(jurisdiction=j1, year=2026, month=4)
    scoring.year_rollup(jurisdiction=j1, year=2026, through_month=2)
    o.veto = scoring.grade_adjustment_record(unit=t1, year=2026, kind=GradeAdjustment.Kind.VETO,
                                             reason=f"一票否决 {M.VETO}", by=alice)
    # J1's 2027 scorecard, with one result: frozen.
    card_sheet = f"编码,名称,上级编码,分值,计分方式,牵头单位\n1,党建工作,,20,,\n1.1,党建考核{M.SCORECARD},1,20,直接引用,{t1.code}\n"
    assessment_importing.import_scorecard(
        assessment_importing.read_scorecard_upload(name="card.csv", content=card_sheet.encode()),
        jurisdiction=j1, year=2027, by=alice)
    assessment_importing.import_results(
        assessment_importing.read_results_upload(name="results.csv", content=f"指标编码,被考核单位,得分\n1.1,{t1.code},18\n".encode()),
        jurisdiction=j1, year=2027, by=alice)
    o.scorecard = Scorecard.objects.get(jurisdiction=j1, year=2027)
    o.item_result = ItemResult.objects.get(item__scorecard=o.scorecard)
    o.scorecard_item = o.item_result.item

    # The neighbouring district: one published month, one open month with a draft.
    l_jan = services.period_get_or_open(jurisdiction=j2, year=2026, month=1)
    l_rating = services.rating_record(period=l_jan, department=l_dept, unit=l_unit, kind=rules.RED_FLAG,
                                      reason=f"事由 {M.PUB_J2}", by=olga, submit=True)
    o.l_approved = services.rating_approve(rating=l_rating, by=olga)
    services.period_close(period=l_jan, by=olga)
    o.l_publish_run = board_services.publish_run_start(period=l_jan, by=olga)
    board_services.publish_run_execute(run_id=o.l_publish_run.pk)
    o.l_mar = services.period_get_or_open(jurisdiction=j2, year=2026, month=3)
    o.l_draft = services.rating_record(period=o.l_mar, department=l_dept, unit=l_unit, kind=rules.RED_FLAG,
                                       reason=f"事由 {M.DRAFT_J2}", by=olga)
    o.l_evidence = evidence(o.l_draft, M.EVIDENCE_J2, M.EVIDENCE_FILE_J2, olga)
    o.l_rollup_run = scoring.rollup_run_create(jurisdiction=j2, year=2026, through_month=1, by=olga)
    scoring.rollup_run_execute(run_id=o.l_rollup_run.pk)

    # The schedules of django-celery-beat (the publication task is made by a migration).
    o.periodic_task = PeriodicTask.objects.get(task="boards.tasks.publish_pending_task")
    o.crontab = CrontabSchedule.objects.first()
    o.interval = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS)
    o.solar = SolarSchedule.objects.create(event="sunrise", latitude=31.3, longitude=118.9)
    o.clocked = ClockedSchedule.objects.create(clocked_time=timezone.now())
    o.office_group = roles_group(roles.OFFICE)

    # Failed and successful logins (django-axes), of a J1 and a J2 account.
    from config.accounts.models import LoginLockout, LoginRecord

    def login_trace(username: str, marker: Marker) -> tuple:
        seen = {"username": username, "ip_address": "10.0.0.7", "user_agent": f"浏览器 {marker}",
                "http_accept": "text/html", "path_info": "/admin/login/"}
        failed = LoginLockout.objects.create(get_data="", post_data="", failures_since_start=3, **seen)
        return failed, LoginRecord.objects.create(**seen)

    o.bob_lockout, o.bob_login = login_trace("bob", M.LOGIN_J1)
    o.olga_lockout, o.olga_login = login_trace("olga", M.LOGIN_J2)

    # An office-entered day of the working-day calendar.
    import datetime

    from workdays.models import CalendarDay

    o.calendar_day = CalendarDay.objects.create(date=datetime.date(2031, 1, 1), is_working=False,
                                                note=f"元旦 {M.CALENDAR_DAY}", created_by=alice)

    # T01's review request of its January yellow light, with a file; next year's calendar
    # is known (an office day), so the notice period counts whatever day the tests run.
    from django.core.files.uploadedfile import SimpleUploadedFile

    from reviews import services as review_services

    CalendarDay.objects.get_or_create(date=datetime.date(timezone.localdate().year + 1, 1, 1),
                                      defaults={"is_working": False, "note": "元旦"})
    o.review = review_services.review_file(
        rating=o.t1_january_yellow, by=una, reason=f"申请理由 {M.REVIEW_T1}",
        files=[SimpleUploadedFile(f"材料{M.REVIEW_FILE_T1}.pdf", f"%PDF-1.4\n% {M.REVIEW_FILE_T1}\n".encode())],
    )
    o.review_attachment = o.review.attachments.get()

    # A notification of bob's (A's returned rating) and a mail to him that failed.
    from notifications.models import Delivery, Notification

    o.bob_notification = Notification.objects.filter(recipient=bob).order_by("pk").first()
    o.delivery = Delivery.objects.create(notification=o.bob_notification, channel="email",
                                         address="bob@example.gov.cn", status=Delivery.Status.FAILED,
                                         attempts=6, last_error="SMTPServerDisconnected")

    # Casework: a citizen's report with a file, handed to T01 on a form T01 has answered with
    # evidence; a visit entered by J2's office.
    from casework import services as casework_services
    from casework.models import CaseworkSettings

    o.casework_settings = CaseworkSettings.objects.create(jurisdiction=j1, number_prefix="淳效交")
    o.case_report = casework_services.report_submit(
        jurisdiction=j1, channel="web", title=f"窗口推诿 {M.CASE_REPORT}", description=f"详细情况 {M.CASE_REPORT}",
        reporter_name=f"王 {M.CASE_REPORT}", reporter_phone="13812345678",
        files=[SimpleUploadedFile(f"现场{M.CASE_REPORT_FILE}.pdf", f"%PDF-1.4\n% {M.CASE_REPORT_FILE}\n".encode())],
    )
    o.case_report_j2 = casework_services.report_submit(
        jurisdiction=j2, channel="visit", title=f"来访 {M.CASE_J2}", description=f"来访内容 {M.CASE_J2}", by=olga,
    )
    o.case_report_file = o.case_report.files.get()
    o.case_report_new = casework_services.report_submit(
        jurisdiction=j1, channel="web", title=f"未处理 {M.CASE_REPORT}", description=f"尚未处理 {M.CASE_REPORT}",
    )
    o.case_form = casework_services.form_issue(
        jurisdiction=j1, by=alice, lead_unit=t1, title=f"交办 {M.CASE_FORM}", problem=f"问题 {M.CASE_FORM}",
        requirement="限期整改", days=10, reports=[o.case_report], issued_on=datetime.date(2026, 3, 2),
    )
    casework_services.form_act(form=o.case_form, by=una, action="acknowledge")
    o.case_step = casework_services.form_act(
        form=o.case_form, by=una, action="reply", text=f"已整改 {M.CASE_FORM}",
        files=[SimpleUploadedFile(f"佐证{M.CASE_STEP_FILE}.pdf", f"%PDF-1.4\n% {M.CASE_STEP_FILE}\n".encode())],
    )
    o.case_step_file = o.case_step.files.get()
    # A second form, closed: its item's "is it fixed?" question; the year's deduction ledger.
    from casework.models import CaseworkYear

    closed_item = casework_services.report_submit(
        jurisdiction=j1, channel="web", title=f"已办结 {M.CASE_REPORT}", description=f"已办结 {M.CASE_REPORT}",
    )
    o.case_form_closed = casework_services.form_issue(
        jurisdiction=j1, by=alice, lead_unit=t1, title=f"已销号 {M.CASE_FORM}", problem=f"问题 {M.CASE_FORM}",
        requirement="限期整改", days=10, reports=[closed_item], issued_on=datetime.date(2026, 3, 2),
    )
    for action, text, who in (("acknowledge", "", una), ("reply", "已整改", una), ("close", "", alice)):
        casework_services.form_act(form=o.case_form_closed, by=who, action=action, text=text,
                                   today=datetime.date(2026, 3, 5))
    o.followup = closed_item.followup
    o.casework_year = CaseworkYear.objects.create(jurisdiction=j1, year=2026, overdue_points=Decimal("0.5"))
    o.deduction = casework_services.deductions_recompute(jurisdiction=j1, year=2026)[0]
    from casework import apikeys
    from casework.models import Supervisor, WorkOrder

    o.supervisor = Supervisor.objects.create(jurisdiction=j1, name=f"孙{M.SUPERVISOR}", phone="13700001111",
                                             appointed_on=datetime.date(2026, 1, 1))
    o.supervisor.departments.set([dept_a])
    from casework import services as casework_services

    casework_services.supervisor_link_make(supervisor=o.supervisor)

    o.work_order = WorkOrder.objects.create(
        jurisdiction=j1, number=f"W{M.WORK_ORDER}", content=f"路灯不亮 {M.WORK_ORDER}", unit=t3,
        received_at=timezone.make_aware(datetime.datetime(2026, 3, 2, 9)),
        due_at=timezone.make_aware(datetime.datetime(2026, 3, 9, 18)),
        closed_at=timezone.make_aware(datetime.datetime(2026, 3, 5, 10)), satisfaction="satisfied")

    o.api_key, o.api_key_raw = apikeys.key_make(jurisdiction=j1, name=f"12345平台 {M.API_KEY}", by=alice)

    # Evaluations: J1's leaders' group (leo, who works in T03), an open round rating T01
    # with leo's sealed answer beside T01's highlights and picture, a closed round, an open
    # survey by invitation code holding a suggestion, and a daily evaluation of T01.
    import io

    from PIL import Image

    from evaluations import services as ev_services
    from evaluations import surveys as ev_surveys
    from evaluations.models import EvaluatorGroup, Member
    from evaluations.models import Round as EvaluationRound
    from evaluations.models import Survey

    today = timezone.localdate()
    o.ev_group = EvaluatorGroup.objects.create(jurisdiction=j1, name=f"市领导 {M.EV_ROUND}")
    o.ev_member = Member.objects.create(group=o.ev_group, user=leo, own_unit=t3)

    def ev_round(name: str) -> EvaluationRound:
        made = EvaluationRound.objects.create(
            jurisdiction=j1, year=today.year, name=f"{name} {M.EV_ROUND}", group=o.ev_group,
            opens_on=today - datetime.timedelta(days=1), closes_on=today + datetime.timedelta(days=30),
            evaluator_min=1, evaluator_max=1, unit_min=1, unit_max=1, min_answers=1)
        made.units.set([t1])
        ev_services.assignment_propose(round_=made)
        return ev_services.round_open(round_=made)

    picture = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(picture, "PNG")
    o.ev_round = ev_round("市领导评议")
    o.ev_highlight = ev_services.highlight_save(
        round_=o.ev_round, unit=t1, text=f"亮点 {M.EV_HIGHLIGHT}", by=una,
        pictures=[SimpleUploadedFile("亮点.png", picture.getvalue(), content_type="image/png")])
    o.ev_picture = o.ev_highlight.pictures.get()
    ev_services.sheet_save(round_=o.ev_round, member=o.ev_member, entries={
        t1.pk: ev_services.Entry(grade="1", comment=f"意见 {M.EV_ANSWER}")})
    o.ev_closed = ev_round("县市区评议")
    ev_services.sheet_save(round_=o.ev_closed, member=o.ev_member, submit=True,
                           entries={t1.pk: ev_services.Entry(grade="0", comment=f"意见 {M.EV_ANSWER}")})
    ev_services.round_close(round_=o.ev_closed)
    o.ev_survey = Survey.objects.create(jurisdiction=j1, year=today.year, name=f"满意度测评 {M.EV_SURVEY}",
                                        opens_on=today - datetime.timedelta(days=1),
                                        closes_on=today + datetime.timedelta(days=30))
    o.ev_survey.agencies.set([t1, t3])
    o.ev_code, o.ev_used_code = ev_surveys.codes_issue(survey=o.ev_survey, count=2)
    ev_surveys.survey_open(survey=o.ev_survey)
    ev_surveys.response_submit(survey=o.ev_survey, levels={t1.pk: 0}, code=o.ev_used_code,
                               suggestions=[(t1.pk, f"建议 {M.EV_SUGGESTION}")])
    o.ev_daily = ev_services.daily_submit(member=o.ev_member, unit=t1, on=today, grade=1, text=f"日常 {M.EV_DAILY}")

    assert not PublishRun.objects.filter(status=PublishRun.Status.FAILED).exists()
    assert PublishedYear.objects.count() == 1 and Edition.objects.filter(jurisdiction=j2).count() == 1
    return scene


def roles_group(name: str):
    from django.contrib.auth.models import Group

    return Group.objects.get(name=name)


__all__ = [
    "J1_CODE", "J2_CODE", "M", "MARKERS", "PERSONAS", "Marker", "Scene", "build_scene", "forbidden_in_admin",
    "forbidden_in_public",
]
