"""The working-day calendar for the roles: the office adds, changes and deletes days;
leaders read; raters have no permission."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OFFICE = "效能办"
LEADER = "领导"
ACTIONS = {OFFICE: ("add", "change", "delete", "view"), LEADER: ("view",)}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, actions in ACTIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(
            content_type__app_label="workdays", codename__in=[f"{action}_calendarday" for action in actions]
        ))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="workdays")
    for group in Group.objects.filter(name__in=list(ACTIONS)):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("workdays", "0001_initial"),
        ("ratings", "0002_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
