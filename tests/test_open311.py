"""Open311 GeoReport v2 at /open311/v2/, against the spec (https://wiki.open311.org/GeoReport_v2):

- another system (the 12345 platform, a 311 client) reads the services and the requests
  of the default jurisdiction in JSON or XML, and posts new requests with a key the
  office made in the admin;
- nothing it reads carries an item's text, place or reporter;
- ``alice`` (the office) makes and revokes the keys, triages and closes as always; ``una``
  works for the lead unit 淳溪街道 (``town``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework import apikeys, open311, rules, services
from casework.models import ApiKey, Report
from tests.factories import JurisdictionFactory, default_jurisdiction
from tests.test_casework import issued, report
from tests.test_desk import unit_staff

# What an item's reporter wrote and who they are: none of it may leave through the API.
PRIVATE = ("ZQTEXTQZ", "ZQNAMEQZ", "13912345678", "zq@example.cn", "ZQPLACEQZ")


READ_KEY = {"raw": ""}


@pytest.fixture(autouse=True)
def _reading_key():
    READ_KEY["raw"] = ""


def url(name: str, fmt: str = "json", **kwargs) -> str:
    """The address; the list of requests (a GET) is read with a key the office made, made
    the first time a test reads the list."""
    path = reverse(f"open311:{name}", kwargs={"format": fmt, **kwargs})
    if name != "requests":
        return path
    if not READ_KEY["raw"]:
        made, READ_KEY["raw"] = apikeys.key_make(jurisdiction=default_jurisdiction(), name="读取", by=None)
    return f"{path}?api_key={READ_KEY['raw']}"


def as_json(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content.decode("utf-8"))


def as_xml(response) -> ET.Element:
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)


def private_report(**kwargs) -> Report:
    kwargs.setdefault("title", "窗口推诿")
    kwargs.setdefault("description", "ZQTEXTQZ 窗口工作人员让我跑了三次")
    kwargs.setdefault("reporter_name", "ZQNAMEQZ")
    kwargs.setdefault("reporter_phone", "13912345678")
    kwargs.setdefault("reporter_email", "zq@example.cn")
    kwargs.setdefault("location", "ZQPLACEQZ 政务中心")
    return report(**kwargs)


@pytest.fixture
def una(town):
    return unit_staff("una", town)


@pytest.fixture
def key(alice):
    made, raw = apikeys.key_make(jurisdiction=default_jurisdiction(), name="12345平台", by=alice)
    return raw


def post(client, key: str | None, fmt: str = "json", **fields):
    data = {"service_code": "efficiency", "description": "窗口工作人员上班时间玩手机，排队半小时无人办理",
            "address_string": "淳溪街道便民服务中心", **fields}
    if key is not None:
        data["api_key"] = key
    path = reverse("open311:requests", kwargs={"format": fmt})
    return client.post(path, {k: v for k, v in data.items() if v is not None})


def closed_form(alice, una, town, item: Report, action: str = "close"):
    form = issued(alice, town, reports=[item])
    if action == "close":
        services.form_act(form=form, by=una, action="acknowledge")
        services.form_act(form=form, by=una, action="reply", text="已整改")
        services.form_act(form=form, by=alice, action="close")
    else:
        services.form_act(form=form, by=alice, action="close_not_rectified", text="逾期未整改")
    return form


# Services ---------------------------------------------------------------------------------------


def test_the_service_list_names_both_services_with_the_specs_fields(client, db):
    listed = as_json(client.get(url("services")))
    assert [s["service_code"] for s in listed] == ["efficiency", "window"]
    assert listed[0]["service_name"] == "作风效能问题" and listed[1]["service_name"] == "办不成事"
    for service in listed:
        assert set(service) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
        assert service["metadata"] is False and service["type"] == "realtime"


def test_the_service_list_in_xml_is_services_of_service_elements(client, db):
    root = as_xml(client.get(url("services", "xml")))
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == ["efficiency", "window"]
    assert root.find("service").findtext("metadata") == "false"
    assert root.find("service").findtext("type") == "realtime"


def test_a_service_definition_has_no_attributes(client, db):
    assert as_json(client.get(url("service", service_code="window"))) == {"service_code": "window", "attributes": []}
    root = as_xml(client.get(url("service", "xml", service_code="efficiency")))
    assert root.tag == "service_definition" and root.findtext("service_code") == "efficiency"
    assert root.find("attributes") is not None and len(root.find("attributes")) == 0


def test_an_unknown_service_definition_is_the_specs_404(client, db):
    response = client.get(url("service", service_code="potholes"))
    assert response.status_code == 404
    errors = as_json(response)
    assert errors[0]["code"] == 404 and "potholes" in errors[0]["description"]
    response = client.get(url("service", "xml", service_code="potholes"))
    root = as_xml(response)
    assert response.status_code == 404
    assert root.tag == "errors" and root.find("error").findtext("code") == "404"
    assert root.find("error").findtext("description")


def test_the_default_jurisdiction_may_be_named_and_another_is_not_found(client, db):
    JurisdictionFactory(code="lishui", name="邻区")
    assert client.get(url("services") + "?jurisdiction_id=default").status_code == 200
    response = client.get(url("services") + "?jurisdiction_id=lishui")
    assert response.status_code == 404 and as_json(response)[0]["code"] == 404
    assert client.get(url("requests") + "&jurisdiction_id=nowhere").status_code == 404


def test_the_reads_take_no_post(client, db):
    response = client.post(url("services"))
    assert response.status_code == 405 and as_json(response)[0]["code"] == 405
    assert "GET" in response["Allow"] and "POST" not in response["Allow"]
    assert client.post(url("request", request_id="ABCDEFGHJK")).status_code == 405


# Posting a request --------------------------------------------------------------------------------


def test_a_post_with_a_key_makes_an_item_on_the_interface_channel_and_answers_its_tracking_code(client, alice, key):
    description = "窗口工作人员上班时间玩手机，排队半小时无人办理，群众意见很大"
    response = post(client, key, description=description, address_string=None, lat="32.06", long="118.79",
                    first_name="小明", last_name="王", phone="13812345678", email="wang@example.cn")
    assert response.status_code == 200
    answer = as_json(response)
    stored = Report.objects.get()
    assert answer == [{"service_request_id": stored.code, "service_notice": answer[0]["service_notice"],
                       "account_id": None}]
    assert stored.code_display in answer[0]["service_notice"]
    assert stored.channel == rules.OPEN311 and stored.jurisdiction == default_jurisdiction()
    assert stored.title == description[:30] and stored.description == description
    assert stored.location == "32.06,118.79"
    assert (stored.reporter_name, stored.reporter_phone, stored.reporter_email) == ("王小明", "13812345678",
                                                                                   "wang@example.cn")
    assert ApiKey.objects.get().last_used_at is not None
    # The office finds it where it finds every item.
    client.force_login(alice)
    assert stored.code_display in client.get(reverse("admin:casework_report_changelist")).content.decode()


def test_a_post_in_xml_answers_service_requests_of_request_elements(client, key):
    root = as_xml(post(client, key, "xml"))
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request.findtext("service_request_id") == Report.objects.get().code
    assert request.find("account_id") is not None and request.find("account_id").text is None  # <account_id/>


def test_an_address_is_kept_as_the_place_over_a_position(client, key):
    post(client, key, address_string="淳溪街道便民服务中心三号窗口", lat="32.06", long="118.79")
    assert Report.objects.get().location == "淳溪街道便民服务中心三号窗口"


def test_a_post_goes_to_the_jurisdiction_of_its_key(client, alice, db):
    lishui = JurisdictionFactory(code="lishui", name="邻区")
    _made, raw = apikeys.key_make(jurisdiction=lishui, name="邻区12345", by=alice)
    assert post(client, raw, jurisdiction_id="lishui").status_code == 200
    assert Report.objects.get().jurisdiction == lishui
    assert post(client, raw, jurisdiction_id="default").status_code == 404  # not where this key posts


def test_a_post_without_a_key_is_refused_with_403_and_keeps_nothing(client, db):
    for fmt in ("json", "xml"):
        response = post(client, None, fmt)
        assert response.status_code == 403
    assert as_json(post(client, None))[0]["code"] == 403
    assert as_xml(post(client, "", "xml")).find("error").findtext("code") == "403"
    assert not Report.objects.exists()


def test_a_post_with_an_unknown_key_is_refused_with_403(client, key):
    assert post(client, key[:-1] + ("A" if key[-1] != "A" else "B")).status_code == 403
    assert post(client, "x" * 5000).status_code == 403
    assert not Report.objects.exists()


def test_a_post_with_a_revoked_key_is_refused_with_403(client, key):
    apikeys.keys_revoke(ApiKey.objects.all())
    response = post(client, key)
    assert response.status_code == 403 and "停用" in as_json(response)[0]["description"]
    assert not Report.objects.exists()


@pytest.mark.parametrize("fields", [
    {"description": ""}, {"description": "   "}, {"service_code": ""}, {"address_string": None},
    {"address_string": None, "lat": "32.06"}, {"address_string": None, "lat": "north", "long": "118.79"},
    {"lat": "95", "long": "118.79"}, {"email": "not-an-address"},
], ids=["no description", "blank description", "no service", "no place", "half a position", "a word for a latitude",
        "latitude out of range", "bad e-mail"])
def test_a_post_missing_or_with_invalid_fields_is_refused_with_400_and_keeps_nothing(client, key, fields):
    response = post(client, key, **fields)
    assert response.status_code == 400
    errors = as_json(response)
    assert errors and all(e["code"] == 400 and e["description"] for e in errors)
    assert not Report.objects.exists()
    assert ApiKey.objects.get().last_used_at is None


def test_a_post_for_an_unknown_service_is_refused_with_400(client, key):
    response = post(client, key, "xml", service_code="potholes")
    assert response.status_code == 400
    assert "potholes" in as_xml(response).find("error").findtext("description")
    response = post(client, key, "xml", service_code="pot\x01<holes>")  # said back, and still XML
    assert response.status_code == 400 and "potholes" in as_xml(response).find("error").findtext("description")
    assert not Report.objects.exists()


def test_a_media_url_is_never_fetched_or_kept(client, key, monkeypatch):
    import urllib.request

    def refuse(*args, **kwargs):
        raise AssertionError("fetched a media_url")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    assert post(client, key, media_url="http://10.0.0.1/secret.jpg").status_code == 200
    stored = Report.objects.get()
    assert not stored.files.exists()
    assert "10.0.0.1" not in " ".join(str(getattr(stored, f.attname)) for f in Report._meta.fields)


def test_a_post_needs_no_csrf_token(key):
    strict = Client(enforce_csrf_checks=True)
    assert post(strict, key).status_code == 200


# Reading the requests -----------------------------------------------------------------------------------


def test_the_list_shows_the_specs_fields_and_nothing_of_the_item_or_its_reporter(client, db):
    item = private_report()
    for fmt in ("json", "xml"):
        body = client.get(url("requests", fmt)).content.decode("utf-8")
        assert item.code in body
        assert [p for p in PRIVATE if p in body] == []
        assert "窗口推诿" not in body  # the title is the text's too
    row = as_json(client.get(url("requests")))[0]
    assert set(row) == {"service_request_id", "status", "status_notes", "service_name", "service_code",
                        "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                        "expected_datetime", "extended_attributes"}
    assert row["status"] == "open" and row["status_notes"] == "已收到，正在核实"
    assert row["service_code"] == "efficiency" and row["agency_responsible"] is None
    assert dt.datetime.fromisoformat(row["requested_datetime"]) == item.received_at.replace(microsecond=0)
    assert row["requested_datetime"].endswith("+08:00")


def test_the_list_in_xml_is_service_requests_of_request_elements(client, db):
    item = private_report()
    root = as_xml(client.get(url("requests", "xml")))
    assert root.tag == "service_requests"
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [item.code]
    assert root.find("request").findtext("status") == "open"
    assert root.find("request/extended_attributes").findtext("public_state") == rules.PUBLIC_RECEIVED


def test_a_form_names_the_lead_unit_and_its_deadline(client, alice, town):
    item = private_report()
    form = issued(alice, town, reports=[item])
    row = as_json(client.get(url("requests")))[0]
    assert row["status"] == "open" and row["status_notes"] == "已交办相关单位，正在办理"
    assert row["agency_responsible"] == "淳溪街道"
    assert row["expected_datetime"] == "2026-03-16T23:59:59+08:00"  # ten working days after Monday 2 March
    assert dt.datetime.fromisoformat(row["updated_datetime"]) >= form.events.get().at.replace(microsecond=0)


def test_a_request_is_closed_once_the_office_closes_its_form(client, alice, una, town):
    item = private_report()
    closed_form(alice, una, town, item)
    row = as_json(client.get(url("requests")))[0]
    assert (row["status"], row["status_notes"]) == ("closed", "已办结，问题已整改")
    other = private_report()
    closed_form(alice, una, town, other, action="not_rectified")
    row = as_json(client.get(url("requests") + f"&service_request_id={other.code}"))[0]
    assert (row["status"], row["status_notes"]) == ("closed", "已办结，整改未到位")


def test_a_rejected_or_answered_item_is_closed_and_a_new_one_open(client, alice):
    rejected, answered, new = private_report(), private_report(), private_report()
    services.report_reject(report=rejected, by=alice, reason="不属于效能问题")
    services.report_answer(report=answered, by=alice, text="已电话答复")
    rows = {r["service_request_id"]: r for r in as_json(client.get(url("requests")))}
    assert rows[rejected.code]["status"] == rows[answered.code]["status"] == "closed"
    assert rows[rejected.code]["status_notes"] == "不予受理" and rows[answered.code]["status_notes"] == "已答复"
    assert rows[new.code]["status"] == "open"


def test_a_merged_item_follows_the_item_it_joined(client, alice, una, town):
    first, again = private_report(), private_report()
    services.report_merge(report=again, into=first, by=alice)
    track = reverse("casework:track_code", args=[again.code])
    row = as_json(client.get(url("request", request_id=again.code)))[0]
    assert row["status"] == "open" and row["status_notes"] in client.get(track).content.decode()
    closed_form(alice, una, town, first)
    row = as_json(client.get(url("request", request_id=again.code)))[0]
    assert (row["status"], row["status_notes"], row["agency_responsible"]) == ("closed", "已办结，问题已整改", "淳溪街道")
    assert row["status_notes"] in client.get(track).content.decode()


def test_the_status_filter_keeps_open_or_closed_requests_as_the_rows_say(client, alice, una, town):
    new, merged_open, fixed, merged_fixed, rejected = (private_report() for _ in range(5))
    services.report_merge(report=merged_open, into=new, by=alice)
    closed_form(alice, una, town, fixed)
    services.report_merge(report=merged_fixed, into=fixed, by=alice)
    services.report_reject(report=rejected, by=alice, reason="不属于效能问题")

    def codes(status: str) -> set[str]:
        rows = as_json(client.get(url("requests") + f"&status={status}"))
        assert {r["status"] for r in rows} <= {status}
        return {r["service_request_id"] for r in rows}

    assert codes("open") == {new.code, merged_open.code}
    assert codes("closed") == {fixed.code, merged_fixed.code, rejected.code}
    assert len(as_json(client.get(url("requests") + "&status=open,closed"))) == 5
    assert client.get(url("requests") + "&status=pending").status_code == 400


def test_the_service_code_filter_lists_the_window_apart(client, db):
    web, window = private_report(), private_report(channel=rules.WINDOW)
    rows = as_json(client.get(url("requests") + "&service_code=window"))
    assert [(r["service_request_id"], r["service_name"]) for r in rows] == [(window.code, "办不成事")]
    rows = as_json(client.get(url("requests") + "&service_code=efficiency"))
    assert [r["service_request_id"] for r in rows] == [web.code]
    assert len(as_json(client.get(url("requests") + "&service_code=efficiency,window"))) == 2
    assert client.get(url("requests") + "&service_code=potholes").status_code == 400


def test_requests_named_by_id_are_listed_whatever_the_other_filters(client, alice):
    one, two, three = private_report(), private_report(), private_report()
    services.report_reject(report=two, by=alice, reason="不属于效能问题")
    asked = f"{one.code},{rules.tracking_code_display(two.code).lower()}"
    rows = as_json(client.get(url("requests") + f"&service_request_id={asked}&status=open"))
    assert {r["service_request_id"] for r in rows} == {one.code, two.code}


def test_the_list_covers_the_last_90_days_unless_asked_for_another_range(client, db):
    recent = private_report()
    old = private_report(received_at=timezone.now() - dt.timedelta(days=120))
    assert [r["service_request_id"] for r in as_json(client.get(url("requests")))] == [recent.code]
    start = (timezone.now() - dt.timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = as_json(client.get(url("requests") + f"&start_date={start}"))
    assert [r["service_request_id"] for r in rows] == [old.code]  # the 90 days from that start
    end = timezone.now().strftime("%Y-%m-%dT%H:%M:%S%z")
    response = client.get(url("requests"), {"start_date": start, "end_date": end, "api_key": READ_KEY["raw"]})
    assert response.status_code == 400 and as_json(response)[0]["code"] == 400  # wider than 90 days
    assert client.get(url("requests") + "&start_date=yesterday").status_code == 400


def test_the_list_stops_at_1000(client, db, monkeypatch):
    monkeypatch.setattr(open311, "MAX_REQUESTS", 3)
    for _ in range(4):
        private_report()
    assert len(as_json(client.get(url("requests")))) == 3


def test_another_jurisdictions_items_are_not_listed(client, alice, db):
    lishui = JurisdictionFactory(code="lishui", name="邻区")
    theirs = private_report(jurisdiction=lishui)
    ours = private_report()
    assert [r["service_request_id"] for r in as_json(client.get(url("requests")))] == [ours.code]
    assert client.get(url("request", request_id=theirs.code)).status_code == 404


def test_one_request_is_a_list_of_one_and_an_unknown_one_the_specs_404(client, db):
    item = private_report()
    rows = as_json(client.get(url("request", request_id=item.code)))
    assert [r["service_request_id"] for r in rows] == [item.code]
    root = as_xml(client.get(url("request", "xml", request_id=item.code_display)))
    assert root.tag == "service_requests" and len(root.findall("request")) == 1
    body = client.get(url("request", "xml", request_id=item.code)).content.decode("utf-8")
    assert [p for p in PRIVATE if p in body] == []
    response = client.get(url("request", request_id="ABCDEFGHJK"))
    assert response.status_code == 404 and as_json(response)[0]["code"] == 404
    assert as_xml(client.get(url("request", "xml", request_id="nonsense"))).tag == "errors"


def _requests_with_forms(count: int, alice, una, town) -> None:
    """``count`` items: every third handed on, every sixth closed, every fourth merged."""
    made = []
    for n in range(count):
        item = private_report()
        if n % 4 == 3 and made:
            services.report_merge(report=item, into=made[0], by=alice)
        elif n % 6 == 0:
            closed_form(alice, una, town, item)
        elif n % 3 == 0:
            issued(alice, town, reports=[item])
        made.append(item)


def _queries(client) -> int:
    address = url("requests")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_list_costs_the_same_queries_for_5_items_as_for_50(client, alice, una, town):
    _requests_with_forms(5, alice, una, town)
    few = _queries(client)
    _requests_with_forms(45, alice, una, town)
    assert len(as_json(client.get(url("requests")))) == 50
    assert _queries(client) == few


def test_one_address_may_read_only_so_often(client, db, settings):
    settings.CASEWORK_LOOKUPS_PER_HOUR = 1  # ten reads an hour
    for _ in range(10):
        assert client.get(url("services")).status_code == 200
    response = client.get(url("requests", "xml"))
    assert response.status_code == 429
    assert as_xml(response).find("error").findtext("code") == "429"


def test_the_limit_on_reads_does_not_stop_a_post_with_a_key(client, key, settings):
    settings.CASEWORK_LOOKUPS_PER_HOUR = 1
    for _ in range(10):
        client.get(url("services"))
    assert post(client, key).status_code == 200


# The pure pieces ----------------------------------------------------------------------------------------


def test_a_chinese_name_is_family_name_first_and_any_other_given_name_first():
    assert open311.reporter_name("小明", "王") == "王小明"
    assert open311.reporter_name("Ann", "Lee") == "Ann Lee"
    assert open311.reporter_name("", "王") == "王"
    assert open311.reporter_name("", "") == ""


def test_open_and_closed_follow_the_tracking_pages_state():
    assert {s: open311.open311_status(s) for s in open311.PUBLIC_WORDS} == {
        rules.PUBLIC_RECEIVED: "open", rules.PUBLIC_MERGED: "open", rules.PUBLIC_IN_HAND: "open",
        rules.PUBLIC_NOT_ACCEPTED: "closed", rules.PUBLIC_ANSWERED: "closed", rules.PUBLIC_FIXED: "closed",
        rules.PUBLIC_NOT_FIXED: "closed",
    }


def test_the_status_words_are_the_tracking_pages():
    from django.template.loader import render_to_string

    for state, words in open311.PUBLIC_WORDS.items():
        assert render_to_string("casework/_public_state.html", {"state": state}).strip() == str(words)


# Keys in the admin -------------------------------------------------------------------------------------------


def test_the_office_names_a_key_and_sees_it_once(client, alice):
    client.force_login(alice)
    add = reverse("admin:casework_apikey_add")
    page = client.get(add).content.decode()
    assert 'name="name"' in page and 'name="digest"' not in page and 'name="prefix"' not in page
    response = client.post(add, {"name": "12345平台"}, follow=True)
    assert response.redirect_chain == [(reverse("admin:casework_apikey_changelist"), 302)]
    stored = ApiKey.objects.get()
    raw = re.search(re.escape(stored.prefix) + r"[A-Za-z0-9_-]+", response.content.decode()).group(0)
    assert stored.digest == hashlib.sha256(raw.encode()).hexdigest() and len(raw) >= 43
    assert (stored.jurisdiction, stored.created_by, stored.name) == (default_jurisdiction(), alice, "12345平台")
    # Never again: not on the list, not on the key's page.
    pages = (reverse("admin:casework_apikey_changelist"), reverse("admin:casework_apikey_change", args=[stored.pk]))
    for page in pages:
        body = client.get(page).content.decode()
        assert stored.prefix in body and raw not in body
    client.logout()
    assert post(client, raw).status_code == 200


def test_the_office_revokes_a_key_and_it_opens_nothing(client, alice, key):
    client.force_login(alice)
    stored = ApiKey.objects.get()
    response = client.post(reverse("admin:casework_apikey_changelist"),
                           {"action": "revoke_keys", "_selected_action": [stored.pk], "index": 0})
    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.revoked_at is not None
    client.logout()
    assert post(client, key).status_code == 403


def test_a_key_is_never_deleted(client, alice, key):
    client.force_login(alice)
    stored = ApiKey.objects.get()
    assert client.get(reverse("admin:casework_apikey_delete", args=[stored.pk])).status_code == 403
    assert "delete_selected" not in client.get(reverse("admin:casework_apikey_changelist")).content.decode()


def test_another_jurisdictions_keys_are_not_there_for_the_office(client, alice, db):
    lishui = JurisdictionFactory(code="lishui", name="邻区")
    theirs, _raw = apikeys.key_make(jurisdiction=lishui, name="邻区平台")
    client.force_login(alice)
    assert "邻区平台" not in client.get(reverse("admin:casework_apikey_changelist")).content.decode()
    assert client.get(reverse("admin:casework_apikey_change", args=[theirs.pk])).status_code == 404


def test_only_the_office_sees_the_keys(client, bob, db):
    client.force_login(bob)
    assert client.get(reverse("admin:casework_apikey_changelist")).status_code == 403


def test_the_list_takes_a_key_and_one_request_takes_only_its_code(client, db):
    item = private_report()
    bare = reverse("open311:requests", kwargs={"format": "json"})
    refused = client.get(bare)
    assert refused.status_code == 403 and as_json(refused)[0]["code"] == 403
    assert client.get(bare + "?api_key=not-a-key").status_code == 403
    assert client.get(url("request", request_id=item.code)).status_code == 200


def test_a_key_reads_its_own_jurisdictions_list_only(client, db):
    lishui = JurisdictionFactory(code="lishui", name="邻区")
    made, theirs = apikeys.key_make(jurisdiction=lishui, name="邻区平台", by=None)
    ours = private_report()
    bare = reverse("open311:requests", kwargs={"format": "json"})
    assert as_json(client.get(bare + f"?api_key={theirs}")) == []
    assert client.get(bare + f"?api_key={theirs}&jurisdiction_id=default").status_code == 404
    assert ours.code in client.get(url("requests")).content.decode()
