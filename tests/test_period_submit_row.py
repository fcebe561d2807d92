"""The month's page offers 关账 (or 重新开放) and no grey 关闭 of Django's beside it:
alice is the office, leo reads."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PeriodFactory


@pytest.mark.parametrize("persona", ["alice", "leo"])
def test_the_months_page_has_no_close_link_beside_its_own_buttons(client, january, persona, request):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("admin:ratings_period_change", args=[january.pk])).content.decode()
    assert 'class="closelink"' not in page and "关闭" not in page
    if persona == "alice":
        assert "关账…" in page


def test_a_closed_months_page_offers_only_reopening(client, alice):
    closed = PeriodFactory(year=2026, month=2, status="closed")
    client.force_login(alice)
    page = client.get(reverse("admin:ratings_period_change", args=[closed.pk])).content.decode()
    assert "重新开放…" in page and 'class="closelink"' not in page


def test_a_new_month_is_still_saved_from_its_form(client, alice):
    client.force_login(alice)
    page = client.get(reverse("admin:ratings_period_add")).content.decode()
    assert 'name="_save"' in page and 'class="closelink"' not in page
