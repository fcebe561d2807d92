"""``{% load notification_tags %}{% notifications_badge %}``: the link to the
notification centre with the unread count, for a page's header. Only the pages that show
it pay for the query, once per request however often it appears."""

from __future__ import annotations

from django import template

from notifications.selectors import unread_count

register = template.Library()


@register.inclusion_tag("notifications/_badge.html", takes_context=True)
def notifications_badge(context) -> dict:
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    count = getattr(request, "_notifications_unread", None) if request is not None else None
    if count is None:
        count = unread_count(user)
        if request is not None:
            request._notifications_unread = count
    return {"show": True, "count": count}
