from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = _("效能亮榜认定")

    def ready(self) -> None:
        # Ratings cite organisations: an organisation's role may not change under them.
        from departments import citations as organisation_citations
        from ratings import citations, notices  # noqa: F401  (notices: the login receiver)

        organisation_citations.register(citations.organisation_change_problems)
