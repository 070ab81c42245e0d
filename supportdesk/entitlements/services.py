"""Writes of the allowance and prepaid-bank ledgers (§4): append-only rows plus a locked
balance row.

Every write here runs inside the caller's transaction, after the caller took the
per-customer lock with :func:`customer_lock`; the CHECK ``balance >= 0`` on the balance rows
is the last guard, so even a bug in a caller cannot overdraw a bank.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils.translation import gettext_lazy as _

from supportdesk.common.exceptions import ApplicationError
from supportdesk.domain.contract_years import ContractYear
from supportdesk.entitlements.models import (
    AllowanceBalance,
    AllowanceLedgerEntry,
    BankLedgerEntry,
    HourBank,
    LedgerReason,
    PrepaidPurchase,
)

INSUFFICIENT_HOURS = _("Not enough hours left: the bank or allowance would be overdrawn.")
LEDGER_NOT_IN_TRANSACTION = "ledger writes must run inside transaction.atomic()"


def _assert_atomic() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(LEDGER_NOT_IN_TRANSACTION)


def customer_lock(*, customer_id: int, ensure: bool = True) -> HourBank:
    """Take the per-customer billing lock (the customer's ``HourBank`` row) and return it.

    PostgreSQL: ``SELECT ... FOR UPDATE`` on the row, created first with ``ON CONFLICT DO
    NOTHING`` so two first-time savers do not race on the insert. SQLite: the transaction
    already holds the database write lock (``transaction_mode=IMMEDIATE``).
    """
    _assert_atomic()
    if ensure:  # callers that created the rows in bulk beforehand skip the insert
        HourBank.objects.bulk_create([HourBank(customer_id=customer_id)], ignore_conflicts=True)
    return HourBank.objects.select_for_update().get(customer_id=customer_id)


def allowance_balance_get(*, contract, year: ContractYear, channel: str,
                          included_minutes: int, actor=None, lock: bool = True,
                          create: bool = True) -> AllowanceBalance | None:
    """The balance row of one contract year and channel, granting the year on first use."""
    qs = AllowanceBalance.objects.filter(contract=contract, contract_year=year.number,
                                         channel=channel)
    if lock:
        qs = qs.select_for_update()
    row = qs.first()
    if row is not None or not create or included_minutes <= 0:
        return row
    _assert_atomic()
    row = AllowanceBalance(
        contract=contract, contract_year=year.number, year_starts_on=year.starts_on,
        year_ends_on=year.ends_on, channel=channel, granted_minutes=included_minutes,
        balance_minutes=included_minutes,
    )
    row.save()
    AllowanceLedgerEntry(contract=contract, contract_year=year.number, channel=channel,
                         minutes=included_minutes, reason=LedgerReason.GRANT,
                         actor=actor).save()
    return row


def allowance_post(*, balance: AllowanceBalance, minutes: int, reason: str, work_entry=None,
                   actor=None) -> AllowanceLedgerEntry:
    """Append one allowance row and move the balance by the same minutes, atomically."""
    _assert_atomic()
    if minutes == 0:
        raise ValueError("a ledger row moves at least one minute")
    entry = AllowanceLedgerEntry(
        contract_id=balance.contract_id, contract_year=balance.contract_year,
        channel=balance.channel, minutes=minutes, reason=reason, work_entry=work_entry,
        actor=actor,
    )
    try:
        with transaction.atomic():
            entry.save()
            AllowanceBalance.objects.filter(pk=balance.pk).update(
                balance_minutes=F("balance_minutes") + minutes)
    except IntegrityError as exc:  # CHECK balance >= 0 / <= grant: the last guard
        raise ApplicationError(INSUFFICIENT_HOURS, code="insufficient_hours") from exc
    balance.balance_minutes += minutes
    return entry


def bank_post(*, bank: HourBank, minutes: int, reason: str, work_entry=None, purchase=None,
              actor=None) -> BankLedgerEntry:
    """Append one bank row and move the balance by the same minutes, atomically."""
    _assert_atomic()
    if minutes == 0:
        raise ValueError("a ledger row moves at least one minute")
    entry = BankLedgerEntry(customer_id=bank.customer_id, minutes=minutes, reason=reason,
                            work_entry=work_entry, purchase=purchase, actor=actor)
    try:
        with transaction.atomic():
            entry.save()
            HourBank.objects.filter(pk=bank.pk).update(
                balance_minutes=F("balance_minutes") + minutes)
    except IntegrityError as exc:
        raise ApplicationError(INSUFFICIENT_HOURS, code="insufficient_hours") from exc
    bank.balance_minutes += minutes
    return entry


def ledgers_reverse_entry(*, work_entry, bank: HourBank, actor=None) -> tuple[int, int]:
    """Give back every minute ``work_entry`` still holds in both ledgers (reversal rows).

    Returns (allowance minutes returned, bank minutes returned). Rows already reversed net
    to zero and are skipped, so calling this twice returns nothing the second time.
    """
    _assert_atomic()
    per_balance: dict[tuple[int, int, str], int] = defaultdict(int)
    for row in AllowanceLedgerEntry.objects.filter(work_entry=work_entry).values(
            "contract_id", "contract_year", "channel", "minutes"):
        per_balance[(row["contract_id"], row["contract_year"], row["channel"])] += row["minutes"]
    allowance_back = 0
    for (contract_id, year, channel), held in sorted(per_balance.items()):
        if held >= 0:
            continue
        balance = AllowanceBalance.objects.select_for_update().get(
            contract_id=contract_id, contract_year=year, channel=channel)
        allowance_post(balance=balance, minutes=-held, reason=LedgerReason.REVERSAL,
                       work_entry=work_entry, actor=actor)
        allowance_back += -held
    held_bank = BankLedgerEntry.objects.filter(work_entry=work_entry).aggregate(
        s=Sum("minutes"))["s"] or 0
    bank_back = 0
    if held_bank < 0:
        bank_post(bank=bank, minutes=-held_bank, reason=LedgerReason.REVERSAL,
                  work_entry=work_entry, actor=actor)
        bank_back = -held_bank
    return allowance_back, bank_back


def prepaid_purchase_record(*, bank: HourBank, customer, hours: int, price, on, tariff_version,
                            by) -> PrepaidPurchase:
    """Record a sale of prepaid hours and credit them to the locked ``bank`` (§4).

    The sale itself (who may sell, at what price, its statement) is billing's.
    """
    _assert_atomic()
    purchase = PrepaidPurchase(customer=customer, hours=hours, price=price, purchased_on=on,
                               tariff_version=tariff_version)
    purchase.full_clean()
    purchase._history_user = by
    purchase.save()
    bank_post(bank=bank, minutes=hours * 60, reason=LedgerReason.PURCHASE, purchase=purchase,
              actor=by)
    return purchase
