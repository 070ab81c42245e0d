"""Periodic billing on Celery (or the in-process scheduler), through the same service."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from supportdesk.billing.forms import previous_month
from supportdesk.billing.services import billing_run, contract_fees_issue_due


@shared_task(name="billing.monthly_run", acks_late=True)
def monthly_billing_run(today: str | None = None) -> dict:
    """Bill last month for every customer (idempotent: a repeated or retried task bills
    nothing twice). ``today`` (ISO date) is for tests and catch-up runs."""
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    start, end = previous_month(day)
    run = billing_run(period_start=start, period_end=end, by=None)
    return {"run": run.pk, "period_start": start.isoformat(), "period_end": end.isoformat(),
            "statements_issued": run.statements_issued, "customers_seen": run.customers_seen}


@shared_task(name="billing.contract_fees", acks_late=True)
def contract_fees_task(today: str | None = None) -> dict:
    """Issue the fee of every contract year that has started and has no fee statement yet
    (§4: a multi-year contract pays every year). Idempotent, like the monthly run."""
    day = dt.date.fromisoformat(today) if today else None
    issued = contract_fees_issue_due(today=day)
    return {"statements_issued": len(issued)}
