"""Admin import of spreadsheets (django-import-export): upload, preview, confirm.

Only the office imports, always into its own jurisdiction, through the same
resources and reader as the management commands, all or nothing."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from import_export.admin import ImportMixin
from import_export.forms import ImportForm

from departments.importing import (
    IMPORT_FORMATS, ImportRejected, Summary, check_headers, check_size, parse_spreadsheet, result_errors,
    spreadsheet_kind,
)
from departments.resources import OrganisationResource
from departments.roles import is_office, user_jurisdiction


class SpreadsheetImportForm(ImportForm):
    """The upload step: an .xlsx or .csv file within the size limit, readable, with
    the expected headers; what is wrong with the file as a whole is a form error."""

    def __init__(self, formats, resources, *, headers: tuple[Sequence[str], Sequence[str]] = ((), ()), **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.required_headers, self.optional_headers = headers

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        try:
            kind = spreadsheet_kind(upload.name)
            check_size(upload.size)
            dataset = parse_spreadsheet(b"".join(upload.chunks()), kind=kind)
            if self.required_headers:
                check_headers(dataset.headers, self.required_headers, self.optional_headers)
        except ImportRejected as exc:
            raise ValidationError(exc.messages)
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
        return {**super().get_import_form_kwargs(request), "headers": (resource.required_headers, resource.optional_headers)}

    def get_import_data_kwargs(self, **kwargs) -> dict:
        kwargs = super().get_import_data_kwargs(**kwargs)
        # All or nothing, in the preview and when confirmed.
        kwargs.setdefault("use_transactions", True)
        kwargs.setdefault("rollback_on_validation_errors", True)
        return kwargs

    def add_data_read_fail_error_to_form(self, form, e: Exception) -> None:
        if isinstance(e, ImportRejected):
            for message in e.messages:
                form.add_error("import_file", message)
        else:
            form.add_error("import_file", _("无法读取文件，请确认所选格式与文件一致（.xlsx 或 .csv）"))

    def process_result(self, result, request: HttpRequest):
        # The data may have changed between the preview and the confirmation
        # (a month closed meanwhile): then nothing was written; say why.
        errors = result_errors(result)
        if errors:
            messages.error(request, _("导入失败，没有写入任何数据：") + "；".join(str(e) for e in errors))
            url = reverse("admin:%s_%s_import" % self.get_model_info(), current_app=self.admin_site.name)
            return HttpResponseRedirect(url)
        return super().process_result(result, request)

    def add_success_message(self, result, request: HttpRequest) -> None:
        messages.success(request, _("导入完成：%(summary)s") % {"summary": Summary.of(result)})


class OrganisationImportAdminMixin(SpreadsheetImportAdminMixin):
    """单位名录: 编码, 名称, 类别, 角色."""

    resource_classes = [OrganisationResource]
