"""Periodic housekeeping of the foundation, on Celery or the in-process scheduler."""

from celery import shared_task

from supportdesk.common.idempotency import form_tokens_purge


@shared_task(name="common.form_tokens_purge", acks_late=True)
def form_tokens_purge_task() -> dict:
    """Expired one-time form tokens are refused whether their claim is kept or not."""
    return {"deleted": form_tokens_purge()}
