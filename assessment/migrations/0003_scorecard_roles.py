"""The scorecard for the roles: the office keeps the scorecard, its items and the results;
leaders read them. Raters and units see none of it in the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OFFICE = "效能办"
LEADER = "领导"
MODELS = ["scorecard", "scorecarditem", "itemresult"]

OFFICE_PERMS = [(model, ("add", "change", "delete", "view")) for model in MODELS]
LEADER_PERMS = [(model, ("view",)) for model in MODELS]


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
                content_type__app_label="assessment", codename__in=[f"{action}_{model}" for action in actions]
            ))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="assessment", content_type__model__in=MODELS)
    for group in Group.objects.filter(name__in=[OFFICE, LEADER]):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0002_scorecard"),
        ("ratings", "0002_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
