"""§10 agreements: a fixed amount or hours at a rate, a validity date, revisions."""

import django.core.validators
from django.conf import settings
from django.db import migrations, models

from supportdesk.domain.tariff import load_tariff


def set_terms(apps, schema_editor):
    """Quotes without an amount become hourly at the standard rate of the tariff version in
    force when they were made; older duplicates (one proposed and one accepted per ticket
    from now on) are withdrawn, the newest kept."""
    quote_model = apps.get_model("agreements", "Quote")
    tariff_model = apps.get_model("contracts", "TariffVersion")
    db = schema_editor.connection.alias
    for quote in quote_model.objects.using(db).filter(amount__isnull=True):
        version = (tariff_model.objects.using(db)
                   .filter(effective_from__lte=quote.created_at.date())
                   .order_by("-effective_from").first()
                   or tariff_model.objects.using(db).order_by("effective_from").first())
        quote.kind = "hourly"
        quote.rate_per_hour = (load_tariff(version.source_toml).standard_rate_per_hour
                               if version is not None else None)
        quote.save(update_fields=["kind", "rate_per_hour"])
    for status in ("proposed", "accepted"):
        seen = set()
        for quote in quote_model.objects.using(db).filter(status=status).order_by(
                "ticket_id", "-created_at", "-pk"):
            if quote.ticket_id in seen:
                quote.status = "withdrawn"
                quote.decision_note = "superseded by a newer quote of the request"
                quote.save(update_fields=["status", "decision_note"])
            seen.add(quote.ticket_id)


class Migration(migrations.Migration):

    dependencies = [
        ('agreements', '0001_initial'),
        ('contracts', '0002_prepaid_purchase_to_entitlements'),
        ('tickets', '0004_open_load_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='quote',
            name='quote_amount_or_estimate',
        ),
        migrations.AddField(
            model_name='historicalquote',
            name='decision_note',
            field=models.TextField(blank=True, verbose_name='note with the decision'),
        ),
        migrations.AddField(
            model_name='historicalquote',
            name='kind',
            field=models.CharField(choices=[('fixed', 'Fixed amount'), ('hourly', 'Hours at a rate')], default='fixed', max_length=8, verbose_name='kind of agreement'),
        ),
        migrations.AddField(
            model_name='historicalquote',
            name='rate_per_hour',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=10, null=True, validators=[django.core.validators.MinValueValidator(0)], verbose_name='rate (€ per hour, excl. VAT)'),
        ),
        migrations.AddField(
            model_name='historicalquote',
            name='revision',
            field=models.PositiveSmallIntegerField(default=1, verbose_name='revision'),
        ),
        migrations.AddField(
            model_name='historicalquote',
            name='valid_until',
            field=models.DateField(blank=True, null=True, verbose_name='valid until (inclusive)'),
        ),
        migrations.AddField(
            model_name='quote',
            name='decision_note',
            field=models.TextField(blank=True, verbose_name='note with the decision'),
        ),
        migrations.AddField(
            model_name='quote',
            name='kind',
            field=models.CharField(choices=[('fixed', 'Fixed amount'), ('hourly', 'Hours at a rate')], default='fixed', max_length=8, verbose_name='kind of agreement'),
        ),
        migrations.AddField(
            model_name='quote',
            name='rate_per_hour',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=10, null=True, validators=[django.core.validators.MinValueValidator(0)], verbose_name='rate (€ per hour, excl. VAT)'),
        ),
        migrations.AddField(
            model_name='quote',
            name='revision',
            field=models.PositiveSmallIntegerField(default=1, verbose_name='revision'),
        ),
        migrations.AddField(
            model_name='quote',
            name='valid_until',
            field=models.DateField(blank=True, null=True, verbose_name='valid until (inclusive)'),
        ),
        migrations.AlterField(
            model_name='historicalquote',
            name='description',
            field=models.TextField(help_text='Shown to the customer.', verbose_name='work proposed'),
        ),
        migrations.AlterField(
            model_name='historicalquote',
            name='status',
            field=models.CharField(choices=[('proposed', 'Proposed'), ('accepted', 'Accepted'), ('declined', 'Declined'), ('withdrawn', 'Withdrawn'), ('expired', 'Expired')], default='proposed', max_length=16, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='quote',
            name='description',
            field=models.TextField(help_text='Shown to the customer.', verbose_name='work proposed'),
        ),
        migrations.AlterField(
            model_name='quote',
            name='status',
            field=models.CharField(choices=[('proposed', 'Proposed'), ('accepted', 'Accepted'), ('declined', 'Declined'), ('withdrawn', 'Withdrawn'), ('expired', 'Expired')], default='proposed', max_length=16, verbose_name='status'),
        ),
        migrations.RunPython(set_terms, migrations.RunPython.noop),
    ]
