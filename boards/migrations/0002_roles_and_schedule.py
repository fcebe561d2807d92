"""Publishing for the roles, and a ready-made (disabled) schedule.

- The office (效能办) publishes months and year tables and watches the runs; it may
  also schedule publication in the admin's periodic tasks (django-celery-beat).
- Leaders (领导) read the editions and runs. Raters see nothing of publishing: the
  public site is where everyone reads the boards.
- A periodic task "publish every closed month" on the 10th of each month at 09:00,
  created **disabled**: the office turns it on (and may change the day) in the admin.
"""

from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations

OFFICE = "效能办"
LEADER = "领导"

OFFICE_PERMS = [
    ("boards", "boardmonth", ("view",)),
    ("boards", "edition", ("view",)),
    ("boards", "publishrun", ("add", "view")),
    ("boards", "publishedyear", ("add", "view")),
    ("django_celery_beat", "periodictask", ("add", "change", "view")),
    ("django_celery_beat", "crontabschedule", ("add", "change", "view")),
]
LEADER_PERMS = [
    ("boards", "boardmonth", ("view",)),
    ("boards", "edition", ("view",)),
    ("boards", "publishrun", ("view",)),
    ("boards", "publishedyear", ("view",)),
]

TASK_NAME = "发布已关账月份的效能亮榜"
TASK = "boards.tasks.publish_pending_task"


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, table in ((OFFICE, OFFICE_PERMS), (LEADER, LEADER_PERMS)):
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, model, actions in table:
            group.permissions.add(*Permission.objects.filter(
                content_type__app_label=app_label, content_type__model=model,
                codename__in=[f"{action}_{model}" for action in actions],
            ))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="boards")
    beat = Permission.objects.filter(
        content_type__app_label="django_celery_beat", content_type__model__in=["periodictask", "crontabschedule"]
    )
    for group in Group.objects.filter(name__in=[OFFICE, LEADER]):
        group.permissions.remove(*perms, *beat)


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    if PeriodicTask.objects.filter(task=TASK).exists():
        return
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="9", day_of_month="10", month_of_year="*", day_of_week="*", timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.create(
        name=TASK_NAME, task=TASK, crontab=crontab, enabled=False,
        description="每月10日9:00发布所有已关账、尚未发布的月份；内容与已发布版本不同的月份需效能办填写更正说明后手动发布。",
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("boards", "0001_initial"),
        ("ratings", "0002_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [
        migrations.RunPython(grant, revoke),
        migrations.RunPython(schedule, unschedule),
    ]
