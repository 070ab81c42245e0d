"""Outgoing work kept as rows and sent after commit: the back-off schedule and the claim.

Notification mails (``notifications.delivery``) and webhook deliveries
(``webhooks.delivery``) both keep one row per thing to send with a ``status`` that goes
pending -> sending -> done/failed and a ``next_attempt_at``. A worker *claims* a due row
with one atomic UPDATE (two workers never both send it), a failure waits the next step of
:data:`BACKOFF`, and a row left "sending" longer than :data:`STALE_SENDING` (its worker was
killed mid-send) is due again. One schedule, so that both are documented once
(docs/webhooks.md "Retries").
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet

#: Waits before the 2nd, 3rd, ... attempt (roughly ×5 each time); after the last attempt
#: the row has failed. Six attempts over about 14½ hours.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
           timedelta(hours=2), timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
#: A row left "sending" this long (a worker killed mid-send) is tried again. Far longer than
#: any bounded send, so a live worker is never overtaken.
STALE_SENDING = timedelta(minutes=15)

PENDING = "pending"
SENDING = "sending"


def next_attempt_at(attempts: int, now: datetime) -> datetime | None:
    """When to try again after ``attempts`` attempts have failed; ``None``: no more."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + BACKOFF[attempts - 1]


def due_q(now: datetime) -> Q:
    """Rows to send at ``now``: pending and due, or stuck in "sending" past the stale age."""
    return (Q(status=PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            | Q(status=SENDING, next_attempt_at__lte=now - STALE_SENDING))


def claim(rows: QuerySet, pk: int, now: datetime) -> bool:
    """Take row ``pk`` of ``rows`` for sending if it is due: one atomic UPDATE, so of two
    workers only the one whose UPDATE hit the row goes on (``next_attempt_at`` becomes the
    claim time, which the stale rule reads)."""
    return bool(rows.filter(due_q(now), pk=pk).update(status=SENDING, next_attempt_at=now))
