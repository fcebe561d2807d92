"""Admin import of criteria and ratings (django-import-export): upload, preview, confirm."""

from __future__ import annotations

from django.http import HttpRequest

from departments.admin_import import SpreadsheetImportAdminMixin
from ratings import services
from ratings.resources import CriterionResource, RatingResource


class CriterionImportAdminMixin(SpreadsheetImportAdminMixin):
    """认定细则条目: 编码, 内容, 类型, and optionally 年度.

    The admin has no year to ask for, so the file may carry a 年度 column; rows
    without one go into the current year's rule book (created with the default
    settings when missing)."""

    resource_classes = [CriterionResource]

    def get_import_resource_kwargs(self, request: HttpRequest, **kwargs) -> dict:
        return {
            **super().get_import_resource_kwargs(request, **kwargs),
            "year": services.today().year,
            "year_column": True,
        }


class RatingImportAdminMixin(SpreadsheetImportAdminMixin):
    """认定: 月份, 职能管理部门, 被考核单位, 类型, 认定条目, 事由, 较大影响.

    Rows become submitted ratings recorded by the office user; the office then
    approves them in the change list (``import_ratings --approve`` does both)."""

    resource_classes = [RatingResource]
