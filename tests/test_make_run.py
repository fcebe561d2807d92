"""`make run` shows what users will see in production: DEBUG off unless the developer asks
for it, the Chinese error pages, static files still served, on the port asked for."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Run under config.settings.local (what manage.py and `make run` use), in a process of its
# own, with an empty database of its own: nothing here reaches the suite's settings.
PROBE = r"""
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
out = {"debug": settings.DEBUG, "hosts": settings.ALLOWED_HOSTS}
for path in ("/static/boards/site.css", "/static/admin/css/base.css", "/no-such-page/"):
    response = client.get(path)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    out[path] = {"status": response.status_code, "body": body.decode("utf-8", "replace"),
                 "nosniff": response.get("X-Content-Type-Options"), "frame": response.get("X-Frame-Options")}
print(json.dumps(out))
"""


def local_probe(tmp_path, **env) -> dict:
    environ = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "LIANGBANG_"))}
    environ.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "LIANGBANG_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "LIANGBANG_VAR_DIR": str(tmp_path / "var"),
        **env,
    })
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=environ, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def local(tmp_path_factory) -> dict:
    return local_probe(tmp_path_factory.mktemp("local"))


def test_make_run_has_debug_off_unless_the_developer_asks(local, tmp_path):
    assert local["debug"] is False
    assert local_probe(tmp_path, DJANGO_DEBUG="true")["debug"] is True


def test_make_run_answers_on_the_loopback_addresses_with_debug_off(local):
    assert {"127.0.0.1", "localhost"} <= set(local["hosts"])


def test_make_run_serves_the_static_files_with_debug_off_without_collectstatic(local):
    for path in ("/static/boards/site.css", "/static/admin/css/base.css"):
        assert local[path]["status"] == 200, path
        assert local[path]["body"].strip(), path
        assert local[path]["nosniff"] == "nosniff"


def test_a_missing_page_under_make_run_is_the_chinese_page_users_will_see(local):
    page = local["/no-such-page/"]
    assert page["status"] == 404
    assert "页面不存在" in page["body"] and "返回效能亮榜首页" in page["body"]
    assert "Not Found" not in page["body"] and "Traceback" not in page["body"]
    assert page["frame"] == "DENY"


def make_dry_run(*args: str) -> str:
    result = subprocess.run(["make", "-n", "run", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("args, printed, served", [
    ((), "http://127.0.0.1:8000/admin/", "127.0.0.1:8000"),
    (("PORT=8001",), "http://127.0.0.1:8001/admin/", "127.0.0.1:8001"),
    (("HOST=0.0.0.0", "PORT=9000"), "http://127.0.0.1:9000/admin/", "0.0.0.0:9000"),
])
def test_make_run_prints_the_admin_address_on_the_port_it_serves(args, printed, served):
    commands = make_dry_run(*args)
    assert f"seed_demo --url {printed}" in commands
    assert f"runserver {served}" in commands
