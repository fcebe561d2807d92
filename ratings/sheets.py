"""The words of the spreadsheets: column headers and cell words (红旗, 优秀 …) shared by
the year's workbook (``assessment.workbook``), the admin's Excel and CSV exports and the
open data, and the guard that keeps typed text from running as a formula.

They are the files' format, so they are not translated.
"""

from __future__ import annotations

from typing import Any

from ratings import rules
from ratings.models import Rating

KIND_TEXT = {rules.RED_FLAG: "红旗", rules.YELLOW_LIGHT: "黄灯", rules.RED_LIGHT: "红灯"}
GRADE_TEXT = {rules.EXCELLENT: "优秀", rules.GOOD: "良好", rules.FAIR: "一般", rules.POOR: "较差"}
SERIOUS_TEXT = "造成较大影响"
UNCATEGORISED = "未分类"

# Column headers: the contract, and the admin export's column names.
CODE, NAME, CATEGORY = "单位编码", "单位名称", "类别"
RED_FLAGS, YELLOW_LIGHTS, RED_LIGHTS, POINTS = "红旗数", "黄灯数", "红灯数", "加减分"
RANK, CATEGORY_RANK, GRADE, REMARKS = "排名", "类别排名", "等次", "备注"
NUMBER, MONTH, DEPARTMENT, UNIT, KIND, CRITERION, REASON, ESCALATED_FROM = (
    "编号", "月份", "职能管理部门", "被考核单位", "类型", "认定条目", "事由", "升级自"
)

SUMMARY_SHEET = "总表"
DETAIL_SHEET = "认定明细"

# A leading character that a spreadsheet reads as the start of a formula: OWASP's list
# (=, +, -, @, tab, carriage return) and, as a precaution, the full-width forms of the
# first four, which a Chinese input method types and a spreadsheet may normalise.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def looks_like_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def formula_safe(value: Any) -> Any:
    """A value for a cell of a text format (the CSV open data, the admin's CSV and Excel
    exports): text that starts like a formula gets a leading apostrophe, which Excel reads
    as "this is text" (OWASP's advice); anything else is kept. The workbook itself stores
    such text as a string cell with the quote prefix instead (``_guard_factory``)."""
    return "'" + value if looks_like_formula(value) else value


def escalated_from(escalation: str, after_id: int | None, after_year: int | None, after_month: int | None) -> str | None:
    """升级自: "2026-01 黄灯 #12" for the second of consecutive yellow lights, or
    "造成较大影响" for a yellow light that caused serious impact."""
    if escalation == Rating.Escalation.SERIOUS:
        return SERIOUS_TEXT
    if escalation == Rating.Escalation.CONSECUTIVE:
        if after_id is None:
            return "连续黄灯"
        return f"{after_year}-{after_month:02d} {KIND_TEXT[rules.YELLOW_LIGHT]} #{after_id}"
    return None
