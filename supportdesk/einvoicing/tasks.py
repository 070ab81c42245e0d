"""The hand-off's tasks: after each commit (``services.send_soon`` queues them) and a
sweep every minute for retries, pending documents and anything a broker outage or a killed
worker left behind. In-process when embedded, on Celery when scaled out: the same task
functions (config/celery.py)."""

from celery import shared_task

from supportdesk.einvoicing.sending import submissions_send_due


@shared_task(name="einvoicing.send", acks_late=True, ignore_result=True)
def send_task(ids: list[int] | None = None) -> dict:
    return submissions_send_due(ids=ids)


@shared_task(name="einvoicing.sweep", acks_late=True, ignore_result=True)
def sweep_task() -> dict:
    return submissions_send_due()
