"""The composite scorecard: its items and results, and the composite result on the year scores."""

import assessment.models
import django.db.models.deletion
import simple_history.models
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assessment', '0001_year_end_from_ratings'),
        ('departments', '0004_unit_staff'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='yearscore',
            name='composite_detail',
            field=models.JSONField(blank=True, default=dict, verbose_name='综合得分明细'),
        ),
        migrations.AddField(
            model_name='yearscore',
            name='composite_rank',
            field=models.PositiveIntegerField(blank=True, help_text='有分类别指标时为类别内排名', null=True, verbose_name='综合排名'),
        ),
        migrations.AddField(
            model_name='yearscore',
            name='composite_total',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=8, null=True, verbose_name='综合得分'),
        ),
        migrations.CreateModel(
            name='HistoricalScorecard',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('name', models.CharField(blank=True, help_text='例如“2026年度综合考核方案”', max_length=200, verbose_name='名称')),
                ('total_points', models.DecimalField(blank=True, decimal_places=2, help_text='各部分分值之和应等于总分，例如 300；留空则不核对', max_digits=8, null=True, verbose_name='总分')),
                ('rank_first_losing', models.PositiveSmallIntegerField(default=4, help_text='此名次之前（如第1—3名）得该项全部分值', verbose_name='开始扣减的名次')),
                ('rank_step', models.DecimalField(decimal_places=2, default=Decimal('5'), help_text='从开始扣减的名次起，每降一名少得该项分值的此百分比', max_digits=5, verbose_name='每降一名扣减（%）')),
                ('rank_last', models.PositiveSmallIntegerField(default=16, verbose_name='逐名扣减至第几名')),
                ('rank_after_last', models.DecimalField(decimal_places=2, default=Decimal('30'), help_text='排在“逐名扣减至第几名”之后的名次，得该项分值的此百分比', max_digits=5, verbose_name='此后各名次得分（%）')),
                ('promotion_top_rank', models.PositiveSmallIntegerField(blank=True, help_text='任一按排名计分的指标全省排名在此名次以内（含）的单位例外晋级为优秀；留空则不自动晋级', null=True, verbose_name='例外晋级名次')),
                ('grading_method', models.CharField(choices=[('threshold', '按分数线'), ('share', '按比例')], default='share', max_length=16, verbose_name='等次评定方式')),
                ('excellent_min', models.DecimalField(decimal_places=2, default=Decimal('270'), max_digits=8, verbose_name='优秀分数线')),
                ('good_min', models.DecimalField(decimal_places=2, default=Decimal('240'), max_digits=8, verbose_name='良好分数线')),
                ('fair_min', models.DecimalField(decimal_places=2, default=Decimal('180'), max_digits=8, verbose_name='一般分数线')),
                ('excellent_share', models.PositiveSmallIntegerField(default=30, verbose_name='优秀比例（%）')),
                ('good_share', models.PositiveSmallIntegerField(default=40, verbose_name='良好比例（%）')),
                ('poor_share', models.PositiveSmallIntegerField(default=10, verbose_name='较差比例（%）')),
                ('reopened', models.BooleanField(default=False, help_text='已有考核结果的方案默认冻结；效能办重新开放后方可修改指标', verbose_name='已重新开放修改')),
                ('results_locked', models.BooleanField(default=False, help_text='锁定后，牵头单位不能再录入或修改本年度结果，导入也被拒绝', verbose_name='结果已锁定')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('jurisdiction', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='departments.jurisdiction', verbose_name='辖区')),
            ],
            options={
                'verbose_name': 'historical 考核方案',
                'verbose_name_plural': 'historical 考核方案',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Scorecard',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('name', models.CharField(blank=True, help_text='例如“2026年度综合考核方案”', max_length=200, verbose_name='名称')),
                ('total_points', models.DecimalField(blank=True, decimal_places=2, help_text='各部分分值之和应等于总分，例如 300；留空则不核对', max_digits=8, null=True, verbose_name='总分')),
                ('rank_first_losing', models.PositiveSmallIntegerField(default=4, help_text='此名次之前（如第1—3名）得该项全部分值', verbose_name='开始扣减的名次')),
                ('rank_step', models.DecimalField(decimal_places=2, default=Decimal('5'), help_text='从开始扣减的名次起，每降一名少得该项分值的此百分比', max_digits=5, verbose_name='每降一名扣减（%）')),
                ('rank_last', models.PositiveSmallIntegerField(default=16, verbose_name='逐名扣减至第几名')),
                ('rank_after_last', models.DecimalField(decimal_places=2, default=Decimal('30'), help_text='排在“逐名扣减至第几名”之后的名次，得该项分值的此百分比', max_digits=5, verbose_name='此后各名次得分（%）')),
                ('promotion_top_rank', models.PositiveSmallIntegerField(blank=True, help_text='任一按排名计分的指标全省排名在此名次以内（含）的单位例外晋级为优秀；留空则不自动晋级', null=True, verbose_name='例外晋级名次')),
                ('grading_method', models.CharField(choices=[('threshold', '按分数线'), ('share', '按比例')], default='share', max_length=16, verbose_name='等次评定方式')),
                ('excellent_min', models.DecimalField(decimal_places=2, default=Decimal('270'), max_digits=8, verbose_name='优秀分数线')),
                ('good_min', models.DecimalField(decimal_places=2, default=Decimal('240'), max_digits=8, verbose_name='良好分数线')),
                ('fair_min', models.DecimalField(decimal_places=2, default=Decimal('180'), max_digits=8, verbose_name='一般分数线')),
                ('excellent_share', models.PositiveSmallIntegerField(default=30, verbose_name='优秀比例（%）')),
                ('good_share', models.PositiveSmallIntegerField(default=40, verbose_name='良好比例（%）')),
                ('poor_share', models.PositiveSmallIntegerField(default=10, verbose_name='较差比例（%）')),
                ('reopened', models.BooleanField(default=False, help_text='已有考核结果的方案默认冻结；效能办重新开放后方可修改指标', verbose_name='已重新开放修改')),
                ('results_locked', models.BooleanField(default=False, help_text='锁定后，牵头单位不能再录入或修改本年度结果，导入也被拒绝', verbose_name='结果已锁定')),
                ('jurisdiction', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='scorecards', to='departments.jurisdiction', verbose_name='辖区')),
            ],
            options={
                'verbose_name': '考核方案',
                'verbose_name_plural': '考核方案',
                'ordering': ['jurisdiction', '-year'],
            },
        ),
        migrations.CreateModel(
            name='ScorecardItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=32, verbose_name='编码')),
                ('name', models.CharField(max_length=200, verbose_name='名称')),
                ('points', models.DecimalField(decimal_places=2, max_digits=8, verbose_name='分值')),
                ('method', models.CharField(blank=True, choices=assessment.models.method_choices, help_text='有下级的项目不填，按下级合计', max_length=32, verbose_name='计分方式')),
                ('base', models.DecimalField(blank=True, decimal_places=2, help_text='仅“效能亮榜”计分方式使用', max_digits=8, null=True, verbose_name='基础分')),
                ('order', models.PositiveIntegerField(default=0, verbose_name='顺序')),
                ('categories', models.ManyToManyField(blank=True, help_text='不选表示适用于所有类别', related_name='+', to='departments.category', verbose_name='适用类别')),
                ('lead_unit', models.ForeignKey(blank=True, limit_choices_to={'is_unit': True}, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='departments.organisation', verbose_name='牵头单位')),
                ('parent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='children', to='assessment.scorecarditem', verbose_name='上级')),
                ('scorecard', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='assessment.scorecard', verbose_name='考核方案')),
            ],
            options={
                'verbose_name': '考核指标',
                'verbose_name_plural': '考核指标',
                'ordering': ['scorecard', 'order', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='ItemResult',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('rank', models.PositiveIntegerField(blank=True, null=True, verbose_name='排名')),
                ('score', models.DecimalField(blank=True, decimal_places=2, help_text='赋分：百分比 0—100；直接引用：分值', max_digits=8, null=True, verbose_name='得分')),
                ('met', models.PositiveIntegerField(blank=True, null=True, verbose_name='完成数')),
                ('assigned', models.PositiveIntegerField(blank=True, null=True, verbose_name='任务数')),
                ('source', models.CharField(choices=[('import', '导入'), ('entry', '牵头单位录入')], default='import', max_length=16, verbose_name='来源')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                ('unit', models.ForeignKey(limit_choices_to={'is_unit': True}, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='departments.organisation', verbose_name='被考核单位')),
                ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='录入人')),
                ('item', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='results', to='assessment.scorecarditem', verbose_name='指标')),
            ],
            options={
                'verbose_name': '指标结果',
                'verbose_name_plural': '指标结果',
                'ordering': ['item__order', 'item__pk', 'unit__code'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalItemResult',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('rank', models.PositiveIntegerField(blank=True, null=True, verbose_name='排名')),
                ('score', models.DecimalField(blank=True, decimal_places=2, help_text='赋分：百分比 0—100；直接引用：分值', max_digits=8, null=True, verbose_name='得分')),
                ('met', models.PositiveIntegerField(blank=True, null=True, verbose_name='完成数')),
                ('assigned', models.PositiveIntegerField(blank=True, null=True, verbose_name='任务数')),
                ('source', models.CharField(choices=[('import', '导入'), ('entry', '牵头单位录入')], default='import', max_length=16, verbose_name='来源')),
                ('updated_at', models.DateTimeField(blank=True, editable=False, verbose_name='更新时间')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('unit', models.ForeignKey(blank=True, db_constraint=False, limit_choices_to={'is_unit': True}, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='departments.organisation', verbose_name='被考核单位')),
                ('updated_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='录入人')),
                ('item', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='assessment.scorecarditem', verbose_name='指标')),
            ],
            options={
                'verbose_name': 'historical 指标结果',
                'verbose_name_plural': 'historical 指标结果',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddConstraint(
            model_name='scorecard',
            constraint=models.UniqueConstraint(fields=('jurisdiction', 'year'), name='scorecard_one_per_year'),
        ),
        migrations.AddConstraint(
            model_name='scorecarditem',
            constraint=models.UniqueConstraint(fields=('scorecard', 'code'), name='scorecard_item_code_unique'),
        ),
        migrations.AddConstraint(
            model_name='itemresult',
            constraint=models.UniqueConstraint(fields=('item', 'unit'), name='item_result_one_per_unit'),
        ),
    ]
