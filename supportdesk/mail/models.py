"""Inbound e-mail as it arrived: the raw bytes are stored first, then the outcome.

A row is written for every message fed in (docs/security.md #19: never lost), before any parsing;
its status then says what became of it. Duplicates of an already handled Message-ID are kept
as ``ignored`` rows, so the count of rows is always the count of messages delivered.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Reason keys (stable, stored) and their labels.
REASON_UNPARSEABLE = "unparseable"
REASON_BROKEN_MIME = "broken_mime"
REASON_TOO_LARGE = "too_large"
REASON_NO_SENDER = "no_sender"
REASON_UNKNOWN_SENDER = "unknown_sender"
REASON_AMBIGUOUS_SENDER = "ambiguous_sender"
REASON_STAFF_SENDER = "staff_sender"
REASON_NOT_PARTICIPANT = "not_participant"
REASON_BAD_TOKEN = "bad_token"  # noqa: S105 - a reason key
REASON_CUSTOMER_INACTIVE = "customer_inactive"
REASON_REFUSED = "refused"
REASON_DUPLICATE = "duplicate"
REASON_AUTO_SUBMITTED = "auto_submitted"
REASON_BULK = "bulk"
REASON_AUTOREPLY = "autoreply"
REASON_BOUNCE = "bounce"
REASON_OWN_ADDRESS = "own_address"

REASONS = {
    REASON_UNPARSEABLE: _("The message could not be read."),
    REASON_BROKEN_MIME: _("The message's MIME structure is broken."),
    REASON_TOO_LARGE: _("The message is larger than the intake limit."),
    REASON_NO_SENDER: _("The message has no single valid sender address."),
    REASON_UNKNOWN_SENDER: _("The sender is not a user of any active customer."),
    REASON_AMBIGUOUS_SENDER: _("The sender address belongs to more than one user."),
    REASON_STAFF_SENDER: _("Staff replies by e-mail are not accepted; reply in the desk."),
    REASON_NOT_PARTICIPANT: _("The sender is not a participant of the referenced request."),
    REASON_BAD_TOKEN: _("The request reference failed its check."),
    REASON_CUSTOMER_INACTIVE: _("The sender's customer is not active."),
    REASON_REFUSED: _("The request service refused the message."),
    REASON_DUPLICATE: _("A message with this Message-ID was already received."),
    REASON_AUTO_SUBMITTED: _("Automatic message (Auto-Submitted)."),
    REASON_BULK: _("Bulk or list mail (Precedence)."),
    REASON_AUTOREPLY: _("Automatic reply (out of office)."),
    REASON_BOUNCE: _("Delivery status notification (bounce)."),
    REASON_OWN_ADDRESS: _("Sent from our own address."),
}


class InboundMessage(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        APPENDED = "appended", _("Appended to a request")
        CREATED = "created", _("New request")
        QUARANTINED = "quarantined", _("Quarantined")
        IGNORED = "ignored", _("Ignored")

    raw = models.BinaryField(_("raw message"))
    size_bytes = models.PositiveBigIntegerField(_("size"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.RECEIVED, db_index=True)
    reason = models.CharField(_("reason"), max_length=32, blank=True, default="")
    notes = models.TextField(_("notes"), blank=True, default="")
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, default="",
                                  db_index=True)
    # Set only on the one row that handled a Message-ID: the unique index makes a second,
    # concurrent delivery of the same message fail and be recorded as a duplicate.
    handled_message_id = models.CharField(max_length=255, null=True, blank=True, unique=True,
                                          editable=False)
    from_address = models.CharField(_("from"), max_length=254, blank=True, default="")
    subject = models.CharField(_("subject"), max_length=255, blank=True, default="")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="inbound_mails",
                               verbose_name=_("request"))
    ticket_message = models.ForeignKey("tickets.Message", on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="inbound_mails",
                                verbose_name=_("message"))
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="+", verbose_name=_("sender user"))
    created_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("inbound e-mails")

    def __str__(self) -> str:
        return f"{self.pk} {self.from_address} {self.subject}"[:120]

    @property
    def reason_label(self) -> str:
        return str(REASONS.get(self.reason, self.reason))
