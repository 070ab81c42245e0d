"""Sending the delivery rows (docs/webhooks.md "Delivery and retries").

Each due row is claimed by one atomic UPDATE (``common.retry.claim``: two workers never send
one at the same time), its subscription read again (a disabled one is skipped), signed with
a fresh timestamp, POSTed through ``transport.post`` (the SSRF guard, bounded time), and the
attempt kept with its answer. A 2xx marks it delivered, only from "sending" (so a row is
delivered once); anything else waits the shared back-off (``common.retry.BACKOFF``) and is
tried again, up to ``MAX_ATTEMPTS``, then it has failed. A refusal of the SSRF guard is
final at once (nothing was sent; retrying would be refused again). Every failed attempt
counts against the subscription; after ``SUPPORTDESK_WEBHOOK_DISABLE_AFTER`` in a row it is
disabled and the managers are told.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from supportdesk.common import retry
from supportdesk.notifications.events import Event
from supportdesk.notifications.services import notify

from . import crypto, signing, transport
from .models import WebhookAttempt, WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)

USER_AGENT = "supportdesk-webhooks/1"


def _headers(row: WebhookDelivery, secret: str, body: bytes, attempt: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Supportdesk-Event": row.event,
        "X-Supportdesk-Event-Id": str(row.event_id),
        "X-Supportdesk-Delivery": f"{row.pk}.{attempt}",
        signing.HEADER: signing.signature_header(secret, int(time.time()), body),
    }


def _finish(row: WebhookDelivery, **fields) -> int:
    # Only from "sending": a row taken over by another worker is not marked twice.
    return WebhookDelivery.objects.filter(
        pk=row.pk, status=WebhookDelivery.Status.SENDING).update(**fields)


def _disable_for_failures(subscription_id: int, threshold: int, last_error: str) -> bool:
    """Disable the subscription once ``threshold`` attempts in a row have failed and tell
    the managers, once: only the UPDATE that switched it off writes the notice."""
    now = timezone.now()
    reason = gettext("Disabled after %(count)s failed attempts in a row") % {"count": threshold}
    with transaction.atomic():
        switched = WebhookSubscription.objects.filter(
            pk=subscription_id, is_active=True, consecutive_failures__gte=threshold,
        ).update(is_active=False, disabled_at=now, disabled_reason=reason, updated_at=now)
        if not switched:
            return False
        subscription = WebhookSubscription.objects.get(pk=subscription_id)
        User = get_user_model()
        managers = User.objects.filter(role=User.Role.MANAGER, is_active=True).order_by("pk")
        path = reverse("webhooks:detail", args=[subscription.pk])
        notify(event=Event.WEBHOOK_DISABLED, users=managers,
               key=f"webhook_disabled:{subscription.pk}:{now.isoformat()}",
               template="webhooks/notifications/disabled",
               context={"subscription": subscription, "failures": threshold,
                        "last_error": last_error[:300],
                        "url": settings.SUPPORTDESK_SITE_URL.rstrip("/") + path},
               customer_id=None, link=path)
    logger.warning("webhook subscription %s disabled after %s failed attempts",
                   subscription_id, threshold)
    return True


def _attempt(row: WebhookDelivery, now: datetime) -> str:
    """Send one claimed row once; returns what became of it."""
    subscription = row.subscription
    attempts = row.attempts + 1
    # The subscription as it is now: disabled, restricted to another customer since, or no
    # longer wanting this event, it does not get it (tenancy holds at send time too). The
    # reason is kept in English like the transport's errors (a log, not a translated label).
    reason = ""
    if not subscription.is_active:
        reason = "the subscription is disabled"
    elif subscription.customer_id is not None and subscription.customer_id != row.customer_id:
        reason = "the subscription is now for another customer"
    elif row.event not in subscription.events:
        reason = "the subscription no longer wants this event"
    if reason:
        _finish(row, status=WebhookDelivery.Status.SKIPPED, next_attempt_at=None,
                last_error=reason)
        return "skipped"
    number = (WebhookAttempt.objects.filter(delivery=row).order_by("-number")
              .values_list("number", flat=True).first() or 0) + 1
    started_at = timezone.now()
    body = row.body.encode()
    try:
        secret = crypto.secret_decrypt(subscription.secret_encrypted)
    except crypto.SecretUnreadable as exc:
        outcome = transport.Outcome(error=str(exc), url=subscription.url)
    else:
        outcome = transport.post(subscription.url, body, _headers(row, secret, body, number))
    WebhookAttempt.objects.create(
        delivery=row, number=number, started_at=started_at, duration_ms=outcome.duration_ms,
        url=outcome.url[:500], status_code=outcome.status_code,
        response_excerpt=outcome.excerpt, error=outcome.error[:2000],
        is_manual=row.redeliveries > 0)
    if outcome.ok:
        _finish(row, status=WebhookDelivery.Status.SUCCEEDED, attempts=attempts,
                last_status_code=outcome.status_code, last_error="", next_attempt_at=None,
                delivered_at=timezone.now())
        WebhookSubscription.objects.filter(pk=subscription.pk).update(consecutive_failures=0)
        return "delivered"
    retry_at = None if outcome.refused else retry.next_attempt_at(attempts, now)
    if retry_at is None:
        _finish(row, status=WebhookDelivery.Status.FAILED, attempts=attempts,
                last_status_code=outcome.status_code, last_error=outcome.error[:2000],
                next_attempt_at=None)
        logger.error("webhook delivery %s failed after %s attempts: %s", row.pk, attempts,
                     outcome.error)
        result = "failed"
    else:
        _finish(row, status=WebhookDelivery.Status.PENDING, attempts=attempts,
                last_status_code=outcome.status_code, last_error=outcome.error[:2000],
                next_attempt_at=retry_at)
        result = "retry"
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        consecutive_failures=F("consecutive_failures") + 1)
    threshold = int(getattr(settings, "SUPPORTDESK_WEBHOOK_DISABLE_AFTER", 15))
    _disable_for_failures(subscription.pk, threshold, outcome.error)
    return result


def webhooks_deliver(*, ids: list[int] | None = None, now: datetime | None = None,
                     limit: int = 100) -> dict[str, int]:
    """Send the due deliveries (those of ``ids``, or every due one); returns counts."""
    now = now or timezone.now()
    due = WebhookDelivery.objects.filter(retry.due_q(now))
    if ids is not None:
        due = due.filter(pk__in=ids)
    counts = {"delivered": 0, "retry": 0, "failed": 0, "skipped": 0}
    for pk in list(due.order_by("pk").values_list("pk", flat=True)[:limit]):
        # Claimed at the moment it is taken (a sweep of many slow receivers may run longer
        # than the stale age: a row claimed late must not look stale at once).
        if not retry.claim(WebhookDelivery.objects.all(), pk, max(now, timezone.now())):
            continue  # another worker has it
        row = WebhookDelivery.objects.select_related("subscription").get(pk=pk)
        counts[_attempt(row, now)] += 1
    return counts
