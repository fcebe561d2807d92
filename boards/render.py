"""Rendering an edition: one set of templates (``templates/boards/partials``) makes the
web page, the lobby screen and the PDF. Rendered once, when the edition is published,
always in the publication language (``BOARD_LANGUAGE``): an edition is a document.

WeasyPrint is called through one function, ``pdf_from_html`` (lib.pdf, shared with the manual).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from boards.links import board_reverse, edition_kwargs
from boards.models import EditionEntry
from boards.templatetags.board_tags import board_static, css_string
from lib.pdf import render_pdf

PDF_STYLESHEETS = ("boards/board.css", "boards/print.css")
NOTICE_MARKER = "<!--board:notice-->"


def html_lang(code: str) -> str:
    """A Django language code as the pages name it (``lang``, Content-Language)."""
    return {"zh-hans": "zh-CN", "zh-hant": "zh-TW"}.get(code, code)


def day_label(day: date) -> str:
    """A date as the pages write it (2026年10月14日 in Chinese)."""
    return formats.date_format(day, "DATE_FORMAT")


def sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


@dataclass(frozen=True)
class EditionInfo:
    """What the partials say about an edition (the same before and after it is saved)."""

    jurisdiction_name: str
    year: int
    month: int
    revision: int
    published_at: datetime
    correction_note: str = ""
    supersedes_revision: int | None = None
    red_flags: int = 0
    yellow_lights: int = 0
    red_lights: int = 0
    issuing_office: str = ""  # the jurisdiction's sign-off; blank: its 效能办
    stage: str = "final"  # boards.models.Stage: "notice" (公示稿) or "final" (正式版)
    notice_until: date | None = None  # a 公示稿's last day of the notice period
    supersedes_stage: str = ""  # the stage of the revision this one replaces, if any

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def is_notice(self) -> bool:
        return self.stage == "notice"

    @property
    def finalises_notice(self) -> bool:
        """正式版 replacing the 公示稿 (with or without a correction)."""
        return self.stage == "final" and self.supersedes_stage == "notice"


@dataclass(frozen=True)
class Rendered:
    html: str
    lobby_html: str
    pdf: bytes
    html_sha256: str
    pdf_sha256: str


@dataclass(frozen=True)
class LobbySettings:
    key: str  # what the lobby's poll compares: the edition's id, or "" before the first one
    rows: int = 6
    seconds: int = 15
    poll_seconds: int = 60
    reload_seconds: int = 300


def lobby_settings(key: str) -> LobbySettings:
    return LobbySettings(
        key=key,
        rows=settings.BOARD_LOBBY_ROWS,
        seconds=settings.BOARD_LOBBY_SECONDS,
        poll_seconds=settings.BOARD_LOBBY_POLL_SECONDS,
        reload_seconds=max(settings.BOARD_LOBBY_POLL_SECONDS * 5, 60),
    )


def edition_urls(*, jkw: dict[str, str], year: int, month: int, revision: int) -> dict[str, str]:
    """The addresses an edition's pages link to (relative: the site's own host)."""
    this = edition_kwargs(year, month, revision)
    return {
        "home": board_reverse("home", jkw),
        "month": board_reverse("edition", jkw, **edition_kwargs(year, month)),
        "revision": board_reverse("edition_revision", jkw, **this),
        "pdf": board_reverse("edition_pdf", jkw, **this),
        "json": board_reverse("edition_json", jkw, **this),
        "csv": board_reverse("edition_csv", jkw, **this),
        "lobby": board_reverse("lobby", jkw),
        "previous": board_reverse("edition_revision", jkw, **edition_kwargs(year, month, revision - 1))
        if revision > 1 else "",
    }


def page_counter_css() -> SafeString:
    """"第 1 页，共 3 页" as a CSS ``content`` value with page counters."""
    template = _("第 {page} 页，共 {pages} 页")
    parts: list[str] = []
    for piece in re.split(r"(\{page\}|\{pages\})", template):
        if piece == "{page}":
            parts.append("counter(page)")
        elif piece == "{pages}":
            parts.append("counter(pages)")
        elif piece:
            parts.append(css_string(piece))
    return mark_safe(" ".join(parts) or '""')


@dataclass
class BoardContent:
    info: EditionInfo
    honour: list[EditionEntry]
    warning: list[EditionEntry]
    jkw: dict[str, str]
    content_sha256: str
    extra: dict = field(default_factory=dict)


def edition_render(content: BoardContent, *, lobby_key: str) -> Rendered:
    """The PDF first (the page quotes its checksum), then the page and the lobby screen."""
    info = content.info
    with translation.override(settings.BOARD_LANGUAGE):
        urls = edition_urls(jkw=content.jkw, year=info.year, month=info.month, revision=info.revision)
        context = edition_context(content)
        pdf_html = render_to_string(
            "boards/edition_pdf.html",
            {**context, **pdf_context(info), "urls": {**urls, "previous": ""}, "page_counter": page_counter_css()},
        )
        pdf = pdf_from_html(pdf_html)
        pdf_sha = sha256(pdf)
        html = render_to_string(
            "boards/edition.html",
            {**context, "urls": urls, "pdf_sha256": pdf_sha, "pdf_size": len(pdf), "page_title": info.label},
        )
        lobby_html = render_to_string(
            "boards/lobby.html", {**context, "urls": urls, "lobby": lobby_settings(lobby_key)}
        )
    return Rendered(html=html, lobby_html=lobby_html, pdf=pdf, html_sha256=sha256(html), pdf_sha256=pdf_sha)


def lobby_empty_render(*, jurisdiction_name: str, jkw: dict[str, str]) -> str:
    """The lobby screen before the first edition: it waits, polling for one."""
    with translation.override(settings.BOARD_LANGUAGE):
        return render_to_string(
            "boards/lobby.html",
            {"edition": None, "jurisdiction_name": jurisdiction_name, "jkw": jkw, "lobby": lobby_settings("")},
        )


@dataclass(frozen=True)
class SignOff:
    """The PDF's last lines, as an official notice ends: who issues it, and when."""

    office: str
    date: date  # the publication's day where the board is published (settings.TIME_ZONE)


def pdf_context(info: EditionInfo) -> dict:
    """What the PDF says besides the boards: its sign-off, language and creation date.
    Called inside the publication language (the default office is translated text)."""
    local = info.published_at.astimezone(ZoneInfo(settings.TIME_ZONE))
    office = info.issuing_office or _("%(name)s效能办") % {"name": info.jurisdiction_name}
    return {
        "signoff": SignOff(office=office, date=local.date()),
        "pdf_lang": html_lang(settings.BOARD_LANGUAGE),
        # dcterms.created, the PDF's CreationDate: the publication, not the render's clock.
        "pdf_created": local.replace(microsecond=0).isoformat(),
    }


def pdf_from_html(html: str) -> bytes:
    """The boards' PDF (lib.pdf: A4, CJK fonts embedded, tagged PDF/UA-1 with the
    ``lang``, ``<title>`` and ``dcterms.created`` of the HTML). No network: the document
    links nothing external."""
    from weasyprint.urls import URLFetcher

    # Everything a board needs is in the document and the stylesheets passed in; no
    # protocol is allowed, so nothing in a document can make the renderer reach out.
    return render_pdf(html, stylesheet_names=PDF_STYLESHEETS, url_fetcher=URLFetcher(allowed_protocols=()))


def notice_insert(html: str, notice: str) -> str:
    """The stored page with a notice (e.g. "superseded") where the page keeps room for one."""
    return html.replace(NOTICE_MARKER, NOTICE_MARKER + notice, 1)


# Previews (the office's, before publishing) ------------------------------------------------------
#
# The same templates and context as ``edition_render``, with a mark that says the page is
# not published. Nothing here stores anything: the admin serves the result to the office.

_BODY_TAG = re.compile(r"<body\b[^>]*>")
PREVIEW_STYLESHEET = "boards/preview.css"  # the mark's looks, on the page and in the PDF


@lru_cache(maxsize=1)
def _preview_css() -> str:
    path = finders.find(PREVIEW_STYLESHEET)
    if path is None:
        raise FileNotFoundError(f"static file {PREVIEW_STYLESHEET} not found")
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def edition_context(content: BoardContent) -> dict:
    """What the edition templates are given about the content (published or previewed)."""
    info = content.info
    return {
        "edition": info,
        "honour": content.honour,
        "warning": content.warning,
        "jkw": content.jkw,
        "jurisdiction_name": info.jurisdiction_name,
        "content_sha256": content.content_sha256,
        **content.extra,
    }


def body_insert(html: str, mark: str) -> str:
    """``mark`` first in the document's body (a PDF keeps no notice marker)."""
    found = _BODY_TAG.search(html)
    if found is None:
        raise ValueError("the document has no <body>")
    return html[: found.end()] + mark + html[found.end():]


def head_insert(html: str, markup: str) -> str:
    """``markup`` last in the document's head."""
    if "</head>" not in html:
        raise ValueError("the document has no </head>")
    return html.replace("</head>", markup + "\n</head>", 1)


def preview_page_head() -> str:
    """What the preview adds to the page's head: the mark's stylesheet, and links that
    open apart from the page showing the preview (it is shown in a frame)."""
    return f'<link rel="stylesheet" href="{board_static(PREVIEW_STYLESHEET)}">\n<base target="_blank">'


def edition_preview_pdf(content: BoardContent, *, mark: str) -> bytes:
    """The PDF publishing ``content`` would make, with ``mark`` at the head of its body."""
    info = content.info
    with translation.override(settings.BOARD_LANGUAGE):
        urls = edition_urls(jkw=content.jkw, year=info.year, month=info.month, revision=info.revision)
        pdf_html = render_to_string("boards/edition_pdf.html", {
            **edition_context(content), **pdf_context(info), "urls": {**urls, "previous": ""},
            "page_counter": page_counter_css(),
        })
    # The stylesheets of pdf_from_html are the published PDF's: the mark brings its own.
    return pdf_from_html(body_insert(head_insert(pdf_html, f"<style>{_preview_css()}</style>"), mark))


def edition_preview_page(content: BoardContent, *, mark: str, pdf: bytes, pdf_url: str) -> str:
    """The web page publishing ``content`` would make, with ``mark`` where the page keeps
    room for a notice; its PDF link is ``pdf_url`` (the preview's PDF, ``pdf``), and its
    links open apart from the page that shows the preview."""
    info = content.info
    with translation.override(settings.BOARD_LANGUAGE):
        urls = edition_urls(jkw=content.jkw, year=info.year, month=info.month, revision=info.revision)
        html = render_to_string("boards/edition.html", {
            **edition_context(content), "urls": {**urls, "pdf": pdf_url}, "pdf_sha256": sha256(pdf),
            "pdf_size": len(pdf), "page_title": info.label,
        })
    return head_insert(notice_insert(html, mark), preview_page_head())
