"""查看: evidence that is a PDF or an image opens in the browser, for exactly the people
who may download it, with the download's safe headers; anything else still downloads.

bob rates for 区住建局 (the rating is his); carol rates for 区市场监管局; leo reads
everything; alice is the office.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from lib import uploads
from ratings import services
from ratings.models import Evidence
from tests import evidence_samples as sample


@pytest.fixture
def rating(bob, dept_a, town, january, rulebook):
    return services.rating_record(period=january, department=dept_a, unit=town, kind="yellow_light",
                                  reason="工单超时办结", by=bob)


def stored(rating, stored_as: str, data: bytes, name: str = "") -> Evidence:
    item = Evidence(rating=rating, original_name=name or "佐证." + stored_as.rsplit(".", 1)[-1])
    item.file.save(stored_as, ContentFile(data), save=False)
    item.save()
    return item


def view(client, item):
    return client.get(reverse("ratings:evidence_view", args=[item.pk]))


# Which bytes may be shown (pure) ------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "shown_as"), [
    ("a.pdf", sample.PDF, "application/pdf"),
    ("a.png", sample.PNG, "image/png"),
    ("a.jpg", sample.JPEG, "image/jpeg"),
    ("a.jpeg", sample.JPEG, "image/jpeg"),
    ("a.PNG", sample.PNG, "image/png"),
    ("a.png", sample.JPEG, None),  # a JPEG named .png is not shown as a PNG
    ("a.pdf", sample.PAGE, None),  # a web page named .pdf
    ("a.png", sample.SVG, None),
    ("a.png", sample.png_with_text("<html><script>alert(1)</script>"), None),  # a real PNG with a page inside
    ("a.pdf", b"%PDF-1.4\n<script>alert(1)</script>\n", None),
    ("a.txt", sample.TXT, None),
    ("a.docx", sample.docx(), None),
    ("a.html", sample.PAGE, None),
    ("a.bin", sample.PDF, None),
    ("a.pdf", b"", None),
])
def test_only_a_pdf_or_an_image_whose_bytes_are_one_is_shown(name, data, shown_as):
    assert uploads.inline_content_type(name, io.BytesIO(data)) == shown_as


@pytest.mark.parametrize(("name", "offered"), [
    ("a.pdf", True), ("a.png", True), ("a.jpg", True), ("a.JPEG", True), ("a.docx", False), ("a.txt", False),
    ("a.bin", False), ("a", False),
])
def test_only_pdfs_and_images_are_offered_for_viewing(name, offered):
    assert uploads.may_show_inline(name) is offered


# Serving ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("stored_as", "data", "content_type"), [
    ("x.pdf", sample.PDF, "application/pdf"),
    ("x.png", sample.PNG, "image/png"),
    ("x.jpg", sample.JPEG, "image/jpeg"),
])
def test_a_pdf_or_an_image_opens_in_the_browser_with_the_downloads_safe_headers(client, alice, rating, stored_as,
                                                                                 data, content_type):
    item = stored(rating, stored_as, data, name="工单截图." + stored_as.rsplit(".", 1)[1])
    client.force_login(alice)
    response = view(client, item)

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("inline;")
    assert "%E5%B7%A5%E5%8D%95%E6%88%AA%E5%9B%BE" in response["Content-Disposition"]  # 工单截图
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    policy = [part.strip() for part in response["Content-Security-Policy"].split(";")]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert b"".join(response.streaming_content) == data


def test_an_image_is_also_sandboxed(client, alice, rating):
    client.force_login(alice)
    response = view(client, stored(rating, "x.png", sample.PNG))
    assert "sandbox" in [part.strip() for part in response["Content-Security-Policy"].split(";")]


@pytest.mark.parametrize(("stored_as", "data"), [
    ("x.docx", sample.docx()),
    ("x.txt", sample.TXT),
    ("x.pdf", sample.PAGE),  # stored before the upload checks, or changed on disk since
    ("x.png", sample.png_with_text("<svg onload=alert(1)>")),
])
def test_anything_else_stays_a_sandboxed_attachment(client, alice, rating, stored_as, data):
    client.force_login(alice)
    response = view(client, stored(rating, stored_as, data))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert not response["Content-Type"].startswith(("text/html", "image/svg"))
    assert "sandbox" in [part.strip() for part in response["Content-Security-Policy"].split(";")]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("persona", "status"), [("bob", 200), ("carol", 404), ("leo", 200), ("alice", 200)])
def test_the_same_people_may_view_it_as_may_download_it(client, rating, persona, status, request):
    item = stored(rating, "x.pdf", sample.PDF)
    client.force_login(request.getfixturevalue(persona))
    assert view(client, item).status_code == status
    assert client.get(reverse("ratings:evidence_download", args=[item.pk])).status_code == status


def test_without_an_account_it_asks_to_log_in(client, rating):
    response = view(client, stored(rating, "x.pdf", sample.PDF))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_file_gone_from_storage_is_not_found(client, alice, rating):
    item = stored(rating, "x.pdf", sample.PDF)
    item.file.storage.delete(item.file.name)
    client.force_login(alice)
    assert view(client, item).status_code == 404


def test_it_only_reads(client, alice, rating):
    client.force_login(alice)
    response = client.post(reverse("ratings:evidence_view", args=[stored(rating, "x.pdf", sample.PDF).pk]))
    assert response.status_code == 405


# On the review page -------------------------------------------------------------------------------


def test_the_review_page_links_view_beside_each_pdf_or_image(client, alice, bob, rating):
    pdf = stored(rating, "x.pdf", sample.PDF, name="工单.pdf")
    word = stored(rating, "x.docx", sample.docx(), name="通知.docx")
    services.rating_submit(rating=rating, by=bob)
    for person in (alice, bob):
        client.force_login(person)
        page = client.get(reverse("admin:ratings_rating_change", args=[rating.pk])).content.decode()
        assert f'href="{reverse("ratings:evidence_view", args=[pdf.pk])}" target="_blank"' in page
        assert reverse("ratings:evidence_view", args=[word.pk]) not in page
        assert reverse("ratings:evidence_download", args=[word.pk]) in page
        assert page.count(">查看</a>") == 1
