"""Sending the notification rows: claimed one by one (two workers never send one twice),
the recipient checked again, retried with back-off, then failed (docs/notifications.md
"Delivery guarantees", points 4-6; "Operations" for what a failed row means)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from supportdesk.common import retry
from supportdesk.common.retry import BACKOFF, MAX_ATTEMPTS, STALE_SENDING  # noqa: F401

from .headers import SUBJECT_LIMIT, address_valid, addresses_checked, headers_checked, safe_header
from .models import Notification
from .selectors import still_entitled, wants

logger = logging.getLogger(__name__)

# The back-off schedule (BACKOFF, MAX_ATTEMPTS), the stale age and the claim are shared
# with the webhook deliveries: supportdesk.common.retry.


def _message(row: Notification) -> EmailMultiAlternatives:
    mail = row.mail or {}
    message_id = (mail.get("message_id") or "").replace("{n}", str(row.pk))
    message = EmailMultiAlternatives(
        subject=safe_header(row.subject, SUBJECT_LIMIT), body=row.body,
        to=[address_valid(row.user.email)],
        reply_to=addresses_checked(mail.get("reply_to") or [], "reply_to"),
        headers=headers_checked(message_id=message_id, in_reply_to=mail.get("in_reply_to", ""),
                         references=mail.get("references", ""),
                         headers=mail.get("headers") or {}))
    if row.html:
        message.attach_alternative(row.html, "text/html")
    return message


def _claim(pk: int, now: datetime) -> Notification | None:
    """Take one due row for sending (an atomic UPDATE: two workers never both send it)."""
    if not retry.claim(Notification.objects.all(), pk, now):
        return None
    return Notification.objects.select_related("user").get(pk=pk)


def _finish(row: Notification, **fields) -> None:
    Notification.objects.filter(pk=row.pk).update(**fields)


def notifications_deliver(*, ids: list[int] | None = None, now: datetime | None = None,
                          limit: int = 200) -> dict[str, int]:
    """Send the due notifications (those of ``ids``, or every due one); returns counts.

    Each is claimed first, checked again (the recipient still entitled, still wanting it,
    with an address), sent, and marked; a failure waits :data:`BACKOFF` and is tried again,
    up to :data:`MAX_ATTEMPTS`, then it has failed (managers see it in the outbox).
    """
    now = now or timezone.now()
    due = Notification.objects.filter(retry.due_q(now))
    if ids is not None:
        due = due.filter(pk__in=ids)
    counts = {"sent": 0, "failed": 0, "retry": 0, "skipped": 0}
    for pk in list(due.order_by("pk").values_list("pk", flat=True)[:limit]):
        row = _claim(pk, now)
        if row is None:
            continue
        attempts = row.attempts + 1
        reason = ""
        if not still_entitled(row.user, row.customer_id):
            reason = "recipient no longer entitled"
        elif not wants(row.user, row.event):
            reason = "switched off by the recipient"
        elif not address_valid(row.user.email):
            reason = "no valid address"
        if reason:
            _finish(row, status=Notification.Status.SKIPPED, last_error=reason,
                    attempts=attempts)
            counts["skipped"] += 1
            continue
        try:
            _message(row).send()
        except Exception as exc:  # any failure of the mail server: try again later
            error = f"{type(exc).__name__}: {exc}"[:2000]
            retry_at = retry.next_attempt_at(attempts, now)
            if retry_at is None:
                _finish(row, status=Notification.Status.FAILED, attempts=attempts,
                        last_error=error, next_attempt_at=None)
                counts["failed"] += 1
                logger.error("notification %s failed after %s attempts: %s", row.pk,
                             attempts, error)
            else:
                _finish(row, status=Notification.Status.PENDING, attempts=attempts,
                        last_error=error, next_attempt_at=retry_at)
                counts["retry"] += 1
            continue
        _finish(row, status=Notification.Status.SENT, attempts=attempts, sent_at=timezone.now(),
                last_error="", next_attempt_at=None)
        counts["sent"] += 1
    return counts
