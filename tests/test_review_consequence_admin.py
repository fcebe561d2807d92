"""The office sees what approving a rating will do before it approves: on the rating's
review page beside 审核通过, and in the list for every submitted rating; the list also
counts each rating's evidence.

alice (the office) approves; bob (区住建局) and carol (区市场监管局) rate; leo reads.
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ratings import rules, services
from ratings.models import Evidence, Rating
from tests.factories import OrganisationFactory, PeriodFactory

RED_BY_ESCALATION = "审核通过后将认定为红灯（连续黄灯升级，上次黄灯：2026-01 区市场监管局）"


@pytest.fixture
def march(db):
    return PeriodFactory(year=2026, month=3)


@pytest.fixture
def carols_january_yellow(rulebook, january, dept_b, town, alice):
    rating = services.rating_record(period=january, department=dept_b, unit=town, kind=rules.YELLOW_LIGHT,
                                    reason="随意退单5件", by=alice, submit=True)
    return services.rating_approve(rating=rating, by=alice)


def submitted(period, department, unit, by, kind=rules.YELLOW_LIGHT, *, files: tuple[str, ...] = (),
              **kwargs) -> Rating:
    rating = services.rating_record(period=period, department=department, unit=unit, kind=kind,
                                    reason="工单超时办结", by=by, **kwargs)
    for name in files:
        item = Evidence()
        item.file.save("upload.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
        services.evidence_attach(rating=rating, evidence=item, by=by, original_name=name)
    return services.rating_submit(rating=rating, by=by)


def change_page(client, rating) -> str:
    return client.get(reverse("admin:ratings_rating_change", args=[rating.pk])).content.decode()


def changelist(client, query: str = "") -> str:
    return client.get(reverse("admin:ratings_rating_changelist") + query).content.decode()


def test_the_review_page_says_a_second_yellow_light_in_a_row_will_count_as_red(
    client, alice, bob, carols_january_yellow, february, dept_a, town
):
    rating = submitted(february, dept_a, town, bob)
    client.force_login(alice)
    page = change_page(client, rating)

    assert RED_BY_ESCALATION in page
    # Beside the button that does it.
    button = page.index("审核通过</button>")
    assert 0 < page.index(RED_BY_ESCALATION) - button < 200

    client.post(reverse("admin:ratings_rating_approve", args=[rating.pk]))
    rating.refresh_from_db()
    assert (rating.outcome, rating.escalation) == (rules.RED_LIGHT, rules.ESCALATED_CONSECUTIVE)
    assert rating.escalated_after == carols_january_yellow


@pytest.mark.parametrize(("kind", "serious", "sentence"), [
    (rules.YELLOW_LIGHT, False, "审核通过后将认定为黄灯"),
    (rules.YELLOW_LIGHT, True, "审核通过后将认定为红灯（造成较大影响）"),
    (rules.RED_FLAG, False, "审核通过后将认定为红旗"),
    (rules.RED_LIGHT, False, "审核通过后将认定为红灯"),
])
def test_the_review_page_says_what_a_rating_with_no_yellow_before_it_will_count_as(
    client, alice, bob, rulebook, february, dept_a, town, kind, serious, sentence
):
    rating = submitted(february, dept_a, town, bob, kind=kind, serious_impact=serious)
    client.force_login(alice)
    page = change_page(client, rating)
    assert sentence in page
    assert "上次黄灯" not in page


def test_a_late_yellow_light_says_which_later_one_becomes_red(client, alice, bob, rulebook, january, february,
                                                               dept_a, dept_b, town):
    later = services.rating_approve(rating=submitted(february, dept_b, town, alice), by=alice)
    late = submitted(january, dept_a, town, bob)
    client.force_login(alice)
    assert "审核通过后将认定为黄灯；2026-02 区市场监管局 的认定将随之改为红灯" in change_page(client, late)
    assert later.outcome == rules.YELLOW_LIGHT


def test_nobody_but_the_office_reads_the_sentence(client, bob, leo, carols_january_yellow, february,
                                                  dept_a, town):
    rating = submitted(february, dept_a, town, bob)
    for person in (bob, leo):
        client.force_login(person)
        assert "审核通过后将认定" not in change_page(client, rating)
        assert "审核通过后将认定" not in changelist(client)
    # Nor is bob told which department lit the yellow light before his.
    client.force_login(bob)
    assert "区市场监管局" not in change_page(client, rating) + changelist(client)


def test_an_approved_rating_says_nothing_about_approval(client, alice, carols_january_yellow):
    client.force_login(alice)
    assert "审核通过后将认定" not in change_page(client, carols_january_yellow)


def test_the_list_says_it_for_each_submitted_rating(client, alice, bob, carols_january_yellow, february, dept_a,
                                                    town, town2):
    red = submitted(february, dept_a, town, bob)
    yellow = submitted(february, dept_a, town2, bob)
    client.force_login(alice)
    page = changelist(client)

    assert page.count(RED_BY_ESCALATION) == 1
    assert page.count("审核通过后将认定为黄灯") == 1
    assert "审核通过后" in page  # the column's heading
    assert red.pk != yellow.pk


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:ratings_rating_changelist"))
    assert response.status_code == 200
    return len(queries)


def test_the_list_takes_as_many_queries_for_twenty_rows_as_for_two(client, alice, bob, rulebook, january, february,
                                                                   march, dept_a, dept_b):
    client.force_login(alice)

    def unit_with_history(n: int) -> None:
        unit = OrganisationFactory()
        services.rating_approve(rating=submitted(january, dept_b, unit, alice), by=alice)
        submitted(february, dept_a, unit, bob, files=(f"工单{n}.pdf",))
        submitted(march, dept_a, unit, bob, kind=rules.RED_FLAG)

    unit_with_history(0)
    few = _list_queries(client)
    for n in range(1, 10):
        unit_with_history(n)
    many = _list_queries(client)

    assert changelist(client).count("审核通过后将认定为红灯（连续黄灯升级") == 10
    assert many == few


def test_the_list_counts_each_ratings_evidence(client, alice, bob, rulebook, february, dept_a, town, town2):
    submitted(february, dept_a, town, bob, files=("照片.pdf", "工单.pdf"))
    submitted(february, dept_a, town2, bob)
    client.force_login(bob)
    page = changelist(client)

    assert '<td class="field-evidence_column">2 份</td>' in page
    assert '<td class="field-evidence_column"><span class="lb-muted">无</span></td>' in page
