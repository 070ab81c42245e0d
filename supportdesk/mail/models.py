"""Inbound e-mail as it arrived: the raw bytes are stored first, then the outcome.

A row is written for every message fed in (docs/security.md #19: never lost), before any parsing;
its status then says what became of it. Duplicates of an already handled Message-ID are kept
as ``ignored`` rows, so the count of rows is always the count of messages delivered.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .crypto import secret_decrypt, secret_encrypt

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
REASON_AUTH_FAILED = "auth_failed"

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
    REASON_AUTH_FAILED: _("Our mail server reports a DMARC or SPF failure for the sender's "
                          "domain."),
}

#: The outcomes that file a message (a request created or a reply appended): only these
#: hold their Message-ID, so a quarantined or ignored copy never blocks a later one.
FILED = ("appended", "created")


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
    # Set only on the one row that filed a Message-ID (appended or created; never on a
    # quarantined or ignored row): the unique index makes a second, concurrent delivery of
    # the same message fail and be recorded as a duplicate.
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
    # The text as it came, before the quoted history and signature were cut from a reply
    # (supportdesk.mail.replies); ``body_trimmed`` says the filed text is shorter.
    body_full = models.TextField(_("full text"), blank=True, default="")
    body_trimmed = models.BooleanField(_("quote cut"), default=False)
    mailbox = models.ForeignKey("mail.Mailbox", on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="messages",
                                verbose_name=_("mailbox"))
    mailbox_uid = models.PositiveBigIntegerField(_("IMAP UID"), null=True, blank=True)
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


# An IMAP keyword (RFC 3501 flag-keyword, an atom): no spaces, quotes, parentheses or "\\".
_KEYWORD = re.compile(r"[A-Za-z0-9$_.\-]{1,64}")


class Mailbox(models.Model):
    """A support mailbox polled over IMAP (``supportdesk.mail.polling.mailbox_poll``).

    The password is stored Fernet-encrypted (``supportdesk.mail.crypto``): a database dump
    holds only the token. ``uidvalidity``/``last_uid`` say where the last poll stopped; the
    poll advances ``last_uid`` in the same transaction as the intake row of each message.
    """

    class Security(models.TextChoices):
        TLS = "tls", _("TLS (implicit, port 993)")
        STARTTLS = "starttls", _("STARTTLS (port 143)")
        NONE = "none", _("None (127.0.0.1 only, for tests)")

    class Action(models.TextChoices):
        MOVE = "move", _("Move to a folder")
        FLAG = "flag", _("Mark \\Seen and add a keyword")

    LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")

    name = models.CharField(_("name"), max_length=100, unique=True)
    host = models.CharField(_("host"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(_("TLS"), max_length=10, choices=Security.choices,
                                default=Security.TLS)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    username = models.CharField(_("user name"), max_length=255)
    password_encrypted = models.TextField(_("password (encrypted)"), blank=True, default="",
                                          editable=False)
    processed_action = models.CharField(_("when filed"), max_length=8,
                                        choices=Action.choices, default=Action.MOVE)
    processed_folder = models.CharField(_("processed folder"), max_length=255,
                                        default="Processed", blank=True)
    processed_keyword = models.CharField(_("keyword"), max_length=64,
                                         default="$SupportdeskFiled", blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    uidvalidity = models.PositiveBigIntegerField(_("UIDVALIDITY"), null=True, blank=True,
                                                 editable=False)
    last_uid = models.PositiveBigIntegerField(_("last UID"), default=0, editable=False)
    last_polled_at = models.DateTimeField(_("last polled at"), null=True, blank=True,
                                          editable=False)
    last_success_at = models.DateTimeField(_("last successful poll"), null=True, blank=True,
                                           editable=False)
    last_error = models.TextField(_("last error"), blank=True, default="", editable=False)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True,
                                         editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.name

    @property
    def is_failing(self) -> bool:
        """The last poll failed (an error newer than the last success)."""
        return bool(self.last_error_at and (self.last_success_at is None
                                            or self.last_error_at >= self.last_success_at))

    def set_password(self, raw: str) -> None:
        self.password_encrypted = secret_encrypt(raw)

    def get_password(self) -> str:
        return secret_decrypt(self.password_encrypted)

    def clean(self) -> None:
        errors = {}
        if self.security == self.Security.NONE and self.host not in self.LOOPBACK_HOSTS:
            errors["security"] = _("Without TLS only a mailbox on this machine (127.0.0.1) "
                                   "may be polled: the password would cross the network "
                                   "in clear.")
        if self.processed_action == self.Action.MOVE and not self.processed_folder.strip():
            errors["processed_folder"] = _("Name the folder filed messages are moved to.")
        if (self.processed_action == self.Action.MOVE
                and self.processed_folder.strip() == self.folder.strip()):
            errors["processed_folder"] = _("The processed folder must differ from the "
                                           "polled folder.")
        if (self.processed_action == self.Action.FLAG and self.processed_keyword
                and not _KEYWORD.fullmatch(self.processed_keyword)):
            errors["processed_keyword"] = _("A keyword is one word of letters, digits and "
                                            "$ _ . - (for example $SupportdeskFiled).")
        if errors:
            raise ValidationError(errors)
