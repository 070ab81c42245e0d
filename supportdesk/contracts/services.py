"""Writes of contracts and business configuration (tariff versions, working calendar)."""

from datetime import date, time
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import ensure_manager
from supportdesk.common.text import clean_text
from supportdesk.customers.models import Customer
from supportdesk.domain.tariff import (
    DEFAULT_TARIFF_PATH,
    TariffError,
    Tier,
    contract_fee,
    load_tariff,
)

from .models import (
    CalendarDay,
    Closure,
    Contract,
    TariffVersion,
    WeeklyHours,
    WorkingCalendar,
)
from .selectors import _CONFIG_VERSION_KEY, tariff_to_domain, tariff_version_in_force

CONTRACT_OVERLAPS = _("This customer already has a contract covering part of that period.")
CONTRACT_END_BEFORE_START = _("A contract must end after it starts.")
TARIFF_INVALID = _("The tariff is not valid: %(error)s")
TARIFF_DATE_TAKEN = _("Another tariff version is already in force from that date.")
CALENDAR_ONLY_MANAGERS = _("Only managers change the working calendar.")
CLOSURE_BAD_DATES = _("A closure runs from its first to its last closed day, at most a year, "
                      "between 2000 and 2100.")
CLOSURE_OVERLAPS = _("This closure overlaps another one of the calendar: change or remove that "
                     "one first.")
CALENDAR_DAY_BAD_DATE = _("Choose a date between 2000 and 2100.")
CALENDAR_DAY_TAKEN = _("That date already has a special day; remove it first.")
CALENDAR_DAY_BAD_HOURS = _("An opened day needs an opening time before its closing time.")
CALENDAR_NEEDS_REASON = _("Give a reason (it is shown on the calendar).")
#: The years a manager edits on the calendar page (the holiday rule covers 1901-2100).
CALENDAR_YEARS = range(2000, 2101)


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


def _calendar_changed() -> None:
    # As for tariffs: now (this process) and after commit (others may have re-read meanwhile).
    config_changed()
    transaction.on_commit(config_changed)


def _clean_reason(reason: str) -> str:
    reason = clean_text(reason or "").strip()
    if not reason:
        raise ApplicationError(CALENDAR_NEEDS_REASON, code="reason_required")
    return reason[:200]


def calendar_closure_add(*, calendar: WorkingCalendar, starts_on: date, ends_on: date,
                         reason: str, by) -> Closure:
    """§6: close the office from ``starts_on`` to ``ends_on`` (inclusive), e.g. a year's
    summer closure; refused if it overlaps another closure of the calendar."""
    ensure_manager(by, CALENDAR_ONLY_MANAGERS)
    reason = _clean_reason(reason)
    if (not isinstance(starts_on, date) or not isinstance(ends_on, date)
            or ends_on < starts_on or (ends_on - starts_on).days > 365
            or starts_on.year not in CALENDAR_YEARS or ends_on.year not in CALENDAR_YEARS):
        raise ApplicationError(CLOSURE_BAD_DATES, code="closure_dates")
    with transaction.atomic():
        WorkingCalendar.objects.select_for_update().get(pk=calendar.pk)
        if calendar.closures.filter(starts_on__lte=ends_on, ends_on__gte=starts_on).exists():
            raise ApplicationError(CLOSURE_OVERLAPS, code="closure_overlap")
        row = Closure(calendar=calendar, starts_on=starts_on, ends_on=ends_on, reason=reason)
        row.full_clean()
        row.save()
        _calendar_changed()
    return row


def calendar_closure_remove(*, closure: Closure, by) -> None:
    ensure_manager(by, CALENDAR_ONLY_MANAGERS)
    with transaction.atomic():
        Closure.objects.filter(pk=closure.pk).delete()
        _calendar_changed()


def calendar_day_set(*, calendar: WorkingCalendar, day: date, is_working: bool, reason: str,
                     by, opens_at: time | None = None,
                     closes_at: time | None = None) -> CalendarDay:
    """§6: close one date against the rule, or open one (with its hours) that the rule
    closes (a holiday moved, a Saturday opened). One special day per date."""
    ensure_manager(by, CALENDAR_ONLY_MANAGERS)
    reason = _clean_reason(reason)
    if not isinstance(day, date) or day.year not in CALENDAR_YEARS:
        raise ApplicationError(CALENDAR_DAY_BAD_DATE, code="day_date")
    if is_working:
        if opens_at is None or closes_at is None or closes_at <= opens_at:
            raise ApplicationError(CALENDAR_DAY_BAD_HOURS, code="day_hours")
    else:
        opens_at = closes_at = None
    with transaction.atomic():
        WorkingCalendar.objects.select_for_update().get(pk=calendar.pk)
        if calendar.days.filter(date=day).exists():
            raise ApplicationError(CALENDAR_DAY_TAKEN, code="day_taken")
        row = CalendarDay(calendar=calendar, date=day, is_working=is_working, opens_at=opens_at,
                          closes_at=closes_at, reason=reason)
        row.full_clean()
        row.save()
        _calendar_changed()
    return row


def calendar_day_remove(*, day: CalendarDay, by) -> None:
    ensure_manager(by, CALENDAR_ONLY_MANAGERS)
    with transaction.atomic():
        CalendarDay.objects.filter(pk=day.pk).delete()
        _calendar_changed()


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
    "annual_fee_for", "calendar_closure_add", "calendar_closure_remove", "calendar_day_remove",
    "calendar_day_set", "calendar_seed_default", "config_changed", "contract_create",
    "tariff_seed_default", "tariff_version_create",
]
