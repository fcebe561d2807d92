"""Evidence files: what may be uploaded, and who may download them, how.

bob uploads evidence to his department's rating; carol (another department) may not
learn it exists; alice (office) and leo (leader) may read it; anon is sent to log in.
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ratings import services
from ratings.models import Evidence
from lib.downloads import content_type_for as evidence_content_type
from tests.admin_helpers import form_data
from tests.evidence_samples import JPEG

PDF = b"%PDF-1.4\n% a tiny test file\n"


@pytest.fixture
def rating(bob, dept_a, town, january, flag_criterion):
    return services.rating_record(
        period=january, department=dept_a, unit=town, kind="red_flag", criterion=flag_criterion,
        reason="主动上门服务企业", by=bob,
    )


@pytest.fixture
def evidence(rating, bob):
    item = Evidence(rating=rating, original_name="工单截图 2026-01.pdf", uploaded_by=bob)
    item.file.save("whatever.pdf", ContentFile(PDF), save=False)
    item.save()
    return item


def _upload(client, rating, upload):
    url = reverse("admin:ratings_rating_change", args=[rating.pk])
    page = client.get(url)
    data = form_data(page)
    data["evidence-TOTAL_FORMS"] = int(data["evidence-TOTAL_FORMS"]) + 1
    index = data["evidence-TOTAL_FORMS"] - 1
    data[f"evidence-{index}-file"] = upload
    data[f"evidence-{index}-rating"] = rating.pk
    return client.post(url, data)


# Uploading ---------------------------------------------------------------------------------


def test_a_rater_uploads_evidence_and_its_name_and_uploader_are_kept(client, bob, rating):
    client.force_login(bob)
    response = _upload(client, rating, SimpleUploadedFile("整改通知书.PDF", PDF, content_type="application/pdf"))
    assert response.status_code == 302
    item = Evidence.objects.get()
    assert item.original_name == "整改通知书.PDF"
    assert item.uploaded_by == bob
    # Stored under a random name: the user's file name never becomes a path.
    assert "整改通知书" not in item.file.name and item.file.name.endswith(".pdf")
    # The upload is part of the rating's audit trail.
    assert [(h.history_type, h.history_user) for h in item.history.all()] == [("+", bob)]


def test_an_upload_with_a_forbidden_extension_is_refused_with_a_clear_error(client, bob, rating):
    client.force_login(bob)
    response = _upload(client, rating, SimpleUploadedFile("page.html", b"<script>alert(1)</script>"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "不支持的文件类型" in text and "html" in text
    assert not Evidence.objects.exists()


def test_an_upload_without_an_extension_is_refused(client, bob, rating):
    client.force_login(bob)
    response = _upload(client, rating, SimpleUploadedFile("README", b"plain"))
    assert "不支持的文件类型“无扩展名”" in response.content.decode()
    assert not Evidence.objects.exists()


def test_an_upload_that_is_too_big_is_refused_with_a_clear_error(client, bob, rating, settings):
    settings.EVIDENCE_MAX_BYTES = 10
    client.force_login(bob)
    response = _upload(client, rating, SimpleUploadedFile("big.pdf", PDF))
    assert response.status_code == 200
    assert "文件过大" in response.content.decode()
    assert not Evidence.objects.exists()


def test_evidence_can_be_attached_when_the_rating_is_recorded(client, bob, town, january, flag_criterion):
    client.force_login(bob)
    data = {
        "period": january.pk, "unit": town.pk, "kind": "red_flag", "criterion": flag_criterion.pk, "reason": "好",
        "evidence-TOTAL_FORMS": "1", "evidence-INITIAL_FORMS": "0", "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "1000", "evidence-0-file": SimpleUploadedFile("表扬信.jpg", JPEG),
    }
    response = client.post(reverse("admin:ratings_rating_add"), data)
    assert response.status_code == 302
    item = Evidence.objects.get()
    assert item.rating.reason == "好" and item.original_name == "表扬信.jpg" and item.uploaded_by == bob


def test_evidence_of_a_submitted_rating_cannot_be_changed_by_the_rater(client, bob, rating, evidence):
    services.rating_submit(rating=rating, by=bob)
    client.force_login(bob)
    page = client.get(reverse("admin:ratings_rating_change", args=[rating.pk])).content.decode()
    assert 'type="file"' not in page
    assert reverse("ratings:evidence_download", args=[evidence.pk]) in page


def test_the_admin_links_evidence_to_the_protected_download_never_to_media(client, bob, rating, evidence, settings):
    client.force_login(bob)
    page = client.get(reverse("admin:ratings_rating_change", args=[rating.pk])).content.decode()
    assert reverse("ratings:evidence_download", args=[evidence.pk]) in page
    assert settings.MEDIA_URL + evidence.file.name not in page
    assert client.get(settings.MEDIA_URL + evidence.file.name).status_code == 404


# Downloading -------------------------------------------------------------------------------


@pytest.mark.parametrize("who,expected", [("bob", 200), ("alice", 200), ("leo", 200), ("carol", 404)])
def test_who_may_download_evidence(client, request, evidence, who, expected):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("ratings:evidence_download", args=[evidence.pk]))
    assert response.status_code == expected


def test_an_anonymous_visitor_is_sent_to_log_in(client, evidence):
    response = client.get(reverse("ratings:evidence_download", args=[evidence.pk]))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_missing_evidence_id_is_a_404(client, alice, db):
    client.force_login(alice)
    assert client.get(reverse("ratings:evidence_download", args=[999999])).status_code == 404


def test_the_download_is_an_attachment_with_safe_headers(client, bob, evidence):
    client.force_login(bob)
    response = client.get(reverse("ratings:evidence_download", args=[evidence.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]  # the original Chinese name
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_a_stored_html_file_is_never_served_as_html(client, alice, rating):
    # Should an HTML file ever get into storage, it is still only a download.
    item = Evidence(rating=rating, original_name="x.html")
    item.file.save("x.html", ContentFile(b"<script>alert(1)</script>"), save=False)
    item.save()
    client.force_login(alice)
    response = client.get(reverse("ratings:evidence_download", args=[item.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    "name,content_type",
    [
        ("a.pdf", "application/pdf"),
        ("a.JPG", "image/jpeg"),
        ("a.txt", "text/plain; charset=utf-8"),
        ("a.html", "application/octet-stream"),
        ("a.svg", "application/octet-stream"),
        ("a", "application/octet-stream"),
    ],
)
def test_content_types_are_chosen_from_a_safe_list(name, content_type):
    assert evidence_content_type(name) == content_type


def test_posting_to_the_download_is_not_allowed(client, bob, evidence):
    client.force_login(bob)
    assert client.post(reverse("ratings:evidence_download", args=[evidence.pk])).status_code == 405
