"""Review requests end to end through the services and the pages: a unit files within
the notice period, the department states, the office decides, the change ripples, the
published months are marked for correction and everyone concerned is told."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from boards import services as board_services
from departments import roles
from notifications.models import Notification
from ratings.models import Period, Rating
from reviews import selectors, services
from reviews.models import ReviewRequest
from tests.board_support import approved, close, fast_pdf  # noqa: F401 (fast_pdf is a fixture)
from tests.factories import OrganisationFactory, PeriodFactory, make_user

pytestmark = pytest.mark.django_db


def unit_staff(username: str, unit, *also: str):
    user = make_user(username, roles.UNIT_STAFF)
    for group in also:
        user.groups.add(__import__("django.contrib.auth.models", fromlist=["Group"]).Group.objects.get(name=group))
    user.is_staff = False
    user.save()
    user.profile.unit = unit
    user.profile.save()
    return user


def png(name="现场照片.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def dongba(db):
    return OrganisationFactory(code="T09", name="东坝街道")


@pytest.fixture
def dan(dongba):
    return unit_staff("dan", dongba)


@pytest.fixture
def chain(alice, dept_a, dept_b, dongba, fast_pdf):
    """东坝街道: a yellow light in January (housing), another in February (market) that
    escalated to a red light; both months closed and published."""
    january, february = PeriodFactory(year=2026, month=1), PeriodFactory(year=2026, month=2)
    first = approved(january, dept_a, dongba, "yellow_light", "拖延办理群众诉求", office=alice)
    second = approved(february, dept_b, dongba, "yellow_light", "监管不到位", office=alice)
    for period in (january, february):
        close(period, alice)
        board_services.edition_publish(period=period, by=alice)
    return first, second


def test_a_unit_files_one_review_with_an_attachment_and_the_office_and_department_are_told(chain, dan, bob):
    first, _second = chain
    review = services.review_file(rating=first, by=dan, reason="当月诉求已按时办结，有办结记录", files=[png()])
    assert review.status == ReviewRequest.Status.PENDING
    assert review.outcome_at_filing == "yellow_light" and review.deadline is not None
    assert [a.original_name for a in review.attachments.all()] == ["现场照片.png"]
    assert Notification.objects.filter(recipient__username="alice", kind="review_filed").exists()
    assert Notification.objects.filter(recipient=bob, kind="review_filed").exists()
    with pytest.raises(ValidationError, match="只能申请一次"):
        services.review_file(rating=first, by=dan, reason="再申请一次")


def test_a_file_that_is_not_what_its_name_says_is_refused_and_nothing_is_kept(chain, dan):
    first, _second = chain
    fake = SimpleUploadedFile("办结记录.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    with pytest.raises(ValidationError):
        services.review_file(rating=first, by=dan, reason="理由", files=[fake])
    assert not ReviewRequest.objects.exists()


def test_a_review_is_refused_after_the_notice_period(chain, dan):
    first, _second = chain
    later = timezone.localdate() + dt.timedelta(days=30)
    state = selectors.filing_state(user=dan, rating=first, today=later)
    assert not state.may_file and "公示期已过" in state.message


def test_another_units_staff_cannot_file_or_see_the_request(chain, dan, client):
    first, _second = chain
    services.review_file(rating=first, by=dan, reason="理由")
    other = unit_staff("erin", OrganisationFactory(code="T10", name="桠溪镇"))
    with pytest.raises(ValidationError, match="本单位"):
        services.review_file(rating=first, by=other, reason="理由")
    client.force_login(other)
    assert client.get(reverse("reviews:file", args=[first.pk])).status_code == 404
    assert client.get(reverse("reviews:detail", args=[first.review_request.pk])).status_code == 404


def test_the_department_states_the_office_decides_and_not_the_other_way_round(chain, dan, bob, carol, alice):
    first, _second = chain
    review = services.review_file(rating=first, by=dan, reason="理由")
    with pytest.raises(PermissionDenied):
        services.review_statement(request=review, by=carol, text="不是我部门的认定")
    services.review_statement(request=review, by=bob, text="经核查，诉求确实超期办理")
    with pytest.raises(PermissionDenied):
        services.review_decide(request=review, by=bob, upheld=True, reason="部门自己决定")
    decision = services.review_decide(request=review, by=alice, upheld=True, reason="超期事实清楚，维持原认定")
    assert decision.request.status == ReviewRequest.Status.UPHELD and decision.periods == []
    assert Rating.objects.get(pk=first.pk).outcome == "yellow_light"
    assert Notification.objects.filter(recipient=dan, kind="review_decided").exists()
    with pytest.raises(ValidationError, match="已由"):
        services.review_decide(request=review, by=alice, upheld=True, reason="再决定一次")


def test_withdrawing_the_first_yellow_light_turns_the_next_months_red_light_back(chain, dan, alice):
    first, second = chain
    assert Rating.objects.get(pk=second.pk).outcome == "red_light"
    review = services.review_file(rating=first, by=dan, reason="理由")
    decision = services.review_decide(request=review, by=alice, upheld=False, change="withdraw", reason="诉求已按时办结")
    assert Rating.objects.get(pk=first.pk).status == Rating.Status.WITHDRAWN
    assert Rating.objects.get(pk=second.pk).outcome == "yellow_light"
    assert [p.month for p in decision.periods] == [1, 2]
    assert [p.month for p in selectors.months_needing_correction(jurisdiction_id=first.period.jurisdiction_id)] == [1, 2]
    assert services.decision_note(request=decision.request) == "经复核，撤销东坝街道2026年1月黄灯"
    assert "2026年2月的红灯相应改为黄灯" in services.ripple_lines(decision.request)
    note = services.correction_note(period=Period.objects.get(year=2026, month=2))
    assert note.startswith("经复核，撤销东坝街道2026年1月黄灯")


def test_a_correction_published_clears_the_month_from_the_list(chain, dan, alice):
    first, _second = chain
    review = services.review_file(rating=first, by=dan, reason="理由")
    services.review_decide(request=review, by=alice, upheld=False, change="withdraw", reason="诉求已按时办结")
    january = Period.objects.get(year=2026, month=1)
    result = board_services.edition_publish(period=january, by=alice, note=services.correction_note(period=january))
    assert result.edition.revision == 2 and "撤销东坝街道2026年1月黄灯" in result.edition.correction_note
    assert [p.month for p in selectors.months_needing_correction(jurisdiction_id=january.jurisdiction_id)] == [2]


def test_the_public_board_never_shows_a_pending_request(chain, dan, client):
    first, _second = chain
    services.review_file(rating=first, by=dan, reason="申请理由里的内部情况说明")
    body = client.get("/2026/01/").content.decode()
    assert "申请理由里的内部情况说明" not in body and "复核" not in body


def test_the_unit_files_on_its_desk_and_reads_the_decision(chain, dan, alice, client):
    first, _second = chain
    client.force_login(dan)
    page = client.get(reverse("reviews:file", args=[first.pk]))
    assert page.status_code == 200 and "申请复核" in page.content.decode()
    response = client.post(reverse("reviews:file", args=[first.pk]), {"reason": "有办结记录", "files": [png()]})
    review = ReviewRequest.objects.get(rating=first)
    assert response.status_code == 302 and response["Location"] == reverse("reviews:detail", args=[review.pk])
    services.review_decide(request=review, by=alice, upheld=False, change="withdraw", reason="诉求已按时办结")
    body = client.get(reverse("reviews:detail", args=[review.pk])).content.decode()
    assert "变更认定" in body and "诉求已按时办结" in body and "2026年2月的红灯相应改为黄灯" in body
    attachment = review.attachments.get()
    assert client.get(reverse("reviews:attachment", args=[attachment.pk])).status_code == 200


def test_an_empty_reason_on_the_desk_is_said_and_nothing_is_filed(chain, dan, client):
    first, _second = chain
    client.force_login(dan)
    response = client.post(reverse("reviews:file", args=[first.pk]), {"reason": "  "})
    assert response.status_code == 400 and not ReviewRequest.objects.exists()


def test_the_office_decides_on_the_admin_page_and_is_offered_the_corrections(chain, dan, alice, client):
    first, _second = chain
    review = services.review_file(rating=first, by=dan, reason="理由")
    client.force_login(alice)
    page = client.get(reverse("admin:reviews_reviewrequest_change", args=[review.pk])).content.decode()
    assert "撤销认定" in page and "2026年2月：红灯 → 黄灯" in page
    response = client.post(reverse("admin:reviews_reviewrequest_decide", args=[review.pk]),
                           {"decision": "withdraw", "reason": "诉求已按时办结"})
    assert response.status_code == 302
    page = client.get(reverse("admin:reviews_reviewrequest_change", args=[review.pk])).content.decode()
    assert "发布 2026-01 更正版" in page and "发布 2026-02 更正版" in page
    publish = client.get(reverse("admin:boards_boardmonth_publish", args=[first.period_id]),
                         {"note": services.correction_note(period=first.period)}).content.decode()
    assert "经复核，撤销东坝街道2026年1月黄灯" in publish


def test_the_office_sees_counts_per_department(chain, dan, alice, client):
    first, second = chain
    services.review_decide(request=services.review_file(rating=first, by=dan, reason="理由"), by=alice,
                           upheld=True, reason="维持")
    services.review_file(rating=second, by=dan, reason="理由")
    rows = {row["department__name"]: row for row in selectors.counts_by_department(jurisdiction_id=first.period.jurisdiction_id)}
    assert (rows["区住建局"]["upheld"], rows["区市场监管局"]["pending"]) == (1, 1)
    client.force_login(alice)
    assert "各部门认定的复核情况" in client.get(reverse("admin:reviews_reviewrequest_changelist")).content.decode()


def test_the_unit_is_told_when_a_correction_changes_its_record(chain, dan, alice):
    first, _second = chain
    review = services.review_file(rating=first, by=dan, reason="理由")
    services.review_decide(request=review, by=alice, upheld=False, change="withdraw", reason="诉求已按时办结")
    january = Period.objects.get(year=2026, month=1)
    board_services.edition_publish(period=january, by=alice, note=services.correction_note(period=january))
    told = Notification.objects.get(recipient=dan, kind="correction_published")
    assert "2026年1月效能亮榜发布更正版（第 2 版）" in told.title and "撤销东坝街道2026年1月黄灯" in told.body
    assert told.link.endswith("/2026/01/r2/")


def test_the_unit_is_told_of_an_approved_rating_and_the_office_gets_one_digest(alice, bob, dept_a, dongba, dan):
    from tests.board_support import submitted

    january = PeriodFactory(year=2026, month=1)
    first = submitted(january, dept_a, dongba, "yellow_light", "拖延", by=bob)
    submitted(january, dept_a, OrganisationFactory(code="T11", name="漆桥街道"), "red_flag", "担当", by=bob)
    digest = Notification.objects.filter(recipient=alice, kind="ratings_submitted")
    assert digest.count() == 1 and "2 条认定待审核" in digest.get().title
    from ratings import services as rating_services

    rating_services.rating_approve(rating=first, by=alice)
    told = Notification.objects.get(recipient=dan, kind="rating_approved")
    assert "黄灯" in told.title and told.link == reverse("desk:rating", args=[first.pk])
    rating_services.rating_return(rating=first, by=alice, reason="事由不清")
    assert Notification.objects.filter(recipient=bob, kind="rating_returned", body__contains="事由不清").exists()


def test_leaders_see_on_the_dashboard_how_each_departments_ratings_fare_on_review(chain, dan, alice, leo, client):
    first, second = chain
    services.review_decide(request=services.review_file(rating=first, by=dan, reason="理由"), by=alice,
                           upheld=False, change="withdraw", reason="撤销")
    services.review_file(rating=second, by=dan, reason="理由")
    client.force_login(leo)
    body = client.get("/dashboard/?year=2026").content.decode()
    assert "复核申请" in body and "区住建局" in body
    table = body[body.index('id="db-h-reviews"'):]
    assert table.index("区住建局") < table.index("区市场监管局")  # the most changed first
