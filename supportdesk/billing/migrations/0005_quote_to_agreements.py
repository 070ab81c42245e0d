"""Quotes moved to ``agreements`` (state only: the tables stay)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('agreements', '0001_initial'),
        ('billing', '0004_fee_per_contract_year'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.RemoveField(
                model_name='quote',
                name='created_by',
            ),
            migrations.RemoveField(
                model_name='quote',
                name='decided_by',
            ),
            migrations.RemoveField(
                model_name='quote',
                name='ticket',
            ),
            migrations.DeleteModel(
                name='HistoricalQuote',
            ),
            migrations.DeleteModel(
                name='Quote',
            ),
            ],
        ),
    ]
