"""What a manager sells (§4): prepaid hours, a contract renewal, a contract's fee.

Each sale is one transaction under the per-customer lock: the hours or the contract and
the statement that bills them are made together or not at all.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supportdesk.billing.models import Statement, StatementLine
from supportdesk.billing.selectors import billing_settings
from supportdesk.billing.services.statements import (
    RUN_ONLY_MANAGERS,
    customer_snapshot,
    issue_statement,
)
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import ensure_manager
from supportdesk.contracts.models import Contract, TariffVersion
from supportdesk.contracts.selectors import (
    tariff_to_domain,
    tariff_version_for,
    tariff_version_in_force,
)
from supportdesk.contracts.services import contract_create
from supportdesk.domain.contract_years import (
    ContractYear,
    contract_years,
    fee_for_year,
    renewal_period,
)
from supportdesk.domain.tariff import Tier as DomainTier
from supportdesk.domain.tariff import prepaid_purchase_price as tariff_prepaid_price
from supportdesk.entitlements.models import PrepaidPurchase
from supportdesk.entitlements.services import customer_lock, prepaid_purchase_record

FEE_ALREADY_ISSUED = _("The fee statement of this contract year was already issued.")
FEE_NO_SUCH_YEAR = _("This contract has %(years)s contract years: choose one of them.")
PREPAID_ONLY_MANAGERS = _("Only managers sell prepaid hours and renew contracts.")
PREPAID_BAD_HOURS = _("Prepaid hours are bought in whole hours, at least %(minimum)s (§4).")
RENEW_NOT_ACTIVE = _("Only an active contract can be renewed.")
RENEW_ALREADY = _("This contract was already renewed.")


def prepaid_purchase_price(*, hours: int, on: date) -> tuple[TariffVersion, Decimal]:
    """The tariff version in force on ``on`` and what ``hours`` prepaid hours cost under it."""
    version = tariff_version_in_force(on)
    return version, tariff_prepaid_price(tariff_to_domain(version), hours)


def prepaid_purchase_create(*, customer, hours: int, on: date, by,
                            now: datetime | None = None) -> PrepaidPurchase:
    """§4: a Free-tier customer buys whole hours (at least the tariff's minimum) at the
    tariff's price; the hours are credited to the bank and the purchase gets its statement,
    all or nothing."""
    ensure_manager(by, PREPAID_ONLY_MANAGERS)
    tariff = tariff_to_domain(tariff_version_in_force(on))
    minimum = tariff.tier(DomainTier.FREE).annual_fee.min_hours or 1
    if isinstance(hours, bool) or not isinstance(hours, int) or hours < minimum:
        raise ApplicationError(PREPAID_BAD_HOURS % {"minimum": minimum}, code="bad_hours")
    version, price = prepaid_purchase_price(hours=hours, on=on)
    now = now or timezone.now()
    settings = billing_settings()
    with transaction.atomic():
        bank = customer_lock(customer_id=customer.pk)
        purchase = prepaid_purchase_record(bank=bank, customer=customer, hours=hours,
                                           price=price, on=on, tariff_version=version, by=by)
        statement = Statement(kind=Statement.Kind.PREPAID, series=settings.statement_series,
                              customer=customer, period_start=on, period_end=on,
                              **customer_snapshot(customer))
        line = StatementLine(
            kind=StatementLine.Kind.PREPAID, description=f"{hours} h",
            data={"purchase": purchase.pk, "hours": hours}, minutes=hours * 60,
            net_amount=price, vat_rate=tariff_to_domain(version).vat_rate_on(on))
        issue_statement(statement=statement, lines=[line], now=now, by=by, settings=settings)
    return purchase


def _fee_year(contract, *, year: int | None, today: date) -> ContractYear:
    years = contract_years(starts_on=contract.starts_on, ends_on=contract.ends_on)
    if year is None:  # the year running today (the first one before the contract starts)
        return next((y for y in years if y.starts_on <= today <= y.ends_on), years[0])
    if not 1 <= year <= len(years):
        raise ApplicationError(FEE_NO_SUCH_YEAR % {"years": len(years)}, code="fee_year")
    return years[year - 1]


def contract_fee_statement_issue(*, contract, by, year: int | None = None,
                                 now: datetime | None = None) -> Statement | None:
    """§4: the fee of one contract year of ``contract`` as its own statement.

    ``year`` is the contract year (1 = the first); by default the one running today, or the
    first before the contract starts. Each year is billed once (a second attempt is refused,
    also under concurrent attempts: UNIQUE per contract and year); a short last year pays pro
    rata (``domain.contract_years.fee_for_year``). ``None`` when there is nothing to bill (a
    Free-tier contract pays by prepaid hours). ``by`` is a manager, or ``None`` for the
    scheduled task.
    """
    if by is not None:
        ensure_manager(by, RUN_ONLY_MANAGERS)
    if contract.annual_fee <= 0:
        return None
    now = now or timezone.now()
    settings = billing_settings()
    fee_year = _fee_year(contract, year=year, today=timezone.localdate(now))
    with transaction.atomic():
        customer_lock(customer_id=contract.customer_id)
        if Statement.objects.filter(contract=contract, kind=Statement.Kind.CONTRACT_FEE,
                                    contract_year=fee_year.number).exists():
            raise ApplicationError(FEE_ALREADY_ISSUED, code="fee_issued")
        tariff = tariff_to_domain(tariff_version_for(contract=contract,
                                                     day=fee_year.starts_on))
        customer = contract.customer
        statement = Statement(
            kind=Statement.Kind.CONTRACT_FEE, series=settings.statement_series,
            customer=customer, contract=contract, contract_year=fee_year.number,
            period_start=fee_year.starts_on, period_end=fee_year.ends_on,
            **customer_snapshot(customer))
        line = StatementLine(
            kind=StatementLine.Kind.CONTRACT_FEE, description=str(contract)[:300],
            data={"contract": contract.pk, "tier": contract.tier,
                  "contract_year": fee_year.number,
                  "starts_on": fee_year.starts_on.isoformat(),
                  "ends_on": fee_year.ends_on.isoformat()},
            net_amount=fee_for_year(contract.annual_fee, fee_year),
            vat_rate=tariff.vat_rate_on(fee_year.starts_on))
        return issue_statement(statement=statement, lines=[line], now=now, by=by,
                               settings=settings)


def contract_fees_issue_due(*, today: date | None = None,
                            now: datetime | None = None) -> list[Statement]:
    """The scheduled step: the fee of every active contract's running year that has no fee
    statement yet (a multi-year contract pays each year as it starts). Idempotent."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    issued = []
    for contract in (Contract.objects.filter(status=Contract.Status.ACTIVE,
                                             starts_on__lte=today, ends_on__gte=today,
                                             annual_fee__gt=0)
                     .select_related("customer", "tariff_version").order_by("pk")):
        fee_year = _fee_year(contract, year=None, today=today)
        if Statement.objects.filter(contract=contract, kind=Statement.Kind.CONTRACT_FEE,
                                    contract_year=fee_year.number).exists():
            continue
        try:
            statement = contract_fee_statement_issue(contract=contract, by=None,
                                                     year=fee_year.number, now=now)
        except ApplicationError as exc:
            if exc.code != "fee_issued":  # another scheduler got there first
                raise
            continue
        if statement is not None:
            issued.append(statement)
    return issued


def contract_renew(*, contract: Contract, by, tier: str | None = None,
                   annual_fee: Decimal | None = None, notes: str = "") -> Contract:
    """§4: the next period's contract (same length, starting the day after) and its fee
    statement. A Free-tier renewal has no fee: Free customers buy prepaid hours instead."""
    ensure_manager(by, PREPAID_ONLY_MANAGERS)
    with transaction.atomic():
        current = Contract.objects.select_for_update().get(pk=contract.pk)
        if current.status != Contract.Status.ACTIVE:
            raise ApplicationError(RENEW_NOT_ACTIVE, code="not_active")
        if Contract.objects.filter(renews_contract=current).exists():
            raise ApplicationError(RENEW_ALREADY, code="already_renewed")
        tier = tier or current.tier
        starts_on, ends_on = renewal_period(starts_on=current.starts_on,
                                            ends_on=current.ends_on)
        renewed = contract_create(customer=current.customer, tier=tier, starts_on=starts_on,
                                  ends_on=ends_on, annual_fee=annual_fee, renews=current,
                                  notes=notes)
        contract_fee_statement_issue(contract=renewed, by=by)
    return renewed
