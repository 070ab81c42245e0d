"""The agreement's constraints, after 0002 filled the terms of older quotes (separate
migration: PostgreSQL will not alter a table with row updates pending in the same
transaction)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agreements', '0002_agreement_terms'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='quote',
            index=models.Index(fields=['status', 'valid_until'], name='quote_open_idx'),
        ),
        migrations.AddConstraint(
            model_name='quote',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('amount__isnull', False), ('kind', 'fixed'), ('rate_per_hour__isnull', True)), models.Q(('amount__isnull', True), ('kind', 'hourly'), ('rate_per_hour__gt', 0)), _connector='OR'), name='quote_fixed_amount_or_hourly_rate', violation_error_message='A quote is a fixed amount or hours at a rate.'),
        ),
        migrations.AddConstraint(
            model_name='quote',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'proposed')), fields=('ticket',), name='quote_one_proposed_per_ticket'),
        ),
        migrations.AddConstraint(
            model_name='quote',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'accepted')), fields=('ticket',), name='quote_one_accepted_per_ticket'),
        ),
    ]
