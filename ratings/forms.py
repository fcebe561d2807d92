"""Forms of the admin screens: a rating, its evidence, and the reasons the office gives."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from departments.roles import is_office, user_department
from lib import uploads
from ratings import citations, rules, staging
from ratings.models import REASON_MAX_LENGTH, Criterion, Evidence, Period, Rating, RuleBook
from ratings.services import PROBLEM_MESSAGES, rating_validate, require_month_has_come

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
        if "reason" in self.fields:
            # The reason is printed on the public board as written.
            self.fields["reason"].help_text = _(
                "事由将原文刊登在公开的亮榜上，请勿填写个人隐私信息（如身份证号、手机号、家庭住址）。最多 %(limit)s 个字符。"
            ) % {"limit": f"{REASON_MAX_LENGTH:,}"}
        criterion = self.fields.get("criterion")
        if criterion is not None and self._criterion_required():
            # Marked required (bold label) and refused on the first save, in the rule
            # book's own words, not only when the rating is submitted.
            criterion.required = True
            criterion.error_messages["required"] = PROBLEM_MESSAGES[rules.CRITERION_MISSING]()
            widget = criterion.widget
            for item in (widget, getattr(widget, "widget", None)):
                if item is not None:
                    item.is_required = True

    def _period(self) -> Period | None:
        """The month the rating is for: its own, the one chosen in the form, or the one
        the form offers first."""
        if self.instance.period_id:
            return self.instance.period
        field = self.fields.get("period")
        if field is None:
            return None
        if self.is_bound:
            value = self.data.get(self.add_prefix("period"))
        else:
            value = self.get_initial_for_field(field, "period")
        if isinstance(value, Period):
            return value
        try:
            return field.to_python(value)
        except ValidationError:
            return None

    def _criterion_required(self) -> bool:
        period = self._period()
        if period is None:
            return False
        book = RuleBook.objects.filter(jurisdiction_id=period.jurisdiction_id, year=period.year).first()
        return bool(book and book.criterion_required and book.criteria.filter(is_active=True).exists())

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
            if target is not None and self.errors.get(target):
                # The form's own check (a required field, a required criterion) has said
                # what is wrong with this field already: one message per field.
                continue
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
    """Links an existing file to the protected download view, never to MEDIA_URL.

    A file kept from a form that came back with errors (``ratings.staging``) is shown as
    "已上传：name" with a box to remove it; its signed token comes back in a hidden field
    and stands for the file when no other one is chosen."""

    download_url: str | None = None
    download_name: str = ""
    staging_owner: staging.Owner | None = None
    staged: tuple[str, str] | None = None  # (name, token) of the file kept for this form
    staged_invalid = False  # a token came back that is not this user's, or has expired

    def format_value(self, value):
        if self.is_initial(value) and self.download_url:
            return _Link(self.download_url, self.download_name or str(value))
        return super().format_value(value)

    @staticmethod
    def staged_name(name: str) -> str:
        return f"{name}-staged"

    @staticmethod
    def staged_remove_name(name: str) -> str:
        return f"{name}-staged-remove"

    def value_from_datadict(self, data, files, name):
        upload = super().value_from_datadict(data, files, name)
        token = data.get(self.staged_name(name))
        if upload is not None or not token or data.get(self.staged_remove_name(name)):
            return upload
        cached = getattr(self, "_staged_upload", None)
        if cached is not None and cached.staged_token == token:
            return cached
        loaded = staging.load(token, owner=self.staging_owner) if self.staging_owner else None
        if loaded is None:
            self.staged_invalid = True
            return None
        self._staged_upload = loaded
        return loaded

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        if not self.staged:
            return html
        staged_name, token = self.staged
        return html + format_html(
            '<div class="lb-staged">{}<input type="hidden" name="{}" value="{}">'
            ' <label><input type="checkbox" name="{}" value="1"> {}</label></div>',
            _("已上传：%(name)s") % {"name": staged_name}, self.staged_name(name), token,
            self.staged_remove_name(name), _("移除"),
        )


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
    # Set by the admin on the class it builds for each request: whose staged files.
    staging_owner: staging.Owner | None = None
    staged_token = ""  # the file this form kept, to remove once it is attached

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
        widget.staging_owner = self.staging_owner
        if self.instance.pk:
            widget.download_url = reverse("ratings:evidence_download", args=[self.instance.pk])
            widget.download_name = str(self.instance)
        allowed = evidence_extensions()
        widget.attrs["accept"] = ",".join("." + ext for ext in allowed)
        field.help_text = _("可上传 %(allowed)s，单个文件不超过 %(max)s MB") % {
            "allowed": "、".join(allowed), "max": _limit_mb(settings.EVIDENCE_MAX_BYTES),
        }

    def has_changed(self) -> bool:
        # A token that no longer stands for a file is said, not silently dropped.
        widget = self.fields["file"].widget if "file" in self.fields else None
        return super().has_changed() or bool(getattr(widget, "staged_invalid", False))

    def clean(self):
        cleaned = super().clean()
        if "file" in self.fields and self.fields["file"].widget.staged_invalid and not cleaned.get("file"):
            self._errors.pop("file", None)
            self.add_error("file", ValidationError(_("之前上传的文件已失效，请重新选择文件"), code="staged_expired"))
        return cleaned

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        widget = self.fields["file"].widget
        # Only a newly uploaded file is checked; the stored one passed when it came in.
        # A kept file is checked again: it is attached only as it is now.
        if upload is not None and "file" in self.changed_data:
            # The cleaned name travels with the file: the admin keeps it as original_name
            # and the storage takes only its (checked) extension.
            upload.name = validate_evidence_file(upload)
            self.instance.original_name = upload.name
            token = getattr(upload, "staged_token", "")
            if not token and self.staging_owner is not None:
                # Kept in case the rating form comes back with errors.
                token = staging.stage(upload, owner=self.staging_owner, name=upload.name)
            if token:
                self.staged_token = token
                widget.staged = (upload.name, token)
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
