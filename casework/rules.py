"""The rules of casework (问题交办), in plain Python: no ORM, no clock, no calendar.

- Items come in (来件: a citizen's report, a 12345 transfer, a visit, call or letter, a
  leader's instruction…). The office triages each one: rejects it with a reason (which
  can be undone: the original is kept), merges it into another, answers it publicly, or
  hands it to units on a problem assignment form (问题交办单).
- A form is addressed to a lead unit (牵头单位) and co-units (协办单位), with a deadline in
  working days. Its life: issued → acknowledged (签收, by the lead unit's staff) → reply
  submitted (整改情况) → closed as rectified (销号) or returned for more work; the office
  may also close it as not rectified at any open step. "一事一表、逐一销号".
- Overdue is worked out from the deadline and the working-day calendar, never stored.
  The office may pause the clock with a reason while it waits for a third party; the
  paused working days are added to the deadline.
- Honest rates: on time = closed on time ÷ (closed + still open and overdue); a form
  closed as not rectified is closed, never on time.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

AddWorkingDays = Callable[[dt.date, int], dt.date]
WorkingDaysBetween = Callable[[dt.date, dt.date], int]

TEXT_MAX_LENGTH = 4000
REASON_MAX_LENGTH = 2000
MAX_DEADLINE_DAYS = 120  # about half a year of working days: a longer one is a typing slip

# Incoming items (来件) -------------------------------------------------------------------

# Channels (来源渠道): how an item reached the office.
WEB = "web"  # the public report form (作风效能问题举报)
OPEN311 = "open311"  # another system through the Open311 interface
VISIT = "visit"  # 来访
CALL = "call"  # 来电
LETTER = "letter"  # 来信
LEADER = "leader"  # 领导交办
FIRM = "firm"  # 政企通 (firms' complaints)
WINDOW = "window"  # the 办不成事 window
HOTLINE = "hotline"  # 12345 transfers
SUPERVISOR = "supervisor"  # social supervisors (社会监督员)
LIGHT = "light"  # a yellow or red light to be rectified (整改)
SURVEY = "survey"  # a suggestion left in the public satisfaction survey (满意度测评)
CHANNELS = (WEB, OPEN311, VISIT, CALL, LETTER, LEADER, FIRM, WINDOW, HOTLINE, SUPERVISOR, LIGHT, SURVEY)
# The channels the office enters by hand (the others come through their own doors).
OFFICE_CHANNELS = (VISIT, CALL, LETTER, LEADER, FIRM, WINDOW, HOTLINE, SUPERVISOR)

# Triage states of an item.
NEW = "new"  # 待处理
REJECTED = "rejected"  # 不予受理
MERGED = "merged"  # 已合并
ANSWERED = "answered"  # 已答复 (answered publicly, no form)
ASSIGNED = "assigned"  # 已交办 (a form was opened)
REPORT_STATES = (NEW, REJECTED, MERGED, ANSWERED, ASSIGNED)


class TriageRefusal(str, Enum):
    NOT_NEW = "not_new"  # only a new item is triaged
    NOT_REJECTED = "not_rejected"  # only a rejected item is restored
    SELF = "self"  # an item is not merged into itself
    TARGET_MERGED = "target_merged"  # merge into the item the other was merged into
    TARGET_REJECTED = "target_rejected"  # a duplicate of a rejected item is rejected on its own
    OTHER_JURISDICTION = "other_jurisdiction"


def triage_refusal(*, action: str, state: str) -> TriageRefusal | None:
    """Why an item in ``state`` may not be triaged with ``action``: reject, merge,
    answer and assign take a new item; restore takes a rejected one."""
    if action == "restore":
        return None if state == REJECTED else TriageRefusal.NOT_REJECTED
    return None if state == NEW else TriageRefusal.NOT_NEW


def merge_refusal(*, item_id: int, target_id: int, target_state: str,
                  same_jurisdiction: bool) -> TriageRefusal | None:
    if item_id == target_id:
        return TriageRefusal.SELF
    if not same_jurisdiction:
        return TriageRefusal.OTHER_JURISDICTION
    if target_state == MERGED:
        return TriageRefusal.TARGET_MERGED
    if target_state == REJECTED:
        return TriageRefusal.TARGET_REJECTED
    return None


# Tracking codes (查询码): what a reporter keeps to follow an item without an account.
# No 0/O, 1/I/L: a code read over the phone or copied from paper is typed right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10  # 31**10 ≈ 8×10^14: not guessable, and lookups are throttled


def tracking_code_new(choice: Callable[[str], str] = secrets.choice) -> str:
    return "".join(choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


_LINK_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def link_token_ok(token: str) -> bool:
    """Whether ``token`` could be one of our links' codes (secrets.token_urlsafe): a made-up
    one with other characters (a NUL byte, say) is not looked up at all."""
    return bool(_LINK_TOKEN.fullmatch(token or ""))


def tracking_code_clean(text: str) -> str:
    """A code as typed (lower case, spaces, dashes, full-width letters) as stored; "" when
    it cannot be one."""
    import unicodedata

    text = unicodedata.normalize("NFKC", text or "").upper()
    text = re.sub(r"[\s\-_.·]", "", text)
    if len(text) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in text):
        return ""
    return text


def tracking_code_display(code: str) -> str:
    """ABCDE-FGHJK: two groups of five are easier to read out."""
    return f"{code[:5]}-{code[5:]}" if len(code) == CODE_LENGTH else code


# Personal data in text meant for the public ------------------------------------------------

# As people write them: 13812345678, 138-1234-5678, 138 1234 5678, +86 13812345678;
# 025-84561234, (025)84561234, 025 84561234.
_MOBILE_RE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)")
_LANDLINE_RE = re.compile(r"(?<!\d)(?:\(0\d{2,3}\)|0\d{2,3})[- ]?\d{7,8}(?!\d)")
_ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
# ASCII only: in Python \w matches Chinese too, and the words around an address are not it.
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII)


def personal_data_found(text: str) -> list[str]:
    """The pieces of ``text`` that look like a phone number, an ID card number or an
    e-mail address: a public reply carrying one is refused until the office redacts it."""
    found: list[str] = []
    for pattern in (_ID_RE, _MOBILE_RE, _LANDLINE_RE, _EMAIL_RE):
        for match in pattern.finditer(text or ""):
            if not any(match.group(0) in f or f in match.group(0) for f in found):
                found.append(match.group(0))
    return found


def redacted(piece: str) -> str:
    """A piece of personal data as it may be shown to the office in a refusal: the
    first three and last two characters kept (138******00)."""
    if len(piece) <= 5:
        return "*" * len(piece)
    return piece[:3] + "*" * (len(piece) - 5) + piece[-2:]


# Assignment forms (问题交办单) -------------------------------------------------------------

ISSUED = "issued"  # 已交办
ACKNOWLEDGED = "acknowledged"  # 已签收
REPLIED = "replied"  # 已报送整改情况
RETURNED = "returned"  # 已退回重办
CLOSED = "closed"  # 已销号 (rectified)
NOT_RECTIFIED = "not_rectified"  # 未整改办结
FORM_STATES = (ISSUED, ACKNOWLEDGED, REPLIED, RETURNED, CLOSED, NOT_RECTIFIED)
OPEN_STATES = (ISSUED, ACKNOWLEDGED, REPLIED, RETURNED)

# The small fixed kind behind each state (the labels are the office's to change).
KIND_OPEN = "open"
KIND_FIXED = "fixed"
KIND_NOT_FIXED = "not_fixed"
STATE_KIND = {ISSUED: KIND_OPEN, ACKNOWLEDGED: KIND_OPEN, REPLIED: KIND_OPEN, RETURNED: KIND_OPEN,
              CLOSED: KIND_FIXED, NOT_RECTIFIED: KIND_NOT_FIXED}

# Priorities.
NORMAL = "normal"
URGENT = "urgent"  # 紧急
PRIORITIES = (NORMAL, URGENT)

# Who acts.
OFFICE = "office"
LEAD = "lead"  # staff of the lead unit
CO = "co"  # staff of a co-unit
OTHER = "other"

# Actions on a form.
ACKNOWLEDGE = "acknowledge"
REPLY = "reply"
RETURN = "return"
CLOSE = "close"
CLOSE_NOT_RECTIFIED = "close_not_rectified"
PAUSE = "pause"
RESUME = "resume"
NOTE = "note"  # a co-unit's or the office's remark on the timeline

# (action) → (who may, from which states, to which state; None keeps the state).
TRANSITIONS: dict[str, tuple[frozenset[str], frozenset[str], str | None]] = {
    ACKNOWLEDGE: (frozenset({LEAD}), frozenset({ISSUED}), ACKNOWLEDGED),
    REPLY: (frozenset({LEAD}), frozenset({ACKNOWLEDGED, RETURNED}), REPLIED),
    RETURN: (frozenset({OFFICE}), frozenset({REPLIED}), RETURNED),
    CLOSE: (frozenset({OFFICE}), frozenset({REPLIED}), CLOSED),
    CLOSE_NOT_RECTIFIED: (frozenset({OFFICE}), frozenset(OPEN_STATES), NOT_RECTIFIED),
    PAUSE: (frozenset({OFFICE}), frozenset(OPEN_STATES), None),
    RESUME: (frozenset({OFFICE}), frozenset(OPEN_STATES), None),
    NOTE: (frozenset({OFFICE, LEAD, CO}), frozenset(OPEN_STATES), None),
}
ACTIONS = tuple(TRANSITIONS)
# Actions that need a written reason or text.
NEEDS_TEXT = frozenset({REPLY, RETURN, CLOSE_NOT_RECTIFIED, PAUSE, NOTE})


class FormRefusal(str, Enum):
    NOT_ALLOWED = "not_allowed"  # this person may not take this action on this form
    WRONG_STATE = "wrong_state"  # not in the state the action starts from
    PAUSED = "paused"  # the clock is paused: resume it first
    OVERDUE = "overdue"  # the deadline has passed: a pause would hide it
    NOT_PAUSED = "not_paused"  # nothing to resume
    TEXT_REQUIRED = "text_required"
    UNKNOWN_ACTION = "unknown_action"


def form_refusal(*, action: str, actor: str, state: str, paused: bool, text: str = "x",
                 overdue: bool = False) -> FormRefusal | None:
    """Why ``actor`` may not take ``action`` on a form in ``state``, or None when they may.

    The check order is what the person is told first: who they are, then the state, then
    the pause (a form already overdue is not paused), then the missing text. A paused clock does not stop the unit: it may still
    acknowledge and reply while the office waits on a third party."""
    if action not in TRANSITIONS:
        return FormRefusal.UNKNOWN_ACTION
    who, sources, _target = TRANSITIONS[action]
    if actor not in who:
        return FormRefusal.NOT_ALLOWED
    if state not in sources:
        return FormRefusal.WRONG_STATE
    if action == PAUSE and paused:
        return FormRefusal.PAUSED
    if action == PAUSE and overdue:
        # The clock stops only while it runs: pausing a form already past its deadline
        # would take it out of the overdue count.
        return FormRefusal.OVERDUE
    if action == RESUME and not paused:
        return FormRefusal.NOT_PAUSED
    if action in NEEDS_TEXT and not (text or "").strip():
        return FormRefusal.TEXT_REQUIRED
    return None


def next_state(action: str, state: str) -> str:
    target = TRANSITIONS[action][2]
    return state if target is None else target


def actions_for(*, actor: str, state: str, paused: bool, overdue: bool = False) -> list[str]:
    """The actions ``actor`` may take now (text aside), in the table's order."""
    return [a for a in ACTIONS
            if form_refusal(action=a, actor=actor, state=state, paused=paused, text="x", overdue=overdue) is None]


def form_number(prefix: str, year: int, seq: int) -> str:
    """镇效交〔2026〕12号: the office's prefix, the year in 六角括号, the number of the year."""
    return f"{prefix}〔{year}〕{seq}号"


# Deadlines -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pause:
    start: dt.date
    end: dt.date | None  # None while the clock is still paused


def paused_working_days(pauses: Iterable[Pause], *, today: dt.date, between: WorkingDaysBetween) -> int:
    """The working days the clock stood still: after each pause's first day up to its last
    (or today, while it lasts)."""
    return sum(between(p.start, p.end or today) for p in pauses)


def due_date(*, issued_on: dt.date, days: int, pauses: Iterable[Pause], today: dt.date,
             add: AddWorkingDays, between: WorkingDaysBetween) -> dt.date:
    """The last day of the deadline: ``days`` working days after the day of issue, plus the
    working days the clock was paused."""
    return add(issued_on, days + paused_working_days(pauses, today=today, between=between))


@dataclass(frozen=True)
class Timing:
    due: dt.date
    paused: bool
    overdue: bool  # open, not paused, past the due date
    late: bool  # closed (either way) after the due date, or open and overdue
    days_overdue: int  # working days past the due date (0 when not)
    days_left: int | None  # working days left for an open, running form (0 on the due date)


def timing(*, state: str, due: dt.date, paused: bool, today: dt.date, closed_on: dt.date | None,
           between: WorkingDaysBetween) -> Timing:
    # Late means a working day has passed after the due date: a form due on Friday and
    # closed on Saturday is on time.
    if state not in OPEN_STATES:
        end = closed_on or today
        past = between(due, end) if end > due else 0
        return Timing(due, False, False, past > 0, past, None)
    if paused:
        return Timing(due, True, False, False, 0, None)
    past = between(due, today) if today > due else 0
    if past:
        return Timing(due, False, True, True, past, None)
    return Timing(due, False, False, False, 0, between(today, due))


def due_soon(t: Timing, *, remind_days: int) -> bool:
    """An open, running form with ``remind_days`` working days or fewer left."""
    return t.days_left is not None and t.days_left <= remind_days


@dataclass(frozen=True)
class Rates:
    issued: int
    open: int
    closed: int  # closed either way
    closed_on_time: int  # closed as rectified on or before the due date
    not_rectified: int
    open_overdue: int

    @property
    def on_time_rate(self) -> Decimal | None:
        """Closed on time ÷ (closed + open and overdue), as a percentage with one decimal;
        None when there is nothing to count yet."""
        denominator = self.closed + self.open_overdue
        if not denominator:
            return None
        return (Decimal(100) * self.closed_on_time / denominator).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def rates(forms: Iterable[tuple[str, Timing]]) -> Rates:
    """Counts over (state, timing) pairs."""
    issued = open_ = closed = on_time = not_rectified = overdue = 0
    for state, t in forms:
        issued += 1
        if state in OPEN_STATES:
            open_ += 1
            overdue += t.overdue
        else:
            closed += 1
            not_rectified += state == NOT_RECTIFIED
            on_time += state == CLOSED and not t.late
    return Rates(issued, open_, closed, on_time, not_rectified, overdue)


def median(values: list[int]) -> Decimal | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return Decimal(ordered[mid])
    return (Decimal(ordered[mid - 1] + ordered[mid]) / 2).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# Public view of an item ----------------------------------------------------------------------

# What a reporter's tracking page says, whatever the office's labels: a small fixed set.
PUBLIC_RECEIVED = "received"  # 已收到，正在核实
PUBLIC_NOT_ACCEPTED = "not_accepted"  # 不予受理
PUBLIC_MERGED = "merged"  # 与其他反映合并办理
PUBLIC_ANSWERED = "answered"  # 已答复
PUBLIC_IN_HAND = "in_hand"  # 已交办，正在办理
PUBLIC_FIXED = "fixed"  # 已办结（已整改）
PUBLIC_NOT_FIXED = "not_fixed"  # 已办结（未整改到位）


def public_state(*, report_state: str, form_state: str | None) -> str:
    if report_state == REJECTED:
        return PUBLIC_NOT_ACCEPTED
    if report_state == MERGED and form_state is None:
        return PUBLIC_MERGED
    if report_state == ANSWERED:
        return PUBLIC_ANSWERED
    if form_state is not None:
        kind = STATE_KIND[form_state]
        return {KIND_OPEN: PUBLIC_IN_HAND, KIND_FIXED: PUBLIC_FIXED, KIND_NOT_FIXED: PUBLIC_NOT_FIXED}[kind]
    return PUBLIC_RECEIVED


# Consequences at year end ("整改不力的实施扣分") -------------------------------------------

DEDUCT_OVERDUE = "overdue"
DEDUCT_NOT_RECTIFIED = "not_rectified"


@dataclass(frozen=True)
class Deducted:
    form_id: int
    unit_id: int
    reason: str
    points: Decimal
    days_late: int


def deductions(forms: Iterable[tuple[int, int, str, Timing]], *, overdue_points: Decimal,
               not_rectified_points: Decimal) -> list[Deducted]:
    """One line per form that costs its lead unit points, from (form id, lead unit id,
    state, timing): a form closed as not rectified costs ``not_rectified_points``; any
    other form closed late, or still open past its deadline, costs ``overdue_points``.
    A not-rectified form is not charged for lateness as well (one failure, one line).
    Zero points make no line."""
    lines: list[Deducted] = []
    for form_id, unit_id, state, t in forms:
        if state == NOT_RECTIFIED:
            if not_rectified_points:
                lines.append(Deducted(form_id, unit_id, DEDUCT_NOT_RECTIFIED, not_rectified_points, t.days_overdue))
        elif t.late and overdue_points:
            lines.append(Deducted(form_id, unit_id, DEDUCT_OVERDUE, overdue_points, t.days_overdue))
    return lines
