"""Where a leader's drill-down ends: one rating, read-only, in the dashboard's frame.

The page says what the rating is (kind and result, unit, department, month, the rule
book's criterion with its code and text, the reason, the status), names the evidence
files and shows the history of its review. It is no link into the admin, and it is
seen by whom the drill-down list shows it to: the leaders and the office of the
rating's jurisdiction, for ratings the departments have submitted (已报送: awaiting
review, returned or approved). A draft, a withdrawn rating, another jurisdiction's or
no rating at all is "not found".

Personas (see conftest): bob rates for 区住建局 (department A) and submits; alice of
the office reviews; leo the leader reads.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile

from departments import roles
from departments.models import Jurisdiction
from ratings import rules, services
from ratings.models import Evidence, Rating
from tests.factories import CriterionFactory, OrganisationFactory, RuleBookFactory, make_user

DRILL = "/dashboard/ratings/"


def page_url(rating: Rating) -> str:
    return f"{DRILL}{rating.pk}/"


def text_of(response) -> str:
    """The page's main part as a person reads it."""
    body = response.content.decode()
    main = body[body.index('<main'):body.index('</main>')]
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", main)))
    return re.sub(r" (?=[，。：；）])", "", text)  # a tag before Chinese punctuation is no space


@pytest.fixture
def scene(dept_a, town, bob, alice, leo):
    book = RuleBookFactory(year=2026)
    flag = CriterionFactory(rulebook=book, code="HQ-03", text="主动承接多次转办的疑难工单", kind=rules.RED_FLAG)
    yellow = CriterionFactory(rulebook=book, code="HD-01", text="随意退单、拒不签收", kind=rules.YELLOW_LIGHT)
    march = services.period_get_or_open(jurisdiction=dept_a.jurisdiction, year=2026, month=3)

    approved = services.rating_record(period=march, department=dept_a, unit=town, kind=rules.RED_FLAG,
                                      criterion=flag, reason="承接12345疑难工单32件，按时办结", by=bob)
    evidence = Evidence()
    evidence.file.save("upload.pdf", ContentFile(b"%PDF-1.4\n% proof\n"), save=False)
    services.evidence_attach(rating=approved, evidence=evidence, by=bob, original_name="工单台账.pdf")
    services.rating_submit(rating=approved, by=bob)
    approved = services.rating_approve(rating=approved, by=alice)

    returned = services.rating_record(period=march, department=dept_a, unit=town, kind=rules.YELLOW_LIGHT,
                                      criterion=yellow, reason="工单退回3次", by=bob, submit=True)
    returned = services.rating_return(rating=returned, by=alice, reason="请补充退单记录")
    draft = services.rating_record(period=march, department=dept_a, unit=town, kind=rules.YELLOW_LIGHT,
                                   criterion=yellow, reason="草稿：尚未报送", by=bob)
    return {"approved": approved, "returned": returned, "draft": draft, "march": march}


@pytest.fixture
def as_leo(client, leo):
    client.force_login(leo)
    return client


def test_the_drill_down_list_opens_each_rating_on_the_dashboard_not_in_the_admin(as_leo, scene):
    response = as_leo.get(DRILL, {"year": 2026, "month_from": 3, "month_to": 3})
    body = response.content.decode()
    rows = body[body.index("<tbody>"):body.index("</tbody>")]
    assert f'href="{page_url(scene["approved"])}?back=' in rows
    assert "/admin/" not in rows


def test_the_page_says_what_the_rating_is(as_leo, scene):
    response = as_leo.get(page_url(scene["approved"]))
    assert response.status_code == 200
    text = text_of(response)
    for shown in ("认定详情", "红旗", "淳溪街道", "区住建局", "2026-03", "HQ-03", "主动承接多次转办的疑难工单",
                  "承接12345疑难工单32件，按时办结", "已通过", "工单台账.pdf"):
        assert shown in text, shown


def test_the_page_shows_the_history_of_the_review(as_leo, scene):
    text = text_of(as_leo.get(page_url(scene["approved"])))
    history = text[text.index("审核记录"):]
    assert re.search(r"bob 草稿 .*bob 待审核 提交审核 .*alice 已通过 审核通过", history), history


def test_a_returned_rating_shows_why_it_was_returned(as_leo, scene):
    text = text_of(as_leo.get(page_url(scene["returned"])))
    assert "已退回，退回原因：请补充退单记录" in text
    assert "退回：请补充退单记录" in text[text.index("审核记录"):]


def test_the_evidence_is_named_and_opens_for_the_leader(as_leo, scene):
    body = as_leo.get(page_url(scene["approved"])).content.decode()
    (href,) = re.findall(r'<a href="(/ratings/evidence/\d+/)">工单台账.pdf</a>', body)
    assert as_leo.get(href).status_code == 200


def test_the_page_is_in_the_dashboards_frame_and_only_reads(as_leo, scene):
    response = as_leo.get(page_url(scene["approved"]))
    body = response.content.decode()
    assert 'class="db-header"' in body
    assert "/admin/ratings/rating/" not in body
    assert as_leo.post(page_url(scene["approved"])).status_code == 405


def test_an_escalated_light_says_what_it_became_and_after_which_light(as_leo, dept_a, town, alice):
    january = services.period_get_or_open(jurisdiction=dept_a.jurisdiction, year=2026, month=1)
    february = services.period_get_or_open(jurisdiction=dept_a.jurisdiction, year=2026, month=2)
    for period in (january, february):
        rating = services.rating_record(period=period, department=dept_a, unit=town, kind=rules.YELLOW_LIGHT,
                                        reason=f"{period.month}月推诿扯皮", by=alice, submit=True)
        services.rating_approve(rating=rating, by=alice)
    second = Rating.objects.get(period=february)
    assert second.outcome == rules.RED_LIGHT
    text = text_of(as_leo.get(page_url(second)))
    assert "黄灯，认定结果为红灯（连续黄灯升级）" in text
    assert "连续黄灯的上一次 2026-01 · 区住建局" in text


def test_the_back_link_returns_to_the_list_the_rating_was_opened_from(as_leo, scene):
    listed = as_leo.get(DRILL, {"year": 2026, "month_from": 3, "month_to": 3, "outcome": "red_flag"})
    link = re.search(rf'href="({re.escape(page_url(scene["approved"]))}\?back=[^"]+)"', listed.content.decode()).group(1)
    response = as_leo.get(unescape(link))
    back = response.context["back_url"]
    assert back.startswith(DRILL + "?")
    assert parse_qs(urlsplit(back).query)["outcome"] == ["red_flag"]
    assert f'href="{back.replace("&", "&amp;")}"' in response.content.decode()


@pytest.mark.parametrize("back", ["https://evil.example/", "//evil.example/dashboard/", "/admin/", "/dashboard/\\evil"])
def test_a_back_link_that_leaves_the_dashboard_is_not_followed(as_leo, scene, back):
    response = as_leo.get(page_url(scene["approved"]), {"back": back})
    assert response.context["back_url"].startswith(DRILL + "?")
    assert "evil" not in response.context["back_url"]


# Who may see it -------------------------------------------------------------------------------


def test_the_office_sees_it_as_the_leader_does(client, alice, scene):
    client.force_login(alice)
    assert client.get(page_url(scene["approved"])).status_code == 200


def test_a_department_rater_is_refused_even_for_his_own_rating(client, bob, scene):
    client.force_login(bob)
    response = client.get(page_url(scene["approved"]))
    assert response.status_code == 403
    assert "无权查看数据看板" in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, scene):
    response = client.get(page_url(scene["approved"]))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_a_draft_is_not_found_as_the_drill_down_never_lists_one(as_leo, scene):
    assert as_leo.get(page_url(scene["draft"])).status_code == 404


def test_a_withdrawn_rating_is_not_found(as_leo, scene, alice):
    services.period_close(period=scene["march"], by=alice, withdraw_reason="本月不再认定")
    withdrawn = Rating.objects.get(pk=scene["draft"].pk)
    assert withdrawn.status == Rating.Status.WITHDRAWN
    assert as_leo.get(page_url(withdrawn)).status_code == 404


def test_another_jurisdictions_rating_is_not_found(as_leo, scene):
    neighbour = Jurisdiction.objects.create(code="lishui", name="邻区")
    olga = make_user("olga", roles.OFFICE, jurisdiction=neighbour)
    department = OrganisationFactory(jurisdiction=neighbour, code="LSJ", name="邻区住建局", is_department=True,
                                     is_unit=False)
    unit = OrganisationFactory(jurisdiction=neighbour, code="L01", name="邻区镇")
    period = services.period_get_or_open(jurisdiction=neighbour, year=2026, month=3)
    theirs = services.rating_approve(rating=services.rating_record(
        period=period, department=department, unit=unit, kind=rules.RED_FLAG, reason="邻区的认定", by=olga,
        submit=True,
    ), by=olga)
    assert as_leo.get(page_url(theirs)).status_code == 404


def test_an_id_that_names_no_rating_is_not_found(as_leo, scene):
    assert as_leo.get(f"{DRILL}999999/").status_code == 404
