"""What a new revision of a month's board changes compared with the published one
(boards/rules.py): pure, without a database, as a table."""

from __future__ import annotations

from dataclasses import replace

import pytest

from boards.rules import BoardDiff, Change, Line, board_diff

FLAG, YELLOW, RED = "red_flag", "yellow_light", "red_light"

# January as published: a red flag for 淳溪街道 by 住建局, a yellow light for 古柏街道 by 市场监管局.
TOWN_FLAG = Line(rating_id=1, unit_code="T01", department_code="ZJJ", kind=FLAG, entered_kind=FLAG, reason="主动承办疑难工单9件",
                 unit_name="淳溪街道", department_name="区住建局", criterion_code="H01", criterion_text="主动担当")
TOWN2_YELLOW = Line(rating_id=2, unit_code="T02", department_code="SCJ", kind=YELLOW, entered_kind=YELLOW,
                    reason="随意退单6件",
                    unit_name="古柏街道", department_name="区市场监管局", criterion_code="Y01", criterion_text="推诿扯皮")
TOWN3_FLAG = Line(rating_id=3, unit_code="T03", department_code="ZJJ", kind=FLAG, entered_kind=FLAG, reason="整治成效明显",
                  unit_name="东坝街道", department_name="区住建局")
PUBLISHED = (TOWN_FLAG, TOWN2_YELLOW)


def test_a_month_never_published_is_its_first_edition_and_every_line_is_new():
    diff = board_diff(published=None, proposed=PUBLISHED)
    assert diff == BoardDiff(first=True, added=PUBLISHED)
    assert not diff.same


def test_an_unchanged_board_differs_in_nothing():
    diff = board_diff(published=PUBLISHED, proposed=PUBLISHED)
    assert diff == BoardDiff(first=False) and diff.same


def test_a_rating_entered_again_with_the_same_words_is_no_change():
    # Withdrawn on review and entered again: a new id, the same line for the public.
    again = replace(TOWN2_YELLOW, rating_id=22)
    assert board_diff(published=PUBLISHED, proposed=(TOWN_FLAG, again)).same


@pytest.mark.parametrize(
    ("proposed", "added", "removed", "changed"),
    [
        pytest.param((TOWN_FLAG, TOWN2_YELLOW, TOWN3_FLAG), (TOWN3_FLAG,), (), (), id="a red flag added"),
        pytest.param((TOWN_FLAG,), (), (TOWN2_YELLOW,), (), id="a yellow light withdrawn on review"),
        pytest.param(
            (TOWN_FLAG, replace(TOWN2_YELLOW, kind=RED, escalation="serious")), (), (),
            ((TOWN2_YELLOW, ("kind", "escalation")),), id="a yellow light that caused serious impact becomes red",
        ),
        pytest.param(
            (TOWN_FLAG, replace(TOWN2_YELLOW, kind=RED, escalation="consecutive", escalated_after="2025-12")),
            (), (), ((TOWN2_YELLOW, ("kind", "escalation", "escalated_after")),),
            id="a second consecutive yellow light becomes red",
        ),
        pytest.param(
            (replace(TOWN_FLAG, reason="主动承办疑难工单12件"), TOWN2_YELLOW), (), (),
            ((TOWN_FLAG, ("reason",)),), id="the reason corrected",
        ),
        pytest.param(
            (replace(TOWN_FLAG, criterion_code="H02", criterion_text="创新突破"), TOWN2_YELLOW), (), (),
            ((TOWN_FLAG, ("criterion",)),), id="another criterion cited",
        ),
        pytest.param(
            (TOWN_FLAG, replace(TOWN2_YELLOW, rating_id=9, kind=FLAG, entered_kind=FLAG, reason="整改到位")),
            (), (), ((TOWN2_YELLOW, ("kind", "entered_kind", "reason")),), id="re-entered by the same department on the same unit",
        ),
        pytest.param(
            (TOWN_FLAG, replace(TOWN2_YELLOW, rating_id=9, department_code="ZJJ", department_name="区住建局")),
            (replace(TOWN2_YELLOW, rating_id=9, department_code="ZJJ", department_name="区住建局"),),
            (TOWN2_YELLOW,), (), id="another department's light is another line",
        ),
        pytest.param(
            (TOWN_FLAG, replace(TOWN2_YELLOW, unit_code="T03", unit_name="东坝街道")),
            (replace(TOWN2_YELLOW, unit_code="T03", unit_name="东坝街道"),), (TOWN2_YELLOW,), (),
            id="the same rating moved to another unit is removed from one and added to the other",
        ),
        pytest.param(
            (TOWN3_FLAG, replace(TOWN_FLAG, reason="改")), (TOWN3_FLAG,), (TOWN2_YELLOW,), ((TOWN_FLAG, ("reason",)),),
            id="one added, one removed, one changed at once",
        ),
    ],
)
def test_the_diff_lists_what_the_new_revision_adds_removes_and_changes(proposed, added, removed, changed):
    diff = board_diff(published=PUBLISHED, proposed=proposed)
    assert not diff.first
    assert diff.added == added
    assert diff.removed == removed
    assert [(change.before, change.fields) for change in diff.changed] == list(changed)


def test_two_lights_of_one_department_on_one_unit_pair_in_board_order():
    first = replace(TOWN2_YELLOW, rating_id=2, reason="随意退单6件")
    second = replace(TOWN2_YELLOW, rating_id=3, reason="拒不接单2件")
    # Both entered again; the second's reason corrected.
    proposed = (replace(first, rating_id=7), replace(second, rating_id=8, reason="拒不接单3件"))
    diff = board_diff(published=(first, second), proposed=proposed)
    assert diff.added == () and diff.removed == ()
    assert diff.changed == (Change(before=second, after=proposed[1], fields=("reason",)),)


def test_changes_come_in_the_new_boards_order():
    proposed = (replace(TOWN2_YELLOW, reason="甲"), replace(TOWN_FLAG, reason="乙"))
    diff = board_diff(published=PUBLISHED, proposed=proposed)
    assert [change.after.reason for change in diff.changed] == ["甲", "乙"]
