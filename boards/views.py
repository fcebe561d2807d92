"""The public pages. Thin: find the jurisdiction, call one selector, answer.

Edition pages, the lobby screen and the year table are served from the snapshot stored
when they were published, with ETag / Last-Modified so that browsers and proxies
revalidate with a 304 instead of downloading the page again. Only ``boards.selectors``
is read, and it starts from published editions: nothing unpublished is reachable here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, quote_etag
from django.views.decorators.http import require_safe

from boards import opendata as files
from boards import selectors
from boards.links import board_reverse, edition_kwargs, jurisdiction_default, jurisdiction_kwargs
from boards.models import Edition
from boards.render import html_lang, lobby_empty_render, notice_insert
from boards.services import lobby_key
from boards.snapshots import Snapshot, edition_key, snapshot_get
from departments.models import Jurisdiction

HTML = "text/html; charset=utf-8"


def _place(code: str | None) -> tuple[Jurisdiction, dict[str, str]]:
    """The jurisdiction a URL names (the default one at the root) and its URL arguments."""
    default = jurisdiction_default()
    if code is None:
        if default is None:
            raise Http404
        return default, {}
    jurisdiction = Jurisdiction.objects.filter(code=code, is_active=True).first()
    if jurisdiction is None:
        raise Http404
    return jurisdiction, jurisdiction_kwargs(jurisdiction, default)


def _timestamp(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment is not None else None


def _conditional(
    request: HttpRequest, *, etag: str, last_modified: int | None, max_age: int, body: bytes | str | Callable[[], bytes],
    content_type: str = HTML, language: str | None = None,
) -> HttpResponseBase:
    """The response, or a 304 for a client that holds the same version (then ``body``,
    if a callable, is never built)."""
    response = HttpResponse(content_type=content_type)
    response["ETag"] = etag if etag.startswith('"') else quote_etag(etag)
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    if language:
        response["Content-Language"] = language
    patch_cache_control(response, public=True, max_age=max_age)
    conditional = get_conditional_response(
        request, etag=response["ETag"], last_modified=last_modified, response=response
    )
    if conditional is not response:
        return conditional
    response.content = body() if callable(body) else body
    return response


def snapshot_response(request: HttpRequest, snapshot: Snapshot) -> HttpResponseBase:
    """A stored page (also sent by ``boards.middleware.KeptPageMiddleware``)."""
    return _conditional(request, etag=snapshot.etag, last_modified=snapshot.last_modified,
                        max_age=settings.BOARD_CACHE_MAX_AGE, body=snapshot.body, language=snapshot.language)


def _edition_snapshot(edition: Edition, jkw: dict[str, str], *, lobby: bool = False) -> Snapshot:
    """The stored page (or lobby screen) of an edition loaded by ``edition_for_snapshot``;
    a superseded revision says so and links to the one that replaced it."""
    newer = selectors.edition_newer_loaded(edition)
    body = edition.lobby_html if lobby else edition.html
    if newer is not None and not lobby:
        with translation.override(settings.BOARD_LANGUAGE):
            notice = render_to_string("boards/superseded_notice.html", {
                "edition": edition, "newer": newer,
                "newer_url": board_reverse("edition_revision", jkw, **edition_kwargs(
                    newer.year, newer.month, newer.revision)),
            })
        body = notice_insert(body, notice)
    last_modified = (newer or edition).published_at
    return Snapshot(
        etag=quote_etag(f"{edition.html_sha256[:32]}-{'l' if lobby else 'p'}-{newer.pk if newer else 0}"),
        last_modified=int(last_modified.timestamp()),
        body=body.encode(),
        language=html_lang(settings.BOARD_LANGUAGE),
    )


def _dynamic(
    request: HttpRequest, template: str, context: Callable[[], dict], jurisdiction: Jurisdiction,
) -> HttpResponseBase:
    """A page rendered per request from published data, revalidated by the time of the
    jurisdiction's last publication and the interface language."""
    last = _timestamp(selectors.edition_last_modified(jurisdiction=jurisdiction))
    etag = f"{template}-{translation.get_language()}-{last or 0}"

    def body() -> bytes:
        return render(request, template, {**context(), "jurisdiction_name": jurisdiction.name}).content

    response = _conditional(request, etag=etag, last_modified=last, max_age=settings.BOARD_PAGE_MAX_AGE, body=body)
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


# The board -------------------------------------------------------------------------------


@require_safe
def home(request: HttpRequest, jurisdiction: str | None = None) -> HttpResponseBase:
    """The latest board, as published."""

    def build() -> Snapshot | None:
        place, jkw = _place(jurisdiction)
        latest = selectors.edition_for_snapshot(jurisdiction=place, body="html")
        return _edition_snapshot(latest, jkw) if latest else None

    snapshot = snapshot_get(f"home:{jurisdiction or ''}", build, path=request.path_info)
    if snapshot is None:
        place, jkw = _place(jurisdiction)
        return _dynamic(request, "boards/home_empty.html", lambda: {"jkw": jkw, "page_title": ""}, place)
    return snapshot_response(request, snapshot)


@require_safe
def edition(request: HttpRequest, year: int, month: int, revision: int | None = None,
            jurisdiction: str | None = None) -> HttpResponseBase:

    def build() -> Snapshot | None:
        place, jkw = _place(jurisdiction)
        found = selectors.edition_for_snapshot(
            jurisdiction=place, year=year, month=month, revision=revision, body="html",
        )
        return _edition_snapshot(found, jkw) if found else None

    if revision is not None and revision < 1:
        raise Http404  # revisions count from 1: nothing to look up, nothing to cache
    snapshot = snapshot_get(edition_key(jurisdiction, year, month, revision), build, path=request.path_info)
    if snapshot is None:
        raise Http404
    return snapshot_response(request, snapshot)


@require_safe
def edition_pdf(request: HttpRequest, year: int, month: int, revision: int | None = None,
                jurisdiction: str | None = None) -> HttpResponseBase:
    place, _jkw = _place(jurisdiction)
    edition = selectors.edition_get(jurisdiction=place, year=year, month=month, revision=revision,
                                    fields=("id", "year", "month", "revision", "jurisdiction_name", "pdf",
                                            "pdf_sha256", "published_at", "stage"))
    if edition is None:
        raise Http404
    checked = _conditional(request, etag=edition.pdf_sha256[:32], last_modified=_timestamp(edition.published_at),
                           max_age=settings.BOARD_CACHE_MAX_AGE, body=b"", content_type="application/pdf")
    if checked.status_code == 304:
        return checked
    # The document is Chinese, and so is its name, whatever the reader's interface language.
    stage = "-公示稿" if edition.is_notice else ""
    filename = f"{edition.jurisdiction_name}-{edition.year}年{edition.month:02d}月效能亮榜-第{edition.revision}版{stage}.pdf"
    response = FileResponse(edition.pdf.open("rb"), content_type="application/pdf", filename=filename)
    for header in ("ETag", "Last-Modified", "Cache-Control"):
        response[header] = checked[header]
    return response


def _open_data_edition(year: int, month: int, revision: int | None, jurisdiction: str | None):
    place, jkw = _place(jurisdiction)
    edition = selectors.edition_get(jurisdiction=place, year=year, month=month, revision=revision)
    if edition is None:
        raise Http404
    return place, jkw, edition


@require_safe
def edition_json(request: HttpRequest, year: int, month: int, revision: int | None = None,
                 jurisdiction: str | None = None) -> HttpResponseBase:
    place, jkw, edition = _open_data_edition(year, month, revision, jurisdiction)
    newer = selectors.edition_newer(edition=edition)

    def url(name: str, rev: int) -> str:
        return request.build_absolute_uri(board_reverse(name, jkw, **edition_kwargs(year, month, rev)))

    def body() -> bytes:
        return files.json_bytes(files.edition_data(
            edition, selectors.edition_entries(edition=edition), jurisdiction_code=place.code, newer=newer, url=url,
        ))

    response = _conditional(request, etag=f"{edition.content_sha256[:32]}-json-{newer.pk if newer else 0}",
                            last_modified=_timestamp((newer or edition).published_at),
                            max_age=settings.BOARD_CACHE_MAX_AGE, body=body,
                            content_type="application/json; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"  # open data: portals may fetch it from their pages
    return response


@require_safe
def edition_csv(request: HttpRequest, year: int, month: int, revision: int | None = None,
                jurisdiction: str | None = None) -> HttpResponseBase:
    place, _jkw, edition = _open_data_edition(year, month, revision, jurisdiction)
    response = _conditional(request, etag=f"{edition.content_sha256[:32]}-csv",
                            last_modified=_timestamp(edition.published_at), max_age=settings.BOARD_CACHE_MAX_AGE,
                            body=lambda: files.edition_csv(edition, selectors.edition_entries(edition=edition)),
                            content_type="text/csv; charset=utf-8")
    if response.status_code == 200:
        filename = f"{place.code}-{edition.year}-{edition.month:02d}-r{edition.revision}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


# The lobby screen ----------------------------------------------------------------------------


@require_safe
def lobby(request: HttpRequest, jurisdiction: str | None = None) -> HttpResponseBase:
    """Full screen, large type, turning pages; reloads itself when a new edition appears."""

    def build() -> Snapshot | None:
        place, jkw = _place(jurisdiction)
        latest = selectors.edition_for_snapshot(jurisdiction=place, body="lobby_html")
        return _edition_snapshot(latest, jkw, lobby=True) if latest else None

    snapshot = snapshot_get(f"lobby:{jurisdiction or ''}", build, path=request.path_info)
    if snapshot is None:
        place, jkw = _place(jurisdiction)
        response = HttpResponse(lobby_empty_render(jurisdiction_name=place.name, jkw=jkw), content_type=HTML)
        patch_cache_control(response, no_cache=True, max_age=0)
        return response
    return snapshot_response(request, snapshot)


@require_safe
def lobby_status(request: HttpRequest, jurisdiction: str | None = None) -> HttpResponseBase:
    """What the lobby screen polls: the key of the latest edition."""
    place, jkw = _place(jurisdiction)
    edition = selectors.edition_latest(jurisdiction=place, fields=("id", "year", "month", "revision", "published_at"))
    key = lobby_key(edition.year, edition.month, edition.revision) if edition else ""
    response = JsonResponse({
        "edition": key,
        "published_at": edition.published_at.isoformat() if edition else None,
        "url": board_reverse("lobby", jkw),
    })
    patch_cache_control(response, no_cache=True, max_age=0)
    return response


# Archive, units, open data ---------------------------------------------------------------------


@require_safe
def archive(request: HttpRequest, jurisdiction: str | None = None) -> HttpResponseBase:
    place, jkw = _place(jurisdiction)
    return _dynamic(request, "boards/archive.html",
                    lambda: {"jkw": jkw, "years": selectors.archive(jurisdiction=place), "year": None}, place)


@require_safe
def archive_year(request: HttpRequest, year: int, jurisdiction: str | None = None) -> HttpResponseBase:
    place, jkw = _place(jurisdiction)
    years = selectors.archive(jurisdiction=place, year=year)
    if not years:
        raise Http404
    return _dynamic(request, "boards/archive.html", lambda: {"jkw": jkw, "years": years, "year": year}, place)


@require_safe
def units(request: HttpRequest, jurisdiction: str | None = None) -> HttpResponseBase:
    place, jkw = _place(jurisdiction)

    def context() -> dict:
        return {"jkw": jkw, "groups": selectors.units_by_category(selectors.units_published(jurisdiction=place))}

    return _dynamic(request, "boards/units.html", context, place)


@require_safe
def unit(request: HttpRequest, code: str, jurisdiction: str | None = None) -> HttpResponseBase:
    place, jkw = _place(jurisdiction)
    organisation = selectors.unit_public(jurisdiction=place, code=code)
    if organisation is None:
        raise Http404

    def context() -> dict:
        return {"jkw": jkw, "history": selectors.unit_history(unit=organisation), "unit": organisation}

    return _dynamic(request, "boards/unit.html", context, place)


@require_safe
def opendata(request: HttpRequest, jurisdiction: str | None = None) -> HttpResponseBase:
    place, jkw = _place(jurisdiction)

    def context() -> dict:
        latest = selectors.edition_latest(jurisdiction=place, fields=("id", "year", "month", "revision", "published_at"))
        return {"jkw": jkw, "latest": latest}

    return _dynamic(request, "boards/opendata.html", context, place)

@require_safe
def editions_json(request: HttpRequest, jurisdiction: str | None = None) -> HttpResponseBase:
    """Every revision published, for a portal that mirrors the board."""
    place, jkw = _place(jurisdiction)
    items = []
    for item in selectors.editions_index(jurisdiction=place):
        kwargs = edition_kwargs(item.year, item.month, item.revision)
        items.append({
            "period": item.label,
            "revision": item.revision,
            "published_at": item.published_at.isoformat(),
            "superseded": item.is_superseded,
            "correction_note": item.correction_note,
            **files.stage_data(item),
            "counts": {"red_flags": item.red_flags, "yellow_lights": item.yellow_lights, "red_lights": item.red_lights},
            "json": request.build_absolute_uri(board_reverse("edition_json", jkw, **kwargs)),
            "csv": request.build_absolute_uri(board_reverse("edition_csv", jkw, **kwargs)),
            "pdf": request.build_absolute_uri(board_reverse("edition_pdf", jkw, **kwargs)),
            "html": request.build_absolute_uri(board_reverse("edition_revision", jkw, **kwargs)),
        })
    last = _timestamp(selectors.edition_last_modified(jurisdiction=place))
    body = files.json_bytes({
        "format": "liangbang-editions/1",
        "jurisdiction": {"code": place.code, "name": place.name},
        "editions": items,
    })
    response = _conditional(request, etag=f"editions-{place.pk}-{last or 0}", last_modified=last,
                            max_age=settings.BOARD_PAGE_MAX_AGE, body=body,
                            content_type="application/json; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response


# The year-end table -----------------------------------------------------------------------------


def _year_or_404(jurisdiction: str | None, year: int, revision: int | None = None):
    place, jkw = _place(jurisdiction)
    table = selectors.year_published(jurisdiction=place, year=year, revision=revision)
    if table is None:
        raise Http404
    return place, jkw, table


@require_safe
def year_table(request: HttpRequest, year: int, revision: int | None = None,
               jurisdiction: str | None = None) -> HttpResponseBase:
    """The published year-end table, from its snapshot."""
    _place_, jkw, table = _year_or_404(jurisdiction, year, revision)
    newer = selectors.year_newer(table=table)
    body = table.html
    if newer is not None:
        with translation.override(settings.BOARD_LANGUAGE):
            notice = render_to_string("boards/superseded_notice.html", {
                "edition": table, "newer": newer,
                "newer_url": board_reverse("year_revision", jkw, year=year, revision=newer.revision),
            })
        body = notice_insert(body, notice)
    return _conditional(request, etag=f"{table.html_sha256[:32]}-{newer.pk if newer else 0}",
                        last_modified=_timestamp((newer or table).published_at),
                        max_age=settings.BOARD_CACHE_MAX_AGE, body=body, language=html_lang(settings.BOARD_LANGUAGE))


@require_safe
def year_csv(request: HttpRequest, year: int, jurisdiction: str | None = None) -> HttpResponseBase:
    place, _jkw, table = _year_or_404(jurisdiction, year)
    response = _conditional(request, etag=f"{table.content_sha256[:32]}-csv",
                            last_modified=_timestamp(table.published_at), max_age=settings.BOARD_CACHE_MAX_AGE,
                            body=files.year_csv(table.year, table.revision, table.rows),
                            content_type="text/csv; charset=utf-8")
    if response.status_code == 200:
        response["Content-Disposition"] = f'attachment; filename="{place.code}-{year}-r{table.revision}.csv"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def year_json(request: HttpRequest, year: int, jurisdiction: str | None = None) -> HttpResponseBase:
    place, _jkw, table = _year_or_404(jurisdiction, year)
    body = files.json_bytes({
        "format": files.YEAR_FORMAT,
        "jurisdiction": {"code": place.code, "name": table.jurisdiction_name},
        "year": table.year,
        "revision": table.revision,
        "published_at": table.published_at.isoformat(),
        "correction_note": table.correction_note,
        "rows": table.rows,
    })
    response = _conditional(request, etag=f"{table.content_sha256[:32]}-json",
                            last_modified=_timestamp(table.published_at),
                            max_age=settings.BOARD_CACHE_MAX_AGE, body=body,
                            content_type="application/json; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response

