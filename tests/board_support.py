"""Helpers for the board tests (tests/test_board_*.py): a month of approved ratings
through the real services, publishing, reading PDFs back.

The personas are those of conftest.py: alice works in the efficiency office, bob rates
for the housing bureau (dept_a), carol for the market bureau (dept_b), leo leads.
"""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.cache import caches

from boards import render
from ratings import rules, services
from ratings.models import Period, Rating


@pytest.fixture(autouse=True)
def _board_cache(settings):
    """Cached stored pages must not leak from one test's (rolled back) database to the next."""
    caches[settings.BOARD_CACHE_ALIAS].clear()
    yield
    caches[settings.BOARD_CACHE_ALIAS].clear()


@pytest.fixture
def fast_pdf(monkeypatch):
    """A stand-in for WeasyPrint where a test does not read the PDF (it takes ~0.5 s)."""

    def fake(html: str) -> bytes:
        return b"%PDF-1.7\n% fake for tests\n" + hashlib.sha256(html.encode()).hexdigest().encode() + b"\n%%EOF\n"

    monkeypatch.setattr(render, "pdf_from_html", fake)
    return fake


def approved(period: Period, department, unit, kind: str, reason: str, *, office, serious: bool = False) -> Rating:
    """A rating recorded by its department, submitted and approved by the office."""
    rating = services.rating_record(
        period=period, department=department, unit=unit, kind=kind, reason=reason, by=office,
        serious_impact=serious, submit=True,
    )
    return services.rating_approve(rating=rating, by=office)


def submitted(period: Period, department, unit, kind: str, reason: str, *, by) -> Rating:
    return services.rating_record(period=period, department=department, unit=unit, kind=kind, reason=reason,
                                  by=by, submit=True)


def draft(period: Period, department, unit, kind: str, reason: str, *, by) -> Rating:
    return services.rating_record(period=period, department=department, unit=unit, kind=kind, reason=reason, by=by)


def close(period: Period, office) -> Period:
    # Drafts in the month are withdrawn (kept, never public), as the office may choose.
    return services.period_close(period=period, by=office, withdraw_reason="关账时撤回")


def reopen(period: Period, office, reason: str = "复核更正") -> Period:
    return services.period_reopen(period=period, by=office, reason=reason)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def pdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def response_bytes(response) -> bytes:
    """The body of a response, streamed (FileResponse) or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def published(alice, dept_a, town, january, fast_pdf, django_capture_on_commit_callbacks):
    """January published, with one red flag for town."""
    from boards import services

    approved(january, dept_a, town, rules.RED_FLAG, "主动承办疑难工单9件", office=alice)
    close(january, alice)
    with django_capture_on_commit_callbacks(execute=True):
        return services.edition_publish(period=january, by=alice).edition
