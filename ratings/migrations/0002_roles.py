"""The three roles as Django groups, with their model permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OFFICE = "效能办"
RATER = "职能管理部门"
LEADER = "领导"

# (app_label, model) -> actions, per role. Row-level limits (own department only)
# are applied by the admin and the services.
OFFICE_MODELS = [
    ("departments", m) for m in ("jurisdiction", "category", "organisation", "department", "unit", "profile")
] + [("ratings", m) for m in ("rulebook", "criterion", "period", "rating", "evidence")] + [
    ("auth", "user"),
]
RATER_PERMS = [
    ("ratings", "rating", ("add", "change", "delete", "view")),
    ("ratings", "evidence", ("add", "change", "delete", "view")),
    ("ratings", "rulebook", ("view",)),
    ("ratings", "criterion", ("view",)),
    ("ratings", "period", ("view",)),
    ("departments", "unit", ("view",)),
    ("departments", "organisation", ("view",)),
]
LEADER_MODELS = [
    ("departments", m) for m in ("jurisdiction", "category", "organisation", "department", "unit")
] + [("ratings", m) for m in ("rulebook", "criterion", "period", "rating", "evidence")]


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perms(app_label, model, actions):
        return list(
            Permission.objects.filter(
                content_type__app_label=app_label,
                codename__in=[f"{action}_{model}" for action in actions],
            )
        )

    office, _ = Group.objects.get_or_create(name=OFFICE)
    for app_label, model in OFFICE_MODELS:
        office.permissions.add(*perms(app_label, model, ("add", "change", "delete", "view")))
    rater, _ = Group.objects.get_or_create(name=RATER)
    for app_label, model, actions in RATER_PERMS:
        rater.permissions.add(*perms(app_label, model, actions))
    leader, _ = Group.objects.get_or_create(name=LEADER)
    for app_label, model in LEADER_MODELS:
        leader.permissions.add(*perms(app_label, model, ("view",)))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[OFFICE, RATER, LEADER]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ratings", "0001_initial"),
        ("departments", "0002_default_jurisdiction"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_groups, remove_groups)]
