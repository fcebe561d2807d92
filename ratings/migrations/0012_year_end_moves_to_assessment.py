"""The year-end models move to the assessment app (assessment 0001): only Django's idea of
which app holds them changes; their tables stay as they are, with their data."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('ratings', '0011_deadline_reminder_schedule'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
            migrations.RemoveField(
                model_name='historicalgradeadjustment',
                name='created_by',
            ),
            migrations.RemoveField(
                model_name='historicalgradeadjustment',
                name='history_user',
            ),
            migrations.RemoveField(
                model_name='historicalgradeadjustment',
                name='jurisdiction',
            ),
            migrations.RemoveField(
                model_name='historicalgradeadjustment',
                name='unit',
            ),
            migrations.RemoveField(
                model_name='rolluprun',
                name='created_by',
            ),
            migrations.RemoveField(
                model_name='rolluprun',
                name='jurisdiction',
            ),
            migrations.RemoveField(
                model_name='yearscore',
                name='category',
            ),
            migrations.RemoveField(
                model_name='yearscore',
                name='jurisdiction',
            ),
            migrations.RemoveField(
                model_name='yearscore',
                name='rulebook',
            ),
            migrations.RemoveField(
                model_name='yearscore',
                name='unit',
            ),
            migrations.DeleteModel(
                name='GradeAdjustment',
            ),
            migrations.DeleteModel(
                name='HistoricalGradeAdjustment',
            ),
            migrations.DeleteModel(
                name='RollupRun',
            ),
            migrations.DeleteModel(
                name='YearScore',
            ),
            ],
        ),
    ]
