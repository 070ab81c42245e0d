"""The ledgers and prepaid purchases moved here from ``billing`` and ``contracts``.

State only: the tables keep their names (``db_table``), so an existing database keeps every
row. The content types (and with them the permissions given to groups) follow the models.
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


MOVED = {
    "billing": ("allowancebalance", "allowanceledgerentry", "bankledgerentry", "hourbank"),
    "contracts": ("prepaidpurchase", "historicalprepaidpurchase"),
}


def move_content_types(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for old_label, models_ in MOVED.items():
        for model in models_:
            if content_type.objects.using(db).filter(app_label="entitlements",
                                                     model=model).exists():
                continue
            content_type.objects.using(db).filter(app_label=old_label, model=model).update(
                app_label="entitlements")


def move_content_types_back(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for old_label, models_ in MOVED.items():
        content_type.objects.using(db).filter(app_label="entitlements",
                                              model__in=models_).update(app_label=old_label)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('billing', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('contracts', '0001_initial'),
        ('customers', '0001_initial'),
        ('worklog', '0003_workentry_idempotency_key'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='HistoricalPrepaidPurchase',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('created_at', models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(blank=True, editable=False, verbose_name='updated at')),
                        ('hours', models.PositiveIntegerField(verbose_name='hours')),
                        ('price', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='price (€)')),
                        ('purchased_on', models.DateField(verbose_name='purchased on')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('customer', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='customers.customer', verbose_name='customer')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('tariff_version', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='contracts.tariffversion', verbose_name='tariff version')),
                    ],
                    options={
                        'verbose_name': 'historical prepaid hours purchase',
                        'verbose_name_plural': 'historical prepaid hours purchases',
                        'db_table': 'contracts_historicalprepaidpurchase',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='PrepaidPurchase',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('hours', models.PositiveIntegerField(verbose_name='hours')),
                        ('price', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='price (€)')),
                        ('purchased_on', models.DateField(verbose_name='purchased on')),
                        ('customer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='prepaid_purchases', to='customers.customer', verbose_name='customer')),
                        ('tariff_version', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='contracts.tariffversion', verbose_name='tariff version')),
                    ],
                    options={
                        'verbose_name': 'prepaid hours purchase',
                        'verbose_name_plural': 'prepaid hours purchases',
                        'db_table': 'contracts_prepaidpurchase',
                        'ordering': ['-purchased_on'],
                    },
                ),
                migrations.CreateModel(
                    name='BankLedgerEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('minutes', models.IntegerField(verbose_name='minutes')),
                        ('reason', models.CharField(choices=[('grant', 'Yearly included hours'), ('purchase', 'Prepaid hours bought'), ('draw', 'Used by work'), ('reversal', 'Reversed (work edited or deleted)'), ('adjustment', 'Manual adjustment')], max_length=16, verbose_name='reason')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('customer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='bank_ledger', to='customers.customer')),
                        ('work_entry', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='worklog.workentry')),
                        ('purchase', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='bank_ledger', to='entitlements.prepaidpurchase')),
                    ],
                    options={
                        'verbose_name': 'prepaid hours ledger entry',
                        'verbose_name_plural': 'prepaid hours ledger',
                        'db_table': 'billing_bankledgerentry',
                        'ordering': ['id'],
                    },
                ),
                migrations.CreateModel(
                    name='AllowanceBalance',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('contract_year', models.PositiveSmallIntegerField(verbose_name='contract year')),
                        ('year_starts_on', models.DateField()),
                        ('year_ends_on', models.DateField()),
                        ('channel', models.CharField(choices=[('phone', 'Phone'), ('remote', 'Remote'), ('office', 'At our offices'), ('onsite', 'At customer premises')], max_length=16, verbose_name='channel')),
                        ('granted_minutes', models.PositiveIntegerField(verbose_name='included minutes')),
                        ('balance_minutes', models.IntegerField(verbose_name='minutes left')),
                        ('contract', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='allowance_balances', to='contracts.contract')),
                    ],
                    options={
                        'verbose_name': 'included hours balance',
                        'verbose_name_plural': 'included hours balances',
                        'db_table': 'billing_allowancebalance',
                        'constraints': [models.UniqueConstraint(fields=('contract', 'contract_year', 'channel'), name='allowance_balance_unique'), models.CheckConstraint(condition=models.Q(('balance_minutes__gte', 0)), name='allowance_balance_never_negative'), models.CheckConstraint(condition=models.Q(('balance_minutes__lte', models.F('granted_minutes'))), name='allowance_balance_within_grant')],
                    },
                ),
                migrations.CreateModel(
                    name='AllowanceLedgerEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('contract_year', models.PositiveSmallIntegerField(verbose_name='contract year')),
                        ('channel', models.CharField(choices=[('phone', 'Phone'), ('remote', 'Remote'), ('office', 'At our offices'), ('onsite', 'At customer premises')], max_length=16, verbose_name='channel')),
                        ('minutes', models.IntegerField(verbose_name='minutes')),
                        ('reason', models.CharField(choices=[('grant', 'Yearly included hours'), ('purchase', 'Prepaid hours bought'), ('draw', 'Used by work'), ('reversal', 'Reversed (work edited or deleted)'), ('adjustment', 'Manual adjustment')], max_length=16, verbose_name='reason')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('contract', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='allowance_ledger', to='contracts.contract')),
                        ('work_entry', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='worklog.workentry')),
                    ],
                    options={
                        'verbose_name': 'included hours ledger entry',
                        'verbose_name_plural': 'included hours ledger',
                        'db_table': 'billing_allowanceledgerentry',
                        'ordering': ['id'],
                        'indexes': [models.Index(fields=['contract', 'contract_year', 'channel'], name='billing_all_contrac_582997_idx'), models.Index(fields=['work_entry'], name='billing_all_work_en_742a46_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('minutes', 0), _negated=True), name='allowance_ledger_not_zero')],
                    },
                ),
                migrations.CreateModel(
                    name='HourBank',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('balance_minutes', models.IntegerField(default=0, verbose_name='minutes left')),
                        ('customer', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='hour_bank', to='customers.customer')),
                    ],
                    options={
                        'verbose_name': 'prepaid hour bank',
                        'verbose_name_plural': 'prepaid hour banks',
                        'db_table': 'billing_hourbank',
                        'constraints': [models.CheckConstraint(condition=models.Q(('balance_minutes__gte', 0)), name='hour_bank_never_negative')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='prepaidpurchase',
                    constraint=models.CheckConstraint(condition=models.Q(('hours__gte', 1)), name='prepaid_purchase_at_least_one_hour', violation_error_message='Prepaid hours are bought in whole hours, at least 1.'),
                ),
                migrations.AddConstraint(
                    model_name='prepaidpurchase',
                    constraint=models.CheckConstraint(condition=models.Q(('price__gte', 0)), name='prepaid_purchase_price_not_negative'),
                ),
                migrations.AddIndex(
                    model_name='bankledgerentry',
                    index=models.Index(fields=['customer', 'id'], name='billing_ban_custome_e8d489_idx'),
                ),
                migrations.AddIndex(
                    model_name='bankledgerentry',
                    index=models.Index(fields=['work_entry'], name='billing_ban_work_en_6ab113_idx'),
                ),
                migrations.AddConstraint(
                    model_name='bankledgerentry',
                    constraint=models.CheckConstraint(condition=models.Q(('minutes', 0), _negated=True), name='bank_ledger_not_zero'),
                ),
                migrations.AddConstraint(
                    model_name='bankledgerentry',
                    constraint=models.UniqueConstraint(condition=models.Q(('reason', 'purchase')), fields=('purchase',), name='bank_ledger_purchase_once'),
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
