"""Reads of the included and prepaid hours (§4): balances explained by their ledgers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Sum

from supportdesk.common.choices import Channel, Tier
from supportdesk.common.exceptions import ApplicationError
from supportdesk.contracts.selectors import tariff_to_domain, tariff_version_for
from supportdesk.domain.tariff import Tier as DomainTier
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


@dataclass(frozen=True)
class AllowanceLeft:
    channel: str
    label: str
    granted_minutes: int
    left_minutes: int


@dataclass(frozen=True)
class HoursLeft:
    """What a customer has left on ``today``: the included minutes of the current contract
    year per channel (§4) and the prepaid bank; ``uses_bank`` when the tier draws from it."""

    allowances: tuple[AllowanceLeft, ...]
    bank_minutes: int
    uses_bank: bool


def hours_left(*, customer_id: int, contract, today: date) -> HoursLeft:
    """The one answer to "how many hours are left", for the desk and the portal alike.

    Read from the balance rows; a channel the contract includes but nothing has drawn from
    this contract year yet (no balance row: the first draw grants the year) has all of its
    minutes left. The included minutes are those of the current contract year's tariff
    version (docs/rules.md "The contract year keeps its tariff"); without a contract, the
    Free tier of the version in force (docs/rules.md "No contract means the Free tier").
    """
    balances = customer_balances(customer_id=customer_id, contract=contract)
    tier = contract.tier if contract is not None else Tier.FREE
    try:
        terms = tariff_to_domain(tariff_version_for(contract=contract, day=today)).tier(
            DomainTier(tier))
    except ApplicationError:  # no tariff configured yet: nothing is included
        return HoursLeft(allowances=(), bank_minutes=balances.bank_minutes, uses_bank=False)
    current = {r.channel: r for r in balances.allowances
               if r.year_starts_on <= today <= r.year_ends_on}
    rows = []
    if contract is not None:
        for channel, channel_terms in terms.channels:
            granted = channel_terms.included_minutes_per_year
            if not granted:
                continue
            row = current.get(str(channel))
            rows.append(AllowanceLeft(
                channel=str(channel), label=str(Channel(str(channel)).label),
                granted_minutes=row.granted_minutes if row else granted,
                left_minutes=row.left_minutes if row else granted))
    return HoursLeft(allowances=tuple(rows), bank_minutes=balances.bank_minutes,
                     uses_bank=bool(terms.uses_prepaid_bank))


def contract_has_updates(*, contract, day: date) -> bool:
    """§4: whether ``contract`` entitles its customer to updated versions on ``day`` (the
    tier's terms in the tariff of that contract year); no contract is the Free tier, which
    has none. The portal's releases, the API and the knowledge base's entitlement-only
    articles all ask here."""
    if contract is None:
        return False
    tariff = tariff_to_domain(tariff_version_for(contract=contract, day=day))
    return bool(tariff.tier(DomainTier(contract.tier)).has_updates)


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
