"""The periodic task that queues again the notification deliveries a broker outage left
waiting: every 15 minutes, enabled (it is a safety net, not a decision of the office)."""

from django.conf import settings
from django.db import migrations

TASK_NAME = "重新排队未发出的通知邮件"
TASK = "notifications.tasks.retry_queued"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    if PeriodicTask.objects.filter(task=TASK).exists() or PeriodicTask.objects.filter(name=TASK_NAME).exists():
        return
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="*/15", hour="*", day_of_month="*", month_of_year="*", day_of_week="*", timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.create(
        name=TASK_NAME, task=TASK, crontab=crontab, enabled=True,
        description="每15分钟把排队超过10分钟仍未发出的通知邮件重新排队（任务队列中断后补发）。",
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
