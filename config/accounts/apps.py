from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "config.accounts"
    label = "accounts"
    verbose_name = _("账号安全")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Django's and the libraries' English written outside gettext, in the reader's language.
        from config import library_text

        library_text.install()
