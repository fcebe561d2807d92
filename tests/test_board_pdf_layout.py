"""The board's PDF reads as an official notice: page 1 names the jurisdiction once, in
the edition's header, and explains the marks (the legend) before the boards; the last
page ends with the sign-off, the issuing office and the publication's date as a Chinese
document writes it; and the file is a tagged PDF a screen reader can follow.

alice (效能办) publishes; the jurisdiction is renamed 南京市高淳区 first, as a real
deployment is, so that "the name" is a name no unit's name contains."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest
from django.urls import reverse
from pypdf import PdfReader

from boards import render, services
from departments.models import Jurisdiction
from ratings import rules
from tests.board_support import _board_cache, approved, close, pdf_pages  # noqa: F401
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

NAME = "南京市高淳区"
# 17:30 UTC on 28 February is 01:30 on 1 March in Nanjing: the sign-off says 1 March.
PUBLISHED = datetime(2026, 2, 28, 17, 30, tzinfo=timezone.utc)
LEGEND = "作风好、成效显、执行力强，上榜表扬，年终考核加分。"


def flat(text: str) -> str:
    """Text without spaces and line breaks: table cells wrap, the words stay in order."""
    return "".join(text.split())


def stored_pdf(edition) -> bytes:
    with edition.pdf.open("rb") as stored:
        return stored.read()


def pages_of(edition) -> list[str]:
    return [flat(page) for page in pdf_pages(stored_pdf(edition))]


@pytest.fixture
def gaochun(db) -> Jurisdiction:
    jurisdiction = Jurisdiction.objects.get()
    jurisdiction.name = NAME
    jurisdiction.save()
    return jurisdiction


@pytest.fixture
def long_february(gaochun, alice, dept_a, dept_b, february):
    """February over several pages: 40 red flags and a few yellow lights."""
    for i in range(40):
        unit = OrganisationFactory(code=f"Z{i:02d}", name=f"第{i + 1}街道")
        approved(february, dept_a, unit, rules.RED_FLAG, f"城乡居民养老保险征缴进度超序时{i}个百分点，上门服务", office=alice)
    for i in range(3):
        unit = OrganisationFactory(code=f"Y{i}", name=f"第{i + 1}社区")
        approved(february, dept_b, unit, rules.YELLOW_LIGHT, "食品安全隐患交办单逾期未整改", office=alice)
    close(february, alice)
    return services.edition_publish(period=february, by=alice, now=PUBLISHED).edition


@pytest.fixture
def short_january(gaochun, alice, dept_a, town, january):
    """January on one page: one red flag."""
    approved(january, dept_a, town, rules.RED_FLAG, "提前完成老旧小区改造", office=alice)
    close(january, alice)
    return services.edition_publish(period=january, by=alice, now=PUBLISHED).edition


def test_the_legend_is_on_page_one_not_alone_on_a_last_page(long_february):
    pages = pages_of(long_february)

    assert len(pages) >= 3
    assert "图例" in pages[0] and LEGEND in pages[0]
    # It comes before the boards it explains, once.
    assert pages[0].index(LEGEND) < pages[0].index("红旗榜")
    assert sum(page.count(LEGEND) for page in pages) == 1
    # The last page holds the end of the boards, not just a legend and a sign-off.
    assert "第3社区" in pages[-1] or "第40街道" in pages[-1]


def test_page_one_names_the_jurisdiction_once_in_its_header(long_february):
    # The header area of page 1 is its text before the first board's heading (红旗榜):
    # the kicker names the jurisdiction; the title and the running header do not repeat
    # it (page 1 has no running header). Page 1 holds no other mention of it either.
    first = pages_of(long_february)[0]

    header, _board, _rest = first.partition("红旗榜")
    assert header.count(NAME) == 1
    assert "2026年2月效能亮榜" in header and "发布日期" in header and "第1版" in header
    assert first.count(NAME) == 1


def test_the_pages_after_the_first_name_it_once_in_their_running_header(long_february):
    pages = pages_of(long_february)

    for number, page in enumerate(pages[1:-1], start=2):
        assert page.count(NAME) == 1, number
        assert f"{NAME}·2026年2月效能亮榜" in page, number
    # The last page names it in its running header and signs as its 效能办.
    assert pages[-1].count(NAME) == 2


def test_the_last_page_ends_with_the_office_and_the_chinese_date(long_february):
    pages = pages_of(long_february)

    last = pages[-1]
    signoff = f"{NAME}效能办2026年3月1日"  # the local (Asia/Shanghai) date of the publication
    assert signoff in last
    assert last.index("第40街道" if "第40街道" in last else "第3社区") < last.index(signoff)
    assert all(signoff not in page for page in pages[:-1])


def test_a_one_page_board_signs_off_on_page_one(short_january):
    (page,) = pages_of(short_january)

    assert LEGEND in page and f"{NAME}效能办2026年3月1日" in page
    assert page.partition("红旗榜")[0].count(NAME) == 1


def test_the_sign_off_stands_at_the_right_as_a_notice_ends(short_january):
    page = PdfReader(io.BytesIO(stored_pdf(short_january))).pages[0]
    starts: dict[str, float] = {}  # where each line of text starts, in points from the left

    def seen(text, cm, tm, font, size):
        if text.strip():
            starts.setdefault(text.strip(), cm[0] * tm[4] + cm[4])

    page.extract_text(visitor_text=seen)

    width = float(page.mediabox.width)
    office = starts[f"{NAME}效能办"]
    assert width / 2 < office < width
    assert starts["作风好、成效显、执行力强，上榜表扬。"] < width / 4  # the body starts at the left


def test_the_pdf_is_tagged_with_its_language_title_and_creation_date(short_january):
    reader = PdfReader(io.BytesIO(stored_pdf(short_january)))
    catalog = reader.trailer["/Root"]

    assert "/StructTreeRoot" in catalog
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert catalog["/Lang"] == "zh-CN"
    assert reader.metadata.title == f"2026年1月效能亮榜 · {NAME}"
    assert reader.metadata.creation_date == PUBLISHED
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])  # the title, not the file name


def test_the_office_sets_its_sign_off_in_the_admin_and_new_editions_use_it(
    client, alice, short_january, dept_a, town2, february, gaochun,
):
    client.force_login(alice)
    url = reverse("admin:departments_jurisdiction_change", args=[gaochun.pk])
    form = client.get(url).content.decode()
    assert "发布单位" in form and "南京市高淳区效能办" in form  # the field, and what blank means

    response = client.post(url, {"name": NAME, "is_active": "on", "issuing_office": "高淳区机关作风效能建设办公室"})
    assert response.status_code == 302
    approved(february, dept_a, town2, rules.RED_FLAG, "提前完成整治任务", office=alice)
    close(february, alice)
    second = services.edition_publish(period=february, by=alice, now=PUBLISHED).edition

    assert "高淳区机关作风效能建设办公室2026年3月1日" in pages_of(second)[-1]
    # A published edition is a document: January keeps the office it was signed with.
    assert f"{NAME}效能办2026年3月1日" in pages_of(short_january)[-1]
    assert render.sha256(stored_pdf(short_january)) == short_january.pdf_sha256


@pytest.mark.parametrize(("published_at", "day"), [
    (datetime(2026, 12, 2, 1, 0, tzinfo=timezone.utc), "2026-12-02"),
    (datetime(2026, 12, 1, 16, 0, tzinfo=timezone.utc), "2026-12-02"),  # midnight in Nanjing
    (datetime(2026, 12, 1, 15, 59, tzinfo=timezone.utc), "2026-12-01"),
])
def test_the_sign_off_date_is_the_publications_day_in_local_time(published_at, day):
    info = render.EditionInfo(jurisdiction_name=NAME, year=2026, month=11, revision=1, published_at=published_at)

    context = render.pdf_context(info)

    assert context["signoff"].date.isoformat() == day
    assert context["signoff"].office == f"{NAME}效能办"
    assert context["pdf_created"].startswith(day) and context["pdf_created"].endswith("+08:00")


def test_a_jurisdictions_own_office_signs_instead_of_the_default():
    info = render.EditionInfo(jurisdiction_name=NAME, year=2026, month=11, revision=1,
                              published_at=PUBLISHED, issuing_office="高淳区效能建设领导小组办公室")

    assert render.pdf_context(info)["signoff"].office == "高淳区效能建设领导小组办公室"
