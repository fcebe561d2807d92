"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) at ``/open311/v2/``:
other systems (the 12345 platform, a 311 client) read the services and the state of the
requests, and post new ones with a key the office issued (``casework.apikeys``).

- The services and one request read by its tracking code are public (the code is the
  reporter's, as on the tracking page); the list of requests takes a key and shows its
  own jurisdiction's, since it hands out every tracking code. Reads are limited per
  address. They never carry an item's text or anything of its reporter: the text may
  hold personal data, and the spec lets a server leave ``description``, the address and
  the position out. ``status_notes`` are the tracking page's fixed words.
- A POST needs a key; the item goes to the key's jurisdiction as any other, through
  ``casework.services.report_submit``, on the channel 接口报送.
- Every answer is JSON or XML as the address ends; errors are the spec's list of
  ``{"code": <HTTP status>, "description": ...}`` (``<errors><error>…`` in XML).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from casework import apikeys, rules, selectors, services
from casework.models import ApiKey, Channel, FormEvent, Report
from config.accounts.throttle import client_ip
from departments.models import Jurisdiction
from departments.selectors import jurisdiction_default
from lib.throttle import throttle_hit
from workdays.selectors import CalendarUnknownYear

FORMATS = ("json", "xml")  # the end of every address: .json or .xml
MAX_REQUESTS = 1000  # the spec's ceiling for one answer
WINDOW_DAYS = 90  # the spec's default and widest date range
OPEN, CLOSED = "open", "closed"


# Services ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    code: str
    name: Promise
    description: Promise
    keywords: Promise
    group: Promise
    type: str = "realtime"  # a POST makes the item at once: its tracking code is the answer
    metadata: bool = False  # no extra attributes to fill in


EFFICIENCY = "efficiency"
WINDOW = "window"
SERVICES = (
    Service(EFFICIENCY, gettext_lazy("作风效能问题"),
            gettext_lazy("机关、单位及其工作人员作风不实、效能不高的问题，如推诿扯皮、办事拖拉、态度生硬"),
            gettext_lazy("作风,效能,推诿,拖拉"), gettext_lazy("作风效能")),
    Service(WINDOW, gettext_lazy("办不成事"),
            gettext_lazy("到窗口办事办不成、办不好，如多次跑腿、要求不一、无人受理"),
            gettext_lazy("办不成事,窗口,跑腿"), gettext_lazy("作风效能")),
)
SERVICES_BY_CODE = {s.code: s for s in SERVICES}


def service_of_channel(channel: str) -> Service:
    """The service an item is listed under: the 办不成事 window's items are ``window``,
    every other channel's ``efficiency``. (An item stores its channel, not the service
    code it was posted with: one posted here is 接口报送 and lists as ``efficiency``.)"""
    return SERVICES_BY_CODE[WINDOW if channel == rules.WINDOW else EFFICIENCY]


def services_filter(codes: Iterable[str]) -> Q:
    """The items listed under any of ``codes`` (known codes only)."""
    codes = set(codes)
    if codes >= {EFFICIENCY, WINDOW}:
        return Q()
    if codes == {WINDOW}:
        return Q(channel=rules.WINDOW)
    if codes == {EFFICIENCY}:
        return ~Q(channel=rules.WINDOW)
    return Q(pk__in=[])


# Status ----------------------------------------------------------------------------------------

# The tracking page's words (templates/casework/_public_state.html), the same messages.
PUBLIC_WORDS = {
    rules.PUBLIC_RECEIVED: gettext_lazy("已收到，正在核实"),
    rules.PUBLIC_NOT_ACCEPTED: gettext_lazy("不予受理"),
    rules.PUBLIC_MERGED: gettext_lazy("与其他反映合并办理"),
    rules.PUBLIC_ANSWERED: gettext_lazy("已答复"),
    rules.PUBLIC_IN_HAND: gettext_lazy("已交办相关单位，正在办理"),
    rules.PUBLIC_FIXED: gettext_lazy("已办结，问题已整改"),
    rules.PUBLIC_NOT_FIXED: gettext_lazy("已办结，整改未到位"),
}
CLOSED_PUBLIC_STATES = frozenset({rules.PUBLIC_NOT_ACCEPTED, rules.PUBLIC_ANSWERED, rules.PUBLIC_FIXED,
                                  rules.PUBLIC_NOT_FIXED})
CLOSED_FORM_STATES = tuple(s for s in rules.FORM_STATES if s not in rules.OPEN_STATES)
SETTLED_REPORT_STATES = (rules.REJECTED, rules.ANSWERED)


def open311_status(public_state: str) -> str:
    """Open311 knows two states: an item is closed once it is not accepted, answered, or
    its form is closed (rectified or not); until then it is open."""
    return CLOSED if public_state in CLOSED_PUBLIC_STATES else OPEN


def closed_q() -> Q:
    """``open311_status`` in the database, for the ``status`` filter: a merged item
    follows the item it joined, as on the tracking page."""
    follows = Q(state=rules.MERGED, merged_into__isnull=False)
    own = Q(state__in=SETTLED_REPORT_STATES) | Q(form__state__in=CLOSED_FORM_STATES)
    joined = Q(merged_into__state__in=SETTLED_REPORT_STATES) | Q(merged_into__form__state__in=CLOSED_FORM_STATES)
    return (~follows & own) | (follows & joined)


# What comes in ------------------------------------------------------------------------------------


class Refused(Exception):
    """An answer in the spec's error format."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__(descriptions)
        self.status = status
        self.descriptions = [str(d) for d in descriptions]


_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def reporter_name(first_name: str, last_name: str) -> str:
    """One name from the spec's given and family names: a Chinese name family name
    first with no space (王 + 小明 = 王小明), any other given name first."""
    first, last = (first_name or "").strip(), (last_name or "").strip()
    if _CJK_RE.search(first + last):
        return last + first
    return " ".join(part for part in (first, last) if part)


def _coordinate(text: str, limit: float) -> str | None:
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value) or abs(value) > limit:
        return None
    return text


def location_text(*, lat: str = "", long: str = "", address: str = "") -> str:
    """The place an item is about: the address when one is given, else the position as
    "lat,long" text (32.06,118.79). The spec asks for one of the two."""
    lat, long, address = (lat or "").strip(), (long or "").strip(), (address or "").strip()
    if (lat or long) and not (_coordinate(lat, 90) and _coordinate(long, 180)):
        raise Refused(400, gettext_lazy("经纬度（lat、long）应为数字：纬度在 -90 到 90 之间，经度在 -180 到 180 之间"))
    if address:
        return address
    if lat and long:
        return f"{lat},{long}"
    raise Refused(400, gettext_lazy("请提供地点：地址（address_string），或经纬度（lat 和 long）"))


def w3_datetime(text: str) -> dt.datetime:
    """A time as the spec writes it (ISO 8601, 2026-03-01T00:00:00+08:00 or …Z); a time
    without its zone is the site's, a day alone its first moment."""
    text = (text or "").strip()
    try:
        found = parse_datetime(text)
        if found is None:
            day = parse_date(text)
            found = dt.datetime.combine(day, dt.time()) if day else None
    except ValueError:
        found = None
    if found is None:
        raise Refused(400, gettext_lazy("start_date、end_date 应为 ISO 8601 格式的时间，如 2026-03-01T00:00:00+08:00"))
    return timezone.make_aware(found) if timezone.is_naive(found) else found


def date_window(*, start: str, end: str, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The requested range: the last 90 days by default; one end given, 90 days from it;
    both given, at most 90 days apart (the spec's rule)."""
    start_at = w3_datetime(start) if start else None
    end_at = w3_datetime(end) if end else None
    window = dt.timedelta(days=WINDOW_DAYS)
    if start_at is None and end_at is None:
        end_at = now
    if start_at is None:
        start_at = end_at - window
    if end_at is None:
        end_at = start_at + window
    if end_at < start_at:
        raise Refused(400, gettext_lazy("end_date 不能早于 start_date"))
    if end_at - start_at > window:
        raise Refused(400, gettext_lazy("查询的时间范围不能超过 %(days)d 天") % {"days": WINDOW_DAYS})
    return start_at, end_at


def comma_list(text: str) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


# What goes out -------------------------------------------------------------------------------------


def w3(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def end_of_day(day: dt.date) -> dt.datetime:
    """A form's last day, as a time: it may be closed until that day ends."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def _xml_value(parent: ET.Element, name: str, value: Any) -> None:
    child = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, inner in value.items():
            _xml_value(child, key, inner)
    elif isinstance(value, list):
        for inner in value:
            _xml_value(child, name.removesuffix("s"), inner)
    elif isinstance(value, bool):
        child.text = "true" if value else "false"
    elif value is not None:
        child.text = str(value)


def xml_document(root: str, item: str | None, data: Any) -> bytes:
    """The spec's XML: ``<root><item>…</item>…</root>`` for a list, ``<root>…</root>``
    for one object; null is an empty element, true and false are words."""
    top = ET.Element(root)
    if item is None:
        for key, value in data.items():
            _xml_value(top, key, value)
    else:
        for entry in data:
            _xml_value(top, item, entry)
    # The spec asks for the declaration with encoding="UTF-8" (ElementTree writes 'utf-8').
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(top, encoding="unicode").encode("utf-8")


def answer(fmt: str, data: Any, *, root: str, item: str | None, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(xml_document(root, item, data), status=status,
                            content_type="application/xml; charset=utf-8")
    return HttpResponse(json.dumps(data, ensure_ascii=False), status=status,
                        content_type="application/json; charset=utf-8")


def error_answer(fmt: str, refused: Refused) -> HttpResponse:
    errors = [{"code": refused.status, "description": d} for d in refused.descriptions]
    return answer(fmt, errors, root="errors", item="error", status=refused.status)


def api_view(*, methods: tuple[str, ...] = ("GET", "HEAD")) -> Callable:
    """An Open311 address: the methods it takes (any other is the spec's 405), a limit
    per address on the reads, and ``Refused`` answered as the spec's error list. No CSRF
    token: nothing here uses a browser's session, and a POST carries its key."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, format: str, **kwargs) -> HttpResponse:
            try:
                if request.method not in methods:
                    response = error_answer(format, Refused(405, gettext_lazy("不支持 %(method)s 请求") % {
                        "method": request.method}))
                    response["Allow"] = ", ".join(methods)
                    return response
                if request.method in ("GET", "HEAD") and not throttle_hit(
                        scope="open311", key=client_ip(request) or "",
                        limit=settings.CASEWORK_LOOKUPS_PER_HOUR * 10):
                    raise Refused(429, gettext_lazy("查询过于频繁，请稍后再试"))
                return view(request, *args, fmt=format, **kwargs)
            except Refused as refused:
                return error_answer(format, refused)

        return csrf_exempt(never_cache(wrapped))

    return decorate


def _no_jurisdiction() -> Refused:
    return Refused(404, gettext_lazy("没有这个辖区（jurisdiction_id）"))


def read_jurisdiction(request: HttpRequest) -> Jurisdiction:
    """The default jurisdiction; a ``jurisdiction_id`` that names another is not found."""
    found = jurisdiction_default()
    asked = request.GET.get("jurisdiction_id", "").strip()
    if found is None or (asked and asked != found.code):
        raise _no_jurisdiction()
    return found


# The services' addresses ------------------------------------------------------------------------------


def service_data(service: Service) -> dict:
    return {"service_code": service.code, "service_name": str(service.name), "description": str(service.description),
            "metadata": service.metadata, "type": service.type, "keywords": str(service.keywords),
            "group": str(service.group)}


@api_view()
def services_list(request: HttpRequest, fmt: str) -> HttpResponse:
    read_jurisdiction(request)
    return answer(fmt, [service_data(s) for s in SERVICES], root="services", item="service")


@api_view()
def service_definition(request: HttpRequest, service_code: str, fmt: str) -> HttpResponse:
    read_jurisdiction(request)
    if service_code not in SERVICES_BY_CODE:
        raise Refused(404, _unknown_service(service_code))
    return answer(fmt, {"service_code": service_code, "attributes": []}, root="service_definition", item=None)


def _unknown_service(code: str) -> str:
    # The code is said back as far as it can be one (no markup, no control characters).
    return _("没有这个服务（service_code）：%(code)s") % {"code": re.sub(r"[^A-Za-z0-9_.-]", "", code)[:50]}


# The requests' addresses ------------------------------------------------------------------------------

# What a list reads of an item and of the item it joined: never its text or its reporter.
_READ = ("code", "channel", "state", "received_at", "triaged_at", "form", "merged_into")
_FORM = ("state", "issued_on", "days", "closed_on", "lead_unit", "lead_unit__name")


def requests_queryset(jurisdiction: Jurisdiction) -> QuerySet[Report]:
    """The jurisdiction's items with what a listed request shows, in one query whatever
    their number: the item, its form and lead unit, the item it joined and that one's
    form, and when each form last moved."""
    def last_step(form: str) -> Subquery:
        return Subquery(FormEvent.objects.filter(form=OuterRef(form)).order_by("-at").values("at")[:1])

    fields = [*_READ, *(f"form__{f}" for f in _FORM), "merged_into__state", "merged_into__triaged_at",
              "merged_into__form", *(f"merged_into__form__{f}" for f in _FORM)]
    return (
        Report.objects.filter(jurisdiction=jurisdiction)
        .select_related("form__lead_unit", "merged_into__form__lead_unit")
        .only(*fields)
        .annotate(
            form_moved_at=last_step("form"),
            joined_form_moved_at=last_step("merged_into__form"),
            open311_closed=Case(When(closed_q(), then=Value(True)), default=Value(False), output_field=BooleanField()),
        )
        .order_by("-received_at", "-pk")
    )


def _followed(report: Report) -> Report:
    """A merged item follows the item it joined (its state and its form)."""
    return report.merged_into if report.state == rules.MERGED and report.merged_into_id else report


def request_rows(reports: list[Report]) -> list[dict]:
    """The spec's service requests for ``reports`` (from ``requests_queryset``)."""
    forms = {}
    for report in reports:
        form = _followed(report).form
        if form is not None:
            forms[form.pk] = form
    try:
        timings = selectors.form_timings(forms.values())  # the pauses in one query, the calendar once a year
    except CalendarUnknownYear:
        timings = {}  # a year the calendar does not know: the deadlines are left out, the rest is said
    rows = []
    for report in reports:
        followed = _followed(report)
        form = followed.form
        state = rules.public_state(report_state=followed.state, form_state=form.state if form else None)
        service = service_of_channel(report.channel)
        moved = report.joined_form_moved_at if followed is not report else report.form_moved_at
        updated = max(t for t in (report.received_at, report.triaged_at, followed.triaged_at, moved) if t)
        timing = timings.get(form.pk) if form else None
        rows.append({
            "service_request_id": report.code,
            "status": open311_status(state),
            "status_notes": str(PUBLIC_WORDS[state]),
            "service_name": str(service.name),
            "service_code": service.code,
            "agency_responsible": form.lead_unit.name if form else None,
            "service_notice": None,
            "requested_datetime": w3(report.received_at),
            "updated_datetime": w3(updated),
            "expected_datetime": w3(end_of_day(timing.due)) if timing else None,
            # Beyond the spec's two states: the tracking page's own (rules.PUBLIC_*).
            "extended_attributes": {"public_state": state},
        })
    return rows


def _requests_answer(fmt: str, reports: list[Report]) -> HttpResponse:
    return answer(fmt, request_rows(reports), root="service_requests", item="request")


def requests_list(request: HttpRequest, fmt: str) -> HttpResponse:
    """The list takes a key (the spec allows it): it would otherwise hand anyone every
    item's tracking code, and a code opens its tracking page and its "is it fixed?"
    question. One request read by its code (``request_one``) needs only the code, as
    the tracking page does."""
    key = _key(request, request.GET)
    asked = request.GET.get("jurisdiction_id", "").strip()
    if asked and asked != key.jurisdiction.code:
        raise _no_jurisdiction()
    jurisdiction = key.jurisdiction  # a key reads its own jurisdiction's items
    apikeys.key_used(key)
    reports = requests_queryset(jurisdiction)
    ids = comma_list(request.GET.get("service_request_id", ""))
    if ids:
        # The spec: named requests, whatever the other filters say.
        codes = [c for c in (rules.tracking_code_clean(i) for i in ids[:MAX_REQUESTS]) if c]
        return _requests_answer(fmt, list(reports.filter(code__in=codes)[:MAX_REQUESTS]))
    codes = comma_list(request.GET.get("service_code", ""))
    unknown = [c for c in codes if c not in SERVICES_BY_CODE]
    if unknown:
        raise Refused(400, *[_unknown_service(c) for c in unknown[:5]])
    if codes:
        reports = reports.filter(services_filter(codes))
    statuses = set(comma_list(request.GET.get("status", "").lower()))
    if statuses - {OPEN, CLOSED}:
        raise Refused(400, gettext_lazy("status 只能是 open 或 closed"))
    if len(statuses) == 1:
        reports = reports.filter(open311_closed=CLOSED in statuses)
    start, end = date_window(start=request.GET.get("start_date", ""), end=request.GET.get("end_date", ""),
                             now=timezone.now())
    reports = reports.filter(received_at__gte=start, received_at__lte=end)
    return _requests_answer(fmt, list(reports[:MAX_REQUESTS]))


def _key(request: HttpRequest, data=None) -> ApiKey:
    raw = (request.POST if data is None else data).get("api_key", "")
    if not raw.strip():
        raise Refused(403, gettext_lazy("请提供接口密钥（api_key）"))
    key = apikeys.key_active(raw)
    if key is None:
        # Whoever holds a revoked key may be told so: it tells them to ask for a new one.
        found = apikeys.key_match(raw)
        if found is not None and found.revoked_at is not None:
            raise Refused(403, gettext_lazy("接口密钥（api_key）已停用"))
        raise Refused(403, gettext_lazy("接口密钥（api_key）无效"))
    return key


def request_create(request: HttpRequest, fmt: str) -> HttpResponse:
    key = _key(request)
    data = request.POST
    asked = data.get("jurisdiction_id", "").strip()
    if asked and asked != key.jurisdiction.code:
        raise _no_jurisdiction()  # the key's jurisdiction is where the item goes
    code = data.get("service_code", "").strip()
    if not code:
        raise Refused(400, gettext_lazy("请提供服务代码（service_code）"))
    if code not in SERVICES_BY_CODE:
        raise Refused(400, _unknown_service(code))
    description = data.get("description", "").strip()
    if not description:
        raise Refused(400, gettext_lazy("请写明反映的问题（description）"))
    location = location_text(lat=data.get("lat", ""), long=data.get("long", ""),
                             address=data.get("address_string", ""))
    # media_url is not read: the product never fetches anything from outside (an address
    # given here could point anywhere, the office's network included). attribute[…],
    # device_id and account_id have nothing to go into.
    try:
        report = services.report_submit(
            jurisdiction=key.jurisdiction, channel=Channel.OPEN311, title=description[:30], description=description,
            location=location, reporter_name=reporter_name(data.get("first_name", ""), data.get("last_name", "")),
            reporter_phone=data.get("phone", ""), reporter_email=data.get("email", "").strip(),
        )
    except ValidationError as error:
        raise Refused(400, *error.messages) from None
    apikeys.key_used(key)
    return answer(fmt, [{
        "service_request_id": report.code,
        "service_notice": _("已收到，效能办核实后处理；可凭查询码 %(code)s 查询办理进度") % {"code": report.code_display},
        "account_id": None,
    }], root="service_requests", item="request")


@api_view(methods=("GET", "HEAD", "POST"))
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET: the list of requests; POST: a new one."""
    if request.method == "POST":
        return request_create(request, fmt)
    return requests_list(request, fmt)


@api_view()
def request_one(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    """One request by its tracking code, as a list of one (the spec's form)."""
    jurisdiction = read_jurisdiction(request)
    code = rules.tracking_code_clean(request_id)
    found = list(requests_queryset(jurisdiction).filter(code=code)[:1]) if code else []
    if not found:
        raise Refused(404, gettext_lazy("没有找到这个服务请求（service_request_id）"))
    return _requests_answer(fmt, found)
