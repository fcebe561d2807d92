"""Ready-made schedules, enabled: reminders of forms near or past their deadline every day
at 08:30, and rectification forms for approved lights every 15 minutes (it opens nothing
unless the year's rules ask for it). The office may change or turn them off in the admin."""

from django.conf import settings
from django.db import migrations

REMINDERS = ("casework.tasks.form_reminders_task", "交办单到期提醒",
             "每天8:30检查：即将到期或已超期的问题交办单，提醒承办单位（每份每天至多一次）。")
RECTIFICATION = ("casework.tasks.rectification_forms_task", "亮灯自动交办整改",
                 "每15分钟检查：年度交办规则要求时，为审核通过的黄灯、红灯发出整改交办单（已发出的不重复）。")


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    task, name, description = REMINDERS
    if not PeriodicTask.objects.filter(task=task).exists():
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute="30", hour="8", day_of_month="*", month_of_year="*", day_of_week="*", timezone=settings.TIME_ZONE,
        )
        PeriodicTask.objects.create(name=name, task=task, crontab=crontab, enabled=True, description=description)
    task, name, description = RECTIFICATION
    if not PeriodicTask.objects.filter(task=task).exists():
        interval, _ = IntervalSchedule.objects.get_or_create(every=15, period="minutes")
        PeriodicTask.objects.create(name=name, task=task, interval=interval, enabled=True, description=description)


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        task__in=[REMINDERS[0], RECTIFICATION[0]]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0004_consequences_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
