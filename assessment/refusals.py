"""The Chinese words of every refusal of the scorecard rules (``assessment.rules.Refusal``),
for the imports (which add the row and column) and the roll-up."""

from __future__ import annotations

from django.utils.translation import gettext as _

from assessment.rules import Problem, Refusal, plain


def _facts(problem: Problem) -> dict[str, str]:
    return {key: plain(value) if hasattr(value, "normalize") else str(value) for key, value in problem.facts.items()}


def refusal_text(problem: Problem) -> str:
    """Why, in the clerk's words, without where (the import names the row and column)."""
    facts = _facts(problem)
    code = problem.code
    words = {
        Refusal.NO_ITEMS: lambda: _("方案中没有任何指标"),
        Refusal.MISSING_CODE: lambda: _("请填写编码"),
        Refusal.DUPLICATE_CODE: lambda: _("编码“%(item)s”重复") % {"item": problem.item},
        Refusal.UNKNOWN_PARENT: lambda: _("上级编码“%(parent)s”在方案中不存在") % facts,
        Refusal.CYCLE: lambda: _("上级编码形成了循环（某项成了自己的下级）"),
        Refusal.POINTS_NOT_POSITIVE: lambda: _("分值应大于 0"),
        Refusal.POINTS_DO_NOT_ADD_UP: lambda: _("下级分值合计 %(children)s 分，与本项分值 %(points)s 分不符") % facts,
        Refusal.TOTAL_DOES_NOT_ADD_UP: lambda: _("各部分分值合计 %(children)s 分，与方案总分 %(points)s 分不符") % facts,
        Refusal.MISSING_METHOD: lambda: _("没有下级的指标应填写计分方式"),
        Refusal.UNKNOWN_METHOD: lambda: _("“%(method)s”不是计分方式，应为：%(methods)s") % {
            **facts, "methods": method_labels()},
        Refusal.METHOD_ON_PARENT: lambda: _("有下级的项目按下级合计计分，不填计分方式"),
        Refusal.UNKNOWN_CATEGORY: lambda: _("“%(category)s”不是本辖区的单位类别") % facts,
        Refusal.CATEGORY_OUTSIDE_PARENT: lambda: _("类别“%(category)s”不在上级项目的适用类别内，本项对其永远不适用") % facts,
        Refusal.MISSING_LEAD_UNIT: lambda: _("“赋分”指标应填写牵头单位"),
        Refusal.UNKNOWN_UNIT: lambda: _("“%(unit)s”不是本辖区的被考核单位") % {"unit": facts.get("unit", problem.unit)},
        Refusal.LEAD_UNIT_OUTSIDE_CATEGORIES: lambda: _("牵头单位“%(unit)s”不属于本项的适用类别") % {
            "unit": problem.unit},
        Refusal.MISSING_BASE: lambda: _("“效能亮榜”指标应填写基础分"),
        Refusal.BASE_OUT_OF_RANGE: lambda: _("基础分应在 0 和本项分值之间"),
        Refusal.BAD_RANK_TABLE: lambda: _("排名计分表的设置不合理（会得出负分，或表外名次得分高于表内最后一名）"),
        Refusal.DUPLICATE_UNIT: lambda: _("单位“%(unit)s”重复") % {"unit": problem.unit},
        Refusal.UNKNOWN_ITEM: lambda: _("指标编码“%(item)s”不在本年度考核方案中") % {"item": problem.item},
        Refusal.NOT_A_LEAF: lambda: _("“%(item)s”有下级指标，结果应填在下级指标上") % {"item": problem.item},
        Refusal.NOT_APPLICABLE: lambda: _("本项不适用于“%(category)s”类单位") % facts,
        Refusal.DUPLICATE_RESULT: lambda: _("同一单位同一指标的结果重复"),
        Refusal.MISSING_INPUT: lambda: _("本项计分方式需要填写这一列"),
        Refusal.UNEXPECTED_INPUT: lambda: _("本项计分方式不使用这一列，请留空"),
        Refusal.RANK_NOT_POSITIVE: lambda: _("排名应为 1 或更大的整数"),
        Refusal.PERCENT_OUT_OF_RANGE: lambda: _("赋分是百分比，应在 0 到 100 之间"),
        Refusal.LEAD_SCORES_ITSELF: lambda: _("牵头单位不给自己赋分：牵头单位本项按全省排名计分，请填写排名"),
        Refusal.NEGATIVE_POINTS: lambda: _("得分不能为负数"),
        Refusal.OVER_ITEM_POINTS: lambda: _("得分 %(points)s 分超过本项分值 %(item_points)s 分") % facts,
        Refusal.NOTHING_ASSIGNED: lambda: _("任务数应大于 0"),
        Refusal.NEGATIVE_MET: lambda: _("完成数不能为负数"),
        Refusal.MET_OVER_ASSIGNED: lambda: _("完成数 %(met)s 超过任务数 %(assigned)s") % facts,
        Refusal.NO_UNIT_UNDERTAKES: lambda: _(
            "“%(category)s”类单位没有一个承担本部分的指标，无法按同类单位平均分赋分") % facts,
    }
    return words[code]()


def method_labels() -> str:
    from assessment.rules import METHODS

    return "、".join(_(method.label) for method in METHODS.values())


def refusal_summary(problems: list[Problem], limit: int = 20) -> str:
    """Problems found by the roll-up, each with its item and unit: "2.1 东坝街道：…"."""
    lines = []
    for problem in problems[:limit]:
        where = " ".join(part for part in (problem.item, problem.unit) if part)
        lines.append(f"{where}：{refusal_text(problem)}" if where else refusal_text(problem))
    if len(problems) > limit:
        lines.append(_("……另有 %(count)d 处问题未列出") % {"count": len(problems) - limit})
    return "\n".join(lines)
