"""The manual as one PDF (WeasyPrint), with the same settings as the board's PDF
(boards/render.py ``pdf_from_html``; the manual does not import the boards, which only
the boards' own code does): A4, the CJK fonts fontconfig finds (Debian's
fonts-noto-cjk) named in the stylesheet, and nothing fetched from a network. The only
files the renderer may read are the manual's own static files (its screenshots)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

from lib.pdf import render_pdf

# print.css alone: the screen stylesheet's layout (and its media queries, which
# WeasyPrint does not read) has no part in a printed page.
PDF_STYLESHEETS = ("manual/print.css",)


def _allowed_roots() -> tuple[Path, ...]:
    """The directories the manual's static files are found in."""
    roots = []
    for found in finders.find("manual/print.css", find_all=True) or []:
        roots.append(Path(found).resolve().parent)
    return tuple(roots)


def _fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Serves ``file:`` URLs inside the manual's static directories and refuses
        everything else (http, https, data, any other file), before anything is opened."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("file",))
            self.roots = _allowed_roots()

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise ValueError(f"the manual's PDF fetches only its own static files, not {url}")
            path = Path(unquote(parts.path)).resolve()
            if not any(path.is_relative_to(root) for root in self.roots) or not path.is_file():
                raise ValueError(f"the manual's PDF fetches only its own static files, not {url}")
            kind = {".png": "image/png", ".svg": "image/svg+xml", ".css": "text/css"}.get(path.suffix, "")
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": kind})

    return StaticOnlyFetcher()


def pdf_from_html(html: str) -> bytes:
    return render_pdf(html, stylesheet_names=PDF_STYLESHEETS, url_fetcher=_fetcher())


@lru_cache(maxsize=8)
def manual_pdf(slugs: tuple[str, ...], language: str) -> bytes:
    """The chapters named, in order, as one PDF. Chapters change only with the code and
    the screenshots, so a process renders each reader's set once."""
    from manual.chapters import chapter_by_slug

    chapters = [chapter_by_slug(slug) for slug in slugs]
    with translation.override(language):
        html = render_to_string("manual/manual_pdf.html", {"chapters": chapters, "manual_pdf": True})
    return pdf_from_html(html)
