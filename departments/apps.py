from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepartmentsConfig(AppConfig):
    name = "departments"
    verbose_name = _("组织机构")

    def ready(self) -> None:
        # An id too large for its column matches no row, in every query (config.ids).
        from config.ids import register_range_checks

        register_range_checks()
