"""Excel/CSV export of the admin list of year scores (django-import-export), with the
columns of the workbook's 总表, on the terms of ``ratings.export_resources``."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext_lazy
from import_export import fields, widgets

from assessment.models import GradeAdjustment, YearScore
from assessment.workbook import score_remarks
from ratings import sheets as wb
from ratings.export_resources import NUMBER, YEAR, TitledResource, formula_safe


class YearScoreExportResource(TitledResource):
    """The scores of the list, as the workbook's 总表 shows them, plus the year."""

    year = fields.Field(attribute="year", column_name=YEAR, widget=NUMBER)
    unit_code = fields.Field(column_name=wb.CODE)
    unit_name = fields.Field(column_name=wb.NAME)
    category = fields.Field(column_name=wb.CATEGORY)
    red_flags = fields.Field(attribute="red_flags", column_name=wb.RED_FLAGS, widget=NUMBER)
    yellow_lights = fields.Field(attribute="yellow_lights", column_name=wb.YELLOW_LIGHTS, widget=NUMBER)
    red_lights = fields.Field(attribute="red_lights", column_name=wb.RED_LIGHTS, widget=NUMBER)
    points = fields.Field(attribute="points", column_name=wb.POINTS, widget=widgets.DecimalWidget(coerce_to_string=False))
    rank_overall = fields.Field(attribute="rank_overall", column_name=wb.RANK, widget=NUMBER)
    rank_in_category = fields.Field(attribute="rank_in_category", column_name=wb.CATEGORY_RANK, widget=NUMBER)
    grade = fields.Field(column_name=wb.GRADE)
    remarks = fields.Field(column_name=wb.REMARKS)

    file_title = gettext_lazy("效能亮榜年度得分")

    class Meta:
        model = YearScore
        name = gettext_lazy("年度得分")
        fields = ("year", "unit_code", "unit_name", "category", "red_flags", "yellow_lights", "red_lights", "points",
                  "rank_overall", "rank_in_category", "grade", "remarks")
        export_order = fields

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._reasons: dict[tuple[int, int], dict[tuple[int, str], str]] = {}

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("unit", "category")

    def before_export(self, queryset, **kwargs) -> None:
        # The reasons of every veto and promotion behind the listed scores, in one query.
        reasons: dict[tuple[int, int], dict[tuple[int, str], str]] = defaultdict(dict)
        for unit_id, year, kind, reason in GradeAdjustment.objects.filter(
            unit_id__in=queryset.values("unit_id"), year__in=queryset.values("year")
        ).values_list("unit_id", "year", "kind", "reason"):
            reasons[(unit_id, year)][(unit_id, kind)] = reason
        self._reasons = reasons

    def dehydrate_unit_code(self, score: YearScore) -> str:
        return formula_safe(score.unit.code)

    def dehydrate_unit_name(self, score: YearScore) -> str:
        return formula_safe(score.unit.name)

    def dehydrate_category(self, score: YearScore) -> str:
        return formula_safe(score.category.name) if score.category_id else wb.UNCATEGORISED

    def dehydrate_grade(self, score: YearScore) -> str:
        return wb.GRADE_TEXT[score.grade]

    def dehydrate_remarks(self, score: YearScore) -> str:
        return formula_safe(score_remarks(score, self._reasons.get((score.unit_id, score.year), {})))
