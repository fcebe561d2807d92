"""Login throttling: repeated failures lock a login out for a while, with a page that says
how long, and the office can clear it.

Personas (conftest): bob rates for department A and carol for department B, both in the
same district office behind one address (10.0.0.1); alice works in the efficiency office;
leo leads. Logins go through the admin's real login form; the test settings leave the
throttle off, so the ``throttle`` fixture turns it on (five failures, fifteen minutes).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessLog
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from config.accounts.throttle import client_ip
from tests.factories import JurisdictionFactory, make_user, roles

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
OFFICE_ADDRESS = "10.0.0.1"
LOGIN = reverse("admin:login")


@pytest.fixture
def throttle(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 50
    settings.TRUSTED_PROXIES = 0


def log_in(client, username: str, password: str, address: str = OFFICE_ADDRESS):
    return client.post(f"{LOGIN}?next=/admin/", {"username": username, "password": password, "next": "/admin/"},
                       REMOTE_ADDR=address)


def fail(client, username: str, times: int, address: str = OFFICE_ADDRESS):
    response = None
    for _ in range(times):
        response = log_in(client, username, "wrong-password", address)
    return response


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def password(user) -> str:
    return "pw-" + user.username  # tests/factories.make_user


# Locking out ------------------------------------------------------------------------------------


def test_four_failures_still_leave_the_login_form(client, throttle, bob):
    response = fail(client, "bob", 4)
    assert response.status_code == 200
    assert "请输入正确的用户名和密码。" in response.content.decode()  # "wrong username or password" (locale/zh_Hans)


def test_the_fifth_failure_locks_the_login_with_a_chinese_page_saying_until_when(client, throttle, bob):
    response = fail(client, "bob", 5)

    assert response.status_code == 429
    body = response.content.decode()
    last_failure = AccessAttempt.objects.get(username="bob").attempt_time
    until = timezone.localtime(last_failure + timedelta(minutes=15)).strftime("%H:%M")
    assert "登录已暂时锁定" in body
    assert "账号“bob”从本机登录失败次数过多（5 次）" in body
    assert f"请在 {until} 之后（约 15 分钟后）再登录" in body
    assert "请联系效能办" in body
    assert '<html lang="zh-CN"' in body and "admin/css/base.css" in body  # the admin's own frame
    assert 15 * 60 - 60 <= int(response["Retry-After"]) <= 15 * 60
    assert "no-store" in response["Cache-Control"]


def test_while_locked_out_even_the_right_password_is_refused(client, throttle, bob):
    fail(client, "bob", 5)
    response = log_in(client, "bob", password(bob))
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_tries_during_a_lockout_neither_count_nor_extend_it(client, throttle, bob):
    fail(client, "bob", 5)
    before = AccessAttempt.objects.get(username="bob")
    fail(client, "bob", 3)
    after = AccessAttempt.objects.get(username="bob")
    assert (after.failures_since_start, after.attempt_time) == (5, before.attempt_time)


def test_the_lockout_ends_after_the_cool_off(client, throttle, bob):
    fail(client, "bob", 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert logged_in(log_in(client, "bob", password(bob)))


def test_the_limit_and_the_cool_off_follow_the_settings(client, throttle, settings, bob):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
    response = fail(client, "bob", 2)
    assert response.status_code == 429
    assert "（2 次）" in response.content.decode() and "约 30 分钟后" in response.content.decode()


def test_a_successful_login_clears_the_count(client, throttle, bob):
    fail(client, "bob", 4)
    assert logged_in(log_in(client, "bob", password(bob)))
    assert not AccessAttempt.objects.filter(username="bob").exists()
    client.logout()
    assert fail(client, "bob", 4).status_code == 200  # four more are again just mistakes


# Who is locked out: one person at one address ----------------------------------------------------


def test_a_colleague_behind_the_same_address_can_still_log_in(client, throttle, bob, carol):
    fail(client, "bob", 5)
    assert logged_in(log_in(client, "carol", password(carol)))


def test_the_same_person_at_another_address_can_still_log_in(client, throttle, bob):
    fail(client, "bob", 5, address="10.0.0.1")
    assert logged_in(log_in(client, "bob", password(bob), address="10.9.9.9"))


def test_an_address_trying_many_usernames_is_locked_out_as_a_whole(client, throttle, settings, bob):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
    for username in ("admin", "root", "xiaonengban", "lingdao"):
        fail(client, username, 3, address="203.0.113.7")  # never five for one name: 12 in all

    response = log_in(client, "bob", password(bob), address="203.0.113.7")
    assert response.status_code == 429
    assert "本机所在网络地址的登录失败次数过多（多个账号）" in response.content.decode()
    assert logged_in(log_in(client, "bob", password(bob), address=OFFICE_ADDRESS))


def test_a_lockout_is_also_what_a_second_browser_sees(client, throttle, bob):
    for agent in ("Firefox", "Chromium"):
        for _ in range(3 if agent == "Firefox" else 2):
            client.post(LOGIN, {"username": "bob", "password": "nope"}, REMOTE_ADDR=OFFICE_ADDRESS,
                        HTTP_USER_AGENT=agent)
    assert log_in(client, "bob", password(bob)).status_code == 429


# The office sees and clears lockouts ---------------------------------------------------------------


def test_the_office_sees_who_is_locked_out_and_until_when(client, throttle, alice, bob, carol):
    fail(client, "bob", 5)
    fail(client, "carol", 2)
    client.force_login(alice)
    body = client.get(reverse("admin:accounts_loginlockout_changelist")).content.decode()
    assert "登录失败与锁定" in body
    assert "已锁定，至" in body and "未锁定" in body
    locked = client.get(reverse("admin:accounts_loginlockout_changelist"), {"locked": "yes"}).content.decode()
    assert "bob" in locked and "carol" not in locked


def test_the_office_unlocks_a_person_who_can_then_log_in_at_once(client, throttle, alice, bob):
    fail(client, "bob", 5)
    office = type(client)()
    office.force_login(alice)
    response = office.post(reverse("admin:accounts_loginlockout_changelist"), {
        "action": "unlock", "_selected_action": list(AccessAttempt.objects.values_list("pk", flat=True)),
    }, follow=True)
    assert "已清除 1 人的失败记录" in response.content.decode()
    assert not AccessAttempt.objects.exists()
    assert logged_in(log_in(client, "bob", password(bob)))


def test_the_office_reads_the_record_of_logins(client, throttle, alice, bob):
    assert logged_in(log_in(client, "bob", password(bob)))
    assert AccessLog.objects.filter(username="bob", ip_address=OFFICE_ADDRESS).exists()
    office = type(client)()
    office.force_login(alice)
    body = office.get(reverse("admin:accounts_loginrecord_changelist")).content.decode()
    assert "登录记录" in body and OFFICE_ADDRESS in body


def test_each_office_sees_its_own_people_and_the_guesses_not_another_districts_people(client, throttle, alice, bob):
    neighbour = JurisdictionFactory()
    olga = make_user("olga", roles.OFFICE, jurisdiction=neighbour)
    make_user("oscar", roles.RATER, jurisdiction=neighbour)
    for username in ("bob", "oscar", "no-such-user"):
        fail(client, username, 2)
    names = {}
    for office in (alice, olga):
        viewer = type(client)()
        viewer.force_login(office)
        response = viewer.get(reverse("admin:accounts_loginlockout_changelist"))
        names[office.username] = {row.username for row in response.context["cl"].result_list}
    assert names == {"alice": {"bob", "no-such-user"}, "olga": {"oscar", "no-such-user"}}
    bobs = AccessAttempt.objects.get(username="bob")
    viewer = type(client)()
    viewer.force_login(olga)
    assert viewer.get(f"/admin/accounts/loginlockout/{bobs.pk}/change/").status_code == 404
    viewer.post(reverse("admin:accounts_loginlockout_changelist"),
                {"action": "unlock_addresses", "_selected_action": [bobs.pk]})
    assert AccessAttempt.objects.filter(username="bob").exists()


@pytest.mark.parametrize("who", ["leo", "bob"])
@pytest.mark.parametrize("page", ["accounts_loginlockout_changelist", "accounts_loginrecord_changelist"])
def test_leaders_and_raters_see_nothing_of_logins(client, request, who, page):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse(f"admin:{page}")).status_code == 403
    assert "账号安全" not in client.get(reverse("admin:index")).content.decode()


def test_nobody_adds_or_edits_login_records_in_the_admin(client, alice):
    client.force_login(alice)
    assert client.get("/admin/accounts/loginlockout/add/").status_code == 403


def test_the_office_sees_an_address_locked_as_a_whole_and_clears_it(client, throttle, settings, alice, bob):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    for username in ("admin", "root", "lingdao"):
        fail(client, username, 2, address="203.0.113.7")
    assert log_in(client, "bob", password(bob), address="203.0.113.7").status_code == 429
    office = type(client)()
    office.force_login(alice)
    page = office.get(reverse("admin:accounts_loginlockout_changelist"), {"locked": "yes"}).content.decode()
    assert page.count("该地址已整体锁定") == 3
    response = office.post(reverse("admin:accounts_loginlockout_changelist"), {
        "action": "unlock_addresses", "_selected_action": [AccessAttempt.objects.filter(username="root").get().pk],
    }, follow=True)
    assert "已清除 3 人的失败记录" in response.content.decode()
    assert logged_in(log_in(client, "bob", password(bob), address="203.0.113.7"))


def test_the_command_line_unlocks_a_username_too(client, throttle, bob):
    fail(client, "bob", 5)
    call_command("axes_reset_username", "bob", stdout=open(os.devnull, "w"))
    assert logged_in(log_in(client, "bob", password(bob)))


# The address a login came from -----------------------------------------------------------------


@pytest.mark.parametrize("proxies, remote, forwarded, expected", [
    (0, "10.0.0.1", "", "10.0.0.1"),
    (0, "10.0.0.1", "198.51.100.9", "10.0.0.1"),  # no proxy trusted: the header is the client's say
    (1, "10.0.0.2", "198.51.100.9", "198.51.100.9"),  # nginx appended the client's address
    (1, "10.0.0.2", "6.6.6.6, 198.51.100.9", "198.51.100.9"),  # a forged entry on the left is ignored
    (2, "10.0.0.3", "6.6.6.6, 198.51.100.9, 10.0.0.2", "198.51.100.9"),
    (1, "10.0.0.2", "", "10.0.0.2"),  # reached directly (make run-prod): the peer
    (2, "10.0.0.3", "198.51.100.9", "10.0.0.3"),  # fewer entries than proxies
    (1, "10.0.0.2", "not-an-address", "10.0.0.2"),
    (1, "10.0.0.2", "2001:db8::1", "2001:db8::1"),
])
def test_the_address_counts_only_what_trusted_proxies_added(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = proxies
    request = RequestFactory().post(LOGIN, REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_behind_nginx_a_locked_out_client_cannot_escape_by_forging_the_header(client, throttle, settings, bob):
    settings.TRUSTED_PROXIES = 1
    for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4", "5.5.5.5"):
        client.post(LOGIN, {"username": "bob", "password": "nope"}, REMOTE_ADDR="10.0.0.2",
                    HTTP_X_FORWARDED_FOR=f"{forged}, 198.51.100.9")
    response = client.post(LOGIN, {"username": "bob", "password": password(bob)}, REMOTE_ADDR="10.0.0.2",
                           HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.9")
    assert response.status_code == 429


# Settings -------------------------------------------------------------------------------------------


def settings_value(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LIANGBANG_")}
    environment.update(env, DJANGO_SETTINGS_MODULE="config.settings.local")
    return subprocess.run([sys.executable, "-c", f"import config.settings.local as s; print({code})"], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=60)


def test_the_throttle_is_on_by_default_five_failures_fifteen_minutes_per_person_and_address():
    result = settings_value("s.AXES_ENABLED, s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.seconds, "
                            "s.AXES_LOCKOUT_PARAMETERS, s.LOGIN_ADDRESS_FAILURE_LIMIT")
    assert result.stdout.strip() == "True 5 900 [['username', 'ip_address']] 50", result.stderr


def test_the_limits_come_from_the_environment_and_nonsense_is_refused_by_name():
    result = settings_value("s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.seconds, s.LOGIN_ADDRESS_FAILURE_LIMIT",
                            LIANGBANG_LOGIN_FAILURE_LIMIT="3", LIANGBANG_LOGIN_COOLOFF_MINUTES="60")
    assert result.stdout.strip() == "3 3600 30", result.stderr
    refused = settings_value("1", LIANGBANG_LOGIN_FAILURE_LIMIT="0")
    assert refused.returncode != 0 and "LIANGBANG_LOGIN_FAILURE_LIMIT" in refused.stderr
