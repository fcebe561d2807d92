"""Reading casework. A form's timing (due date, overdue, days left) is worked out here
from its deadline, its pauses and the working-day calendar, for many forms at once with
one query for their pauses and one a year for the calendar."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from casework import rules
from casework.models import FORM_LABELS, AssignmentForm, Deduction, FormEvent, FormPause, Reply, Report
from departments.models import Organisation
from workdays.selectors import Calendar


def form_timings(forms: Iterable[AssignmentForm], *, today: dt.date | None = None,
                 calendar: Calendar | None = None) -> dict[int, rules.Timing]:
    forms = list(forms)
    today = today or timezone.localdate()
    calendar = calendar or Calendar()
    pauses: dict[int, list[rules.Pause]] = defaultdict(list)
    for form_id, start, end in FormPause.objects.filter(form__in=[f.pk for f in forms]).values_list(
            "form_id", "start", "end"):
        pauses[form_id].append(rules.Pause(start, end))
    timings = {}
    for form in forms:
        mine = pauses.get(form.pk, [])
        due = rules.due_date(issued_on=form.issued_on, days=form.days, pauses=mine, today=today,
                             add=calendar.add_working_days, between=calendar.working_days_between)
        timings[form.pk] = rules.timing(
            state=form.state, due=due, paused=any(p.end is None for p in mine), today=today,
            closed_on=form.closed_on, between=calendar.working_days_between,
        )
    return timings


def timing_text(form: AssignmentForm, timing: rules.Timing) -> str:
    """A form's time in words, as the office's list shows it (the desk's template says the same)."""
    if not form.is_open:
        if timing.late:
            return ngettext("超期 %(days)d 个工作日办结", "超期 %(days)d 个工作日办结", timing.days_overdue) % {
                "days": timing.days_overdue}
        return _("按时办结")
    if timing.paused:
        return _("计时暂停中")
    if timing.overdue:
        return ngettext("已超期 %(days)d 个工作日", "已超期 %(days)d 个工作日", timing.days_overdue) % {
            "days": timing.days_overdue}
    if timing.days_left == 0:
        return _("今天到期")
    return ngettext("剩余 %(days)d 个工作日", "剩余 %(days)d 个工作日", timing.days_left) % {"days": timing.days_left}


@dataclass(frozen=True)
class FormRow:
    form: AssignmentForm
    timing: rules.Timing
    role: str  # rules.LEAD or rules.CO for a unit; rules.OFFICE for the office

    @property
    def timing_text(self) -> str:
        return timing_text(self.form, self.timing)


def unit_forms_queryset(*, unit: Organisation) -> QuerySet[AssignmentForm]:
    """The forms a unit leads or assists with (what ``casework.filters`` narrows)."""
    return AssignmentForm.objects.filter(Q(lead_unit=unit) | Q(co_units=unit)).distinct()


def unit_forms(*, unit: Organisation, forms: QuerySet[AssignmentForm] | None = None, overdue_only: bool = False,
               today: dt.date | None = None) -> list[FormRow]:
    """The forms a unit leads or assists with (or those of ``forms``), open ones first,
    overdue at the top, newest first."""
    forms = list(
        (forms if forms is not None else unit_forms_queryset(unit=unit))
        .select_related("lead_unit", FORM_LABELS).order_by("-issued_on", "-seq")
    )
    timings = form_timings(forms, today=today)
    rows = [FormRow(f, timings[f.pk], rules.LEAD if f.lead_unit_id == unit.pk else rules.CO) for f in forms]
    if overdue_only:
        rows = [r for r in rows if r.timing.overdue]
    rows.sort(key=lambda r: (not r.form.is_open, not r.timing.overdue))
    return rows


def unit_form(*, unit: Organisation, pk: int) -> AssignmentForm | None:
    """One form the unit leads or assists with; None for any other (the page is a 404)."""
    return (AssignmentForm.objects.filter(Q(lead_unit=unit) | Q(co_units=unit), pk=pk).distinct()
            .select_related("lead_unit", FORM_LABELS).first())


def form_events(*, form: AssignmentForm) -> list[FormEvent]:
    return list(form.events.select_related("by", "by_unit").prefetch_related("files").order_by("at", "pk"))


def office_forms(*, jurisdiction_id: int) -> QuerySet[AssignmentForm]:
    return AssignmentForm.objects.filter(jurisdiction_id=jurisdiction_id).select_related("lead_unit", FORM_LABELS)


def reports_for_form(*, form: AssignmentForm) -> list[Report]:
    return list(form.reports.order_by("received_at", "pk"))


# The tracking page ------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicStep:
    date: dt.date
    text: str  # fixed words from the product, never the office's or the unit's text


@dataclass(frozen=True)
class PublicReport:
    """What a reporter's tracking page may show: no names, no phone numbers, no unit
    staff, no internal text; the office's replies only once it has published them."""

    code: str
    received_on: dt.date
    channel: str  # the channel's label
    state: str  # one of rules.PUBLIC_*
    reject_reason: str
    form_number: str
    lead_unit: str
    issued_on: dt.date | None
    closed_on: dt.date | None
    replies: list[tuple[dt.datetime, str]]
    followup_token: str = ""  # "Is it fixed?" not answered yet
    followup_answer: str = ""  # the answer's label, once given


def public_report(*, code: str) -> PublicReport | None:
    report = (Report.objects.filter(code=code)
              .select_related("merged_into__form__lead_unit", "form__lead_unit", "followup").first())
    if report is None:
        return None
    # A merged item follows the one it joined: its form and its published replies.
    followed = report.merged_into if report.state == Report.State.MERGED and report.merged_into else report
    form = followed.form
    state = rules.public_state(report_state=followed.state, form_state=form.state if form else None)
    followup = getattr(report, "followup", None)
    replies = list(
        Reply.objects.filter(report__in={report.pk, followed.pk}, published_at__isnull=False)
        .order_by("published_at", "pk").values_list("published_at", "text")
    )
    return PublicReport(
        code=report.code, received_on=timezone.localtime(report.received_at).date(),
        channel=report.get_channel_display(), state=state,
        reject_reason=report.reject_reason if report.state == Report.State.REJECTED else "",
        form_number=form.number if form else "", lead_unit=form.lead_unit.name if form else "",
        issued_on=form.issued_on if form else None, closed_on=form.closed_on if form else None,
        replies=replies,
        followup_token=followup.token if followup and not followup.answered_at else "",
        followup_answer=followup.get_answer_display() if followup and followup.answered_at else "",
    )


def unit_choices(*, jurisdiction_id: int) -> list[Organisation]:
    """The units a reporter may name: the jurisdiction's rated units in use."""
    return list(Organisation.objects.filter(jurisdiction_id=jurisdiction_id, is_unit=True, is_active=True)
                .order_by("code").only("pk", "name", "code"))


# Statistics: the dashboard's panel and the public page show the same figures ---------------


@dataclass(frozen=True)
class UnitCasework:
    unit_id: int
    code: str
    name: str
    rates: rules.Rates
    median_days: Decimal | None  # working days from issue to closing, closed forms
    answered: int  # "is it fixed?" answers
    satisfied: int  # satisfied or partly

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return _percent(self.satisfied, self.answered)


@dataclass(frozen=True)
class CaseworkStats:
    year: int
    reports: int
    reports_by_channel: list[tuple[str, int]]  # (label, count), in the channels' order
    reports_by_state: list[tuple[str, int]]
    totals: rules.Rates
    median_days: Decimal | None
    answered: int
    satisfied: int
    units: list[UnitCasework]

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return _percent(self.satisfied, self.answered)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    from decimal import ROUND_HALF_UP

    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def casework_stats(*, jurisdiction_id: int, year: int, today: dt.date | None = None) -> CaseworkStats:
    """The year's casework in figures: items by channel and state; forms issued that year
    by lead unit, with the honest on-time rate (closed on time ÷ (closed + open and
    overdue)), the median working days to close, and the reporters' answers to "is it
    fixed?" (satisfied or partly ÷ answered). Four queries whatever the size (items, forms,
    their pauses, answers), plus one a year for the calendar. No names, no contacts, no text: counts only."""
    from django.db.models import Count

    from casework.models import Channel, Followup

    today = today or timezone.localdate()
    calendar = Calendar()
    by_channel: dict[str, int] = defaultdict(int)
    by_state: dict[str, int] = defaultdict(int)
    for channel, state, n in (Report.objects.filter(jurisdiction_id=jurisdiction_id, received_at__year=year)
                              .order_by().values_list("channel", "state").annotate(n=Count("pk"))):
        by_channel[channel] += n
        by_state[state] += n
    forms = list(AssignmentForm.objects.filter(jurisdiction_id=jurisdiction_id, year=year)
                 .select_related("lead_unit", FORM_LABELS).order_by("lead_unit__code", "seq"))
    timings = form_timings(forms, today=today, calendar=calendar)
    answers: dict[int, int] = {}
    happy: dict[int, int] = {}
    for unit_id, answered, satisfied in (
        Followup.objects.filter(report__form__jurisdiction_id=jurisdiction_id, report__form__year=year)
        .order_by().values_list("report__form__lead_unit")
        .annotate(answered=Count("pk", filter=Q(answered_at__isnull=False)),
                  satisfied=Count("pk", filter=Q(answer__in=["satisfied", "partly"])))
    ):
        answers[unit_id], happy[unit_id] = answered, satisfied
    per_unit: dict[int, list[AssignmentForm]] = defaultdict(list)
    for form in forms:
        per_unit[form.lead_unit_id].append(form)

    def days_to_close(items: list[AssignmentForm]) -> list[int]:
        return [calendar.working_days_between(f.issued_on, f.closed_on) for f in items if f.closed_on]

    units = [
        UnitCasework(unit_id=items[0].lead_unit_id, code=items[0].lead_unit.code, name=items[0].lead_unit.name,
                     rates=rules.rates((f.state, timings[f.pk]) for f in items),
                     median_days=rules.median(days_to_close(items)),
                     answered=answers.get(unit_id, 0), satisfied=happy.get(unit_id, 0))
        for unit_id, items in per_unit.items()
    ]
    return CaseworkStats(
        year=year, reports=sum(by_channel.values()),
        reports_by_channel=[(label, by_channel[value]) for value, label in Channel.choices if by_channel.get(value)],
        reports_by_state=[(label, by_state[value]) for value, label in Report.State.choices if by_state.get(value)],
        totals=rules.rates((f.state, timings[f.pk]) for f in forms), median_days=rules.median(days_to_close(forms)),
        answered=sum(answers.values()), satisfied=sum(happy.values()), units=units,
    )


def casework_years(*, jurisdiction_id: int) -> list[int]:
    """The years with forms or items, newest first."""
    years = set(AssignmentForm.objects.filter(jurisdiction_id=jurisdiction_id).values_list("year", flat=True).distinct())
    years |= {d.year for d in Report.objects.filter(jurisdiction_id=jurisdiction_id).dates("received_at", "year")}
    return sorted(years, reverse=True)


def deductions_by_unit(*, jurisdiction_id: int, year: int) -> dict[int, tuple[int, Decimal]]:
    """The year's deduction ledger added up per unit: (forms, points). One query."""
    rows = (Deduction.objects.filter(jurisdiction_id=jurisdiction_id, year=year).order_by().values("unit_id")
            .annotate(forms=Count("form_id", distinct=True), points=Sum("points")))
    return {row["unit_id"]: (row["forms"], row["points"]) for row in rows}
