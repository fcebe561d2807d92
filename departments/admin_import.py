"""Admin import of organisations (django-import-export). Filled in by the imports work."""


class OrganisationImportAdminMixin:
    pass
