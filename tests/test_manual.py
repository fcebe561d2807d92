"""The user manual at /help/: one Chinese chapter per role, its screenshots taken by the
browser journeys, printable as one PDF.

Who may read what (the role matrix has the same rows):

- a citizen (``anon``) reads the public chapter (公众) and the index, and is sent to the
  login page for any other chapter;
- everyone with an account in the admin — ``bob`` the rater, ``leo`` the leader,
  ``alice`` of the office — reads every chapter, whatever the role;
- ``dong``, of a rated unit (东坝街道), has no admin: she reads the public chapter and
  the units' chapter (被考核单位), and is refused the others.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.urls import reverse

from manual import figures, pdf
from manual.chapters import CHAPTERS, PUBLIC, STAFF, UNITS
from tests.board_support import pdf_pages, pdf_text

STAFF_CHAPTERS = [chapter for chapter in CHAPTERS if chapter.audience == STAFF]
PUBLIC_CHAPTER = next(chapter for chapter in CHAPTERS if chapter.audience == PUBLIC)
UNITS_CHAPTER = next(chapter for chapter in CHAPTERS if chapter.audience == UNITS)
ACCOUNT_CHAPTERS = [chapter for chapter in CHAPTERS if chapter.audience != PUBLIC]


@pytest.fixture
def dong(db):
    """东坝街道's staff member: no admin, only the desk (as the office's user import makes her)."""
    from django.contrib.auth.models import Group

    from departments import roles
    from tests.factories import OrganisationFactory, make_user

    user = make_user("dong")
    user.is_staff = False
    user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get(name=roles.UNIT_STAFF))
    user.profile.unit = OrganisationFactory(code="T09", name="东坝街道")
    user.profile.save(update_fields=["unit"])
    return user


def chapter_url(slug: str) -> str:
    return reverse("manual:chapter", args=[slug])


def cited_in(chapter) -> list[str]:
    return figures.CITE.findall((figures.CHAPTERS_DIR / "chapters" / f"{chapter.slug}.html").read_text())


# The screenshots ---------------------------------------------------------------------------------


def test_every_role_has_a_chapter_and_every_chapter_shows_at_least_one_screenshot():
    # The office has three chapters: the month, the year-end scorecard and casework.
    assert [str(chapter.role) for chapter in CHAPTERS] == [
        "效能办", "效能办", "效能办", "评议人", "职能管理部门", "领导", "被考核单位", "公众"]
    for chapter in CHAPTERS:
        assert cited_in(chapter), chapter.slug


def test_every_screenshot_the_chapters_cite_is_in_the_manual_and_taken_by_a_journey():
    journeys = figures.taken()
    cited = figures.cited()
    assert cited
    for name, templates in cited.items():
        assert (figures.MANUAL_DIR / f"{name}.png").is_file(), f"{name} (cited in {templates}): run make manual"
        assert figures.is_taken(name, journeys), f"{name} (cited in {templates}) is taken by no journey"


def test_the_manual_keeps_no_screenshot_that_no_chapter_cites():
    kept = {path.stem for path in figures.MANUAL_DIR.glob("*")}
    assert kept == set(figures.cited())


def test_the_committed_screenshots_are_small_pngs():
    from PIL import Image

    for path in figures.MANUAL_DIR.glob("*.png"):
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert image.width <= figures.MAX_WIDTH and image.height <= figures.MAX_HEIGHT, path.name
        assert path.stat().st_size < 300_000, path.name


def test_a_journeys_f_string_names_are_patterns_and_the_conftest_takes_nothing_citable(tmp_path):
    (tmp_path / "conftest.py").write_text('screenshot(page, f"failed-{name}-{n}")\n')
    (tmp_path / "test_a.py").write_text(
        'screenshot(page, "rater-month")\nscreenshot(office, f"office-close-confirm-{size}")\n'
    )
    journeys = figures.taken(tmp_path)
    assert figures.is_taken("rater-month", journeys)
    assert figures.is_taken("office-close-confirm-desktop", journeys)
    assert not figures.is_taken("office-close-confirm-", journeys)
    assert not figures.is_taken("rater-month-phone", journeys)
    assert not figures.is_taken("failed-x-1", journeys)


def _png(path: Path, size: tuple[int, int]) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (200, 30, 30)).save(path)


def _scene(tmp_path: Path) -> dict[str, Path]:
    dirs = {name: tmp_path / name for name in ("chapters", "journeys", "taken", "manual")}
    (dirs["chapters"] / "chapters").mkdir(parents=True)
    (dirs["chapters"] / "chapters" / "office.html").write_text(
        '{% load manual_tags %}{% screenshot "office-close" "关账" %}{% screenshot "office-wide" "发布" "wide" %}'
    )
    dirs["journeys"].mkdir()
    (dirs["journeys"] / "test_office.py").write_text(
        'screenshot(page, "office-close")\nscreenshot(board, "office-wide")\n'
    )
    return dirs


def _copy(dirs: dict[str, Path]) -> list[str]:
    return figures.copy_cited(source_dir=dirs["taken"], target_dir=dirs["manual"], chapters_dir=dirs["chapters"],
                              journeys_dir=dirs["journeys"])


def test_copying_fails_naming_a_cited_screenshot_that_this_run_did_not_produce(tmp_path):
    dirs = _scene(tmp_path)
    _png(dirs["taken"] / "office-close.png", (800, 600))
    with pytest.raises(figures.MissingScreenshots) as refused:
        _copy(dirs)
    assert len(refused.value.problems) == 1
    assert "office-wide" in refused.value.problems[0] and "was not produced" in refused.value.problems[0]
    assert not dirs["manual"].exists()  # nothing half copied


def test_copying_fails_naming_a_cited_screenshot_that_no_journey_takes(tmp_path):
    dirs = _scene(tmp_path)
    (dirs["journeys"] / "test_office.py").write_text('screenshot(page, "office-close")\n')
    _png(dirs["taken"] / "office-close.png", (800, 600))
    _png(dirs["taken"] / "office-wide.png", (800, 600))
    with pytest.raises(figures.MissingScreenshots, match="office-wide: cited in chapters/office.html, but no journey"):
        _copy(dirs)


def test_copying_shrinks_the_screenshots_and_drops_those_no_longer_cited(tmp_path):
    from PIL import Image

    dirs = _scene(tmp_path)
    _png(dirs["taken"] / "office-close.png", (800, 600))
    _png(dirs["taken"] / "office-wide.png", (1920, 8000))
    _png(dirs["manual"] / "gone.png", (10, 10))
    assert _copy(dirs) == ["office-close", "office-wide"]
    assert sorted(path.name for path in dirs["manual"].iterdir()) == ["office-close.png", "office-wide.png"]
    with Image.open(dirs["manual"] / "office-wide.png") as wide:
        assert wide.width == figures.MAX_WIDTH and wide.height == figures.MAX_HEIGHT
    with Image.open(dirs["manual"] / "office-close.png") as close:
        assert close.size == (800, 600)


def test_the_command_line_says_what_is_missing_and_fails(tmp_path, capsys):
    from scripts import manual_screenshots

    assert manual_screenshots.main(["--from", str(tmp_path / "nothing"), "--to", str(tmp_path / "out")]) == 1
    assert "was not produced" in capsys.readouterr().err


# Who may read what ----------------------------------------------------------------------------


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.slug for c in CHAPTERS])
def test_each_roles_chapter_renders_in_chinese_with_its_screenshots(client, alice, chapter):
    client.force_login(alice)
    response = client.get(chapter_url(chapter.slug))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="zh-CN">' in body and '<article class="manual-chapter" lang="zh-CN">' in body
    assert f"<h1>{chapter.title}</h1>" in body
    for name in cited_in(chapter):
        assert f'src="/static/manual/screenshots/{name}.png"' in body
    assert "figcaption" in body
    assert "Content-Security-Policy" in response.headers
    assert response.headers["Cache-Control"] == "private"


def test_the_public_chapter_is_open_to_a_citizen(client, db):
    response = client.get(chapter_url(PUBLIC_CHAPTER.slug))
    assert response.status_code == 200
    assert "红旗榜" in response.content.decode()


@pytest.mark.parametrize("chapter", ACCOUNT_CHAPTERS, ids=[c.slug for c in ACCOUNT_CHAPTERS])
def test_a_citizen_asking_for_a_chapter_for_accounts_is_sent_to_the_products_login(client, db, chapter):
    url = chapter_url(chapter.slug)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"  # every role logs in there


@pytest.mark.parametrize("persona", ["bob", "leo", "alice"])
def test_every_account_reads_every_chapter_whatever_its_role(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    for chapter in CHAPTERS:
        assert client.get(chapter_url(chapter.slug)).status_code == 200, (persona, chapter.slug)


def test_an_account_that_may_not_use_the_admin_is_refused_a_staff_chapter(client, db):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user("visitor", password="pw-visitor-long", is_staff=False))
    assert client.get(chapter_url("office")).status_code == 403
    assert client.get(chapter_url("units")).status_code == 403  # no rated unit: not the units' either
    assert client.get(chapter_url("public")).status_code == 200


def test_a_rated_units_staff_member_reads_the_units_chapter_in_chinese_with_its_screenshots(client, dong):
    client.force_login(dong)
    response = client.get(chapter_url("units"))
    assert response.status_code == 200
    body = response.content.decode()
    assert f"<h1>{UNITS_CHAPTER.title}</h1>" in body
    assert "申请复核" in body and "公示期" in body and "更正版" in body
    for name in ("unit-desk-phone", "unit-review-file-phone", "unit-review-decided-phone"):
        assert name in cited_in(UNITS_CHAPTER)
        assert f'src="/static/manual/screenshots/{name}.png"' in body


@pytest.mark.parametrize("chapter", STAFF_CHAPTERS, ids=[c.slug for c in STAFF_CHAPTERS])
def test_a_rated_units_staff_member_is_refused_the_chapters_of_the_admin(client, dong, chapter):
    client.force_login(dong)
    assert client.get(chapter_url(chapter.slug)).status_code == 403


def test_a_rated_units_staff_member_finds_the_units_and_the_public_chapter_listed_and_no_other(client, dong):
    client.force_login(dong)
    index = client.get(reverse("manual:index")).content.decode()
    assert chapter_url("units") in index and chapter_url("public") in index
    assert all(chapter_url(c.slug) not in index for c in STAFF_CHAPTERS)


def test_the_pdf_a_rated_units_staff_member_gets_holds_the_units_and_the_public_chapter(client, dong):
    client.force_login(dong)
    text = pdf_text(client.get(reverse("manual:pdf")).content)
    assert str(UNITS_CHAPTER.title) in text and str(PUBLIC_CHAPTER.title) in text
    for chapter in STAFF_CHAPTERS:
        assert str(chapter.title) not in text
    assert "提交复核申请" in text and "确认关账" not in text


def test_the_index_lists_only_the_chapters_the_reader_may_read(client, bob):
    anonymous = client.get(reverse("manual:index")).content.decode()
    assert chapter_url("public") in anonymous
    assert all(chapter_url(c.slug) not in anonymous for c in ACCOUNT_CHAPTERS)
    assert "工作人员登录" in anonymous

    client.force_login(bob)
    staff = client.get(reverse("manual:index")).content.decode()
    assert all(chapter_url(c.slug) in staff for c in CHAPTERS)
    assert reverse("admin:index") in staff and reverse("dashboard:index") not in staff  # not a leader's


def test_an_unknown_chapter_is_not_found(client, alice):
    client.force_login(alice)
    assert client.get(chapter_url("no-such-chapter")).status_code == 404


def test_the_manual_is_linked_from_the_admin_the_dashboard_and_the_public_board(client, leo):
    public = client.get(reverse("boards:home")).content.decode()
    assert f'href="{chapter_url("public")}"' in public
    client.force_login(leo)
    assert f'href="{reverse("manual:index")}"' in client.get(reverse("admin:index")).content.decode()
    assert f'href="{chapter_url("leaders")}"' in client.get(reverse("dashboard:index")).content.decode()


# The PDF ----------------------------------------------------------------------------------------


def _images(data: bytes) -> int:
    """The distinct images embedded (the pages may share one dictionary of them)."""
    from pypdf import PdfReader

    found = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for ref in (page.get("/Resources", {}).get("/XObject") or {}).values():
            if ref.get_object().get("/Subtype") == "/Image":
                found.add(ref.idnum)
    return len(found)


def _fonts(data: bytes) -> set[str]:
    from pypdf import PdfReader

    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            names.add(str(font.get_object().get("/BaseFont")))
    return names


def test_the_pdf_holds_every_chapter_with_its_screenshots_for_staff(client, leo):
    client.force_login(leo)
    response = client.get(reverse("manual:pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content) if response.streaming else response.content
    text = pdf_text(data)
    for chapter in CHAPTERS:
        assert str(chapter.title) in text
    assert "确认关账" in text and "保存并提交审核" in text
    assert _images(data) == sum(len(cited_in(chapter)) for chapter in CHAPTERS)
    assert any("Noto-Sans-CJK-SC" in font for font in _fonts(data))  # embedded, as a subset
    pages = pdf_pages(data)
    assert str(CHAPTERS[0].title) in pages[0]  # the cover's contents
    assert re.search(r"— 2 —", pages[1])  # numbered pages


def test_the_pdf_a_citizen_gets_holds_only_the_public_chapter(client, db):
    data = client.get(reverse("manual:pdf")).content
    text = pdf_text(data)
    assert str(PUBLIC_CHAPTER.title) in text
    for chapter in ACCOUNT_CHAPTERS:
        assert str(chapter.title) not in text
    assert "确认关账" not in text and "提交复核申请" not in text
    assert _images(data) == len(cited_in(PUBLIC_CHAPTER))


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/static/manual/manual.css",
    "https://example.com/logo.png",
    "data:image/png;base64,iVBORw0KGgo=",
    "file:///etc/passwd",
    "file://otherhost/static/manual/manual.css",
    "ftp://example.com/x.png",
])
def test_the_pdf_renderer_fetches_nothing_but_the_manuals_own_files(url):
    with pytest.raises(ValueError, match="only its own static files"):
        pdf._fetcher().fetch(url)


def test_the_pdf_renderer_serves_the_manuals_screenshots(settings):
    name = next(iter(figures.cited()))
    path = figures.MANUAL_DIR / f"{name}.png"
    served = pdf._fetcher().fetch(path.resolve().as_uri())
    assert served.read() == path.read_bytes()


def test_a_document_that_points_outside_renders_without_fetching_it():
    html = ('<html lang="zh-CN"><body><p>外部图片</p><img src="https://example.com/x.png">'
            '<img src="file:///etc/hostname"></body></html>')
    data = pdf.pdf_from_html(html)
    assert data.startswith(b"%PDF-") and _images(data) == 0


def test_an_evaluator_without_the_admin_reads_the_evaluations_chapter_and_no_staff_chapter(client, db):
    from django.contrib.auth.models import Group

    from departments import roles
    from tests.factories import make_user

    eve = make_user("eve")
    eve.is_staff = False
    eve.save(update_fields=["is_staff"])
    eve.groups.add(Group.objects.get(name=roles.EVALUATOR))
    client.force_login(eve)
    assert client.get(chapter_url("evaluations")).status_code == 200
    assert client.get(chapter_url("office")).status_code == 403
    assert client.get(chapter_url("units")).status_code == 403
