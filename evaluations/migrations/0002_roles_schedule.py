"""The evaluations' records for the roles, the 评议员 group, and the morning schedule.

The office keeps the groups, rounds and surveys; the leaders read rounds and surveys
(their results show once closed). Nobody is given the answers' tables: the admin never
lists an answer. 评议员 (counties', firms' and residents' evaluators) need no admin:
their sheets and daily evaluations are at /evaluations/."""

from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations

OFFICE, LEADER, EVALUATOR = "效能办", "领导", "评议员"
PERMS = {
    OFFICE: [
        ("evaluatorgroup", ("add", "change", "delete", "view")),
        ("round", ("add", "change", "delete", "view")),
        ("survey", ("add", "change", "delete", "view")),
        ("dailyevaluation", ("view",)),
    ],
    LEADER: [("round", ("view",)), ("survey", ("view",))],
}
MODELS = sorted({model for table in PERMS.values() for model, _actions in table})
TASK = ("evaluations.tasks.evaluation_rounds_task", "评议到期提醒与结束",
        "每天8:00：结束评议期已过的评议轮次和满意度测评，提醒尚未提交评议表的评议人（每人每隔几天一次，截止当天再提醒）。")


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get_or_create(name=EVALUATOR)
    for name, table in PERMS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for model, actions in table:
            group.permissions.add(*Permission.objects.filter(
                content_type__app_label="evaluations", codename__in=[f"{action}_{model}" for action in actions]))
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    task, name, description = TASK
    if not PeriodicTask.objects.filter(task=task).exists():
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute="0", hour="8", day_of_month="*", month_of_year="*", day_of_week="*", timezone=settings.TIME_ZONE)
        PeriodicTask.objects.create(name=name, task=task, crontab=crontab, enabled=True, description=description)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="evaluations", content_type__model__in=MODELS)
    for group in Group.objects.filter(name__in=list(PERMS)):
        group.permissions.remove(*perms)
    Group.objects.filter(name=EVALUATOR).delete()
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK[0]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0001_initial"),
        ("casework", "0009_supervisor_link"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
