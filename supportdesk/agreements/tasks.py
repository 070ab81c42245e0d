"""Periodic work of §10 agreements (registered in ``config.celery.BEAT_JOBS``)."""

from celery import shared_task

from supportdesk.agreements.services import quotes_expire


@shared_task(name="agreements.quotes_expire", acks_late=True)
def quotes_expire_task() -> dict:
    """Proposed quotes past their validity date become expired (idempotent)."""
    return {"expired": quotes_expire()}
