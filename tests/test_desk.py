"""The rated units' desk (单位工作台). The people, besides those of conftest.py:

- ``una`` works for 淳溪街道 (``town``, unit staff, 被考核单位): her unit's approved
  ratings, its standing, its review requests, her notices; nothing else.
- ``tom`` works for 古柏街道 (``town2``): nothing of ``town`` is his.
- ``bob`` rates for 区住建局 and has no unit: the desk refuses him.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from departments import roles
from desk import selectors
from notifications.models import Notification
from assessment import services as scoring
from assessment.models import YearScore
from ratings.models import Evidence, Rating
from reviews.models import ReviewRequest
from reviews.selectors import filing_state
from tests.factories import DepartmentFactory, OrganisationFactory, PeriodFactory, RatingFactory, make_user

APPROVED = Rating.Status.APPROVED
HOME = "/desk/"


def unit_staff(username: str, unit, *, groups: tuple[str, ...] = (roles.UNIT_STAFF,), department=None):
    user = make_user(username, department=department)
    user.is_staff = False
    user.save(update_fields=["is_staff"])
    user.groups.add(*Group.objects.filter(name__in=groups))
    user.profile.unit = unit
    user.profile.save(update_fields=["unit"])
    return user


def approved(**kwargs) -> Rating:
    kwargs.setdefault("status", APPROVED)
    kwargs.setdefault("outcome", kwargs.get("kind", "red_flag"))
    kwargs.setdefault("reviewed_at", timezone.now())
    return RatingFactory(**kwargs)


def evidence(rating: Rating, name: str, *, shared: bool) -> Evidence:
    item = Evidence(rating=rating, original_name=name, shared_with_unit=shared)
    item.file.save(name, ContentFile(b"%PDF-1.4 test"), save=False)
    item.save()
    return item


@pytest.fixture
def una(town):
    return unit_staff("una", town)


@pytest.fixture
def tom(town2):
    return unit_staff("tom", town2)


@pytest.fixture
def record(town, town2, dept_a, dept_b, january, february, flag_criterion, yellow_criterion):
    """淳溪街道: a red flag in January with shared and unshared evidence; a yellow light in
    January and another in February that the second made a red light; plus one rating of
    every status not approved, and one of 古柏街道."""
    flag = approved(period=january, department=dept_a, unit=town, kind="red_flag", criterion=flag_criterion,
                    reason="ZQFLAGQZ 主动上门服务企业")
    evidence(flag, "现场照片.pdf", shared=True)
    evidence(flag, "举报人信息.pdf", shared=False)
    first = approved(period=january, department=dept_b, unit=town, kind="yellow_light", criterion=yellow_criterion,
                     reason="ZQYELLOWQZ 工单超期未办")
    second = approved(period=february, department=dept_a, unit=town, kind="yellow_light", outcome="red_light",
                      escalation=Rating.Escalation.CONSECUTIVE, escalated_after=first, criterion=yellow_criterion,
                      reason="ZQREDQZ 再次推诿")
    hidden = {
        status: RatingFactory(period=february, department=dept_b, unit=town, kind="yellow_light", status=status,
                              reason=f"ZQ{status.upper()}QZ 未通过的认定")
        for status in (Rating.Status.DRAFT, Rating.Status.SUBMITTED, Rating.Status.RETURNED, Rating.Status.WITHDRAWN)
    }
    other = approved(period=january, department=dept_a, unit=town2, kind="red_flag", reason="ZQOTHERQZ 别的单位")
    evidence(other, "别的单位材料.pdf", shared=True)
    return {"flag": flag, "first": first, "second": second, "hidden": hidden, "other": other}


# Who may enter ----------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/desk/"


def test_a_rater_without_a_unit_is_refused_with_a_page_that_says_whom_the_desk_is_for(client, bob):
    client.force_login(bob)
    response = client.get(HOME)
    assert response.status_code == 403
    page = response.content.decode()
    assert "单位工作台仅供被考核单位使用" in page
    assert reverse("admin:index") in page


def test_a_rater_who_is_also_unit_staff_sees_the_units_desk(client, town, dept_a, record):
    both = unit_staff("ray", town, groups=(roles.RATER, roles.UNIT_STAFF), department=dept_a)
    client.force_login(both)
    response = client.get(HOME)
    assert response.status_code == 200
    assert "ZQFLAGQZ" in response.content.decode()


def test_unit_staff_land_on_their_desk_after_login(client, una):
    response = client.post("/login/", {"username": "una", "password": "pw-una"})
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:home")


# What the desk shows ----------------------------------------------------------------------


def test_unit_staff_see_their_approved_ratings_in_full(client, una, record):
    client.force_login(una)
    page = client.get(HOME).content.decode()
    assert "淳溪街道" in page
    for marker in ("ZQFLAGQZ", "ZQYELLOWQZ", "ZQREDQZ"):
        assert marker in page
    # The kind after escalation, the kind entered and the earlier yellow light.
    assert "录入为黄灯，连续黄灯升级为红灯（上次：2026年1月 区市场监管局）" in page
    assert 'class="db-kind db-kind-red_light"' in page
    # Criterion code and text, the department, the months newest first.
    assert "H01" in page and "主动担当，攻坚克难" in page
    assert "推诿扯皮，慢作为" in page
    assert "区住建局" in page
    assert page.index("2026年2月") < page.index("2026年1月")


def test_only_evidence_shared_with_the_unit_is_listed(client, una, record):
    client.force_login(una)
    page = client.get(HOME).content.decode()
    shared, private = record["flag"].evidence.order_by("pk")
    assert "现场照片.pdf" in page
    assert reverse("ratings:evidence_download", args=[shared.pk]) in page
    assert reverse("ratings:evidence_view", args=[shared.pk]) in page
    assert "举报人信息.pdf" not in page
    assert reverse("ratings:evidence_download", args=[private.pk]) not in page


def test_the_shared_evidence_the_desk_links_to_downloads_and_nothing_else_does(client, una, record):
    client.force_login(una)
    shared, private = record["flag"].evidence.order_by("pk")
    assert client.get(reverse("ratings:evidence_download", args=[shared.pk])).status_code == 200
    assert client.get(reverse("ratings:evidence_view", args=[shared.pk])).status_code == 200
    assert client.get(reverse("ratings:evidence_download", args=[private.pk])).status_code == 404
    other = record["other"].evidence.get()
    assert client.get(reverse("ratings:evidence_download", args=[other.pk])).status_code == 404


def test_nothing_of_another_unit_and_nothing_unapproved_shows(client, una, record):
    client.force_login(una)
    pages = [client.get(HOME).content.decode()]
    pages += [client.get(reverse("desk:rating", args=[r.pk])).content.decode()
              for r in (record["flag"], record["first"], record["second"])]
    for page in pages:
        for marker in ("ZQOTHERQZ", "别的单位材料.pdf", "ZQDRAFTQZ", "ZQSUBMITTEDQZ", "ZQRETURNEDQZ", "ZQWITHDRAWNQZ"):
            assert marker not in page


def test_another_units_rating_and_an_unapproved_one_are_not_found(client, una, tom, record):
    client.force_login(una)
    for rating in [record["other"], *record["hidden"].values()]:
        assert client.get(reverse("desk:rating", args=[rating.pk])).status_code == 404
    assert client.get(reverse("desk:rating", args=[999_999])).status_code == 404
    # And the other way round: una's rating does not exist for tom.
    client.force_login(tom)
    assert client.get(reverse("desk:rating", args=[record["flag"].pk])).status_code == 404


def test_a_ratings_page_shows_it_in_full(client, una, record):
    client.force_login(una)
    response = client.get(reverse("desk:rating", args=[record["second"].pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "ZQREDQZ" in page
    assert "推诿扯皮，慢作为" in page
    assert "连续黄灯升级" in page
    assert "2026年2月" in page and "区住建局" in page


def test_past_years_are_reached_with_the_year_switcher(client, una, town, dept_a, record):
    approved(period=PeriodFactory(year=2025, month=11), department=dept_a, unit=town, reason="ZQPASTQZ 去年的红旗")
    client.force_login(una)
    assert "ZQPASTQZ" not in client.get(HOME).content.decode()
    page = client.get(HOME, {"year": 2025}).content.decode()
    assert "ZQPASTQZ" in page and "ZQFLAGQZ" not in page
    # A year that is none of the unit's, or not a year, is the current one.
    assert client.get(HOME, {"year": "abc"}).status_code == 200
    assert client.get(HOME, {"year": 1999}).status_code == 200


# Points and rank so far -------------------------------------------------------------------


def test_points_and_rank_so_far_follow_the_rule_book_and_match_the_roll_up(town, town2, record, rulebook):
    # 淳溪街道: one red flag (+0.5), one yellow light (-0.5), one red light (-1) = -1.
    # 古柏街道: one red flag = +0.5, first of two.
    standing = selectors.desk_standing(unit=town, year=2026)
    assert standing.points == Decimal("-1.00")
    assert (standing.tally.red_flags, standing.tally.yellow_lights, standing.tally.red_lights) == (1, 1, 1)
    assert (standing.rank, standing.units) == (2, 2)
    assert standing.through_month == 2
    assert selectors.desk_standing(unit=town2, year=2026).rank == 1

    scoring.year_rollup(jurisdiction=town.jurisdiction, year=2026)
    stored = YearScore.objects.get(unit=town, year=2026)
    assert (stored.points, stored.rank_overall, stored.rank_in_category) == (
        standing.points, standing.rank, standing.rank_in_category
    )


def test_points_are_held_to_the_rule_books_cap(town, dept_a, january, rulebook):
    rulebook.bonus_cap = Decimal("1")
    rulebook.save()
    for _ in range(3):
        approved(period=january, department=dept_a, unit=town)
    assert selectors.desk_standing(unit=town, year=2026).points == Decimal("1.00")


def test_the_desk_says_the_figures_are_provisional(client, una, record):
    client.force_login(una)
    page = client.get(HOME).content.decode()
    assert "截至2月" in page
    assert "以年度考核结果为准" in page
    assert "-1" in page
    assert "第 2 名（共 2 个单位）" in page


# Review requests and notices --------------------------------------------------------------


def test_a_light_not_yet_contested_offers_a_review_request_until_the_notice_period_ends(client, una, record):
    client.force_login(una)
    page = client.get(HOME).content.decode()
    # The board is not published yet: the notice period has not begun.
    assert reverse("reviews:file", args=[record["first"].pk]) in page
    assert "亮榜发布后 5 个工作日内" in page
    # A red flag is not contested.
    assert reverse("reviews:file", args=[record["flag"].pk]) not in page


def publish(period, at: dt.datetime) -> None:
    """A month's board, as far as the notice period cares: when it was first published."""
    from boards.models import Edition

    Edition.objects.create(
        jurisdiction=period.jurisdiction, period=period, year=period.year, month=period.month, revision=1,
        jurisdiction_name=period.jurisdiction.name, html="", lobby_html="", pdf="", html_sha256="",
        pdf_sha256="", content_sha256="", published_at=timezone.make_aware(at),
    )


def test_once_the_board_is_published_the_deadline_counts_working_days(una, town, january, record):
    # Published on Monday 2 March 2026: five working days later is Monday 9 March.
    publish(january, dt.datetime(2026, 3, 2, 9, 0))
    Rating.objects.filter(pk=record["first"].pk).update(reviewed_at=timezone.make_aware(dt.datetime(2026, 2, 27)))
    ratings = selectors.desk_ratings(unit=town, year=2026)
    first = next(r for r in ratings if r.pk == record["first"].pk)
    on_time = selectors.desk_filing_states(user=una, unit=town, ratings=ratings, today=dt.date(2026, 3, 9))
    assert on_time[first.pk].may_file and on_time[first.pk].filing.deadline == dt.date(2026, 3, 9)
    late = selectors.desk_filing_states(user=una, unit=town, ratings=ratings, today=dt.date(2026, 3, 10))
    assert not late[first.pk].may_file


def test_the_deadline_is_written_as_a_chinese_date(client, una, january, record):
    publish(january, dt.datetime.now())
    client.force_login(una)
    page = client.get(HOME).content.decode()
    deadline = filing_state(user=una, rating=record["first"]).deadline
    assert f"公示期截止：{deadline.year}年{deadline.month}月{deadline.day}日" in page


def test_the_desk_agrees_with_the_reviews_filing_state(una, town, record):
    ratings = selectors.desk_ratings(unit=town, year=2026)
    states = selectors.desk_filing_states(user=una, unit=town, ratings=ratings)
    for rating in ratings:
        assert states[rating.pk].filing == filing_state(user=una, rating=rating)


def test_a_filed_request_shows_its_state_and_decision(client, una, town, record):
    rating = record["second"]
    request = ReviewRequest.objects.create(
        rating=rating, jurisdiction=town.jurisdiction, unit=town, department=rating.department,
        kind_at_filing=rating.kind, outcome_at_filing=rating.outcome, reason="ZQWHYQZ 已按期整改",
        status=ReviewRequest.Status.UPHELD, decision_reason="ZQDECIDEDQZ 事实清楚", decided_at=timezone.now(),
    )
    client.force_login(una)
    page = client.get(HOME).content.decode()
    assert reverse("reviews:detail", args=[request.pk]) in page
    assert "维持原认定" in page
    assert "ZQDECIDEDQZ" in page
    assert reverse("reviews:file", args=[rating.pk]) not in page
    detail = client.get(reverse("desk:rating", args=[rating.pk])).content.decode()
    assert reverse("reviews:detail", args=[request.pk]) in detail


def test_another_units_requests_and_notices_never_show(client, una, tom, town2, record):
    other = record["other"]
    ReviewRequest.objects.create(
        rating=other, jurisdiction=town2.jurisdiction, unit=town2, department=other.department,
        kind_at_filing=other.kind, outcome_at_filing=other.outcome, reason="ZQTOMSWHYQZ",
    )
    Notification.objects.create(recipient=tom, kind="rating_approved", title="ZQTOMNOTEQZ", created_at=timezone.now())
    Notification.objects.create(recipient=una, kind="rating_approved", title="ZQUNANOTEQZ", created_at=timezone.now())
    client.force_login(una)
    page = client.get(HOME).content.decode()
    assert "ZQUNANOTEQZ" in page
    assert "ZQTOMSWHYQZ" not in page and "ZQTOMNOTEQZ" not in page
    assert reverse("notifications:list") in page


def test_read_notices_leave_the_desk(client, una):
    Notification.objects.create(recipient=una, kind="rating_approved", title="ZQREADQZ", created_at=timezone.now(),
                                read_at=timezone.now())
    client.force_login(una)
    assert "ZQREADQZ" not in client.get(HOME).content.decode()


# Dates and queries --------------------------------------------------------------------------


def test_dates_are_written_the_chinese_way(client, una, town, record):
    rating = record["first"]
    ReviewRequest.objects.create(
        rating=rating, jurisdiction=town.jurisdiction, unit=town, department=rating.department,
        kind_at_filing=rating.kind, outcome_at_filing=rating.outcome, reason="理由",
        filed_at=timezone.make_aware(dt.datetime(2026, 12, 2, 10, 0)),
    )
    client.force_login(una)
    assert "申请于 2026年12月2日" in client.get(HOME).content.decode()


def test_queries_stay_flat_for_a_unit_with_many_ratings(client, una, town, dept_a, django_assert_max_num_queries):
    for month in range(1, 11):
        period = PeriodFactory(year=2026, month=month)
        for n in range(4):
            rating = approved(period=period, department=dept_a if n % 2 else DepartmentFactory(), unit=town,
                              kind="yellow_light" if n == 3 else "red_flag")
            evidence(rating, f"材料{month}-{n}.pdf", shared=True)
            if n == 3 and month % 3 == 0:
                ReviewRequest.objects.create(
                    rating=rating, jurisdiction=town.jurisdiction, unit=town, department=rating.department,
                    kind_at_filing=rating.kind, outcome_at_filing=rating.outcome, reason="理由",
                )
    for n in range(8):
        OrganisationFactory()
    client.force_login(una)
    with django_assert_max_num_queries(25):
        response = client.get(HOME)
    assert response.content.decode().count('class="fr-item dk-rating"') == 40
