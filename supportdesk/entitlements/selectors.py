"""Reads of the included and prepaid hours (§4): balances explained by their ledgers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Sum

from supportdesk.entitlements.models import (
    AllowanceBalance,
    AllowanceLedgerEntry,
    BankLedgerEntry,
    HourBank,
)


@dataclass(frozen=True)
class AllowanceRow:
    channel: str
    contract_year: int
    year_starts_on: date
    year_ends_on: date
    granted_minutes: int
    used_minutes: int
    left_minutes: int
    ledger_sum: int


@dataclass(frozen=True)
class Balances:
    bank_minutes: int
    bank_ledger_sum: int
    allowances: tuple[AllowanceRow, ...] = field(default_factory=tuple)


def customer_balances(*, customer_id: int, contract=None) -> Balances:
    """The prepaid bank of a customer and the included hours of ``contract``, each beside the
    sum of its ledger (they agree unless something wrote around the services)."""
    bank = HourBank.objects.filter(customer_id=customer_id).values_list(
        "balance_minutes", flat=True).first() or 0
    bank_sum = BankLedgerEntry.objects.filter(customer_id=customer_id).aggregate(
        s=Sum("minutes"))["s"] or 0
    rows = []
    if contract is not None:
        sums = {
            (r["contract_year"], r["channel"]): r["s"]
            for r in AllowanceLedgerEntry.objects.filter(contract=contract)
            .values("contract_year", "channel").annotate(s=Sum("minutes"))
        }
        for b in AllowanceBalance.objects.filter(contract=contract).order_by(
                "contract_year", "channel"):
            rows.append(AllowanceRow(
                channel=b.channel, contract_year=b.contract_year,
                year_starts_on=b.year_starts_on, year_ends_on=b.year_ends_on,
                granted_minutes=b.granted_minutes,
                used_minutes=b.granted_minutes - b.balance_minutes,
                left_minutes=b.balance_minutes,
                ledger_sum=sums.get((b.contract_year, b.channel), 0)))
    return Balances(bank_minutes=bank, bank_ledger_sum=bank_sum, allowances=tuple(rows))


def minutes_held_by_entry(entry) -> tuple[int, int]:
    """Minutes a work entry currently holds in (allowance, bank): what an edit gives back
    before the entry is priced again."""
    if entry is None or entry.pk is None:
        return 0, 0
    allowance = AllowanceLedgerEntry.objects.filter(work_entry_id=entry.pk).aggregate(
        s=Sum("minutes"))["s"] or 0
    bank = BankLedgerEntry.objects.filter(work_entry_id=entry.pk).aggregate(
        s=Sum("minutes"))["s"] or 0
    return max(0, -allowance), max(0, -bank)
