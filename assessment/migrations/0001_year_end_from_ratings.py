"""The year-end models, from ratings (ratings 0012), on the tables they had there.

The content types follow them, so that the groups' permissions on them (ratings 0004),
the admin's history and the version history keep pointing at them."""

import django.db.models.deletion
import simple_history.models
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


MOVED = ["gradeadjustment", "historicalgradeadjustment", "rolluprun", "yearscore"]


def _relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def content_types_follow(apps, schema_editor):
    _relabel(apps, "ratings", "assessment")


def content_types_go_back(apps, schema_editor):
    _relabel(apps, "assessment", "ratings")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('departments', '0004_unit_staff'),
        ('ratings', '0012_year_end_moves_to_assessment'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
            migrations.CreateModel(
                name='HistoricalGradeAdjustment',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                    ('kind', models.CharField(choices=[('veto', '一票否决'), ('promotion', '例外晋级')], help_text='一票否决：不论得分，不得评为优秀；例外晋级：直接评为优秀。加减分仍按实际计算', max_length=16, verbose_name='类型')),
                    ('reason', models.TextField(verbose_name='原因')),
                    ('created_at', models.DateTimeField(blank=True, editable=False, verbose_name='登记时间')),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.TextField(null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='登记人')),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('jurisdiction', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='departments.jurisdiction', verbose_name='辖区')),
                    ('unit', models.ForeignKey(blank=True, db_constraint=False, limit_choices_to={'is_unit': True}, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='departments.organisation', verbose_name='被考核单位')),
                ],
                options={
                    'verbose_name': 'historical 等次调整',
                    'verbose_name_plural': 'historical 等次调整（一票否决 / 例外晋级）',
                    'db_table': 'ratings_historicalgradeadjustment',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.CreateModel(
                name='RollupRun',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                    ('through_month', models.PositiveSmallIntegerField(blank=True, help_text='空表示全年', null=True, verbose_name='统计截至月份')),
                    ('status', models.CharField(choices=[('queued', '排队中'), ('running', '计算中'), ('done', '已完成'), ('failed', '失败')], default='queued', max_length=16, verbose_name='状态')),
                    ('total', models.PositiveIntegerField(default=0, verbose_name='单位总数')),
                    ('done', models.PositiveIntegerField(default=0, verbose_name='已完成单位')),
                    ('error', models.TextField(blank=True, verbose_name='错误信息')),
                    ('task_id', models.CharField(blank=True, max_length=64, verbose_name='任务编号')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='发起时间')),
                    ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='开始时间')),
                    ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='结束时间')),
                    ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='发起人')),
                    ('jurisdiction', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='rollup_runs', to='departments.jurisdiction', verbose_name='辖区')),
                ],
                options={
                    'verbose_name': '年度得分计算',
                    'verbose_name_plural': '年度得分计算',
                    'db_table': 'ratings_rolluprun',
                    'ordering': ['-created_at', '-pk'],
                },
            ),
            migrations.CreateModel(
                name='GradeAdjustment',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                    ('kind', models.CharField(choices=[('veto', '一票否决'), ('promotion', '例外晋级')], help_text='一票否决：不论得分，不得评为优秀；例外晋级：直接评为优秀。加减分仍按实际计算', max_length=16, verbose_name='类型')),
                    ('reason', models.TextField(verbose_name='原因')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='登记时间')),
                    ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='登记人')),
                    ('jurisdiction', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='grade_adjustments', to='departments.jurisdiction', verbose_name='辖区')),
                    ('unit', models.ForeignKey(limit_choices_to={'is_unit': True}, on_delete=django.db.models.deletion.PROTECT, related_name='grade_adjustments', to='departments.organisation', verbose_name='被考核单位')),
                ],
                options={
                    'verbose_name': '等次调整',
                    'verbose_name_plural': '等次调整（一票否决 / 例外晋级）',
                    'db_table': 'ratings_gradeadjustment',
                    'ordering': ['jurisdiction', '-year', 'unit__code', 'kind'],
                    'constraints': [models.UniqueConstraint(fields=('unit', 'year', 'kind'), name='grade_adjustment_one_per_kind'), models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='grade_adjustment_has_reason')],
                },
            ),
            migrations.CreateModel(
                name='YearScore',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                    ('red_flags', models.PositiveIntegerField(default=0, verbose_name='红旗数')),
                    ('yellow_lights', models.PositiveIntegerField(default=0, verbose_name='黄灯数')),
                    ('red_lights', models.PositiveIntegerField(default=0, verbose_name='红灯数')),
                    ('points', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=8, verbose_name='加减分')),
                    ('rank_overall', models.PositiveIntegerField(verbose_name='排名')),
                    ('rank_in_category', models.PositiveIntegerField(verbose_name='类别排名')),
                    ('grade_by_points', models.CharField(choices=[('excellent', '优秀'), ('good', '良好'), ('fair', '一般'), ('poor', '较差')], max_length=16, verbose_name='按得分等次')),
                    ('grade', models.CharField(choices=[('excellent', '优秀'), ('good', '良好'), ('fair', '一般'), ('poor', '较差')], max_length=16, verbose_name='等次')),
                    ('veto_applied', models.BooleanField(default=False, verbose_name='一票否决')),
                    ('promotion_applied', models.BooleanField(default=False, verbose_name='例外晋级')),
                    ('rulebook_version', models.PositiveIntegerField(blank=True, null=True, verbose_name='细则版本')),
                    ('computed_at', models.DateTimeField(verbose_name='计算时间')),
                    ('is_year_to_date', models.BooleanField(default=False, verbose_name='年度累计（未满全年）')),
                    ('through_month', models.PositiveSmallIntegerField(default=12, verbose_name='统计截至月份')),
                    ('category', models.ForeignKey(blank=True, db_constraint=False, db_index=False, help_text='计算时单位所属的类别', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='departments.category', verbose_name='类别')),
                    ('jurisdiction', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='year_scores', to='departments.jurisdiction', verbose_name='辖区')),
                    ('rulebook', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='ratings.rulebook', verbose_name='认定细则')),
                    ('unit', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='year_scores', to='departments.organisation', verbose_name='被考核单位')),
                ],
                options={
                    'verbose_name': '年度得分',
                    'verbose_name_plural': '年度得分',
                    'db_table': 'ratings_yearscore',
                    'ordering': ['jurisdiction', '-year', 'rank_overall', 'unit__code'],
                    'constraints': [models.UniqueConstraint(fields=('jurisdiction', 'year', 'unit'), name='year_score_one_per_unit_year'), models.CheckConstraint(condition=models.Q(('through_month__gte', 1), ('through_month__lte', 12)), name='year_score_month_1_12')],
                },
            ),
            ],
        ),
        migrations.RunPython(content_types_follow, content_types_go_back),
    ]
