from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ManualConfig(AppConfig):
    name = "manual"
    verbose_name = _("使用手册")
