"""The rules of casework (问题交办), as tables (no database).

The deadlines use the real official calendar of the ``chinesecalendar`` package, through
the pure counting of ``workdays.rules``; every expected date below is worked out by hand
in a comment, not computed by the code under test.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from decimal import Decimal

import chinese_calendar
import pytest

from casework import rules
from casework.rules import (
    ACKNOWLEDGE, ACKNOWLEDGED, ANSWERED, ASSIGNED, CLOSE, CLOSE_NOT_RECTIFIED, CLOSED, CO, ISSUED, LEAD, MERGED, NEW,
    NOT_RECTIFIED, NOTE, OFFICE, OTHER, PAUSE, REJECTED, REPLIED, REPLY, RESUME, RETURN, RETURNED, FormRefusal, Pause,
    Timing, TriageRefusal,
)
from workdays.rules import add_working_days, working_days_between

D = dt.date


def official(day: dt.date) -> bool:
    return chinese_calendar.is_workday(day)


def add(start: dt.date, n: int) -> dt.date:
    return add_working_days(start, n, official)


def between(start: dt.date, end: dt.date) -> int:
    return working_days_between(start, end, official)


# 1. The life of a form ---------------------------------------------------------------------

OPEN = {ISSUED, ACKNOWLEDGED, REPLIED, RETURNED}
ACTORS = (OFFICE, LEAD, CO, OTHER)

# Written from the issue, not read back from rules.TRANSITIONS:
# action → (who may, from which states, the state after; None keeps the state).
ALLOWED: dict[str, tuple[set[str], set[str], str | None]] = {
    # The lead unit acknowledges an issued form.
    ACKNOWLEDGE: ({LEAD}, {ISSUED}, ACKNOWLEDGED),
    # The lead unit replies once it has acknowledged, or again after a return.
    REPLY: ({LEAD}, {ACKNOWLEDGED, RETURNED}, REPLIED),
    # The office returns or closes (销号) a replied form.
    RETURN: ({OFFICE}, {REPLIED}, RETURNED),
    CLOSE: ({OFFICE}, {REPLIED}, CLOSED),
    # The office may close any open form as not rectified.
    CLOSE_NOT_RECTIFIED: ({OFFICE}, OPEN, NOT_RECTIFIED),
    # The office pauses a running open form and resumes a paused one.
    PAUSE: ({OFFICE}, OPEN, None),
    RESUME: ({OFFICE}, OPEN, None),
    # Office, lead and co-units add notes to open forms.
    NOTE: ({OFFICE, LEAD, CO}, OPEN, None),
}
# Nothing is done to a closed form: CLOSED and NOT_RECTIFIED are in no "from" set above.
# A paused clock stops nothing but a second pause: the unit may still acknowledge and reply.


def expected_refusal(action: str, actor: str, state: str, paused: bool) -> FormRefusal | None:
    """What the person is told first: who they are, then the state, then the pause."""
    who, sources, _after = ALLOWED[action]
    if actor not in who:
        return FormRefusal.NOT_ALLOWED
    if state not in sources:
        return FormRefusal.WRONG_STATE
    if action == PAUSE and paused:
        return FormRefusal.PAUSED
    if action == RESUME and not paused:
        return FormRefusal.NOT_PAUSED
    return None


EVERY_STEP = [
    pytest.param(action, actor, state, paused,
                 id=f"{actor} {action} on {state} {'paused' if paused else 'running'}")
    for action, actor, state, paused in itertools.product(rules.ACTIONS, ACTORS, rules.FORM_STATES, (False, True))
]
ALLOWED_STEPS = [p for p in EVERY_STEP if expected_refusal(*p.values) is None]


def test_the_table_of_allowed_steps_names_every_action_and_state():
    # A new action or state must be added to the hand-written table above, not slip by.
    assert set(rules.ACTIONS) == set(ALLOWED)
    assert set(rules.FORM_STATES) == OPEN | {CLOSED, NOT_RECTIFIED}
    assert set(rules.OPEN_STATES) == OPEN
    # acknowledge 2, reply 4, return 2, close 2, close as not rectified 8, pause 4, resume 4, note 24.
    assert len(ALLOWED_STEPS) == 50


@pytest.mark.parametrize(("action", "actor", "state", "paused"), EVERY_STEP)
def test_each_person_may_take_only_the_steps_the_form_allows(action, actor, state, paused):
    got = rules.form_refusal(action=action, actor=actor, state=state, paused=paused, text="理由")
    assert got == expected_refusal(action, actor, state, paused)


@pytest.mark.parametrize(("action", "actor", "state", "paused"), ALLOWED_STEPS)
def test_an_allowed_step_moves_the_form_to_the_state_the_issue_names(action, actor, state, paused):
    after = ALLOWED[action][2]
    assert rules.next_state(action, state) == (state if after is None else after)


def test_the_table_allows_what_the_issue_says_in_so_many_words():
    # A few rows read out, so the derived table above cannot drift into allowing nothing.
    assert rules.form_refusal(action=ACKNOWLEDGE, actor=LEAD, state=ISSUED, paused=True) is None
    assert rules.form_refusal(action=REPLY, actor=LEAD, state=RETURNED, paused=True, text="已整改") is None
    assert rules.form_refusal(action=CLOSE, actor=OFFICE, state=REPLIED, paused=False) is None
    assert rules.form_refusal(action=NOTE, actor=CO, state=ACKNOWLEDGED, paused=False, text="已配合") is None
    assert rules.form_refusal(action=REPLY, actor=CO, state=ACKNOWLEDGED, paused=False) == FormRefusal.NOT_ALLOWED
    assert rules.form_refusal(action=CLOSE, actor=OFFICE, state=ACKNOWLEDGED, paused=False) == FormRefusal.WRONG_STATE
    assert rules.form_refusal(action=NOTE, actor=OFFICE, state=CLOSED, paused=False) == FormRefusal.WRONG_STATE
    assert rules.form_refusal(action=PAUSE, actor=OFFICE, state=ISSUED, paused=True, text="等待") == FormRefusal.PAUSED
    assert rules.form_refusal(action=RESUME, actor=OFFICE, state=ISSUED, paused=False) == FormRefusal.NOT_PAUSED


TEXT_STEPS = [
    pytest.param(REPLY, LEAD, ACKNOWLEDGED, False, id="the lead unit's reply"),
    pytest.param(RETURN, OFFICE, REPLIED, False, id="the office's return"),
    pytest.param(CLOSE_NOT_RECTIFIED, OFFICE, RETURNED, False, id="a close as not rectified"),
    pytest.param(PAUSE, OFFICE, ISSUED, False, id="a pause"),
    pytest.param(NOTE, CO, REPLIED, True, id="a co-unit's note"),
]


@pytest.mark.parametrize("text", ["", "   ", "\t\n", "\u3000\u3000"], ids=["empty", "spaces", "tab and newline",
                                                                          "full-width spaces"])
@pytest.mark.parametrize(("action", "actor", "state", "paused"), TEXT_STEPS)
def test_a_step_that_needs_text_is_refused_without_it(action, actor, state, paused, text):
    got = rules.form_refusal(action=action, actor=actor, state=state, paused=paused, text=text)
    assert got == FormRefusal.TEXT_REQUIRED


@pytest.mark.parametrize(("action", "actor", "state", "paused"), TEXT_STEPS)
def test_a_step_that_needs_text_is_allowed_with_it(action, actor, state, paused):
    assert rules.form_refusal(action=action, actor=actor, state=state, paused=paused, text=" 已核实 ") is None


@pytest.mark.parametrize(("action", "actor", "state", "paused"), [
    pytest.param(ACKNOWLEDGE, LEAD, ISSUED, False, id="acknowledging"),
    pytest.param(CLOSE, OFFICE, REPLIED, False, id="closing as rectified"),
    pytest.param(RESUME, OFFICE, ACKNOWLEDGED, True, id="resuming"),
])
def test_a_step_that_needs_no_text_is_allowed_without_it(action, actor, state, paused):
    assert rules.form_refusal(action=action, actor=actor, state=state, paused=paused, text="") is None


@pytest.mark.parametrize(("action", "actor", "state", "paused", "expected"), [
    pytest.param(REPLY, OTHER, ACKNOWLEDGED, False, FormRefusal.NOT_ALLOWED, id="who comes before the text"),
    pytest.param(REPLY, LEAD, ISSUED, False, FormRefusal.WRONG_STATE, id="the state comes before the text"),
    pytest.param(PAUSE, OFFICE, REPLIED, True, FormRefusal.PAUSED, id="the pause comes before the text"),
    pytest.param(CLOSE, LEAD, CLOSED, False, FormRefusal.NOT_ALLOWED, id="who comes before the state"),
])
def test_a_missing_text_is_told_last(action, actor, state, paused, expected):
    assert rules.form_refusal(action=action, actor=actor, state=state, paused=paused, text="") == expected


@pytest.mark.parametrize("action", ["delete", "", "ACKNOWLEDGE", "issue"])
@pytest.mark.parametrize("actor", ACTORS)
def test_an_unknown_action_is_refused_as_unknown_for_anyone(action, actor):
    assert rules.form_refusal(action=action, actor=actor, state=ISSUED, paused=False) == FormRefusal.UNKNOWN_ACTION


@pytest.mark.parametrize(("actor", "state", "paused", "expected"), [
    pytest.param(LEAD, ISSUED, False, [ACKNOWLEDGE, NOTE], id="the lead unit on an issued form"),
    pytest.param(LEAD, ACKNOWLEDGED, True, [REPLY, NOTE], id="the lead unit replies while the clock is paused"),
    pytest.param(LEAD, REPLIED, False, [NOTE], id="the lead unit waits on a replied form"),
    pytest.param(OFFICE, REPLIED, False, [RETURN, CLOSE, CLOSE_NOT_RECTIFIED, PAUSE, NOTE],
                 id="the office on a replied running form"),
    pytest.param(OFFICE, REPLIED, True, [RETURN, CLOSE, CLOSE_NOT_RECTIFIED, RESUME, NOTE],
                 id="the office on a replied paused form"),
    pytest.param(OFFICE, ISSUED, False, [CLOSE_NOT_RECTIFIED, PAUSE, NOTE], id="the office on an issued form"),
    pytest.param(CO, RETURNED, False, [NOTE], id="a co-unit only notes"),
    pytest.param(OTHER, ISSUED, False, [], id="anyone else does nothing"),
    pytest.param(OFFICE, CLOSED, False, [], id="nothing is done to a closed form"),
    pytest.param(LEAD, NOT_RECTIFIED, True, [], id="nothing is done to a form closed as not rectified"),
])
def test_the_actions_offered_are_those_allowed_now_in_the_table_order(actor, state, paused, expected):
    assert rules.actions_for(actor=actor, state=state, paused=paused) == expected


# 2. Deadlines across holidays and 调休 days ----------------------------------------------------

@pytest.mark.parametrize(("day", "working"), [
    # National Day 2024: 1–7 October off; Sunday 29 September and Saturday 12 October worked.
    (D(2024, 9, 28), False), (D(2024, 9, 29), True), (D(2024, 10, 1), False), (D(2024, 10, 7), False),
    (D(2024, 10, 8), True), (D(2024, 10, 12), True),
    # Spring Festival 2025: 28 January–4 February off; Sunday 26 January and Saturday 8 February worked.
    (D(2025, 1, 25), False), (D(2025, 1, 26), True), (D(2025, 1, 28), False), (D(2025, 2, 4), False),
    (D(2025, 2, 5), True), (D(2025, 2, 8), True),
])
def test_the_official_calendar_has_the_holidays_the_hand_worked_cases_rely_on(day, working):
    assert official(day) is working


@pytest.mark.parametrize(("issued_on", "days", "expected"), [
    # Fri 27 Sep 2024: Sat 28 off; Sun 29 调休 (1); Mon 30 (2); 1–7 Oct off; Tue 8 (3), Wed 9 (4),
    # Thu 10 (5). A weekday-only count would wrongly give Fri 4 Oct, in the middle of the holiday.
    pytest.param(D(2024, 9, 27), 5, D(2024, 10, 10), id="five days over National Day 2024 end on 10 October"),
    # …then Fri 11 (6), Sat 12 调休 (7), Mon 14 (8), Tue 15 (9), Wed 16 (10).
    pytest.param(D(2024, 9, 27), 10, D(2024, 10, 16), id="ten days count the make-up Saturday 12 October"),
    # Sat 12 Oct is itself worked: one day after Fri 11 is Sat 12.
    pytest.param(D(2024, 10, 11), 1, D(2024, 10, 12), id="the day after Friday 11 October is the make-up Saturday"),
    # Fri 24 Jan 2025: Sat 25 off; Sun 26 调休 (1); Mon 27 (2); 28 Jan–4 Feb off; Wed 5 (3), Thu 6 (4), Fri 7 (5).
    pytest.param(D(2025, 1, 24), 5, D(2025, 2, 7), id="five days over Spring Festival 2025 end on 7 February"),
    # …and the sixth is Sat 8 Feb, a make-up working day.
    pytest.param(D(2025, 1, 24), 6, D(2025, 2, 8), id="the sixth day is the make-up Saturday 8 February"),
    # Mon 27 Jan 2025 is the last working day before the festival: the next is Wed 5 Feb.
    pytest.param(D(2025, 1, 27), 1, D(2025, 2, 5), id="one day from the eve of the festival skips all of it"),
    # Mon 3 Mar 2025, an ordinary fortnight: Tue 4 … Fri 7 (4), Mon 10 … Fri 14 (9), Mon 17 (10).
    pytest.param(D(2025, 3, 3), 10, D(2025, 3, 17), id="ten days in an ordinary fortnight skip two weekends"),
])
def test_the_due_date_counts_working_days_on_the_official_calendar(issued_on, days, expected):
    got = rules.due_date(issued_on=issued_on, days=days, pauses=[], today=issued_on, add=add, between=between)
    assert got == expected


# A form issued on Mon 3 Mar 2025 with 10 working days is due on Mon 17 Mar without pauses.
@pytest.mark.parametrize(("pauses", "today", "expected"), [
    pytest.param([Pause(D(2025, 3, 8), D(2025, 3, 9))], D(2025, 3, 20), D(2025, 3, 17),
                 id="a pause over a weekend adds nothing"),
    # Paused Fri 7, resumed Sun 9: the days after the first up to the last are Sat and Sun.
    pytest.param([Pause(D(2025, 3, 7), D(2025, 3, 9))], D(2025, 3, 20), D(2025, 3, 17),
                 id="a pause from Friday resumed on Sunday adds nothing"),
    # Paused Fri 7, resumed Mon 10: the last day counts as paused (the docstring's rule): +1.
    pytest.param([Pause(D(2025, 3, 7), D(2025, 3, 10))], D(2025, 3, 20), D(2025, 3, 18),
                 id="a pause from Friday resumed on Monday adds Monday"),
    # Paused Fri 7, resumed Tue 11: Mon 10 and Tue 11, +2 → 12 days → Wed 19.
    pytest.param([Pause(D(2025, 3, 7), D(2025, 3, 11))], D(2025, 3, 20), D(2025, 3, 19),
                 id="a pause of two working days adds two"),
    pytest.param([Pause(D(2025, 3, 5), D(2025, 3, 5))], D(2025, 3, 20), D(2025, 3, 17),
                 id="a pause resumed the same day adds nothing"),
    # Tue 4 → Wed 5 (1) and Mon 10 → Wed 12 (Tue 11, Wed 12: 2): +3 → 13 days → Thu 20.
    pytest.param([Pause(D(2025, 3, 4), D(2025, 3, 5)), Pause(D(2025, 3, 10), D(2025, 3, 12))], D(2025, 3, 20),
                 D(2025, 3, 20), id="two pauses add up"),
    # Still paused since Fri 7, today Wed 12: Mon 10, Tue 11, Wed 12 → +3 → Thu 20.
    pytest.param([Pause(D(2025, 3, 7), None)], D(2025, 3, 12), D(2025, 3, 20),
                 id="an open pause counts up to today"),
    # Still paused since Fri 7, today Sat 8: nothing yet.
    pytest.param([Pause(D(2025, 3, 7), None)], D(2025, 3, 8), D(2025, 3, 17),
                 id="an open pause adds nothing while only a weekend has passed"),
])
def test_paused_working_days_are_added_to_the_deadline(pauses, today, expected):
    got = rules.due_date(issued_on=D(2025, 3, 3), days=10, pauses=pauses, today=today, add=add, between=between)
    assert got == expected


def test_a_pause_across_the_golden_week_adds_only_its_working_days():
    # Issued Fri 27 Sep 2024, 5 days (due Thu 10 Oct). Paused Mon 30 Sep, resumed Tue 8 Oct:
    # after the first day up to the last, 1–7 Oct are off and only Tue 8 counts: +1 → Fri 11 Oct.
    pauses = [Pause(D(2024, 9, 30), D(2024, 10, 8))]
    assert rules.paused_working_days(pauses, today=D(2024, 10, 20), between=between) == 1
    got = rules.due_date(issued_on=D(2024, 9, 27), days=5, pauses=pauses, today=D(2024, 10, 20), add=add,
                         between=between)
    assert got == D(2024, 10, 11)


def test_an_open_pause_over_the_spring_festival_counts_the_make_up_saturday():
    # Paused Mon 27 Jan 2025, still paused on Sat 8 Feb: 28 Jan–4 Feb off, then Wed 5, Thu 6, Fri 7
    # and the 调休 Sat 8 → 4 working days.
    assert rules.paused_working_days([Pause(D(2025, 1, 27), None)], today=D(2025, 2, 8), between=between) == 4


DUE = D(2025, 3, 17)  # a Monday


@pytest.mark.parametrize(("state", "paused", "today", "closed_on", "expected"), [
    # Wed 12 Mar: Thu 13, Fri 14, Mon 17 are left.
    pytest.param(REPLIED, False, D(2025, 3, 12), None, Timing(DUE, False, False, False, 0, 3),
                 id="an open running form has working days left"),
    pytest.param(ISSUED, False, D(2025, 3, 14), None, Timing(DUE, False, False, False, 0, 1),
                 id="on the Friday before a Monday deadline one day is left"),
    pytest.param(ISSUED, False, D(2025, 3, 15), None, Timing(DUE, False, False, False, 0, 1),
                 id="on the Saturday before it one day is still left"),
    pytest.param(ACKNOWLEDGED, False, DUE, None, Timing(DUE, False, False, False, 0, 0),
                 id="on the due date nothing is left and nothing is overdue"),
    # Thu 20 Mar: Tue 18, Wed 19, Thu 20 past the due date.
    pytest.param(RETURNED, False, D(2025, 3, 20), None, Timing(DUE, False, True, True, 3, None),
                 id="an open form past its due date is overdue by working days"),
    pytest.param(RETURNED, True, D(2025, 3, 12), None, Timing(DUE, True, False, False, 0, None),
                 id="a paused form shows no days left"),
    pytest.param(CLOSED, False, D(2025, 3, 20), D(2025, 3, 14), Timing(DUE, False, False, False, 0, None),
                 id="a form closed before its due date is on time"),
    pytest.param(CLOSED, False, D(2025, 3, 20), DUE, Timing(DUE, False, False, False, 0, None),
                 id="a form closed on its due date is on time"),
    # Closed Wed 19: Tue 18 and Wed 19 late.
    pytest.param(CLOSED, False, D(2025, 3, 25), D(2025, 3, 19), Timing(DUE, False, False, True, 2, None),
                 id="a form closed after its due date is late by working days"),
    pytest.param(NOT_RECTIFIED, False, D(2025, 3, 25), D(2025, 3, 18), Timing(DUE, False, False, True, 1, None),
                 id="a form closed as not rectified after its due date is late"),
    pytest.param(CLOSED, True, D(2025, 3, 20), D(2025, 3, 14), Timing(DUE, False, False, False, 0, None),
                 id="a closed form is never shown paused"),
    # Closed without a date: it is judged as of today (Fri 21: Tue 18 … Fri 21, 4 late).
    pytest.param(CLOSED, False, D(2025, 3, 21), None, Timing(DUE, False, False, True, 4, None),
                 id="a closed form without a closing date is judged as of today"),
])
def test_timing_tells_whether_a_form_is_on_time(state, paused, today, closed_on, expected):
    got = rules.timing(state=state, due=DUE, paused=paused, today=today, closed_on=closed_on, between=between)
    assert got == expected


@pytest.mark.parametrize(("due", "today", "closed_on", "state", "days_overdue", "days_left"), [
    # Due Mon 30 Sep 2024, today Tue 8 Oct: eight calendar days, but only Tue 8 is a working day.
    pytest.param(D(2024, 9, 30), D(2024, 10, 8), None, ISSUED, 1, None,
                 id="overdue over the golden week by one working day only"),
    # Today Mon 30 Sep, due Thu 10 Oct: Tue 8, Wed 9, Thu 10 are left.
    pytest.param(D(2024, 10, 10), D(2024, 9, 30), None, ACKNOWLEDGED, 0, 3,
                 id="days left over the golden week count only working days"),
    # Due Mon 27 Jan 2025, closed Sat 8 Feb: Wed 5, Thu 6, Fri 7 and the 调休 Sat 8 → 4 late.
    pytest.param(D(2025, 1, 27), D(2025, 2, 10), D(2025, 2, 8), CLOSED, 4, None,
                 id="closed late over the Spring Festival counting the make-up Saturday"),
])
def test_days_overdue_and_left_are_working_days_across_holidays(due, today, closed_on, state, days_overdue,
                                                                 days_left):
    got = rules.timing(state=state, due=due, paused=False, today=today, closed_on=closed_on, between=between)
    assert (got.days_overdue, got.days_left) == (days_overdue, days_left)


@pytest.mark.parametrize(("state", "paused", "today", "remind_days", "expected"), [
    pytest.param(ISSUED, False, D(2025, 3, 12), 2, False, id="three days left is not soon with two to remind"),
    pytest.param(ISSUED, False, D(2025, 3, 13), 2, True, id="two days left is soon with two to remind"),
    pytest.param(ISSUED, False, DUE, 2, True, id="the due date itself is soon"),
    pytest.param(ISSUED, False, DUE, 0, True, id="the due date is soon even with no days to remind"),
    pytest.param(ISSUED, False, D(2025, 3, 14), 0, False, id="one day left is not soon with no days to remind"),
    pytest.param(ISSUED, True, DUE, 2, False, id="a paused form is not due soon"),
    pytest.param(ISSUED, False, D(2025, 3, 18), 2, False, id="an overdue form is no longer due soon"),
    pytest.param(CLOSED, False, DUE, 2, False, id="a closed form is not due soon"),
])
def test_a_form_is_due_soon_only_while_it_runs_within_the_reminder(state, paused, today, remind_days, expected):
    t = rules.timing(state=state, due=DUE, paused=paused, today=today, closed_on=DUE if state == CLOSED else None,
                     between=between)
    assert rules.due_soon(t, remind_days=remind_days) is expected


# 3. Honest rates ----------------------------------------------------------------------------

ON_TIME = Timing(DUE, False, False, False, 0, None)
LATE = Timing(DUE, False, False, True, 2, None)
RUNNING = Timing(DUE, False, False, False, 0, 3)
OVERDUE = Timing(DUE, False, True, True, 3, None)
PAUSED = Timing(DUE, True, False, False, 0, None)


def test_ten_forms_give_the_hand_worked_on_time_rate():
    # Due Mon 17 Mar 2025 (no. 9: Tue 25 Mar), counted on Thu 20 Mar.
    today = D(2025, 3, 20)
    forms = [
        (CLOSED, D(2025, 3, 10), DUE, False),  # 1: closed on time
        (CLOSED, DUE, DUE, False),  # 2: closed on its due date, on time
        (CLOSED, D(2025, 3, 14), DUE, False),  # 3: closed on time
        (CLOSED, D(2025, 3, 18), DUE, False),  # 4: closed late
        (NOT_RECTIFIED, D(2025, 3, 12), DUE, False),  # 5: closed in time, but not rectified: never on time
        (NOT_RECTIFIED, D(2025, 3, 19), DUE, False),  # 6: closed late, not rectified
        (REPLIED, None, DUE, False),  # 7: open, overdue
        (ISSUED, None, DUE, False),  # 8: open, overdue
        (ACKNOWLEDGED, None, D(2025, 3, 25), False),  # 9: open, running
        (RETURNED, None, DUE, True),  # 10: open, paused
    ]
    counted = rules.rates(
        (state, rules.timing(state=state, due=due, paused=paused, today=today, closed_on=closed_on, between=between))
        for state, closed_on, due, paused in forms
    )
    assert counted == rules.Rates(issued=10, open=4, closed=6, closed_on_time=3, not_rectified=2, open_overdue=2)
    # 3 on time ÷ (6 closed + 2 open and overdue) = 3/8 = 37.5 %.
    assert counted.on_time_rate == Decimal("37.5")


@pytest.mark.parametrize(("forms", "expected"), [
    pytest.param([], None, id="no forms give no rate"),
    pytest.param([(ISSUED, RUNNING), (RETURNED, PAUSED)], None, id="only forms still in time give no rate"),
    pytest.param([(ISSUED, OVERDUE)], Decimal("0.0"), id="an open overdue form counts against the rate"),
    pytest.param([(NOT_RECTIFIED, ON_TIME)], Decimal("0.0"), id="a close as not rectified is never on time"),
    pytest.param([(CLOSED, LATE), (CLOSED, ON_TIME)], Decimal("50.0"), id="a late close is not on time"),
    pytest.param([(CLOSED, ON_TIME)], Decimal("100.0"), id="all on time is a hundred"),
    pytest.param([(CLOSED, ON_TIME), (CLOSED, LATE), (ISSUED, OVERDUE)], Decimal("33.3"), id="a third has one decimal"),
    pytest.param([(CLOSED, ON_TIME), (CLOSED, ON_TIME), (REPLIED, OVERDUE)], Decimal("66.7"),
                 id="two thirds round up"),
    pytest.param([(CLOSED, ON_TIME), (ISSUED, RUNNING), (ACKNOWLEDGED, PAUSED)], Decimal("100.0"),
                 id="forms still in time stay out of the rate"),
])
def test_the_on_time_rate_counts_closed_and_overdue_forms(forms, expected):
    assert rules.rates(forms).on_time_rate == expected


def test_the_on_time_rate_is_shown_with_exactly_one_decimal():
    assert str(rules.rates([(CLOSED, ON_TIME)]).on_time_rate) == "100.0"
    assert str(rules.rates([(CLOSED, ON_TIME), (CLOSED, LATE), (ISSUED, OVERDUE)]).on_time_rate) == "33.3"


def test_a_rate_halfway_between_two_decimals_rounds_half_up_as_on_paper():
    # 5 on time of 16 = 31.25 %: the office's spreadsheet and the project (assessment.rules:
    # "half up, never banker's rounding") show 31.3; the default quantize gives 31.2.
    forms = [(CLOSED, ON_TIME)] * 5 + [(CLOSED, LATE)] * 11
    assert rules.rates(forms).on_time_rate == Decimal("31.3")


# 4. Personal data in public text ---------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("请联系13812345678核实", ["13812345678"], id="a mobile number"),
    pytest.param("办公电话025-84561234", ["025-84561234"], id="a landline with a dash"),
    pytest.param("办公电话02584561234", ["02584561234"], id="a landline without a dash"),
    pytest.param("身份证号32010619900101123X，已核实", ["32010619900101123X"], id="an ID card number ending in X"),
    pytest.param("身份证号32010619900101123x", ["32010619900101123x"], id="an ID card number ending in a small x"),
    pytest.param("邮箱：zhang.san@example.com。", ["zhang.san@example.com"], id="an e-mail address"),
    pytest.param("张三，32010619900101123X，13812345678，025-84561234，li_si@163.com",
                 ["32010619900101123X", "13812345678", "025-84561234", "li_si@163.com"], id="all four at once"),
    pytest.param("电话13812345678，再次确认13812345678", ["13812345678"], id="a number repeated is named once"),
])
def test_personal_data_in_public_text_is_found(text, expected):
    assert rules.personal_data_found(text) == expected


def test_an_id_card_number_is_not_also_reported_as_a_phone_number():
    # The ID holds a run "13800000000…": only the whole ID is named.
    assert rules.personal_data_found("身份证320106138000000001") == ["320106138000000001"]


@pytest.mark.parametrize("text", [
    pytest.param("2026年3月5日群众反映窗口推诿", id="a date in Chinese"),
    pytest.param("2026-03-05上午", id="a date with dashes"),
    pytest.param("退还多收费用12345元", id="an amount of five digits"),
    pytest.param("该问题已通过12345热线转办", id="the 12345 hotline"),
    pytest.param("根据镇效交〔2026〕12号交办单", id="a form number"),
    pytest.param("", id="nothing"),
    pytest.param("2026年3月5日，镇效交〔2026〕12号，退还12345元，12345热线回访满意", id="all of them together"),
])
def test_text_without_personal_data_is_not_flagged(text):
    assert rules.personal_data_found(text) == []


@pytest.mark.parametrize(("text", "digits"), [
    pytest.param("请拨打138-1234-5678咨询", "13812345678", id="a mobile written with dashes"),
    pytest.param("请拨打138 1234 5678咨询", "13812345678", id="a mobile written with spaces"),
    pytest.param("请拨打+8613812345678咨询", "13812345678", id="a mobile with the country code"),
    pytest.param("电话(025)84561234", "02584561234", id="a landline with the area code in brackets"),
    pytest.param("电话025 84561234", "02584561234", id="a landline with a space"),
])
def test_phone_numbers_as_people_write_them_are_found(text, digits):
    # A public reply with "138 1234 5678" in it would go out: these are the forms people
    # write. One piece is named, taken from the text, holding the whole number.
    found = rules.personal_data_found(text)
    assert len(found) == 1, found
    assert found[0] in text
    assert digits in re.sub(r"\D", "", found[0])


def test_an_e_mail_in_chinese_text_is_found_without_the_words_around_it():
    # The office is shown the piece redacted: it must be the address, not the sentence.
    assert rules.personal_data_found("请发送至abc@qq.com谢谢") == ["abc@qq.com"]


@pytest.mark.parametrize(("piece", "expected"), [
    pytest.param("13812345678", "138******78", id="a mobile keeps its first three and last two"),
    pytest.param("025-84561234", "025*******34", id="a landline"),
    pytest.param("32010619900101123X", "320" + "*" * 13 + "3X", id="an ID card number"),
    pytest.param("zhang.san@example.com", "zha" + "*" * 16 + "om", id="an e-mail address"),
    pytest.param("123456", "123*56", id="six characters hide one"),
    pytest.param("12345", "*****", id="five characters or fewer are hidden entirely"),
    pytest.param("ab", "**", id="two characters are hidden entirely"),
])
def test_a_piece_of_personal_data_is_shown_redacted(piece, expected):
    assert rules.redacted(piece) == expected


# 5. Tracking codes ----------------------------------------------------------------------------

def test_the_code_alphabet_leaves_out_the_confusable_characters():
    assert not set("0O1IL") & set(rules.CODE_ALPHABET)
    assert len(set(rules.CODE_ALPHABET)) == len(rules.CODE_ALPHABET)


def test_new_tracking_codes_use_only_the_alphabet_and_have_the_set_length():
    codes = {rules.tracking_code_new() for _ in range(200)}
    assert len(codes) == 200  # 31**10 possibilities: two hundred never collide
    for code in codes:
        assert len(code) == rules.CODE_LENGTH == 10
        assert set(code) <= set(rules.CODE_ALPHABET)
        assert rules.tracking_code_clean(code) == code


def test_a_new_tracking_code_draws_each_character_from_the_alphabet():
    drawn: list[str] = []

    def last(alphabet: str) -> str:
        drawn.append(alphabet)
        return alphabet[-1]

    assert rules.tracking_code_new(last) == "9" * 10
    assert drawn == [rules.CODE_ALPHABET] * 10


@pytest.mark.parametrize(("typed", "expected"), [
    pytest.param("ABCDEFGHJK", "ABCDEFGHJK", id="as stored"),
    pytest.param("abcdefghjk", "ABCDEFGHJK", id="lower case"),
    pytest.param("abcde-fghjk", "ABCDEFGHJK", id="with the dash it is shown with"),
    pytest.param("  ABCDE FGHJK \n", "ABCDEFGHJK", id="with spaces"),
    pytest.param("ＡＢＣＤＥ－ＦＧＨＪＫ", "ABCDEFGHJK", id="full-width letters and dash"),
    pytest.param("ＡＢＣＤＥ\u3000ｆｇｈｊｋ", "ABCDEFGHJK", id="full-width small letters and a full-width space"),
    pytest.param("23456-789AB", "23456789AB", id="digits"),
])
def test_a_tracking_code_is_accepted_as_people_type_it(typed, expected):
    assert rules.tracking_code_clean(typed) == expected


@pytest.mark.parametrize("typed", [
    pytest.param("", id="empty"),
    pytest.param("ABCDEFGHJ", id="nine characters"),
    pytest.param("ABCDEFGHJKM", id="eleven characters"),
    pytest.param("ABCDEFGHJO", id="the letter O"),
    pytest.param("ABCDEFGHJ0", id="the digit 0"),
    pytest.param("ABCDEFGHJI", id="the letter I"),
    pytest.param("ABCDEFGHJ1", id="the digit 1"),
    pytest.param("ABCDEFGHJL", id="the letter L"),
    pytest.param("abcdefghjl", id="a small l"),
    pytest.param("ABCDE/FGHJK", id="a slash"),
    pytest.param("查询码ABCDEFG", id="Chinese characters"),
])
def test_a_tracking_code_that_cannot_be_one_is_refused(typed):
    assert rules.tracking_code_clean(typed) == ""


@pytest.mark.parametrize(("code", "expected"), [
    pytest.param("ABCDEFGHJK", "ABCDE-FGHJK", id="two groups of five"),
    pytest.param("ABCDE", "ABCDE", id="a code of another length is left as it is"),
    pytest.param("", "", id="no code"),
])
def test_a_tracking_code_is_displayed_in_two_groups(code, expected):
    assert rules.tracking_code_display(code) == expected


# 6. Public view, triage, numbers, median ---------------------------------------------------------

FORM_PUBLIC = {ISSUED: "in_hand", ACKNOWLEDGED: "in_hand", REPLIED: "in_hand", RETURNED: "in_hand",
               CLOSED: "fixed", NOT_RECTIFIED: "not_fixed"}


@pytest.mark.parametrize(("report_state", "form_state", "expected"), [
    pytest.param(NEW, None, "received", id="a new item is received"),
    pytest.param(REJECTED, None, "not_accepted", id="a rejected item is not accepted"),
    pytest.param(MERGED, None, "merged", id="a merged item without a form is merged"),
    pytest.param(ANSWERED, None, "answered", id="an answered item is answered"),
    *[pytest.param(ASSIGNED, form_state, public, id=f"an assigned item with a {form_state} form is {public}")
      for form_state, public in FORM_PUBLIC.items()],
    *[pytest.param(MERGED, form_state, public, id=f"a merged item following a {form_state} form is {public}")
      for form_state, public in FORM_PUBLIC.items()],
])
def test_the_tracking_page_says_a_small_fixed_state(report_state, form_state, expected):
    assert rules.public_state(report_state=report_state, form_state=form_state) == expected


@pytest.mark.parametrize(("action", "state", "expected"), [
    *[pytest.param(action, state, None if state == NEW else TriageRefusal.NOT_NEW, id=f"{action} a {state} item")
      for action in ("reject", "merge", "answer", "assign") for state in rules.REPORT_STATES],
    *[pytest.param("restore", state, None if state == REJECTED else TriageRefusal.NOT_REJECTED,
                   id=f"restore a {state} item") for state in rules.REPORT_STATES],
])
def test_only_a_new_item_is_triaged_and_only_a_rejected_one_restored(action, state, expected):
    assert rules.triage_refusal(action=action, state=state) == expected


@pytest.mark.parametrize(("item_id", "target_id", "target_state", "same_jurisdiction", "expected"), [
    pytest.param(1, 2, NEW, True, None, id="into a new item of the same jurisdiction"),
    pytest.param(1, 2, ASSIGNED, True, None, id="into an assigned item"),
    pytest.param(1, 1, NEW, True, TriageRefusal.SELF, id="not into itself"),
    pytest.param(1, 1, MERGED, False, TriageRefusal.SELF, id="itself is told first"),
    pytest.param(1, 2, NEW, False, TriageRefusal.OTHER_JURISDICTION, id="not into another jurisdiction"),
    pytest.param(1, 2, MERGED, False, TriageRefusal.OTHER_JURISDICTION, id="the jurisdiction is told before the state"),
    pytest.param(1, 2, MERGED, True, TriageRefusal.TARGET_MERGED, id="not into an item that was itself merged"),
])
def test_an_item_is_merged_only_into_another_live_item_of_its_jurisdiction(item_id, target_id, target_state,
                                                                           same_jurisdiction, expected):
    got = rules.merge_refusal(item_id=item_id, target_id=target_id, target_state=target_state,
                              same_jurisdiction=same_jurisdiction)
    assert got == expected


@pytest.mark.parametrize(("prefix", "year", "seq", "expected"), [
    ("镇效交", 2026, 12, "镇效交〔2026〕12号"),
    ("效交", 2025, 1, "效交〔2025〕1号"),
])
def test_a_form_number_has_the_prefix_the_year_in_hexagonal_brackets_and_the_number(prefix, year, seq, expected):
    assert rules.form_number(prefix, year, seq) == expected


@pytest.mark.parametrize(("values", "expected"), [
    pytest.param([], None, id="no values have no median"),
    pytest.param([4], Decimal(4), id="one value is its own median"),
    pytest.param([5, 1, 3], Decimal(3), id="an odd count takes the middle after sorting"),
    pytest.param([1, 2], Decimal("1.5"), id="an even count takes the mean of the middle two"),
    pytest.param([10, 1, 3, 2], Decimal("2.5"), id="an even count is sorted first"),
    pytest.param([2, 4], Decimal("3.0"), id="a whole mean of two"),
])
def test_the_median_of_working_days(values, expected):
    assert rules.median(values) == expected


def test_the_median_of_an_even_count_has_one_decimal():
    assert str(rules.median([2, 4])) == "3.0"
    assert str(rules.median([1, 2])) == "1.5"


# Decisions taken after the first review of these rules ---------------------------------------


def test_an_overdue_form_cannot_be_paused_out_of_the_overdue_count():
    assert rules.form_refusal(action=rules.PAUSE, actor=rules.OFFICE, state=rules.ACKNOWLEDGED, paused=False,
                              text="等待第三方", overdue=True) == rules.FormRefusal.OVERDUE
    assert rules.PAUSE not in rules.actions_for(actor=rules.OFFICE, state=rules.ISSUED, paused=False, overdue=True)
    # Everything else the office may do to an overdue form it still may.
    assert rules.CLOSE_NOT_RECTIFIED in rules.actions_for(actor=rules.OFFICE, state=rules.ISSUED, paused=False,
                                                          overdue=True)


def test_a_form_due_on_friday_is_not_overdue_on_the_weekend_but_is_on_monday():
    friday = dt.date(2026, 3, 13)
    saturday, monday = friday + dt.timedelta(days=1), friday + dt.timedelta(days=3)
    weekend = rules.timing(state=rules.ISSUED, due=friday, paused=False, today=saturday, closed_on=None, between=between)
    assert not weekend.overdue and weekend.days_overdue == 0
    on_monday = rules.timing(state=rules.ISSUED, due=friday, paused=False, today=monday, closed_on=None, between=between)
    assert on_monday.overdue and on_monday.days_overdue == 1
    closed_saturday = rules.timing(state=rules.CLOSED, due=friday, paused=False, today=monday, closed_on=saturday,
                                   between=between)
    assert not closed_saturday.late


def test_a_duplicate_is_not_merged_into_a_rejected_item():
    assert rules.merge_refusal(item_id=1, target_id=2, target_state=rules.REJECTED,
                               same_jurisdiction=True) == rules.TriageRefusal.TARGET_REJECTED


@pytest.mark.parametrize("token, ok", [
    ("Qyt0_-abcDEF123", True), ("", False), ("a" * 65, False), ("abc\x00def", False), ("abc def", False),
    ("../etc", False), ("代码", False),
])
def test_only_a_links_own_characters_are_looked_up(token, ok):
    assert rules.link_token_ok(token) is ok
