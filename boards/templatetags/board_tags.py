"""Template helpers of the public boards."""

from __future__ import annotations

import re

from django import template
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from boards.links import board_reverse
from ratings import rules

register = template.Library()

# A run of characters with no place to break a line: no space, no CJK (which breaks
# between any two characters), no hyphen or slash. WeasyPrint wraps such a run
# (overflow-wrap) by trying one line split after another, which costs far more than
# linear in its length; a zero-width space every RUN characters gives it ordinary
# places to break, and readers see nothing.
RUN = 20
_UNBROKEN = re.compile(r"[^\s\u2e80-\u9fff\u3000-\u303f\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\-/]{%d}" % RUN)


@register.simple_tag
def cited_criteria(*boards) -> list[tuple[str, str]]:
    """(code, text) of each criterion the rows cite, once, by code."""
    cited = {row.criterion_code: row.criterion_text for rows in boards for row in rows if row.criterion_code}
    return sorted(cited.items())


@register.filter
def soft_breaks(value: str) -> str:
    """The text with a zero-width space after every RUN characters of an unbroken run."""
    text = str(value)
    if len(text) <= RUN:
        return text
    return _UNBROKEN.sub(lambda match: match.group(0) + "\u200b", text)


@register.simple_tag
def board_url(name: str, jkw: dict | None, **kwargs) -> str:
    """``{% board_url "unit" jkw code=row.unit_code %}``: a public address in the
    jurisdiction that ``jkw`` selects (see ``boards.links``)."""
    return board_reverse(name, jkw or {}, **kwargs)


@register.filter
def month_label(value) -> str:
    """2026-03 → 2026年3月 (from anything with ``year`` and ``month``)."""
    return _("%(year)d年%(month)d月") % {"year": value.year, "month": value.month}


@register.filter
def kind_class(kind: str) -> str:
    """A CSS class for a kind, from a fixed set: never a user's text."""
    return {rules.RED_FLAG: "red-flag", rules.YELLOW_LIGHT: "yellow-light", rules.RED_LIGHT: "red-light"}.get(
        kind, "unknown"
    )


@register.filter
def css_string(value: str) -> SafeString:
    """A CSS string literal (with its quotes), for text inside a ``<style>`` element,
    where HTML escaping does not apply. Only the project's own strings go here."""
    escaped = "".join(
        f"\\{ord(ch):x} " if ch in '"\\<>&\n\r' or ord(ch) < 32 else ch for ch in str(value)
    )
    return mark_safe(f'"{escaped}"')


@register.filter
def chunked(rows, size: int) -> list:
    """Rows in pages of ``size`` (the lobby screen's slides)."""
    rows = list(rows)
    size = max(int(size), 1)
    return [rows[i:i + size] for i in range(0, len(rows), size)]


@register.simple_tag
def board_static(path: str) -> str:
    """A static file's stable address (not the hashed name of a manifest storage): stored
    pages outlive deployments, and the unhashed file is always there (WhiteNoise serves
    both)."""
    return settings.STATIC_URL + path
