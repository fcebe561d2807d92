"""Template helpers of the dashboard: links that keep the filters, signed numbers,
and the kinds' words and symbols (a cell is never told by its colour alone)."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import gettext as _

from dashboard import links
from dashboard.selectors import DashboardQuery, GridCell
from ratings import rules

register = template.Library()


@register.simple_tag
def drill_url(query: DashboardQuery, **overrides: object) -> str:
    return links.drill_url(query, **overrides)


@register.simple_tag
def dashboard_url(query: DashboardQuery, **overrides: object) -> str:
    return links.dashboard_url(query, **overrides)


@register.simple_tag
def cell_url(query: DashboardQuery, unit_code: str, cell: GridCell) -> str:
    return links.grid_cell_url(query, unit_code, cell)


@register.simple_tag
def rating_admin_url(rating_id: int) -> str:
    return links.admin_rating_url(rating_id)


@register.simple_tag(takes_context=True)
def rating_url(context, rating_id: int) -> str:
    """The rating's read-only page, whose "back" link returns to the page it is on."""
    request = context.get("request")
    return links.rating_url(rating_id, back=request.get_full_path() if request is not None else "")


@register.filter
def signed(value: Decimal | int | None) -> str:
    """+1.5, -0.5, 0: a change or a points adjustment with its sign."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        value = value.quantize(Decimal("0.01")).normalize()
        text = f"{value:f}"
    else:
        text = str(value)
    return f"+{text}" if value > 0 else text


@register.filter
def kind_label(kind: str) -> str:
    return {
        rules.RED_FLAG: _("红旗"),
        rules.YELLOW_LIGHT: _("黄灯"),
        rules.RED_LIGHT: _("红灯"),
    }.get(kind, _("合计"))


@register.filter
def kind_short(kind: str) -> str:
    """One character for a grid cell: the result in words, not only in colour."""
    return {rules.RED_FLAG: _("旗"), rules.YELLOW_LIGHT: _("黄"), rules.RED_LIGHT: _("红")}.get(kind, "")


@register.filter
def heat(value: int, busiest: int) -> int:
    """0–4: how strongly an activity cell is shaded, relative to the busiest cell."""
    if not value or not busiest:
        return 0
    return max(1, min(4, round(4 * value / busiest)))


@register.filter
def month_label(month: int) -> str:
    return _("%(month)d月") % {"month": month}
