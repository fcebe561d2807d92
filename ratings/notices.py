"""Closing notices: a department is told, on its raters' next login, what closing a
month did to its drafts and returned ratings (carried into the next month or withdrawn).
Each rater sees each notice once, as an admin message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.translation import gettext as _

from departments.roles import is_rater, user_department
from notifications.services import in_site_language
from ratings.models import ClosingNotice, Period


def _month(period: Period) -> str:
    return _("%(year)d年%(month)d月") % {"year": period.year, "month": period.month}


def closing_notices_record(*, period: Period, closing, reason: str) -> list[ClosingNotice]:
    """One notice per department whose ratings were carried or withdrawn."""
    done = closing.carried or closing.withdrawn
    if not done:
        return []
    by_department: dict[int, list] = {}
    for rating in done:
        by_department.setdefault(rating.department_id, []).append(rating)
    notices = []
    for department_id, ratings in by_department.items():
        drafts = sum(1 for r in ratings if r.status == r.Status.DRAFT)
        returned = len(ratings) - drafts if closing.carried else 0
        if closing.carried:
            what = _what(drafts, returned)
            text = _("%(month)s 已关账：你部门的 %(what)s已结转到 %(next)s") % {
                "month": _month(period), "what": what, "next": _month(closing.next_period),
            }
        else:
            text = _("%(month)s 已关账：你部门的 %(count)d 条草稿或已退回的认定已撤回（原因：%(reason)s）") % {
                "month": _month(period), "count": len(ratings), "reason": reason,
            }
        notices.append(ClosingNotice(department_id=department_id, period=period, text=text))
    return ClosingNotice.objects.bulk_create(notices)


def _what(drafts: int, returned: int) -> str:
    parts = []
    if drafts:
        parts.append(_("%(count)d 条草稿") % {"count": drafts})
    if returned:
        parts.append(_("%(count)d 条已退回的认定") % {"count": returned})
    return "、".join(parts)


def notices_unseen_by(user) -> list[ClosingNotice]:
    department = user_department(user) if is_rater(user) else None
    if department is None:
        return []
    return list(ClosingNotice.objects.filter(department=department).exclude(seen_by=user).order_by("pk"))


@receiver(user_logged_in, dispatch_uid="ratings-closing-notices")
def show_closing_notices(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "_messages"):
        return  # a login without a browser (a test client's force_login): seen next time
    for notice in notices_unseen_by(user):
        messages.warning(request, notice.text)
        notice.seen_by.add(user)


# Notifications (the notification centre and e-mail) -------------------------------------


def _people(*, jurisdiction_id: int, group: str, department_id: int | None = None, unit_id: int | None = None):
    from departments.selectors import people_in

    return people_in(jurisdiction_id=jurisdiction_id, groups=[group], department_id=department_id,
                     unit_ids=None if unit_id is None else [unit_id])


def _notify(**kwargs) -> None:
    from notifications import services as notifications

    notifications.notify(**kwargs)


@in_site_language
def rating_approved(rating) -> None:
    """To the rated unit's staff: a rating was approved against their unit (a red flag too)."""
    from departments import roles
    from django.urls import reverse

    period = rating.period
    title = _("%(month)s %(department)s对本单位的认定：%(kind)s") % {
        "month": _month(period), "department": rating.department.name, "kind": rating.get_effective_kind_display(),
    }
    _notify(recipients=_people(jurisdiction_id=period.jurisdiction_id, group=roles.UNIT_STAFF, unit_id=rating.unit_id),
            kind="rating_approved", title=title, body=rating.reason[:200],
            link=reverse("desk:rating", args=[rating.pk]))


@in_site_language
def rating_returned(rating, reason: str) -> None:
    """To the department's raters: the office returned one of their ratings."""
    from departments import roles
    from django.urls import reverse

    period = rating.period
    title = _("%(month)s 对%(unit)s的认定被退回") % {"month": _month(period), "unit": rating.unit.name}
    _notify(recipients=_people(jurisdiction_id=period.jurisdiction_id, group=roles.RATER,
                               department_id=rating.department_id),
            kind="rating_returned", title=title, body=_("退回原因：%(reason)s") % {"reason": reason},
            link=reverse("admin:ratings_rating_change", args=[rating.pk]))


@in_site_language
def ratings_submitted(period) -> None:
    """To the office, one digest per month: how many ratings wait for review, by department."""
    from django.db.models import Count
    from django.urls import reverse

    from departments import roles
    from ratings.models import Rating

    rows = list(Rating.objects.filter(period=period, status=Rating.Status.SUBMITTED)
                .values("department__name").annotate(n=Count("pk")).order_by("department__name"))
    if not rows:
        return
    total = sum(row["n"] for row in rows)
    title = _("%(month)s 有 %(count)d 条认定待审核") % {"month": _month(period), "count": total}
    body = "、".join(_("%(department)s %(count)d 条") % {"department": r["department__name"], "count": r["n"]} for r in rows)
    link = reverse("admin:ratings_rating_changelist") + f"?status__exact=submitted&period__id__exact={period.pk}"
    _notify(recipients=_people(jurisdiction_id=period.jurisdiction_id, group=roles.OFFICE),
            kind="ratings_submitted", title=title, body=body, link=link, group_key=f"period:{period.pk}")


@in_site_language
def deadline_reminders_send(*, today=None) -> int:
    """催报: on the days before last month's submission deadline (the rule book's Nth
    working day and its reminder window), remind each active department that has
    entered nothing for that month. One notification per department and month, kept
    up to date while unread. Returns the number of departments reminded."""
    from django.urls import reverse
    from django.utils import timezone

    from departments import roles
    from departments.models import Jurisdiction, Organisation
    from ratings import rules
    from ratings.models import Rating, RuleBook
    from workdays.selectors import Calendar, CalendarUnknownYear

    today = today or timezone.localdate()
    year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    calendar = Calendar()
    reminded = 0
    for jurisdiction in Jurisdiction.objects.order_by("pk"):
        book = RuleBook.objects.filter(jurisdiction=jurisdiction, year=year).first()
        nth = book.submission_deadline_day if book else RuleBook._meta.get_field("submission_deadline_day").default
        before = book.reminder_days_before if book else RuleBook._meta.get_field("reminder_days_before").default
        try:
            deadline = rules.submission_deadline(year=year, month=month, nth_working_day=nth,
                                                 add_working_days=calendar.add_working_days)
            due = rules.reminder_due(today=today, deadline=deadline, days_before=before,
                                     working_days_between=calendar.working_days_between)
        except CalendarUnknownYear:
            continue  # the office is told on the calendar's own pages; nothing is guessed
        if not due:
            continue
        period = Period.objects.filter(jurisdiction=jurisdiction, year=year, month=month).first()
        if period is not None and not period.is_open:
            continue
        entered = set(Rating.objects.filter(period=period).values_list("department_id", flat=True)) if period else set()
        departments = Organisation.objects.filter(jurisdiction=jurisdiction, is_department=True, is_active=True)
        label = _("%(year)d年%(month)d月") % {"year": year, "month": month}
        for department in departments.exclude(pk__in=entered).order_by("code"):
            staff = _people(jurisdiction_id=jurisdiction.pk, group=roles.RATER, department_id=department.pk)
            if not staff.exists():
                continue
            _notify(
                recipients=staff, kind="deadline_reminder",
                title=_("%(month)s的认定将于 %(deadline)s 截止报送，你部门尚未填报") % {
                    "month": label, "deadline": _("%(m)d月%(d)d日") % {"m": deadline.month, "d": deadline.day},
                },
                body=_("没有需要认定的事项也请知悉；如有红旗、黄灯或红灯，请在截止前填报并提交审核。"),
                link=reverse("admin:ratings_rating_add"), group_key=f"deadline:{jurisdiction.pk}:{year}-{month:02d}",
            )
            reminded += 1
    return reminded
