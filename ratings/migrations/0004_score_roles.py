"""Year-end scores for the roles: the office runs roll-ups and records vetoes and
promotions; leaders read. Raters see no scores."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OFFICE = "效能办"
LEADER = "领导"

OFFICE_PERMS = [
    ("gradeadjustment", ("add", "change", "delete", "view")),
    ("yearscore", ("view",)),
    ("rolluprun", ("add", "view")),
]
LEADER_PERMS = [
    ("gradeadjustment", ("view",)),
    ("yearscore", ("view",)),
    ("rolluprun", ("view",)),
]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, table in ((OFFICE, OFFICE_PERMS), (LEADER, LEADER_PERMS)):
        group, _ = Group.objects.get_or_create(name=name)
        for model, actions in table:
            group.permissions.add(*Permission.objects.filter(
                content_type__app_label="ratings", codename__in=[f"{action}_{model}" for action in actions]
            ))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(
        content_type__app_label="ratings", content_type__model__in=["gradeadjustment", "yearscore", "rolluprun"]
    )
    for group in Group.objects.filter(name__in=[OFFICE, LEADER]):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("ratings", "0003_year_scores"),
        ("ratings", "0002_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
