"""Forms of the admin screens: a rating, its evidence, and the reasons the office gives."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from departments.roles import is_office, user_department
from ratings import uploads
from ratings import citations
from ratings.models import Criterion, Evidence, Period, Rating, RuleBook
from ratings.services import rating_validate, require_month_has_come

# Fields the rating form edits; the rest (status, result, review) only the services set.
RATING_FORM_FIELDS = ("period", "department", "unit", "kind", "criterion", "serious_impact", "reason")


class RatingAdminForm(forms.ModelForm):
    """The rating entry form. Validation is the service's own, so that the admin shows
    exactly what rating_record / rating_update would refuse, next to the right field."""

    # Set by the admin on the class it builds for each request.
    request_user = None

    class Meta:
        model = Rating
        fields = RATING_FORM_FIELDS
        widgets = {"reason": forms.Textarea(attrs={"rows": 4, "cols": 60})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        user = self.request_user
        # A rater always rates for its own department: the field is not in the form.
        if self.instance._state.adding and user is not None and not is_office(user):
            department = user_department(user)
            if department is not None:
                self.instance.department = department

    def _post_clean(self) -> None:
        super()._post_clean()
        needed = ("period", "department", "unit", "kind")
        if any(name in self._errors for name in needed):
            return
        rating = self.instance
        if any(getattr(rating, f"{name}_id", None) is None for name in ("period", "department", "unit")):
            return
        try:
            rating_validate(rating=rating)
        except ValidationError as exc:
            self._add_service_errors(exc)

    def _add_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for field, errors in exc.error_dict.items():
            target = field if field in self.fields else None
            if target is None and field != NON_FIELD_ERRORS:
                label = Rating._meta.get_field(field).verbose_name
                errors = [ValidationError("%s：%s" % (label, "；".join(e.messages))) for e in errors]
            self.add_error(target, errors)


def _add_citation_problems(form: forms.ModelForm, problems: citations.Problems) -> None:
    for field, messages in problems.items():
        form.add_error(field if field in form.fields else None, messages)


class CriterionForm(forms.ModelForm):
    """A criterion, on its own page or in its rule book's list: its kind and its rule
    book stay while ratings cite it (``ratings.citations``), said next to the field."""

    class Meta:
        model = Criterion
        fields = ("rulebook", "code", "text", "kind", "is_active")

    def _post_clean(self) -> None:
        super()._post_clean()
        _add_citation_problems(self, citations.criterion_change_problems(self.instance))


class CriterionInlineFormSet(forms.BaseInlineFormSet):
    """The rule book's criteria: one that ratings cite is not deleted, and the form
    says how many ratings cite it (before the admin's own check lists every one)."""

    def clean(self) -> None:
        problems = [citations.criterion_delete_problem(form.instance) for form in self.deleted_forms]
        problems = [problem for problem in problems if problem]
        if problems:
            raise ValidationError(problems)
        super().clean()


class RuleBookForm(forms.ModelForm):
    """A rule book's settings: its year and jurisdiction stay while ratings cite its
    criteria (``ratings.citations``)."""

    class Meta:
        model = RuleBook
        fields = "__all__"

    def _post_clean(self) -> None:
        super()._post_clean()
        _add_citation_problems(self, citations.rulebook_change_problems(self.instance))


class PeriodForm(forms.ModelForm):
    """Opening a month by hand (月度 › 增加): a month still ahead is refused next to the
    month, with the months that can be opened, before anything is written."""

    class Meta:
        model = Period
        fields = ("jurisdiction", "year", "month")

    def clean(self):
        cleaned = super().clean()
        year, month = cleaned.get("year"), cleaned.get("month")
        if self.instance._state.adding and year and month and 1 <= month <= 12:
            try:
                require_month_has_come(year=year, month=month)
            except ValidationError as exc:
                self.add_error("month", exc)
        return cleaned


class EvidenceFileInput(forms.ClearableFileInput):
    """Links an existing file to the protected download view, never to MEDIA_URL."""

    download_url: str | None = None
    download_name: str = ""

    def format_value(self, value):
        if self.is_initial(value) and self.download_url:
            return _Link(self.download_url, self.download_name or str(value))
        return super().format_value(value)


class _Link:
    def __init__(self, url: str, name: str) -> None:
        self.url, self.name = url, name

    def __str__(self) -> str:
        return self.name


def _limit_mb(max_bytes: int) -> str:
    """The size limit as people say it: "10", "0.5" (MB)."""
    return f"{max_bytes / (1024 * 1024):.2f}".rstrip("0").rstrip(".")


TYPE_LABELS = {
    "pdf": "PDF", "jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "doc": "Word", "docx": "Word",
    "xls": "Excel", "xlsx": "Excel", "ofd": "OFD",
}


def evidence_extensions() -> list[str]:
    """The types that may be uploaded: the configured ones whose content can be checked."""
    return uploads.allowed_extensions(settings.EVIDENCE_EXTENSIONS)


def validate_evidence_file(upload) -> str:
    """The rule for attachments: an allowed type, by its extension and by its content,
    not empty, not over the size limit. Returns the name to show and download it under;
    raises a ValidationError that names the file."""
    name = uploads.display_name(getattr(upload, "name", "") or "")
    ext = uploads.extension(name)
    name = name or _("佐证材料")
    allowed = evidence_extensions()
    problem = uploads.evidence_problem(
        name=name, size=upload.size or 0, stream=upload, allowed=allowed, max_bytes=settings.EVIDENCE_MAX_BYTES,
    )
    if problem is None:
        return name
    label = TYPE_LABELS.get(ext) or _("文本")
    messages = {
        uploads.Problem.EXTENSION: _("“%(name)s”：不支持的文件类型“%(ext)s”，只能上传：%(allowed)s"),
        uploads.Problem.EMPTY: _("“%(name)s”是空文件，请选择有内容的文件"),
        uploads.Problem.SIZE: _("“%(name)s”文件过大（%(size)s），单个文件不能超过 %(max)s MB"),
        uploads.Problem.CONTENT: _(
            "“%(name)s”的内容不是 %(type)s 文件，与扩展名“%(ext)s”不符；请上传原始文件，不要只改扩展名"
        ),
        uploads.Problem.MARKUP: _("“%(name)s”中含有网页代码（HTML、SVG 或脚本），不能作为佐证材料上传"),
    }
    raise ValidationError(
        messages[problem] % {
            "name": name, "ext": ext or _("无扩展名"), "allowed": "、".join(allowed), "type": label,
            "size": filesizeformat(upload.size or 0), "max": _limit_mb(settings.EVIDENCE_MAX_BYTES),
        },
        code=problem.value,
    )


class EvidenceForm(forms.ModelForm):
    class Meta:
        model = Evidence
        fields = ("file",)
        widgets = {"file": EvidenceFileInput}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "file" not in self.fields:
            return  # a read-only inline shows a download link instead
        field = self.fields["file"]
        # The stored name is random: a long name is shortened for display, not refused,
        # and an empty file gets the message that names it (validate_evidence_file).
        field.max_length = None
        field.allow_empty_file = True
        widget = field.widget
        if self.instance.pk:
            widget.download_url = reverse("ratings:evidence_download", args=[self.instance.pk])
            widget.download_name = str(self.instance)
        allowed = evidence_extensions()
        widget.attrs["accept"] = ",".join("." + ext for ext in allowed)
        field.help_text = _("可上传 %(allowed)s，单个文件不超过 %(max)s MB") % {
            "allowed": "、".join(allowed), "max": _limit_mb(settings.EVIDENCE_MAX_BYTES),
        }

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        # Only a newly uploaded file is checked; the stored one passed when it came in.
        if upload is not None and "file" in self.changed_data:
            # The cleaned name travels with the file: the admin keeps it as original_name
            # and the storage takes only its (checked) extension.
            upload.name = validate_evidence_file(upload)
            self.instance.original_name = upload.name
        return upload


class ReasonForm(forms.Form):
    """The reason the office gives when it returns ratings or reopens a month."""

    reason = forms.CharField(
        label=gettext_lazy("原因"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=2000,
        error_messages={"required": gettext_lazy("请填写原因")},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("请填写原因"), code="required")
        return reason
