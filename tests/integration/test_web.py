"""gunicorn with several workers under the production settings, on PostgreSQL and Redis:
what a load balancer, a browser and the office see."""

from __future__ import annotations

import json
import re

from tests.integration.conftest import integration

pytestmark = integration


def test_health_over_gunicorn_reports_postgresql_and_redis(web, redis):
    status, headers, body = web.get("/healthz")
    assert status == 200 and headers["Content-Type"] == "application/json"
    checks = json.loads(body)["checks"]
    assert checks["database"] == {**checks["database"], "ok": True, "vendor": "postgresql"}
    assert checks["broker"] == {**checks["broker"], "ok": True, "mode": "redis"}


def test_health_over_gunicorn_is_503_while_redis_is_down(web, redis):
    redis.stop()
    status, _, body = web.get("/healthz")
    assert status == 503
    assert json.loads(body)["checks"]["broker"]["ok"] is False
    redis.start()
    assert web.get("/healthz")[0] == 200


def test_the_admin_login_is_served_with_hashed_compressed_static_files(web):
    status, _, body = web.get("/admin/login/")
    assert status == 200 and "效能亮榜" in body.decode()
    stylesheet = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', body.decode())
    assert stylesheet, "the manifest storage names files by their content"
    status, headers, css = web.get(stylesheet.group(1))
    assert status == 200 and b"body" in css
    assert "immutable" in headers["Cache-Control"]  # whitenoise: cached for ever, the name changes with the content


def test_an_unknown_host_is_refused(web):
    import urllib.request

    request = urllib.request.Request(web.url("/admin/login/"), headers={"Host": "evil.example.com"})
    try:
        urllib.request.urlopen(request, timeout=10)
    except urllib.error.HTTPError as error:
        assert error.code == 400
    else:
        raise AssertionError("a request for another host was answered")
