"""Every notification is a row (docs/notifications.md "Delivery guarantees"; the statuses
are listed there): written in the transaction of the
change that caused it, rendered in the recipient's language then, sent after commit and
retried with back-off, once per event occurrence and recipient (a UNIQUE constraint), and
shown in the recipient's inbox.

The recipient is checked again when it is sent: an inactive user, or a customer's user who
no longer belongs to the customer the notification was for (``customer_id``), is skipped.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .events import Event


class Notification(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent")

    event = models.CharField(_("event"), max_length=32, choices=Event.choices)
    # What happened, once: e.g. "ticket_received:123" or "ticket_status:123:<event id>".
    key = models.CharField(max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"),
                             on_delete=models.CASCADE, related_name="notifications")
    # The customer the recipient must still belong to when it is sent (None: staff only).
    customer_id = models.BigIntegerField(null=True, blank=True)
    ticket_id = models.BigIntegerField(null=True, blank=True)  # for the inbox; no FK: below
    link = models.CharField(max_length=300, blank=True)  # site path the inbox opens
    language = models.CharField(max_length=8)
    subject = models.CharField(_("subject"), max_length=240)
    body = models.TextField(_("text"))
    html = models.TextField(blank=True)
    # message_id, in_reply_to, references, reply_to (list), headers (dict): see email_send.
    mail = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["key", "user"], name="notification_once_per_user"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due_idx",
                         condition=Q(status__in=["pending", "sending"])),
            models.Index(fields=["user", "-created_at"], name="notification_inbox_idx"),
            models.Index(fields=["user"], name="notification_unread_idx",
                         condition=Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} → {self.user_id} ({self.status})"


class NotificationPreference(models.Model):
    """A user's choice for one event (absent: the event's default)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notification_preferences")
    event = models.CharField(max_length=32, choices=Event.choices)
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "event"],
                                               name="notification_preference_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.event}: {'on' if self.enabled else 'off'}"
