"""The error pages a person meets: 400, 403, 404, 500 and a refused form (CSRF) are in
Chinese, in the frame of the part of the site they were in (the public board, the admin,
the leaders' dashboard), link home, carry the security headers, and the 500 page shows
even when the database cannot be reached."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from unittest import mock

import pytest
from django.contrib import admin
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

from tests.test_security_headers import assert_secure_headers, inline_code

pytestmark = pytest.mark.django_db

ENGLISH = ("Not Found", "Server Error", "Forbidden", "Bad Request", "Page not found", "Error", "error",
           "Django", "CSRF verification", "Internal")
# Words that are part of the frames themselves: the feed's format, the language list, a name.
ALLOWED_WORDS = {"Atom", "English", "Cookie", "leo", "bob"}  # and the signed-in person's name


class VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible(response) -> VisibleText:
    parser = VisibleText()
    parser.feed(response.content.decode())
    parser.text = " ".join(" ".join(parser.parts).split())
    return parser


FRAMES = {
    # what marks each frame, and where its link home goes
    "public": ('class="site-header"', "/", "返回效能亮榜首页"),
    "admin": ('id="branding"', "/admin/", "返回管理后台首页"),
    "dashboard": ('class="db-header"', "/dashboard/", "返回数据看板首页"),
}


def assert_error_page(response, status: int, frame: str, title: str) -> None:
    assert response.status_code == status
    body = response.content.decode()
    marker, home, home_label = FRAMES[frame]
    assert marker in body, f"not in the {frame} frame"
    for other, (other_marker, _home, _label) in FRAMES.items():
        if other != frame:
            assert other_marker not in body, f"also in the {other} frame"
    assert '<html lang="zh-CN"' in body
    page = visible(response)
    assert title in page.text
    assert home in page.links and home_label in page.text
    for word in ENGLISH:
        assert word not in page.text, word
    words = set(re.findall(r"[A-Za-z]{2,}", page.text)) - ALLOWED_WORDS
    assert not words, f"English on the page: {sorted(words)}"
    assert_secure_headers(response)
    assert "default-src 'self'" in response["Content-Security-Policy"]
    code = inline_code(response)
    assert not code.inline_scripts and not code.handlers and not code.style_elements
    assert response["Cache-Control"] == "no-store"


def boom(*args, **kwargs):
    raise RuntimeError("the view broke")


@pytest.fixture
def crash_client():
    """A client that receives the 500 page instead of the exception."""
    return Client(raise_request_exception=False)


def _unreachable(self):
    raise OperationalError("could not connect to server: Connection refused")


def database_down_now():
    """Every query from now on fails as an unreachable database does."""
    return mock.patch.object(BaseDatabaseWrapper, "ensure_connection", _unreachable)


@pytest.fixture
def database_down(db):
    with database_down_now():
        yield


# 404 ---------------------------------------------------------------------------------------------


def test_a_missing_public_page_is_chinese_in_the_boards_frame(client):
    assert_error_page(client.get("/2019/13/nothing/"), 404, "public", "页面不存在")


def test_a_missing_board_month_is_the_same_chinese_page(client):
    response = client.get("/2019/01/")
    assert_error_page(response, 404, "public", "页面不存在")
    assert "您要找的页面不存在" in response.content.decode()


def test_a_missing_admin_page_for_a_rater_is_chinese_in_the_admins_frame(client, bob):
    client.force_login(bob)
    assert_error_page(client.get("/admin/ratings/nothing-here/"), 404, "admin", "页面不存在")


def test_a_missing_dashboard_page_for_a_leader_is_chinese_in_the_dashboards_frame(client, leo):
    client.force_login(leo)
    response = client.get("/dashboard/nothing-here/")
    assert_error_page(response, 404, "dashboard", "页面不存在")


# 403 ---------------------------------------------------------------------------------------------


def test_a_rater_refused_an_admin_page_gets_the_chinese_page_in_the_admins_frame(client, bob):
    client.force_login(bob)
    response = client.get("/admin/auth/user/")
    assert_error_page(response, 403, "admin", "无权访问")
    assert "请联系效能办" in response.content.decode()


def test_a_refused_dashboard_address_is_chinese_in_the_dashboards_frame(client, leo, rf):
    from django.core.exceptions import PermissionDenied

    client.force_login(leo)
    with mock.patch("dashboard.selectors.calendar_for", side_effect=PermissionDenied):
        assert_error_page(client.get("/dashboard/"), 403, "dashboard", "无权访问")


def test_a_refused_public_address_is_chinese_in_the_boards_frame(client):
    from django.core.exceptions import PermissionDenied

    with mock.patch("boards.selectors.archive", side_effect=PermissionDenied):
        assert_error_page(client.get("/archive/"), 403, "public", "无权访问")


def test_a_form_sent_without_its_token_is_refused_with_a_chinese_page_in_the_admins_frame(bob):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/admin/login/", {"username": "bob", "password": "pw-bob"})
    assert_error_page(response, 403, "admin", "页面已过期")
    assert "刷新后重新提交" in response.content.decode()
    assert "_auth_user_id" not in strict.session


def test_a_form_sent_without_its_token_on_the_dashboard_is_refused_in_its_frame(leo):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(leo)
    assert_error_page(strict.post("/dashboard/"), 403, "dashboard", "页面已过期")


# 400 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path, frame", [("/", "public"), ("/admin/login/", "admin"), ("/dashboard/", "dashboard")])
def test_a_request_for_a_host_the_site_does_not_serve_gets_the_chinese_400_page(client, settings, path, frame):
    settings.ALLOWED_HOSTS = ["testserver"]
    response = client.get(path, HTTP_HOST="evil.example")
    assert_error_page(response, 400, frame, "请求有误")


def test_a_suspicious_request_to_the_admin_gets_the_chinese_400_page(client, bob):
    from django.core.exceptions import SuspiciousOperation

    client.force_login(bob)
    with mock.patch.object(admin.site, "get_app_list", side_effect=SuspiciousOperation("odd")):
        assert_error_page(client.get("/admin/"), 400, "admin", "请求有误")


# 500 ---------------------------------------------------------------------------------------------


def test_a_public_page_that_breaks_shows_the_chinese_500_page_in_the_boards_frame(crash_client):
    with mock.patch("boards.selectors.archive", side_effect=boom):
        response = crash_client.get("/archive/")
    assert_error_page(response, 500, "public", "系统出错")
    assert "请稍后重试" in response.content.decode()


def test_an_admin_page_that_breaks_for_a_rater_shows_the_500_page_in_the_admins_frame(crash_client, bob):
    crash_client.force_login(bob)
    with mock.patch.object(admin.site, "get_app_list", side_effect=boom):
        response = crash_client.get("/admin/")
    assert_error_page(response, 500, "admin", "系统出错")


def test_the_dashboard_breaking_for_a_leader_shows_the_500_page_in_the_dashboards_frame(crash_client, leo):
    crash_client.force_login(leo)
    with mock.patch("dashboard.selectors.calendar_for", side_effect=boom):
        response = crash_client.get("/dashboard/")
    assert_error_page(response, 500, "dashboard", "系统出错")


@pytest.mark.parametrize("path, frame", [("/", "public"), ("/2026/01/", "public"), ("/archive/", "public")])
def test_the_500_page_shows_while_the_database_is_unreachable(crash_client, database_down, path, frame):
    response = crash_client.get(path)
    assert_error_page(response, 500, frame, "系统出错")


@pytest.mark.parametrize("who, path, frame", [
    ("bob", "/admin/", "admin"), ("bob", "/admin/ratings/rating/", "admin"), ("bob", "/ratings/evidence/1/", "admin"),
    ("leo", "/dashboard/", "dashboard"), ("leo", "/", "public"),
])
def test_the_500_page_shows_for_a_signed_in_person_while_the_database_is_unreachable(
    crash_client, request, who, path, frame,
):
    # Signed in: the session itself is in the database, and cannot be read.
    crash_client.force_login(request.getfixturevalue(who))
    with database_down_now():
        response = crash_client.get(path)
    assert_error_page(response, 500, frame, "系统出错")


def test_the_500_page_shows_for_a_signed_in_leader_while_the_database_is_unreachable(crash_client, leo):
    crash_client.force_login(leo)
    with mock.patch("dashboard.selectors.calendar_for", side_effect=boom), database_down_now():
        response = crash_client.get("/dashboard/")
    assert_error_page(response, 500, "dashboard", "系统出错")


def test_if_even_the_framed_500_page_fails_a_plain_chinese_page_is_sent(crash_client):
    with mock.patch("boards.selectors.archive", side_effect=boom), \
            mock.patch("config.errors.render_to_string", side_effect=boom):
        response = crash_client.get("/archive/")
    assert response.status_code == 500
    text = visible(response).text
    assert "系统出错" in text and "返回效能亮榜首页" in text
    assert '<html lang="zh-CN"' in response.content.decode()
    assert_secure_headers(response)


# The reader's language ---------------------------------------------------------------------------


def test_an_english_reader_gets_the_frame_in_english(client):
    client.cookies["django_language"] = "en"
    response = client.get("/2019/13/nothing/")
    assert response.status_code == 404
    assert '<html lang="en"' in response.content.decode()
    assert "Latest board" in visible(response).text
