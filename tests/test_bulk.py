"""``lib.bulk``: many rows in a few statements, each row what a save would have written."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from departments.models import Organisation
from lib.bulk import insert_derived, insert_rows
from ratings.models import Rating
from tests.factories import DepartmentFactory, OrganisationFactory, PeriodFactory

pytestmark = pytest.mark.django_db


def test_inserted_rows_get_their_ids_in_order_and_one_creation_time(dept_a, town):
    period = PeriodFactory(year=2026, month=3)
    ratings = [Rating(period=period, department=dept_a, unit=town, kind="red_flag", reason=f"事由{i}")
               for i in range(3)]
    assert insert_rows(Rating, ratings, returning_ids=True) == 3
    stored = list(Rating.objects.order_by("pk").values_list("pk", "reason", "created_at"))
    assert [pk for pk, _reason, _at in stored] == [rating.pk for rating in ratings]
    assert [reason for _pk, reason, _at in stored] == ["事由0", "事由1", "事由2"]
    assert len({at for _pk, _reason, at in stored}) == 1 and stored[0][2] is not None


def test_derived_rows_copy_the_sources_and_take_the_fixed_values(db):
    units = [OrganisationFactory(code=f"B{i}", name=f"单位{i}") for i in range(2)]
    units[1].retired_on = date(2026, 6, 30)
    history = Organisation.history.model
    before = history.objects.count()

    fixed = {"history_type": "~", "history_change_reason": "批量更正", "history_date": timezone.now(),
             "history_user_id": None, "name": "统一名称"}
    assert insert_derived(history, units, fixed=fixed) == 2

    made = list(history.objects.order_by("-history_id")[:2])[::-1]
    assert history.objects.count() == before + 2
    assert [(h.id, h.code, h.name, h.history_type, h.history_change_reason) for h in made] == [
        (units[0].pk, "B0", "统一名称", "~", "批量更正"), (units[1].pk, "B1", "统一名称", "~", "批量更正")]
    assert [h.retired_on for h in made] == [None, date(2026, 6, 30)]  # NULL stays NULL; a date goes in as a date


def test_a_fixed_value_for_a_column_the_table_lacks_is_refused_before_anything_is_written(db):
    unit = DepartmentFactory()
    history = Organisation.history.model
    before = history.objects.count()
    with pytest.raises(ValueError, match="no column colour"):
        insert_derived(history, [unit], fixed={"colour": "红"})
    assert history.objects.count() == before
