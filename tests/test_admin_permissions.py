"""Who may open which admin page, and who may not even learn that a rating exists.

The personas (see conftest): alice is the office, bob rates for department A, carol
for department B, leo is a leader, anon has no account. The ratings below are bob's
(department A) unless a test says otherwise.
"""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from ratings import services
from ratings.models import Period, Rating
from tests.factories import OrganisationFactory

STAFF = ("alice", "bob", "carol", "leo")


@pytest.fixture
def bob_draft(bob, dept_a, town, january, flag_criterion):
    return services.rating_record(
        period=january, department=dept_a, unit=town, kind="red_flag", criterion=flag_criterion,
        reason="主动上门服务，提前完成棚改签约", by=bob,
    )


@pytest.fixture
def carol_draft(carol, dept_b, town2, january, yellow_criterion):
    return services.rating_record(
        period=january, department=dept_b, unit=town2, kind="yellow_light", criterion=yellow_criterion,
        reason="卡尔的秘密草稿：推诿扯皮", by=carol,
    )


@pytest.fixture
def personas(alice, bob, carol, leo):
    return {"alice": alice, "bob": bob, "carol": carol, "leo": leo, "anon": None}


def _client(client, personas, who):
    if personas[who] is not None:
        client.force_login(personas[who])
    return client


def _objects(bob_draft, january, rulebook, town):
    return {"rating": bob_draft, "period": january, "rulebook": rulebook, "organisation": town}


APP = {"rating": "ratings", "period": "ratings", "rulebook": "ratings", "organisation": "departments"}

# Expected status of each admin page, per persona. 302 for anon is the login redirect.
# Raters and leaders see rule books, months and organisations read-only (200 on the
# change page, without a save button); only the office adds and deletes them.
# carol gets 404 for bob's rating: to her it does not exist.
TABLE = [
    # model, page, alice, bob, carol, leo, anon
    ("rating", "changelist", 200, 200, 200, 200, 302),
    ("rating", "add", 200, 200, 200, 403, 302),
    ("rating", "change", 200, 200, 404, 200, 302),
    ("rating", "delete", 200, 200, 404, 403, 302),
    ("rating", "history", 200, 200, 404, 200, 302),
    ("period", "changelist", 200, 200, 200, 200, 302),
    ("period", "add", 200, 403, 403, 403, 302),
    ("period", "change", 200, 200, 200, 200, 302),
    ("period", "delete", 200, 403, 403, 403, 302),
    ("period", "history", 200, 200, 200, 200, 302),
    ("rulebook", "changelist", 200, 200, 200, 200, 302),
    ("rulebook", "add", 200, 403, 403, 403, 302),
    ("rulebook", "change", 200, 200, 200, 200, 302),
    ("rulebook", "delete", 200, 403, 403, 403, 302),
    ("rulebook", "history", 200, 200, 200, 200, 302),
    ("organisation", "changelist", 200, 200, 200, 200, 302),
    ("organisation", "add", 200, 403, 403, 403, 302),
    ("organisation", "change", 200, 200, 200, 200, 302),
    ("organisation", "delete", 200, 403, 403, 403, 302),
    ("organisation", "history", 200, 200, 200, 200, 302),
]


@pytest.mark.parametrize(
    "model,page,who,expected",
    [
        (model, page, who, expected)
        for model, page, *codes in TABLE
        for who, expected in zip((*STAFF, "anon"), codes)
    ],
)
def test_each_persona_gets_the_expected_status_on_each_admin_page(
    client, personas, bob_draft, january, rulebook, town, model, page, who, expected
):
    obj = _objects(bob_draft, january, rulebook, town)[model]
    name = f"admin:{APP[model]}_{model}_{page}"
    url = reverse(name) if page in ("changelist", "add") else reverse(name, args=[obj.pk])
    response = _client(client, personas, who).get(url)
    assert response.status_code == expected, (model, page, who, response.status_code)


def test_view_only_pages_have_no_save_button(client, leo, bob, bob_draft, rulebook):
    client.force_login(leo)
    page = client.get(reverse("admin:ratings_rating_change", args=[bob_draft.pk])).content.decode()
    assert 'name="_save"' not in page
    client.force_login(bob)
    page = client.get(reverse("admin:ratings_rulebook_change", args=[rulebook.pk])).content.decode()
    assert 'name="_save"' not in page


# bob cannot see carol's draft ----------------------------------------------------------


def test_bob_does_not_see_carols_draft_in_the_list(client, bob, bob_draft, carol_draft):
    client.force_login(bob)
    response = client.get(reverse("admin:ratings_rating_changelist"))
    assert response.status_code == 200
    ids = {r.pk for r in response.context["cl"].result_list}
    assert ids == {bob_draft.pk}
    assert "卡尔的秘密草稿" not in response.content.decode()


def test_bob_does_not_see_carols_draft_by_searching_or_filtering(client, bob, bob_draft, carol_draft, dept_b, town2):
    client.force_login(bob)
    url = reverse("admin:ratings_rating_changelist")
    for query in (
        {"q": "卡尔"},
        {"unit__id__exact": town2.pk},
        {"status__exact": "draft"},
        {"kind__exact": "yellow_light"},
    ):
        response = client.get(url, query)
        assert response.status_code in (200, 302)
        if response.status_code == 200:
            assert carol_draft.pk not in {r.pk for r in response.context["cl"].result_list}, query
    # The department filter is not offered to a rater and cannot be forced.
    response = client.get(url, {"department__id__exact": dept_b.pk})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert not list(response.context["cl"].result_list)


def test_the_filters_offer_bob_only_his_own_ratings_choices(
    client, bob, dept_a, january, bob_draft, carol_draft, town, town2, dept_b, flag_criterion
):
    town3 = OrganisationFactory(code="T03", name="东坝街道")
    services.rating_record(
        period=january, department=dept_a, unit=town3, kind="red_flag", criterion=flag_criterion,
        reason="按期完成", by=bob,
    )
    client.force_login(bob)
    response = client.get(reverse("admin:ratings_rating_changelist"))
    page = response.content.decode()
    assert f"unit__id__exact={town.pk}" in page and f"unit__id__exact={town3.pk}" in page
    assert f"unit__id__exact={town2.pk}" not in page  # only carol rated 古柏街道
    assert f"department__id__exact={dept_b.pk}" not in page


def test_bob_does_not_find_carols_draft_through_autocomplete(client, bob, bob_draft, carol_draft):
    client.force_login(bob)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "ratings", "model_name": "rating", "field_name": "escalated_after", "term": "卡尔"},
    )
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_unit_autocomplete_offers_active_units_but_not_departments_or_retired_units(
    client, bob, dept_a, dept_b, town, town2
):
    retired = OrganisationFactory(code="T99", name="已撤并的镇", is_active=False)
    client.force_login(bob)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "ratings", "model_name": "rating", "field_name": "unit", "term": ""},
    )
    names = {row["text"] for row in response.json()["results"]}
    assert {town.name, town2.name} <= names
    assert dept_a.name not in names and dept_b.name not in names and retired.name not in names


def test_bob_cannot_open_carols_draft_by_guessing_its_id(client, bob, carol_draft):
    client.force_login(bob)
    for name in ("change", "delete", "history", "submit", "approve", "return"):
        response = client.get(reverse(f"admin:ratings_rating_{name}", args=[carol_draft.pk]))
        assert response.status_code == 404, name
        assert "卡尔的秘密草稿" not in response.content.decode()
    response = client.post(reverse("admin:ratings_rating_submit", args=[carol_draft.pk]))
    assert response.status_code == 404
    carol_draft.refresh_from_db()
    assert carol_draft.status == Rating.Status.DRAFT


def test_bob_cannot_read_a_history_version_of_carols_draft(client, bob, carol_draft):
    version = carol_draft.history.first()
    client.force_login(bob)
    url = reverse("admin:ratings_rating_simple_history", args=[carol_draft.pk, version.history_id])
    assert client.get(url).status_code == 404


def test_bob_cannot_read_the_history_of_carols_deleted_draft(client, bob, bob_draft, carol, carol_draft, alice):
    # Some history first, so that history ids and rating ids differ.
    for reason in ("一改", "二改", "三改"):
        services.rating_update(rating=bob_draft, by=bob, reason=reason)
    pk = carol_draft.pk
    services.rating_delete(rating=carol_draft, by=carol)
    client.force_login(bob)
    assert client.get(reverse("admin:ratings_rating_history", args=[pk])).status_code == 404
    client.force_login(carol)
    assert client.get(reverse("admin:ratings_rating_history", args=[pk])).status_code == 200
    client.force_login(alice)
    page = client.get(reverse("admin:ratings_rating_history", args=[pk]))
    assert page.status_code == 200
    assert "删除" in page.content.decode() and "carol" in page.content.decode()


def test_nobody_can_revert_a_rating_to_an_old_version(client, alice, bob_draft):
    version = bob_draft.history.first()
    client.force_login(alice)
    url = reverse("admin:ratings_rating_simple_history", args=[bob_draft.pk, version.history_id])
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": "改回去"}).status_code == 403


# bob cannot approve; leo cannot change ------------------------------------------------


def test_bob_is_not_offered_approve_or_return_and_cannot_force_them(client, bob, bob_draft):
    services.rating_submit(rating=bob_draft, by=bob)
    client.force_login(bob)
    url = reverse("admin:ratings_rating_changelist")
    actions = dict(client.get(url).context["action_form"].fields["action"].choices)
    assert "submit_selected" in actions
    assert "approve_selected" not in actions and "return_selected" not in actions

    client.post(url, {"action": "approve_selected", ACTION_CHECKBOX_NAME: [bob_draft.pk], "index": 0})
    client.post(reverse("admin:ratings_rating_approve", args=[bob_draft.pk]))
    response = client.post(reverse("admin:ratings_rating_return", args=[bob_draft.pk]), {"reason": "自己退回"})
    assert response.status_code == 403
    bob_draft.refresh_from_db()
    assert bob_draft.status == Rating.Status.SUBMITTED


def test_bob_cannot_edit_his_rating_once_submitted(client, bob, bob_draft):
    services.rating_submit(rating=bob_draft, by=bob)
    client.force_login(bob)
    url = reverse("admin:ratings_rating_change", args=[bob_draft.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "等待效能办审核" in page.content.decode()
    assert client.post(url, {"reason": "提交后偷偷改"}).status_code == 403
    assert client.post(reverse("admin:ratings_rating_delete", args=[bob_draft.pk]), {"post": "yes"}).status_code == 403


def test_leo_reads_everything_but_changes_nothing(client, leo, bob_draft, carol_draft, january, rulebook, town):
    client.force_login(leo)
    response = client.get(reverse("admin:ratings_rating_changelist"))
    assert {r.pk for r in response.context["cl"].result_list} == {bob_draft.pk, carol_draft.pk}
    assert response.context["action_form"] is None  # no bulk action at all

    assert client.post(
        reverse("admin:ratings_rating_change", args=[bob_draft.pk]), {"reason": "领导改一下"}
    ).status_code == 403
    assert client.post(
        reverse("admin:ratings_rulebook_change", args=[rulebook.pk]), {"year": 2026}
    ).status_code == 403
    assert client.post(
        reverse("admin:departments_organisation_change", args=[town.pk]), {"name": "改名"}
    ).status_code == 403
    january.refresh_from_db()
    bob_draft.refresh_from_db()
    assert january.status == Period.Status.OPEN
    assert bob_draft.reason == "主动上门服务，提前完成棚改签约"


def test_leo_cannot_close_a_month(client, leo, january):
    client.force_login(leo)
    response = client.post(reverse("admin:ratings_period_close", args=[january.pk]))
    assert response.status_code == 403
    january.refresh_from_db()
    assert january.status == Period.Status.OPEN


# A closed month refuses every change ----------------------------------------------------


def test_a_closed_month_refuses_edits_in_the_admin(client, alice, bob, bob_draft, january):
    services.period_close(period=january, by=alice, withdraw_reason="关账时撤回")
    change = reverse("admin:ratings_rating_change", args=[bob_draft.pk])
    for user in (bob, alice):
        client.force_login(user)
        page = client.get(change)
        assert page.status_code == 200
        text = page.content.decode()
        assert "已关账" in text and 'name="_save"' not in text
        assert client.post(change, {"reason": "关账后修改"}).status_code == 403
        assert client.post(reverse("admin:ratings_rating_delete", args=[bob_draft.pk]), {"post": "yes"}).status_code == 403
    # Submitting from the rating's page is refused with the service's words.
    client.force_login(bob)
    response = client.post(reverse("admin:ratings_rating_submit", args=[bob_draft.pk]), follow=True)
    assert "已关账" in response.content.decode()
    bob_draft.refresh_from_db()
    assert bob_draft.status == Rating.Status.WITHDRAWN  # withdrawn when the month closed, not submitted


def test_a_closed_month_is_not_offered_for_new_ratings(client, alice, bob, january, february):
    services.period_close(period=january, by=alice, withdraw_reason="关账时撤回")
    client.force_login(bob)
    form = client.get(reverse("admin:ratings_rating_add")).context["adminform"].form
    offered = list(form.fields["period"].queryset)
    assert february in offered and january not in offered


def test_a_rater_never_sees_the_department_field_as_a_choice(client, bob, dept_a):
    client.force_login(bob)
    response = client.get(reverse("admin:ratings_rating_add"))
    form = response.context["adminform"].form
    assert "department" not in form.fields
    assert dept_a.name in response.content.decode()  # shown read-only
