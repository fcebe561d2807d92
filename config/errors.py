"""The error pages (400, 403, 404, 500 and the CSRF failure): in Chinese (the reader's
language), in the frame of the part of the site the address belongs to, with a link home.

- ``/admin/…`` and ``/ratings/…`` (the evidence downloads of the admin): the admin's frame;
- ``/dashboard/…``: the leaders' dashboard's frame;
- everything else: the public board's frame.

The 500 page never touches the database: it is rendered without a request context
(no context processor runs, so no session, no user is loaded), with only what is known
without a query, and if even that fails, a fixed page is sent. The 4xx pages run with
the request context, but whatever they look up that fails leaves the frame without it.
The security headers come from the middleware, which wraps these responses like any other.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import empty
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

ADMIN = "admin"
DASHBOARD = "dashboard"
PUBLIC = "public"


def frame_for(path: str) -> str:
    """Which part of the site an address belongs to."""
    if path.startswith(("/admin/", "/ratings/")) or path == "/admin":
        return ADMIN
    if path.startswith("/dashboard/") or path == "/dashboard":
        return DASHBOARD
    return PUBLIC


@dataclass(frozen=True)
class Error:
    status: int
    title: str
    message: str


def _errors() -> dict[int | str, Error]:
    # Built per call: the texts follow the language of the request.
    return {
        400: Error(400, _("请求有误"), _("这个请求无法处理：地址或提交的内容不完整或不正确。请检查地址，或返回上一页重试。")),
        403: Error(403, _("无权访问"), _("您没有查看这个页面的权限。如需访问，请联系效能办。")),
        404: Error(404, _("页面不存在"), _("您要找的页面不存在，可能地址有误，或该页面尚未发布、已被删除。")),
        500: Error(500, _("系统出错"), _("服务器出了点问题，本次操作没有完成。我们已记录此问题，请稍后重试。")),
        "csrf": Error(403, _("页面已过期"), _("为了安全，这次提交没有被接受：页面可能已过期，或浏览器没有保存本站的 Cookie。请返回上一页，刷新后重新提交。")),
    }


def _home(frame: str) -> tuple[str, str]:
    """The address and the label of the link home."""
    if frame == ADMIN:
        return reverse("admin:index"), _("返回管理后台首页")
    if frame == DASHBOARD:
        return reverse("dashboard:index"), _("返回数据看板首页")
    return reverse("boards:home"), _("返回效能亮榜首页")


def _template(frame: str) -> str:
    return f"errors/{frame}.html"


def _jurisdiction_name() -> str:
    """The public frame's name of the district (needs the database; not on the 500 page)."""
    try:
        from boards.links import jurisdiction_default

        default = jurisdiction_default()
        return default.name if default is not None else ""
    except Exception:  # an error page never fails because of what it decorates itself with
        logger.warning("error page: the jurisdiction could not be read", exc_info=True)
        return ""


def _context(error: Error, frame: str) -> dict:
    home_url, home_label = _home(frame)
    return {
        "error": error,
        "title": error.title,
        "frame": frame,
        "home_url": home_url,
        "home_label": home_label,
        # The admin's own titles (lazy strings, no query), as its pages have them.
        "site_header": admin.site.site_header,
        "site_title": admin.site.site_title,
        "jkw": {},
    }


def _render(request: HttpRequest, key: int | str, *, with_request: bool = True) -> HttpResponse:
    error = _errors()[key]
    frame = frame_for(request.path)
    context = _context(error, frame)
    if with_request:
        if frame == PUBLIC:
            context["jurisdiction_name"] = _jurisdiction_name()
        html = render_to_string(_template(frame), context, request=request)
    else:
        # No request context: no context processor, so nothing loads the session or the
        # user. Only a user already loaded by the failed request is shown.
        user = getattr(request, "user", None)
        loaded = user is not None and getattr(user, "_wrapped", empty) is not empty
        context.update({
            "request": request, "user": user if loaded else AnonymousUser(),
            "csrf_token": get_token(request),
        })
        html = render_to_string(_template(frame), context)
    response = HttpResponse(html, status=error.status)
    response["Cache-Control"] = "no-store"
    return response


def _fixed_page(request: HttpRequest) -> HttpResponse:
    """The last resort: a page with nothing that can fail."""
    language = get_language() or "zh-hans"
    error = _errors()[500]
    html = (
        f'<!DOCTYPE html><html lang="{"zh-CN" if language == "zh-hans" else escape(language)}"><head>'
        f'<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(error.title)}</title></head><body><main><h1>{escape(error.title)}</h1>"
        f'<p>{escape(error.message)}</p><p><a href="/">{escape(_("返回效能亮榜首页"))}</a></p></main></body></html>'
    )
    response = HttpResponse(html, status=500)
    response["Cache-Control"] = "no-store"
    return response


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 404)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    try:
        return _render(request, 500, with_request=False)
    except Exception:
        logger.exception("the error page itself failed; sending the fixed page")
        return _fixed_page(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: the reason (Django's, in English) goes to the log only."""
    logger.warning("CSRF failure on %s %s: %s", request.method, request.path, reason)
    return _render(request, "csrf")
