"""A ready-made schedule for the submission-deadline reminders (催报): every day at
09:00, enabled. The task itself decides whether today is in a reminder window (the rule
book's deadline and reminder days, in working days); the office may change the time or
turn it off in the admin's periodic tasks."""

from django.conf import settings
from django.db import migrations

TASK = "ratings.tasks.deadline_reminders_task"
TASK_NAME = "报送截止提醒（催报）"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    if PeriodicTask.objects.filter(task=TASK).exists():
        return
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="9", day_of_month="*", month_of_year="*", day_of_week="*", timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.create(
        name=TASK_NAME, task=TASK, crontab=crontab, enabled=True,
        description="每天9:00检查：上月认定报送截止前（认定细则中设定的工作日数内），提醒尚未填报任何认定的职能管理部门。",
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ratings", "0010_period_revised_at"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
