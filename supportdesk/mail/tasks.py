"""The periodic mailbox poll, on Celery or the in-process scheduler (``config.celery``
``BEAT_JOBS["mail-poll"]``): one code path."""

from celery import shared_task

from .polling import mailboxes_poll


@shared_task(name="mail.poll", acks_late=True)
def mail_poll_task() -> dict:
    """Poll every active mailbox once; errors are stored on the mailboxes, never raised.

    Idempotent and safe beside a second scheduler: a mailbox being polled elsewhere is
    skipped (row lock), and a message filed twice would be a Message-ID duplicate.
    """
    return {r.mailbox: str(r) for r in mailboxes_poll()}
