"""Admin import of spreadsheets (django-import-export): upload, preview, confirm.

Only the office imports, always into its own jurisdiction, through the same
resources and reader as the management commands, all or nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from import_export.admin import ImportMixin
from import_export.forms import ImportForm

from departments.importing import (
    IMPORT_FORMATS, ImportRejected, Summary, check_size, read_dataset, result_errors, spreadsheet_kind,
)
from departments.resources import OrganisationResource
from departments.roles import is_office, user_jurisdiction


class SpreadsheetImportForm(ImportForm):
    """The upload step: an .xlsx or .csv file within the size limit, readable, with
    the expected headers and no formula or merged cell in them; what is wrong with
    the file as a whole is a form error. ``notes`` say what will be ignored."""

    def __init__(self, formats, resources, *,
                 headers: tuple[Sequence[str], Sequence[str], Mapping[str, str], Mapping[str, int]] = ((), (), {}, {}),
                 **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.required_headers, self.optional_headers, self.refused_headers, self.column_limits = headers
        self.fields["import_file"].error_messages["empty"] = _("文件是空的")
        self.notes: list[str] = []

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        try:
            spreadsheet_kind(upload.name)
            check_size(upload.size)  # before reading it
            dataset = read_dataset(
                name=upload.name, content=b"".join(upload.chunks()),
                required=self.required_headers, optional=self.optional_headers, refused=self.refused_headers,
                limits=self.column_limits,
            )
        except ImportRejected as exc:
            raise ValidationError(exc.listed)
        self.notes = list(dataset.sheet_info.notes)
        return upload

    def clean(self) -> dict:
        cleaned = super().clean()
        upload, chosen = cleaned.get("import_file"), cleaned.get("format")
        if upload and chosen not in (None, ""):
            titles = dict(self.fields["format"].choices)
            kind = spreadsheet_kind(upload.name)
            if titles.get(chosen) != kind:
                # Read the file as what its name says rather than fail on a wrong choice.
                cleaned["format"] = next(value for value, title in titles.items() if title == kind)
        return cleaned


class SpreadsheetImportAdminMixin(ImportMixin):
    """The import button on a ModelAdmin's change list, for the office only."""

    import_formats = IMPORT_FORMATS  # .xlsx and .csv (UTF-8 or GBK)
    import_form_class = SpreadsheetImportForm
    import_error_display = ("message",)

    def has_import_permission(self, request: HttpRequest) -> bool:
        return is_office(request.user) and user_jurisdiction(request.user) is not None

    def get_import_resource_kwargs(self, request: HttpRequest, **kwargs) -> dict:
        return {"jurisdiction": user_jurisdiction(request.user), "user": request.user}

    def get_import_form_kwargs(self, request: HttpRequest) -> dict:
        resource = self.get_import_resource_classes(request)[0](**self.get_import_resource_kwargs(request))
        return {**super().get_import_form_kwargs(request), "headers": (
            resource.required_headers, resource.optional_headers, resource.refused_headers, resource.column_limits,
        )}

    def get_import_data_kwargs(self, **kwargs) -> dict:
        kwargs = super().get_import_data_kwargs(**kwargs)
        # All or nothing, in the preview and when confirmed.
        kwargs.setdefault("use_transactions", True)
        kwargs.setdefault("rollback_on_validation_errors", True)
        return kwargs

    def import_action(self, request: HttpRequest, **kwargs):
        response = super().import_action(request, **kwargs)
        # The preview says what it read but will not import (ignored columns, other
        # worksheets, rows already recorded).
        context = getattr(response, "context_data", None) or {}
        result, form = context.get("result"), context.get("form")
        for note in getattr(result, "notes", None) or getattr(form, "notes", None) or ():
            messages.warning(request, note)
        return response

    def process_import(self, request: HttpRequest, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except ImportRejected as exc:
            # The stored upload no longer reads as it did at the preview (a limit changed,
            # the file went): nothing was written.
            return self._refused(request, exc.listed)

    def add_data_read_fail_error_to_form(self, form, e: Exception) -> None:
        if isinstance(e, ImportRejected):
            for message in e.listed:
                form.add_error("import_file", message)
        else:
            form.add_error("import_file", _("无法读取文件，请确认所选格式与文件一致（.xlsx 或 .csv）"))

    def process_result(self, result, request: HttpRequest):
        # The data may have changed between the preview and the confirmation
        # (a month closed meanwhile): then nothing was written; say why.
        errors = result_errors(result)
        if errors:
            return self._refused(request, ImportRejected(errors).listed)
        return super().process_result(result, request)

    def _refused(self, request: HttpRequest, problems: list[str]) -> HttpResponseRedirect:
        messages.error(request, _("导入失败，没有写入任何数据：") + "；".join(problems))
        url = reverse("admin:%s_%s_import" % self.get_model_info(), current_app=self.admin_site.name)
        return HttpResponseRedirect(url)

    def add_success_message(self, result, request: HttpRequest) -> None:
        messages.success(request, _("导入完成：%(summary)s") % {"summary": Summary.of(result)})


class OrganisationImportAdminMixin(SpreadsheetImportAdminMixin):
    """单位名录: 编码, 名称, 类别, 角色."""

    resource_classes = [OrganisationResource]
