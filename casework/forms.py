"""Forms for casework's own pages: the public report form, the tracking lookup, and a
unit's acknowledgement and reply. They parse; ``casework.services`` decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from casework import rules
from lib.identifiers import identifier_key


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the service, by its content."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        if not isinstance(data, (list, tuple)):
            data = [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in data if item]


class ReportForm(forms.Form):
    """作风效能问题举报: what, where, which unit, files, and how to reach the reporter
    (optional). ``website`` is a honeypot: people do not see it, robots fill it in."""

    title = forms.CharField(label=_("问题概要"), max_length=100,
                            widget=forms.TextInput(attrs={"placeholder": _("用一句话说明是什么问题")}))
    description = forms.CharField(
        label=_("具体情况"), max_length=rules.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": _("时间、经过、涉及的事项；请不要写他人的身份证号等个人信息")}),
    )
    location = forms.CharField(label=_("发生地点"), max_length=200, required=False)
    unit_name = forms.CharField(
        label=_("涉及单位"), max_length=100, required=False,
        help_text=_("可以不填；输入几个字即可从列表中选择"),
        widget=forms.TextInput(attrs={"list": "cw-units", "autocomplete": "off"}),
    )
    files = MultipleFileField(label=_("照片、视频或录音"), required=False)
    reporter_name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    reporter_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False,
                                     widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    reporter_email = forms.EmailField(label=_("电子邮箱"), required=False)
    website = forms.CharField(label=_("请勿填写此项"), required=False,
                              widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    def __init__(self, *args, units=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.units = list(units)

    def clean_unit_name(self):
        name = self.cleaned_data.get("unit_name", "").strip()
        if not name:
            return None
        key = identifier_key(name)
        for unit in self.units:
            if identifier_key(unit.name) == key:
                return unit
        raise forms.ValidationError(_("没有找到名为“%(name)s”的单位，请从列表中选择，或者不填") % {"name": name})

    def clean_reporter_phone(self):
        phone = self.cleaned_data.get("reporter_phone", "").strip()
        digits = "".join(c for c in phone if c.isdigit())
        if phone and not 7 <= len(digits) <= 15:
            raise forms.ValidationError(_("请填写正确的电话号码，或者不填"))
        return phone


class TrackForm(forms.Form):
    code = forms.CharField(label=_("查询码"), max_length=20,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}))

    def clean_code(self):
        code = rules.tracking_code_clean(self.cleaned_data.get("code", ""))
        if not code:
            raise forms.ValidationError(_("查询码是 10 位字母和数字，如 ABCDE-FGHJK，请核对后再输入"))
        return code


class StepForm(forms.Form):
    """A unit's step on a form: acknowledge (签收), reply (整改情况, with evidence) or a note."""

    action = forms.ChoiceField(choices=[(a, a) for a in (rules.ACKNOWLEDGE, rules.REPLY, rules.NOTE)])
    text = forms.CharField(label=_("内容"), max_length=rules.TEXT_MAX_LENGTH, required=False,
                           widget=forms.Textarea(attrs={"rows": 5}))
    files = MultipleFileField(label=_("整改佐证"), required=False)
