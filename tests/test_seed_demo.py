"""seed_demo: the demo district a newcomer clicks through after `make run`.

The district is built once for the whole module (it takes a few seconds) inside a
transaction that is rolled back at the end; each test runs in its own savepoint.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
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
    # The personas log in; the towns' clerks casework's demo acts for cannot (inactive), nor
    # the other leaders and evaluators of the evaluations' demo (no usable password).
    with_password = [p.user for p in Profile.objects.filter(jurisdiction=jurisdiction, user__is_active=True)
                     .select_related("user") if p.user.has_usable_password()]
    assert len(with_password) == len(PERSONAS)
    assert not User.objects.filter(username__startswith="clerk-", is_active=True).exists()
    # Everyone works in the admin but the rated units' staff, who have their desk, and the
    # evaluators (评议员), who have their sheets.
    assert all(u.is_staff for u in User.objects.exclude(groups__name__in=[roles.UNIT_STAFF, roles.EVALUATOR]))
    evaluator = User.objects.get(username="pingyi")
    assert roles.is_evaluator(evaluator) and not evaluator.is_staff
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
    # One promotion recorded by the office, one by a top-3 rank in the province (例外晋级名次).
    promoted = scores.get(promotion_applied=True, unit__grade_adjustments__kind="promotion")
    assert promoted.grade_by_points == rules.GOOD and promoted.grade == rules.EXCELLENT
    by_rank = scores.get(promotion_applied=True, composite_detail__has_key="promotion_rank")
    assert by_rank != promoted and not by_rank.unit.grade_adjustments.exists()
    assert by_rank.grade_by_points != rules.EXCELLENT and by_rank.grade == rules.EXCELLENT
    assert by_rank.composite_detail["promotion_rank"]["rank"] <= 3
    assert scores.filter(promotion_applied=True).count() == 2


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


# The composite scorecard (考核方案) --------------------------------------------------------


def scorecards():
    from assessment.models import Scorecard

    year = services.today().year
    return {card.year: card for card in Scorecard.objects.filter(jurisdiction=default_jurisdiction(),
                                                                   year__in=(year - 1, year))}


def last_years_scores():
    from assessment.models import YearScore

    year = services.today().year - 1
    return list(YearScore.objects.filter(jurisdiction=default_jurisdiction(), year=year).select_related("category"))


def test_the_demo_has_a_300_point_scorecard_last_year_and_this_year_whose_parts_add_up(demo):
    year = services.today().year
    cards = scorecards()
    assert set(cards) == {year - 1, year}
    trees = {}
    for card in cards.values():
        assert card.total_points == 300 and card.promotion_top_rank == 3
        items = list(card.items.select_related("parent").prefetch_related("categories"))
        sections = [item for item in items if item.parent_id is None]
        assert [(s.name, s.points) for s in sections] == [("省对市目标任务", 150), ("效能建设", 100), ("党建工作", 50)]
        assert sum(s.points for s in sections) == card.total_points
        for item in items:
            children = [child for child in items if child.parent_id == item.pk]
            if children:
                assert sum(child.points for child in children) == item.points, item.code
                assert not item.method
            else:
                assert item.method, item.code
        methods = {item.method for item in items if item.method}
        assert methods == {"rank", "lead_scored", "completion", "board", "direct"}
        board = next(item for item in items if item.method == "board")
        assert 0 < board.base < board.points
        assert all(item.lead_unit_id for item in items if item.method == "lead_scored")
        only = {tuple(c.name for c in item.categories.all()) for item in items}
        assert ("街道",) in only and ("镇",) in only  # items for streets only and for towns only
        trees[card.year] = [(i.code, i.parent.code if i.parent_id else "", i.points, i.method, i.base) for i in items]
    assert trees[year] == trees[year - 1]  # this year's copied from last year's


def test_last_year_has_results_on_every_item_and_this_year_on_part_of_them(demo):
    from assessment.models import ItemResult

    year = services.today().year
    cards = scorecards()
    last = set(ItemResult.objects.filter(item__scorecard=cards[year - 1]).values_list("item__code", flat=True))
    leaves = set(cards[year - 1].items.exclude(method="").exclude(method="board").values_list("code", flat=True))
    assert last == leaves
    this = set(ItemResult.objects.filter(item__scorecard=cards[year]).values_list("item__code", flat=True))
    assert this < leaves if services.today().month > 1 else not this


def test_last_years_scores_carry_a_composite_total_and_rank_for_every_unit(demo):
    scores = last_years_scores()
    assert len(scores) >= 30
    for score in scores:
        assert score.composite_total is not None and score.composite_rank is not None, score.unit_id
        assert 0 < score.composite_total <= 300
        sections = score.composite_detail["sections"]
        assert [s["name"] for s in sections] == ["省对市目标任务", "效能建设", "党建工作"]
        assert sum(Decimal(s["score"]) for s in sections) == score.composite_total
    # The shares give every grade to somebody.
    assert {s.grade_by_points for s in scores} == {rules.EXCELLENT, rules.GOOD, rules.FAIR, rules.POOR}


def test_a_unit_with_no_result_in_a_section_gets_its_categorys_average(demo):
    scores = last_years_scores()
    averaged = [(score, i) for score in scores for i, section in enumerate(score.composite_detail["sections"])
                if section["line"] == "section_average"]
    assert averaged
    for score, i in averaged:
        peers = [Decimal(other.composite_detail["sections"][i]["score"]) for other in scores
                 if other.category_id == score.category_id
                 and other.composite_detail["sections"][i]["line"] != "section_average"]
        assert peers
        average = (sum(peers) / len(peers)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert Decimal(score.composite_detail["sections"][i]["score"]) == average
        assert not score.composite_detail["sections"][i]["items"]


def test_units_are_ranked_within_their_category(demo):
    scores = last_years_scores()
    assert all(score.composite_detail["by_category"] for score in scores)
    by_category = defaultdict(list)
    for score in scores:
        by_category[score.category_id].append(score)
    assert len(by_category) >= 4
    for members in by_category.values():
        for score in members:
            assert score.composite_rank == 1 + sum(other.composite_total > score.composite_total for other in members)
    assert sum(score.composite_rank == 1 for score in scores) >= len(by_category)


def test_this_years_scores_so_far_carry_a_composite_total(demo):
    from assessment.models import YearScore

    today = services.today()
    scores = YearScore.objects.filter(jurisdiction=default_jurisdiction(), year=today.year)
    assert all(score.composite_total is not None and score.composite_rank is not None for score in scores)


def test_the_demo_has_last_years_rounds_and_survey_closed_and_this_years_leaders_round_open(demo):
    from evaluations import services as evaluation_services
    from evaluations.models import Assignment, Round, State, Survey, SurveyResult

    today = timezone.localdate()
    last = {r.name: r for r in Round.objects.filter(year=today.year - 1)}
    assert set(last) == {"区领导评议", "镇街评议", "日常评议"}
    assert all(r.state == State.CLOSED and r.results.filter(score__isnull=False).exists() for r in last.values())
    survey = Survey.objects.get(year=today.year - 1)
    assert survey.state == State.CLOSED and survey.responses.count() == 620
    assert SurveyResult.objects.filter(survey=survey, too_few=False).exists()
    assert survey.suggestions.filter(report__isnull=False).count() == survey.suggestions.count() > 0
    open_round = Round.objects.get(year=today.year, name="区领导评议")
    assert open_round.state == State.OPEN and evaluation_services.assignment_problems(round_=open_round) == []
    mine = Assignment.objects.filter(round=open_round, member__user__username="lingdao")
    assert 20 <= mine.count() <= 25 and not mine.filter(points__isnull=False).exists()
    assert open_round.highlights.count() >= 5
