"""Bad evidence uploads change nothing, and what is stored is served so that a browser
never runs it.

A table of files, each a real file of its type or one that only pretends to be (an HTML
page renamed .pdf, an SVG renamed .png, a .docx that is no zip, a real image carrying a
web page, an .exe …), is checked twice: by the pure rule (``lib.uploads``, no
database) and through the admin's evidence inline, where bob (rater of department A)
attaches it to his draft rating. Every refusal names the file in Chinese, stores no row
and writes no file. Personas as in tests/conftest.py.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lib import uploads
from lib.uploads import Problem
from ratings import services
from ratings.forms import validate_evidence_file
from ratings.models import Evidence, evidence_upload_to
from lib.downloads import content_type_for as evidence_content_type
from tests import evidence_samples as sample
from tests.admin_helpers import form_data

ALL_TYPES = ["pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "txt", "ofd"]
MB = 1024 * 1024


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    problem: Problem | None  # None: accepted
    why: str


CASES = [
    # Real files of every allowed type are accepted, whatever the case of the extension.
    *(Case(f"佐证材料.{ext}", data, None, f"a real .{ext}") for ext, data in sample.VALID.items()),
    Case("整改通知书.PDF", sample.PDF, None, "an upper-case extension"),
    Case("说明.txt", "整改情况说明".encode("gb18030"), None, "a GB18030 note from older Chinese Windows"),
    Case("说明.txt", "\ufeff整改情况说明".encode("utf-16"), None, "a UTF-16 note from Notepad"),
    # Types that are never evidence.
    Case("page.html", sample.PAGE, Problem.EXTENSION, "a web page"),
    Case("page.htm", sample.PAGE, Problem.EXTENSION, "a web page"),
    Case("logo.svg", sample.SVG, Problem.EXTENSION, "an SVG image (it can carry script)"),
    Case("setup.exe", b"MZ\x90\x00" + b"\x00" * 60, Problem.EXTENSION, "a program"),
    Case("run.js", b"alert(1)", Problem.EXTENSION, "a script"),
    Case("run.bat", b"del /q *", Problem.EXTENSION, "a batch file"),
    Case("archive.zip", sample.zip_of({"a.txt": b"x"}), Problem.EXTENSION, "a bare archive"),
    Case("report.pdf.html", sample.PAGE, Problem.EXTENSION, "a double extension ending in .html"),
    Case("README", b"plain", Problem.EXTENSION, "no extension"),
    Case(".pdf", sample.PDF, Problem.EXTENSION, "only a dot-name"),
    # The extension says one thing, the content another.
    Case("通知.pdf", sample.PAGE, Problem.CONTENT, "an HTML page renamed .pdf"),
    Case("照片.png", sample.SVG, Problem.CONTENT, "an SVG renamed .png"),
    Case("照片.jpg", b"alert(document.cookie)", Problem.CONTENT, "a script renamed .jpg"),
    Case("照片.png", sample.JPEG, Problem.CONTENT, "a JPEG renamed .png"),
    Case("照片.jpg", sample.PNG, Problem.CONTENT, "a PNG renamed .jpg"),
    Case("照片.png", sample.PNG[:20], Problem.CONTENT, "a truncated PNG"),
    Case("通知.docx", b"just some text", Problem.CONTENT, "a .docx that is not a zip"),
    Case("通知.docx", sample.zip_of({"evil.exe": b"MZ"}), Problem.CONTENT, "a zip that is no Word document"),
    Case("通知.docx", sample.xlsx(), Problem.CONTENT, "a workbook renamed .docx"),
    Case("表格.xlsx", sample.docx(), Problem.CONTENT, "a Word document renamed .xlsx"),
    Case("通知.docx", sample.PAGE + sample.docx(), Problem.CONTENT, "a web page with a Word file glued to its end"),
    Case("公文.ofd", sample.zip_of({"a.txt": b"x"}), Problem.CONTENT, "a zip that is no OFD document"),
    Case("通知.doc", b"{\\rtf1 not a binary Word file}", Problem.CONTENT, "a .doc that is not one"),
    Case("表格.xls", sample.PAGE, Problem.CONTENT, "an HTML table renamed .xls"),
    Case("说明.txt", b"\x00\x01\x02\x03binary", Problem.CONTENT, "binary data renamed .txt"),
    Case("说明.txt", b"\xff\xfe\xfd", Problem.CONTENT, "bytes that are no text"),
    # Real files that carry a web page (polyglots) or notes that are web pages.
    Case("通知.pdf", sample.PDF[:9] + sample.PAGE, Problem.MARKUP, "a PDF header followed by a web page"),
    Case("照片.png", sample.png_with_text("<html><script>alert(1)</script></html>"), Problem.MARKUP,
         "a real PNG with a web page in a text chunk"),
    Case("照片.jpg", sample.image("JPEG", comment=b"<script>alert(1)</script>"), Problem.MARKUP,
         "a real JPEG with a script in its comment"),
    Case("照片.png", sample.png_with_text('<svg onload="alert(1)">'), Problem.MARKUP, "a real PNG carrying SVG"),
    Case("说明.txt", sample.PAGE, Problem.MARKUP, "a web page renamed .txt"),
    Case("说明.txt", "<SCRIPT >alert(1)</SCRIPT>".encode("utf-16"), Problem.MARKUP, "a UTF-16 script renamed .txt"),
    # Empty.
    Case("空白.pdf", b"", Problem.EMPTY, "an empty file"),
]


def _problem(name: str, data: bytes, *, max_bytes: int = 10 * MB, allowed=ALL_TYPES) -> Problem | None:
    return uploads.evidence_problem(name=name, size=len(data), stream=io.BytesIO(data), allowed=allowed,
                                    max_bytes=max_bytes)


# The rule, without a database ---------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.why)
def test_each_file_is_accepted_or_refused_for_its_reason(case):
    assert _problem(case.name, case.data) == case.problem


def test_a_file_over_the_limit_is_refused_and_one_at_the_limit_is_not():
    data = sample.PDF + b"%" * (MB - len(sample.PDF))
    assert _problem("a.pdf", data, max_bytes=MB) is None
    assert _problem("a.pdf", data + b"%", max_bytes=MB) == Problem.SIZE


def test_only_configured_types_are_accepted():
    assert _problem("a.pdf", sample.PDF, allowed=["png"]) == Problem.EXTENSION


def test_a_configured_type_the_rule_cannot_check_is_not_accepted():
    # LIANGBANG_EVIDENCE_EXTENSIONS=pdf,gif,svg: a GIF or an SVG cannot be checked, so it is refused.
    assert uploads.allowed_extensions(["PDF", ".gif", "svg", "pdf"]) == ["pdf"]


@pytest.mark.parametrize("sent, shown", [
    ("整改通知书.pdf", "整改通知书.pdf"),
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\windows\\win.ini.txt", "win.ini.txt"),
    ("C:\\fakepath\\照片.jpg", "照片.jpg"),
    ("a\x00b.pdf", "ab.pdf"),
    ("line\r\nbreak.pdf", "line break.pdf"),
    ("tab\there.pdf", "tab here.pdf"),
    ("photo\u202egpj.exe", "photogpj.exe"),  # the right-to-left override would show "exe.jpg"
    ('"><img src=x onerror=alert(1)>.png', "___img src=x onerror=alert(1)_.png"),
    ("a;b\"c.pdf", "a_b_c.pdf"),
    ("   .hidden.pdf  ", "hidden.pdf"),
    ("...", ""),
    ("", ""),
    ("会议纪要 " + "很长" * 100 + ".docx", "会议纪要 " + "很长" * 55 + ".docx"),
])
def test_the_shown_name_is_a_plain_file_name(sent, shown):
    assert uploads.display_name(sent) == shown
    assert len(uploads.display_name(sent)) <= uploads.MAX_NAME_CHARS


@pytest.mark.parametrize("name, ext", [
    ("a.PDF", "pdf"), ("a.jpeg", "jpeg"), ("a.pdf.exe", "bin"), ("a", "bin"), ("a.pdf\x00.html", "bin"),
    ("../../a.docx", "docx"), ("a.tar.gz", "bin"),
])
def test_a_stored_file_keeps_only_a_checked_extension(name, ext):
    assert uploads.stored_extension(name) == ext


def test_stored_names_are_random_under_a_dated_folder(monkeypatch):
    from datetime import date

    monkeypatch.setattr("ratings.models.timezone.localdate", lambda: date(2026, 3, 9))
    names = {evidence_upload_to(Evidence(), "../../../整改通知书.PDF") for _ in range(20)}
    assert len(names) == 20
    for name in names:
        assert re.fullmatch(r"evidence/2026/03/[0-9a-f]{32}\.pdf", name), name
    assert re.fullmatch(r"evidence/2026/03/[0-9a-f]{32}\.bin", evidence_upload_to(Evidence(), "x.php"))


# The messages --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, data, words", [
    ("page.html", sample.PAGE, ["“page.html”", "不支持的文件类型“html”", "只能上传：pdf、jpg"]),
    ("README", b"x", ["“README”", "不支持的文件类型“无扩展名”"]),
    ("空白.pdf", b"", ["“空白.pdf”是空文件"]),
    ("通知.pdf", sample.PAGE, ["“通知.pdf”的内容不是 PDF 文件", "与扩展名“pdf”不符"]),
    ("照片.png", sample.SVG, ["“照片.png”的内容不是 PNG 文件"]),
    ("通知.docx", b"text", ["“通知.docx”的内容不是 Word 文件"]),
    ("说明.txt", b"\x00\x00", ["“说明.txt”的内容不是 文本 文件"]),
    ("照片.png", sample.png_with_text("<script>alert(1)</script>"), ["“照片.png”中含有网页代码"]),
    ("../../x\x00.pdf", sample.PAGE, ["“x.pdf”的内容不是 PDF 文件"]),
])
def test_every_refusal_names_the_file_in_chinese(name, data, words):
    with pytest.raises(Exception) as refused:
        validate_evidence_file(SimpleUploadedFile(name, data))
    message = refused.value.messages[0]
    for word in words:
        assert word in message, message


def test_the_size_refusal_gives_the_limit_in_mb(settings):
    settings.EVIDENCE_MAX_BYTES = 2 * MB
    data = sample.PDF + b"%" * (2 * MB)
    with pytest.raises(Exception) as refused:
        validate_evidence_file(SimpleUploadedFile("扫描件.pdf", data))
    message = refused.value.messages[0]
    assert "“扫描件.pdf”文件过大（2.0\xa0MB）" in message and "单个文件不能超过 2 MB" in message


# Through the admin ----------------------------------------------------------------------------------


@pytest.fixture
def rating(bob, dept_a, town, january, flag_criterion):
    return services.rating_record(
        period=january, department=dept_a, unit=town, kind="red_flag", criterion=flag_criterion,
        reason="主动上门服务企业", by=bob,
    )


def _upload(client, rating, name: str, data: bytes):
    url = reverse("admin:ratings_rating_change", args=[rating.pk])
    post = form_data(client.get(url))
    index = int(post["evidence-TOTAL_FORMS"])
    post["evidence-TOTAL_FORMS"] = index + 1
    post[f"evidence-{index}-file"] = SimpleUploadedFile(name, data, content_type="application/pdf")
    post[f"evidence-{index}-rating"] = rating.pk
    return client.post(url, post)


def _stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


REFUSED = [case for case in CASES if case.problem is not None]
ACCEPTED = [case for case in CASES if case.problem is None]


@pytest.mark.parametrize("case", REFUSED, ids=lambda c: c.why)
def test_a_bad_upload_is_refused_in_the_admin_naming_the_file_and_nothing_is_kept(client, bob, rating, case, settings):
    client.force_login(bob)
    response = _upload(client, rating, case.name, case.data)
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.errors
    message = " ".join(" ".join(form_errors.get("file", [])) for form_errors in errors)
    assert f"“{uploads.display_name(case.name) or '佐证材料'}”" in message, message
    assert not Evidence.objects.exists()
    assert not _stored_files(settings)


@pytest.mark.parametrize("case", ACCEPTED, ids=lambda c: c.why)
def test_a_good_upload_is_stored_under_a_random_dated_name_and_downloads_unchanged(client, bob, rating, case, settings):
    client.force_login(bob)
    response = _upload(client, rating, case.name, case.data)
    assert response.status_code == 302
    item = Evidence.objects.get()
    assert item.original_name == case.name
    ext = uploads.extension(case.name)
    assert re.fullmatch(rf"evidence/\d{{4}}/\d{{2}}/[0-9a-f]{{32}}\.{ext}", item.file.name), item.file.name
    download = client.get(reverse("ratings:evidence_download", args=[item.pk]))
    assert b"".join(download.streaming_content) == case.data


def test_an_upload_over_the_limit_is_refused_in_the_admin(client, bob, rating, settings):
    settings.EVIDENCE_MAX_BYTES = MB
    client.force_login(bob)
    response = _upload(client, rating, "扫描件.pdf", sample.PDF + b"%" * MB)
    page = response.content.decode()
    assert "“扫描件.pdf”文件过大" in page and "不能超过 1 MB" in page
    assert not Evidence.objects.exists() and not _stored_files(settings)


@pytest.mark.parametrize("sent, kept", [
    ("../../整改通知书.pdf", "整改通知书.pdf"),
    ("C:\\Users\\张三\\Desktop\\工单.pdf", "工单.pdf"),
    ('"><img src=x onerror=alert(1)>.pdf', "___img src=x onerror=alert(1)_.pdf"),
    ("会议纪要" + "长" * 200 + ".pdf", "会议纪要" + "长" * 112 + ".pdf"),
])
def test_the_users_file_name_is_kept_cleaned_for_display_only(client, bob, rating, sent, kept, settings):
    client.force_login(bob)
    assert _upload(client, rating, sent, sample.PDF).status_code == 302
    item = Evidence.objects.get()
    assert item.original_name == kept
    assert kept not in item.file.name and ".." not in item.file.name
    stored = _stored_files(settings)
    assert len(stored) == 1 and stored[0].is_relative_to(Path(settings.MEDIA_ROOT) / "evidence")
    page = client.get(reverse("admin:ratings_rating_change", args=[rating.pk])).content.decode()
    assert "<img src=x" not in page


def test_the_form_says_which_types_and_size_are_allowed(client, bob, rating, settings):
    settings.EVIDENCE_MAX_BYTES = 5 * MB
    settings.EVIDENCE_EXTENSIONS = ["pdf", "jpg", "svg"]
    client.force_login(bob)
    page = client.get(reverse("admin:ratings_rating_change", args=[rating.pk])).content.decode()
    assert 'accept=".pdf,.jpg"' in page
    assert "可上传 pdf、jpg，单个文件不超过 5 MB" in page


# Serving ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stored_as, data, content_type", [
    ("x.pdf", sample.PDF, "application/pdf"),
    ("x.png", sample.PNG, "image/png"),
    ("x.jpg", sample.JPEG, "image/jpeg"),
    ("x.txt", sample.TXT, "text/plain; charset=utf-8"),
    ("x.docx", sample.docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("x.html", sample.PAGE, "application/octet-stream"),
    ("x.svg", sample.SVG, "application/octet-stream"),
    ("x.js", b"alert(1)", "application/octet-stream"),
    ("x.xhtml", sample.PAGE, "application/octet-stream"),
])
def test_every_download_is_an_attachment_that_a_browser_will_not_run(client, alice, rating, stored_as, data,
                                                                         content_type):
    item = Evidence(rating=rating, original_name="证据." + stored_as.rsplit(".", 1)[1])
    item.file.save(stored_as, ContentFile(data), save=False)
    item.save()
    client.force_login(alice)
    response = client.get(reverse("ratings:evidence_download", args=[item.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert not response["Content-Type"].startswith(("text/html", "image/svg", "application/xhtml", "text/javascript"))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = [part.strip() for part in response["Content-Security-Policy"].split(";")]
    assert "default-src 'none'" in policy and "sandbox" in policy
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == data


@pytest.mark.parametrize("original_name, disposition", [
    ("工单截图.pdf", "attachment; filename*=utf-8''%E5%B7%A5%E5%8D%95%E6%88%AA%E5%9B%BE.pdf"),
    ('a"b.pdf', 'attachment; filename="a_b.pdf"'),
    ("x.pdf\r\nSet-Cookie: a=b", 'attachment; filename="x.pdf Set-Cookie_ a=b"'),
    ("../../../etc/passwd", 'attachment; filename="passwd"'),
    ("", 'attachment; filename="{stored}"'),  # no name kept: the random stored one
])
def test_a_stored_name_is_cleaned_again_for_the_download_header(client, alice, rating, original_name, disposition):
    item = Evidence(rating=rating, original_name=original_name)
    item.file.save("x.pdf", ContentFile(sample.PDF), save=False)
    item.save()
    client.force_login(alice)
    response = client.get(reverse("ratings:evidence_download", args=[item.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == disposition.format(stored=Path(item.file.name).name)


@pytest.mark.parametrize("name", ["a.html", "a.htm", "a.svg", "a.xhtml", "a.xml", "a.js", "a.mjs", "a", "a.pdf.html"])
def test_markup_and_script_types_are_never_served_as_such(name):
    assert evidence_content_type(name) == "application/octet-stream"
