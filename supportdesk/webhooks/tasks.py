"""Sending webhook deliveries: after each commit (``deliveries_record`` queues them) and a
sweep every minute for retries and anything a broker outage or a killed worker left."""

from celery import shared_task

from supportdesk.webhooks.delivery import webhooks_deliver


@shared_task(name="webhooks.deliver", acks_late=True, ignore_result=True)
def deliver_task(ids: list[int] | None = None) -> dict:
    return webhooks_deliver(ids=ids)


@shared_task(name="webhooks.sweep", acks_late=True, ignore_result=True)
def sweep_task() -> dict:
    return webhooks_deliver()
