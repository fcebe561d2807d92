"""A reason at the length limit publishes whole, wrapped inside its cell.

Publishing costs time in proportion to the text (``make bench``:
``board_publish_reasons_…``); here, what a reader relies on: every character of the
longest reason is in the PDF, the page does not grow sideways, and the soft breaks
that keep WeasyPrint fast are invisible and only where a run has no break of its own."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from django.core.exceptions import ValidationError

from boards import services
from boards.templatetags.board_tags import RUN, soft_breaks
from ratings import rules
from ratings import services as rating_services
from ratings.models import REASON_MAX_LENGTH
from tests.board_support import _board_cache, approved, close, pdf_text  # noqa: F401
from tests.test_board_pdf import A4

pytestmark = pytest.mark.django_db

ZWSP = "\u200b"


@pytest.mark.parametrize(("text", "expected"), [
    ("推诿扯皮，工单随意退回", "推诿扯皮，工单随意退回"),  # Chinese breaks between any two characters
    ("a" * RUN, "a" * RUN),  # a run no longer than RUN is left alone
    ("a" * (RUN + 1), "a" * RUN + ZWSP + "a"),
    ("a" * (2 * RUN), "a" * RUN + ZWSP + "a" * RUN + ZWSP),
    ("see https://example.invalid/" + "x" * 30, "see https://example.invalid/" + "x" * RUN + ZWSP + "x" * 10),
    ("short words stay as they are", "short words stay as they are"),
    ("二〇二六" + "X" * 25 + "年", "二〇二六" + "X" * RUN + ZWSP + "X" * 5 + "年"),
])
def test_only_runs_without_a_break_get_an_invisible_one(text, expected):
    assert soft_breaks(text) == expected
    assert soft_breaks(text).replace(ZWSP, "") == text


@pytest.fixture
def month_at_the_limit(alice, dept_a, dept_b, town, january):
    address = "https://12345.example.invalid/workorder/000123/" + "attachment" * 30
    body = ("推诿扯皮，工单随意退回，群众反映强烈；经督查仍未整改。" * 80)[: REASON_MAX_LENGTH - len(address)]
    reason = body[:900] + address + body[900:]
    assert len(reason) == REASON_MAX_LENGTH
    approved(january, dept_a, town, rules.YELLOW_LIGHT, reason, office=alice)
    close(january, alice)
    return january, reason


def test_a_reason_at_the_limit_is_printed_whole_and_inside_the_page(month_at_the_limit, alice):
    period, reason = month_at_the_limit

    edition = services.edition_publish(period=period, by=alice).edition
    with edition.pdf.open("rb") as stored:
        data = stored.read()

    text = "".join(pdf_text(data).replace(ZWSP, "").split())
    # The reason runs over pages: take out what each page repeats (running header, page
    # number, the table's header) and it reads through.
    for repeated in (r"本辖区·2026年1月效能亮榜发布日期：[^·]+·第1版", r"第\d+页，共\d+页", "序号被考核单位认定职能管理部门事由"):
        text = re.sub(repeated, "", text)
    assert "".join(reason.split()) in text
    reader = PdfReader(io.BytesIO(data))
    assert {(round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2)) for page in reader.pages} == {A4}
    # Every line of text starts and ends inside the page's width.
    xs: list[float] = []
    for page in reader.pages:
        page.extract_text(visitor_text=lambda text, cm, tm, font, size: xs.append(tm[4]) if text.strip() else None)
    assert xs and 0 <= min(xs) and max(xs) < A4[0]


def test_the_web_page_keeps_the_reason_as_typed(month_at_the_limit, alice, client):
    period, reason = month_at_the_limit
    services.edition_publish(period=period, by=alice)

    page = client.get(f"/{period.year}/{period.month:02d}/").content.decode()

    assert reason in page  # no soft breaks on the web: the browser wraps (overflow-wrap)


def test_a_reason_over_the_limit_cannot_be_recorded(alice, dept_a, town, january):
    with pytest.raises(ValidationError) as refused:
        rating_services.rating_record(period=january, department=dept_a, unit=town, kind=rules.RED_FLAG,
                                      reason="长" * (REASON_MAX_LENGTH + 1), by=alice)

    assert "事由最多 2,000 个字符，现有 2,001 个" in str(refused.value)
