"""Reads of webhooks (managers' pages): subscriptions, their recent deliveries and the
attempts of one delivery."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import WebhookAttempt, WebhookDelivery, WebhookSubscription

RECENT_DELIVERIES = 50


def subscriptions_list() -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.select_related("customer").order_by("name", "pk")


def subscription_get(*, pk: int) -> WebhookSubscription:
    return get_object_or_404(WebhookSubscription.objects.select_related("customer"), pk=pk)


def deliveries_recent(*, subscription: WebhookSubscription, status: str | None = None,
                      limit: int = RECENT_DELIVERIES) -> list[WebhookDelivery]:
    found = WebhookDelivery.objects.filter(subscription=subscription)
    if status:
        found = found.filter(status=status)
    return list(found.order_by("-created_at", "-pk")[:limit])


def delivery_get(*, pk: int) -> WebhookDelivery:
    return get_object_or_404(WebhookDelivery.objects.select_related("subscription"), pk=pk)


def attempts_of(*, delivery: WebhookDelivery) -> list[WebhookAttempt]:
    return list(WebhookAttempt.objects.filter(delivery=delivery).order_by("number"))
