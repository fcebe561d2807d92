"""The notice stage (公示): with the year's rule book set to publish as 公示 first, a
month's first publication is a 公示稿 that says until when units may apply for review,
counted in working days; once that day has passed the office publishes the 正式版.
Without the setting nothing changes.

Personas (conftest.py): alice works in the efficiency office, bob rates for the housing
bureau (dept_a), carol for the market bureau (dept_b); dan is on the staff of 淳溪街道.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from boards import services
from boards.models import Edition, PublishRun, Stage
from departments import roles
from ratings import rules
from ratings.models import Period
from reviews import selectors as review_selectors
from reviews import services as review_services
from tests.board_support import _board_cache, approved, close, fast_pdf, pdf_pages, reopen  # noqa: F401
from tests.factories import OrganisationFactory, PeriodFactory, RuleBookFactory, make_user
from workdays.selectors import CalendarUnknownYear

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 30 September 2026, a Wednesday before the National Day holiday (1–7 October); Saturday
# 10 October is a make-up working day. Five working days: 8, 9, 10, 12, 13 October.
EVE_OF_NATIONAL_DAY = dt.datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)
NOTICE_ENDS = dt.date(2026, 10, 13)
AFTER_THE_NOTICE = dt.datetime(2026, 10, 14, 9, 0, tzinfo=SHANGHAI)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def as_notice(db):
    """The 2026 rule book: each month is first published as 公示稿, for 5 working days."""
    return RuleBookFactory(year=2026, publish_as_notice=True, notice_period_days=5)


@pytest.fixture
def september(alice, dept_a, dept_b, town, town2, fast_pdf):
    """September 2026, closed: a red flag for 淳溪街道, a yellow light for 古柏街道."""
    period = PeriodFactory(year=2026, month=9)
    approved(period, dept_a, town, rules.RED_FLAG, "主动承办疑难工单9件", office=alice)
    approved(period, dept_b, town2, rules.YELLOW_LIGHT, "随意退单6件", office=alice)
    return close(period, alice)


@pytest.fixture
def dan(town2):
    user = make_user("dan", roles.UNIT_STAFF)
    user.is_staff = False
    user.save()
    user.profile.unit = town2
    user.profile.save()
    return user


def publish_notice(period, alice, now=EVE_OF_NATIONAL_DAY) -> Edition:
    return services.edition_publish(period=period, by=alice, now=now).edition


# The 公示稿 --------------------------------------------------------------------------------------------------


def test_with_the_setting_on_the_first_publication_is_a_notice_draft_ending_after_five_working_days(
    as_notice, september, alice,
):
    edition = publish_notice(september, alice)

    assert edition.stage == Stage.NOTICE and edition.notice_until == NOTICE_ENDS  # the holiday is skipped
    september.refresh_from_db()
    assert september.status == Period.Status.PUBLISHED  # a 公示稿 is a publication
    # Review requests count from the first publication, which is the 公示稿.
    assert review_selectors.first_published_on(period_id=september.pk) == dt.date(2026, 9, 30)


def test_the_notice_drafts_page_and_lobby_screen_say_so_with_the_end_of_the_period(as_notice, september, alice, client):
    publish_notice(september, alice)

    page = client.get("/2026/09/").content.decode()
    assert "公示稿 · 公示期至 2026年10月13日" in page
    assert "被考核单位对认定有异议的，可向效能办申请复核" in page
    assert "（公示稿）" in page.split("</title>")[0]
    lobby = client.get("/lobby/").content.decode()
    assert lobby.count("公示期至 2026年10月13日") >= 2  # the cover and the footer of every slide


def test_the_notice_drafts_open_data_name_the_stage_and_its_end(as_notice, september, alice, client):
    publish_notice(september, alice)

    data = client.get("/2026/09/board.json").json()
    assert (data["stage"], data["stage_label"], data["notice_until"]) == ("notice", "公示稿", "2026-10-13")
    rows = list(csv.DictReader(io.StringIO(client.get("/2026/09/board.csv").content.decode("utf-8-sig"))))
    assert {(row["阶段"], row["公示截止"]) for row in rows} == {("公示稿", "2026-10-13")}
    index = client.get("/data/editions.json").json()["editions"]
    assert (index[0]["stage"], index[0]["notice_until"]) == ("notice", "2026-10-13")


def test_every_page_of_the_notice_drafts_pdf_is_marked(as_notice, alice, dept_a, monkeypatch):
    # The real PDF renderer (not fast_pdf), and enough lines for more than one page.
    period = PeriodFactory(year=2026, month=9)
    for number in range(1, 41):
        unit = OrganisationFactory(code=f"U{number:02d}", name=f"第{number}社区")
        approved(period, dept_a, unit, rules.RED_FLAG, f"主动承办疑难工单{number}件，群众满意率98.6%，" * 3,
                 office=alice)
    close(period, alice)

    edition = publish_notice(period, alice)

    pages = pdf_pages(edition.pdf.read())
    assert len(pages) > 1
    assert all("公示稿" in page for page in pages)
    assert "公示期至 2026年10月13日" in pages[0] and "申请复核" in pages[0]
    assert all("公示期至 2026年10月13日" in page for page in pages[1:])  # the running header


def test_a_correction_during_the_notice_period_is_still_a_notice_draft_with_the_same_end(
    as_notice, september, alice, dept_a, town2,
):
    publish_notice(september, alice)
    reopen(september, alice)
    approved(september, dept_a, town2, rules.RED_FLAG, "补充认定", office=alice)
    close(september, alice)

    corrected = services.edition_publish(period=september, by=alice, note="补充一面红旗",
                                         now=at(dt.date(2026, 10, 9))).edition

    assert (corrected.revision, corrected.stage, corrected.notice_until) == (2, Stage.NOTICE, NOTICE_ENDS)
    assert corrected.correction_note == "补充一面红旗"


# The 正式版 ----------------------------------------------------------------------------------------------------


def test_the_final_version_is_refused_while_the_notice_period_runs_and_says_until_when(as_notice, september, alice):
    publish_notice(september, alice)

    with pytest.raises(ValidationError) as refused:
        services.edition_publish(period=september, by=alice, final=True, now=at(NOTICE_ENDS, 17))

    assert "公示期至 2026年10月13日" in refused.value.messages[0]
    assert Edition.objects.count() == 1


def test_after_the_notice_period_the_final_version_replaces_the_draft_without_a_note(
    as_notice, september, alice, client,
):
    draft = publish_notice(september, alice)

    result = services.edition_publish(period=september, by=alice, final=True, now=AFTER_THE_NOTICE)

    final = result.edition
    assert result.created
    assert (final.revision, final.stage, final.notice_until, final.correction_note) == (2, Stage.FINAL, None, "")
    assert final.supersedes == draft and final.content_sha256 == draft.content_sha256
    page = client.get("/2026/09/").content.decode()
    assert "公示期满，本版为正式版，取代第 1 版（公示稿）" in page
    assert "公示期至" not in page and "更正说明" not in page
    assert client.get("/2026/09/board.json").json()["stage"] == "final"
    old = client.get("/2026/09/r1/").content.decode()
    assert "本页为第 1 版（公示稿），公示期已满" in old and "/2026/09/r2/" in old
    # The first publication is still the 公示稿's day; a second 正式版 is refused.
    assert review_selectors.first_published_on(period_id=september.pk) == dt.date(2026, 9, 30)
    with pytest.raises(ValidationError, match="已发布正式版"):
        services.edition_publish(period=september, by=alice, final=True, now=AFTER_THE_NOTICE)


def test_a_review_decision_during_the_notice_period_makes_the_final_version_need_a_note(
    as_notice, september, alice, dan,
):
    # Published today, so that the unit is within the notice period when it files.
    draft = publish_notice(september, alice, now=None)
    yellow = september.ratings.get(unit=dan.profile.unit)
    request = review_services.review_file(rating=yellow, by=dan, reason="已按时办结，有记录")
    review_services.review_decide(request=request, by=alice, upheld=False, change="withdraw", reason="诉求已按时办结")
    after = at(draft.notice_until + dt.timedelta(days=1))

    with pytest.raises(services.NoteRequired):
        services.edition_publish(period=september, by=alice, final=True, now=after)
    final = services.edition_publish(period=september, by=alice, final=True, now=after,
                                     note=review_services.correction_note(period=september)).edition

    assert final.stage == Stage.FINAL and "撤销古柏街道2026年9月黄灯" in final.correction_note
    assert final.yellow_lights == 0


def test_after_the_final_version_a_change_is_a_correction_as_before(as_notice, september, alice, dept_a, town2):
    publish_notice(september, alice)
    services.edition_publish(period=september, by=alice, final=True, now=AFTER_THE_NOTICE)
    reopen(september, alice)
    approved(september, dept_a, town2, rules.RED_FLAG, "补充认定", office=alice)
    close(september, alice)

    with pytest.raises(services.NoteRequired):
        services.edition_publish(period=september, by=alice)
    corrected = services.edition_publish(period=september, by=alice, note="补充一面红旗").edition

    assert (corrected.revision, corrected.stage, corrected.correction_note) == (3, Stage.FINAL, "补充一面红旗")


# Without the setting, and a year the calendar does not know -----------------------------------------------------


def test_with_the_setting_off_the_board_is_published_final_as_before(rulebook, september, alice, client):
    edition = services.edition_publish(period=september, by=alice, now=EVE_OF_NATIONAL_DAY).edition

    assert (edition.stage, edition.notice_until) == (Stage.FINAL, None)
    page = client.get("/2026/09/").content.decode()
    assert "公示" not in page and "复核" not in page
    assert "（更正）" not in page
    with pytest.raises(ValidationError, match="已发布正式版"):
        services.edition_publish(period=september, by=alice, final=True, now=AFTER_THE_NOTICE)


def test_a_notice_period_running_into_a_year_the_calendar_does_not_know_is_refused_and_nothing_is_published(
    as_notice, alice, dept_a, town, fast_pdf,
):
    december = PeriodFactory(year=2026, month=12)
    approved(december, dept_a, town, rules.RED_FLAG, "年终攻坚", office=alice)
    close(december, alice)

    with pytest.raises(CalendarUnknownYear) as refused:
        services.edition_publish(period=december, by=alice, now=at(dt.date(2026, 12, 28)))

    assert "2027年的节假日安排尚未录入" in refused.value.messages[0]
    assert not Edition.objects.exists()
    december.refresh_from_db()
    assert december.status == Period.Status.CLOSED


# A pending review request -------------------------------------------------------------------------------------


def test_with_a_request_pending_the_month_is_closed_and_published_and_shows_none_of_it(
    as_notice, september, alice, dan, dept_b, town, client,
):
    publish_notice(september, alice, now=None)
    yellow = september.ratings.get(unit=dan.profile.unit)
    request = review_services.review_file(rating=yellow, by=dan, reason="申请理由里的内部情况说明")
    reopen(september, alice)
    approved(september, dept_b, town, rules.RED_FLAG, "补充认定", office=alice)
    close(september, alice)

    services.edition_publish(period=september, by=alice, note="补充一面红旗")

    request.refresh_from_db()
    assert request.is_pending
    for url in ("/2026/09/", "/2026/09/board.json", "/2026/09/board.csv", "/lobby/"):
        body = client.get(url).content.decode("utf-8-sig")
        assert "申请理由里的内部情况说明" not in body, url


# The office's pages ---------------------------------------------------------------------------------------------


def test_the_month_list_shows_the_notice_running_and_offers_no_final_version_yet(as_notice, september, alice, client):
    publish_notice(september, alice, now=None)  # today: the notice period runs a week more
    client.force_login(alice)

    body = client.get(reverse("admin:boards_boardmonth_changelist")).content.decode()

    until = Edition.objects.get().notice_until
    assert f"公示中（至 {until:%Y-%m-%d}）" in body
    assert reverse("admin:boards_boardmonth_finalise", args=[september.pk]) not in body
    response = client.get(reverse("admin:boards_boardmonth_finalise", args=[september.pk]), follow=True)
    assert "公示期满后方可发布正式版" in response.content.decode()
    assert Edition.objects.count() == 1


def test_the_office_publishes_the_final_version_once_the_notice_period_has_ended(
    as_notice, september, alice, client, django_capture_on_commit_callbacks,
):
    publish_notice(september, alice)  # 30 September: the period ended on 13 October
    client.force_login(alice)
    url = reverse("admin:boards_boardmonth_finalise", args=[september.pk])

    listing = client.get(reverse("admin:boards_boardmonth_changelist")).content.decode()
    assert "公示期满，待发布正式版" in listing and url in listing
    form = client.get(url).content.decode()
    assert "内容与公示稿相同，无需填写更正说明" in form and "发布正式版" in form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"note": ""})

    run = PublishRun.objects.get()
    assert response.status_code == 302 and run.final and run.status == PublishRun.Status.DONE
    assert run.edition.stage == Stage.FINAL and run.edition.revision == 2
    listing = client.get(reverse("admin:boards_boardmonth_changelist")).content.decode()
    assert "正式版" in listing and url not in listing


def test_the_publish_form_shows_a_calendar_it_cannot_count_as_a_refusal(
    alice, dept_a, town, september, client, django_capture_on_commit_callbacks,
):
    # Thirty working days from today run into 2027, which nobody has entered yet.
    RuleBookFactory(year=2026, publish_as_notice=True, notice_period_days=30)
    client.force_login(alice)
    url = reverse("admin:boards_boardmonth_publish", args=[september.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"note": ""})

    assert response.status_code == 200
    assert "2027年的节假日安排尚未录入" in response.content.decode()
    assert not Edition.objects.exists() and not PublishRun.objects.exists()
