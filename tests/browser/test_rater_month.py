"""Bob rates for the housing bureau (区住建局): he enters a red flag in the admin, picks
the unit and the criterion by typing, attaches a PDF, saves a draft and submits it;
the office returns it with a reason; bob reads the reason, fixes the text and submits
again."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from ratings import services
from ratings.models import Rating
from tests.browser.conftest import journey, log_in, screenshot

pytestmark = journey

# A one-page PDF in its smallest valid form.
EVIDENCE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def choose(page, field: str, typed: str, option: str) -> None:
    """An autocomplete field (select2): open it, type, take the first option the server
    offers (criteria: the newest rule book's first)."""
    page.locator(f".field-{field} .select2-selection").click()
    search = page.locator(".select2-container--open .select2-search__field")
    search.fill(typed)
    page.locator(".select2-results__option", has_text=option).first.click()
    expect(page.locator(f".field-{field} .select2-selection__rendered")).to_contain_text(option)


def test_bob_enters_a_red_flag_with_evidence_submits_it_and_resubmits_it_after_a_return(
    page, open_context, district, watch,
):
    bob, alice = district.bob, district.alice
    today = services.today()  # the admin opens the calendar month for rating by itself

    # Bob enters a red flag for 淳溪街道, with the rule book's criterion and a PDF.
    log_in(page, bob, next_url="/admin/ratings/rating/add/")
    expect(page.get_by_role("heading", name="增加 认定")).to_be_visible()
    expect(page.locator("#id_period option:checked")).to_have_text(f"{today.year}-{today.month:02d}")
    choose(page, "unit", "淳溪", "淳溪街道")
    page.locator("#id_kind").select_option(label="红旗")
    choose(page, "criterion", "H01", "H01 主动担当")
    page.get_by_label("事由").fill("主动承办城中村改造疑难工单9件，均提前办结")
    page.locator("input[type=file]").first.set_input_files(
        files=[{"name": "工单办结情况.pdf", "mimeType": "application/pdf", "buffer": EVIDENCE_PDF}]
    )
    page.get_by_role("button", name="保存并继续编辑").click()

    expect(page.locator(".messagelist .success")).to_contain_text("成功添加了 认定")
    expect(page.locator(".field-status .readonly")).to_have_text("草稿")
    rating = Rating.objects.get(department=district.housing, unit=district.unit("淳溪街道"))
    assert (rating.kind, rating.criterion.code, rating.status) == ("red_flag", "H01", Rating.Status.DRAFT)
    assert rating.criterion.rulebook.year == today.year
    # The evidence is kept, and bob can download exactly what he attached.
    evidence_link = page.get_by_role("link", name="工单办结情况.pdf")
    expect(evidence_link).to_be_visible()
    download = page.request.get(evidence_link.get_attribute("href"))
    assert download.ok and download.body() == EVIDENCE_PDF
    assert download.headers["content-type"] == "application/pdf"

    # He submits it for review from the rating's page.
    page.locator(".lb-object-actions").get_by_role("button", name="提交审核").click()
    expect(page.locator(".messagelist .success")).to_have_text("已提交，等待效能办审核。")
    expect(page.locator(".field-status .readonly")).to_have_text("待审核")
    expect(page.get_by_role("button", name="保存并提交审核")).to_have_count(0)  # no longer his to change

    # The office (alice, in her own browser) finds it among the submitted ratings and returns it.
    office = open_context().new_page()
    log_in(office, alice, next_url="/admin/ratings/rating/?status__exact=submitted")
    office.get_by_role("link", name="淳溪街道").click()
    office.get_by_role("link", name="退回…").click()
    office.get_by_label("原因").fill("事由未写明工单编号和办结时限，请补充后重新提交")
    office.get_by_role("button", name="退回").click()
    expect(office.locator(".messagelist .success")).to_have_text("已退回。")
    expect(office.locator(".field-status .readonly")).to_have_text("已退回")

    # Bob sees why, fixes the reason and submits again in one step.
    page.reload()
    notice = page.locator("#lb-return-reason")
    expect(notice).to_contain_text("效能办已退回本条认定")
    expect(notice).to_contain_text("事由未写明工单编号和办结时限")
    page.get_by_label("事由").fill("主动承办城中村改造疑难工单9件（GD2026-0311至0319），均在3个工作日内办结")
    page.get_by_role("button", name="保存并提交审核").click()

    # He lands on his list: the rating awaits review again, with its evidence.
    expect(page).to_have_url(re.compile(r"/admin/ratings/rating/(\?.*)?$"))
    row = page.locator("#result_list tbody tr", has_text="淳溪街道")
    expect(row.locator(".lb-status")).to_have_text("待审核")
    rating.refresh_from_db()
    assert rating.status == Rating.Status.SUBMITTED
    assert "GD2026-0311" in rating.reason and rating.return_reason
    assert [e.original_name for e in rating.evidence.all()] == ["工单办结情况.pdf"]
    watch.assert_clean()
    screenshot(page, "rater-month")
