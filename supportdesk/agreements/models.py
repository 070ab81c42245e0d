"""§10: out-of-scope work is done only under a separate agreement the customer accepts.

A ``Quote`` is that agreement while it is proposed, and the agreement itself once accepted.
The table kept its name when the model moved here from ``billing`` (migration 0001).
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from supportdesk.common.models import TimeStampedModel
from supportdesk.domain.pricing import Agreement


class Quote(TimeStampedModel):
    """§10: out-of-scope work needs a separately accepted agreement before it is billed.

    A fixed-amount quote is billed once, as one line, whatever time is logged under it; an
    hourly quote bills the logged time at its rate on every channel. Neither draws included
    or prepaid hours. A ticket has at most one proposed and at most one accepted quote.
    """

    class Kind(models.TextChoices):
        FIXED = "fixed", _("Fixed amount")
        HOURLY = "hourly", _("Hours at a rate")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    ticket = models.ForeignKey("tickets.Ticket", verbose_name=_("support request"),
                               on_delete=models.PROTECT, related_name="quotes")
    kind = models.CharField(_("kind of agreement"), max_length=8, choices=Kind.choices,
                            default=Kind.FIXED)
    description = models.TextField(_("work proposed"),
                                   help_text=_("Shown to the customer."))
    # FIXED: the agreed amount, € net of VAT.
    amount = models.DecimalField(_("amount (€, excl. VAT)"), max_digits=12, decimal_places=2,
                                 null=True, blank=True, validators=[MinValueValidator(0)])
    # HOURLY: € per hour net of VAT (the tariff's standard rate unless agreed otherwise).
    rate_per_hour = models.DecimalField(_("rate (€ per hour, excl. VAT)"), max_digits=10,
                                        decimal_places=2, null=True, blank=True,
                                        validators=[MinValueValidator(0)])
    # HOURLY: the estimate shown to the customer; the logged time is what is billed.
    estimated_minutes = models.PositiveIntegerField(_("estimated minutes"), null=True,
                                                    blank=True)
    valid_until = models.DateField(_("valid until (inclusive)"), null=True, blank=True)
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.PROPOSED)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    decision_note = models.TextField(_("note with the decision"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    history = HistoricalRecords(table_name="billing_historicalquote")

    class Meta:
        db_table = "billing_quote"
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="fixed", amount__isnull=False, rate_per_hour__isnull=True)
                           | Q(kind="hourly", rate_per_hour__gt=0, amount__isnull=True)),
                name="quote_fixed_amount_or_hourly_rate",
                violation_error_message=_("A quote is a fixed amount or hours at a rate."),
            ),
            models.UniqueConstraint(fields=["ticket"], condition=Q(status="proposed"),
                                    name="quote_one_proposed_per_ticket"),
            models.UniqueConstraint(fields=["ticket"], condition=Q(status="accepted"),
                                    name="quote_one_accepted_per_ticket"),
        ]
        indexes = [models.Index(fields=["status", "valid_until"], name="quote_open_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"

    @property
    def accepted_at(self):
        return self.decided_at if self.status == self.Status.ACCEPTED else None

    def as_agreement(self) -> Agreement:
        """The terms as the rules engine prices them."""
        if self.kind == self.Kind.FIXED:
            return Agreement.fixed(self.amount)
        return Agreement.hourly(self.rate_per_hour)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PROPOSED
