"""A month of 效能亮榜 in the admin, end to end, through HTTP.

bob (department A) records and submits; alice (the office) approves, returns with a
reason, closes the month, reopens it with a reason; a second consecutive yellow light
shows as a red light. carol (department B) appears where a yellow from another
department completes the chain.
"""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from departments.models import Jurisdiction, Organisation
from ratings import services
from ratings.models import Period, Rating, RuleBook
from tests.admin_helpers import form_data, inline_management, messages_of
from tests.factories import CriterionFactory, PeriodFactory, RuleBookFactory, make_user

CHANGELIST = "admin:ratings_rating_changelist"


def _add(client, **fields):
    data = {"reason": "", "kind": "red_flag", **inline_management("evidence"), **fields}
    return client.post(reverse("admin:ratings_rating_add"), data, follow=True)


def _action(client, url_name: str, action: str, objects, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **extra}
    if "apply" not in extra:
        data["index"] = 0
    return client.post(reverse(url_name), data, follow=True)


def _approved(rating: Rating, by) -> Rating:
    if rating.status != Rating.Status.SUBMITTED:
        services.rating_submit(rating=rating, by=None)
    return services.rating_approve(rating=rating, by=by)


# Recording ------------------------------------------------------------------------------


def test_a_rater_records_and_submits_a_rating_in_one_step(client, bob, dept_a, town, january, flag_criterion):
    client.force_login(bob)
    response = _add(
        client, period=january.pk, unit=town.pk, kind="red_flag", criterion=flag_criterion.pk,
        reason="主动上门服务企业", _submit="1",
    )
    assert response.status_code == 200
    rating = Rating.objects.get()
    assert (rating.department, rating.unit, rating.status, rating.created_by) == (
        dept_a, town, Rating.Status.SUBMITTED, bob,
    )
    # The history says what happened: recorded (with its evidence), then submitted.
    assert [(h.history_change_reason, h.status, h.history_user) for h in rating.history.order_by("history_id")] == [
        ("填报", "draft", bob), ("提交审核", "submitted", bob),
    ]


def test_the_services_refusals_show_as_form_errors(client, bob, town, january, flag_criterion, yellow_criterion):
    client.force_login(bob)
    response = _add(
        client, period=january.pk, unit=town.pk, kind="yellow_light", criterion=flag_criterion.pk, reason="推诿",
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "类型与认定类型不符" in " ".join(errors["criterion"])
    response = _add(client, period=january.pk, unit=town.pk, kind="red_flag", reason="少了条目")
    assert "要求每条认定引用一个认定条目" in " ".join(response.context["adminform"].form.errors["criterion"])
    response = _add(
        client, period=january.pk, unit=town.pk, kind="red_flag", criterion=flag_criterion.pk,
        serious_impact="on", reason="红旗不能较大影响",
    )
    assert "serious_impact" in response.context["adminform"].form.errors
    assert not Rating.objects.exists()


def test_a_rater_cannot_rate_for_another_department_by_posting_one(
    client, bob, dept_a, dept_b, town, january, flag_criterion
):
    client.force_login(bob)
    _add(
        client, period=january.pk, department=dept_b.pk, unit=town.pk, kind="red_flag",
        criterion=flag_criterion.pk, reason="冒充别的部门",
    )
    assert Rating.objects.get().department == dept_a


def test_without_an_open_month_the_rater_is_told_why_nothing_can_be_recorded(client, alice, bob, january):
    now = services.today()
    services.period_get_or_open(jurisdiction=january.jurisdiction, year=now.year, month=now.month)
    # Closing a month opens the next: close them all, up to the current one.
    while (month := Period.objects.filter(status=Period.Status.OPEN).order_by("year", "month").first()) is not None:
        services.period_close(period=month, by=alice)
    client.force_login(bob)
    response = client.get(reverse("admin:ratings_rating_add"))
    assert "目前没有开放的月份" in " ".join(messages_of(response))


def test_the_office_records_for_any_department(client, alice, dept_b, town, january, flag_criterion):
    client.force_login(alice)
    _add(
        client, period=january.pk, department=dept_b.pk, unit=town.pk, kind="red_flag",
        criterion=flag_criterion.pk, reason="代为录入",
    )
    assert Rating.objects.get().department == dept_b


# The month, end to end ---------------------------------------------------------------------


def test_a_month_end_to_end(client, alice, bob, dept_a, town, town2, january, february, flag_criterion, yellow_criterion):
    # bob records a red flag for one town and a yellow light for another, and submits both.
    client.force_login(bob)
    _add(client, period=january.pk, unit=town.pk, kind="red_flag", criterion=flag_criterion.pk, reason="攻坚克难")
    _add(client, period=january.pk, unit=town2.pk, kind="yellow_light", criterion=yellow_criterion.pk, reason="推诿")
    flag, yellow = Rating.objects.order_by("pk")
    response = _action(client, CHANGELIST, "submit_selected", [flag, yellow])
    assert "已提交 2 条认定" in " ".join(messages_of(response))

    # alice approves the flag and returns the yellow light with a reason.
    client.force_login(alice)
    response = _action(client, CHANGELIST, "approve_selected", [flag])
    assert "已审核通过 1 条认定" in " ".join(messages_of(response))
    page = _action(client, CHANGELIST, "return_selected", [yellow])
    assert page.templates[0].name == "admin/ratings/reason_form.html"
    assert "reason" in page.context["form"].fields and str(yellow) in page.content.decode()
    refused = _action(client, CHANGELIST, "return_selected", [yellow], apply="1", reason="  ")
    assert refused.context["form"].errors
    _action(client, CHANGELIST, "return_selected", [yellow], apply="1", reason="事由过于笼统，请写明具体工单号")
    flag.refresh_from_db()
    yellow.refresh_from_db()
    assert flag.status == Rating.Status.APPROVED
    assert yellow.status == Rating.Status.RETURNED

    # bob sees the reason on the list and on the rating, fixes it and submits again.
    client.force_login(bob)
    listing = client.get(reverse(CHANGELIST)).content.decode()
    assert "事由过于笼统" in listing
    change = reverse("admin:ratings_rating_change", args=[yellow.pk])
    page = client.get(change)
    assert 'id="lb-return-reason"' in page.content.decode() and "事由过于笼统" in page.content.decode()
    client.post(change, form_data(page, reason="12345工单 2026-0117 推诿三次", _submit="1"), follow=True)
    yellow.refresh_from_db()
    assert yellow.status == Rating.Status.SUBMITTED and yellow.reason.startswith("12345工单")

    # alice cannot close while the yellow waits; the refusal names it and links to it.
    client.force_login(alice)
    response = _action(client, "admin:ratings_period_changelist", "close_selected", [january])
    text = " ".join(messages_of(response))
    assert "待审核" in text and town2.name in text and "status__exact=submitted" in text
    january.refresh_from_db()
    assert january.status == Period.Status.OPEN

    # Approved, the month closes.
    _action(client, CHANGELIST, "approve_selected", [yellow])
    response = _action(client, "admin:ratings_period_changelist", "close_selected", [january])
    assert "已关账" in " ".join(messages_of(response))
    january.refresh_from_db()
    assert january.status == Period.Status.CLOSED and january.closed_by == alice

    # February: a second consecutive yellow light for the same town is a red light.
    client.force_login(bob)
    _add(
        client, period=february.pk, unit=town2.pk, kind="yellow_light", criterion=yellow_criterion.pk,
        reason="再次推诿", _submit="1",
    )
    second = Rating.objects.get(period=february)
    client.force_login(alice)
    _action(client, CHANGELIST, "approve_selected", [second])
    second.refresh_from_db()
    assert (second.kind, second.outcome, second.escalated_after_id) == ("yellow_light", "red_light", yellow.pk)
    listing = client.get(reverse(CHANGELIST)).content.decode()
    assert "红灯（连续黄灯升级）" in listing
    assert reverse("admin:ratings_rating_change", args=[yellow.pk]) in listing
    # The January yellow stays a yellow light, linked to the red light it became part of.
    assert "与 2026-02 黄灯连续，升级为红灯" in listing


def test_the_office_approves_and_returns_from_the_ratings_page(client, alice, bob, dept_a, town, january, flag_criterion):
    rating = services.rating_record(
        period=january, department=dept_a, unit=town, kind="red_flag", criterion=flag_criterion,
        reason="主动担当", by=bob, submit=True,
    )
    client.force_login(alice)
    page = client.get(reverse("admin:ratings_rating_change", args=[rating.pk])).content.decode()
    assert reverse("admin:ratings_rating_approve", args=[rating.pk]) in page
    client.post(reverse("admin:ratings_rating_approve", args=[rating.pk]))
    rating.refresh_from_db()
    assert rating.status == Rating.Status.APPROVED

    form_page = client.get(reverse("admin:ratings_rating_return", args=[rating.pk]))
    assert form_page.status_code == 200 and "reason" in form_page.context["form"].fields
    client.post(reverse("admin:ratings_rating_return", args=[rating.pk]), {"reason": "佐证不足"})
    rating.refresh_from_db()
    assert rating.status == Rating.Status.RETURNED and rating.return_reason == "佐证不足"


def test_bulk_approval_reports_what_it_could_not_approve(client, alice, bob, dept_a, town, january, flag_criterion):
    draft = services.rating_record(
        period=january, department=dept_a, unit=town, kind="red_flag", criterion=flag_criterion,
        reason="还没提交", by=bob,
    )
    client.force_login(alice)
    response = _action(client, CHANGELIST, "approve_selected", [draft])
    assert "只有待审核的认定可以通过" in " ".join(messages_of(response))
    draft.refresh_from_db()
    assert draft.status == Rating.Status.DRAFT


def test_a_rater_cannot_bulk_delete_a_submitted_rating(client, bob, dept_a, town, town2, january, flag_criterion):
    draft = services.rating_record(
        period=january, department=dept_a, unit=town, kind="red_flag", criterion=flag_criterion, reason="草稿", by=bob,
    )
    submitted = services.rating_record(
        period=january, department=dept_a, unit=town2, kind="red_flag", criterion=flag_criterion,
        reason="已提交", by=bob, submit=True,
    )
    client.force_login(bob)
    page = _action(client, CHANGELIST, "delete_selected", [draft, submitted])
    assert "不能删除" in page.content.decode()
    _action(client, CHANGELIST, "delete_selected", [draft, submitted], post="yes", apply="1")
    assert Rating.objects.count() == 2
    _action(client, CHANGELIST, "delete_selected", [draft], post="yes", apply="1")
    assert list(Rating.objects.all()) == [submitted]
    assert draft.history.filter(history_type="-").get().history_user == bob


# Escalation in the list --------------------------------------------------------------------


def test_a_red_light_completed_by_another_departments_yellow_shows_only_its_month_to_the_rater(
    client, alice, bob, carol, dept_a, dept_b, town, january, february, yellow_criterion
):
    first = services.rating_record(
        period=january, department=dept_b, unit=town, kind="yellow_light", criterion=yellow_criterion,
        reason="市场监管：推诿", by=carol, submit=True,
    )
    second = services.rating_record(
        period=february, department=dept_a, unit=town, kind="yellow_light", criterion=yellow_criterion,
        reason="住建：再次推诿", by=bob, submit=True,
    )
    services.rating_approve(rating=first, by=alice)
    services.rating_approve(rating=second, by=alice)
    client.force_login(bob)
    listing = client.get(reverse(CHANGELIST)).content.decode()
    assert "红灯（连续黄灯升级）" in listing
    assert "2026-01 黄灯（其他部门认定）" in listing
    assert reverse("admin:ratings_rating_change", args=[first.pk]) not in listing
    client.force_login(alice)
    listing = client.get(reverse(CHANGELIST)).content.decode()
    assert reverse("admin:ratings_rating_change", args=[first.pk]) in listing


def test_the_outcome_filter_picks_out_escalated_red_lights(client, alice, bob, dept_a, town, january, february, yellow_criterion):
    ratings = [
        services.rating_record(
            period=period, department=dept_a, unit=town, kind="yellow_light", criterion=yellow_criterion,
            reason="推诿", by=bob, submit=True,
        )
        for period in (january, february)
    ]
    for rating in ratings:
        services.rating_approve(rating=rating, by=alice)
    client.force_login(alice)
    response = client.get(reverse(CHANGELIST), {"outcome": "escalated"})
    assert [r.pk for r in response.context["cl"].result_list] == [ratings[1].pk]


# Months ------------------------------------------------------------------------------------


def test_the_period_list_counts_submitted_and_approved_ratings(client, alice, bob, dept_a, town, town2, january, flag_criterion):
    for unit in (town, town2):
        services.rating_record(
            period=january, department=dept_a, unit=unit, kind="red_flag", criterion=flag_criterion,
            reason="好", by=bob, submit=True,
        )
    services.rating_approve(rating=Rating.objects.first(), by=alice)
    client.force_login(alice)
    response = client.get(reverse("admin:ratings_period_changelist"))
    row = next(p for p in response.context["cl"].result_list if p.pk == january.pk)
    assert (row.total_count, row.submitted_count, row.approved_count) == (2, 1, 1)


def test_reopening_a_month_requires_a_reason_and_is_recorded_in_history(client, alice, january):
    services.period_close(period=january, by=alice)
    client.force_login(alice)
    url = reverse("admin:ratings_period_reopen", args=[january.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and response.context["form"].errors
    january.refresh_from_db()
    assert january.status == Period.Status.CLOSED

    client.post(url, {"reason": "住建局补报漏报的红旗"})
    january.refresh_from_db()
    assert january.status == Period.Status.OPEN and january.reopen_reason == "住建局补报漏报的红旗"
    history = client.get(reverse("admin:ratings_period_history", args=[january.pk])).content.decode()
    assert "重新开放：住建局补报漏报的红旗" in history and "alice" in history and "关账" in history


def test_reopening_by_bulk_action_also_asks_for_a_reason(client, alice, january, february):
    for period in (january, february):
        services.period_close(period=period, by=alice)
    client.force_login(alice)
    page = _action(client, "admin:ratings_period_changelist", "reopen_selected", [january, february])
    assert page.templates[0].name == "admin/ratings/reason_form.html"
    _action(client, "admin:ratings_period_changelist", "reopen_selected", [january], apply="1", reason="补录")
    january.refresh_from_db()
    february.refresh_from_db()
    assert january.status == Period.Status.OPEN and february.status == Period.Status.CLOSED


def test_the_office_opens_a_month_once(client, alice):
    client.force_login(alice)
    url = reverse("admin:ratings_period_add")
    client.post(url, {"year": 2026, "month": 3})
    period = Period.objects.get(year=2026, month=3)
    assert period.jurisdiction == Jurisdiction.objects.get() and period.status == Period.Status.OPEN
    response = client.post(url, {"year": 2026, "month": 3})
    assert response.status_code == 200 and response.context["adminform"].form.errors
    assert Period.objects.filter(year=2026, month=3).count() == 1


def test_closing_from_the_months_page(client, alice, january):
    client.force_login(alice)
    page = client.get(reverse("admin:ratings_period_change", args=[january.pk])).content.decode()
    assert reverse("admin:ratings_period_close", args=[january.pk]) in page
    client.post(reverse("admin:ratings_period_close", args=[january.pk]))
    january.refresh_from_db()
    assert january.status == Period.Status.CLOSED


# Rule books and organisations ---------------------------------------------------------------


def test_changing_the_escalation_threshold_recomputes_the_results(
    client, alice, bob, dept_a, town, january, february, rulebook, yellow_criterion
):
    ratings = [
        services.rating_record(
            period=period, department=dept_a, unit=town, kind="yellow_light", criterion=yellow_criterion,
            reason="推诿", by=bob, submit=True,
        )
        for period in (january, february)
    ]
    for rating in ratings:
        services.rating_approve(rating=rating, by=alice)
    ratings[1].refresh_from_db()
    assert ratings[1].outcome == "red_light"

    client.force_login(alice)
    url = reverse("admin:ratings_rulebook_change", args=[rulebook.pk])
    response = client.post(url, form_data(client.get(url), escalation_threshold=3), follow=True)
    assert response.status_code == 200, response.context["adminform"].form.errors
    ratings[1].refresh_from_db()
    assert ratings[1].outcome == "yellow_light"
    rulebook.refresh_from_db()
    assert rulebook.escalation_threshold == 3
    assert rulebook.history.first().history_user == alice


def test_the_rule_book_form_edits_its_criteria_inline(client, alice, rulebook, flag_criterion):
    client.force_login(alice)
    url = reverse("admin:ratings_rulebook_change", args=[rulebook.pk])
    data = form_data(client.get(url), **{"criteria-0-text": "主动担当，攻坚克难，成效明显"})
    client.post(url, data)
    flag_criterion.refresh_from_db()
    assert flag_criterion.text == "主动担当，攻坚克难，成效明显"
    assert RuleBook.objects.count() == 1


def test_retiring_a_unit_keeps_it_and_its_history(client, alice, town):
    client.force_login(alice)
    _action(client, "admin:departments_organisation_changelist", "retire", [town])
    town.refresh_from_db()
    assert town.is_active is False and town.retired_on is not None
    assert town.history.first().history_change_reason == "停用"


def test_an_organisation_has_one_role_choice_and_a_unique_code(client, alice, town):
    client.force_login(alice)
    url = reverse("admin:departments_organisation_add")
    client.post(url, {"code": "D77", "name": "区数据局", "role": "both", "is_active": "on"})
    created = Organisation.objects.get(code="D77")
    assert created.is_department and created.is_unit
    response = client.post(url, {"code": town.code, "name": "重复编码", "role": "unit", "is_active": "on"})
    assert response.status_code == 200 and response.context["adminform"].form.errors


# Jurisdictions, language ----------------------------------------------------------------------


def test_the_office_renames_its_jurisdiction(client, alice, bob):
    jurisdiction = Jurisdiction.objects.get()
    client.force_login(alice)
    url = reverse("admin:departments_jurisdiction_change", args=[jurisdiction.pk])
    client.post(url, {"name": "高淳区", "is_active": "on"})
    jurisdiction.refresh_from_db()
    assert jurisdiction.name == "高淳区" and jurisdiction.code == "default"
    client.force_login(bob)
    assert client.post(url, {"name": "改名"}).status_code == 403


def test_the_months_sort_in_calendar_order(client, alice, bob, dept_a, town, flag_criterion):
    periods = [Period.objects.create(jurisdiction=Jurisdiction.objects.get(), year=2026, month=m) for m in (11, 2, 10)]
    for period in periods:
        services.rating_record(
            period=period, department=dept_a, unit=town, kind="red_flag", criterion=flag_criterion, reason="好", by=bob,
        )
    client.force_login(alice)
    response = client.get(reverse(CHANGELIST), {"o": "1"})
    assert [r.period.month for r in response.context["cl"].result_list] == [2, 10, 11]


def test_with_one_jurisdiction_nobody_sees_it(client, alice):
    client.force_login(alice)
    for name in ("admin:ratings_period_add", "admin:departments_organisation_add", "admin:ratings_rulebook_add"):
        assert "jurisdiction" not in client.get(reverse(name)).context["adminform"].form.fields


def test_a_superuser_with_several_jurisdictions_chooses_one(client, db):
    Jurisdiction.objects.create(code="city", name="市级")
    root = make_user("root", superuser=True)
    root.profile.delete()
    root = type(root).objects.get(pk=root.pk)
    client.force_login(root)
    assert "jurisdiction" in client.get(reverse("admin:ratings_period_add")).context["adminform"].form.fields


def test_the_office_only_sees_its_own_jurisdiction(client, alice, town):
    other = Jurisdiction.objects.create(code="city", name="市级")
    foreign = Organisation.objects.create(jurisdiction=other, code="X1", name="外地单位")
    client.force_login(alice)
    response = client.get(reverse("admin:departments_organisation_changelist"))
    names = {o.name for o in response.context["cl"].result_list}
    assert town.name in names and foreign.name not in names
    assert client.get(reverse("admin:departments_organisation_change", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("admin:departments_organisation_history", args=[foreign.pk])).status_code == 404


def test_pages_say_they_are_chinese_and_switch_to_english(client, alice):
    client.force_login(alice)
    page = client.get(reverse("admin:index")).content.decode()
    assert '<html lang="zh-CN"' in page and "效能亮榜" in page
    assert reverse("set_language") in page
    client.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    page = client.get(reverse("admin:index")).content.decode()
    assert '<html lang="en"' in page


def test_the_office_gives_a_new_user_a_profile_in_its_jurisdiction(client, alice, dept_a):
    client.force_login(alice)
    client.post(
        reverse("admin:auth_user_add"),
        {"username": "dora", "password1": "a-Long-pass-9876", "password2": "a-Long-pass-9876",
         "usable_password": "true", **inline_management("profile")},
    )
    dora = type(alice).objects.get(username="dora")
    assert dora.is_staff and dora.profile.jurisdiction == alice.profile.jurisdiction


def test_the_office_cannot_make_anyone_a_superuser(client, alice, bob):
    client.force_login(alice)
    url = reverse("admin:auth_user_change", args=[bob.pk])
    form = client.get(url).context["adminform"].form
    assert "is_superuser" not in form.fields and "user_permissions" not in form.fields


@pytest.mark.parametrize("who", ["bob", "leo"])
def test_only_the_office_manages_users(client, db, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403


def test_the_calendar_month_is_open_for_rating_without_anyone_opening_it(client, bob):
    from ratings.models import Period
    from ratings.services import today

    client.force_login(bob)
    assert client.get(reverse("admin:ratings_rating_add")).status_code == 200
    now = today()
    assert Period.objects.get(year=now.year, month=now.month).status == Period.Status.OPEN


def test_the_criterion_picker_offers_only_the_rule_books_of_open_months(client, bob, january, flag_criterion):
    last_year = CriterionFactory(rulebook=RuleBookFactory(year=2025), code="H01", text="主动担当，攻坚克难", kind="red_flag")
    PeriodFactory(year=2025, month=12, status=Period.Status.CLOSED)
    client.force_login(bob)

    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "ratings", "model_name": "rating", "field_name": "criterion", "term": "H01"},
    )

    offered = {int(result["id"]) for result in response.json()["results"]}
    assert offered == {flag_criterion.pk}
    assert last_year.pk not in offered
