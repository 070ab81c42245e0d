"""The contract fee is billed per contract year (§4 "annual cost"), not once per contract.

Fee statements issued before this were the contract's first year: they are numbered 1.
"""

from django.conf import settings
from django.db import migrations, models


def first_years(apps, schema_editor):
    statement = apps.get_model("billing", "Statement")
    statement.objects.using(schema_editor.connection.alias).filter(
        kind="contract_fee", contract_year__isnull=True).update(contract_year=1)


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0003_vendor_logo'),
        ('contracts', '0002_prepaid_purchase_to_entitlements'),
        ('customers', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='statement',
            name='statement_one_fee_per_contract',
        ),
        migrations.AddField(
            model_name='historicalstatement',
            name='contract_year',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='contract year'),
        ),
        migrations.AddField(
            model_name='statement',
            name='contract_year',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='contract year'),
        ),
        migrations.RunPython(first_years, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='statement',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'contract_fee')), fields=('contract', 'contract_year'), name='statement_one_fee_per_contract_year'),
        ),
        migrations.AddConstraint(
            model_name='statement',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'contract_fee'), _negated=True), ('contract_year__isnull', False), _connector='OR'), name='statement_fee_names_its_contract_year'),
        ),
    ]
