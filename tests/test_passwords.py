"""Passwords: wherever the admin sets one, Django's four validators refuse a short, common,
all-digit or username-like password with a message in Chinese, and accept a good one.

Personas (conftest): alice works in the efficiency office and manages the accounts of her
district; bob rates for department A and changes his own password.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.urls import reverse

from ratings.management.commands.seed_demo import new_password
from tests.admin_helpers import form_data
from tests.factories import make_user, roles

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
GOOD = "Gaochun-Xiaoneng-2026"

# (password, the message) for a new account named "zhangwei2026".
BAD = [
    pytest.param("Ab3$xyz9", "密码太短，至少需要 10 个字符。", id="short"),
    pytest.param("qwertyuiop", "这个密码太常见了。", id="common"),
    pytest.param("3958201746", "密码只包含数字。", id="numeric"),
    pytest.param("zhangwei2026!", "密码跟 用户名 太相似了。", id="like-the-username"),
]


def create_account(client, password: str):
    page = client.get(reverse("admin:auth_user_add"))
    data = form_data(page, username="zhangwei2026", password1=password, password2=password)
    return client.post(reverse("admin:auth_user_add"), data)


def set_password_for(client, user: User, password: str):
    return client.post(reverse("admin:auth_user_password_change", args=[user.pk]),
                       {"password1": password, "password2": password, "usable_password": "true"})


def change_own_password(client, user: User, password: str):
    return client.post(reverse("admin:password_change"), {
        "old_password": "pw-" + user.username, "new_password1": password, "new_password2": password,
    })


@pytest.mark.parametrize("password, message", BAD)
def test_the_office_cannot_create_an_account_with_a_weak_password(client, alice, password, message):
    client.force_login(alice)
    response = create_account(client, password)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(username="zhangwei2026").exists()


def test_the_office_creates_an_account_with_a_good_password(client, alice):
    client.force_login(alice)
    response = create_account(client, GOOD)
    assert response.status_code == 302
    assert User.objects.get(username="zhangwei2026").check_password(GOOD)


@pytest.mark.parametrize("password, message", BAD)
def test_the_office_cannot_set_a_weak_password_for_someone(client, alice, password, message):
    someone = make_user("zhangwei2026", roles.RATER)
    client.force_login(alice)
    response = set_password_for(client, someone, password)
    assert response.status_code == 200
    assert message in response.content.decode()
    someone.refresh_from_db()
    assert someone.check_password("pw-zhangwei2026")  # make_user's


def test_the_office_sets_a_good_password_for_a_rater(client, alice, bob):
    client.force_login(alice)
    assert set_password_for(client, bob, GOOD).status_code == 302
    bob.refresh_from_db()
    assert bob.check_password(GOOD)


@pytest.mark.parametrize("password, message", [
    pytest.param("Ab3$xyz9", "密码太短，至少需要 10 个字符。", id="short"),
    pytest.param("qwertyuiop", "这个密码太常见了。", id="common"),
    pytest.param("3958201746", "密码只包含数字。", id="numeric"),
    pytest.param("bob.zhujian@example", "密码跟 电子邮件地址 太相似了。", id="like-the-e-mail"),
])
def test_nobody_changes_their_own_password_to_a_weak_one(client, bob, password, message):
    bob.email = "bob.zhujian@example.gov.cn"
    bob.save()
    client.force_login(bob)
    response = change_own_password(client, bob, password)
    assert response.status_code == 200
    assert message in response.content.decode()
    bob.refresh_from_db()
    assert bob.check_password("pw-bob")


def test_a_rater_changes_their_own_password_to_a_good_one(client, bob):
    client.force_login(bob)
    assert change_own_password(client, bob, GOOD).status_code == 302
    bob.refresh_from_db()
    assert bob.check_password(GOOD)


def test_the_form_tells_the_rules_before_anyone_types(client, alice):
    client.force_login(alice)
    body = client.get(reverse("admin:auth_user_add")).content.decode()
    assert "你的密码必须包含至少 10 个字符。" in body
    assert "你的密码不能是一个常见密码。" in body


def test_the_passwords_make_run_prints_would_pass_the_validators_too():
    # seed_demo sets them directly (no validation); they are still ones the admin accepts.
    demo_admin = User(username="admin")
    for password in [new_password() for _ in range(20)] + ["gaochun-2016"]:
        validate_password(password, demo_admin)


def test_the_minimum_length_comes_from_the_environment():
    env = {key: value for key, value in os.environ.items() if not key.startswith("LIANGBANG_")}
    code = ("import config.settings.local as s; "
            "print([v.get('OPTIONS', {}).get('min_length') for v in s.AUTH_PASSWORD_VALIDATORS if 'Length' in v['NAME']])")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**env, "LIANGBANG_PASSWORD_MIN_LENGTH": "14"},
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[14]", result.stderr
    refused = subprocess.run([sys.executable, "-c", "import config.settings.local"], cwd=ROOT,
                             env={**env, "LIANGBANG_PASSWORD_MIN_LENGTH": "4"}, capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode != 0 and "LIANGBANG_PASSWORD_MIN_LENGTH" in refused.stderr
