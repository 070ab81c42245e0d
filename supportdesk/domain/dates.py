"""The sane range of dates the product accepts anywhere (docs/security.md #43).

Work, visits, periods, sales and holds all fall between :data:`EARLIEST` and
:data:`LATEST`; a date outside it is a typing error (year 1, 9999), refused with a clear
message by the forms and, before anything is written, by the services.
"""

from datetime import date, datetime

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


def in_range(value: date | datetime) -> bool:
    """Whether ``value`` (a date, or a datetime's own calendar day) is in the sane range."""
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST <= day <= LATEST
