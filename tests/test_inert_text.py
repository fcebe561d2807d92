"""Text from users is inert everywhere it goes out.

One district is built through the real services with hostile text in every field a user
types: unit, department, category and jurisdiction names, criteria, rating reasons (事由),
return reasons, the reason a month was reopened, the correction note of a board revision,
the reason of a veto, the name of an evidence file. Each text carries a tag naming its
field and row ("…（单位3）"), so that a check knows which text it finds. December 2025 is
published twice (the second time with the correction note), the year is rolled up and
published, January 2026 holds returned ratings and February 2026 ratings awaiting review.
Then every page, file and feed that shows that text is fetched and checked by the kind
of output it is:

- HTML (public board, lobby, archive, unit pages, dashboard, admin lists, forms and the
  review/close pages): nothing injected runs (no event-handler attribute, no
  ``javascript:`` address, no inline script but JSON data), and every hostile text reads
  back literally, escaped once — not dropped, not double-escaped, not run as a template;
- JSON: valid, and each string is exactly the text that was typed;
- CSV and Excel: no cell is a formula: CSV cells and the admin's exports carry a leading
  apostrophe, the year's workbook a string cell with Excel's quote prefix;
- PDF: the text appears literally (read back with pypdf);
- Atom: well-formed XML whose HTML summary is itself inert.

The district is built once for the module (it publishes two real PDFs) inside a
transaction that is rolled back at the end; each test runs in its own savepoint.
Personas as in tests/conftest.py: alice (office), leo (leader), the anonymous citizen.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from openpyxl import load_workbook

from boards import render as board_render
from boards import services as board_services
from boards.links import board_reverse, edition_kwargs
from departments import roles
from departments.models import Jurisdiction
from ratings import rules, services
from assessment import services as scoring
from assessment.models import GradeAdjustment
from ratings.models import Evidence, Period, Rating
from assessment.workbook import formula_safe, looks_like_formula, scores_workbook_export
from tests.board_support import _board_cache, pdf_text, response_bytes  # noqa: F401
from tests.factories import (
    CategoryFactory,
    CriterionFactory,
    DepartmentFactory,
    OrganisationFactory,
    PeriodFactory,
    RuleBookFactory,
    default_jurisdiction,
    make_user,
)

# Every kind of hostile text: markup in text, in an attribute, closing a textarea or a
# title, a script address, template syntax (it would show 14 and the year if rendered),
# entities (they must come back as typed: escaped once), spreadsheet formulas, and the
# same formulas behind a tab or a carriage return (OWASP) or in full-width characters.
HOSTILE = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</textarea></title><svg onload=alert(1)>",
    "javascript:alert(1)",
    "{{ 7|add:7 }}",
    "{% now 'Y' %}",
    "Q&A &lt;b&gt; &amp; &#60;",
    '=HYPERLINK("http://evil.example","点我")',
    "+1",
    "-1+1",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
)
JURISDICTION_NAME = '高淳区"><img src=x onerror=alert(1)>&amp;'
YEAR, MONTH = 2025, 12


def tagged(text: str, tag: str, i: int) -> str:
    """The hostile text with a tag that says which field and row it is in (the tag comes
    last: a formula must stay at the start), so that each check knows what it finds."""
    return f"{text}（{tag}{i}）"


def lines(tag: str) -> str:
    return "\n".join(tagged(text, tag, i) for i, text in enumerate(HOSTILE))


@dataclass
class World:
    """What was typed, as stored, by field; and the ids the outputs need."""

    jurisdiction: str
    units: list[str]
    departments: list[str]
    categories: list[str]
    criteria: list[str]
    reasons: list[str]  # of the published ratings (the services strip surrounding blanks)
    added_reason: str  # of the rating added before the correction
    returned_reasons: list[str]  # of the ratings sent back to their department …
    return_reasons: list[str]  # … and why the office sent them back
    pending_reasons: list[str]  # of the ratings awaiting review
    reopen_reason: str
    note: str  # the correction note of revision 2
    vetoes: list[str]
    evidence: list[str]
    unit_codes: list[str]
    returned_ids: list[int]
    submitted_ids: list[int]
    month_id: int
    rulebook_id: int
    edition_ids: list[int]

    def texts(self, *fields: str) -> list[tuple[str, str]]:
        """(field, text) for the fields named, e.g. ``texts("units", "reasons")``."""
        out = []
        for name in fields:
            value = getattr(self, name)
            out.extend((name, text) for text in (value if isinstance(value, list) else [value]))
        return out


def _build() -> World:
    jurisdiction = default_jurisdiction()
    jurisdiction.name = JURISDICTION_NAME
    jurisdiction.save()
    alice = make_user("alice", roles.OFFICE)
    make_user("leo", roles.LEADER)
    rulebook = RuleBookFactory(year=YEAR)
    RuleBookFactory(year=YEAR + 1)

    units, departments, criteria = [], [], []
    for i, text in enumerate(HOSTILE):
        category = CategoryFactory(name=tagged(text, "类别", i), order=i)
        units.append(OrganisationFactory(code=f"H{i:02d}", name=tagged(text, "单位", i), category=category))
        departments.append(DepartmentFactory(code=f"D{i:02d}", name=tagged(text, "部门", i)))
        kind = rules.RED_FLAG if i % 2 == 0 else rules.YELLOW_LIGHT
        criteria.append(
            CriterionFactory(rulebook=rulebook, code=f"C{i:02d}", text=tagged(text, "条目", i), kind=kind)
        )

    def record(period, i: int, reason: str, *, criterion=True) -> Rating:
        return services.rating_record(
            period=period, department=departments[i], unit=units[i], kind=criteria[i].kind if criterion else "red_flag",
            criterion=criteria[i] if criterion else None, reason=reason, by=alice, submit=True,
        )

    def approve(period, i: int, reason: str) -> Rating:
        return services.rating_approve(rating=record(period, i, reason), by=alice)

    # January to November 2025, empty and published, so that December is the latest board
    # and the year can be rolled up (their PDFs are stand-ins: only December's are read).
    real_pdf = board_render.pdf_from_html
    board_render.pdf_from_html = lambda html: b"%PDF-1.7\n% stand-in\n%%EOF\n"
    try:
        for month in range(1, MONTH):
            period = PeriodFactory(year=YEAR, month=month)
            services.period_close(period=period, by=alice)
            board_services.edition_publish(period=period, by=alice)
    finally:
        board_render.pdf_from_html = real_pdf

    # December 2025: a rating per hostile text, published; reopened, corrected, published again.
    month = PeriodFactory(year=YEAR, month=MONTH)
    approved = [approve(month, i, tagged(text, "事由", i)) for i, text in enumerate(HOSTILE)]
    services.period_close(period=month, by=alice)
    editions = [board_services.edition_publish(period=month, by=alice).edition]
    services.period_reopen(period=month, by=alice, reason=lines("重开"))
    added = approve(month, 1, "复核后补充：" + tagged(HOSTILE[0], "补充", 0))
    services.period_close(period=month, by=alice)
    editions.append(board_services.edition_publish(period=month, by=alice, note=lines("更正")).edition)

    # The year: a veto with a hostile reason for every unit, rolled up and published.
    for i, text in enumerate(HOSTILE):
        scoring.grade_adjustment_record(
            unit=units[i], year=YEAR, kind="veto", reason=tagged(text, "否决", i), by=alice
        )
    scoring.year_rollup(jurisdiction=jurisdiction, year=YEAR)
    board_services.year_publish(jurisdiction=jurisdiction, year=YEAR, by=alice)

    # January 2026: ratings returned with a hostile reason, with evidence under a hostile
    # name (as it may have been stored before uploads were checked).
    returned = []
    january = PeriodFactory(year=YEAR + 1, month=1)
    for i, text in enumerate(HOSTILE):
        rating = record(january, i, tagged(text, "待改", i), criterion=False)
        returned.append(services.rating_return(rating=rating, by=alice, reason=tagged(text, "退回", i)))
        Evidence.objects.create(
            rating=rating, original_name=tagged(text, "附件", i) + ".pdf", file=f"evidence/{i}.pdf"
        )

    # February 2026: ratings awaiting the office's review.
    february = PeriodFactory(year=YEAR + 1, month=2)
    submitted = [record(february, i, tagged(text, "待审", i), criterion=False) for i, text in enumerate(HOSTILE)]

    stored = Rating.objects.in_bulk([r.pk for r in approved + returned + submitted + [added]])
    return World(
        jurisdiction=Jurisdiction.objects.get(pk=jurisdiction.pk).name,
        units=[u.name for u in units],
        departments=[d.name for d in departments],
        categories=[u.category.name for u in units],
        criteria=[c.text for c in criteria],
        reasons=[stored[r.pk].reason for r in approved],
        added_reason=stored[added.pk].reason,
        returned_reasons=[stored[r.pk].reason for r in returned],
        return_reasons=[stored[r.pk].return_reason for r in returned],
        pending_reasons=[stored[r.pk].reason for r in submitted],
        reopen_reason=Period.objects.get(pk=month.pk).reopen_reason,
        note=editions[-1].correction_note,
        vetoes=[GradeAdjustment.objects.get(unit=unit, year=YEAR).reason for unit in units],
        evidence=list(Evidence.objects.order_by("pk").values_list("original_name", flat=True)),
        unit_codes=[u.code for u in units],
        returned_ids=[r.pk for r in returned],
        submitted_ids=[r.pk for r in submitted],
        month_id=month.pk,
        rulebook_id=rulebook.pk,
        edition_ids=[e.pk for e in editions],
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        with transaction.atomic():
            built = _build()
            yield built
            transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _media_root():
    """Overrides conftest's per-test media folder: the world's PDFs stay where they were
    written (the module's folder, set by ``world``)."""


pytestmark = pytest.mark.django_db


# Checks by kind of output ------------------------------------------------------------------------------------


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class Page(HTMLParser):
    """What a browser would make of an HTML document: its elements, attributes, inline
    scripts and readable text (entities decoded)."""

    def __init__(self, body: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[tuple[dict, str]] = []
        self.texts: list[str] = []
        self._script: dict | None = None
        self.feed(body)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))
        self.texts.extend(value for _name, value in attrs if value)
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        else:
            self.texts.append(data)

    @property
    def readable(self) -> str:
        return squash(" ".join(self.texts))


URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}


def assert_html_inert(body: str, expected: Iterable[tuple[str, str]]) -> None:
    page = Page(body)
    for tag, attrs in page.elements:
        for name, value in attrs:
            assert not name.startswith("on"), f"<{tag} {name}={value!r}>: an injected event handler"
            if name in URL_ATTRIBUTES and value:
                assert not squash(value).lower().startswith(("javascript:", "vbscript:", "data:text/html")), (
                    f"<{tag} {name}={value!r}>: a script address"
                )
    for attrs, text in page.scripts:
        if "src" in attrs:
            assert not text.strip(), f"a script with a src and inline code: {text[:80]!r}"
            continue
        assert attrs.get("type") == "application/json", f"an inline script: {text[:120]!r}"
        json.loads(text)
    readable = page.readable
    for name, text in expected:
        assert squash(text) in readable, f"{name} {text!r} does not read back literally"


def assert_json_intact(data: object, expected: Iterable[tuple[str, str]]) -> None:
    strings: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            strings.add(value)

    walk(data)
    for name, text in expected:
        assert text in strings, f"{name} {text!r} is not in the JSON as typed"


NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def assert_csv_inert(body: bytes, expected: Iterable[tuple[str, str]]) -> None:
    text = body.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]
    for cell in cells:
        # A number (points: -0.50) is a number; any text that starts like a formula is guarded.
        assert not looks_like_formula(cell) or NUMBER.fullmatch(cell), f"a CSV cell starts a formula: {cell!r}"
    for name, typed in expected:
        guarded = formula_safe(typed)
        # The cell as typed (with the apostrophe if it starts like a formula), or inside a
        # longer cell (the admin's export writes a criterion as "C01 <text>").
        assert any(cell == guarded for cell in cells) or any(typed in cell and cell != typed for cell in cells), (
            f"{name} {typed!r} is not in the CSV as {guarded!r}"
        )


def assert_xlsx_inert(body: bytes, expected: Iterable[tuple[str, str]]) -> None:
    workbook = load_workbook(io.BytesIO(body))
    values = []
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    # Text that starts like a formula is marked as text (the quote prefix)
                    # or carries the apostrophe (the admin's export).
                    assert not looks_like_formula(cell.value) or cell.quotePrefix, (
                        ws.title, cell.coordinate, cell.value
                    )
                    values.append(cell.value)
    for name, typed in expected:
        # openpyxl writes a CR as &#13; with lxml (a pinned dependency), which reads back as CR.
        assert any(typed in value for value in values), f"{name} {typed!r} is not in the workbook"


def assert_pdf_literal(body: bytes, expected: Iterable[tuple[str, str]]) -> None:
    text = re.sub(r"\s+", "", pdf_text(body))
    for name, typed in expected:
        assert re.sub(r"\s+", "", typed) in text, f"{name} {typed!r} is not in the PDF literally"


def assert_atom_inert(body: bytes, expected: Iterable[tuple[str, str]]) -> None:
    """Well-formed XML; names as typed in its text; the correction note inert in the
    HTML summary of the corrected edition's entry, and every summary inert."""
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.fromstring(body)  # raises unless well-formed
    texts = [squash(element.text or "") for element in feed.iter()]
    summaries = [entry.findtext("a:summary", namespaces=ns) or "" for entry in feed.findall("a:entry", ns)]
    corrected = [summary for summary in summaries if "更正说明" in summary]
    assert len(corrected) == 1, "the correction's entry has no summary with its note"
    for summary in summaries:
        assert_html_inert(summary, [])
    for name, typed in expected:
        if name == "note":
            assert_html_inert(corrected[0], [(name, typed)])
        else:
            assert any(squash(typed) in text for text in texts), f"{name} {typed!r} is not in the feed as typed"


# The outputs -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Output:
    name: str
    who: str  # "anon" (a citizen), "leo" (leader) or "alice" (office)
    url: Callable[[World], str]
    kind: str  # html, json, csv, xlsx, pdf, atom
    fields: tuple[str, ...]  # what it shows of what users typed
    method: str = "get"  # or "post", or "export" (django-import-export's form)
    data: Callable[[World], dict] | None = None
    extra: tuple[tuple[str, str], ...] = ()  # other text it must show literally

    def expected(self, world: World) -> list[tuple[str, str]]:
        return world.texts(*self.fields) + list(self.extra)


def board(name: str, **kwargs) -> Callable[[World], str]:
    return lambda w: board_reverse(name, {}, **kwargs)


def admin(name: str, *args, query: str = "") -> Callable[[World], str]:
    return lambda w: reverse(f"admin:{name}", args=[a(w) if callable(a) else a for a in args]) + query


R1, R2 = edition_kwargs(YEAR, MONTH, 1), edition_kwargs(YEAR, MONTH, 2)
BOARD = ("units", "departments", "categories", "reasons", "criteria")
CORRECTED = BOARD + ("added_reason", "note", "jurisdiction")
EXCEL, CSV = {"format": "0"}, {"format": "1"}  # the admin's export formats: [XLSX, CSV]
RATINGS = ("units", "departments", "reasons", "added_reason", "criteria", "returned_reasons", "pending_reasons")

OUTPUTS = [
    # The public site, as a citizen reads it.
    Output("home page", "anon", board("home"), "html", CORRECTED),
    Output("edition, revision 1", "anon", board("edition_revision", **R1), "html", BOARD + ("jurisdiction",)),
    Output("edition, revision 2", "anon", board("edition_revision", **R2), "html", CORRECTED),
    Output("lobby screen", "anon", board("lobby"), "html", CORRECTED),
    Output("archive", "anon", board("archive"), "html", ("jurisdiction", "note")),
    Output("archive of the year", "anon", board("archive_year", year=YEAR), "html", ("jurisdiction", "note")),
    Output("units", "anon", board("units"), "html", ("jurisdiction", "units", "categories")),
    Output("open data page", "anon", board("opendata"), "html", ("jurisdiction",)),
    Output("year table", "anon", board("year", year=YEAR), "html", ("jurisdiction", "units", "categories")),
    Output("edition PDF, revision 1", "anon", board("edition_pdf", **R1), "pdf",
           ("jurisdiction", "units", "departments", "categories", "reasons")),
    Output("edition PDF, revision 2", "anon", board("edition_pdf", **R2), "pdf",
           ("jurisdiction", "units", "departments", "categories", "reasons", "added_reason", "note")),
    Output("edition JSON", "anon", board("edition_json", **R2), "json", CORRECTED),
    Output("editions JSON", "anon", board("editions_json"), "json", ("jurisdiction", "note")),
    Output("year JSON", "anon", board("year_json", year=YEAR), "json", ("jurisdiction", "units", "categories")),
    Output("lobby status JSON", "anon", board("lobby_status"), "json", ()),
    Output("edition CSV", "anon", board("edition_csv", **R2), "csv", BOARD + ("added_reason",)),
    Output("year CSV", "anon", board("year_csv", year=YEAR), "csv", ("units", "categories")),
    Output("Atom feed", "anon", board("feed"), "atom", ("jurisdiction", "note")),
    # The leaders' dashboard and its drill-down.
    Output("dashboard", "leo", lambda w: reverse("dashboard:index") + f"?year={YEAR}", "html",
           ("units", "departments", "categories")),
    Output("dashboard drill-down", "leo", lambda w: reverse("dashboard:ratings") + f"?year={YEAR}", "html",
           ("units", "departments", "categories", "reasons", "added_reason")),
    # The admin, as the office reviews, returns, closes, reopens and publishes.
    Output("ratings list", "alice", admin("ratings_rating_changelist"), "html",
           ("units", "departments", "criteria", "return_reasons")),
    Output("ratings awaiting review", "alice", admin("ratings_rating_changelist", query="?status__exact=submitted"),
           "html", ("units", "departments")),
    Output("returned ratings", "alice", admin("ratings_rating_changelist", query="?status__exact=returned"),
           "html", ("units", "departments", "return_reasons")),
    Output("ratings list, searched for markup", "alice",
           admin("ratings_rating_changelist", query="?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"), "html", (),
           extra=(("search", "<script>alert(1)</script>"),)),
    Output("return form, several ratings", "alice", admin("ratings_rating_changelist"), "html", ("units",),
           method="post", data=lambda w: {"action": "return_selected", "_selected_action": w.submitted_ids}),
    Output("return form, one rating", "alice", admin("ratings_rating_return", lambda w: w.submitted_ids[1]), "html",
           (), extra=(("units", tagged(HOSTILE[1], "单位", 1)),)),
    Output("month page (close, reopen)", "alice", admin("ratings_period_change", lambda w: w.month_id), "html",
           ("reopen_reason",)),
    Output("month history", "alice", admin("ratings_period_history", lambda w: w.month_id), "html",
           ("reopen_reason",)),
    Output("reopen form", "alice", admin("ratings_period_reopen", lambda w: w.month_id), "html", ()),
    Output("months to publish", "alice", admin("boards_boardmonth_changelist"), "html", ()),
    Output("publish form", "alice", admin("boards_boardmonth_publish", lambda w: w.month_id), "html", ()),
    Output("editions list", "alice", admin("boards_edition_changelist"), "html", ()),
    Output("edition page", "alice", admin("boards_edition_change", lambda w: w.edition_ids[-1]), "html",
           ("jurisdiction", "note")),
    Output("organisations list", "alice", admin("departments_organisation_changelist"), "html",
           ("units", "departments", "categories")),
    Output("categories list", "alice", admin("departments_category_changelist"), "html", ("categories",)),
    Output("rule book page", "alice", admin("ratings_rulebook_change", lambda w: w.rulebook_id), "html",
           ("criteria",)),
    Output("criteria list", "alice", admin("ratings_criterion_changelist"), "html", ("criteria",)),
    Output("year scores list", "alice", admin("assessment_yearscore_changelist", query=f"?year={YEAR}"), "html",
           ("units", "categories")),
    Output("vetoes list", "alice", admin("assessment_gradeadjustment_changelist"), "html", ("units", "vetoes")),
    # Spreadsheets.
    Output("year workbook", "alice", admin("assessment_yearscore_workbook", query=f"?year={YEAR}"), "xlsx",
           ("units", "categories", "departments", "reasons", "added_reason", "criteria", "vetoes")),
    Output("ratings export, Excel", "alice", admin("ratings_rating_export"), "xlsx", RATINGS, method="export",
           data=lambda w: EXCEL),
    Output("ratings export, CSV", "alice", admin("ratings_rating_export"), "csv", RATINGS, method="export",
           data=lambda w: CSV),
    Output("year scores export, Excel", "alice", admin("assessment_yearscore_export"), "xlsx",
           ("units", "categories", "vetoes"), method="export", data=lambda w: EXCEL),
    Output("year scores export, CSV", "alice", admin("assessment_yearscore_export"), "csv",
           ("units", "categories", "vetoes"), method="export", data=lambda w: CSV),
]


def _client(who: str) -> Client:
    client = Client()
    if who != "anon":
        client.force_login(User.objects.get(username=who))
    return client


def _fetch(client: Client, output: Output, world: World):
    url = output.url(world)
    if output.method == "export":
        # django-import-export: the export form, with every column ticked.
        form = client.get(url).context["form"]
        data = {"resource": "0", **output.data(world)}
        data.update({name: "on" for name in form.fields if "resource_" in name})
        return client.post(url, data)
    if output.method == "post":
        return client.post(url, output.data(world))
    return client.get(url)


def check(kind: str, body: bytes, expected: list[tuple[str, str]]) -> None:
    if kind == "html":
        assert_html_inert(body.decode(), expected)
    elif kind == "json":
        assert not re.search(rb"[<>]", body), "markup characters in a JSON file"
        assert_json_intact(json.loads(body), expected)
    elif kind == "csv":
        assert_csv_inert(body, expected)
    elif kind == "xlsx":
        assert_xlsx_inert(body, expected)
    elif kind == "pdf":
        assert_pdf_literal(body, expected)
    elif kind == "atom":
        assert_atom_inert(body, expected)
    else:
        raise AssertionError(kind)


@pytest.mark.parametrize("output", OUTPUTS, ids=lambda o: o.name)
def test_hostile_text_is_inert_in(output, world):
    response = _fetch(_client(output.who), output, world)
    assert response.status_code == 200, (output.name, response.status_code)
    check(output.kind, response_bytes(response), output.expected(world))


def _one(world: World, index: int, *fields: str) -> list[tuple[str, str]]:
    return [(name, getattr(world, name)[index]) for name in fields]


@pytest.mark.parametrize("index", range(len(HOSTILE)), ids=[repr(t)[:24] for t in HOSTILE])
def test_hostile_text_is_inert_on_each_returned_ratings_page_and_its_history(index, world):
    """The page the office and the rater work on: the reason in its text box, why it was
    returned, the unit and department, the evidence's file name."""
    client = _client("alice")
    rating_id = world.returned_ids[index]
    page = client.get(reverse("admin:ratings_rating_change", args=[rating_id]))
    assert page.status_code == 200
    check("html", page.content, _one(world, index, "units", "departments", "returned_reasons", "return_reasons",
                                     "evidence"))
    history = client.get(reverse("admin:ratings_rating_history", args=[rating_id]))
    assert history.status_code == 200
    check("html", history.content, _one(world, index, "return_reasons"))


@pytest.mark.parametrize("index", range(len(HOSTILE)), ids=[repr(t)[:24] for t in HOSTILE])
def test_hostile_text_is_inert_on_each_units_public_page(index, world):
    response = _client("anon").get(board_reverse("unit", {}, code=world.unit_codes[index]))
    assert response.status_code == 200
    check("html", response.content, _one(world, index, "units", "categories", "departments", "reasons", "criteria")
          + [("jurisdiction", world.jurisdiction)])


def test_the_workbook_written_by_the_management_command_is_inert_too(world, tmp_path):
    target = tmp_path / "scores.xlsx"
    call_command("export_scores", str(YEAR), "--output", str(target), stdout=io.StringIO())
    check("xlsx", target.read_bytes(), world.texts("units", "categories", "departments", "reasons", "added_reason",
                                                  "criteria", "vetoes"))


def test_an_ampersand_in_a_name_prints_in_the_workbooks_page_header_instead_of_starting_a_header_code(world):
    buffer = io.BytesIO()
    scores_workbook_export(jurisdiction=Jurisdiction.objects.get(name=world.jurisdiction), year=YEAR, target=buffer)
    headers = [ws.oddHeader.center.text for ws in load_workbook(io.BytesIO(buffer.getvalue())).worksheets]
    # The jurisdiction's "…&amp;" is stored as "…&&amp;": Excel prints "&amp;", not "amp;" after a code.
    assert all("&&amp;" in header for header in headers), headers
