"""Production settings: everything from the environment, refusing a missing or unsafe
value by name, and silent under ``check --deploy``. Plus the pieces a production stack
relies on and that need no server: database URLs, /healthz and queuing without a broker.

Settings are loaded in a child process: a settings module is imported once per process.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import database_from_url

ROOT = Path(__file__).resolve().parent.parent


def production_env(**changes: str | None) -> dict[str, str]:
    """A good production environment (nothing needs to answer at these addresses)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "LIANGBANG_", "CELERY_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "xnlb.example.gov.cn",
        "DATABASE_URL": "postgresql://liangbang:pw@db.internal:5432/liangbang",
        "REDIS_URL": "redis://redis.internal:6379/0",
        "DJANGO_MEDIA_ROOT": "/srv/liangbang/media",
    })
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def load_settings(*, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Import the settings module alone: what every process does first."""
    return subprocess.run([sys.executable, "-c", "import config.settings.production"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_check_deploy_reports_nothing_under_a_good_production_environment():
    result = manage("check", "--deploy", "--fail-level", "DEBUG", env=production_env())
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize("changes, named", [
    ({"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY is not set"),
    ({"DJANGO_SECRET_KEY": "insecure-local-development-key-change-me"}, "DJANGO_SECRET_KEY is the development key"),
    ({"DJANGO_SECRET_KEY": "short-secret"}, "DJANGO_SECRET_KEY is too weak"),
    ({"DJANGO_DEBUG": "true"}, "DJANGO_DEBUG is on"),
    ({"DJANGO_ALLOWED_HOSTS": None}, "DJANGO_ALLOWED_HOSTS is not set"),
    ({"DJANGO_ALLOWED_HOSTS": "*"}, "DJANGO_ALLOWED_HOSTS contains '*'"),
    ({"DATABASE_URL": None}, "DATABASE_URL is not set"),
    ({"DATABASE_URL": "sqlite:////srv/liangbang/db.sqlite3"}, "DATABASE_URL must name a PostgreSQL database"),
    ({"DATABASE_URL": "mysql://db/liangbang"}, "Unexpected value DATABASE_URL"),
    ({"REDIS_URL": None}, "REDIS_URL is not set"),
    ({"REDIS_URL": None, "CELERY_BROKER_URL": "memory://"}, "CELERY_BROKER_URL is memory://"),
    ({"DJANGO_MEDIA_ROOT": None}, "DJANGO_MEDIA_ROOT is not set"),
    ({"DJANGO_EMAIL_HOST": "smtp.example.gov.cn"}, "DJANGO_DEFAULT_FROM_EMAIL is not set"),
])
def test_production_refuses_to_start_with_a_missing_or_unsafe_value_and_names_it(changes, named):
    result = load_settings(env=production_env(**changes))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and named in result.stderr


def test_the_broker_may_be_named_celery_broker_url_instead_of_redis_url():
    result = load_settings(env=production_env(REDIS_URL=None, CELERY_BROKER_URL="redis://10.0.0.5:6379/1"))
    assert result.returncode == 0, result.stderr


def test_plain_http_is_allowed_for_a_loopback_demonstration_and_check_deploy_says_so():
    result = manage("check", "--deploy", env=production_env(DJANGO_HTTPS="false"))
    assert result.returncode == 0, result.stderr  # warnings only
    assert "security.W008" in result.stderr and "security.W012" in result.stderr


def test_production_keeps_cookies_secure_and_counts_logins_by_the_address_nginx_saw():
    code = ("import config.settings.production as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
            "s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, s.SESSION_COOKIE_AGE, "
            "s.SESSION_EXPIRE_AT_BROWSER_CLOSE, s.SECURE_HSTS_SECONDS, s.TRUSTED_PROXIES, s.AXES_ENABLED)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=production_env(LIANGBANG_SESSION_HOURS="4"),
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["True", "True", "True", "True", "Lax", "14400", "True", "31536000", "1", "True"], \
        result.stderr


# Database URLs ----------------------------------------------------------------------------


@pytest.mark.parametrize("url, expected", [
    ("postgresql://liangbang:p%40ss@10.0.0.4:5433/xnlb?sslmode=require",
     {"NAME": "xnlb", "USER": "liangbang", "PASSWORD": "p@ss", "HOST": "10.0.0.4", "PORT": "5433",
      "OPTIONS": {"sslmode": "require"}}),
    ("postgres://postgres@%2Frun%2FPostgreSQL/xnlb", {"HOST": "/run/PostgreSQL", "PORT": "", "USER": "postgres"}),
    ("postgresql:///xnlb?host=/var/run/postgresql", {"HOST": "/var/run/postgresql", "OPTIONS": {}}),
    ("postgresql://u@[::1]:5432/xnlb", {"HOST": "::1", "PORT": "5432"}),
    ("sqlite:////srv/liangbang/db.sqlite3", {"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/liangbang/db.sqlite3"}),
])
def test_a_database_url_becomes_a_databases_entry(url, expected):
    entry = database_from_url(url)
    assert {key: entry[key] for key in expected} == expected


@pytest.mark.parametrize("url", ["mysql://db/x", "postgresql://db:5432/", "postgresql://db:port/x", "sqlite://"])
def test_a_database_url_that_is_not_one_is_refused_by_name(url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        database_from_url(url)


# /healthz ---------------------------------------------------------------------------------


def test_health_reports_the_database_and_in_process_tasks_without_a_login(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["broker"] == {**body["checks"]["broker"], "ok": True,
                                                                              "mode": "in-process"}


def test_health_is_503_when_the_broker_is_unreachable_and_gives_away_no_address(client, db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://:s3cret@127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail" and body["checks"]["database"]["ok"]
    assert body["checks"]["broker"]["ok"] is False and body["checks"]["broker"]["error"]
    assert "s3cret" not in response.content.decode() and "127.0.0.1" not in response.content.decode()


# Queuing without a broker -----------------------------------------------------------------


def test_queuing_without_a_broker_is_refused_with_a_message_for_the_office():
    from celery import Celery

    from config.queue import QueueUnavailable, enqueue

    app = Celery("unreachable", broker="redis://127.0.0.1:1/0", set_as_current=False)
    app.conf.task_publish_retry_policy = {"max_retries": 0}

    @app.task(name="unreachable.noop")
    def noop() -> None:
        pass

    with pytest.raises(QueueUnavailable, match="任务队列（Redis）暂时无法连接"):
        enqueue(noop, args=[])
