"""Money the terms talk about (§3, §5, §7, §9-§11): statements, quotes, holds.

The hours a customer is entitled to (included and prepaid, §4) are ``entitlements``'s;
billing turns priced work into statements.

Statements (not legal invoices, docs/rules.md "Statements, not legal invoices") carry
everything an invoice needs; their numbers are gapless per series and year through a locked
counter row.
"""

from django.conf import settings
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from supportdesk.common.choices import Channel
from supportdesk.common.models import TimeStampedModel

DRAFT_LABEL = _("draft")


class BillingSettings(models.Model):
    """Business configuration of billing (data, not Django settings): a single row, pk=1."""

    grace_days = models.PositiveIntegerField(
        _("grace days before support hold (§11)"), default=15,
        help_text=_("Days after a statement's due date before the customer is put on hold."),
    )
    payment_terms_days = models.PositiveIntegerField(
        _("payment terms (days)"), default=30, validators=[MaxValueValidator(365)]
    )
    statement_series = models.CharField(_("statement series"), max_length=10, default="ΠΛ")
    credit_series = models.CharField(_("credit statement series"), max_length=10, default="ΠΙ")

    class Meta:
        verbose_name = _("billing settings")
        verbose_name_plural = _("billing settings")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="billing_settings_singleton"),
        ]

    def __str__(self) -> str:
        return str(_("Billing settings"))


class VendorProfile(models.Model):
    """The vendor's own details printed on every statement: a single row, pk=1."""

    name = models.CharField(_("company name"), max_length=200)
    address = models.CharField(_("address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    tax_number = models.CharField(_("tax number (ΑΦΜ)"), max_length=9)
    tax_office = models.CharField(_("tax office (ΔΟΥ)"), max_length=100, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # Printed at the top of the statement; read from storage and embedded, never fetched.
    logo = models.FileField(
        _("logo"), upload_to="vendor/", blank=True,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg"])],
        help_text=_("PNG or JPEG, printed at the top of every statement."),
    )

    class Meta:
        verbose_name = _("vendor profile")
        verbose_name_plural = _("vendor profile")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="vendor_profile_singleton"),
        ]

    def __str__(self) -> str:
        return self.name


class StatementCounter(models.Model):
    """Last number issued per series and year; locked while a statement takes the next one,
    so numbers are gapless (a rolled-back issue rolls the counter back too)."""

    series = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="statement_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.series}-{self.year}: {self.last_number}"


class BillingRun(models.Model):
    """One execution of the billing run for a period: what it issued and what it left waiting."""

    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="+")
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    statements_issued = models.PositiveIntegerField(default=0)
    customers_seen = models.PositiveIntegerField(default=0)
    # Machine-keyed notes: [{"key": "waiting_quote", "ticket": 12, "customer": 3}, ...]
    notes = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("billing run")
        verbose_name_plural = _("billing runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.period_start} – {self.period_end}"


class Statement(TimeStampedModel):
    class Kind(models.TextChoices):
        PERIOD = "period", _("Period statement")
        CONTRACT_FEE = "contract_fee", _("Contract fee")
        PREPAID = "prepaid", _("Prepaid hours")
        CREDIT = "credit", _("Credit statement")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")
        PAID = "paid", _("Paid")
        CREDITED = "credited", _("Credited")

    class EinvoiceStatus(models.TextChoices):
        """Where the statement's e-invoice is with the provider (docs/einvoicing.md
        "Hand-off"): written only by the billing services that supportdesk.einvoicing
        calls, so billing pages show it without importing that app."""
        DRAFT = "draft", _("Not sent")
        SENT = "sent", _("Sent")
        REGISTERED = "registered", _("Registered")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PERIOD)
    series = models.CharField(_("series"), max_length=10)
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"),
                                 on_delete=models.PROTECT, related_name="statements")
    # Snapshot of the customer as it was at issue: later edits never change a statement.
    customer_name = models.CharField(_("customer"), max_length=200)
    customer_address = models.CharField(_("address"), max_length=320, blank=True)
    customer_tax_number = models.CharField(_("tax number (ΑΦΜ)"), max_length=9)
    customer_tax_office = models.CharField(_("tax office (ΔΟΥ)"), max_length=100, blank=True)
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.DRAFT)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    # ΜΑΡΚ: the registration number myDATA returns: from the e-invoicing provider, or typed
    # in by a manager where no provider is configured. Once registered, the statement's
    # invoice content (and these fields) never change again: a credit statement corrects it.
    mark = models.CharField(_("ΜΑΡΚ"), max_length=20, blank=True)
    einvoice_status = models.CharField(_("e-invoice"), max_length=12,
                                       choices=EinvoiceStatus.choices,
                                       default=EinvoiceStatus.DRAFT)
    einvoice_uid = models.CharField(_("e-invoice UID"), max_length=100, blank=True)
    einvoice_authentication_code = models.CharField(_("authentication code"), max_length=200,
                                                    blank=True)
    einvoice_qr_url = models.URLField(_("QR code URL"), max_length=500, blank=True)
    einvoice_registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    net_total = models.DecimalField(_("net"), max_digits=14, decimal_places=2, default=0)
    vat_total = models.DecimalField(_("VAT"), max_digits=14, decimal_places=2, default=0)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=0)
    vat_breakdown = models.JSONField(default=list, blank=True)  # [{"rate","net","vat"}]
    credits = models.ForeignKey("self", verbose_name=_("credits statement"),
                                on_delete=models.PROTECT, null=True, blank=True,
                                related_name="credit_statements")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="statements")
    # A contract fee statement bills one contract year (1 = the first), §4 "annual cost".
    contract_year = models.PositiveSmallIntegerField(_("contract year"), null=True,
                                                     blank=True)
    billing_run = models.ForeignKey(BillingRun, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="statements")
    reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["-year", "-number", "-id"]
        indexes = [
            models.Index(fields=["customer", "-issued_at"]),
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["period_start", "period_end"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["series", "year", "number"],
                                    name="statement_number_unique"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(number__isnull=False, issued_at__isnull=False),
                name="statement_issued_has_number",
            ),
            # One fee statement per contract year (a retry or renewal never bills it twice).
            models.UniqueConstraint(fields=["contract", "contract_year"],
                                    condition=Q(kind="contract_fee"),
                                    name="statement_one_fee_per_contract_year"),
            models.CheckConstraint(
                condition=~Q(kind="contract_fee") | Q(contract_year__isnull=False),
                name="statement_fee_names_its_contract_year"),
            # A registered e-invoice has its ΜΑΡΚ and the moment it was registered.
            models.CheckConstraint(
                condition=~Q(einvoice_status="registered")
                | (~Q(mark="") & Q(einvoice_registered_at__isnull=False)),
                name="statement_registered_has_mark"),
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        if self.number is None:
            return f"{self.series}-{self.year}-{DRAFT_LABEL}"
        return f"{self.series}-{self.year}-{self.number:06d}"

    @property
    def is_credit(self) -> bool:
        return self.kind == self.Kind.CREDIT


class StatementLine(models.Model):
    class Kind(models.TextChoices):
        WORK = "work", _("Work")
        SURCHARGE = "surcharge", _("Out-of-hours surcharge (§7)")
        EXPENSE = "expense", _("Expense")
        FLAT_FEE = "flat_fee", _("Flat fee (§3)")
        CONTRACT_FEE = "contract_fee", _("Contract fee (§4)")
        PREPAID = "prepaid", _("Prepaid hours (§4)")
        CREDIT = "credit", _("Credit")
        AGREEMENT = "agreement", _("Agreed amount (§10)")

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+")
    # An entry or expense is billed at most once (docs/security.md #28). Only the line that bills
    # it (not its surcharge line) names it, and a credited line releases it again.
    # Indexed by partial indexes below (non-null values only): most lines have no expense
    # and no reversed line, and 400,000 lines a month should not index their NULLs.
    work_entry = models.ForeignKey("worklog.WorkEntry", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="statement_lines", db_index=False)
    expense = models.ForeignKey("worklog.Expense", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="statement_lines", db_index=False)
    # A fixed-amount agreement (§10) is billed once, as one line; crediting it releases it.
    quote = models.ForeignKey("agreements.Quote", on_delete=models.PROTECT, null=True,
                              blank=True, related_name="statement_lines", db_index=False)
    # The line a credit line reverses (credited at most once).
    reverses = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", db_index=False)
    credited_at = models.DateTimeField(null=True, blank=True, editable=False)
    description = models.CharField(_("description"), max_length=300)
    data = models.JSONField(default=dict, blank=True)  # machine keys for the documents
    channel = models.CharField(max_length=16, choices=Channel.choices, blank=True)
    minutes = models.IntegerField(_("minutes"), default=0)
    net_amount = models.DecimalField(_("net (€)"), max_digits=12, decimal_places=2)
    vat_rate = models.DecimalField(_("VAT rate"), max_digits=5, decimal_places=4,
                                   validators=[MinValueValidator(0)])

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["statement", "position", "id"]
        indexes = [
            models.Index(fields=["work_entry"], name="statement_line_entry_idx",
                         condition=Q(work_entry__isnull=False)),
            models.Index(fields=["expense"], name="statement_line_expense_idx",
                         condition=Q(expense__isnull=False)),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["work_entry"], name="statement_line_entry_billed_once",
                condition=Q(work_entry__isnull=False, credited_at__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["expense"], name="statement_line_expense_billed_once",
                condition=Q(expense__isnull=False, credited_at__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["quote"], name="statement_line_quote_billed_once",
                condition=Q(quote__isnull=False, credited_at__isnull=True),
            ),
            models.UniqueConstraint(fields=["reverses"], name="statement_line_credited_once",
                                    condition=Q(reverses__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.description}"


class HoldOverride(models.Model):
    """§11: staff let a customer on hold be served anyway; the reason is kept (audited)."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT,
                                 related_name="hold_overrides")
    reason = models.TextField(_("reason"))
    until = models.DateField(_("until (inclusive)"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("support hold override")
        verbose_name_plural = _("support hold overrides")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["customer", "until"])]

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.until}"
