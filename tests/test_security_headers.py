"""Security headers and the Content-Security-Policy, on the pages each role opens.

Every response says nosniff, same-origin referrers, no framing, its own browsing context
group and no camera, microphone or location. Every HTML page carries the policy, and its
markup holds nothing the policy would block: no inline script (JSON data blocks are data,
not script), no inline event handler (onclick=…), no <style> element. That the charts
then draw with no console error is checked in a real browser (tests/browser/).

Personas (conftest): the public (anonymous), bob rates for department A, leo leads,
alice works in the efficiency office.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.urls import reverse
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from boards import services as board_services
from boards.models import PublishRun
from ratings import rules
from assessment.models import RollupRun
from ratings.models import Evidence, Period
from tests.board_support import _board_cache, approved, close, draft, fast_pdf  # noqa: F401
from tests.factories import default_jurisdiction

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "style-src-elem": "'self'",
    "style-src-attr": "'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


class InlineCode(HTMLParser):
    """What in a page a strict policy would refuse to run or apply."""

    def __init__(self) -> None:
        super().__init__()
        self.inline_scripts: list[str] = []
        self.handlers: list[str] = []
        self.style_elements = 0
        self._script: dict | None = None
        self.json_blocks = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.handlers += [f"<{tag} {name}=…>" for name in attrs if name.startswith("on")]
        self.handlers += [f"<{tag} {name}=javascript:…>" for name, value in attrs.items()
                          if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:")]
        if tag == "script":
            self._script = attrs
        if tag == "style":
            self.style_elements += 1

    def handle_data(self, data):
        if self._script is not None and data.strip():
            if self._script.get("type") == "application/json":
                self.json_blocks += 1
            elif not self._script.get("src"):
                self.inline_scripts.append(data.strip()[:80])

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def inline_code(response) -> InlineCode:
    parser = InlineCode()
    parser.feed(response.content.decode())
    return parser


def assert_secure_headers(response) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in permissions
    assert "fullscreen=(self)" in permissions  # the lobby screen asks for it


@pytest.fixture
def site(alice, bob, dept_a, dept_b, town, town2, january, february, fast_pdf):
    """A published January (with a flag and a light), a draft of bob's in February,
    a publication and a roll-up to watch, and the scheduled publication's task."""
    approved(january, dept_a, town, rules.RED_FLAG, "主动承办疑难工单9件", office=alice)
    approved(january, dept_b, town2, rules.YELLOW_LIGHT, "随意退单6件", office=alice)
    close(january, alice)
    board_services.edition_publish(period=january, by=alice)
    rating = draft(february, dept_a, town, rules.RED_FLAG, "按时办结", by=bob)
    jurisdiction = default_jurisdiction()
    crontab = CrontabSchedule.objects.create(minute="0", hour="9", day_of_month="10")
    return {
        "rating": rating,
        "publish_run": PublishRun.objects.create(jurisdiction=jurisdiction, period=january, created_by=alice),
        "rollup_run": RollupRun.objects.create(jurisdiction=jurisdiction, year=2026, created_by=alice),
        "task": PeriodicTask.objects.create(name="每月发布", task="boards.tasks.publish_pending_task",
                                            crontab=crontab, enabled=False),
    }


def url_of(name: str, site: dict) -> str:
    """The pages, by name: public board, dashboard, admin."""
    return {
        "board home": "/",
        "board edition": "/2026/01/",
        "board archive": "/archive/",
        "board units": "/units/",
        "board unit": "/units/T01/",
        "board lobby": "/lobby/",
        "open data": "/data/",
        "login": reverse("admin:login"),
        "dashboard": reverse("dashboard:index"),
        "dashboard drill-down": reverse("dashboard:ratings"),
        "admin index": reverse("admin:index"),
        "rating list": reverse("admin:ratings_rating_changelist"),
        "rating add": reverse("admin:ratings_rating_add"),
        "rating change": reverse("admin:ratings_rating_change", args=[site["rating"].pk]),
        "rating history": reverse("admin:ratings_rating_history", args=[site["rating"].pk]),
        "rating export": reverse("admin:ratings_rating_export"),
        "period list": reverse("admin:ratings_period_changelist"),
        "board months": reverse("admin:boards_boardmonth_changelist"),
        "publish progress": reverse("admin:boards_publishrun_progress", args=[site["publish_run"].pk]),
        "roll-up progress": reverse("admin:assessment_yearscore_rollup_progress", args=[site["rollup_run"].pk]),
        "year scores": reverse("admin:assessment_yearscore_changelist"),
        "user add": reverse("admin:auth_user_add"),
        "periodic task": reverse("admin:django_celery_beat_periodictask_change", args=[site["task"].pk]),
        "login lockouts": reverse("admin:accounts_loginlockout_changelist"),
    }[name]


PUBLIC = ["board home", "board edition", "board archive", "board units", "board unit", "board lobby",
          "open data", "login"]
CASES = (
    [("anon", page, 200) for page in PUBLIC]
    + [("leo", page, 200) for page in ("dashboard", "dashboard drill-down", "admin index", "rating list",
                                        "period list", "board months", "year scores")]
    + [("bob", page, 200) for page in ("admin index", "rating list", "rating add", "rating change",
                                        "rating history", "period list")]
    + [("bob", "dashboard", 403)]
    + [("alice", page, 200) for page in ("dashboard", "dashboard drill-down", "admin index", "rating list",
                                          "rating add", "rating change", "rating history", "rating export",
                                          "period list", "board months", "publish progress", "roll-up progress",
                                          "year scores", "user add", "periodic task", "login lockouts")]
)


@pytest.mark.parametrize("who, page, status", CASES)
def test_every_page_carries_the_policy_and_nothing_in_it_would_be_blocked(client, request, site, who, page, status):
    if who != "anon":
        client.force_login(request.getfixturevalue(who))
    response = client.get(url_of(page, site))
    assert response.status_code == status
    assert directives(response["Content-Security-Policy"]) == POLICY
    assert_secure_headers(response)
    found = inline_code(response)
    assert found.inline_scripts == []
    assert found.handlers == []
    assert found.style_elements == 0


def template_markup(path: Path) -> str:
    """A template's markup, without its comments (which may well mention <style>)."""
    text = re.sub(r"{% comment %}.*?{% endcomment %}", "", path.read_text(), flags=re.S)
    return re.sub(r"{#.*?#}", "", text, flags=re.S)


def test_no_template_of_ours_holds_inline_script_event_handlers_or_styles():
    # Also the pages no test above opens. edition_pdf.html only ever goes to WeasyPrint.
    offending = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.name == "edition_pdf.html":
            continue
        markup = template_markup(path)
        for pattern in (r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", r"\son[a-z]+\s*=", r"<style",
                        r"\sstyle\s*=", r"javascript:"):
            offending += [f"{path.relative_to(TEMPLATES)}: {match}" for match in re.findall(pattern, markup)]
    assert offending == []


def test_the_dashboard_hands_its_chart_data_over_as_json_not_as_script(client, site, leo):
    client.force_login(leo)
    found = inline_code(client.get(reverse("dashboard:index")))
    assert found.json_blocks >= 1 and found.inline_scripts == []


def test_the_progress_bars_are_styled_by_a_stylesheet_not_inline(client, site, alice):
    client.force_login(alice)
    for page in ("publish progress", "roll-up progress"):
        body = client.get(url_of(page, site)).content.decode()
        assert 'class="lb-progress"' in body
        assert "admin-extra/csp.css" in body
        assert "<progress" in body and "style=" not in body.split("<progress", 1)[1].split(">", 1)[0]


def test_a_change_list_without_action_bars_gets_its_rule_from_a_stylesheet(client, site, alice, monkeypatch):
    # Django's change list adds a <style> element when a list shows no action bar.
    period_admin = admin.site._registry[Period]
    monkeypatch.setattr(period_admin, "actions_on_top", False)
    monkeypatch.setattr(period_admin, "actions_on_bottom", False)
    client.force_login(alice)
    body = client.get(reverse("admin:ratings_period_changelist")).content.decode()
    assert "lb-no-actions" in body and "<style" not in body


def test_the_export_page_wires_its_select_all_box_from_a_file(client, site, alice):
    client.force_login(alice)
    body = client.get(url_of("rating export", site)).content.decode()
    assert 'class="select-toggle"' in body and "onchange" not in body
    assert "admin-extra/export_select_all.js" in body


def test_the_periodic_task_form_reads_its_schedules_from_a_data_block(client, site, alice):
    client.force_login(alice)
    found = inline_code(client.get(url_of("periodic task", site)))
    assert found.json_blocks == 1 and found.inline_scripts == []


@pytest.mark.parametrize("url", ["/static/admin-extra/liangbang.css", "/healthz", "/2026/01/board.json",
                                 "/2026/01/board.csv", "/feed/", "/lobby/status.json"])
def test_other_responses_carry_the_security_headers_too(client, site, url):
    response = client.get(url)
    assert response.status_code == 200
    assert_secure_headers(response)
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_a_pdf_is_left_to_the_browsers_own_viewer(client, site):
    response = client.get("/2026/01/board.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "Content-Security-Policy" not in response
    assert_secure_headers(response)


def test_the_evidence_download_keeps_its_own_stricter_policy(client, site, bob):
    evidence = Evidence(rating=site["rating"], original_name="说明.txt", uploaded_by=bob)
    evidence.file.save("note.txt", ContentFile("<script>alert(1)</script>".encode()), save=False)
    evidence.save()
    client.force_login(bob)
    response = client.get(reverse("ratings:evidence_download", args=[evidence.pk]))
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == "'none'" and "sandbox" in policy
    assert "script-src" not in policy  # the site's policy did not replace it
    assert_secure_headers(response)


# Sessions and CSRF ----------------------------------------------------------------------------------


def test_the_session_cookie_is_for_this_browser_session_only_and_never_for_scripts(client, bob):
    response = client.post(reverse("admin:login"), {"username": "bob", "password": "pw-bob", "next": "/admin/"})
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["expires"] and not cookie["max-age"]  # gone when the browser closes
    # … and over on the server after a working day, however long the browser stays open.
    assert client.session.get_expiry_age() == 8 * 3600


def test_the_csrf_cookie_is_never_for_scripts_and_stays_on_this_site(client):
    response = client.get(reverse("admin:login"))
    cookie = response.cookies["csrftoken"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_a_post_without_the_csrf_token_is_refused(bob):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("admin:login"), {"username": "bob", "password": "pw-bob"})
    assert response.status_code == 403
    assert "_auth_user_id" not in strict.session


def test_logging_out_takes_a_post_a_link_cannot_log_anyone_out(client, bob):
    client.force_login(bob)
    assert client.get(reverse("admin:logout")).status_code == 405
    assert "_auth_user_id" in client.session
    assert client.post(reverse("admin:logout")).status_code == 200
    assert "_auth_user_id" not in client.session
