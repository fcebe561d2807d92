"""seed_demo: the demo district a newcomer clicks through after `make run`.

The district is built once for the whole module (it takes a few seconds) inside a
transaction that is rolled back at the end; each test runs in its own savepoint.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from departments import roles
from departments.models import Category, Jurisdiction, Organisation, Profile
from ratings import rules, services
from ratings.demo import PERSONAS, seed_demo
from ratings.management.commands.seed_demo import PASSWORD_ENV
from ratings.models import Criterion, Period, Rating, RuleBook
from tests.factories import JurisdictionFactory, default_jurisdiction

pytestmark = pytest.mark.django_db


def run_seed_demo() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def printed_password(output: str, username: str = "admin") -> str:
    match = re.search(rf"^\s+{re.escape(username)}\s+.+?\s+(\S+)\s*$", output, re.MULTILINE)
    assert match, output
    return match.group(1)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> str:
    """The output of a first `seed_demo` on an empty database."""
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as mp:
        mp.delenv(PASSWORD_ENV, raising=False)
        with transaction.atomic():
            yield run_seed_demo()
            transaction.set_rollback(True)


def approved() -> Counter:
    return Counter(Rating.objects.filter(status=Rating.Status.APPROVED).values_list("outcome", flat=True))


def test_the_demo_district_is_gaochun(demo):
    assert default_jurisdiction().name == "南京市高淳区"


def test_the_demo_has_about_two_dozen_departments_some_of_them_also_rated(demo):
    departments = Organisation.objects.filter(is_department=True)
    assert 20 <= departments.count() <= 30
    assert departments.filter(is_unit=True).count() >= 5
    assert departments.filter(name="区12345热线办").exists()


def test_the_demo_has_a_few_dozen_units_of_several_categories(demo):
    units = Organisation.objects.filter(is_unit=True)
    assert units.count() >= 24
    categories = set(units.values_list("category__name", flat=True))
    assert {"区级机关部门", "街道", "镇", "国有企业"} <= categories
    assert Category.objects.count() == len(categories)


def test_a_unit_merged_away_is_retired_with_its_history(demo):
    retired = Organisation.objects.get(is_active=False)
    assert retired.retired_on is not None
    assert Rating.objects.filter(unit=retired, status=Rating.Status.APPROVED).exists()


def test_there_is_a_rule_book_for_this_year_and_last_with_both_kinds_of_criteria(demo):
    year = services.today().year
    books = RuleBook.objects.order_by("year")
    assert [book.year for book in books] == [year - 1, year]
    for book in books:
        kinds = set(book.criteria.values_list("kind", flat=True))
        assert kinds == {rules.RED_FLAG, rules.YELLOW_LIGHT}
        assert book.criteria.filter(code="HD-01", text__contains="随意退单").exists()
    # The rule book grows finer every year.
    assert books[1].criteria.count() > books[0].criteria.count()


def test_every_rating_cites_a_criterion_of_its_own_years_rule_book(demo):
    assert not Rating.objects.filter(criterion__isnull=True).exists()
    for rating in Rating.objects.select_related("period", "criterion__rulebook")[:50]:
        assert rating.criterion.rulebook.year == rating.period.year


def test_red_flags_far_outnumber_the_lights_as_in_the_seed(demo):
    counts = approved()
    lights = counts[rules.YELLOW_LIGHT] + counts[rules.RED_LIGHT]
    # 2021 in Gaochun: 332 red flags, 82 yellow lights, 2 red lights.
    assert counts[rules.RED_FLAG] >= 3 * lights
    assert counts[rules.YELLOW_LIGHT] >= 10 * counts[rules.RED_LIGHT] > 0
    assert counts[rules.RED_FLAG] >= 150


def test_the_demo_shows_a_consecutive_escalation_and_a_serious_impact(demo):
    consecutive = Rating.objects.filter(escalation=rules.ESCALATED_CONSECUTIVE).select_related("escalated_after__period")
    assert consecutive.count() >= 2
    for red in consecutive:
        assert red.kind == rules.YELLOW_LIGHT and red.outcome == rules.RED_LIGHT
        # The original yellow stays in the history, linked to the red light it became.
        earlier = red.escalated_after
        assert earlier.unit_id == red.unit_id and earlier.outcome == rules.YELLOW_LIGHT
        assert earlier.period.index == red.period.index - 1
    serious = Rating.objects.filter(escalation=rules.ESCALATED_SERIOUS)
    assert serious.exists()
    assert all(r.serious_impact and r.outcome == rules.RED_LIGHT for r in serious)


def test_the_red_lights_are_exactly_the_planned_ones(demo):
    # Random yellow lights never land in neighbouring months for one unit.
    assert Rating.objects.filter(outcome=rules.RED_LIGHT).count() == Rating.objects.exclude(escalation="").count()


def test_past_months_are_closed_and_published_and_the_current_month_is_open_with_work_waiting(demo):
    today = services.today()
    periods = Period.objects.all()
    assert periods.filter(status=Period.Status.OPEN).get().label == f"{today.year}-{today.month:02d}"
    assert periods.filter(status=Period.Status.PUBLISHED).count() == 12 + today.month - 1
    current = Rating.objects.filter(period__year=today.year, period__month=today.month)
    statuses = Counter(current.values_list("status", flat=True))
    assert statuses[Rating.Status.SUBMITTED] >= 3
    assert statuses[Rating.Status.DRAFT] >= 1
    assert statuses[Rating.Status.APPROVED] == 0
    assert not Rating.objects.exclude(period__status=Period.Status.OPEN).exclude(status=Rating.Status.APPROVED).exists()


def test_past_ratings_carry_past_dates(demo):
    rating = Rating.objects.filter(period__status=Period.Status.PUBLISHED).order_by("period__year", "period__month").first()
    assert rating.created_at.year == rating.period.year
    assert rating.reviewed_at >= rating.created_at


def test_the_office_approving_the_waiting_yellow_light_sees_a_red_light(demo):
    office = User.objects.get(username="xiaonengban")
    waiting = Rating.objects.get(status=Rating.Status.SUBMITTED, kind=rules.YELLOW_LIGHT, unit__name="东坝街道")
    rating = services.rating_approve(rating=waiting, by=office)
    assert rating.outcome == rules.RED_LIGHT
    assert rating.escalation == rules.ESCALATED_CONSECUTIVE
    assert rating.escalated_after.department != rating.department  # counted across departments


def test_the_personas_have_their_roles(demo):
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert roles.is_office(User.objects.get(username="xiaonengban"))
    assert roles.is_leader(User.objects.get(username="lingdao"))
    rater = User.objects.get(username="rexian")
    assert roles.is_rater(rater) and roles.user_department(rater).name == "区12345热线办"
    jurisdiction = default_jurisdiction()
    assert Profile.objects.filter(jurisdiction=jurisdiction).count() == len(PERSONAS)
    # Everyone works in the admin but the rated units' staff, who have their desk.
    assert all(u.is_staff for u in User.objects.exclude(groups__name=roles.UNIT_STAFF))
    unit_staff = User.objects.get(username="dongba")
    assert roles.is_unit_staff(unit_staff) and not unit_staff.is_staff
    assert roles.user_unit(unit_staff).name == "东坝街道"


def test_the_printed_url_and_password_log_every_persona_in(demo):
    assert "http://127.0.0.1:8000/admin/" in demo
    password = printed_password(demo)
    for persona in PERSONAS:
        assert printed_password(demo, persona.username) == password
        assert Client().login(username=persona.username, password=password), persona.username


def test_a_second_run_creates_nothing_and_prints_a_new_password_that_works(demo, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    models = (Jurisdiction, Organisation, Category, RuleBook, Criterion, Period, Rating, User, Profile)
    before = {model: model.objects.count() for model in models}
    history_before = Rating.history.count()

    output = run_seed_demo()

    assert {model: model.objects.count() for model in models} == before
    assert Rating.history.count() == history_before
    password = printed_password(output)
    assert password != printed_password(demo)
    assert Client().login(username="admin", password=password)
    assert not Client().login(username="admin", password=printed_password(demo))


def test_the_password_comes_from_the_environment_when_set(demo, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "gaochun-2016")
    output = run_seed_demo()
    assert printed_password(output) == "gaochun-2016"
    assert Client().login(username="xiaonengban", password="gaochun-2016")


def test_the_demo_also_builds_in_january_when_no_month_of_the_year_is_closed(demo):
    # Another jurisdiction, so that the module's district does not stop the build.
    elsewhere = JurisdictionFactory(code="january")
    summary = seed_demo(password="pw", today=date(2027, 1, 12), jurisdiction=elsewhere, publish=False)
    assert summary.created
    periods = Period.objects.filter(jurisdiction=elsewhere)
    assert periods.get(status=Period.Status.OPEN).label == "2027-01"
    assert periods.filter(status=Period.Status.CLOSED, year=2026).count() == 12
    ratings = Rating.objects.filter(period__jurisdiction=elsewhere)
    assert ratings.filter(escalation=rules.ESCALATED_CONSECUTIVE).exists()
    assert ratings.filter(period__year=2027, status=Rating.Status.SUBMITTED).exists()


def test_last_years_scores_show_a_veto_and_a_promotion(demo):
    from assessment.models import YearScore

    last_year = services.today().year - 1
    scores = YearScore.objects.filter(jurisdiction=default_jurisdiction(), year=last_year)
    assert scores.count() >= 30
    vetoed = scores.get(veto_applied=True)
    assert vetoed.grade_by_points == rules.EXCELLENT and vetoed.grade != rules.EXCELLENT
    promoted = scores.get(promotion_applied=True)
    assert promoted.grade_by_points == rules.GOOD and promoted.grade == rules.EXCELLENT


def test_this_years_scores_are_year_to_date(demo):
    from assessment.models import YearScore

    today = services.today()
    scores = YearScore.objects.filter(jurisdiction=default_jurisdiction(), year=today.year)
    if today.month == 1:
        assert not scores.exists()
    else:
        assert scores.exists() and all(s.is_year_to_date and s.through_month == today.month - 1 for s in scores)


def test_the_demo_has_a_pending_review_and_a_decided_one(demo):
    from reviews.models import ReviewRequest

    pending = ReviewRequest.objects.get(status=ReviewRequest.Status.PENDING)
    decided = ReviewRequest.objects.get(status=ReviewRequest.Status.UPHELD)
    assert (pending.unit.name, pending.outcome_at_filing) == ("东坝街道", "yellow_light")
    assert (decided.unit.name, decided.outcome_at_filing) == ("砖墙镇", "red_light") and decided.decision_reason
