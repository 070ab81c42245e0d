"""Contract years (§4): included hours are granted per year of a contract, not per
calendar year, and a renewal runs as long as the contract it follows.

See docs/rules.md §4 for the readings: a contract that starts on 29 February has its
anniversaries on 28 February in common years, and the last contract year ends with the
contract even when that is short of a full year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from supportdesk.domain.money import quantize_money


def add_years(day: date, years: int) -> date:
    """``day`` moved by whole years; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class ContractYear:
    number: int  # 1 = the contract's first year
    starts_on: date
    ends_on: date


def contract_year_of(*, contract_starts_on: date, contract_ends_on: date,
                     day: date) -> ContractYear:
    """The contract year ``day`` falls in (a day before the start counts as year 1)."""
    n = max(0, day.year - contract_starts_on.year)
    while n > 0 and add_years(contract_starts_on, n) > day:
        n -= 1
    while add_years(contract_starts_on, n + 1) <= day:
        n += 1
    starts = add_years(contract_starts_on, n)
    next_start = add_years(contract_starts_on, n + 1)
    ends = min(contract_ends_on, next_start - timedelta(days=1))
    return ContractYear(number=n + 1, starts_on=starts, ends_on=ends)


def contract_length_years(*, starts_on: date, ends_on: date) -> int:
    """Whole years a contract runs (at least one): what a renewal keeps."""
    return max(1, round((ends_on - starts_on).days / 365.25))


def renewal_period(*, starts_on: date, ends_on: date) -> tuple[date, date]:
    """(first day, last day) of the contract that renews one running ``starts_on``-``ends_on``:
    it starts the day after and lasts as many whole years."""
    first = ends_on + timedelta(days=1)
    years = contract_length_years(starts_on=starts_on, ends_on=ends_on)
    return first, add_years(first, years) - timedelta(days=1)


def contract_years(*, starts_on: date, ends_on: date) -> list[ContractYear]:
    """Every contract year of a contract, in order (the last one may be short)."""
    years = []
    day = starts_on
    while day <= ends_on:
        year = contract_year_of(contract_starts_on=starts_on, contract_ends_on=ends_on, day=day)
        years.append(year)
        day = year.ends_on + timedelta(days=1)
    return years


def fee_for_year(annual_fee: Decimal, year: ContractYear) -> Decimal:
    """§4 "Ετήσιο κόστος": the fee is due for every contract year, not once per contract.

    A full contract year pays the annual fee; a short one (a contract that ends before its
    next anniversary) pays it pro rata by days, rounded to the cent (docs/rules.md "Contract
    fees per contract year").
    """
    full_days = (add_years(year.starts_on, 1) - year.starts_on).days
    days = (year.ends_on - year.starts_on).days + 1
    if days >= full_days:
        return quantize_money(annual_fee)
    return quantize_money(annual_fee * days / full_days)
