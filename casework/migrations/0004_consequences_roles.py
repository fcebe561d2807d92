"""The new casework records for the roles: the office keeps the year's consequences, the
accountability records, the interface keys and the 12345 work orders, and reads the
ledger and the follow-ups (both are written by the product, never by hand). Raters and
leaders read the work orders: the departments cite a unit's figures in their ratings."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OFFICE, RATER, LEADER = "效能办", "职能管理部门", "领导"
PERMS = {
    OFFICE: [
        ("accountability", ("add", "change", "view")),
        ("caseworkyear", ("add", "change", "view")),
        ("apikey", ("add", "change", "view")),
        ("workorder", ("add", "view")),
        ("deduction", ("view",)),
        ("followup", ("view",)),
    ],
    RATER: [("workorder", ("view",))],
    LEADER: [("workorder", ("view",))],
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
        ("casework", "0003_consequences_workorders_open311"),
        ("casework", "0002_casework_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
