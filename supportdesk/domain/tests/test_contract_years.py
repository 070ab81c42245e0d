"""Contract years (§4): 29 February, the last short year, renewal lengths; properties over
random contracts (every day in exactly one year, years contiguous)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportdesk.domain.contract_years import (
    ContractYear,
    add_years,
    contract_length_years,
    contract_year_of,
    contract_years,
    fee_for_year,
    renewal_period,
)

DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (date(2026, 3, 15), 1, date(2027, 3, 15)),
        (date(2026, 3, 15), -2, date(2024, 3, 15)),
        (date(2024, 2, 29), 1, date(2025, 2, 28)),  # a common year has no 29 February
        (date(2024, 2, 29), 4, date(2028, 2, 29)),
        (date(2024, 2, 29), -1, date(2023, 2, 28)),
        (date(2024, 2, 28), 1, date(2025, 2, 28)),
        (date(2026, 12, 31), 0, date(2026, 12, 31)),
    ],
)
def test_add_years(day, years, expected):
    assert add_years(day, years) == expected


# (case, starts, ends, day, number, year starts, year ends)
YEARS = [
    ("first day", date(2026, 1, 1), date(2026, 12, 31), date(2026, 1, 1), 1,
     date(2026, 1, 1), date(2026, 12, 31)),
    ("last day", date(2026, 1, 1), date(2026, 12, 31), date(2026, 12, 31), 1,
     date(2026, 1, 1), date(2026, 12, 31)),
    ("mid-year start, second year", date(2025, 7, 15), date(2028, 7, 14), date(2026, 7, 15), 2,
     date(2026, 7, 15), date(2027, 7, 14)),
    ("the day before an anniversary", date(2025, 7, 15), date(2028, 7, 14),
     date(2026, 7, 14), 1, date(2025, 7, 15), date(2026, 7, 14)),
    ("29 February start: first year ends on 27 February", date(2024, 2, 29),
     date(2027, 2, 27), date(2025, 2, 27), 1, date(2024, 2, 29), date(2025, 2, 27)),
    ("29 February start: anniversary on 28 February", date(2024, 2, 29), date(2027, 2, 27),
     date(2025, 2, 28), 2, date(2025, 2, 28), date(2026, 2, 27)),
    ("29 February start: third year", date(2024, 2, 29), date(2027, 2, 27),
     date(2026, 3, 1), 3, date(2026, 2, 28), date(2027, 2, 27)),
    ("29 February start: back on 29 February in a leap year", date(2024, 2, 29),
     date(2029, 2, 27), date(2028, 2, 29), 5, date(2028, 2, 29), date(2029, 2, 27)),
    ("29 February start: 28 February of a leap year is still the old year",
     date(2024, 2, 29), date(2029, 2, 27), date(2028, 2, 28), 4, date(2027, 2, 28),
     date(2028, 2, 28)),
    ("the last year is short: it ends with the contract", date(2024, 1, 1),
     date(2026, 6, 30), date(2026, 3, 1), 3, date(2026, 1, 1), date(2026, 6, 30)),
    ("a contract shorter than a year", date(2026, 4, 1), date(2026, 9, 30),
     date(2026, 9, 30), 1, date(2026, 4, 1), date(2026, 9, 30)),
    ("a day before the start counts as year 1", date(2026, 4, 1), date(2027, 3, 31),
     date(2026, 3, 1), 1, date(2026, 4, 1), date(2027, 3, 31)),
]


@pytest.mark.parametrize(("starts", "ends", "day", "number", "year_starts", "year_ends"),
                         [case[1:] for case in YEARS], ids=[case[0] for case in YEARS])
def test_contract_year_of(starts, ends, day, number, year_starts, year_ends):
    assert contract_year_of(contract_starts_on=starts, contract_ends_on=ends, day=day) == (
        ContractYear(number=number, starts_on=year_starts, ends_on=year_ends))


@pytest.mark.parametrize(
    ("starts", "ends", "years", "renewal"),
    [
        (date(2026, 1, 1), date(2026, 12, 31), 1, (date(2027, 1, 1), date(2027, 12, 31))),
        (date(2025, 7, 15), date(2028, 7, 14), 3, (date(2028, 7, 15), date(2031, 7, 14))),
        # 29 February: the renewal starts on 28 February and keeps three whole years
        (date(2024, 2, 29), date(2027, 2, 27), 3, (date(2027, 2, 28), date(2030, 2, 27))),
        (date(2023, 2, 28), date(2024, 2, 28), 1, (date(2024, 2, 29), date(2025, 2, 27))),
        # a contract shorter than a year renews for one year; 18 months count as one year
        (date(2026, 4, 1), date(2026, 9, 30), 1, (date(2026, 10, 1), date(2027, 9, 30))),
        (date(2025, 1, 1), date(2026, 6, 30), 1, (date(2026, 7, 1), date(2027, 6, 30))),
        (date(2025, 1, 1), date(2026, 12, 31), 2, (date(2027, 1, 1), date(2028, 12, 31))),
    ],
)
def test_renewal_runs_as_many_whole_years_from_the_day_after(starts, ends, years, renewal):
    assert contract_length_years(starts_on=starts, ends_on=ends) == years
    assert renewal_period(starts_on=starts, ends_on=ends) == renewal


# --------------------------------------------------------------------------- properties

_starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


@st.composite
def contracts(draw):
    starts = draw(_starts)
    ends = starts + timedelta(days=draw(st.integers(min_value=0, max_value=10 * 366)))
    return starts, ends


def _years(starts: date, ends: date) -> list[ContractYear]:
    years = [contract_year_of(contract_starts_on=starts, contract_ends_on=ends, day=starts)]
    while years[-1].ends_on < ends:
        years.append(contract_year_of(contract_starts_on=starts, contract_ends_on=ends,
                                      day=years[-1].ends_on + DAY))
    return years


@given(contracts())
def test_years_are_contiguous_numbered_and_cover_the_contract(contract):
    starts, ends = contract
    years = _years(starts, ends)
    assert years[0].starts_on == starts
    assert years[-1].ends_on == ends
    assert [y.number for y in years] == list(range(1, len(years) + 1))
    for before, after in pairwise(years):
        assert after.starts_on == before.ends_on + DAY
    for year in years:
        assert year.starts_on <= year.ends_on
        assert year.starts_on == add_years(starts, year.number - 1)
        # a full year lasts 365 or 366 days; only the last may be shorter
        length = (year.ends_on - year.starts_on).days + 1
        assert length <= 366
        if year is not years[-1]:
            assert length >= 365


@given(contracts(), st.data())
def test_every_day_of_a_contract_falls_in_exactly_one_year(contract, data):
    starts, ends = contract
    day = starts + timedelta(days=data.draw(st.integers(0, (ends - starts).days)))
    years = _years(starts, ends)
    holding = [y for y in years if y.starts_on <= day <= y.ends_on]
    assert len(holding) == 1
    assert contract_year_of(contract_starts_on=starts, contract_ends_on=ends,
                            day=day) == holding[0]


@given(_starts, st.integers(min_value=1, max_value=10))
def test_a_renewal_of_whole_years_keeps_its_length(starts, years):
    ends = add_years(starts, years) - DAY
    assert contract_length_years(starts_on=starts, ends_on=ends) == years
    first, last = renewal_period(starts_on=starts, ends_on=ends)
    assert first == ends + DAY
    assert last == add_years(first, years) - DAY
    assert contract_length_years(starts_on=first, ends_on=last) == years
    assert renewal_period(starts_on=first, ends_on=last)[0] == last + DAY


# --- fees per contract year (§4 "annual cost"; docs/rules.md "Contract fees per contract year")


def test_a_two_year_contract_has_two_full_years_and_pays_the_fee_twice():
    years = contract_years(starts_on=date(2026, 3, 1), ends_on=date(2028, 2, 29))
    assert [(y.number, y.starts_on, y.ends_on) for y in years] == [
        (1, date(2026, 3, 1), date(2027, 2, 28)),
        (2, date(2027, 3, 1), date(2028, 2, 29)),
    ]
    assert [fee_for_year(Decimal("900.00"), y) for y in years] == [Decimal("900.00")] * 2


def test_a_short_last_year_pays_pro_rata_by_days():
    # 1 January - 30 June 2027 is 181 of 365 days of the second year
    years = contract_years(starts_on=date(2026, 1, 1), ends_on=date(2027, 6, 30))
    assert len(years) == 2
    assert fee_for_year(Decimal("730.00"), years[1]) == Decimal("362.00")


def test_a_contract_shorter_than_a_year_pays_for_its_days():
    (only,) = contract_years(starts_on=date(2026, 7, 1), ends_on=date(2026, 12, 31))
    # 184 of 365 days, rounded to the cent
    assert fee_for_year(Decimal("100.00"), only) == Decimal("50.41")


@given(start=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
       days=st.integers(min_value=0, max_value=3660))
def test_contract_years_cover_the_contract_once_and_fees_never_exceed_the_annual_fee(start,
                                                                                   days):
    end = start + timedelta(days=days)
    years = contract_years(starts_on=start, ends_on=end)
    assert years[0].starts_on == start and years[-1].ends_on == end
    for before, after in pairwise(years):
        assert after.starts_on == before.ends_on + DAY
    assert [y.number for y in years] == list(range(1, len(years) + 1))
    for year in years[:-1]:
        assert fee_for_year(Decimal("1000.00"), year) == Decimal("1000.00")
    assert Decimal("0.00") < fee_for_year(Decimal("1000.00"), years[-1]) <= Decimal("1000.00")

