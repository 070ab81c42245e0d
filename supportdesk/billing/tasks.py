"""Periodic billing on Celery (or the in-process scheduler), through the same service."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from supportdesk.billing.forms import previous_month
from supportdesk.billing.services import billing_run


@shared_task(name="billing.monthly_run", acks_late=True)
def monthly_billing_run(today: str | None = None) -> dict:
    """Bill last month for every customer (idempotent: a repeated or retried task bills
    nothing twice). ``today`` (ISO date) is for tests and catch-up runs."""
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    start, end = previous_month(day)
    run = billing_run(period_start=start, period_end=end, by=None)
    return {"run": run.pk, "period_start": start.isoformat(), "period_end": end.isoformat(),
            "statements_issued": run.statements_issued, "customers_seen": run.customers_seen}
