"""``{% my_evaluations_link %}``: a link to 我的评议 for whoever has a sheet in a round
that has begun (a leader on the dashboard or in the admin)."""

from __future__ import annotations

from django import template
from django.db import DatabaseError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def my_evaluations_link(context) -> str:
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)  # the error pages give a safe one
    if user is None or not user.is_authenticated:
        return ""
    from departments.roles import is_evaluator, is_leader
    from evaluations.models import Sheet, State

    try:
        if not (is_leader(user) or is_evaluator(user)):  # the groups are cached on the user
            return ""
        has_sheet = Sheet.objects.filter(member__user=user, member__is_active=True) \
            .exclude(round__state=State.DRAFT).exists()
    except DatabaseError:  # the error page of an unreachable database still shows, without the link
        return ""
    if not has_sheet:
        return ""
    return format_html('<a href="{}">{}</a>', reverse("evaluations:index"), _("我的评议"))
