"""The numbers the charts draw, as plain JSON for ``json_script``; ``dashboard.js``
draws them with ECharts. Every bar carries the link to the ratings behind it, and
every label is translated here, so the script holds no words of its own."""

from __future__ import annotations

from django.utils.translation import gettext as _

from dashboard import links
from dashboard.selectors import CategoryRow, MonthRow, Overview
from ratings import rules

def _kind_names() -> dict[str, str]:
    return {rules.RED_FLAG: _("红旗"), rules.YELLOW_LIGHT: _("黄灯"), rules.RED_LIGHT: _("红灯")}


def chart_data(overview: Overview) -> dict[str, object]:
    return {
        "monthly": _monthly(overview),
        "categories": _categories(overview),
        "words": {
            "lastYear": _("去年同期"),
            "perUnit": _("平均每单位"),
            "clickHint": _("点击柱条查看对应的认定"),
        },
    }


def _monthly(overview: Overview) -> dict[str, object]:
    query = overview.query
    names = _kind_names()
    rows: list[MonthRow] = overview.series
    stacks = {rules.RED_FLAG: "flags", rules.YELLOW_LIGHT: "lights", rules.RED_LIGHT: "lights"}
    return {
        "title": _("%(year)d年各月红旗与亮灯") % {"year": query.year},
        "months": [_("%(month)d月") % {"month": row.month} for row in rows],
        "series": [
            {
                "kind": kind,
                "name": names[kind],
                "stack": stacks[kind],
                "data": [row.current.of(kind) for row in rows],
                "urls": [links.drill_url(query, month=row.month, outcome=kind) for row in rows],
            }
            for kind in rules.KINDS
        ],
        "previous": [
            {
                "kind": "flags",
                "name": _("%(year)d年同月红旗") % {"year": query.last_year},
                "data": [row.previous.red_flags for row in rows],
                "urls": [links.drill_url(query, year=query.last_year, month=row.month, outcome=rules.RED_FLAG)
                         for row in rows],
            },
            {
                "kind": "lights",
                "name": _("%(year)d年同月亮灯") % {"year": query.last_year},
                "data": [row.previous.lights for row in rows],
                "urls": [links.drill_url(query, year=query.last_year, month=row.month, outcome="light")
                         for row in rows],
            },
        ] if overview.headline.compared else [],
    }


def _categories(overview: Overview) -> dict[str, object]:
    query = overview.query
    names = _kind_names()
    rows: list[CategoryRow] = [row for row in overview.categories if row.category_id is not None]
    return {
        "title": _("各类别平均每单位红旗与亮灯"),
        "names": [row.name for row in rows],
        "series": [
            {
                "kind": kind,
                "name": names[kind],
                "data": [float(row.per_unit(kind)) for row in rows],
                "counts": [row.counts.of(kind) for row in rows],
                "urls": [links.drill_url(query, category=row.category_id, outcome=kind) for row in rows],
            }
            for kind in rules.KINDS
        ],
    }
