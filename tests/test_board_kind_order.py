"""红旗, 黄灯, 红灯: one order wherever the public board counts them."""

from __future__ import annotations

import re

import pytest

from tests.test_board_criteria import cited_month  # noqa: F401  (a fixture)
from tests.board_support import _board_cache  # noqa: F401

pytestmark = pytest.mark.django_db


def kinds_in_order(html: str) -> list[str]:
    """The kinds as they follow one another in the page's text, repeats folded."""
    text = re.sub(r"<[^>]+>", " ", html)
    found = re.findall(r"红旗|黄灯|红灯", text)
    return [kind for i, kind in enumerate(found) if i == 0 or found[i - 1] != kind]


@pytest.mark.parametrize("address", ["/2026/01/", "/units/", "/archive/", "/units/T01/"])
def test_every_page_counts_red_flags_then_yellow_lights_then_red_lights(cited_month, client, address, town):
    html = client.get(address.replace("T01", town.code)).content.decode()
    counts = re.search(r'<ul class="edition-counts">.*?</ul>|<thead>.*?</thead>|class="archive-counts">.*?</span>\s*</span>',
                       html, flags=re.S)

    assert counts is not None
    assert kinds_in_order(counts.group(0)) == ["红旗", "黄灯", "红灯"]
