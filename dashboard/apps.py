from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = _("数据看板")

    def ready(self) -> None:
        from dashboard.tasks import warm_figures_later
        from ratings.signals import figures_changed

        figures_changed.connect(warm_figures_later, dispatch_uid="dashboard-warm-figures")
