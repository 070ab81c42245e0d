"""Writes of contracts and business configuration (tariff versions, working calendar)."""

from datetime import date, time
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from supportdesk.common.exceptions import ApplicationError
from supportdesk.customers.models import Customer
from supportdesk.domain.tariff import (
    DEFAULT_TARIFF_PATH,
    TariffError,
    Tier,
    contract_fee,
    load_tariff,
)

from .models import Closure, Contract, TariffVersion, WeeklyHours, WorkingCalendar
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
    """The Jewelsoft tariff (docs/rules.md "Tariff reading"), shipped with the rules engine
    as TOML."""
    source = DEFAULT_TARIFF_PATH.read_text(encoding="utf-8")
    existing = TariffVersion.objects.filter(effective_from=effective_from).first()
    if existing:
        return existing
    return tariff_version_create(
        version=load_tariff(source).version, effective_from=effective_from, source_toml=source,
        notes="Προεπιλογή Jewelsoft (docs/rules.md, η ανάγνωση του τιμοκαταλόγου)",
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
                reason="Θερινή διακοπή (§6)")
        for y in range(first_year, last_year + 1)
    )
    # Bump now (this process) and after commit (other processes may have re-read meanwhile).
    config_changed()
    transaction.on_commit(config_changed)
    return cal


def annual_fee_for(*, customer: Customer, tier: str, on: date) -> Decimal:
    """§4: the tier's yearly fee for the customer's licensed software value (nothing for
    the Free tier, which buys prepaid hours instead)."""
    tariff = tariff_to_domain(tariff_version_in_force(on))
    values = list(customer.licences.filter(is_active=True).values_list("value", flat=True))
    return contract_fee(tariff, Tier(tier), values)


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


__all__ = [
    "annual_fee_for", "calendar_seed_default", "config_changed", "contract_create",
    "tariff_seed_default", "tariff_version_create",
]
