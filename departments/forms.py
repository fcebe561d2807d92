"""Form fields shared by the admin's forms."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from lib.identifiers import IdentifierError, normalise_identifier


class IdentifierField(forms.CharField):
    """A code or a name, normalised in the form's own data as every identifier is
    (lib.identifiers): a formset's duplicate check then sees Ｈ０９ and H09 as the one
    code they are, and an invisible character is an error on the field. (The models
    normalise too, for any other form and for the imports.)"""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        try:
            return normalise_identifier(value)
        except IdentifierError as exc:
            raise ValidationError(exc.message, code="identifier") from exc
