"""The forms of review: the unit's request, the department's statement, the office's decision."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ratings.forms import evidence_extensions, validate_evidence_file
from reviews import rules
from reviews.services import MAX_ATTACHMENTS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input, each checked like evidence (type by content, size)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(_("最多上传 %(max)d 个附件") % {"max": MAX_ATTACHMENTS})
        for upload in files:
            validate_evidence_file(upload)
            upload.seek(0)
        return files


class FilingForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("申请理由"), max_length=rules.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("说明认定哪里不符合事实或细则，最多 2000 字"),
    )
    files = MultipleFileField(label=gettext_lazy("附件"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        allowed = evidence_extensions()
        self.fields["files"].widget.attrs["accept"] = ",".join("." + ext for ext in allowed)
        self.fields["files"].help_text = _("可上传 %(allowed)s，最多 %(count)d 个，单个文件不超过 %(max)s MB") % {
            "allowed": "、".join(allowed), "count": MAX_ATTACHMENTS,
            "max": f"{settings.EVIDENCE_MAX_BYTES / (1024 * 1024):.2f}".rstrip("0").rstrip("."),
        }


class StatementForm(forms.Form):
    statement = forms.CharField(
        label=gettext_lazy("部门说明"), max_length=rules.REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 6, "cols": 70}),
        help_text=gettext_lazy("作出认定的部门对申请的说明，供效能办复核时参考，被考核单位可以看到"),
    )


UPHOLD = "upheld"


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=gettext_lazy("复核决定"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=gettext_lazy("复核意见"), max_length=rules.REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5, "cols": 70}),
        help_text=gettext_lazy("被考核单位和作出认定的部门都会看到"),
    )

    def __init__(self, *args, changes: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [(UPHOLD, _("维持原认定"))] + changes
