"""Greek public holidays (§6), the only module that imports the ``holidays`` package.

``holidays.country_holidays("GR")`` knows the fixed days (New Year, Epiphany, 25 March,
1 May, 15 August, 28 October, 25-26 December) and the Orthodox Easter ones (Clean Monday,
Good Friday, Easter Monday, Whit Monday), and moves 1 May when it falls in Holy Week or on
Easter Monday, as the government does. It covers the years 1901-2100; outside them this
module returns no holidays (the calendar still works, with weekly hours and closures only).
A manager corrects any single day with ``open_dates`` / ``closed_dates`` on the calendar.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from functools import lru_cache

import holidays as _holidays

DEFAULT_LANGUAGE = "en_US"


@lru_cache(maxsize=512)
def _greek_year(year: int, language: str) -> tuple[tuple[date, str], ...]:
    table = _holidays.country_holidays("GR", years=year, language=language)
    return tuple(sorted((d, str(name)) for d, name in table.items() if d.year == year))


def greek_public_holidays(
    years: Iterable[int], *, language: str = DEFAULT_LANGUAGE
) -> dict[date, str]:
    """Greek public holidays of ``years`` as ``{date: name}`` (names in ``language``, "el" or
    "en_US"; names are display data, the rules only use the dates)."""
    result: dict[date, str] = {}
    for year in years:
        result.update(_greek_year(int(year), language))
    return result


def greek_holiday_rule(year: int) -> Mapping[date, str]:
    """A ``holiday_rule`` for :class:`~supportdesk.domain.calendar.BusinessCalendar`: the
    holidays of one year, computed when the calendar first needs that year."""
    return dict(_greek_year(year, DEFAULT_LANGUAGE))
