"""The ledgers moved to ``entitlements`` (state only: the tables stay)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0001_initial'),
        ('entitlements', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='allowanceledgerentry',
                    name='actor',
                ),
                migrations.RemoveField(
                    model_name='allowanceledgerentry',
                    name='contract',
                ),
                migrations.RemoveField(
                    model_name='allowanceledgerentry',
                    name='work_entry',
                ),
                migrations.RemoveField(
                    model_name='bankledgerentry',
                    name='actor',
                ),
                migrations.RemoveField(
                    model_name='bankledgerentry',
                    name='customer',
                ),
                migrations.RemoveField(
                    model_name='bankledgerentry',
                    name='purchase',
                ),
                migrations.RemoveField(
                    model_name='bankledgerentry',
                    name='work_entry',
                ),
                migrations.RemoveField(
                    model_name='hourbank',
                    name='customer',
                ),
                migrations.DeleteModel(
                    name='AllowanceBalance',
                ),
                migrations.DeleteModel(
                    name='AllowanceLedgerEntry',
                ),
                migrations.DeleteModel(
                    name='BankLedgerEntry',
                ),
                migrations.DeleteModel(
                    name='HourBank',
                ),
            ],
        ),
    ]
