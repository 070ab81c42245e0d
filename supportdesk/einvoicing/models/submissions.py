"""A statement handed to the e-invoicing provider: one submission per statement and the
log of every call made for it (docs/einvoicing.md "Hand-off").

The submission keeps the hand-off's own state (its idempotency key, attempts, back-off, the
claim of the worker sending it, the validation problems and the provider's errors); the
registration itself (ΜΑΡΚ, UID, authentication code, QR URL) is stored on the statement by
the billing service ``statement_record_registration``, so that billing pages and the PDF
show it without importing this app and a registered statement is read-only there.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from supportdesk.common.models import TimeStampedModel

__all__ = ["Submission", "SubmissionAttempt"]


class Submission(TimeStampedModel):
    class Status(models.TextChoices):
        # The same keys as billing's Statement.EinvoiceStatus, which mirrors this one.
        DRAFT = "draft", _("Not sent")
        SENT = "sent", _("Sent")
        REGISTERED = "registered", _("Registered")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    class Format(models.TextChoices):
        MYDATA = "mydata", _("myDATA XML")
        UBL = "ubl", _("UBL (EN 16931)")

    statement = models.OneToOneField("billing.Statement", verbose_name=_("statement"),
                                     on_delete=models.PROTECT,
                                     related_name="einvoice_submission")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.DRAFT)
    payload_format = models.CharField(_("format"), max_length=8, choices=Format.choices,
                                      default=Format.MYDATA)
    # Sent as the Idempotency-Key header with every send, status and cancel call: the
    # provider registers one document per key, whatever the retries. A new key only after
    # the provider rejected the document (it registered nothing under the old one).
    idempotency_key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When to try again; None: nothing scheduled (registered, rejected, blocked by
    # validation problems, or out of attempts: a manager resends).
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # Claimed by one worker (an atomic UPDATE); a claim older than common.retry's stale age
    # was left by a killed worker and may be taken over.
    sending_since = models.DateTimeField(null=True, blank=True)
    # The last send got no answer (timeout, connection lost): the provider may have
    # registered it, so the next attempt asks for its status before sending again.
    check_status_first = models.BooleanField(default=False)
    # [{"field", "message"}]: why the last check would not send it (the validation gate).
    problems = models.JSONField(_("validation problems"), default=list, blank=True)
    # [{"code", "field", "message"}]: what the provider said was wrong with the document.
    provider_errors = models.JSONField(_("provider's errors"), default=list, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-invoice submission")
        verbose_name_plural = _("e-invoice submissions")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="registered") | Q(registered_at__isnull=False),
                name="einvoice_submission_registered_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id}: {self.status}"


class SubmissionAttempt(models.Model):
    """One call to the provider, kept as it went (append-only; never the credentials)."""

    class Action(models.TextChoices):
        SEND = "send", _("Send")
        STATUS = "status", _("Status check")
        CANCEL = "cancel", _("Cancel")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE,
                                   related_name="attempt_log")
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    idempotency_key = models.UUIDField(_("idempotency key"))
    started_at = models.DateTimeField(_("started at"))
    duration_ms = models.PositiveIntegerField(default=0)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # What the answer meant (handoff.Answer.outcome): registered, rejected, pending,
    # unknown, cancelled, no_answer, refused, failed.
    outcome = models.CharField(_("outcome"), max_length=12)
    error = models.CharField(_("error"), max_length=2000, blank=True)
    response_excerpt = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.outcome}"
