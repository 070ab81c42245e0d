"""Webhooks (docs/webhooks.md): a manager subscribes a receiver's URL to some events; every
announced event becomes one delivery row per matching subscription, written in the
transaction of the change (a rollback writes none), sent after commit, signed, retried with
back-off, each attempt kept with its answer.

Tenancy: a subscription restricted to a customer gets only that customer's events, and a
payload only ever holds the data of the one customer its event is about.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from supportdesk.common.models import TimeStampedModel
from supportdesk.notifications.announcements import Happening

#: Event ids are UUIDv5 of the occurrence's key in this namespace: the same change announced
#: twice is the same event, and a receiver de-duplicates by it.
EVENT_NAMESPACE = uuid.UUID("5f0c3c57-3d1e-4a43-9a53-7c1c6f4d2b12")


class WebhookSubscription(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("target URL"), max_length=500)
    # Happening values, e.g. ["ticket.created", "statement.issued"].
    events = models.JSONField(_("events"), default=list)
    # Only this customer's events (None: every customer's).
    customer = models.ForeignKey("customers.Customer", verbose_name=_("only for customer"),
                                 on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="webhook_subscriptions")
    # Fernet token of the signing secret (webhooks.crypto); the secret is shown once.
    secret_encrypted = models.TextField(editable=False)
    secret_hint = models.CharField(max_length=12, editable=False)  # its last 4 characters
    is_active = models.BooleanField(_("active"), default=True)
    # Failed attempts since the last success; at SUPPORTDESK_WEBHOOK_DISABLE_AFTER the
    # subscription is disabled and the managers told.
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    history = HistoricalRecords(excluded_fields=["secret_encrypted"])

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} → {self.url}"

    def event_labels(self) -> list[str]:
        return [str(Happening(e).label) for e in self.events if e in Happening.values]


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent (subscription disabled or changed)")

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE,
                                     related_name="deliveries")
    event = models.CharField(_("event"), max_length=40, choices=Happening.choices)
    event_id = models.UUIDField(_("event id"))
    customer_id = models.BigIntegerField(null=True, blank=True)  # whose event it is
    occurred_at = models.DateTimeField(_("occurred at"))
    # The exact JSON sent (signed as these bytes, the same on every attempt).
    body = models.TextField()
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.PENDING)
    # Attempts of the current series (a redelivery starts a new one); the schedule
    # is supportdesk.common.retry.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last answer"), null=True,
                                                        blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    redeliveries = models.PositiveSmallIntegerField(_("redeliveries"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One delivery per event and subscription: never delivered twice as a success.
            models.UniqueConstraint(fields=["subscription", "event_id"],
                                    name="webhook_delivery_once"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx",
                         condition=Q(status__in=["pending", "sending"])),
            models.Index(fields=["subscription", "-created_at"],
                         name="webhook_delivery_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id} → {self.subscription_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One try of a delivery: when, what came back (code and the start of the body)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE,
                                 related_name="attempt_log")
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    url = models.CharField(_("URL"), max_length=500)  # the last one, after redirects
    status_code = models.PositiveSmallIntegerField(_("answer"), null=True, blank=True)
    response_excerpt = models.TextField(_("answer body (start)"), blank=True)
    error = models.TextField(_("error"), blank=True)
    is_manual = models.BooleanField(_("redelivery"), default=False)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"],
                                               name="webhook_attempt_number_once")]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}: {self.status_code or self.error[:40]}"
