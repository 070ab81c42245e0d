"""Reads of notifications: who may still be told, what a user wants, the inbox, the
unread count, the managers' outbox."""

from __future__ import annotations

from django.db.models import QuerySet

from .events import MANDATORY, enabled_by_default, events_for
from .models import Notification, NotificationPreference


def wants(user, event: str) -> bool:
    """Whether ``user`` gets ``event`` (mandatory ones always)."""
    if event in MANDATORY:
        return True
    choice = (NotificationPreference.objects.filter(user=user, event=event)
              .values_list("enabled", flat=True).first())
    return enabled_by_default(user, event) if choice is None else choice


def still_entitled(user, customer_id: int | None) -> bool:
    """The recipient may still be told: active, and still one of ``customer_id``'s users
    (a contact moved to another customer, or deactivated, is not; docs/security.md #42,
    docs/notifications.md "Delivery guarantees" point 5); ``None`` means vendor staff only.
    Asked when the row is written and again when it is sent."""
    if user is None or not user.is_active:
        return False
    if customer_id is None:
        return bool(getattr(user, "is_vendor_staff", False))
    return bool(getattr(user, "is_customer_user", False)) and user.customer_id == customer_id


def inbox_for(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")


def unread_count(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def outbox(*, status: str | None = None, event: str | None = None) -> QuerySet[Notification]:
    found = Notification.objects.select_related("user").order_by("-created_at", "-pk")
    if status:
        found = found.filter(status=status)
    if event:
        found = found.filter(event=event)
    return found


def preferences_of(*, user) -> dict[str, bool]:
    """``{event: enabled}`` for the events a user can be told of (mandatory ones True)."""
    chosen = dict(NotificationPreference.objects.filter(user=user)
                  .values_list("event", "enabled"))
    return {str(event): True if event in MANDATORY
            else chosen.get(str(event), enabled_by_default(user, event))
            for event in events_for(user)}
