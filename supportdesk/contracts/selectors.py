"""Reads of the business configuration, turned into the rules engine's values.

Every service that prices or schedules asks here: nothing else builds a calendar or
parses a tariff, so one rule is never implemented twice.
"""

import calendar as _stdlib_calendar
from dataclasses import dataclass, field
from datetime import date

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from supportdesk.common.exceptions import ApplicationError
from supportdesk.domain.calendar import BusinessCalendar
from supportdesk.domain.contract_years import contract_year_of
from supportdesk.domain.holidays_gr import greek_holiday_rule, greek_public_holidays
from supportdesk.domain.tariff import Tariff

from .models import CalendarDay, Closure, Contract, TariffVersion, WorkingCalendar

NO_TARIFF_IN_FORCE = _("No tariff version is in force on %(day)s.")
NO_DEFAULT_CALENDAR = _("No default working calendar is configured.")

# Cache keys carry a version bumped on every change (see services.config_changed).
_CONFIG_VERSION_KEY = "supportdesk:config-version"


def config_version() -> int:
    return cache.get_or_set(_CONFIG_VERSION_KEY, 1, timeout=None)


_calendar_memo: dict[tuple[int, int], BusinessCalendar] = {}
_tariff_memo: dict[tuple[int, int], Tariff] = {}


def calendar_default_row() -> WorkingCalendar:
    """The vendor's working calendar row (§6)."""
    row = WorkingCalendar.objects.filter(is_default=True).first()
    if row is None:
        raise ApplicationError(NO_DEFAULT_CALENDAR, code="no_calendar")
    return row


def calendar_get_default() -> BusinessCalendar:
    """The vendor's working calendar (§6) as a domain value; memoised per config version."""
    return calendar_to_domain(calendar_default_row())


def calendar_to_domain(row: WorkingCalendar) -> BusinessCalendar:
    key = (row.pk, config_version())
    found = _calendar_memo.get(key)
    if found is None:
        weekly: dict[int, list] = {n: [] for n in range(7)}
        for hours in row.weekly_hours.all():
            weekly[hours.weekday].append((hours.opens_at, hours.closes_at))
        days = list(row.days.all())
        found = BusinessCalendar.build(
            tz=row.timezone,
            weekly_hours=weekly,
            # Closures are stored per year as dates (§6 "usually 5-25 August": a manager
            # adjusts each year), so no recurring rule is added on top.
            closures=[(c.starts_on, c.ends_on) for c in row.closures.all()],
            annual_closures=(),
            closed_dates=[d.date for d in days if not d.is_working],
            open_dates={d.date: [(d.opens_at, d.closes_at)] for d in days if d.is_working},
            holiday_rule=greek_holiday_rule if row.includes_greek_holidays else None,
            name=row.name,
        )
        _calendar_memo.clear()
        _calendar_memo[key] = found
    return found


def tariff_version_in_force(day: date) -> TariffVersion:
    row = TariffVersion.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    if row is None:
        raise ApplicationError(NO_TARIFF_IN_FORCE % {"day": day.isoformat()}, code="no_tariff")
    return row


def tariff_to_domain(row: TariffVersion) -> Tariff:
    key = (row.pk, config_version())
    found = _tariff_memo.get(key)
    if found is None:
        found = row.to_domain()
        _tariff_memo[key] = found
    return found


def tariff_version_for(*, contract: Contract | None, day: date) -> TariffVersion:
    """The tariff version that prices ``day``'s work (docs/rules.md "The contract year keeps
    its tariff"): under a contract, the version in force on the first day of the contract
    year ``day`` falls in, so rates, included minutes and the surcharge never change inside
    a contract year; without one, the version in force that day."""
    if contract is None:
        return tariff_version_in_force(day)
    year = contract_year_of(contract_starts_on=contract.starts_on,
                            contract_ends_on=contract.ends_on, day=day)
    return tariff_version_in_force(year.starts_on)


def contract_in_force(*, customer_id: int, day: date) -> Contract | None:
    return (
        Contract.objects.filter(
            customer_id=customer_id, status=Contract.Status.ACTIVE,
            starts_on__lte=day, ends_on__gte=day,
        )
        .select_related("tariff_version")
        .order_by("-starts_on")
        .first()
    )


def contract_list_ending_between(start: date, end: date) -> QuerySet[Contract]:
    """Renewal list: active contracts whose last day falls in [start, end]."""
    renewed = Q(renewed_by__isnull=False)
    return (
        Contract.objects.filter(status=Contract.Status.ACTIVE, ends_on__gte=start,
                                ends_on__lte=end)
        .exclude(renewed)
        .select_related("customer")
        .order_by("ends_on")
    )


@dataclass(frozen=True)
class CalendarCell:
    """One day of the year view: ``kind`` is work, rest (no weekly hours), holiday, closure,
    closed (a manager's closed date) or open (a manager's opened date, which wins)."""

    day: date
    kind: str
    note: str = ""


@dataclass
class CalendarYear:
    year: int
    calendar: WorkingCalendar
    #: twelve ``(first day, weeks)``; a week is seven cells, ``None`` outside the month.
    months: list[tuple[date, list[list[CalendarCell | None]]]] = field(default_factory=list)
    holidays: list[tuple[date, str]] = field(default_factory=list)
    closures: list[Closure] = field(default_factory=list)
    days: list[CalendarDay] = field(default_factory=list)
    working_days: int = 0


def calendar_year_view(*, row: WorkingCalendar, year: int, language: str = "el") -> CalendarYear:
    """The twelve months of ``year`` as the rules see them (the domain calendar decides
    every day), with the holidays named in ``language`` ("el" or "en_US"), and the stored
    closures and special days touching the year (issue 14: the managers' year view)."""
    cal = calendar_to_domain(row)
    first, last = date(year, 1, 1), date(year, 12, 31)
    closures = list(row.closures.filter(starts_on__lte=last, ends_on__gte=first))
    days = list(row.days.filter(date__range=(first, last)))
    special = {d.date: d for d in days}
    names = (greek_public_holidays([year], language=language)
             if row.includes_greek_holidays else {})
    view = CalendarYear(year=year, calendar=row, closures=closures, days=days,
                        holidays=sorted(names.items()))
    weeks_of = _stdlib_calendar.Calendar(firstweekday=0)
    for month in range(1, 13):
        weeks = []
        for week in weeks_of.monthdatescalendar(year, month):
            cells: list[CalendarCell | None] = []
            for day in week:
                if day.month != month:
                    cells.append(None)
                    continue
                cell = _calendar_cell(cal, day, special.get(day), names, closures)
                view.working_days += cell.kind in ("work", "open")
                cells.append(cell)
            weeks.append(cells)
        view.months.append((date(year, month, 1), weeks))
    return view


def _calendar_cell(cal: BusinessCalendar, day: date, special: CalendarDay | None,
                   names: dict[date, str], closures: list[Closure]) -> CalendarCell:
    if special is not None:
        return CalendarCell(day, "open" if special.is_working else "closed", special.reason)
    if cal.is_working_day(day):
        return CalendarCell(day, "work")
    if cal.is_closed_by_closure(day):
        reason = next((c.reason for c in closures if c.starts_on <= day <= c.ends_on), "")
        return CalendarCell(day, "closure", reason)
    holiday = cal.holiday_name(day)
    if holiday is not None:
        return CalendarCell(day, "holiday", names.get(day, holiday))
    return CalendarCell(day, "rest")
