"""``{% screenshot "rater-month" "caption" %}``: a screenshot the browser journeys take
(manual/figures.py), as a numbered figure. On the web page it links the static file; in
the PDF it names the file itself, which the PDF's fetcher (manual/pdf.py) serves."""

from __future__ import annotations

import struct
from pathlib import Path

from django import template
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.utils.html import format_html

from manual.figures import STATIC_PREFIX

register = template.Library()

SIZES = {"": "", "phone": " manual-figure-phone", "wide": " manual-figure-wide"}


def _png_size(path: str | None) -> tuple[int, int] | None:
    """Width and height from the PNG's header, without decoding it."""
    if path is None:
        return None
    with Path(path).open("rb") as png:
        head = png.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


@register.simple_tag(takes_context=True)
def screenshot(context, name: str, caption: str, size: str = "") -> str:
    relative = f"{STATIC_PREFIX}{name}.png"
    found = finders.find(relative)
    if context.get("manual_pdf"):
        src = Path(found).as_uri() if found else relative
    else:
        src = static(relative)
    dimensions = _png_size(found)
    size_attrs = format_html(' width="{}" height="{}"', *dimensions) if dimensions else ""
    image = format_html('<img src="{}" alt="{}"{} loading="lazy">', src, caption, size_attrs)
    if not context.get("manual_pdf"):
        image = format_html('<a href="{}">{}</a>', src, image)  # the full-size screenshot
    return format_html(
        '<figure class="manual-figure{}" id="figure-{}">{}<figcaption>{}</figcaption></figure>',
        SIZES.get(size, ""), name, image, caption,
    )
