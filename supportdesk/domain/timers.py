"""Timers (§8: the vendor alone measures support time): how a stopped timer becomes a work
entry's start and end.

Rules (a documented decision, shown in the desk):

1. The entry **starts at the second the timer started** (nothing is dropped).
2. It **lasts the elapsed time rounded up to a whole minute** (a started minute is a worked
   minute), the same rule as every other entry (``pricing.WorkItem.between``); the tariff's
   billing unit then applies when it is priced, as for any entry.
3. A timer that ran **less than one minute** is not an entry (a mis-click: the tariff's
   billing unit applies to real work); the caller keeps the timer running.
4. A timer that ran **more than** :data:`TIMER_MAX_MINUTES` (12 hours, a forgotten timer
   overnight) is not an entry either: the real time is entered by hand.

Elapsed time is absolute (UTC), so a timer running over a DST change counts the minutes
that really passed (docs/security.md #36); the span is returned in the start's zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from supportdesk.domain.pricing import WorkItem
from supportdesk.domain.tariff import Channel

__all__ = [
    "TIMER_MAX_MINUTES",
    "TimerTooLong",
    "TimerTooShort",
    "timer_span",
]

TIMER_MAX_MINUTES = 12 * 60
_MINUTE = 60


class TimerTooShort(ValueError):
    """The timer ran less than one minute (rule 3)."""

    code = "timer_too_short"


class TimerTooLong(ValueError):
    """The timer ran longer than :data:`TIMER_MAX_MINUTES` (rule 4)."""

    code = "timer_too_long"
    max_minutes = TIMER_MAX_MINUTES


def timer_span(*, started_at: datetime, stopped_at: datetime) -> tuple[datetime, datetime]:
    """The ``(start, end)``, whole minutes apart, of the entry a timer started at
    ``started_at`` and stopped at ``stopped_at`` makes (see the module's rules); both aware.

    Raises :class:`TimerTooShort` under one minute, :class:`TimerTooLong` over
    :data:`TIMER_MAX_MINUTES` (both are ``ValueError``)."""
    if started_at.utcoffset() is None or stopped_at.utcoffset() is None:
        raise ValueError("started_at and stopped_at must be timezone-aware")
    start = started_at.astimezone(UTC)
    seconds = (stopped_at.astimezone(UTC) - start).total_seconds()
    if seconds < _MINUTE:
        raise TimerTooShort(f"the timer ran {seconds:.0f} s, less than a minute")
    # The engine's rule for every entry: up to a whole minute, in absolute time.
    minutes = WorkItem.between(Channel.PHONE, started_at, stopped_at).minutes
    if minutes > TIMER_MAX_MINUTES:
        raise TimerTooLong(f"the timer ran {minutes} minutes, more than {TIMER_MAX_MINUTES}")
    end = start + timedelta(minutes=minutes)
    return start.astimezone(started_at.tzinfo), end.astimezone(started_at.tzinfo)
