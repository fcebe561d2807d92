"""Excel/CSV export of the admin lists of ratings and scores (django-import-export),
with the same column names as the year's workbook (``ratings.sheets``).

Export only: ratings are imported through ``ratings.resources``. The year's scores are
exported by ``assessment.export_resources`` on the same terms. Text typed by users that a spreadsheet would read as a formula is prefixed
with an apostrophe (OWASP's advice for CSV, and a plain string in .xlsx).

What the office reads of an export is in its language: the export page lists the
columns by their Chinese names (the library would title-case the attribute names:
"Unit Code"), the Excel sheet is titled like the list (the library leaves tablib's
"Tablib Dataset"), and the file is named after the list and the local date
(效能亮榜认定_2026-12-02.xlsx; the library writes ``Rating-<UTC date>.xlsx``), sent with
an RFC 5987 ``filename*`` that every browser decodes.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.admin import ExportMixin
from import_export.forms import SelectableFieldsExportForm

from ratings import sheets as wb
from ratings.models import Rating

STATUS = "状态"
YEAR = "年度"
NUMBER = widgets.IntegerWidget(coerce_to_string=False)  # numbers stay numbers in .xlsx


# User text that starts like a formula gets a leading apostrophe, as in the open data CSV.
formula_safe = wb.formula_safe


def export_filename(*, title: str, extension: str, at: datetime) -> str:
    """``效能亮榜认定_2026-12-02.xlsx``: the list's name and the date where the office is."""
    return f"{title}_{timezone.localdate(at).isoformat()}.{extension}"


class TitledResource(resources.ModelResource):
    """A resource whose Excel sheet carries its name, and whose file carries ``file_title``."""

    file_title = gettext_lazy("效能亮榜导出")

    def export(self, *args, **kwargs):
        dataset = super().export(*args, **kwargs)
        dataset.title = str(self.get_display_name())
        return dataset


class ColumnNamesExportForm(SelectableFieldsExportForm):
    """The export form's column boxes, labelled with the columns' names as the file has them."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for resource in self.resources:
            columns = resource().fields
            for name, column in columns.items():
                box = self.fields.get(self.create_boolean_field_name(resource, name))
                if box is not None:
                    box.label = column.column_name


class ChineseExportMixin(ExportMixin):
    """django-import-export's export, with the column names, sheet title and file name above."""

    export_form_class = ColumnNamesExportForm

    def get_export_filename(self, request, queryset, file_format) -> str:
        resource = self.choose_export_resource_class(None, request)
        return export_filename(title=str(resource.file_title), extension=file_format.get_extension(),
                               at=timezone.now())

    def _do_file_export(self, file_format, request, queryset, export_form=None) -> HttpResponse:
        # The library puts the name in a plain filename="…", which a non-ASCII name cannot
        # travel in (Django would MIME-encode it); the export itself stays the library's.
        response = super()._do_file_export(file_format, request, queryset, export_form=export_form)
        response["Content-Disposition"] = content_disposition_header(
            True, self.get_export_filename(request, queryset, file_format))
        return response


class RatingExportResource(TitledResource):
    """Every rating of the list, as the workbook's 认定明细 sheet shows it, plus its status."""

    number = fields.Field(attribute="pk", column_name=wb.NUMBER, widget=NUMBER)
    month = fields.Field(column_name=wb.MONTH)
    department = fields.Field(column_name=wb.DEPARTMENT)
    unit_code = fields.Field(column_name=wb.CODE)
    unit = fields.Field(column_name=wb.UNIT)
    kind = fields.Field(column_name=wb.KIND)
    criterion = fields.Field(column_name=wb.CRITERION)
    reason = fields.Field(column_name=wb.REASON)
    escalated_from = fields.Field(column_name=wb.ESCALATED_FROM)
    status = fields.Field(column_name=STATUS)

    file_title = gettext_lazy("效能亮榜认定")

    class Meta:
        model = Rating
        name = gettext_lazy("认定")
        fields = ("number", "month", "department", "unit_code", "unit", "kind", "criterion", "reason",
                  "escalated_from", "status")
        export_order = fields

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("period", "department", "unit", "criterion", "escalated_after__period")

    def dehydrate_month(self, rating: Rating) -> str:
        return rating.period.label

    def dehydrate_department(self, rating: Rating) -> str:
        return formula_safe(rating.department.name)

    def dehydrate_unit_code(self, rating: Rating) -> str:
        return formula_safe(rating.unit.code)

    def dehydrate_unit(self, rating: Rating) -> str:
        return formula_safe(rating.unit.name)

    def dehydrate_kind(self, rating: Rating) -> str:
        return wb.KIND_TEXT[rating.effective_kind]

    def dehydrate_criterion(self, rating: Rating) -> str:
        criterion = rating.criterion
        return formula_safe(f"{criterion.code} {criterion.text}") if criterion else ""

    def dehydrate_reason(self, rating: Rating) -> str:
        return formula_safe(rating.reason)

    def dehydrate_escalated_from(self, rating: Rating) -> str:
        after = rating.escalated_after
        return wb.escalated_from(
            rating.escalation, rating.escalated_after_id, after.period.year if after else None,
            after.period.month if after else None,
        ) or ""

    def dehydrate_status(self, rating: Rating) -> str:
        return str(Rating.Status(rating.status).label)
