"""Review requests for the roles: the office, raters and leaders read them in the admin
(each within their scope, reviews.selectors); decisions and statements have their own
forms. Unit staff have no admin: they file and follow on their desk."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ("效能办", "职能管理部门", "领导")


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.filter(content_type__app_label="reviews", codename="view_reviewrequest")
    for name in GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*view)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="reviews")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0001_initial"),
        ("ratings", "0002_roles"),
        ("departments", "0004_unit_staff"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
