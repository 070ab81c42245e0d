"""Sending notifications: after each commit (``notify`` queues them) and a sweep every
minute for retries and anything a broken broker or a killed worker left behind."""

from celery import shared_task

from supportdesk.notifications.delivery import notifications_deliver


@shared_task(name="notifications.deliver", acks_late=True, ignore_result=True)
def deliver_task(ids: list[int] | None = None) -> dict:
    return notifications_deliver(ids=ids)


@shared_task(name="notifications.sweep", acks_late=True, ignore_result=True)
def sweep_task() -> dict:
    return notifications_deliver()
