"""Closing notices: a department is told, on its raters' next login, what closing a
month did to its drafts and returned ratings (carried into the next month or withdrawn).
Each rater sees each notice once, as an admin message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.translation import gettext as _

from departments.roles import is_rater, user_department
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
