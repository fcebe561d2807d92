"""The social supervisors for the roles: the office keeps the roster, the tasks and the
commendations; nobody deletes a supervisor (a dismissal is recorded instead)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OFFICE = "效能办"
PERMS = {
    OFFICE: [
        ("supervisor", ("add", "change", "view")),
        ("supervisortask", ("add", "change", "delete", "view")),
        ("commendation", ("add", "change", "delete", "view")),
    ],
}
MODELS = sorted({model for table in PERMS.values() for model, _actions in table})


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, table in PERMS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for model, actions in table:
            group.permissions.add(*Permission.objects.filter(
                content_type__app_label="casework", codename__in=[f"{action}_{model}" for action in actions]
            ))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="casework", content_type__model__in=MODELS)
    for group in Group.objects.filter(name__in=list(PERMS)):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0006_supervisors"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
