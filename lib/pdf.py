"""WeasyPrint, called in one way for every PDF the product makes (the boards, the
manual): A4 from the stylesheets named, with the CJK fonts fontconfig finds (Debian's
fonts-noto-cjk) embedded as subsets, and a tagged PDF (PDF/UA-1: a structure tree a
screen reader follows, the document's language, its title, its creation date)."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders


@lru_cache(maxsize=8)
def stylesheets(names: tuple[str, ...]) -> tuple:
    """The static stylesheets ``names``, parsed once per process."""
    from weasyprint import CSS

    sheets = []
    for name in names:
        path = finders.find(name)
        if path is None:
            raise FileNotFoundError(f"static file {name} not found")
        sheets.append(CSS(filename=path))
    return tuple(sheets)


def render_pdf(html: str, *, stylesheet_names: tuple[str, ...], url_fetcher, css: str = "") -> bytes:
    """``html`` as a tagged PDF. ``url_fetcher`` says what the document may load: the
    caller's own rule (nothing at all, or its own static files), never the network.
    ``css`` is the caller's own rules besides the stylesheets (a page counter in the
    document's language), so that no template holds a <style> element."""
    from weasyprint import CSS, HTML

    sheets = list(stylesheets(stylesheet_names)) + ([CSS(string=css)] if css else [])
    return HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=url_fetcher).write_pdf(
        stylesheets=sheets, pdf_variant="pdf/ua-1"
    )
