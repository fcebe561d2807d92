"""The demo ships consistent: after `seed_demo`, the office publishes last year's year
table as it is, through the service the admin's 发布 uses, with nothing to redo first."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from boards import services as board_services
from boards.models import Edition, PublishedYear
from ratings import services
from ratings.demo import OFFICE_USERNAME
from ratings.models import Period
from tests.factories import default_jurisdiction

pytestmark = pytest.mark.django_db


def test_last_years_table_is_published_as_make_run_leaves_the_demo():
    call_command("seed_demo", stdout=StringIO())
    # `make run` publishes the pending months next: the demo has left none.
    out = StringIO()
    call_command("publish_board", pending=True, stdout=out)
    assert "没有已关账、尚未发布的月份" in out.getvalue()
    jurisdiction = default_jurisdiction()
    last_year = services.today().year - 1
    office = User.objects.get(username=OFFICE_USERNAME)

    result = board_services.year_publish(jurisdiction=jurisdiction, year=last_year, by=office)

    assert result.created and result.table.revision == 1
    assert PublishedYear.objects.get(jurisdiction=jurisdiction, year=last_year).rows
    # Every month the table counts has its published board, as the rule requires.
    assert Edition.objects.filter(jurisdiction=jurisdiction, year=last_year).count() == 12
    assert not Period.objects.filter(jurisdiction=jurisdiction, status=Period.Status.CLOSED).exists()
