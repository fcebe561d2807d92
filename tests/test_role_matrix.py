"""Who may do what: every address of the product against every person.

The single authoritative table of the product's permissions. Every URL pattern that
``django.urls.get_resolver()`` knows (the public board at the root and under
``j/<code>/``, its files and feed, the lobby screen, open data, the dashboard, the
evidence download, ``/healthz``, ``/i18n/`` and every page of every admin, the import,
export, close, reopen, roll-up and publish views included) has at least one row below,
and ``test_every_url_pattern_has_a_row`` fails as soon as a new one has none.

Each row is tried by each person of tests/roles_matrix_data.py (a citizen, the raters
of departments A and B, a leader, the office, the office of a second jurisdiction on the
same installation, and the staff of a rated unit, who has no admin, only the desk). Each answer must have the expected status, and its body
(HTML, JSON, CSV, Atom, the PDF's text, the Excel file's cells) must not contain the
marker of anything that person may not read. The writes (approve, return, submit,
close, reopen, publish, roll-up, import, delete, …) are posted by everyone, and the
database must have changed for exactly the people who may make that change.

Management commands are for whoever has a shell on the server: no URL reaches one, and
the admin views that do the same work are rows of the table
(``test_no_management_command_is_reachable_over_http``).

The scene is built once for the module, through the real services, inside a
transaction that is rolled back at the end; each test runs in its own savepoint.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from assessment.export_resources import YearScoreExportResource
from ratings.export_resources import RatingExportResource
from tests.board_support import _board_cache, pdf_text, response_bytes  # noqa: F401
from tests.roles_matrix_data import (
    J1_CODE,
    J2_CODE,
    M,
    MARKERS,
    PERSONAS,
    Marker,
    Scene,
    build_scene,
    forbidden_in_admin,
    forbidden_in_public,
)

# import-export warns that RatingAdmin keeps its default get_valid_export_item_pks(), which
# lists every rating; harmless, as the export filters the admin's own (scoped) list with it.
pytestmark = pytest.mark.filterwarnings("ignore:The 'get_valid_export_item_pks:DeprecationWarning")


# The scene -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("role-matrix-media")


@pytest.fixture(autouse=True)
def _media_root(settings, media_dir):
    """The evidence files and PDFs of the scene live here for the whole module."""
    settings.MEDIA_ROOT = media_dir


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker, media_dir):
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_dir), pytest.MonkeyPatch.context() as patch:
        with transaction.atomic():
            built = build_scene(patch)
            yield built
            transaction.set_rollback(True)


@pytest.fixture
def as_persona(client, scene, db):
    def login(persona: str):
        if persona != "anon":
            client.force_login(scene.users[persona])
        return client

    return login


# Reading a response --------------------------------------------------------------------------

_PDF_TEXT: dict[str, str] = {}


def body_text(response) -> str:
    """What a person reads in the response: the page, the JSON, the CSV, the text of the
    PDF, the cells of the Excel file."""
    data = response_bytes(response)
    kind = response.get("Content-Type", "")
    if kind.startswith("application/pdf"):
        # The text a reader sees, and the bytes as they are (an uploaded "PDF" may be anything).
        key = hashlib.sha256(data).hexdigest()
        if key not in _PDF_TEXT:
            from pypdf.errors import PyPdfError

            try:
                _PDF_TEXT[key] = pdf_text(data)
            except (PyPdfError, ValueError):
                _PDF_TEXT[key] = ""
        return _PDF_TEXT[key] + "\n" + data.decode("utf-8", errors="replace")
    if "wordprocessingml" in kind:
        import docx

        document = docx.Document(io.BytesIO(data))
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    if "spreadsheetml" in kind:
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(
            str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row
            if cell is not None
        )
    return data.decode("utf-8", errors="replace")


# The table -------------------------------------------------------------------------------------

ANON, BOB, CAROL, LEO, ALICE, OLGA, UNA = PERSONAS


def expect(text: str) -> dict[str, int]:
    """``"302 200 404 200 200 404 404"``: the status for anon, bob, carol, leo, alice, olga
    and una. Six codes leave una's to be anon's: the unit's staff has no admin (its pages
    send her to log in, as they send a citizen) and reads the public site as everyone."""
    codes = [int(code) for code in text.split()]
    if len(codes) == len(PERSONAS) - 1:
        codes.append(codes[0])
    assert len(codes) == len(PERSONAS), text
    return dict(zip(PERSONAS, codes))


@dataclass(frozen=True)
class Case:
    route: str  # the URL pattern, as get_resolver() lists it
    url: Callable[[Scene], str]
    expected: dict[str, int]
    label: str = ""
    public: str | None = None  # the jurisdiction code of a public page
    post: Callable[[Scene], dict] | None = None  # a POST that reads (an export)
    shows: dict[str, tuple[Marker, ...]] = field(default_factory=dict)  # positive controls
    check: Callable | None = None  # more: check(scene, persona, response) -> list of problems

    @property
    def id(self) -> str:
        return f"{self.route} {self.label}".strip()


CASES: list[Case] = []


def row(route: str, expected: str, url: str | Callable[[Scene], str] | None = None, label: str = "", **kwargs):
    if url is None:
        url = "/" + route
    if isinstance(url, str):
        fixed = url
        url = lambda s, fixed=fixed: fixed  # noqa: E731
    CASES.append(Case(route=route, url=url, expected=expect(expected), label=label, **kwargs))


def shows(persons: str, *markers: Marker) -> dict[str, tuple[Marker, ...]]:
    return {p: markers for p in persons.split()}


def merge(*parts: dict) -> dict:
    merged: dict[str, tuple] = {}
    for part in parts:
        for key, value in part.items():
            merged[key] = merged.get(key, ()) + value
    return merged


# Expectations used again and again.              anon bob carol leo alice olga
EVERYONE = "200 200 200 200 200 200"
NOT_FOUND = "404 404 404 404 404 404"
STAFF = "302 200 200 200 200 200"  # any account that works in the admin
STAFF_NOT_FOUND = "302 404 404 404 404 404"
REDIRECT = "302 302 302 302 302 302"
NOBODY = "302 403 403 403 403 403"  # a superuser's page
OFFICES = "302 403 403 403 200 200"  # the office of each jurisdiction, each on its own data
LEADERS_AND_OFFICES = "302 403 403 200 200 200"
J1_READERS_J2_MISSING = "302 200 200 200 200 404"  # everyone of J1 reads it; for J2 it does not exist
J1_OVERSEERS_J2_MISSING = "302 403 403 200 200 404"  # the leader and the office of J1
J1_OFFICE_J2_MISSING = "302 403 403 403 200 404"


# The site, outside the admin ---------------------------------------------------------------------

row("healthz", EVERYONE)
row("i18n/setlang/", REDIRECT, "/i18n/setlang/?language=en&next=https://evil.example/",
    label="GET changes nothing and never leaves the site", check=lambda s, p, r: _stays_home(r))
row("dashboard/", LEADERS_AND_OFFICES + " 403", check=lambda s, p, r: _dashboard_jurisdiction(s, p, r))
row("dashboard/ratings/", LEADERS_AND_OFFICES + " 403", "/dashboard/ratings/?year=2026&month_to=3&status=submitted",
    label="submitted", shows=shows("leo alice", M.SUBMITTED_A, M.SUBMITTED_B, M.RETURNED_A))
row("dashboard/ratings/", LEADERS_AND_OFFICES + " 403", "/dashboard/ratings/?year=2026&month_to=3", label="counted",
    shows=merge(shows("leo alice", M.APPROVED_A, M.APPROVED_B, M.CLOSED_A), shows("olga", M.PUB_J2)))
for label, query in (("J2's department", "department={l_dept}"), ("J2's unit", "unit=L01"),
                     ("J2's category", "category={l_cat}")):
    row("dashboard/ratings/", LEADERS_AND_OFFICES + " 403",
        lambda s, q=query: "/dashboard/ratings/?year=2026&month_to=3&" + q.format(
            l_dept=s.o.l_dept.pk, l_cat=s.o.l_unit.category_id), label=label)
# One rating, read-only, where a drill-down ends: what the drill-down lists (已报送), in
# one's own jurisdiction; a draft, another jurisdiction's or no rating is not found.
row("dashboard/ratings/<int:pk>/", J1_OVERSEERS_J2_MISSING + " 403", lambda s: f"/dashboard/ratings/{s.o.a_approved.pk}/",
    label="A's approved", shows=shows("leo alice", M.APPROVED_A))
row("dashboard/ratings/<int:pk>/", J1_OVERSEERS_J2_MISSING + " 403", lambda s: f"/dashboard/ratings/{s.o.a_returned.pk}/",
    label="A's returned", shows=shows("leo alice", M.RETURNED_A, M.RETURN_WHY_A))
row("dashboard/ratings/<int:pk>/", "302 403 403 404 404 404 403", lambda s: f"/dashboard/ratings/{s.o.a_draft.pk}/",
    label="A's draft")
row("dashboard/ratings/<int:pk>/", "302 403 403 404 404 200 403", lambda s: f"/dashboard/ratings/{s.o.l_approved.pk}/",
    label="J2's approved", shows=shows("olga", M.PUB_J2))
row("dashboard/ratings/<int:pk>/", "302 403 403 404 404 404 403", "/dashboard/ratings/999999/", label="no such id")
row("ratings/evidence/<int:pk>/", "302 200 404 200 200 404 404", lambda s: f"/ratings/evidence/{s.o.a_evidence.pk}/",
    label="A's evidence", shows=shows("bob leo alice", M.EVIDENCE_FILE_A))
row("ratings/evidence/<int:pk>/", "302 404 200 200 200 404 404", lambda s: f"/ratings/evidence/{s.o.b_evidence.pk}/",
    label="B's evidence", shows=shows("carol leo alice", M.EVIDENCE_FILE_B))
row("ratings/evidence/<int:pk>/", "302 404 404 404 404 200 404", lambda s: f"/ratings/evidence/{s.o.l_evidence.pk}/",
    label="J2's evidence", shows=shows("olga", M.EVIDENCE_FILE_J2))
row("ratings/evidence/<int:pk>/", "302 404 404 404 404 404 404", "/ratings/evidence/999999/", label="no such id")
# 查看: the same file shown in the browser, for the same people.
row("ratings/evidence/<int:pk>/view/", "302 200 404 200 200 404 404", lambda s: f"/ratings/evidence/{s.o.a_evidence.pk}/view/",
    label="A's evidence", shows=shows("bob leo alice", M.EVIDENCE_FILE_A))
row("ratings/evidence/<int:pk>/view/", "302 404 404 404 404 200 404", lambda s: f"/ratings/evidence/{s.o.l_evidence.pk}/view/",
    label="J2's evidence", shows=shows("olga", M.EVIDENCE_FILE_J2))
row("ratings/evidence/<int:pk>/view/", "302 404 404 404 404 404 404", "/ratings/evidence/999999/view/", label="no such id")
# The user manual: the index, the PDF and the public chapter for everyone (the index and the
# PDF hold only what the reader may read), the other chapters for every account.
row("help/", EVERYONE)
row("help/manual.pdf", EVERYONE)
row("help/<slug:slug>/", EVERYONE, "/help/public/", label="public chapter")
for slug in ("office", "scorecard", "casework", "departments", "leaders"):
    row("help/<slug:slug>/", STAFF + " 403", f"/help/{slug}/", label=f"{slug} chapter")  # not the unit's
row("help/<slug:slug>/", STAFF + " 200", "/help/units/", label="units chapter")  # una's too
row("help/<slug:slug>/", STAFF + " 200", "/help/evaluations/", label="evaluations chapter")  # una writes highlights
row("help/<slug:slug>/", NOT_FOUND, "/help/nowhere/", label="no such chapter")

# The product login and logout (every role; unit staff have no other).
row("login/", "200 302 302 302 302 302 302")
row("password/", ACCOUNTS_ := "302 200 200 200 200 200 200")
row("password/done/", ACCOUNTS_)
row("logout/", "405 405 405 405 405 405 405", label="GET")
# Every account's notification centre: each sees only their own.
ACCOUNTS = "302 200 200 200 200 200 200"
row("notifications/", ACCOUNTS)
row("notifications/settings/", ACCOUNTS)
row("notifications/read-all/", "405 405 405 405 405 405 405", label="GET")
row("notifications/<str:notification_id>/read/", "405 405 405 405 405 405 405",
    lambda s: f"/notifications/{s.o.bob_notification.pk}/read/", label="GET")
# The rated unit's desk: its staff only, its own approved ratings only.
UNIT_ONLY = "302 403 403 403 403 403 200"
row("desk/", UNIT_ONLY, shows=shows("una", M.APPROVED_B, M.EVIDENCE_SHARED))
row("desk/ratings/<int:pk>/", UNIT_ONLY, lambda s: f"/desk/ratings/{s.o.b_approved.pk}/", label="T01's approved",
    shows=shows("una", M.APPROVED_B, M.EVIDENCE_SHARED))
row("desk/ratings/<int:pk>/", "302 403 403 403 403 403 404", lambda s: f"/desk/ratings/{s.o.a_approved.pk}/",
    label="T03's approved")
row("desk/ratings/<int:pk>/", "302 403 403 403 403 403 404", lambda s: f"/desk/ratings/{s.o.a_draft.pk}/",
    label="T01's draft")
row("desk/ratings/<int:pk>/", "302 403 403 403 403 403 404", "/desk/ratings/999999/", label="no such id")
# The items T01 leads (牵头单位录入): its own staff only; an unknown item does not exist.
row("desk/items/", UNIT_ONLY, shows=shows("una", M.SCORECARD))
# The lead unit scores the units of its jurisdiction: their names (public on its site) are on the page.
row("desk/items/<int:pk>/", UNIT_ONLY, lambda s: f"/desk/items/{s.o.scorecard_item.pk}/",
    shows=shows("una", M.SCORECARD, M.J1_UNIT))
row("desk/items/<int:pk>/", "302 403 403 403 403 403 404", "/desk/items/999999/", label="no such id")
# Evidence a department shares with the unit: the unit's staff may open it too.
row("ratings/evidence/<int:pk>/", "302 404 200 200 200 404 200",
    lambda s: f"/ratings/evidence/{s.o.b_shared_evidence.pk}/", label="B's shared with T01",
    shows=shows("carol leo alice una", M.EVIDENCE_FILE_SHARED))
# Evaluations: the evaluators' own pages (leo is J1's evaluator), each their own sheet
# and nobody else's; the desk's highlights, own results and daily evaluations; the public
# survey through its link for everyone, nothing of anyone's answers on it.
row("evaluations/", "302 200 200 200 200 200 200", shows=shows("leo", M.EV_ROUND))
row("evaluations/<str:pk>/", "302 404 404 200 404 404 404", lambda s: f"/evaluations/{s.o.ev_round.pk}/",
    label="leo's open sheet", shows=shows("leo", M.EV_ANSWER, M.EV_HIGHLIGHT))
row("evaluations/<str:pk>/", "302 404 404 200 404 404 404", lambda s: f"/evaluations/{s.o.ev_closed.pk}/",
    label="leo's closed sheet", shows=shows("leo", M.EV_ANSWER))
row("evaluations/<str:pk>/", "302 404 404 404 404 404 404", "/evaluations/999999/", label="no such id")
row("evaluations/daily/", "302 404 404 200 404 404 404", shows=shows("leo", M.EV_DAILY))
row("evaluations/pictures/<str:pk>/", "302 404 404 200 200 404 200", lambda s: f"/evaluations/pictures/{s.o.ev_picture.pk}/")
row("evaluations/pictures/<str:pk>/", "302 404 404 404 404 404 404", "/evaluations/pictures/999999/", label="no such id")
row("survey/<str:token>/", EVERYONE, lambda s: f"/survey/{s.o.ev_survey.token}/", public=J1_CODE, label="the code",
    shows=shows(" ".join(PERSONAS), M.EV_SURVEY))
row("survey/<str:token>/", EVERYONE, lambda s: f"/survey/{s.o.ev_survey.token}/?code={s.o.ev_code}", public=J1_CODE,
    label="the questionnaire", shows=shows(" ".join(PERSONAS), M.EV_SURVEY, M.J1_UNIT))
row("survey/<str:token>/", "400 400 400 400 400 400 400", lambda s: f"/survey/{s.o.ev_survey.token}/?code={s.o.ev_used_code}",
    public=J1_CODE, label="a used code")
row("survey/<str:token>/", NOT_FOUND, "/survey/nowhere/", label="no such survey")
row("survey/<str:token>/thanks/", EVERYONE, lambda s: f"/survey/{s.o.ev_survey.token}/thanks/", public=J1_CODE)
row("desk/evaluations/", UNIT_ONLY, shows=shows("una", M.EV_ROUND, M.EV_HIGHLIGHT))
row("desk/evaluations/<str:pk>/", UNIT_ONLY, lambda s: f"/desk/evaluations/{s.o.ev_round.pk}/",
    shows=shows("una", M.EV_HIGHLIGHT))
row("desk/evaluations/<str:pk>/", "302 403 403 403 403 403 404", lambda s: f"/desk/evaluations/{s.o.ev_closed.pk}/",
    label="a closed round")
row("desk/evaluations/<str:pk>/", "302 403 403 403 403 403 404", "/desk/evaluations/999999/", label="no such id")
row("desk/daily/", UNIT_ONLY, shows=shows("una", M.EV_DAILY))

# Casework: the public report form and tracking page for everyone (and nothing of the
# item's text or reporter on them); the forms on the unit's desk; the files to their own.
row("report/", EVERYONE, public=J1_CODE, shows=shows(" ".join(PERSONAS), M.J1_UNIT))  # units to choose from
row("j/<slug:jurisdiction>/report/", EVERYONE, f"/j/{J2_CODE}/report/", public=J2_CODE,
    shows=shows(" ".join(PERSONAS), M.J2_UNIT))
row("j/<slug:jurisdiction>/report/", NOT_FOUND, "/j/nowhere/report/", label="unknown jurisdiction")
row("report/sent/", EVERYONE)
# Casework's public statistics: counts by unit and state, never the item's text or reporter.
row("report/stats/", EVERYONE, "/report/stats/?year=2026", public=J1_CODE)
row("j/<slug:jurisdiction>/report/stats/", EVERYONE, f"/j/{J2_CODE}/report/stats/", public=J2_CODE)
row("report/stats.json", EVERYONE, "/report/stats.json?year=2026", public=J1_CODE)
row("j/<slug:jurisdiction>/report/stats.json", EVERYONE, f"/j/{J2_CODE}/report/stats.json", public=J2_CODE)
row("report/track/", EVERYONE)
row("report/track/", NOT_FOUND, "/report/track/?code=ABCDE-FGHJK", label="no such code")
row("report/track/<str:code>/", EVERYONE, lambda s: f"/report/track/{s.o.case_report.code}/", label="J1's item")
row("report/track/<str:code>/", NOT_FOUND, "/report/track/ABCDEFGHJK/", label="no such code")
row("report/fixed/<str:token>/", EVERYONE, lambda s: f"/report/fixed/{s.o.followup.token}/", label="J1's question")
row("report/fixed/<str:token>/", NOT_FOUND, "/report/fixed/nope/", label="no such link")
row("report/s/<str:token>/", EVERYONE, lambda s: f"/report/s/{s.o.supervisor.report_token}/", public=J1_CODE,
    label="J1's supervisor's link", shows=shows(" ".join(PERSONAS), M.J1_UNIT))  # never the supervisor's name
row("report/s/<str:token>/", NOT_FOUND, "/report/s/nope/", label="no such link")
# Open311: the services for everyone; one request by its code for everyone (the code is the
# reporter's); the list only with a key, and the key's own jurisdiction's.
O311 = "/open311/v2/"
SV, SD = "open311/v2/services.<open311_format:format>", "open311/v2/services/<slug:service_code>.<open311_format:format>"
RQ, R1 = "open311/v2/requests.<open311_format:format>", "open311/v2/requests/<str:request_id>.<open311_format:format>"


def _lists(*attrs, absent=()):
    def check(s, p, r):
        text = r.content.decode()
        return ([f"does not list {a}" for a in attrs if getattr(s.o, a).code not in text]
                + [f"lists {a}" for a in absent if getattr(s.o, a).code in text])
    return check


row(SV, EVERYONE, f"{O311}services.json", label="JSON", public=J1_CODE)
row(SV, EVERYONE, f"{O311}services.xml", label="XML", public=J1_CODE)
row(SV, NOT_FOUND, f"{O311}services.json?jurisdiction_id={J2_CODE}", label="another jurisdiction", public=J1_CODE)
row(SD, EVERYONE, f"{O311}services/efficiency.json", label="JSON", public=J1_CODE)
row(SD, EVERYONE, f"{O311}services/window.xml", label="XML", public=J1_CODE)
row(SD, NOT_FOUND, f"{O311}services/potholes.json", label="no such service", public=J1_CODE)
row(RQ, "403 403 403 403 403 403", f"{O311}requests.json", label="without a key", public=J1_CODE)
row(RQ, EVERYONE, lambda s: f"{O311}requests.json?api_key={s.o.api_key_raw}", label="JSON with J1's key",
    public=J1_CODE, check=_lists("case_report", "case_report_new", absent=("case_report_j2",)))
row(RQ, EVERYONE, lambda s: f"{O311}requests.xml?api_key={s.o.api_key_raw}", label="XML with J1's key",
    public=J1_CODE, check=_lists("case_report", absent=("case_report_j2",)))
row(RQ, NOT_FOUND, lambda s: f"{O311}requests.json?api_key={s.o.api_key_raw}&jurisdiction_id={J2_CODE}",
    label="another jurisdiction", public=J1_CODE)
row(R1, EVERYONE, lambda s: f"{O311}requests/{s.o.case_report.code}.json", label="J1's item", public=J1_CODE,
    check=_lists("case_report"))
row(R1, NOT_FOUND, lambda s: f"{O311}requests/{s.o.case_report_j2.code}.xml", label="J2's item", public=J1_CODE)
row(R1, NOT_FOUND, f"{O311}requests/ABCDEFGHJK.json", label="no such code", public=J1_CODE)
row("casework/files/<int:pk>/", "302 404 404 404 200 404 404", lambda s: f"/casework/files/{s.o.case_report_file.pk}/",
    shows=shows("alice", M.CASE_REPORT_FILE))
row("casework/files/<int:pk>/", "302 404 404 404 404 404 404", "/casework/files/999999/", label="no such id")
row("casework/steps/files/<int:pk>/", "302 404 404 404 200 404 200",
    lambda s: f"/casework/steps/files/{s.o.case_step_file.pk}/", shows=shows("alice una", M.CASE_STEP_FILE))
row("casework/steps/files/<int:pk>/", "302 404 404 404 404 404 404", "/casework/steps/files/999999/", label="no such id")
row("desk/forms/", UNIT_ONLY, shows=shows("una", M.CASE_FORM))
row("desk/forms/<int:pk>/", UNIT_ONLY, lambda s: f"/desk/forms/{s.o.case_form.pk}/", label="T01's form",
    shows=shows("una", M.CASE_FORM))
row("desk/forms/<int:pk>/", "302 403 403 403 403 403 404", "/desk/forms/999999/", label="no such id")

# Review requests: the unit files and follows on its desk; the office and B read them in the admin.
row("reviews/file/<int:rating_id>/", "302 404 404 404 404 404 200", lambda s: f"/reviews/file/{s.o.b_approved.pk}/",
    label="T01's red flag (nothing to contest)", shows=shows("una", M.APPROVED_B))
row("reviews/file/<int:rating_id>/", "302 404 404 404 404 404 302",
    lambda s: f"/reviews/file/{s.o.t1_january_yellow.pk}/", label="already filed: to the request")
row("reviews/file/<int:rating_id>/", "302 404 404 404 404 404 404", lambda s: f"/reviews/file/{s.o.a_approved.pk}/",
    label="T03's")
row("reviews/<int:pk>/", "302 404 302 302 302 404 200", lambda s: f"/reviews/{s.o.review.pk}/",
    shows=shows("una", M.REVIEW_T1, M.REVIEW_FILE_T1))
row("reviews/<int:pk>/", "302 404 404 404 404 404 404", "/reviews/999999/", label="no such id")
row("reviews/files/<int:pk>/", "302 404 200 200 200 404 200", lambda s: f"/reviews/files/{s.o.review_attachment.pk}/",
    shows=shows("carol leo alice una", M.REVIEW_FILE_T1))
row("reviews/files/<int:pk>/", "302 404 404 404 404 404 404", "/reviews/files/999999/", label="no such id")


def _stays_home(response) -> list[str]:
    """A GET sets no language, and a foreign ``next`` is not followed."""
    problems = [] if response["Location"] == "/" else [f"redirects to {response['Location']}"]
    return problems + [f"sets {name}" for name in response.cookies]


def _dashboard_jurisdiction(scene, persona, response) -> list[str]:
    if response.status_code != 200:
        return []
    wanted = scene.j2 if persona == OLGA else scene.j1
    found = response.context["query"].jurisdiction
    return [] if found == wanted else [f"dashboard of {found}"]


# The public board, at the root (J1) and under j/<code>/ (J2) ---------------------------------------

PUBLIC_J1 = shows(" ".join(PERSONAS), M.PUB_A_JAN, M.CORR_R2)  # the current revision of 2026-01
PUBLIC_R1 = shows(" ".join(PERSONAS), M.PUB_A_JAN, M.PUB_B_JAN)
PUBLIC_R1_A = shows(" ".join(PERSONAS), M.PUB_A_JAN)
PUBLIC_J2 = shows(" ".join(PERSONAS), M.PUB_J2)
J1_UNIT_PUBLIC = shows(" ".join(PERSONAS), M.J1_UNIT)

# route (relative to the board's root), J1's address, its status, J2's address, its status, positive controls
BOARD = [
    ("", "/", EVERYONE, "/", EVERYONE, (PUBLIC_J1, PUBLIC_J2)),
    ("<yyyy:year>/<mm:month>/", "/2026/01/", EVERYONE, "/2026/01/", EVERYONE, (PUBLIC_J1, PUBLIC_J2)),
    ("<yyyy:year>/<mm:month>/", "/2026/02/", NOT_FOUND, "/2026/03/", NOT_FOUND, ({}, {})),
    ("<yyyy:year>/<mm:month>/", "/2026/03/", NOT_FOUND, "/2025/06/", NOT_FOUND, ({}, {})),
    ("<yyyy:year>/<mm:month>/r<int:revision>/", "/2026/01/r1/", EVERYONE, "/2026/01/r1/", EVERYONE,
     (PUBLIC_R1, PUBLIC_J2)),
    ("<yyyy:year>/<mm:month>/r<int:revision>/", "/2026/01/r3/", NOT_FOUND, "/2026/01/r2/", NOT_FOUND, ({}, {})),
    ("<yyyy:year>/<mm:month>/board.pdf", "/2026/01/board.pdf", EVERYONE, "/2026/01/board.pdf", EVERYONE,
     (PUBLIC_J1, PUBLIC_J2)),
    ("<yyyy:year>/<mm:month>/board.pdf", "/2026/02/board.pdf", NOT_FOUND, "/2026/03/board.pdf", NOT_FOUND, ({}, {})),
    ("<yyyy:year>/<mm:month>/r<int:revision>/board.pdf", "/2026/01/r1/board.pdf", EVERYONE, "/2026/01/r1/board.pdf",
     EVERYONE, (PUBLIC_R1, PUBLIC_J2)),
    ("<yyyy:year>/<mm:month>/board.json", "/2026/01/board.json", EVERYONE, "/2026/01/board.json", EVERYONE,
     (PUBLIC_J1, PUBLIC_J2)),
    ("<yyyy:year>/<mm:month>/board.json", "/2026/02/board.json", NOT_FOUND, "/2026/03/board.json", NOT_FOUND,
     ({}, {})),
    ("<yyyy:year>/<mm:month>/r<int:revision>/board.json", "/2026/01/r1/board.json", EVERYONE,
     "/2026/01/r1/board.json", EVERYONE, (PUBLIC_R1, PUBLIC_J2)),
    ("<yyyy:year>/<mm:month>/board.csv", "/2026/01/board.csv", EVERYONE, "/2026/01/board.csv", EVERYONE,
     (PUBLIC_J1, PUBLIC_J2)),
    ("<yyyy:year>/<mm:month>/board.csv", "/2026/02/board.csv", NOT_FOUND, "/2026/03/board.csv", NOT_FOUND, ({}, {})),
    ("<yyyy:year>/<mm:month>/r<int:revision>/board.csv", "/2026/01/r1/board.csv", EVERYONE, "/2026/01/r1/board.csv",
     EVERYONE, (PUBLIC_R1, PUBLIC_J2)),
    ("archive/", "/archive/", EVERYONE, "/archive/", EVERYONE, ({}, {})),
    ("archive/<yyyy:year>/", "/archive/2026/", EVERYONE, "/archive/2026/", EVERYONE, ({}, {})),
    ("archive/<yyyy:year>/", "/archive/2024/", NOT_FOUND, "/archive/2025/", NOT_FOUND, ({}, {})),
    ("units/", "/units/", EVERYONE, "/units/", EVERYONE, ({}, {})),
    ("units/<path:code>/", "/units/T01/", EVERYONE, "/units/L01/", EVERYONE, (PUBLIC_R1_A, PUBLIC_J2)),
    ("units/<path:code>/", "/units/T03/", EVERYONE, "/units/T01/", NOT_FOUND, (J1_UNIT_PUBLIC, {})),
    ("units/<path:code>/", "/units/L01/", NOT_FOUND, "/units/LSJ/", NOT_FOUND, ({}, {})),
    ("lobby/", "/lobby/", EVERYONE, "/lobby/", EVERYONE, (PUBLIC_J1, PUBLIC_J2)),
    ("lobby/status.json", "/lobby/status.json", EVERYONE, "/lobby/status.json", EVERYONE, ({}, {})),
    ("years/<yyyy:year>/", "/years/2025/", EVERYONE, "/years/2025/", NOT_FOUND, (J1_UNIT_PUBLIC, {})),
    ("years/<yyyy:year>/", "/years/2026/", NOT_FOUND, "/years/2026/", NOT_FOUND, ({}, {})),
    ("years/<yyyy:year>/r<int:revision>/", "/years/2025/r1/", EVERYONE, "/years/2025/r1/", NOT_FOUND,
     (J1_UNIT_PUBLIC, {})),
    ("years/<yyyy:year>/table.csv", "/years/2025/table.csv", EVERYONE, "/years/2025/table.csv", NOT_FOUND,
     (J1_UNIT_PUBLIC, {})),
    ("years/<yyyy:year>/table.csv", "/years/2026/table.csv", NOT_FOUND, "/years/2026/table.csv", NOT_FOUND, ({}, {})),
    ("years/<yyyy:year>/table.json", "/years/2025/table.json", EVERYONE, "/years/2025/table.json", NOT_FOUND,
     (J1_UNIT_PUBLIC, {})),
    ("years/<yyyy:year>/table.json", "/years/2026/table.json", NOT_FOUND, "/years/2026/table.json", NOT_FOUND,
     ({}, {})),
    ("data/", "/data/", EVERYONE, "/data/", EVERYONE, ({}, {})),
    ("data/editions.json", "/data/editions.json", EVERYONE, "/data/editions.json", EVERYONE, ({}, {})),
    ("feed/", "/feed/", EVERYONE, "/feed/", EVERYONE, (shows(" ".join(PERSONAS), M.NOTE_R2), {})),
]

for route, j1_url, j1_expected, j2_url, j2_expected, (j1_shows, j2_shows) in BOARD:
    row(route, j1_expected, j1_url, label="J1", public=J1_CODE, shows=j1_shows)
    row(f"j/<slug:jurisdiction>/{route}", j2_expected, f"/j/{J2_CODE}{j2_url}", label="J2", public=J2_CODE,
        shows=j2_shows)
row("j/<slug:jurisdiction>/", EVERYONE, f"/j/{J1_CODE}/", label="J1 by its code", public=J1_CODE, shows=PUBLIC_J1)
row("j/<slug:jurisdiction>/", NOT_FOUND, "/j/nowhere/", label="unknown jurisdiction", public=J1_CODE)


# The admin site ----------------------------------------------------------------------------------

row("admin/", STAFF)
row("admin/login/", "200 302 302 302 302 302")
row("admin/logout/", "302 405 405 405 405 405", label="GET")
row("admin/password_change/", STAFF)
row("admin/password_change/done/", STAFF)
row("admin/jsi18n/", STAFF)
row("admin/r/<path:content_type_id>/<path:object_id>/", STAFF_NOT_FOUND,
    lambda s: f"/admin/r/{_content_type('ratings', 'rating')}/{s.o.a_draft.pk}/", label="a rating has no site page")
row("admin/(?P<url>.*)$", STAFF_NOT_FOUND, "/admin/no-such-page/")
# The admin's app index: Django lists the apps in the order their first model was registered.
APPS = "admin/^(?P<app_label>" + "|".join(dict.fromkeys(m._meta.app_label for m in admin.site._registry)) + ")/$"
row(APPS, "302 404 404 404 200 200", "/admin/auth/", label="auth")
row(APPS, "302 404 404 404 200 200", "/admin/django_celery_beat/", label="django_celery_beat")
row(APPS, STAFF, "/admin/departments/", label="departments")
row(APPS, STAFF, "/admin/ratings/", label="ratings")
row(APPS, "302 404 404 200 200 200", "/admin/boards/", label="boards")
row(APPS, "302 404 404 404 200 200", "/admin/accounts/", label="accounts")
row(APPS, "302 404 404 200 200 200", "/admin/workdays/", label="workdays")
row(APPS, "302 404 404 404 200 200", "/admin/notifications/", label="notifications")
row(APPS, STAFF, "/admin/reviews/", label="reviews")


def _content_type(app_label: str, model: str) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_by_natural_key(app_label, model).pk


def autocomplete(app_label: str, model: str, field_name: str, term: str = "") -> str:
    return "/admin/autocomplete/?" + urlencode(
        {"app_label": app_label, "model_name": model, "field_name": field_name, "term": term})


def _autocomplete_ratings(scene, persona, response) -> list[str]:
    """Ratings found by searching their reasons: only those the person may read."""
    if response.status_code != 200:
        return []
    from ratings.models import Rating

    found = [int(item["id"]) for item in response.json()["results"]]
    problems = []
    for rating in Rating.objects.filter(pk__in=found):
        marker = next(m for m in MARKERS if m.token in rating.reason)
        if persona not in marker.readers:
            problems.append(f"finds {marker.token}")
    wanted = {BOB: 1, CAROL: 1, LEO: 2, ALICE: 2, OLGA: 1}[persona]
    if len(found) != wanted:
        problems.append(f"finds {len(found)} drafts, not {wanted}")
    return problems


def _autocomplete_users(scene, persona, response) -> list[str]:
    if response.status_code != 200:
        return []
    names = {item["text"] for item in response.json()["results"]}
    own = {"olga"} if persona == OLGA else {"alice", "bob", "carol", "leo", "una"}
    return [] if names == own else [f"finds the accounts {sorted(names)}"]


AUTOCOMPLETE = "admin/autocomplete/"
row(AUTOCOMPLETE, STAFF, autocomplete("ratings", "rating", "unit"), label="a rating's unit",
    shows=merge(shows("bob carol leo alice", M.J1_UNIT), shows("olga", M.J2_UNIT)))
row(AUTOCOMPLETE, STAFF, autocomplete("assessment", "gradeadjustment", "unit"), label="an adjustment's unit",
    shows=merge(shows("bob carol leo alice", M.J1_UNIT), shows("olga", M.J2_UNIT)))
row(AUTOCOMPLETE, STAFF, autocomplete("ratings", "rating", "escalated_after", "ZQDRAFT"),
    label="ratings, searched by their reasons", check=_autocomplete_ratings)
row(AUTOCOMPLETE, STAFF, autocomplete("ratings", "rating", "criterion"), label="a rating's criterion",
    check=lambda s, p, r: [] if r.status_code != 200 or (len(r.json()["results"]) == (0 if p == OLGA else 2))
    else [f"{len(r.json()['results'])} criteria"])
row(AUTOCOMPLETE, "302 403 403 403 200 200", autocomplete("ratings", "rating", "created_by"), label="accounts",
    check=_autocomplete_users)
row(AUTOCOMPLETE, STAFF_NOT_FOUND, autocomplete("ratings", "rating", "period"), label="months are not searchable")


# Every page of every ModelAdmin: the list, add, change, delete, history and the bare id.

def admin_pages(app_model: str, obj: Callable[[Scene], object], *, changelist: str, add: str, change: str,
                delete: str, history: str, version: str | None = None, shows_: dict | None = None,
                changelist_shows: dict | None = None, changelist_check: Callable | None = None) -> None:
    base = f"admin/{app_model.replace('.', '/')}/"
    root = "/" + base
    row(base, changelist, shows=changelist_shows or {}, check=changelist_check)
    row(base + "add/", add)
    row(base + "<path:object_id>/change/", change, lambda s: f"{root}{obj(s).pk}/change/", shows=shows_ or {})
    row(base + "<path:object_id>/delete/", delete, lambda s: f"{root}{obj(s).pk}/delete/")
    row(base + "<path:object_id>/history/", history, lambda s: f"{root}{obj(s).pk}/history/")
    row(base + "<path:object_id>/", REDIRECT, lambda s: f"{root}{obj(s).pk}/", label="the bare id")
    if version is not None:
        row(base + "^([^/]+)/history/([^/]+)/$", version,
            lambda s: f"{root}{obj(s).pk}/history/{obj(s).history.order_by('history_id').first().history_id}/")


def _rating(name: str) -> Callable[[Scene], object]:
    return lambda s: getattr(s.o, name)


#          model                          anon bob carol leo alice olga
admin_pages("auth.group", lambda s: s.o.office_group,
            changelist=NOBODY, add=NOBODY, change=NOBODY, delete=NOBODY, history=NOBODY)
admin_pages("auth.user", lambda s: s.users["bob"],
            changelist=OFFICES, add=OFFICES, change=J1_OFFICE_J2_MISSING, delete=J1_OFFICE_J2_MISSING,
            history=J1_OFFICE_J2_MISSING)
row("admin/auth/user/<id>/password/", J1_OFFICE_J2_MISSING, lambda s: f"/admin/auth/user/{s.users['bob'].pk}/password/")
# The offices read the scheduled publication; with two jurisdictions, only a superuser changes it.
admin_pages("django_celery_beat.periodictask", lambda s: s.o.periodic_task,
            changelist=OFFICES, add=NOBODY, change=OFFICES, delete=NOBODY, history=OFFICES)
admin_pages("django_celery_beat.crontabschedule", lambda s: s.o.crontab,
            changelist=OFFICES, add=NOBODY, change=OFFICES, delete=NOBODY, history=OFFICES)
for model, name in (("clockedschedule", "clocked"), ("solarschedule", "solar"), ("intervalschedule", "interval")):
    admin_pages(f"django_celery_beat.{model}", lambda s, name=name: getattr(s.o, name),
                changelist=NOBODY, add=NOBODY, change=NOBODY, delete=NOBODY, history=NOBODY)
# Failed logins and the login record: the office's, each office its own people's.
admin_pages("accounts.loginlockout", lambda s: s.o.bob_lockout,
            changelist=OFFICES, add=NOBODY, change=J1_OFFICE_J2_MISSING, delete=J1_OFFICE_J2_MISSING,
            history=J1_OFFICE_J2_MISSING, changelist_shows=merge(shows("alice", M.LOGIN_J1), shows("olga", M.LOGIN_J2)))
admin_pages("accounts.loginrecord", lambda s: s.o.bob_login,
            changelist=OFFICES, add=NOBODY, change=J1_OFFICE_J2_MISSING, delete=NOBODY, history=J1_OFFICE_J2_MISSING,
            changelist_shows=merge(shows("alice", M.LOGIN_J1), shows("olga", M.LOGIN_J2)))
admin_pages("departments.jurisdiction", lambda s: s.j1,
            changelist=LEADERS_AND_OFFICES, add=NOBODY, change=J1_OVERSEERS_J2_MISSING, delete=NOBODY,
            history=J1_OVERSEERS_J2_MISSING)
admin_pages("departments.category", lambda s: s.o.category,
            changelist=LEADERS_AND_OFFICES, add=OFFICES, change=J1_OVERSEERS_J2_MISSING,
            delete=J1_OFFICE_J2_MISSING, history=J1_OVERSEERS_J2_MISSING)
admin_pages("departments.organisation", lambda s: s.o.t3,
            changelist=STAFF, add=OFFICES, change=J1_READERS_J2_MISSING, delete=J1_OFFICE_J2_MISSING,
            history=J1_READERS_J2_MISSING, version=J1_READERS_J2_MISSING,
            shows_=shows("bob carol leo alice", M.J1_UNIT),
            changelist_shows=merge(shows("bob carol leo alice", M.J1_UNIT), shows("olga", M.J2_UNIT)))
row("admin/departments/organisation/import/", OFFICES)
row("admin/departments/organisation/process_import/", "302 405 405 405 405 405", label="GET")
admin_pages("ratings.rulebook", lambda s: s.o.rulebook,
            changelist=STAFF, add=OFFICES, change=J1_READERS_J2_MISSING, delete=J1_OFFICE_J2_MISSING,
            history=J1_READERS_J2_MISSING, version=J1_READERS_J2_MISSING)
admin_pages("ratings.criterion", lambda s: s.o.flag,
            changelist=STAFF, add=OFFICES, change=J1_READERS_J2_MISSING, delete=J1_OFFICE_J2_MISSING,
            history=J1_READERS_J2_MISSING, version=J1_READERS_J2_MISSING)
row("admin/ratings/criterion/import/", OFFICES)
row("admin/ratings/criterion/process_import/", "302 405 405 405 405 405", label="GET")


def _march_counts(scene, persona, response) -> list[str]:
    """The months list counts a rater's own department's ratings only: in March, four."""
    if response.status_code != 200:
        return []
    months = {period.pk: period for period in response.context["cl"].result_list}
    if persona == OLGA:
        return [] if scene.o.march.pk not in months else ["lists J1's March"]
    march = months[scene.o.march.pk]
    counts = (march.total_count, march.submitted_count, march.approved_count)
    wanted = (4, 1, 1) if persona in (BOB, CAROL) else (8, 2, 2)
    return [] if counts == wanted else [f"counts {counts}, not {wanted}"]


admin_pages("ratings.period", lambda s: s.o.march,
            changelist=STAFF, add=OFFICES, change=J1_READERS_J2_MISSING, delete=J1_OFFICE_J2_MISSING,
            history=J1_READERS_J2_MISSING, version=J1_READERS_J2_MISSING, changelist_check=_march_counts)
row("admin/ratings/period/<path:object_id>/close/", J1_OFFICE_J2_MISSING,
    lambda s: f"/admin/ratings/period/{s.o.april.pk}/close/", label="GET shows what closing does")
row("admin/ratings/period/<path:object_id>/close/", J1_OFFICE_J2_MISSING,
    lambda s: f"/admin/ratings/period/{s.o.march.pk}/close/", label="GET lists the month's ratings not approved",
    shows=shows("alice", M.J1_UNIT))
row("admin/ratings/period/<path:object_id>/reopen/", J1_OFFICE_J2_MISSING,
    lambda s: f"/admin/ratings/period/{s.o.february.pk}/reopen/", label="GET asks for the reason")

RATINGS = "/admin/ratings/rating/"
admin_pages("ratings.rating", _rating("a_draft"),
            changelist=STAFF, add="302 200 200 403 200 200", change="302 200 404 200 200 404",
            delete="302 200 404 403 200 404", history="302 200 404 200 200 404", version="302 200 404 200 200 404",
            shows_=shows("bob leo alice", M.DRAFT_A, M.EVIDENCE_A),
            changelist_shows=merge(shows("bob", M.RETURN_WHY_A), shows("carol", M.RETURN_WHY_B),
                                   shows("leo alice", M.RETURN_WHY_A, M.RETURN_WHY_B)),
            changelist_check=lambda s, p, r: _listed_ratings(s, p, r, at_least=1))
for name, who in (("b_draft", "302 404 200 200 200 404"), ("l_draft", "302 404 404 404 404 200")):
    row("admin/ratings/rating/<path:object_id>/change/", who,
        lambda s, n=name: f"{RATINGS}{getattr(s.o, n).pk}/change/",
        label=name)
    row("admin/ratings/rating/<path:object_id>/history/", who,
        lambda s, n=name: f"{RATINGS}{getattr(s.o, n).pk}/history/", label=name)
row("admin/ratings/rating/<path:object_id>/change/", "302 200 404 200 200 404",
    lambda s: f"{RATINGS}{s.o.a_february_red.pk}/change/", label="A's red light after B's yellow",
    shows=shows("bob leo alice", M.CLOSED_A))
row("admin/ratings/rating/<path:object_id>/change/", "302 404 200 200 200 404",
    lambda s: f"{RATINGS}{s.o.b_january_yellow.pk}/change/", label="B's yellow before A's red light",
    shows=shows("carol leo alice", M.PUB_B_JAN))
for action, a_who, b_who in (("submit", "302 302 404 302 302 404", "302 404 302 302 302 404"),
                             ("approve", "302 302 404 302 302 404", "302 404 302 302 302 404"),
                             ("return", "302 403 404 403 200 404", "302 404 403 403 200 404")):
    row(f"admin/ratings/rating/<path:object_id>/{action}/", a_who,
        lambda s, a=action: f"{RATINGS}{s.o.a_submitted.pk}/{a}/", label="GET A's")
    row(f"admin/ratings/rating/<path:object_id>/{action}/", b_who,
        lambda s, a=action: f"{RATINGS}{s.o.b_submitted.pk}/{a}/", label="GET B's")
row("admin/ratings/rating/import/", OFFICES)
row("admin/ratings/rating/process_import/", "302 405 405 405 405 405", label="GET")
row("admin/ratings/rating/export/", STAFF, label="GET the form")


def _listed_ratings(scene, persona, response, at_least: int = 0) -> list[str]:
    """The ratings a list shows: only those the person may read (and some, when asked)."""
    if response.status_code != 200:
        return []
    listed = list(response.context["cl"].result_list)
    problems = []
    for rating in listed:
        marker = next(m for m in MARKERS if m.token in rating.reason)
        if persona not in marker.readers:
            problems.append(f"lists {marker.token}")
    if len(listed) < at_least:
        problems.append("lists nothing")
    return problems


def _changelist(query: dict) -> Callable[[Scene], str]:
    def url(s: Scene) -> str:
        values = {key: (value(s) if callable(value) else value) for key, value in query.items()}
        return RATINGS + "?" + urlencode(values)

    return url


SEARCHES = [
    ("search every marker", {"q": "ZQ"}),
    ("drafts", {"status__exact": "draft"}),
    ("returned", {"status__exact": "returned"}),
    ("not in force", {"outcome": "none"}),
    ("a unit", {"unit__id__exact": lambda s: s.o.t1.pk}),
    ("the open month", {"period__id__exact": lambda s: s.o.march.pk}),
    ("B's department", {"department__id__exact": lambda s: s.o.dept_b.pk}),
    ("J1's months", {"period__id__in": lambda s: f"{s.o.march.pk},{s.o.february.pk}"}),
    ("J2's month", {"period__id__exact": lambda s: s.o.l_mar.pk}),
]
for label, query in SEARCHES:
    row("admin/ratings/rating/", STAFF, _changelist(query), label=label, check=_listed_ratings)
# Choosing a jurisdiction is a superuser's filter: for anyone else it is a bad request.
row("admin/ratings/rating/", "302 400 400 400 400 400",
    _changelist({"period__jurisdiction__id__exact": lambda s: s.j1.pk}),
    label="J1's jurisdiction")

def _export(resource, file_format: str) -> Callable[[Scene], dict]:
    """The export form as a browser posts it: a format, the resource, every column ticked."""
    from django import forms
    from import_export.admin import ExportMixin
    from import_export.formats.base_formats import CSV, XLSX

    form = ExportMixin.export_form_class([XLSX, CSV], [resource])
    columns = {name: "on" for name, f in form.fields.items() if isinstance(f, forms.BooleanField)}
    return lambda s: {"format": file_format, "resource": "0", **columns}


def _every_rating(scene: Scene) -> list[int]:
    from ratings.models import Rating

    return list(Rating.objects.values_list("pk", flat=True))


def _a_file(scene, persona, response) -> list[str]:
    if response.status_code != 200:
        return []
    disposition = response.get("Content-Disposition", "")
    return [] if disposition.startswith("attachment") else ["not a file"]


for label, file_format in (("Excel", "0"), ("CSV", "1")):
    row("admin/ratings/rating/export/", STAFF, label=f"POST {label}", post=_export(RatingExportResource, file_format),
        check=_a_file,
        shows=merge(shows("bob", M.DRAFT_A, M.SUBMITTED_A, M.CLOSED_A), shows("carol", M.DRAFT_B, M.CLOSED_B),
                    shows("leo alice", M.DRAFT_A, M.DRAFT_B), shows("olga", M.DRAFT_J2)))
row("admin/ratings/rating/export/", STAFF, label="POST every id there is",
    post=lambda s: {**_export(RatingExportResource, "1")(s), "export_items": _every_rating(s)}, check=_a_file,
    shows=merge(shows("bob", M.DRAFT_A), shows("carol", M.DRAFT_B), shows("olga", M.DRAFT_J2)))
row("admin/ratings/rating/export/", STAFF, RATINGS + "export/?q=ZQDRAFT", label="POST a search",
    post=_export(RatingExportResource, "1"), check=_a_file,
    shows=merge(shows("bob", M.DRAFT_A), shows("carol", M.DRAFT_B)))

admin_pages("assessment.yearscore", lambda s: s.o.year_score,
            changelist=LEADERS_AND_OFFICES, add=NOBODY, change=J1_OVERSEERS_J2_MISSING, delete=NOBODY,
            history=J1_OVERSEERS_J2_MISSING, changelist_shows=shows("leo alice", M.J1_UNIT))
row("admin/assessment/yearscore/rollup/", OFFICES, label="GET the form")
row("admin/assessment/yearscore/rollup/<int:run_id>/", J1_OVERSEERS_J2_MISSING,
    lambda s: f"/admin/assessment/yearscore/rollup/{s.o.rollup_run.pk}/")
row("admin/assessment/yearscore/rollup/<int:run_id>/status/", J1_OVERSEERS_J2_MISSING,
    lambda s: f"/admin/assessment/yearscore/rollup/{s.o.rollup_run.pk}/status/")
row("admin/assessment/yearscore/rollup/<int:run_id>/", "302 403 403 404 404 200",
    lambda s: f"/admin/assessment/yearscore/rollup/{s.o.l_rollup_run.pk}/", label="J2's run")
row("admin/assessment/yearscore/workbook/", "302 403 403 403 200 302", "/admin/assessment/yearscore/workbook/?year=2025",
    shows=shows("alice", M.PUB_2025, M.J1_UNIT))
row("admin/assessment/yearscore/export/", OFFICES, label="GET the form")
row("admin/assessment/yearscore/export/", OFFICES, label="POST CSV",
    post=_export(YearScoreExportResource, "1"), check=_a_file, shows=shows("alice", M.J1_UNIT))
admin_pages("assessment.rolluprun", lambda s: s.o.rollup_run,
            changelist=LEADERS_AND_OFFICES, add=NOBODY, change=J1_OVERSEERS_J2_MISSING, delete=NOBODY,
            history=J1_OVERSEERS_J2_MISSING)
admin_pages("assessment.gradeadjustment", lambda s: s.o.veto,
            changelist=LEADERS_AND_OFFICES, add=OFFICES, change=J1_OVERSEERS_J2_MISSING,
            delete=J1_OFFICE_J2_MISSING, history=J1_OVERSEERS_J2_MISSING, version=J1_OVERSEERS_J2_MISSING,
            shows_=shows("leo alice", M.VETO), changelist_shows=shows("leo alice", M.VETO))

# Evaluations: the office prepares and runs rounds and surveys; the leaders read them (results
# once closed, never an answer); the daily evaluations are the office's to read.
row(APPS, "302 404 404 200 200 200", "/admin/evaluations/", label="evaluations")
admin_pages("evaluations.evaluatorgroup", lambda s: s.o.ev_group,
            changelist=OFFICES, add=OFFICES, change=J1_OFFICE_J2_MISSING, delete=J1_OFFICE_J2_MISSING,
            history=J1_OFFICE_J2_MISSING, changelist_shows=shows("alice", M.EV_ROUND))
admin_pages("evaluations.round", lambda s: s.o.ev_round,
            changelist=LEADERS_AND_OFFICES, add=OFFICES, change=J1_OVERSEERS_J2_MISSING,
            delete="302 403 403 403 403 404", history=J1_OVERSEERS_J2_MISSING,
            changelist_shows=shows("leo alice", M.EV_ROUND))
row("admin/evaluations/round/<str:pk>/board/", J1_OVERSEERS_J2_MISSING,
    lambda s: f"/admin/evaluations/round/{s.o.ev_round.pk}/board/", label="open", shows=shows("leo alice", M.EV_ROUND))
row("admin/evaluations/round/<str:pk>/board/", J1_OVERSEERS_J2_MISSING,
    lambda s: f"/admin/evaluations/round/{s.o.ev_closed.pk}/board/", label="closed", shows=shows("leo alice", M.EV_ROUND))
row("admin/evaluations/round/<str:pk>/board/", "302 403 403 404 404 404", "/admin/evaluations/round/999999/board/",
    label="no such id")
admin_pages("evaluations.survey", lambda s: s.o.ev_survey,
            changelist=LEADERS_AND_OFFICES, add=OFFICES, change=J1_OVERSEERS_J2_MISSING,
            delete="302 403 403 403 403 404", history=J1_OVERSEERS_J2_MISSING,
            changelist_shows=shows("leo alice", M.EV_SURVEY))
row("admin/evaluations/survey/<str:pk>/board/", J1_OVERSEERS_J2_MISSING,
    lambda s: f"/admin/evaluations/survey/{s.o.ev_survey.pk}/board/", shows=shows("leo alice", M.EV_SURVEY))
row("admin/evaluations/survey/<str:pk>/codes/", "302 403 403 403 200 404",
    lambda s: f"/admin/evaluations/survey/{s.o.ev_survey.pk}/codes/", shows=shows("alice", M.EV_SURVEY))
admin_pages("evaluations.dailyevaluation", lambda s: s.o.ev_daily,
            changelist=OFFICES, add=NOBODY, change=J1_OFFICE_J2_MISSING, delete=NOBODY, history=J1_OFFICE_J2_MISSING,
            changelist_shows=shows("alice", M.EV_DAILY), shows_=shows("alice", M.EV_DAILY))

# Casework: the office's, each office its own; nobody deletes an item, a form or a step.
row(APPS, STAFF, "/admin/casework/", label="casework")  # raters and leaders read the 12345 work orders
admin_pages("casework.workorder", lambda s: s.o.work_order,
            changelist=STAFF, add=NOBODY, change=J1_READERS_J2_MISSING, delete=NOBODY,
            history=J1_READERS_J2_MISSING,
            shows_=shows("bob carol leo alice", M.WORK_ORDER), changelist_shows=shows("bob carol leo alice", M.WORK_ORDER))
row("admin/casework/workorder/import/", OFFICES, label="GET the form")
row("admin/casework/workorder/stats/", STAFF, "/admin/casework/workorder/stats/?year=2026&month_from=1&month_to=12",
    shows=shows("bob carol leo alice", M.J1_UNIT))
admin_pages("casework.report", lambda s: s.o.case_report,
            changelist=OFFICES, add=OFFICES, change=J1_OFFICE_J2_MISSING, delete="302 403 403 403 403 403",
            history=J1_OFFICE_J2_MISSING, version=J1_OFFICE_J2_MISSING,
            shows_=shows("alice", M.CASE_REPORT, M.CASE_REPORT_FILE),
            changelist_shows=merge(shows("alice", M.CASE_REPORT), shows("olga", M.CASE_J2)))
row("admin/casework/report/<path:object_id>/triage/", "302 403 403 403 302 404",
    lambda s: f"/admin/casework/report/{s.o.case_report.pk}/triage/", label="GET back to the item")
admin_pages("casework.assignmentform", lambda s: s.o.case_form,
            changelist=OFFICES, add=OFFICES, change=J1_OFFICE_J2_MISSING, delete="302 403 403 403 403 403",
            history=J1_OFFICE_J2_MISSING, version=J1_OFFICE_J2_MISSING,
            shows_=shows("alice", M.CASE_FORM, M.CASE_STEP_FILE), changelist_shows=shows("alice", M.CASE_FORM))
row("admin/casework/assignmentform/<path:object_id>/act/", "302 403 403 403 302 404",
    lambda s: f"/admin/casework/assignmentform/{s.o.case_form.pk}/act/", label="GET back to the form")
row("admin/casework/assignmentform/<path:object_id>/rate/", "302 403 403 403 302 404",
    lambda s: f"/admin/casework/assignmentform/{s.o.case_form.pk}/rate/", label="GET back to the form")
row("admin/casework/assignmentform/<path:object_id>/record/", "302 403 403 403 302 404",
    lambda s: f"/admin/casework/assignmentform/{s.o.case_form.pk}/record/", label="GET back to the form")
admin_pages("casework.caseworkyear", lambda s: s.o.casework_year,
            changelist=OFFICES, add=OFFICES, change=J1_OFFICE_J2_MISSING, delete="302 403 403 403 403 403",
            history=J1_OFFICE_J2_MISSING, version=J1_OFFICE_J2_MISSING)
admin_pages("casework.deduction", lambda s: s.o.deduction,
            changelist=OFFICES, add="302 403 403 403 403 403", change=J1_OFFICE_J2_MISSING,
            delete="302 403 403 403 403 403", history=J1_OFFICE_J2_MISSING)
admin_pages("casework.followup", lambda s: s.o.followup,
            changelist=OFFICES, add="302 403 403 403 403 403", change=J1_OFFICE_J2_MISSING,
            delete="302 403 403 403 403 403", history=J1_OFFICE_J2_MISSING,
            changelist_shows=shows("alice", M.CASE_REPORT))
# 季度通报: each office its own quarter; J1's ticked form means nothing in J2's.
row("admin/casework/assignmentform/circular/", OFFICES, label="the page")
row("admin/casework/assignmentform/circular/", OFFICES,
    lambda s: f"/admin/casework/assignmentform/circular/?year=2026&quarter=1&format=pdf&typical={s.o.case_form.pk}",
    label="PDF", shows=shows("alice", M.CASE_FORM))
row("admin/casework/assignmentform/circular/", OFFICES,
    lambda s: f"/admin/casework/assignmentform/circular/?year=2026&quarter=1&format=docx&typical={s.o.case_form.pk}",
    label="Word", shows=shows("alice", M.CASE_FORM))
row("admin/casework/assignmentform/circular/", "302 403 403 403 400 400",
    "/admin/casework/assignmentform/circular/?year=2026&quarter=5&format=pdf", label="bad quarter")
admin_pages("casework.supervisor", lambda s: s.o.supervisor,
            changelist=OFFICES, add=OFFICES, change=J1_OFFICE_J2_MISSING, delete="302 403 403 403 403 403",
            history=J1_OFFICE_J2_MISSING, version=J1_OFFICE_J2_MISSING,
            shows_=shows("alice", M.SUPERVISOR), changelist_shows=shows("alice", M.SUPERVISOR))
row("admin/casework/supervisor/roster/", OFFICES, shows=shows("alice", M.SUPERVISOR))
admin_pages("casework.apikey", lambda s: s.o.api_key,
            changelist=OFFICES, add=OFFICES, change=J1_OFFICE_J2_MISSING, delete="302 403 403 403 403 403",
            history=J1_OFFICE_J2_MISSING, shows_=shows("alice", M.API_KEY), changelist_shows=shows("alice", M.API_KEY),
            changelist_check=lambda s, p, r: ["shows the whole key"] if s.o.api_key_raw in body_text(r) else [])
admin_pages("casework.caseworksettings", lambda s: s.o.casework_settings,
            # One row per jurisdiction: J1 has its own, so only J2's office may add one.
            changelist=OFFICES, add="302 403 403 403 403 200", change=J1_OFFICE_J2_MISSING,
            delete="302 403 403 403 403 403",
            history=J1_OFFICE_J2_MISSING)

# The scorecard: the office keeps it, the leader reads it; with a result it is frozen (no delete).
admin_pages("assessment.scorecard", lambda s: s.o.scorecard,
            changelist=LEADERS_AND_OFFICES, add=OFFICES, change=J1_OVERSEERS_J2_MISSING,
            delete="302 403 403 403 403 404", history=J1_OVERSEERS_J2_MISSING, version=J1_OVERSEERS_J2_MISSING,
            shows_=shows("leo alice", M.SCORECARD))
row("admin/assessment/scorecard/import/", OFFICES, label="GET the form")
admin_pages("assessment.itemresult", lambda s: s.o.item_result,
            changelist=LEADERS_AND_OFFICES, add=NOBODY, change=J1_OVERSEERS_J2_MISSING,
            delete=J1_OFFICE_J2_MISSING, history=J1_OVERSEERS_J2_MISSING, version=J1_OVERSEERS_J2_MISSING,
            shows_=shows("leo alice", M.SCORECARD), changelist_shows=shows("leo alice", M.SCORECARD))

admin_pages("boards.boardmonth", lambda s: s.o.february,
            changelist=LEADERS_AND_OFFICES, add=NOBODY, change=J1_OVERSEERS_J2_MISSING, delete=NOBODY,
            history=J1_OVERSEERS_J2_MISSING)
# 发布正式版: the office's, once a 公示稿's notice period has ended; February has no 公示稿.
row("admin/boards/boardmonth/<int:period_id>/finalise/", "302 403 403 403 302 404",
    lambda s: f"/admin/boards/boardmonth/{s.o.february.pk}/finalise/", label="GET, no 公示稿: refused")
row("admin/boards/boardmonth/<int:period_id>/publish/", J1_OFFICE_J2_MISSING,
    lambda s: f"/admin/boards/boardmonth/{s.o.february.pk}/publish/", label="GET the preview")
row("admin/boards/boardmonth/<int:period_id>/publish/", J1_OFFICE_J2_MISSING,
    lambda s: f"/admin/boards/boardmonth/{s.o.january.pk}/publish/", label="GET what the correction changes",
    shows=shows("alice", M.CORR_UNPUB))
# The office's preview (预览（未发布）) of what publishing would make: the office's own, never public.
for _tail in ("preview/", "preview/pdf/"):
    _route = f"admin/boards/boardmonth/<int:period_id>/{_tail}"
    row(_route, J1_OFFICE_J2_MISSING, lambda s, t=_tail: f"/admin/boards/boardmonth/{s.o.february.pk}/{t}",
        label="February, never published", shows=shows("alice", M.CLOSED_A, M.CLOSED_B))
    row(_route, J1_OFFICE_J2_MISSING, lambda s, t=_tail: f"/admin/boards/boardmonth/{s.o.january.pk}/{t}",
        label="January's correction", shows=shows("alice", M.CORR_UNPUB, M.CORR_R2))
    row(_route, "302 403 403 403 404 200",
        lambda s, t=_tail: f"/admin/boards/boardmonth/{s.o.l_publish_run.period_id}/{t}", label="J2's month",
        shows=shows("olga", M.PUB_J2))
row("admin/boards/boardmonth/runs/<int:run_id>/", J1_OVERSEERS_J2_MISSING,
    lambda s: f"/admin/boards/boardmonth/runs/{s.o.publish_run.pk}/")
row("admin/boards/boardmonth/runs/<int:run_id>/status/", J1_OVERSEERS_J2_MISSING,
    lambda s: f"/admin/boards/boardmonth/runs/{s.o.publish_run.pk}/status/")
row("admin/boards/boardmonth/runs/<int:run_id>/", "302 403 403 404 404 200",
    lambda s: f"/admin/boards/boardmonth/runs/{s.o.l_publish_run.pk}/", label="J2's run")
admin_pages("boards.edition", lambda s: s.o.edition_r1,
            changelist=LEADERS_AND_OFFICES, add=NOBODY, change=J1_OVERSEERS_J2_MISSING, delete=NOBODY,
            history=J1_OVERSEERS_J2_MISSING)
admin_pages("boards.publishrun", lambda s: s.o.publish_run,
            changelist=LEADERS_AND_OFFICES, add=NOBODY, change=J1_OVERSEERS_J2_MISSING, delete=NOBODY,
            history=J1_OVERSEERS_J2_MISSING)
admin_pages("boards.publishedyear", lambda s: s.o.year_table,
            changelist=LEADERS_AND_OFFICES, add=NOBODY, change=J1_OVERSEERS_J2_MISSING, delete=NOBODY,
            history=J1_OVERSEERS_J2_MISSING)
row("admin/boards/publishedyear/publish/", OFFICES, label="GET the form")
# The working-day calendar is national: every office writes it, leaders read it, raters never see it.
admin_pages("workdays.calendarday", lambda s: s.o.calendar_day,
            changelist=LEADERS_AND_OFFICES, add=OFFICES, change=LEADERS_AND_OFFICES, delete=OFFICES,
            history=LEADERS_AND_OFFICES, shows_=shows("leo alice olga", M.CALENDAR_DAY),
            changelist_shows=shows("leo alice olga", M.CALENDAR_DAY))
row("admin/workdays/calendarday/import/", OFFICES)
row("admin/workdays/calendarday/process_import/", "302 405 405 405 405 405", label="GET")


# Failed mail: the office's, each its own people's.
admin_pages("notifications.delivery", lambda s: s.o.delivery, changelist=OFFICES, add=NOBODY,
            change=J1_OFFICE_J2_MISSING, delete=NOBODY, history=J1_OFFICE_J2_MISSING)
# Review requests: the office and leaders of J1 read them all, B its own ratings'; only
# the office decides and only B states; nobody adds, edits or deletes one here.
admin_pages("reviews.reviewrequest", lambda s: s.o.review,
            changelist=STAFF, add=NOBODY, change="302 404 200 200 200 404", delete=NOBODY,
            history="302 404 200 200 200 404", version="302 404 200 200 200 404",
            shows_=shows("carol leo alice", M.REVIEW_T1, M.REVIEW_FILE_T1))
row("admin/reviews/reviewrequest/<int:request_id>/statement/", "302 404 302 302 302 404",
    lambda s: f"/admin/reviews/reviewrequest/{s.o.review.pk}/statement/", label="GET back to the request")
row("admin/reviews/reviewrequest/<int:request_id>/decide/", "302 404 302 302 302 404",
    lambda s: f"/admin/reviews/reviewrequest/{s.o.review.pk}/decide/", label="GET back to the request")


# Reading ---------------------------------------------------------------------------------------------


def _problems(scene: Scene, case: Case, persona: str, response) -> list[str]:
    problems = []
    if response.status_code != case.expected[persona]:
        problems.append(f"status {response.status_code}, expected {case.expected[persona]}")
    text = body_text(response)
    forbidden = forbidden_in_public(case.public) if case.public else forbidden_in_admin(persona)
    problems += [f"shows {m.token}" for m in forbidden if m.token in text]
    if response.status_code == case.expected[persona] == 200 or case.post:
        problems += [f"does not show {m.token}" for m in case.shows.get(persona, ()) if m.token not in text]
    if case.check is not None:
        problems += case.check(scene, persona, response)
    return problems


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_person_gets_what_the_table_says_and_reads_nothing_more(scene, as_persona, case, persona):
    client = as_persona(persona)
    url = case.url(scene)
    response = client.post(url, case.post(scene)) if case.post else client.get(url)
    assert _problems(scene, case, persona, response) == [], (persona, url)


# Coverage ----------------------------------------------------------------------------------------


def url_patterns(patterns=None, prefix: str = "") -> list[str]:
    """Every URL pattern of the project, as its full route."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            found += url_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            assert isinstance(pattern, URLPattern)
            found.append(prefix + str(pattern.pattern))
    return found


def test_every_url_pattern_has_a_row():
    covered = {case.route for case in CASES}
    assert sorted(set(url_patterns()) - covered) == []


def test_every_row_is_a_url_pattern():
    assert sorted({case.route for case in CASES} - set(url_patterns())) == []



# Writing ---------------------------------------------------------------------------------------------
#
# Each write is posted by every person; the state it changes is read before and after. It
# must have changed for exactly the people in ``allowed`` (to ``after`` when given), and
# stayed as it was for everyone else, whatever the answer.


@dataclass(frozen=True)
class Write:
    name: str
    route: str
    url: Callable[[Scene], str]
    data: Callable[[Scene], dict]
    state: Callable[[Scene], object]
    allowed: tuple[str, ...]
    expected: dict[str, int]
    after: dict[str, object] = field(default_factory=dict)  # the state each allowed person leaves
    prepare: Callable[[Scene], None] | None = None


WRITES: list[Write] = []


def write(name: str, route: str, url: Callable[[Scene], str], data: Callable[[Scene], dict],
          state: Callable[[Scene], object], allowed: str, expected: str, **kwargs) -> None:
    WRITES.append(Write(name=name, route=route, url=url, data=data, state=state, allowed=tuple(allowed.split()),
                        expected=expect(expected), **kwargs))


def office_form(scene: Scene, url: str, *, superuser: bool = False, **changes) -> dict:
    """The change form as the office (or a superuser) sees it, with ``changes``: what a
    browser would post."""
    from django.contrib.auth.models import User
    from django.test import Client

    from tests.admin_helpers import form_data

    browser = Client()
    if superuser:
        browser.force_login(User.objects.create_superuser("root", password="pw-root-2026-zq"))
    else:
        browser.force_login(scene.users["alice"])
    response = browser.get(url)
    assert response.status_code == 200, url
    return form_data(response, **changes)


def _status(rating_attr: str) -> Callable[[Scene], str]:
    def state(s: Scene) -> str:
        from ratings.models import Rating

        found = Rating.objects.filter(pk=getattr(s.o, rating_attr).pk).first()
        return found.status if found else "deleted"

    return state


def _statuses(*attrs: str) -> Callable[[Scene], tuple]:
    return lambda s: tuple(_status(attr)(s) for attr in attrs)


def _period_status(attr: str) -> Callable[[Scene], str]:
    def state(s: Scene) -> str:
        from ratings.models import Period

        found = Period.objects.filter(pk=getattr(s.o, attr).pk).first()
        return found.status if found else "deleted"

    return state


def _count(model_path: str, **lookup) -> Callable[[Scene], int]:
    def state(s: Scene) -> int:
        from django.apps import apps

        values = {key: (value(s) if callable(value) else value) for key, value in lookup.items()}
        return apps.get_model(model_path).objects.filter(**values).count()

    return state


def _april_draft(s: Scene) -> None:
    """A draft of A's in April, for closing April to carry (inside the test's savepoint)."""
    from ratings import services

    services.rating_record(period=s.o.april, department=s.o.dept_a, unit=s.o.t1, kind="red_flag",
                           reason="四月草稿", by=s.users["bob"], criterion=s.o.flag)


def _action(action: str, *attrs: str, **extra) -> Callable[[Scene], dict]:
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    return lambda s: {"action": action, "index": "0",
                      ACTION_CHECKBOX_NAME: [str(getattr(s.o, attr).pk) for attr in attrs], **extra}


def _rating_url(attr: str, suffix: str) -> Callable[[Scene], str]:
    return lambda s: f"{RATINGS}{getattr(s.o, attr).pk}/{suffix}"


def _new_rating(s: Scene) -> dict:
    return {
        "period": s.o.march.pk, "department": s.o.dept_a.pk, "unit": s.o.t2.pk, "kind": "yellow_light",
        "criterion": s.o.yellow.pk, "reason": "新增的认定",
        "evidence-TOTAL_FORMS": "0", "evidence-INITIAL_FORMS": "0", "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "1000",
    }


def _import_confirmation(model: str, headers: list[str], rows: list[list[str]]) -> Callable[[Scene], dict]:
    """The office previews a spreadsheet; the confirmation it is shown is what gets posted."""

    def data(s: Scene) -> dict:
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.test import Client

        out = io.StringIO()
        csv.writer(out).writerows([headers, *rows])
        office = Client()
        office.force_login(s.users["alice"])
        upload = SimpleUploadedFile("import.csv", out.getvalue().encode("utf-8-sig"), content_type="text/csv")
        shown = office.post(f"/admin/{model.replace('_', '/', 1)}/import/",
                            {"import_file": upload, "format": "1", "resource": "0"})
        form = shown.context["confirm_form"]
        assert form is not None, shown.content.decode()[:2000]
        return form.initial

    return data


J1_RATINGS = _count("ratings.Rating", period__jurisdiction=lambda s: s.j1)
J1_ORGS = _count("departments.Organisation", jurisdiction=lambda s: s.j1)
REASON = {"reason": "按规定处理", "apply": "1"}

#                                                                                       anon bob carol leo alice olga
write("approve A's submitted rating", "admin/ratings/rating/<path:object_id>/approve/",
      _rating_url("a_submitted", "approve/"), lambda s: {}, _status("a_submitted"), "alice", "302 302 404 302 302 404")
write("return A's submitted rating", "admin/ratings/rating/<path:object_id>/return/",
      _rating_url("a_submitted", "return/"), lambda s: {"reason": "材料不全"}, _status("a_submitted"), "alice",
      "302 403 404 403 302 404")
write("submit A's draft", "admin/ratings/rating/<path:object_id>/submit/",
      _rating_url("a_draft", "submit/"), lambda s: {}, _status("a_draft"), "bob alice", "302 302 404 302 302 404")
write("submit B's draft", "admin/ratings/rating/<path:object_id>/submit/",
      _rating_url("b_draft", "submit/"), lambda s: {}, _status("b_draft"), "carol alice", "302 404 302 302 302 404")
write("edit A's draft", "admin/ratings/rating/<path:object_id>/change/", _rating_url("a_draft", "change/"),
      lambda s: office_form(s, f"{RATINGS}{s.o.a_draft.pk}/change/", reason="改过的事由"),
      lambda s: s.o.a_draft.__class__.objects.get(pk=s.o.a_draft.pk).reason, "bob alice", "302 302 404 403 302 404")
write("delete A's draft", "admin/ratings/rating/<path:object_id>/delete/", _rating_url("a_draft", "delete/"),
      lambda s: {"post": "yes"}, _status("a_draft"), "bob alice", "302 302 404 403 302 404")
write("record a rating for department A", "admin/ratings/rating/add/", lambda s: f"{RATINGS}add/", _new_rating,
      _count("ratings.Rating", department=lambda s: s.o.dept_a), "bob alice", "302 302 302 403 302 200")
write("approve the submitted ratings from the list", "admin/ratings/rating/", lambda s: RATINGS,
      _action("approve_selected", "a_submitted", "b_submitted"), _statuses("a_submitted", "b_submitted"), "alice",
      "302 302 302 200 302 302", after={"alice": ("approved", "approved")})
write("return the submitted ratings from the list", "admin/ratings/rating/", lambda s: RATINGS,
      _action("return_selected", "a_submitted", "b_submitted", **REASON), _statuses("a_submitted", "b_submitted"),
      "alice", "302 302 302 200 302 302", after={"alice": ("returned", "returned")})
write("submit both drafts from the list", "admin/ratings/rating/", lambda s: RATINGS,
      _action("submit_selected", "a_draft", "b_draft"), _statuses("a_draft", "b_draft"), "bob carol alice",
      "302 302 302 200 302 302",
      after={"bob": ("submitted", "draft"), "carol": ("draft", "submitted"), "alice": ("submitted", "submitted")})
write("delete both drafts from the list", "admin/ratings/rating/", lambda s: RATINGS,
      _action("delete_selected", "a_draft", "b_draft", post="yes"), _statuses("a_draft", "b_draft"),
      "bob carol alice", "302 302 302 200 302 302",
      after={"bob": ("deleted", "draft"), "carol": ("draft", "deleted"), "alice": ("deleted", "deleted")})
write("revert A's draft to an old version", "admin/ratings/rating/^([^/]+)/history/([^/]+)/$",
      lambda s: f"{RATINGS}{s.o.a_draft.pk}/history/{s.o.a_draft.history.order_by('history_id').first().history_id}/",
      lambda s: {"reason": "改回去"}, lambda s: s.o.a_draft.history.count(), "", "302 403 403 403 403 403")

PERIODS = "/admin/ratings/period/"
write("close April", "admin/ratings/period/<path:object_id>/close/", lambda s: f"{PERIODS}{s.o.april.pk}/close/",
      lambda s: {}, _period_status("april"), "alice", "302 403 403 403 302 404")
write("close March withdrawing its drafts (refused: ratings await review)",
      "admin/ratings/period/<path:object_id>/close/", lambda s: f"{PERIODS}{s.o.march.pk}/close/",
      lambda s: {"fate": "withdraw", "reason": "撤回"}, _statuses("a_draft", "b_returned"), "", "302 403 403 403 200 404")
write("close April carrying a draft", "admin/ratings/period/<path:object_id>/close/",
      lambda s: f"{PERIODS}{s.o.april.pk}/close/", lambda s: {"fate": "carry"}, _period_status("april"), "alice",
      "302 403 403 403 302 404", prepare=lambda s: _april_draft(s))
write("reopen February", "admin/ratings/period/<path:object_id>/reopen/",
      lambda s: f"{PERIODS}{s.o.february.pk}/reopen/", lambda s: {"reason": "复核"}, _period_status("february"),
      "alice", "302 403 403 403 302 404")
write("close April from the list", "admin/ratings/period/", lambda s: PERIODS, _action("close_selected", "april"),
      _period_status("april"), "alice", "302 200 200 200 302 302")
write("reopen February from the list", "admin/ratings/period/", lambda s: PERIODS,
      _action("reopen_selected", "february", **REASON), _period_status("february"), "alice", "302 200 200 200 302 302")
write("open May", "admin/ratings/period/add/", lambda s: f"{PERIODS}add/",
      lambda s: {"year": "2026", "month": "5"}, _count("ratings.Period", jurisdiction=lambda s: s.j1), "alice",
      "302 403 403 403 302 302")
write("delete April", "admin/ratings/period/<path:object_id>/delete/", lambda s: f"{PERIODS}{s.o.april.pk}/delete/",
      lambda s: {"post": "yes"}, _period_status("april"), "alice", "302 403 403 403 302 404")

REVIEW = "/admin/reviews/reviewrequest/"


def _case(what: str, field_name: str) -> Callable[[Scene], object]:
    def state(s: Scene):
        from casework.models import AssignmentForm, Report

        if what == "report":
            return getattr(Report.objects.get(pk=s.o.case_report_new.pk), field_name)
        form = AssignmentForm.objects.get(pk=s.o.case_form.pk)
        return getattr(form, field_name).count()
    return state


def _review(field_name: str) -> Callable[[Scene], object]:
    def state(s: Scene):
        from reviews.models import ReviewRequest

        return getattr(ReviewRequest.objects.get(pk=s.o.review.pk), field_name)
    return state


#                                                                                     anon bob carol leo alice olga una
write("B states on T01's review", "admin/reviews/reviewrequest/<int:request_id>/statement/",
      lambda s: f"{REVIEW}{s.o.review.pk}/statement/", lambda s: {"statement": "经核查，诉求确实超期"},
      _review("statement"), "carol", "302 404 302 403 403 404 302")
write("the office decides T01's review", "admin/reviews/reviewrequest/<int:request_id>/decide/",
      lambda s: f"{REVIEW}{s.o.review.pk}/decide/", lambda s: {"decision": "withdraw", "reason": "诉求已按时办结"},
      _review("status"), "alice", "302 404 403 403 302 404 302")
write("the office rejects J1's item", "admin/casework/report/<path:object_id>/triage/",
      lambda s: f"/admin/casework/report/{s.o.case_report_new.pk}/triage/",
      lambda s: {"action": "reject", "text": "不属于效能问题"}, _case("report", "state"),
      "alice", "302 403 403 403 302 404 302")
write("the office returns T01's reply", "admin/casework/assignmentform/<path:object_id>/act/",
      lambda s: f"/admin/casework/assignmentform/{s.o.case_form.pk}/act/",
      lambda s: {"action": "return", "text": "整改不到位"}, _case("form", "events"),
      "alice", "302 403 403 403 302 404 302")
_POSTED = {"service_code": "efficiency", "description": "窗口无人办理", "address_string": "淳溪街道"}
write("a system posts an item with J1's interface key", RQ, lambda s: f"{O311}requests.json",
      lambda s: {**_POSTED, "api_key": s.o.api_key_raw}, _count("casework.Report", channel="open311"),
      "anon bob carol leo alice olga una", "200 200 200 200 200 200 200")
write("a system posts an item without a key", RQ, lambda s: f"{O311}requests.xml", lambda s: dict(_POSTED),
      _count("casework.Report"), "", "403 403 403 403 403 403 403")
write("the office makes an interface key", "admin/casework/apikey/add/", lambda s: "/admin/casework/apikey/add/",
      lambda s: {"name": "新平台"}, _count("casework.ApiKey"), "alice olga", "302 403 403 403 302 302")
write("the office revokes J1's interface key", "admin/casework/apikey/", lambda s: "/admin/casework/apikey/",
      _action("revoke_keys", "api_key"),
      lambda s: s.o.api_key.__class__.objects.get(pk=s.o.api_key.pk).revoked_at is not None,
      "alice", "302 403 403 403 302 302")
def _work_orders_file(s):
    from django.core.files.uploadedfile import SimpleUploadedFile

    out = io.StringIO()
    csv.writer(out).writerows([["工单编号", "诉求内容", "承办单位", "办结时间"], ["W-NEW-1", "导入的工单", "T01", ""]])
    return {"file": SimpleUploadedFile("orders.csv", out.getvalue().encode("utf-8-sig"), content_type="text/csv")}


# J2's office posts a file naming T01, which is not J2's: it is told so and nothing is imported.
write("import work orders", "admin/casework/workorder/import/", lambda s: "/admin/casework/workorder/import/",
      _work_orders_file, _count("casework.WorkOrder", jurisdiction=lambda s: s.j1), "alice", "302 403 403 403 302 200")
write("T01 adds a note to its form", "desk/forms/<int:pk>/", lambda s: f"/desk/forms/{s.o.case_form.pk}/",
      lambda s: {"action": "note", "text": "补充说明"}, _case("form", "events"),
      "una", "302 403 403 403 403 403 302")
write("read bob's notification", "notifications/<str:notification_id>/read/",
      lambda s: f"/notifications/{s.o.bob_notification.pk}/read/", lambda s: {},
      lambda s: s.o.bob_notification.__class__.objects.get(pk=s.o.bob_notification.pk).read_at is not None,
      "bob", "302 302 404 404 404 404 404")
write("publish February", "admin/boards/boardmonth/<int:period_id>/publish/",
      lambda s: f"/admin/boards/boardmonth/{s.o.february.pk}/publish/", lambda s: {"note": ""},
      _count("boards.PublishRun", period=lambda s: s.o.february), "alice", "302 403 403 403 302 404")
write("publish February from the list", "admin/boards/boardmonth/", lambda s: "/admin/boards/boardmonth/",
      _action("publish_selected", "february"), _count("boards.PublishRun", period=lambda s: s.o.february), "alice",
      "302 403 403 200 302 302")
write("publish the year 2025 again, corrected", "admin/boards/publishedyear/publish/",
      lambda s: "/admin/boards/publishedyear/publish/",
      lambda s: {"year": "2025", "note": "更正：例外晋级", "jurisdiction": s.j1.pk},  # a fixed field, ignored
      _count("boards.PublishedYear", jurisdiction=lambda s: s.j1), "alice", "302 403 403 403 302 200",
      prepare=lambda s: _promote_t3_in_2025(s))
write("compute the 2026 scores", "admin/assessment/yearscore/rollup/", lambda s: "/admin/assessment/yearscore/rollup/",
      lambda s: {"year": "2026", "through_month": "", "jurisdiction": s.j1.pk},
      _count("assessment.RollupRun", jurisdiction=lambda s: s.j1),
      "alice", "302 403 403 403 302 302")


def _leo_t1_points(s: Scene):
    from evaluations.models import Assignment

    return Assignment.objects.get(round=s.o.ev_round, member=s.o.ev_member, unit=s.o.t1).points


def _round_state(s: Scene) -> str:
    from evaluations.models import Round

    return Round.objects.get(pk=s.o.ev_round.pk).state


write("leo grades T01 on his sheet", "evaluations/<str:pk>/", lambda s: f"/evaluations/{s.o.ev_round.pk}/",
      lambda s: {"action": "save", f"grade-{s.o.t1.pk}": "3"}, _leo_t1_points, "leo", "302 404 404 302 404 404 404")
write("the office closes the leaders' round", "admin/evaluations/round/<str:pk>/board/",
      lambda s: f"/admin/evaluations/round/{s.o.ev_round.pk}/board/", lambda s: {"action": "close"}, _round_state,
      "alice", "302 403 403 403 302 404")
write("a resident answers the survey with a code", "survey/<str:token>/",
      lambda s: f"/survey/{s.o.ev_survey.token}/", lambda s: {"code": s.o.ev_code, f"level-{s.o.t1.pk}": "0"},
      _count("evaluations.Response"), " ".join(PERSONAS), "302 302 302 302 302 302 302")
write("T01 answers leo's daily evaluation", "desk/daily/", lambda s: "/desk/daily/",
      lambda s: {"evaluation": s.o.ev_daily.pk, "reply": "已整改"}, _count("evaluations.DailyEvaluation",
                                                                          replied_at__isnull=False),
      "una", "302 403 403 403 403 403 302")

write("import ratings", "admin/ratings/rating/process_import/", lambda s: f"{RATINGS}process_import/",
      _import_confirmation("ratings_rating", ["月份", "职能管理部门", "被考核单位", "类型", "认定条目", "事由", "较大影响"],
                           [["2026-03", "ZJJ", "T01", "红旗", "H01", "导入的认定", ""]]),
      J1_RATINGS, "alice", "302 403 403 403 302 302")
write("import organisations", "admin/departments/organisation/process_import/",
      lambda s: "/admin/departments/organisation/process_import/",
      _import_confirmation("departments_organisation", ["编码", "名称", "类别", "角色"],
                           [["T10", "漆桥街道", "街道", "被考核单位"]]),
      J1_ORGS, "alice", "302 403 403 403 302 302")
write("import criteria", "admin/ratings/criterion/process_import/",
      lambda s: "/admin/ratings/criterion/process_import/",
      _import_confirmation("ratings_criterion", ["编码", "内容", "类型", "年度"], [["H02", "导入的条目", "红旗", "2026"]]),
      _count("ratings.Criterion", rulebook__jurisdiction=lambda s: s.j1), "alice", "302 403 403 403 302 302")

write("import calendar days", "admin/workdays/calendarday/process_import/",
      lambda s: "/admin/workdays/calendarday/process_import/",
      _import_confirmation("workdays_calendarday", ["日期", "类型", "说明"], [["2031-02-03", "休息日", "春节"]]),
      _count("workdays.CalendarDay"), "alice olga", "302 403 403 403 302 302")
write("add a unit", "admin/departments/organisation/add/", lambda s: "/admin/departments/organisation/add/",
      lambda s: {"code": "T20", "name": "新增街道", "category": s.o.category.pk, "role": "unit", "is_active": "on"},
      J1_ORGS, "alice", "302 403 403 403 302 200")
write("rename a unit", "admin/departments/organisation/<path:object_id>/change/",
      lambda s: f"/admin/departments/organisation/{s.o.t1.pk}/change/",
      lambda s: office_form(s, f"/admin/departments/organisation/{s.o.t1.pk}/change/", name="改名街道"),
      lambda s: s.o.t1.__class__.objects.get(pk=s.o.t1.pk).name, "alice", "302 403 403 403 302 404")
write("retire a unit", "admin/departments/organisation/", lambda s: "/admin/departments/organisation/",
      _action("retire", "t1"), lambda s: s.o.t1.__class__.objects.get(pk=s.o.t1.pk).is_active, "alice",
      "302 200 200 200 302 302")
write("change the rule book", "admin/ratings/rulebook/<path:object_id>/change/",
      lambda s: f"/admin/ratings/rulebook/{s.o.rulebook.pk}/change/",
      lambda s: office_form(s, f"/admin/ratings/rulebook/{s.o.rulebook.pk}/change/", red_flag_points="2"),
      lambda s: str(s.o.rulebook.__class__.objects.get(pk=s.o.rulebook.pk).red_flag_points), "alice",
      "302 403 403 403 302 404")
write("rename the jurisdiction", "admin/departments/jurisdiction/<path:object_id>/change/",
      lambda s: f"/admin/departments/jurisdiction/{s.j1.pk}/change/",
      lambda s: office_form(s, f"/admin/departments/jurisdiction/{s.j1.pk}/change/", name="改名辖区"),
      lambda s: s.j1.__class__.objects.get(pk=s.j1.pk).name, "alice", "302 403 403 403 302 404")
write("record a promotion", "admin/assessment/gradeadjustment/add/", lambda s: "/admin/assessment/gradeadjustment/add/",
      lambda s: {"year": "2026", "unit": s.o.t2.pk, "kind": "promotion", "reason": "抢险有功"},
      _count("assessment.GradeAdjustment", jurisdiction=lambda s: s.j1), "alice", "302 403 403 403 302 200")
write("withdraw the veto", "admin/assessment/gradeadjustment/<path:object_id>/delete/",
      lambda s: f"/admin/assessment/gradeadjustment/{s.o.veto.pk}/delete/", lambda s: {"post": "yes"},
      _count("assessment.GradeAdjustment", jurisdiction=lambda s: s.j1), "alice", "302 403 403 403 302 404")
write("delete bob's account", "admin/auth/user/", lambda s: "/admin/auth/user/",
      lambda s: {"action": "delete_selected", "index": "0", "post": "yes", "_selected_action": [s.users["bob"].pk]},
      _count("auth.User", username="bob"), "alice", "302 403 403 403 302 302")
write("add an account", "admin/auth/user/add/", lambda s: "/admin/auth/user/add/",
      lambda s: {"username": "newbie", "password1": "Zq-长而难猜的口令-2026", "password2": "Zq-长而难猜的口令-2026",
                 "usable_password": "true", "profile-TOTAL_FORMS": "0", "profile-INITIAL_FORMS": "0"},
      _count("auth.User", profile__jurisdiction=lambda s: s.j1), "alice", "302 403 403 403 302 302")

TASKS = "/admin/django_celery_beat/periodictask/"
SCHEDULED = lambda s: s.o.periodic_task.__class__.objects.get(pk=s.o.periodic_task.pk)  # noqa: E731
write("run the scheduled publication now", "admin/django_celery_beat/periodictask/", lambda s: TASKS,
      _action("run_tasks", "periodic_task"), _period_status("february"), "", "302 403 403 403 200 200")
write("switch the scheduled publication on", "admin/django_celery_beat/periodictask/", lambda s: TASKS,
      _action("enable_tasks", "periodic_task"), lambda s: SCHEDULED(s).enabled, "", "302 403 403 403 200 200")
write("make the scheduled task run something else", "admin/django_celery_beat/periodictask/<path:object_id>/change/",
      lambda s: f"{TASKS}{s.o.periodic_task.pk}/change/", lambda s: _task_change(s),
      lambda s: (SCHEDULED(s).task, SCHEDULED(s).args, SCHEDULED(s).enabled), "", "302 403 403 403 403 403")
write("add a periodic task", "admin/django_celery_beat/periodictask/add/", lambda s: f"{TASKS}add/",
      lambda s: _task_change(s, name="每分钟重算"), _count("django_celery_beat.PeriodicTask"), "",
      "302 403 403 403 403 403")
write("change a crontab", "admin/django_celery_beat/crontabschedule/<path:object_id>/change/",
      lambda s: f"/admin/django_celery_beat/crontabschedule/{s.o.crontab.pk}/change/",
      lambda s: office_form(s, f"/admin/django_celery_beat/crontabschedule/{s.o.crontab.pk}/change/", superuser=True,
                            minute="*", hour="*", day_of_month="*"),
      lambda s: str(s.o.crontab.__class__.objects.get(pk=s.o.crontab.pk)), "", "302 403 403 403 403 403")

write("unlock bob's login", "admin/accounts/loginlockout/", lambda s: "/admin/accounts/loginlockout/",
      _action("unlock", "bob_lockout"), _count("axes.AccessAttempt", username="bob"), "alice",
      "302 403 403 403 302 302")

CALENDAR = "/admin/workdays/calendarday/"
CALENDAR_DAY = lambda s: s.o.calendar_day.__class__.objects.filter(pk=s.o.calendar_day.pk)  # noqa: E731
write("calendarday: add a holiday", "admin/workdays/calendarday/add/", lambda s: f"{CALENDAR}add/",
      lambda s: {"date": "2031-02-01", "note": "春节"}, _count("workdays.CalendarDay"), "alice olga",
      "302 403 403 403 302 302")
write("calendarday: make the day a working day", "admin/workdays/calendarday/<path:object_id>/change/",
      lambda s: f"{CALENDAR}{s.o.calendar_day.pk}/change/",
      lambda s: {"date": "2031-01-01", "is_working": "on", "note": "元旦"},
      lambda s: CALENDAR_DAY(s).get().is_working, "alice olga", "302 403 403 403 302 302")
write("calendarday: delete the day", "admin/workdays/calendarday/<path:object_id>/delete/",
      lambda s: f"{CALENDAR}{s.o.calendar_day.pk}/delete/", lambda s: {"post": "yes"},
      lambda s: CALENDAR_DAY(s).exists(), "alice olga", "302 403 403 403 302 302")


def _task_change(scene: Scene, name: str | None = None) -> dict:
    """The whole form of a periodic task, pointed at another task with arguments."""
    task = scene.o.periodic_task
    return {
        "name": name or task.name, "regtask": "ratings.tasks.year_rollup_task", "task": "", "enabled": "on",
        "description": "", "crontab": task.crontab_id, "args": f"[{scene.o.rollup_run.pk}]", "kwargs": "{}",
        "expire_seconds": "", "queue": "", "exchange": "", "routing_key": "", "priority": "", "headers": "{}",
    }


def _promote_t3_in_2025(scene: Scene) -> None:
    """A change to the 2025 grades, so that publishing the year again makes a new revision."""
    from assessment import services as scoring

    scoring.grade_adjustment_record(unit=scene.o.t3, year=2025, kind="promotion", reason="例外晋级")


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("change", WRITES, ids=[w.name for w in WRITES])
def test_each_write_succeeds_for_exactly_the_people_who_may_make_it(scene, as_persona, change, persona):
    if change.prepare is not None:
        change.prepare(scene)
    data = change.data(scene)
    before = change.state(scene)
    response = as_persona(persona).post(change.url(scene), data)
    after = change.state(scene)
    problems = []
    if response.status_code != change.expected[persona]:
        problems.append(f"status {response.status_code}, expected {change.expected[persona]}")
    if persona in change.allowed:
        if after == before:
            problems.append("nothing changed")
        elif persona in change.after and after != change.after[persona]:
            problems.append(f"changed to {after}, not {change.after[persona]}")
    elif after != before:
        problems.append(f"changed {before} to {after}")
    text = body_text(response)
    problems += [f"shows {m.token}" for m in forbidden_in_admin(persona) if m.token in text]
    assert problems == [], (persona, change.name)


def test_every_write_is_on_a_route_of_the_table():
    assert sorted({w.route for w in WRITES} - {c.route for c in CASES}) == []


def _single_jurisdiction(scene: Scene) -> None:
    """Take the second jurisdiction away (inside the test's savepoint)."""
    from django.contrib.auth.models import User

    from boards.models import Edition, PublishRun
    from casework.models import Report
    from departments.models import Category, Organisation
    from assessment.models import RollupRun, YearScore
    from ratings.models import Evidence, Period, Rating, RuleBook

    j2 = scene.j2
    Report.objects.filter(jurisdiction=j2).delete()
    Evidence.objects.filter(rating__period__jurisdiction=j2).delete()
    Rating.objects.filter(period__jurisdiction=j2).delete()
    PublishRun.objects.filter(jurisdiction=j2).delete()
    Edition.objects.filter(jurisdiction=j2).delete()
    YearScore.objects.filter(jurisdiction=j2).delete()
    RollupRun.objects.filter(jurisdiction=j2).delete()
    Period.objects.filter(jurisdiction=j2).delete()
    User.objects.filter(username="olga").delete()
    Organisation.objects.filter(jurisdiction=j2).delete()
    Category.objects.filter(jurisdiction=j2).delete()
    RuleBook.objects.filter(jurisdiction=j2).delete()
    j2.delete()


def test_with_one_jurisdiction_the_office_switches_the_scheduled_publication_but_runs_nothing(scene, as_persona):
    _single_jurisdiction(scene)
    task = scene.o.periodic_task
    client = as_persona(ALICE)
    page = client.get(f"{TASKS}{task.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' in page.content.decode()
    assert client.get(f"{TASKS}add/").status_code == 403
    assert "run_tasks" not in dict(client.get(TASKS).context["action_form"].fields["action"].choices)

    # What the task runs stays; whether and when it runs is the office's to say.
    changed = client.post(f"{TASKS}{task.pk}/change/", _task_change(scene))
    assert changed.status_code == 302, changed.context["adminform"].form.errors
    task.refresh_from_db()
    assert (task.task, task.args, task.enabled) == ("boards.tasks.publish_pending_task", "[]", True)
    crontab = f"/admin/django_celery_beat/crontabschedule/{scene.o.crontab.pk}/change/"
    assert client.post(crontab, office_form(scene, crontab, day_of_month="12")).status_code == 302
    assert scene.o.crontab.__class__.objects.get(pk=scene.o.crontab.pk).day_of_month == "12"

    # Running it at once is a command over HTTP: refused, and February stays unpublished.
    client.post(TASKS, _action("run_tasks", "periodic_task")(scene))
    assert _period_status("february")(scene) == "closed"
    for persona in (BOB, LEO):
        assert as_persona(persona).get(f"{TASKS}{task.pk}/change/").status_code == 403


# Commands --------------------------------------------------------------------------------------

# Every management command of the project, and the admin views that do the same work for
# the office (or None: a command only the server's operator runs).
COMMANDS = {
    "import_org": ("admin/departments/organisation/import/", "admin/departments/organisation/process_import/"),
    "import_rulebook": ("admin/ratings/criterion/import/", "admin/ratings/criterion/process_import/"),
    "import_ratings": ("admin/ratings/rating/import/", "admin/ratings/rating/process_import/"),
    "close_month": ("admin/ratings/period/<path:object_id>/close/", "admin/ratings/period/<path:object_id>/reopen/"),
    "rollup_year": ("admin/assessment/yearscore/rollup/", "admin/assessment/yearscore/rollup/<int:run_id>/"),
    "rollup_province": None,  # every jurisdiction at once: the province's operator's, never one office's
    "export_scores": ("admin/assessment/yearscore/workbook/", "admin/assessment/yearscore/export/"),
    "import_scorecard": ("admin/assessment/scorecard/import/",),
    "import_results": ("admin/assessment/scorecard/import/", "desk/items/<int:pk>/"),
    "publish_board": ("admin/boards/boardmonth/<int:period_id>/publish/", "admin/boards/publishedyear/publish/"),
    "seed_demo": None,  # demo data for a fresh installation: the operator's, never the office's
    # Accounts in bulk, with their initial passwords in a file: the operator runs it for the
    # office; in the admin the office adds accounts one at a time.
    "import_users": None,
    "import_workorders": ("admin/casework/workorder/import/",),
    "import_calendar": ("admin/workdays/calendarday/import/", "admin/workdays/calendarday/process_import/"),
}
PROJECT_APPS = ("departments", "ratings", "assessment", "boards", "dashboard", "config", "workdays", "notifications", "reviews",
                "casework", "evaluations", "desk")


def _project_commands() -> dict[str, str]:
    from django.core.management import get_commands

    return {name: app for name, app in get_commands().items() if app.split(".")[0] in PROJECT_APPS}


def _callbacks(patterns=None) -> list:
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            found += _callbacks(pattern.url_patterns)
        else:
            found.append(pattern.callback)
    return found


def test_no_management_command_is_reachable_over_http():
    import inspect

    assert sorted(_project_commands()) == sorted(COMMANDS)  # a new command must be placed here
    for callback in _callbacks():
        view = inspect.unwrap(callback)
        module = inspect.getmodule(getattr(view, "__func__", view)) or inspect.getmodule(type(view))
        assert ".management." not in module.__name__, module.__name__
        if module.__name__.split(".")[0] in PROJECT_APPS:
            assert "call_command" not in inspect.getsource(module), module.__name__


def test_the_admin_views_that_do_a_commands_work_are_rows_of_the_table():
    routes = {case.route for case in CASES}
    for command, views in COMMANDS.items():
        for route in views or ():
            assert route in routes, (command, route)


# The public doors that take something in: a citizen's report (tests/test_casework.py checks
# what it keeps); posted empty, each refuses it as incomplete and keeps nothing.
PUBLIC_WRITE_DOORS = {"report/", "j/<slug:jurisdiction>/report/", "report/s/<str:token>/", "survey/<str:token>/"}
KEYED_WRITE_DOORS = {RQ}  # Open311: a POST without an interface key is refused (403)


def test_every_public_address_only_reads(scene, client, db):
    # POST, PUT, DELETE are refused before anything runs (the feed answers every method alike).
    refused = [case.url(scene) for case in CASES if case.public
               and case.route not in PUBLIC_WRITE_DOORS | KEYED_WRITE_DOORS
               and not case.url(scene).rstrip("/").endswith("feed")]
    assert refused
    answers = {url: client.post(url).status_code for url in refused}
    assert {url: code for url, code in answers.items() if code != 405} == {}


def test_the_keyed_doors_refuse_a_post_without_a_key_and_keep_nothing(scene, client, db):
    from casework.models import Report

    before = Report.objects.count()
    doors = [case.url(scene) for case in CASES if case.route in KEYED_WRITE_DOORS]
    assert doors and {u: client.post(u).status_code for u in doors} == {u: 403 for u in doors}
    assert Report.objects.count() == before


def test_the_public_doors_that_take_a_report_keep_nothing_from_an_empty_post(scene, client, db):
    from casework.models import Report

    before = Report.objects.count()
    doors = [case.url(scene) for case in CASES if case.route in PUBLIC_WRITE_DOORS and case.expected["anon"] == 200]
    assert {url: client.post(url).status_code for url in doors} == {url: 400 for url in doors}
    assert Report.objects.count() == before
