"""Included and prepaid hours (§4): who is entitled to how many minutes, and why.

Two append-only ledgers explain every balance line by line:

* ``AllowanceLedgerEntry``: the included hours of a contract, per contract year and
  channel: ``+`` the yearly grant, ``-`` draws by priced work, ``+`` reversals when an entry
  is edited or deleted.
* ``BankLedgerEntry``: the Free tier's prepaid hour bank: ``+`` purchases, ``-`` draws,
  ``+`` reversals.

Next to each ledger a *balance row* (``AllowanceBalance``, ``HourBank``) holds the running
sum. Services lock that row (``select_for_update``; SQLite takes the write lock at BEGIN
through ``transaction_mode=IMMEDIATE``), insert the ledger row and update the balance in the
same transaction; a database CHECK ``balance >= 0`` is the last guard against an overdraft.
Ledger rows are never updated or deleted (model guard, and a trigger on PostgreSQL: see
``apps.py``).

The tables keep the names they had when these models lived in ``billing`` and
``contracts`` (``db_table``), so moving the code moved no data.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from supportdesk.common.choices import Channel
from supportdesk.common.models import AppendOnlyModel, TimeStampedModel


class PrepaidPurchase(TimeStampedModel):
    """Hours a Free-tier customer buys in advance (§4): whole hours, at least one."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
        related_name="prepaid_purchases",
    )
    hours = models.PositiveIntegerField(_("hours"))
    # Euros excl. VAT: hours × the tariff's standard rate at purchase.
    price = models.DecimalField(_("price (€)"), max_digits=12, decimal_places=2)
    purchased_on = models.DateField(_("purchased on"))
    tariff_version = models.ForeignKey(
        "contracts.TariffVersion", verbose_name=_("tariff version"), on_delete=models.PROTECT
    )
    history = HistoricalRecords(table_name="contracts_historicalprepaidpurchase")

    class Meta:
        db_table = "contracts_prepaidpurchase"
        verbose_name = _("prepaid hours purchase")
        verbose_name_plural = _("prepaid hours purchases")
        ordering = ["-purchased_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gte=1), name="prepaid_purchase_at_least_one_hour",
                violation_error_message=_("Prepaid hours are bought in whole hours, at least 1."),
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0), name="prepaid_purchase_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.hours} h"


class LedgerReason(models.TextChoices):
    GRANT = "grant", _("Yearly included hours")
    PURCHASE = "purchase", _("Prepaid hours bought")
    DRAW = "draw", _("Used by work")
    REVERSAL = "reversal", _("Reversed (work edited or deleted)")
    ADJUSTMENT = "adjustment", _("Manual adjustment")


class AllowanceBalance(models.Model):
    """Running balance of one contract year's included minutes on one channel (§4)."""

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="allowance_balances"
    )
    contract_year = models.PositiveSmallIntegerField(_("contract year"))  # 1 = first year
    year_starts_on = models.DateField()
    year_ends_on = models.DateField()
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    granted_minutes = models.PositiveIntegerField(_("included minutes"))
    balance_minutes = models.IntegerField(_("minutes left"))

    class Meta:
        db_table = "billing_allowancebalance"
        verbose_name = _("included hours balance")
        verbose_name_plural = _("included hours balances")
        constraints = [
            models.UniqueConstraint(fields=["contract", "contract_year", "channel"],
                                    name="allowance_balance_unique"),
            models.CheckConstraint(condition=Q(balance_minutes__gte=0),
                                   name="allowance_balance_never_negative"),
            models.CheckConstraint(condition=Q(balance_minutes__lte=F("granted_minutes")),
                                   name="allowance_balance_within_grant"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} · {self.contract_year} · {self.channel}: {self.balance_minutes}"


class AllowanceLedgerEntry(AppendOnlyModel):
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="allowance_ledger"
    )
    contract_year = models.PositiveSmallIntegerField(_("contract year"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    minutes = models.IntegerField(_("minutes"))  # + grant / reversal, - draw
    # The entry may be deleted later (its history stays): keep its id, not a constraint.
    work_entry = models.ForeignKey(
        "worklog.WorkEntry", on_delete=models.DO_NOTHING, db_constraint=False, null=True,
        blank=True, related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=16, choices=LedgerReason.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")

    class Meta:
        db_table = "billing_allowanceledgerentry"
        verbose_name = _("included hours ledger entry")
        verbose_name_plural = _("included hours ledger")
        ordering = ["id"]
        indexes = [models.Index(fields=["contract", "contract_year", "channel"]),
                   models.Index(fields=["work_entry"])]
        constraints = [
            models.CheckConstraint(condition=~Q(minutes=0), name="allowance_ledger_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.reason} {self.minutes:+d} min"


class HourBank(models.Model):
    """Running balance of a customer's prepaid minutes (§4, Free tier); also the per-customer
    lock every pricing write takes, so two savers of the last hour queue one behind the other.
    """

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.PROTECT, related_name="hour_bank"
    )
    balance_minutes = models.IntegerField(_("minutes left"), default=0)

    class Meta:
        db_table = "billing_hourbank"
        verbose_name = _("prepaid hour bank")
        verbose_name_plural = _("prepaid hour banks")
        constraints = [
            models.CheckConstraint(condition=Q(balance_minutes__gte=0),
                                   name="hour_bank_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.balance_minutes} min"


class BankLedgerEntry(AppendOnlyModel):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="bank_ledger"
    )
    minutes = models.IntegerField(_("minutes"))  # + purchase / reversal, - draw
    work_entry = models.ForeignKey(
        "worklog.WorkEntry", on_delete=models.DO_NOTHING, db_constraint=False, null=True,
        blank=True, related_name="+",
    )
    purchase = models.ForeignKey(
        PrepaidPurchase, on_delete=models.PROTECT, null=True, blank=True,
        related_name="bank_ledger",
    )
    reason = models.CharField(_("reason"), max_length=16, choices=LedgerReason.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")

    class Meta:
        db_table = "billing_bankledgerentry"
        verbose_name = _("prepaid hours ledger entry")
        verbose_name_plural = _("prepaid hours ledger")
        ordering = ["id"]
        indexes = [models.Index(fields=["customer", "id"]), models.Index(fields=["work_entry"])]
        constraints = [
            models.CheckConstraint(condition=~Q(minutes=0), name="bank_ledger_not_zero"),
            models.UniqueConstraint(fields=["purchase"], condition=Q(reason="purchase"),
                                    name="bank_ledger_purchase_once"),
        ]

    def __str__(self) -> str:
        return f"{self.reason} {self.minutes:+d} min"
