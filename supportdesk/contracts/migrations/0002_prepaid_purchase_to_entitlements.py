"""Prepaid purchases moved to ``entitlements`` (state only: the tables stay)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0002_ledgers_to_entitlements'),
        ('contracts', '0001_initial'),
        ('entitlements', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='prepaidpurchase',
                    name='customer',
                ),
                migrations.RemoveField(
                    model_name='prepaidpurchase',
                    name='tariff_version',
                ),
                migrations.DeleteModel(
                    name='HistoricalPrepaidPurchase',
                ),
                migrations.DeleteModel(
                    name='PrepaidPurchase',
                ),
            ],
        ),
    ]
