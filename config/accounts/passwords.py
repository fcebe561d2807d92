"""Password validation: Django's validators, one of them with its message reworded."""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with its message in the project's catalogue: Django 5.2 reworded it and
    its Simplified Chinese catalogue has not caught up, so it showed in English."""

    def get_error_message(self) -> str:
        return ngettext(
            "密码太短，至少需要 %(min_length)d 个字符。",
            "密码太短，至少需要 %(min_length)d 个字符。",
            self.min_length,
        ) % {"min_length": self.min_length}
