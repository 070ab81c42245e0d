"""Writes of webhooks: subscriptions (managers only), the delivery rows of an announced
event (in the producer's transaction), redelivery, and the automatic disabling.

Sending is ``webhooks.delivery``; these functions only write rows and queue the send after
commit (``deliver_task``: Celery when a broker is configured, in this process otherwise).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import ensure_manager
from supportdesk.customers.models import Customer
from supportdesk.notifications.announcements import Announcement, Happening

from . import crypto, signing, transport
from .models import WebhookDelivery, WebhookSubscription
from .payloads import payload_body
from .tasks import deliver_task

logger = logging.getLogger(__name__)

NAME_REQUIRED = _("Give the subscription a name.")
EVENTS_REQUIRED = _("Choose at least one event.")
EVENT_UNKNOWN = _("Unknown event: %(event)s.")
URL_REFUSED = _("This URL cannot receive webhooks: %(reason)s.")
ALREADY_DELIVERED = _("This delivery was received already; it is not sent twice.")
BEING_SENT = _("This delivery is being sent right now.")
SUBSCRIPTION_DISABLED = _("Enable the subscription before sending its deliveries again.")


def _checked(*, name: str, url: str, events: Iterable[str]) -> tuple[str, str, list[str]]:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(NAME_REQUIRED, code="name_required")
    url = (url or "").strip()
    refusal = transport.url_refusal(url) or transport.literal_address_refusal(url)
    if refusal:
        raise ApplicationError(URL_REFUSED % {"reason": refusal}, code="url_refused")
    chosen = []
    for event in events:
        if event not in Happening.values:
            raise ApplicationError(EVENT_UNKNOWN % {"event": event}, code="event_unknown")
        if event not in chosen:
            chosen.append(event)
    if not chosen:
        raise ApplicationError(EVENTS_REQUIRED, code="events_required")
    # Keep the list's order stable (the display order of Happening).
    return name[:120], url, [e for e in Happening.values if e in chosen]


def _set_secret(subscription: WebhookSubscription) -> str:
    secret = signing.secret_new()
    subscription.secret_encrypted = crypto.secret_encrypt(secret)
    subscription.secret_hint = secret[-4:]
    return secret


def subscription_create(*, by, name: str, url: str, events: Iterable[str],
                        customer: Customer | None = None
                        ) -> tuple[WebhookSubscription, str]:
    """A new subscription and its signing secret (returned once, never shown again)."""
    ensure_manager(by)
    name, url, events = _checked(name=name, url=url, events=events)
    subscription = WebhookSubscription(name=name, url=url, events=events, customer=customer,
                                       created_by=by)
    secret = _set_secret(subscription)
    subscription._history_user = by
    subscription.full_clean()
    subscription.save()
    return subscription, secret


def subscription_update(*, subscription: WebhookSubscription, by, name: str, url: str,
                        events: Iterable[str], customer: Customer | None,
                        is_active: bool) -> WebhookSubscription:
    """Edit a subscription; enabling it again clears its failure count."""
    ensure_manager(by)
    name, url, events = _checked(name=name, url=url, events=events)
    with transaction.atomic():
        current = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        current.name, current.url, current.events, current.customer = name, url, events, customer
        if is_active and not current.is_active:
            current.consecutive_failures = 0
            current.disabled_at = None
            current.disabled_reason = ""
        elif not is_active and current.is_active:
            current.disabled_at = timezone.now()
            current.disabled_reason = str(_("Disabled by %(name)s") % {
                "name": by.get_full_name() or by.get_username()})
        current.is_active = is_active
        current._history_user = by
        current.full_clean()
        current.save()
    return current


def subscription_rotate_secret(*, subscription: WebhookSubscription, by) -> str:
    """A new signing secret (returned once); the old one stops signing at once."""
    ensure_manager(by)
    with transaction.atomic():
        current = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        secret = _set_secret(current)
        current._history_user = by
        current.save(update_fields=["secret_encrypted", "secret_hint", "updated_at"])
    return secret


# --------------------------------------------------------------------------- deliveries


def _matches(subscription: WebhookSubscription, announcement: Announcement) -> bool:
    if announcement.event not in subscription.events:
        return False
    # Restricted: only that customer's events (an event of nobody's is never sent there).
    return subscription.customer_id is None or subscription.customer_id == \
        announcement.customer_id


def deliveries_record(announcement: Announcement) -> list[int]:
    """The listener of ``notifications.announcements``: one delivery row per active
    subscription to the event, in the caller's transaction; sent after commit. The same
    occurrence announced again (same key, so the same event id) writes nothing."""
    return deliveries_record_many([announcement])


def deliveries_record_many(announcements: list[Announcement]) -> list[int]:
    """:func:`deliveries_record` for many occurrences: one read of the subscriptions, one
    insert and one read back of the rows, whatever their number."""
    announcements = [a for a in announcements if a.event in Happening.values]
    if not announcements:
        return []
    active = list(WebhookSubscription.objects.filter(is_active=True))
    if not active:
        return []
    now = timezone.now()
    rows, wanted = [], []
    for announcement in announcements:
        subscriptions = [s for s in active if _matches(s, announcement)]
        if not subscriptions:
            continue
        event_id, body = payload_body(announcement, occurred_at=now)
        wanted.append(event_id)
        rows += [WebhookDelivery(subscription=s, event=announcement.event, event_id=event_id,
                                 customer_id=announcement.customer_id, occurred_at=now,
                                 body=body) for s in subscriptions]
    if not rows:
        return []
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    ids = list(WebhookDelivery.objects.filter(
        event_id__in=wanted, subscription__in=active,
        status=WebhookDelivery.Status.PENDING, attempts=0).values_list("pk", flat=True))
    if ids:
        transaction.on_commit(partial(deliver_soon, ids))
    return ids


def deliver_soon(ids: list[int]) -> None:
    try:
        deliver_task.delay(ids)
    except Exception:  # a broker down must not fail the request: the sweep sends it later
        logger.exception("webhook deliveries %s: could not queue the delivery", ids)


def delivery_redeliver(*, delivery: WebhookDelivery, by) -> WebhookDelivery:
    """A manager sends a failed or skipped delivery again: a new series of attempts with
    the same body and event id. A delivery already received is never sent again."""
    ensure_manager(by)
    with transaction.atomic():
        current = (WebhookDelivery.objects.select_for_update()
                   .select_related("subscription").get(pk=delivery.pk))
        if current.status == WebhookDelivery.Status.SUCCEEDED:
            raise ApplicationError(ALREADY_DELIVERED, code="delivered")
        if current.status == WebhookDelivery.Status.SENDING:
            raise ApplicationError(BEING_SENT, code="sending")
        if not current.subscription.is_active:
            raise ApplicationError(SUBSCRIPTION_DISABLED, code="disabled")
        WebhookDelivery.objects.filter(pk=current.pk).update(
            status=WebhookDelivery.Status.PENDING, attempts=0, next_attempt_at=None,
            redeliveries=current.redeliveries + 1)
        transaction.on_commit(partial(deliver_soon, [current.pk]))
    current.refresh_from_db()
    return current
