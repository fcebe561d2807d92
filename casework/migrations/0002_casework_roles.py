"""Casework for the roles: the office enters and triages items, answers them and issues
and follows the forms; nobody deletes an item or a step (the original is kept). Units
work on their desk, not in the admin; raters and leaders see none of it there."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OFFICE = "效能办"
OFFICE_PERMS = [
    ("report", ("add", "change", "view")),
    ("reply", ("add", "change", "view")),
    ("assignmentform", ("add", "change", "view")),
    ("caseworksettings", ("add", "change", "view")),
    ("reportfile", ("view",)),
    ("formevent", ("view",)),
    ("eventfile", ("view",)),
    ("formpause", ("view",)),
]
MODELS = [model for model, _actions in OFFICE_PERMS]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=OFFICE)
    for model, actions in OFFICE_PERMS:
        group.permissions.add(*Permission.objects.filter(
            content_type__app_label="casework", codename__in=[f"{action}_{model}" for action in actions]
        ))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="casework", content_type__model__in=MODELS)
    for group in Group.objects.filter(name=OFFICE):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0001_initial"),
        ("ratings", "0002_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
