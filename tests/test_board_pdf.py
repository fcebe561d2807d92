"""The PDF of an edition, read back (pypdf): A4, Chinese text with embedded CJK fonts,
the header on every page, page numbers, table headers repeated, words with colours."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from boards import services
from ratings import rules
from ratings import services as rating_services
from tests.board_support import _board_cache, approved, close, pdf_pages, pdf_text, reopen, response_bytes  # noqa: F401
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

A4 = (595.28, 841.89)  # points


def flat(text: str) -> str:
    """Text without spaces and line breaks: table cells wrap, the words stay in order."""
    return "".join(text.split())


@pytest.fixture
def long_month(alice, dept_a, dept_b, town, january, february):
    """February with enough lines for several pages: 30 red flags, a consecutive red
    light for 淳溪街道 (yellow in January too), a serious-impact red light, yellows."""
    approved(january, dept_a, town, rules.YELLOW_LIGHT, "一月逾期未整改", office=alice)
    close(january, alice)
    for i in range(30):
        unit = OrganisationFactory(code=f"Z{i:02d}", name=f"第{i + 1}街道")
        approved(february, dept_a, unit, rules.RED_FLAG, f"城乡居民养老保险征缴进度超序时{i}个百分点，上门服务", office=alice)
    approved(february, dept_b, town, rules.YELLOW_LIGHT, "二月食品安全隐患交办单3件逾期未整改", office=alice)
    firm = OrganisationFactory(code="CJJT", name="区城建集团")
    approved(february, dept_a, firm, rules.YELLOW_LIGHT, "工地围挡倒塌，造成交通中断", office=alice, serious=True)
    plain = OrganisationFactory(code="GB", name="古柏街道")
    approved(february, dept_b, plain, rules.YELLOW_LIGHT, "<b>不是粗体</b> & 随意退单", office=alice)
    close(february, alice)
    return services.edition_publish(period=february, by=alice).edition


def _reader(edition) -> PdfReader:
    edition.pdf.open("rb")
    try:
        return PdfReader(io.BytesIO(edition.pdf.read()))
    finally:
        edition.pdf.close()


def test_the_pdf_is_a4_with_the_boards_in_chinese(long_month):
    reader = _reader(long_month)
    assert len(reader.pages) >= 2
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - A4[0]) < 1 and abs(height - A4[1]) < 1
    text = flat(pdf_text(long_month.pdf.open("rb").read()))
    for words in (long_month.jurisdiction_name, "2026年2月效能亮榜", "红旗榜", "亮灯榜", "第1街道", "第30街道",
                  "城乡居民养老保险征缴进度超序时0个百分点，上门服务", "区城建集团", "淳溪街道"):
        assert flat(words) in text, words


def test_flags_and_lights_are_in_words_so_it_prints_in_black_and_white(long_month):
    text = flat(pdf_text(long_month.pdf.open("rb").read()))
    assert text.count("红旗") >= 30
    assert "红灯" in text and "黄灯" in text
    assert "连续黄灯升级（上次黄灯：2026-01）" in text
    assert "黄灯造成较大影响，直接认定为红灯" in text
    assert "部门认定：黄灯" in text


def test_every_page_has_the_header_the_page_number_and_the_table_headers(long_month):
    pages = [flat(page) for page in pdf_pages(long_month.pdf.open("rb").read())]
    total = len(pages)
    name = flat(long_month.jurisdiction_name)
    for number, text in enumerate(pages, start=1):
        assert name in text, number
        assert "2026年2月效能亮榜" in text, number
        assert "发布日期" in text and "第1版" in text, number
        assert f"第{number}页，共{total}页" in text, number
    # The honour board runs over a page break: its column headings repeat on the next page.
    with_table = [text for text in pages if "第30街道" in text or "第1街道" in text]
    assert all("序号" in text and "被考核单位" in text and "职能管理部门" in text and "事由" in text for text in with_table)
    assert sum(text.count("被考核单位") for text in pages) >= 3  # two boards, one repeated header at least


def test_the_cjk_fonts_are_embedded(long_month):
    fonts = set()
    for page in _reader(long_month).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts.add(str(font["/BaseFont"]))
    assert any("Noto-Sans-CJK-SC" in name for name in fonts), fonts


def test_user_text_is_printed_as_text(long_month):
    text = flat(pdf_text(long_month.pdf.open("rb").read()))
    assert flat("<b>不是粗体</b> & 随意退单") in text


def test_the_pdf_has_a_title_and_is_served_as_a_download(client, long_month):
    assert _reader(long_month).metadata.title == f"2026年2月效能亮榜 · {long_month.jurisdiction_name}"
    response = client.get("/2026/02/board.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert response_bytes(response) == long_month.pdf.open("rb").read()


def test_a_corrections_pdf_carries_the_note(alice, dept_a, town, january):
    approved(january, dept_a, town, rules.RED_FLAG, "原事由", office=alice)
    close(january, alice)
    services.edition_publish(period=january, by=alice)
    reopen(january, alice)
    rating_services.rating_update(rating=january.ratings.get(), by=alice, reason="更正后的事由")
    close(january, alice)
    second = services.edition_publish(period=january, by=alice, note="经复核，更正淳溪街道的红旗事由。").edition

    text = flat(pdf_text(second.pdf.open("rb").read()))
    assert "更正说明" in text and "经复核，更正淳溪街道的红旗事由。" in text
    assert "第2版" in text and "本版更正并取代第1版" in text
    assert "更正后的事由" in text and "原事由" not in text
