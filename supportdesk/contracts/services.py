"""Writes of contracts and business configuration (tariff versions, working calendar)."""

from datetime import date, time, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import ensure_manager
from supportdesk.customers.models import Customer

from .models import Closure, Contract, PrepaidPurchase, TariffVersion, WeeklyHours, WorkingCalendar
from .selectors import _CONFIG_VERSION_KEY, tariff_to_domain, tariff_version_in_force

CONTRACT_OVERLAPS = _("This customer already has a contract covering part of that period.")
CONTRACT_END_BEFORE_START = _("A contract must end after it starts.")
TARIFF_INVALID = _("The tariff is not valid: %(error)s")
TARIFF_DATE_TAKEN = _("Another tariff version is already in force from that date.")


def config_changed() -> None:
    """Invalidate memoised calendars and tariffs in every process sharing the cache."""
    try:
        cache.incr(_CONFIG_VERSION_KEY)
    except ValueError:
        cache.set(_CONFIG_VERSION_KEY, 2, timeout=None)


def tariff_version_create(
    *, version: str, effective_from: date, source_toml: str, notes: str = ""
) -> TariffVersion:
    """Add a tariff version; the TOML is validated by the rules engine before anything is saved."""
    from supportdesk.domain.tariff import TariffError, load_tariff

    try:
        load_tariff(source_toml)
    except TariffError as exc:
        raise ApplicationError(TARIFF_INVALID % {"error": exc}, code="tariff_invalid") from exc
    if TariffVersion.objects.filter(effective_from=effective_from).exists():
        raise ApplicationError(TARIFF_DATE_TAKEN, code="tariff_date_taken")
    row = TariffVersion(version=version, effective_from=effective_from, source_toml=source_toml,
                        notes=notes)
    row.full_clean()
    row.save()
    # Bump now (this process) and after commit (other processes may have re-read meanwhile).
    config_changed()
    transaction.on_commit(config_changed)
    return row


def tariff_seed_default(*, effective_from: date = date(2020, 1, 1)) -> TariffVersion:
    """The Jewelsoft tariff from SPEC.md, shipped with the rules engine as TOML."""
    from supportdesk.domain.tariff import DEFAULT_TARIFF_PATH, load_tariff

    source = DEFAULT_TARIFF_PATH.read_text(encoding="utf-8")
    existing = TariffVersion.objects.filter(effective_from=effective_from).first()
    if existing:
        return existing
    return tariff_version_create(
        version=load_tariff(source).version, effective_from=effective_from, source_toml=source,
        notes="Jewelsoft default (SPEC.md)",
    )


@transaction.atomic
def calendar_seed_default(*, first_year: int = 2020, last_year: int = 2035) -> WorkingCalendar:
    """§6: Mon-Fri 10:00-18:00, Greek public holidays, summer closure 5-25 August."""
    cal = WorkingCalendar.objects.filter(is_default=True).first()
    if cal:
        return cal
    cal = WorkingCalendar.objects.create(name="Jewelsoft", is_default=True)
    WeeklyHours.objects.bulk_create(
        WeeklyHours(calendar=cal, weekday=d, opens_at=time(10), closes_at=time(18))
        for d in range(5)
    )
    Closure.objects.bulk_create(
        Closure(calendar=cal, starts_on=date(y, 8, 5), ends_on=date(y, 8, 25),
                reason="Summer closure (§6)")
        for y in range(first_year, last_year + 1)
    )
    # Bump now (this process) and after commit (other processes may have re-read meanwhile).
    config_changed()
    transaction.on_commit(config_changed)
    return cal


def annual_fee_for(*, customer: Customer, tier: str, on: date) -> Decimal:
    """§4: the tier's fee rule applied to the customer's licensed software value."""
    from supportdesk.domain.tariff import Tier, annual_fee

    tariff = tariff_to_domain(tariff_version_in_force(on))
    values = list(customer.licences.filter(is_active=True).values_list("value", flat=True))
    return annual_fee(tariff, Tier(tier), values)


@transaction.atomic
def contract_create(
    *, customer: Customer, tier: str, starts_on: date, ends_on: date,
    annual_fee: Decimal | None = None, renews: Contract | None = None, notes: str = "",
) -> Contract:
    """Sign a contract; the fee is computed from the tariff unless given (negotiated)."""
    if ends_on <= starts_on:
        raise ApplicationError(CONTRACT_END_BEFORE_START, code="contract_dates")
    # Lock the customer row so two concurrent signatures cannot both pass the overlap check.
    Customer.objects.select_for_update().get(pk=customer.pk)
    overlapping = Contract.objects.filter(
        customer=customer, status=Contract.Status.ACTIVE,
        starts_on__lte=ends_on, ends_on__gte=starts_on,
    )
    if overlapping.exists():
        raise ApplicationError(CONTRACT_OVERLAPS, code="contract_overlap")
    version = tariff_version_in_force(starts_on)
    if annual_fee is None:
        annual_fee = annual_fee_for(customer=customer, tier=tier, on=starts_on)
    contract = Contract(
        customer=customer, tier=tier, starts_on=starts_on, ends_on=ends_on,
        annual_fee=annual_fee, tariff_version=version, renews_contract=renews, notes=notes,
    )
    contract.full_clean()
    contract.save()
    return contract


def prepaid_purchase_price(*, hours: int, on: date) -> tuple[TariffVersion, Decimal]:
    from supportdesk.domain.tariff import prepaid_purchase_price as price

    version = tariff_version_in_force(on)
    return version, price(tariff_to_domain(version), hours)


# --- prepaid purchases and renewals (issue 4, billing) ----------------------------------

PREPAID_ONLY_MANAGERS = _("Only managers sell prepaid hours and renew contracts.")
PREPAID_BAD_HOURS = _("Prepaid hours are bought in whole hours, at least %(minimum)s (§4).")
RENEW_NOT_ACTIVE = _("Only an active contract can be renewed.")
RENEW_ALREADY = _("This contract was already renewed.")



def prepaid_purchase_create(*, customer: Customer, hours: int, on: date, by) -> PrepaidPurchase:
    """§4: a Free-tier customer buys whole hours (at least 1) at the tariff's price; the
    hours are credited to the bank and the purchase gets its statement, all or nothing."""
    from supportdesk.billing.services.statements import bank_credit_purchase
    from supportdesk.domain.tariff import Tier as DomainTier

    ensure_manager(by, PREPAID_ONLY_MANAGERS)
    tariff = tariff_to_domain(tariff_version_in_force(on))
    minimum = tariff.tier(DomainTier.FREE).annual_fee.min_hours or 1
    if isinstance(hours, bool) or not isinstance(hours, int) or hours < minimum:
        raise ApplicationError(PREPAID_BAD_HOURS % {"minimum": minimum}, code="bad_hours")
    version, price = prepaid_purchase_price(hours=hours, on=on)
    with transaction.atomic():
        purchase = PrepaidPurchase(customer=customer, hours=hours, price=price,
                                   purchased_on=on, tariff_version=version)
        purchase.full_clean()
        purchase._history_user = by
        purchase.save()
        bank_credit_purchase(purchase=purchase, by=by)
    return purchase


def contract_renew(*, contract: Contract, by, tier: str | None = None,
                   annual_fee: Decimal | None = None, notes: str = "") -> Contract:
    """§4: the next period's contract (same length, starting the day after) and its fee
    statement. A Free-tier renewal has no fee: Free customers buy prepaid hours instead."""
    from supportdesk.billing.services.ledgers import add_years
    from supportdesk.billing.services.statements import contract_fee_statement_issue
    from supportdesk.common.choices import Tier

    ensure_manager(by, PREPAID_ONLY_MANAGERS)
    with transaction.atomic():
        current = Contract.objects.select_for_update().get(pk=contract.pk)
        if current.status != Contract.Status.ACTIVE:
            raise ApplicationError(RENEW_NOT_ACTIVE, code="not_active")
        if Contract.objects.filter(renews_contract=current).exists():
            raise ApplicationError(RENEW_ALREADY, code="already_renewed")
        tier = tier or current.tier
        starts_on = current.ends_on + timedelta(days=1)
        years = max(1, round((current.ends_on - current.starts_on).days / 365.25))
        ends_on = add_years(starts_on, years) - timedelta(days=1)
        if annual_fee is None and tier == Tier.FREE:
            annual_fee = Decimal("0.00")
        renewed = contract_create(customer=current.customer, tier=tier, starts_on=starts_on,
                                  ends_on=ends_on, annual_fee=annual_fee, renews=current,
                                  notes=notes)
        contract_fee_statement_issue(contract=renewed, by=by)
    return renewed


__all__ = [
    "PrepaidPurchase", "annual_fee_for", "calendar_seed_default", "config_changed",
    "contract_create", "contract_renew", "prepaid_purchase_create", "prepaid_purchase_price",
    "tariff_seed_default", "tariff_version_create",
]
