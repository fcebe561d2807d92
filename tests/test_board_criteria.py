"""The public board says what each rating was for: the criterion's text, not only its code.

The web page and the unit page show code and text above the reason; the PDF keeps the
code in the table and prints the text of every criterion it cites once, in an appendix;
the lobby screen, read from across a hall, keeps to the code."""

from __future__ import annotations

import pytest

from boards import services
from ratings import rules
from ratings import services as rating_services
from tests.board_support import _board_cache, close, pdf_text  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def cited_month(alice, dept_a, dept_b, town, town2, january, flag_criterion, yellow_criterion):
    for unit, kind, criterion, reason in ((town, rules.RED_FLAG, flag_criterion, "提前完成老旧小区改造"),
                                          (town2, rules.YELLOW_LIGHT, yellow_criterion, "工单随意退回")):
        rating = rating_services.rating_record(period=january, department=dept_a, unit=unit, kind=kind, reason=reason,
                                               criterion=criterion, by=alice, submit=True)
        rating_services.rating_approve(rating=rating, by=alice)
    close(january, alice)
    return services.edition_publish(period=january, by=alice).edition


def test_the_web_board_shows_each_criterions_text_beside_its_code(cited_month, client):
    page = client.get("/2026/01/").content.decode()

    assert '<span class="criterion">H01</span> 主动担当，攻坚克难' in page
    assert '<span class="criterion">Y01</span> 推诿扯皮，慢作为' in page


def test_the_unit_page_shows_the_criterions_text_too(cited_month, client, town):
    page = client.get(f"/units/{town.code}/").content.decode()

    assert '<span class="criterion">H01</span> 主动担当，攻坚克难' in page


def test_the_pdf_cites_codes_in_the_table_and_prints_their_text_once_in_an_appendix(cited_month):
    with cited_month.pdf.open("rb") as stored:
        text = "".join(pdf_text(stored.read()).split())

    appendix = text.split("本期引用的认定条目", 1)[1]
    assert "H01主动担当，攻坚克难" in appendix
    assert "Y01推诿扯皮，慢作为" in appendix
    assert text.count("主动担当，攻坚克难") == 1


def test_the_lobby_screen_keeps_to_the_code(cited_month, client):
    page = client.get("/lobby/").content.decode()

    assert ">H01</span>" in page
    assert "> 主动担当，攻坚克难" not in page
