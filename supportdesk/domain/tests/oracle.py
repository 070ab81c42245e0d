"""A brute-force oracle for the calendar: steps minute by minute, using only the per-day
rules (``day_hours``), never the precomputed table. Slow on purpose, obviously right."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time

from supportdesk.domain.calendar import BusinessCalendar

MIDNIGHT = time(0, 0)


def minute_is_working(cal: BusinessCalendar, epoch_minute: int) -> bool:
    local = datetime.fromtimestamp(epoch_minute * 60, cal.tz)
    wall = local.time().replace(tzinfo=None, fold=0)
    return any(start <= wall and (end == MIDNIGHT or wall < end)
               for start, end in cal.day_hours(local.date()))


def _paused(minute: int, pauses: list[tuple[int, int]]) -> bool:
    return any(a <= minute < b for a, b in pauses)


def _minutes(pauses: Iterable[tuple[datetime, datetime]]) -> list[tuple[int, int]]:
    return [(int(a.timestamp()) // 60, int(b.timestamp()) // 60) for a, b in pauses]


def oracle_between(cal: BusinessCalendar, a: datetime, b: datetime,
                   pauses: Iterable[tuple[datetime, datetime]] = ()) -> int:
    """Working minutes in [a, b) for minute-aligned a, b."""
    spans = _minutes(pauses)
    first, last = int(a.timestamp()) // 60, int(b.timestamp()) // 60
    return sum(1 for m in range(first, last)
               if minute_is_working(cal, m) and not _paused(m, spans))


def oracle_add(cal: BusinessCalendar, start: datetime, minutes: int,
               pauses: Iterable[tuple[datetime, datetime]] = ()) -> datetime:
    """The end of the ``minutes``-th working (unpaused) minute from a minute-aligned start."""
    spans = _minutes(pauses)
    m = int(start.timestamp()) // 60
    count = 0
    while True:
        if minute_is_working(cal, m) and not _paused(m, spans):
            count += 1
            if count == minutes:
                return datetime.fromtimestamp((m + 1) * 60, cal.tz)
        m += 1
