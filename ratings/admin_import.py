"""Admin import of criteria and ratings (django-import-export). Filled in by the imports work."""


class CriterionImportAdminMixin:
    pass


class RatingImportAdminMixin:
    pass
