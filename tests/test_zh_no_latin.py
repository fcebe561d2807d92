"""Every screen speaks Chinese: no English word reaches a zh-hans reader.

One person of each role of the role matrix (tests/roles_matrix_data.py) — the citizen, a
department's rater, the leader and the efficiency office — opens, in zh-hans, every
address of the matrix's table (tests/test_role_matrix.py, which lists every URL pattern),
the admin's exports as a browser posts them and, for the citizen, the login page after a
failed login; then follows the links those pages show on our own host, a bounded number
per person. The error pages that no address reaches (400, 500, the CSRF refusal) are
rendered in each frame.

On each page the *visible* text is read: the text of the document (the <title> included;
<script>, <style> and <code> — what a program reads — left out), and what the browser
shows or reads aloud from attributes: ``title``, ``alt``, ``placeholder``, ``aria-label``,
the value of a button, the label of an option group. Text hidden for the eye but read by a
screen reader (the admin's ``visually-hidden`` headings) is text like any other. An
exported file is read too: its name, its sheet titles, its cells; a feed, its titles and
summaries; the board's PDF, its text. JSON is a data format, and is not read.

A Latin-script word fails the test unless it is a code or a number (a word with a digit:
``H01``, ``r2``, ``SHA-256``; an identifier by its form: ``red_flag``; a time zone's
name), a word of the scene's data (codes, names, reasons, user names, the periodic
task's dotted path, the browser strings of the login records), a file extension, or one
of the few words of ``ALLOWED`` below, each with its reason. The failure lists each word
with the pages (person, address) and the text around it, so that a page added later that
shows English says at once where.

The admin's scripts (calendar, clock, filter boxes, actions) take their words from the
JavaScript catalogue: every string they ask for must have a Chinese translation there.
"""

from __future__ import annotations

import io
import re
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import pytest
from django.db import transaction
from django.test import Client, RequestFactory, override_settings
from django.urls import Resolver404, resolve

from tests.board_support import _board_cache, pdf_text, response_bytes  # noqa: F401
from tests.roles_matrix_data import Scene, build_scene
from tests.test_role_matrix import CASES

pytestmark = pytest.mark.filterwarnings("ignore:The 'get_valid_export_item_pks:DeprecationWarning")

ZH = "zh-hans"

# Words that are not English to a Chinese reader of this product, each for its reason.
ALLOWED = {
    "PDF": "the board's printable file; written so on Chinese government sites",
    "Excel": "the office's spreadsheet program, by its name",
    "Word": "the office's word processor, by its name (the circular is a Word document)",
    "CSV": "the open data format, by its name (Chinese portals write CSV)",
    "JSON": "the open data format, by its name",
    "Atom": "the feed format, by its name, beside its Chinese name 订阅",
    "IP": "an IP address (IP 地址), as every Chinese network form says",
    "Cookie": "what the browser's own settings call it in Chinese (Cookie 及网站数据)",
    "KB": "a file's size, as Chinese writes it",
    "BOM": "as Chinese Windows names the encoding (带有 BOM 的 UTF-8)",
    "MB": "a file's size, as Chinese writes it",
    "JavaScript": "what the browser's own settings call it in Chinese (允许 JavaScript)",
    "Ctrl": "the key, by the letters printed on it",
}
# File extensions, as in a file name or the list of accepted evidence types.
EXTENSIONS = {"pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "txt", "ofd", "csv", "json",
              "mp4", "mov", "3gp", "webm", "mp3", "m4a", "wav", "amr", "aac"}  # a phone's video and audio
# The time zones' names (Asia/Shanghai) are codes, as the time zone menu lists them.
TIME_ZONES = {part for name in zoneinfo.available_timezones() for part in re.split(r"[/ ]", name.replace("_", " "))}

# The text of the data that pages show as it was typed (codes, names, reasons, user
# names, the scheduled task's dotted path, the login records' browser strings).
DATA_FIELDS = {
    "auth.User": ("username", "first_name", "last_name", "email"),
    "django_celery_beat.PeriodicTask": ("name", "task", "args", "kwargs", "queue", "description"),
    "django_celery_beat.CrontabSchedule": ("timezone",),
    "departments.Jurisdiction": ("code", "name"),
    "casework.ApiKey": ("name", "prefix"),
    "casework.Report": ("title", "description", "location", "reporter_name", "external_ref"),
    "casework.ReportFile": ("original_name",),
    "casework.Reply": ("text",),
    "casework.AssignmentForm": ("title", "problem", "requirement"),
    "casework.FormEvent": ("text",),
    "casework.EventFile": ("original_name",),
    "casework.Supervisor": ("name", "affiliation"),
    "casework.WorkOrder": ("number", "content"),
    "departments.Category": ("name",),
    "departments.Organisation": ("code", "name"),
    "ratings.RuleBook": ("title",),
    "ratings.Criterion": ("code", "text"),
    "ratings.Period": ("reopen_reason",),
    "ratings.Rating": ("reason", "return_reason", "withdrawn_reason"),
    "ratings.Evidence": ("original_name",),
    "assessment.Scorecard": ("name",),
    "assessment.ScorecardItem": ("code", "name"),
    "assessment.GradeAdjustment": ("reason",),
    "assessment.RollupRun": ("task_id",),
    "boards.Edition": ("correction_note", "jurisdiction_name"),
    "boards.PublishRun": ("note", "task_id"),
    "accounts.LoginLockout": ("user_agent", "username", "http_accept", "path_info"),
    "accounts.LoginRecord": ("user_agent", "username", "http_accept", "path_info"),
    "workdays.CalendarDay": ("note",),
    "reviews.ReviewRequest": ("reason", "statement", "decision_reason"),
    "reviews.ReviewAttachment": ("original_name",),
    "notifications.Notification": ("title", "body"),
    "notifications.Delivery": ("address", "last_error"),
    "evaluations.EvaluatorGroup": ("name",),
    "evaluations.Member": ("title",),
    "evaluations.Round": ("name", "item_code"),
    "evaluations.Assignment": ("comment",),
    "evaluations.Highlight": ("text",),
    "evaluations.HighlightPicture": ("original_name",),
    "evaluations.Survey": ("name", "intro", "item_code", "token"),
    "evaluations.InvitationCode": ("code",),
    "evaluations.Suggestion": ("text",),
    "evaluations.DailyEvaluation": ("text", "suggestion", "reply"),
}
# Codes shown in another form than stored: a tracking code and an invitation code are
# printed in groups ("K7M2P-9QRT4"), and as stored on a history's version page; one
# without a digit is still a code.
DISPLAYED_CODES = {
    "casework.Report": ("code", "casework.rules", "tracking_code_display"),
    "evaluations.InvitationCode": ("code", "evaluations.rules", "code_display"),
}

# A word: letters and digits, joined by inner hyphens, dots or underscores (SHA-256,
# UTF-8, boards.tasks.publish_pending_task and H01 are one word each).
# Latin letters, accented ones too; not × and ÷ (U+00D7, U+00F7), which sit among them in
# Latin-1 and are the arithmetic of the scorecard's lines ("90% × 10分").
LETTERS = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
WORD = re.compile(rf"[0-9{LETTERS}]+(?:[-_.][0-9{LETTERS}]+)*(?P<masked>\*+)?")
LATIN = re.compile(rf"[{LETTERS}]")

# The people of the role matrix, one of each role (carol and olga see the same pages as
# bob and alice, with other data). The superuser who installs the product is not a user
# of it: its pages for him alone (permissions, the library's own schedules) are left out.
PERSONS = ("anon", "bob", "leo", "alice")
MAX_PAGES = 400  # links followed per person, beyond the table's addresses
PER_SHAPE = 2  # addresses of one route with the same query keys (filters, sorting, pages)
NOT_FOLLOWED = ("/static/", "/media/", "/i18n/", "/admin/logout/", "/ratings/evidence/")


def word_matches(text: str) -> list[re.Match]:
    """The Latin-script words of a text; a masked secret (``tF*****``, a password's salt) is none."""
    return [m for m in WORD.finditer(text) if LATIN.search(m.group(0)) and not m.group("masked")]


def words(text: str) -> list[str]:
    return [m.group(0) for m in word_matches(text)]


def foreign(word: str, data: set[str]) -> bool:
    """A Latin-script word that is not a code, a number, data, an extension or allowed.

    A code is a word with a digit (H01, r2, SHA-256), an identifier by its form
    (red_flag, correction_note: what a program reads), a file's name (board.json) or a
    time zone's name."""
    if any(ch.isdigit() for ch in word) or "_" in word or word in TIME_ZONES:
        return False
    if "." in word and word.rsplit(".", 1)[1].lower() in EXTENSIONS:
        return False
    return word not in ALLOWED and word.lower() not in EXTENSIONS and word.lower() not in data


# Reading a page --------------------------------------------------------------------------------


class VisibleText(HTMLParser):
    """The text a person sees or hears read aloud, and the links on the page."""

    ATTRIBUTES = ("title", "alt", "placeholder", "aria-label", "aria-description", "aria-roledescription",
                  "aria-valuetext")
    BUTTONS = ("submit", "button", "reset")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "style", "code", "kbd", "samp"):
            self._skip += 1
        for name in self.ATTRIBUTES:
            if values.get(name):
                self.parts.append(values[name])
        if tag == "input" and (values.get("type") or "").lower() in self.BUTTONS and values.get("value"):
            self.parts.append(values["value"])
        if tag in ("optgroup", "option", "track") and values.get("label"):
            self.parts.append(values["label"])
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])

    def handle_startendtag(self, tag, attrs) -> None:
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style", "code", "kbd", "samp"):
            self._skip -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code", "kbd", "samp") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data)


class FeedText(HTMLParser):
    """The parts of an Atom feed a feed reader shows."""

    SHOWN = {"title", "subtitle", "summary", "content", "name"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self._open.append(tag)

    def handle_endtag(self, tag) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open and self._open[-1] in self.SHOWN:
            # A summary may be escaped HTML: read it as a page.
            inner = VisibleText()
            inner.feed(data)
            self.parts += inner.parts


def download_name(response) -> str:
    disposition = response.get("Content-Disposition", "")
    star = re.search(r"filename\*=utf-8''([^;]+)", disposition, re.IGNORECASE)
    if star:
        return unquote(star.group(1))
    plain = re.search(r'filename="([^"]*)"', disposition)
    return plain.group(1) if plain else ""


@dataclass
class Page:
    parts: list[str]
    links: list[str]


def read(response, url: str) -> Page:
    """What a person reads in a response (and the links an HTML page offers)."""
    kind = response.get("Content-Type", "")
    parts = []
    if "attachment" in response.get("Content-Disposition", ""):
        parts.append(download_name(response))
    if kind.startswith("text/html"):
        parser = VisibleText()
        parser.feed(response_bytes(response).decode("utf-8", errors="replace"))
        return Page(parts + parser.parts, parser.links)
    if "spreadsheetml" in kind:
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(response_bytes(response)), read_only=True)
        parts += book.sheetnames
        parts += [str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                  for cell in row if cell is not None]
    elif kind.startswith("text/csv"):
        parts.append(response_bytes(response).decode("utf-8-sig", errors="replace"))
    elif kind.startswith("application/atom+xml") or kind.startswith("application/rss+xml"):
        parser = FeedText()
        parser.feed(response_bytes(response).decode("utf-8", errors="replace"))
        parts += parser.parts
    elif kind.startswith("application/pdf") and url.endswith("board.pdf"):
        from pypdf.errors import PyPdfError

        try:
            parts.append(pdf_text(response_bytes(response)))
        except (PyPdfError, ValueError):  # the scene's stand-in PDFs of 2025 hold no text
            pass
    # JSON (open data, the lobby's status, autocomplete) is a data format: its keys are
    # names for programs. An evidence file is what its rater uploaded.
    return Page(parts, [])


@dataclass(frozen=True)
class Problem:
    word: str
    person: str
    url: str
    around: str


def report(problems: list[Problem], shown: int = 3) -> str:
    """One line a word: where it shows (the first few pages) and how often."""
    by_word: dict[str, list[Problem]] = defaultdict(list)
    for problem in problems:
        by_word[problem.word].append(problem)
    lines = []
    for word, found in sorted(by_word.items(), key=lambda item: (-len(item[1]), item[0])):
        pages = dict.fromkeys(f"{p.person} {p.url} “{p.around}”" for p in found)
        more = f" (+{len(pages) - shown} more)" if len(pages) > shown else ""
        lines.append(f"{word!r} on {len(pages)} page(s): " + " | ".join(list(pages)[:shown]) + more)
    return "\n".join(lines)


def problems_of(page: Page, data: set[str], who: str, url: str) -> list[Problem]:
    found = []
    for part in page.parts:
        for match in word_matches(part):
            word, at = match.group(0), match.start()
            if at and part[at - 1] == "/":  # a part of an address: /年/月/r版次/board.json
                continue
            if foreign(word, data):
                around = " ".join(part[max(0, at - 30):at + len(word) + 30].split())
                found.append(Problem(word, who, url, around))
    return found


# The scene and the people ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("zh-media")


@pytest.fixture(autouse=True)
def _media_root(settings, media_dir):
    settings.MEDIA_ROOT = media_dir


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker, media_dir):
    from django.contrib.auth.models import User

    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_dir), pytest.MonkeyPatch.context() as patch:
        with transaction.atomic():
            built = build_scene(patch)
            built.users["root"] = User.objects.create_superuser("root", "root@example.org", "Zq-根-口令-2026")
            yield built
            transaction.set_rollback(True)


@pytest.fixture(scope="module")
def data_words(scene) -> set[str]:
    from django.apps import apps

    found: set[str] = set()
    for label, names in DATA_FIELDS.items():
        for values in apps.get_model(label).objects.values_list(*names):
            for value in values:
                found.update(w.lower() for w in words(str(value or "")))
    from importlib import import_module

    for label, (field_name, module, function) in DISPLAYED_CODES.items():
        display = getattr(import_module(module), function)
        for value in apps.get_model(label).objects.values_list(field_name, flat=True):
            # As printed, and as stored (a history's version page shows the field itself).
            found.update(w.lower() for w in words(display(value)) + words(value))
    return found


def client_for(scene: Scene, person: str) -> Client:
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=ZH)
    if person != "anon":
        client.force_login(scene.users[person])
    return client


def shape(url: str) -> tuple:
    parts = urlsplit(url)
    try:
        route = resolve(parts.path).route
    except Resolver404:
        route = parts.path
    return route, tuple(sorted({key for key, _value in parse_qsl(parts.query, keep_blank_values=True)}))


def own_link(href: str, base: str) -> str | None:
    """The address of a link to a page of our own host, or None."""
    if href.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urlsplit(href)
    if parts.scheme and parts.scheme not in ("http", "https") or parts.netloc not in ("", "testserver"):
        return None
    path = parts.path
    if not path:
        path = urlsplit(base).path
    elif not path.startswith("/"):
        path = urlsplit(base).path.rsplit("/", 1)[0] + "/" + path
    if path.startswith(NOT_FOLLOWED):
        return None
    query = urlencode(parse_qsl(parts.query, keep_blank_values=True))
    return path + ("?" + query if query else "")


# The crawl -------------------------------------------------------------------------------------


@pytest.mark.parametrize("person", PERSONS)
def test_every_page_a_person_reaches_speaks_chinese(scene, data_words, db, person):
    client = client_for(scene, person)
    seen: set[str] = set()
    shapes: dict[tuple, int] = defaultdict(int)
    problems: list[Problem] = []
    queue: list[str] = []

    def visit(url: str, response) -> None:
        page = read(response, url)
        problems.extend(problems_of(page, data_words, person, url))
        for href in page.links:
            link = own_link(href, url)
            if link and link not in seen:
                queue.append(link)

    if person == "anon":
        # The login page after a failed login: the error message, in Chinese.
        failed = client.post("/admin/login/?next=/admin/", {"username": "bob", "password": "不是这个口令"})
        assert failed.status_code == 200 and failed.context["form"].errors
        visit("POST /admin/login/ (a wrong password)", failed)

    for case in CASES:
        url = case.url(scene)
        if case.post:
            visit(f"POST {url}", client.post(url, case.post(scene)))
        elif url not in seen:
            seen.add(url)
            shapes[shape(url)] += 1
            visit(url, client.get(url))

    followed = 0
    while queue and followed < MAX_PAGES:
        url = queue.pop(0)
        if url in seen or shapes[shape(url)] >= PER_SHAPE:
            continue
        seen.add(url)
        shapes[shape(url)] += 1
        followed += 1
        visit(url, client.get(url))

    assert not problems, "English on the pages:\n" + report(problems)


# The error pages that no address of the table reaches -----------------------------------------


@pytest.mark.parametrize("path", ["/", "/admin/ratings/rating/", "/dashboard/"])
def test_the_error_pages_no_address_reaches_speak_chinese(scene, data_words, db, path):
    from django.contrib.auth.models import AnonymousUser

    from config import errors

    problems = []
    for user in (AnonymousUser(), scene.users["alice"]):
        request = RequestFactory(HTTP_ACCEPT_LANGUAGE=ZH).get(path)
        request.user = user
        request.session = {}
        for name, response in (("400", errors.bad_request(request)), ("500", errors.server_error(request)),
                               ("CSRF", errors.csrf_failure(request, reason="CSRF token missing."))):
            problems += problems_of(read(response, path), data_words, str(user), f"{name} page of {path}")
    assert not problems, "English on the pages:\n" + report(problems)


# The admin's scripts ------------------------------------------------------------------------------

ADMIN_SCRIPTS = Path(__import__("django.contrib.admin", fromlist=["admin"]).__file__).parent / "static" / "admin" / "js"
PROJECT_SCRIPTS = Path(__file__).resolve().parent.parent / "static"
# gettext('…'), ngettext('…', '…', n) and pgettext('context', '…') in the scripts: the
# catalogue keys a string with a context as "context\x04string".
QUOTED = r"'((?:[^'\\]|\\.)*)'"
CALLS = {
    "gettext": re.compile(rf"\b(?:gettext|gettext_noop|ngettext)\(\s*{QUOTED}"),
    "pgettext": re.compile(rf"\b(?:pgettext|npgettext)\(\s*{QUOTED}\s*,\s*{QUOTED}"),
}


def script_strings() -> dict[str, str]:
    """Every string the admin's scripts and the project's own ask the catalogue for."""
    found: dict[str, str] = {}
    scripts = [p for p in ADMIN_SCRIPTS.rglob("*.js") if "vendor" not in p.parts]
    scripts += [p for p in PROJECT_SCRIPTS.rglob("*.js") if "vendor" not in p.parts]
    for script in scripts:
        text = script.read_text(encoding="utf-8")
        for match in CALLS["gettext"].finditer(text):
            found.setdefault(match.group(1).replace("\\'", "'"), script.name)
        for match in CALLS["pgettext"].finditer(text):
            found.setdefault(f"{match.group(1)}\x04{match.group(2)}".replace("\\'", "'"), script.name)
    return found


def test_every_word_the_admins_scripts_show_is_in_the_chinese_javascript_catalogue(scene, client, db):
    import json

    client.force_login(scene.users["alice"])
    body = client.get("/admin/jsi18n/", HTTP_ACCEPT_LANGUAGE=ZH).content.decode()
    catalogue = json.loads(re.search(r"const newcatalog = (\{.*?\});\n", body, re.S).group(1))
    wanted = script_strings()
    assert len(wanted) > 30  # the calendar, the clock, the filter boxes, the actions
    missing = {msgid: where for msgid, where in wanted.items() if not catalogue.get(msgid)}
    assert missing == {}


# The exports ---------------------------------------------------------------------------------------


def _export(client: Client, url: str, file_format: str):
    form = client.get(url).context["form"]
    data = {"format": file_format, "resource": "0", **{name: "on" for name in form.fields if "resource_" in name}}
    return form, client.post(url, data)


@pytest.mark.parametrize("url, title", [("/admin/ratings/rating/export/", "效能亮榜认定"),
                                        ("/admin/assessment/yearscore/export/", "效能亮榜年度得分")])
def test_an_export_names_its_columns_sheet_and_file_in_chinese_with_the_local_date(scene, db, url, title):
    import openpyxl
    from django.utils import timezone

    client = client_for(scene, "alice")
    form, response = _export(client, url, "0")
    boxes = [field.label for name, field in form.fields.items() if "resource_" in name]
    assert boxes and all(not words(label) for label in boxes), boxes  # 单位编码, not "Unit Code (单位编码)"

    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''" + quote(f"{title}_{today}.xlsx"))
    assert download_name(response) == f"{title}_{today}.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(response_bytes(response)), read_only=True)
    assert book.sheetnames == [title.removeprefix("效能亮榜")]

    _form, csv_file = _export(client, url, "1")
    assert download_name(csv_file) == f"{title}_{today}.csv"


def test_an_exports_date_is_the_date_in_shanghai_not_in_greenwich():
    from datetime import UTC, datetime

    from ratings.export_resources import export_filename

    # 17:30 in Greenwich on 1 December is 01:30 on 2 December in Nanjing.
    late = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
    assert export_filename(title="效能亮榜认定", extension="xlsx", at=late) == "效能亮榜认定_2026-12-02.xlsx"
    early = datetime(2026, 12, 1, 15, 59, tzinfo=UTC)
    assert export_filename(title="效能亮榜认定", extension="csv", at=early) == "效能亮榜认定_2026-12-01.csv"


def test_a_failed_login_is_told_in_plain_chinese(scene, db):
    response = client_for(scene, "anon").post("/admin/login/", {"username": "bob", "password": "不是这个口令"})
    assert "请输入正确的用户名和密码。注意两者都区分大小写。" in response.content.decode()
