"""Before she publishes, alice of the efficiency office sees the board as it will be
published: the web page and the PDF, rendered from the edition templates and marked
预览（未发布）, with what differs from the revision the public reads. Previewing makes
nothing: no edition, no run, no file, nothing in the public board's cache. Nobody but
the office sees a preview."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.cache import caches
from django.urls import reverse

from boards import previews, render, services, snapshots
from boards.models import Edition, PublishRun
from ratings import rules
from ratings import services as rating_services
from ratings.models import Period
from tests.board_support import _board_cache, approved, close, fast_pdf, pdf_pages, reopen  # noqa: F401
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

MARK = "预览（未发布）"
NOON = datetime(2026, 2, 3, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def closed_january(alice, dept_a, dept_b, town, town2, january):
    approved(january, dept_a, town, rules.RED_FLAG, "主动承办疑难工单9件", office=alice)
    approved(january, dept_b, town2, rules.YELLOW_LIGHT, "随意退单6件", office=alice)
    return close(january, alice)


@pytest.fixture
def town3(db):
    return OrganisationFactory(code="T03", name="东坝街道")


@pytest.fixture
def corrected_january(closed_january, alice, dept_a, town3, fast_pdf):
    """Published as revision 1, then reopened: the yellow light withdrawn on review, a red
    flag added for 东坝街道, the reason of 淳溪街道's red flag corrected; closed again."""
    services.edition_publish(period=closed_january, by=alice)
    reopen(closed_january, alice)
    yellow = closed_january.ratings.get(kind=rules.YELLOW_LIGHT)
    rating_services.rating_delete(rating=yellow, by=alice)
    flag = closed_january.ratings.get(unit__code="T01")
    rating_services.rating_update(rating=flag, by=alice, reason="主动承办疑难工单12件，均提前办结")
    approved(closed_january, dept_a, town3, rules.RED_FLAG, "老旧小区改造提前完成", office=alice)
    return close(closed_january, alice)


def _urls(period: Period) -> tuple[str, str, str]:
    return (
        reverse("admin:boards_boardmonth_publish", args=[period.pk]),
        reverse("admin:boards_boardmonth_preview", args=[period.pk]),
        reverse("admin:boards_boardmonth_preview_pdf", args=[period.pk]),
    )


# The publish page ------------------------------------------------------------------------------


def test_the_publish_page_shows_the_preview_and_says_it_is_the_first_edition(client, alice, closed_january):
    publish_url, preview_url, pdf_url = _urls(closed_january)
    client.force_login(alice)
    body = client.get(publish_url).content.decode()
    assert MARK in body
    assert f'<iframe class="lb-preview-frame" src="{preview_url}"' in body
    assert f'href="{pdf_url}"' in body and "下载预览 PDF" in body
    assert "该月尚未发布，这将是第一版：2 条认定将首次公开。" in body


def test_a_correction_lists_what_it_adds_removes_and_changes_against_the_published_revision(
    client, alice, corrected_january,
):
    client.force_login(alice)
    body = client.get(_urls(corrected_january)[0]).content.decode()
    assert "与已发布的第 1 版相比：新增 1 条，撤下 1 条，变更 1 条。" in body
    added = body.split('class="lb-diff-added"')[1].split("</table>")[0]
    removed = body.split('class="lb-diff-removed"')[1].split("</table>")[0]
    changed = body.split('class="lb-diff-changed"')[1].split("</table>")[0]
    assert "东坝街道（T03）" in added and "老旧小区改造提前完成" in added and "红旗" in added
    assert "古柏街道（T02）" in removed and "随意退单6件" in removed and "黄灯" in removed
    assert "淳溪街道（T01）" in changed
    assert "事由：主动承办疑难工单9件 → 主动承办疑难工单12件，均提前办结" in changed


def test_a_month_republished_unchanged_says_so(client, alice, closed_january, fast_pdf):
    services.edition_publish(period=closed_january, by=alice)
    client.force_login(alice)
    body = client.get(_urls(closed_january)[0]).content.decode()
    assert "与已发布的第 1 版相比没有任何变化。" in body
    assert "内容与已发布的第 1 版相同：再次发布不会产生新版本。" in body


# The preview of the page -------------------------------------------------------------------------


def test_the_preview_shows_the_ratings_that_will_be_published_under_the_mark(client, alice, closed_january, fast_pdf):
    client.force_login(alice)
    response = client.get(_urls(closed_january)[1])
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index(MARK) < body.index("淳溪街道")  # the banner comes first
    for text in ("2026年1月效能亮榜", "第 1 版", "淳溪街道", "主动承办疑难工单9件", "古柏街道", "随意退单6件"):
        assert text in body
    # Its PDF link is the preview's PDF, not a public address that does not exist yet.
    assert f'href="{_urls(closed_january)[2]}"' in body and "/2026/01/r1/board.pdf" not in body
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert "script-src" not in response["Content-Security-Policy"]  # default-src 'none': no script at all
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    assert "noindex" in response["X-Robots-Tag"]


def test_a_correction_is_previewed_as_the_next_revision_with_the_note_to_come(client, alice, corrected_january):
    client.force_login(alice)
    body = client.get(_urls(corrected_january)[1]).content.decode()
    assert "第 2 版" in body and "本版更正并取代第 1 版。" in body
    assert "（此处将显示发布时填写的更正说明）" in body
    assert "随意退单6件" not in body and "老旧小区改造提前完成" in body


def test_the_preview_is_the_page_that_publishing_makes(alice, closed_january, fast_pdf):
    """The same templates and content: without its mark, the preview is the stored page."""
    preview = previews.board_preview(period=closed_january, now=NOON)
    page = previews.preview_page(preview, pdf_url="/preview.pdf")
    mark = previews._mark("boards/admin/preview_mark_page.html", preview)
    preview_pdf_sha = services.sha256(previews.preview_pdf(preview))

    edition = services.edition_publish(period=closed_january, by=alice, now=NOON).edition
    unmarked = (page.replace(mark, "", 1).replace(render.preview_page_head() + "\n", "", 1)
                .replace('href="/preview.pdf"', 'href="/2026/01/r1/board.pdf"').replace(preview_pdf_sha, edition.pdf_sha256))
    assert unmarked == edition.html


# Previewing changes nothing ----------------------------------------------------------------------


def test_previewing_makes_no_edition_and_leaves_the_public_site_and_its_cache_as_they_were(
    client, alice, corrected_january,
):
    public = {url: client.get(url).content for url in ("/", "/2026/01/", "/archive/")}
    cache = caches[settings.BOARD_CACHE_ALIAS]
    generation = cache.get(snapshots.GENERATION_KEY)
    editions = list(Edition.objects.values_list("pk", "revision"))

    client.force_login(alice)
    for url in _urls(corrected_january):
        assert client.get(url).status_code == 200

    assert list(Edition.objects.values_list("pk", "revision")) == editions == [(editions[0][0], 1)]
    assert not PublishRun.objects.exists()
    corrected_january.refresh_from_db()
    assert corrected_january.status == Period.Status.CLOSED
    assert cache.get(snapshots.GENERATION_KEY) == generation
    # Nothing was cached under the address the next revision will have, and the public pages are as they were.
    assert cache.get(f"boards:snapshot:{generation}:{snapshots.edition_key(None, 2026, 1, 2)}") is None
    client.logout()
    assert {url: client.get(url).content for url in public} == public
    assert client.get("/2026/01/r2/").status_code == 404


def test_no_public_address_serves_a_preview(client, alice, closed_january, fast_pdf):
    # Never published: the month's public page and PDF do not exist, whatever was previewed.
    client.force_login(alice)
    client.get(_urls(closed_january)[1])
    client.get(_urls(closed_january)[2])
    client.logout()
    for url in ("/2026/01/", "/2026/01/r1/", "/2026/01/r1/board.pdf", "/2026/01/board.pdf"):
        assert client.get(url).status_code == 404, url
    assert MARK not in client.get("/").content.decode()


# Who may preview ---------------------------------------------------------------------------------


@pytest.mark.parametrize("which", [1, 2], ids=["page", "pdf"])
def test_nobody_but_the_office_sees_a_preview(client, bob, leo, closed_january, which):
    url = _urls(closed_january)[which]
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    for person in (bob, leo):  # a rater, a leader
        client.force_login(person)
        assert client.get(url).status_code == 403


def test_a_preview_only_reads(client, alice, closed_january):
    client.force_login(alice)
    assert client.post(_urls(closed_january)[1]).status_code == 405
    assert client.post(_urls(closed_january)[2]).status_code == 405


def test_an_open_month_has_no_preview(client, alice, february):
    client.force_login(alice)
    response = client.get(_urls(february)[1], follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:boards_boardmonth_changelist")
    assert "尚未关账，不能发布" in response.content.decode()


# The preview of the PDF --------------------------------------------------------------------------


def test_the_pdf_preview_is_a_pdf_marked_on_every_page_with_the_safe_headers(
    client, alice, dept_a, january, town,
):
    # Long reasons, so that the board takes more than one page.
    for number in range(14):
        unit = OrganisationFactory(code=f"U{number:02d}", name=f"第{number}街道")
        approved(january, dept_a, unit, rules.RED_FLAG, f"第{number}项：" + "主动承办疑难工单，均提前办结。" * 12,
                 office=alice)
    close(january, alice)
    client.force_login(alice)
    response = client.get(_urls(january)[2])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF-")
    pages = pdf_pages(data)
    assert len(pages) > 1
    assert all("预览" in page and "未发布" in page for page in pages)
    assert "第0街道" in pages[0] and "仅供发布前核对，不是正式发布的亮榜" in pages[0]
    assert "效能办" in pages[-1]  # it ends with the sign-off, as the published PDF will
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox; frame-ancestors 'none'"
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    assert "noindex" in response["X-Robots-Tag"]
    assert not Edition.objects.exists()
