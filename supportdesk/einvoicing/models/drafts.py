"""A statement as an invoice: the provider-neutral draft the exports are rendered from.

The draft is a snapshot (docs/einvoicing.md "Documents"): both parties, one line per
statement line with its VAT category and income classification, the payment method and the
totals, as they were when the draft was built. The myDATA and the UBL documents are rendered
from it, never from the live statement, so what was validated is what is sent; once the
provider registered it (``frozen_at``) the draft is never rebuilt.
"""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from supportdesk.common.models import TimeStampedModel

__all__ = ["IncomeClassificationRule", "InvoiceDraft", "InvoiceDraftLine"]


class IncomeClassificationRule(models.Model):
    """myDATA income classification for one kind of statement line (configuration).

    Rows for every kind ship with the app (migration 0001): support work, fees and
    re-billed expenses are all revenue from services, ``category1_3`` / ``E3_561_001``
    (wholesale to businesses, the vendor's customers are shops). A manager changes them in
    the admin when the accountant classifies a kind otherwise.
    """

    line_kind = models.CharField(_("kind of line"), max_length=16, unique=True)
    classification_type = models.CharField(
        _("classification type (E3)"), max_length=20,
        help_text=_("myDATA income classification type, e.g. E3_561_001."))
    classification_category = models.CharField(
        _("classification category"), max_length=20,
        help_text=_("myDATA income classification category, e.g. category1_3."))

    class Meta:
        verbose_name = _("income classification")
        verbose_name_plural = _("income classifications")
        ordering = ["line_kind"]

    def __str__(self) -> str:
        return f"{self.line_kind}: {self.classification_category} / {self.classification_type}"


class InvoiceDraft(TimeStampedModel):
    """The invoice (or credit note) a statement becomes; one per statement."""

    class DocumentKind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    statement = models.OneToOneField("billing.Statement", verbose_name=_("statement"),
                                     on_delete=models.PROTECT, related_name="invoice_draft")
    document_kind = models.CharField(_("document"), max_length=16,
                                     choices=DocumentKind.choices)
    # myDATA invoice type: 2.1 (service invoice), 5.1 (credit note, correlated).
    invoice_type = models.CharField(_("myDATA invoice type"), max_length=8)
    series = models.CharField(_("series"), max_length=50)
    number = models.CharField(_("number"), max_length=50)
    issue_date = models.DateField(_("issue date"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")

    issuer_vat_number = models.CharField(_("issuer tax number (ΑΦΜ)"), max_length=30,
                                         blank=True)
    issuer_name = models.CharField(_("issuer name"), max_length=200, blank=True)
    issuer_tax_office = models.CharField(_("issuer tax office (ΔΟΥ)"), max_length=100,
                                         blank=True)
    issuer_street = models.CharField(_("issuer address"), max_length=200, blank=True)
    issuer_city = models.CharField(_("issuer city"), max_length=100, blank=True)
    issuer_postal_code = models.CharField(_("issuer postal code"), max_length=10, blank=True)
    issuer_country = models.CharField(_("issuer country"), max_length=2, default="GR")
    issuer_branch = models.PositiveIntegerField(_("issuer branch"), default=0)
    issuer_iban = models.CharField(_("IBAN"), max_length=34, blank=True)

    counterpart_vat_number = models.CharField(_("customer tax number (ΑΦΜ)"), max_length=30,
                                              blank=True)
    counterpart_name = models.CharField(_("customer name"), max_length=200, blank=True)
    counterpart_tax_office = models.CharField(_("customer tax office (ΔΟΥ)"), max_length=100,
                                              blank=True)
    counterpart_street = models.CharField(_("customer address"), max_length=200, blank=True)
    counterpart_city = models.CharField(_("customer city"), max_length=100, blank=True)
    counterpart_postal_code = models.CharField(_("customer postal code"), max_length=10,
                                               blank=True)
    counterpart_country = models.CharField(_("customer country"), max_length=2, default="GR")
    counterpart_branch = models.PositiveIntegerField(_("customer branch"), default=0)

    # myDATA payment method code (1 domestic bank account, 3 cash, 5 on credit, ...).
    payment_method = models.PositiveSmallIntegerField(_("payment method"), default=5)
    net_total = models.DecimalField(_("net"), max_digits=14, decimal_places=2, default=0)
    vat_total = models.DecimalField(_("VAT"), max_digits=14, decimal_places=2, default=0)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=0)

    # A credit note refers to the invoice it corrects: its ΜΑΡΚ (myDATA) and its number (UBL).
    correlated_mark = models.CharField(_("ΜΑΡΚ of the original invoice"), max_length=20,
                                       blank=True)
    correlated_number = models.CharField(_("number of the original invoice"), max_length=110,
                                         blank=True)
    correlated_issue_date = models.DateField(_("issue date of the original invoice"),
                                             null=True, blank=True)

    # Set when the provider registered the document: the draft is then never rebuilt.
    frozen_at = models.DateTimeField(_("registered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invoice draft")
        verbose_name_plural = _("invoice drafts")
        ordering = ["-issue_date", "-id"]
        indexes = [models.Index(fields=["issue_date"])]
        constraints = [
            models.CheckConstraint(condition=Q(document_kind__in=["invoice", "credit_note"]),
                                   name="einvoicing_draft_kind_known"),
        ]

    def __str__(self) -> str:
        return f"{self.series}-{self.number}"

    @property
    def is_credit_note(self) -> bool:
        return self.document_kind == self.DocumentKind.CREDIT_NOTE

    @property
    def display_number(self) -> str:
        return f"{self.series}-{self.number}"


class InvoiceDraftLine(models.Model):
    """One invoice line per statement line; amounts are positive on a credit note too."""

    draft = models.ForeignKey(InvoiceDraft, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField(_("line"), validators=[MinValueValidator(1)])
    statement_line = models.ForeignKey("billing.StatementLine", on_delete=models.PROTECT,
                                       null=True, blank=True, related_name="+")
    line_kind = models.CharField(_("kind of line"), max_length=16)
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, default=1)
    net_value = models.DecimalField(_("net value"), max_digits=12, decimal_places=2)
    vat_rate = models.DecimalField(_("VAT rate"), max_digits=5, decimal_places=4)
    # myDATA VAT category: 1 = 24%, 2 = 13%, 3 = 6%, ..., 7 = 0% (with an exemption reason).
    vat_category = models.PositiveSmallIntegerField(_("VAT category"))
    vat_exemption_category = models.PositiveSmallIntegerField(
        _("VAT exemption reason"), null=True, blank=True)
    vat_amount = models.DecimalField(_("VAT"), max_digits=12, decimal_places=2)
    classification_type = models.CharField(_("classification type (E3)"), max_length=20)
    classification_category = models.CharField(_("classification category"), max_length=20)

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["draft", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "line_number"],
                                    name="einvoicing_draft_line_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.line_number}. {self.description}"
