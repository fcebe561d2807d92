"""Helpers for tests that drive the admin's forms through HTTP."""

from __future__ import annotations

from typing import Any


def _field_value(bound_field) -> Any:
    value = bound_field.value()
    if value is None:
        return ""
    if value is True:
        return "on"
    if value is False:
        return None
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return value


def form_data(response, **changes: Any) -> dict[str, Any]:
    """The POST data of an admin change form as it was rendered, with ``changes``
    applied: what a browser would send after the user edited those fields."""
    data: dict[str, Any] = {}

    def add(form) -> None:
        for name in form.fields:
            bound = form[name]
            if bound.field.disabled or name == "file":
                continue
            value = _field_value(bound)
            if value is not None:
                data[bound.html_name] = value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for form in formset.initial_forms:
            add(form)
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        # Extra (empty) forms are not sent.
        data[management.add_prefix("TOTAL_FORMS")] = len(formset.initial_forms)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def inline_management(prefix: str, total: int = 0, initial: int = 0) -> dict[str, Any]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []
