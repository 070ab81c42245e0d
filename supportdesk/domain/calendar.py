"""The working calendar (§6): when the vendor works, and working time between moments.

A :class:`BusinessCalendar` is a value built from configuration: weekly hours per weekday,
public holidays, closure periods (one-off date ranges and yearly ones such as 5-25 August),
single dates a manager closes, and single dates a manager opens with their hours (the
government moves 1 May). Every SLA clock (§4) and the out-of-hours test of §7 run on it.

Precedence for one local date: an opened date wins; then a closed date, a closure, a
holiday close the day; otherwise the weekday's hours apply.

Time
    All operations take and return timezone-aware datetimes (a naive one raises
    ``ValueError``); results are in the calendar's zone (default Europe/Athens). Opening hours
    are local wall-clock times of each local date, so a day on which clocks change (last
    Sunday of March / October, 03:00/04:00 in Athens) has its real length. An hour boundary
    that does not exist on that day (inside the spring-forward gap) is the transition moment;
    one that exists twice is its first occurrence.

Working intervals are half-open ``[opening, closing)``: 18:00 itself is not working time, but
adding working time that runs out exactly at 18:00 gives 18:00, not the next opening
(docs/rules.md "Response targets"). ``add_working_minutes(t, 0)`` is the next working moment.

Minutes
    Working time is measured in seconds internally and reported in whole minutes, rounded
    down (``working_minutes_between`` floors the total working seconds). Boundaries of working
    hours are whole minutes, so moments given to the minute always measure exactly.

Speed
    No operation walks day by day. For a range of years the calendar builds, once, a sorted
    array of working-interval boundaries in UTC epoch seconds with the cumulative working
    time at each boundary; "working time up to t" is one ``bisect`` and "the moment at which
    the cumulative working time reaches c" another, so the cost does not grow with the span.
    The table covers whole local years, is extended when a moment falls outside it (the
    years 1900-2400 are supported) and is shared by all users of one calendar instance:
    build a calendar once and reuse it (``jewelsoft_calendar`` is cached).
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from supportdesk.domain.holidays_gr import greek_holiday_rule, greek_public_holidays

__all__ = [
    "ATHENS",
    "DEFAULT_ANNUAL_CLOSURES",
    "DEFAULT_WEEKLY_HOURS",
    "MAX_YEAR",
    "MIN_YEAR",
    "BusinessCalendar",
    "CalendarError",
    "jewelsoft_calendar",
]

Interval = tuple[time, time]
DayHours = tuple[Interval, ...]
MonthDay = tuple[int, int]
HolidayRule = Callable[[int], Mapping[date, str]]
Pause = tuple[datetime, datetime]

MIN_YEAR = 1900
MAX_YEAR = 2400
ATHENS = ZoneInfo("Europe/Athens")
MIDNIGHT = time(0, 0)
_OFFICE_DAY: DayHours = ((time(10, 0), time(18, 0)),)
#: §6: Monday-Friday 10:00-18:00 (index 0 is Monday).
DEFAULT_WEEKLY_HOURS: tuple[DayHours, ...] = (_OFFICE_DAY,) * 5 + ((), ())
#: §6: "a period in the summer, usually 5-25 August" (inclusive, every year).
DEFAULT_ANNUAL_CLOSURES: tuple[tuple[MonthDay, MonthDay], ...] = (((8, 5), (8, 25)),)

NAIVE_DATETIME = "{what} must be a timezone-aware datetime, got a naive one: {value!r}"


class CalendarError(ValueError):
    """A calendar cannot be built from its configuration or cannot answer (absurd input)."""


# --------------------------------------------------------------------------- table


class _Table(NamedTuple):
    """Working intervals of the local years ``first_year..last_year`` in epoch seconds.

    ``bounds`` alternates interval start, interval end (merged, sorted, non-empty), preceded
    by a zero-length sentinel interval at ``lo`` (local 1 January of ``first_year``), so that
    for ``lo <= t < hi`` ``j = bisect_right(bounds, t) - 1`` is never negative: an even ``j``
    means t is working time. ``cum[k]`` is the working seconds from ``lo`` to ``bounds[k]``.
    ``starts``/``cum_starts``/``cum_ends`` are the same per interval for the inverse lookup.
    A tuple, so that the hot paths unpack it in one step.
    """

    lo: float
    hi: float
    bounds: list[float]
    cum: list[float]
    starts: list[float]
    cum_starts: list[float]
    cum_ends: list[float]
    first_year: int
    last_year: int

    @classmethod
    def make(cls, first_year: int, last_year: int, lo: float, hi: float,
             bounds: list[float], cum: list[float]) -> _Table:
        return cls(lo, hi, bounds, cum, bounds[0::2], cum[0::2], cum[1::2],
                   first_year, last_year)


_EMPTY = _Table.make(0, -1, math.inf, -math.inf, [], [])


class _State:
    """Mutable cache of an otherwise immutable calendar (not part of its value)."""

    __slots__ = ("lock", "rule_years", "table")

    def __init__(self) -> None:
        self.table = _EMPTY
        self.lock = threading.Lock()
        self.rule_years: dict[int, Mapping[date, str]] = {}


def _wall_to_epoch(day: date, at: time, tz: ZoneInfo) -> float:
    """Epoch seconds of local wall time ``at`` on ``day`` (``00:00`` as an end = next day)."""
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=tz).timestamp()  # fold=0: first occurrence
    if datetime.fromtimestamp(first, tz).replace(tzinfo=None) == naive:
        return first
    # In a spring-forward gap: the first instant whose wall time is >= naive, that is the
    # transition. It lies between the two readings; find it to the second.
    other = naive.replace(tzinfo=tz, fold=1).timestamp()
    low, high = int(min(first, other)), int(max(first, other))
    while low < high:
        mid = (low + high) // 2
        if datetime.fromtimestamp(mid, tz).replace(tzinfo=None) >= naive:
            high = mid
        else:
            low = mid + 1
    return float(low)


# --------------------------------------------------------------------------- parsing


def _as_time(value: Any, where: str) -> time:
    if isinstance(value, time):
        result = value
    elif isinstance(value, str):
        try:
            result = time.fromisoformat(value)
        except ValueError as exc:
            raise CalendarError(f"{where}: expected HH:MM, got {value!r}") from exc
    else:
        raise CalendarError(f"{where}: expected a time, got {value!r}")
    if result.tzinfo is not None or result.second or result.microsecond:
        raise CalendarError(f"{where}: opening hours are naive local times in whole minutes")
    return result


def _day_hours(intervals: Iterable[Any], where: str) -> DayHours:
    """Validate one day's intervals: ``start < end`` (``00:00`` as end means midnight),
    sorted and not overlapping."""
    result: list[Interval] = []
    for n, item in enumerate(intervals):
        try:
            raw_start, raw_end = item
        except (TypeError, ValueError) as exc:
            raise CalendarError(f"{where}[{n}]: expected (start, end), got {item!r}") from exc
        start = _as_time(raw_start, f"{where}[{n}].start")
        end = _as_time(raw_end, f"{where}[{n}].end")
        if end != MIDNIGHT and end <= start:
            raise CalendarError(f"{where}[{n}]: end {end} is not after start {start}")
        if result and (result[-1][1] == MIDNIGHT or start < result[-1][1]):
            raise CalendarError(f"{where}[{n}]: intervals must be sorted and not overlap")
        result.append((start, end))
    return tuple(result)


def _as_date(value: Any, where: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date | str):
        raise CalendarError(f"{where}: expected a date, got {value!r}")
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise CalendarError(f"{where}: expected YYYY-MM-DD, got {value!r}") from exc
    return value


def _month_day(value: Any, where: str) -> MonthDay:
    try:
        month, day = (int(v) for v in value)
        date(2000, month, day)  # a leap year, so (2, 29) is allowed
    except (TypeError, ValueError) as exc:
        raise CalendarError(f"{where}: expected (month, day), got {value!r}") from exc
    return (month, day)


def _check_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(NAIVE_DATETIME.format(what=what, value=value))


# --------------------------------------------------------------------------- calendar


@dataclass(frozen=True)
class BusinessCalendar:
    """A vendor's working calendar (§6). Build it with :meth:`build` or
    :func:`jewelsoft_calendar`; the fields are normalised, hashable values.

    Attributes:
        tz: the zone in which hours and dates are read (Europe/Athens).
        weekly_hours: seven tuples (Monday first) of ``(start, end)`` local times.
        holidays: ``(date, name)`` pairs, sorted; closed days.
        closures: one-off closure periods, ``(first_date, last_date)`` inclusive.
        annual_closures: yearly closure periods ``((month, day), (month, day))`` inclusive;
            a period whose end is before its start wraps over New Year.
        closed_dates: single dates closed by a manager.
        open_dates: ``(date, hours)`` pairs: dates opened by a manager with these hours
            (they win over every closing rule).
        holiday_rule: optional ``year -> {date: name}`` adding holidays of any year
            (e.g. :func:`~supportdesk.domain.holidays_gr.greek_holiday_rule`), so that a
            calendar keeps working beyond the years whose holidays were listed.
        name: a label for display.
    """

    tz: ZoneInfo = ATHENS
    weekly_hours: tuple[DayHours, ...] = DEFAULT_WEEKLY_HOURS
    holidays: tuple[tuple[date, str], ...] = ()
    closures: tuple[tuple[date, date], ...] = ()
    annual_closures: tuple[tuple[MonthDay, MonthDay], ...] = ()
    closed_dates: frozenset[date] = frozenset()
    open_dates: tuple[tuple[date, DayHours], ...] = ()
    holiday_rule: HolidayRule | None = None
    name: str = ""
    _state: _State = field(default_factory=_State, init=False, compare=False, hash=False,
                           repr=False)
    _holiday_map: dict[date, str] = field(default_factory=dict, init=False, compare=False,
                                          hash=False, repr=False)
    _open_map: dict[date, DayHours] = field(default_factory=dict, init=False, compare=False,
                                            hash=False, repr=False)

    def __post_init__(self) -> None:
        put = object.__setattr__
        if not isinstance(self.tz, ZoneInfo):
            raise CalendarError(f"tz: expected a ZoneInfo, got {self.tz!r}")
        weekly = tuple(self.weekly_hours)
        if len(weekly) != 7:
            raise CalendarError("weekly_hours: expected 7 days, Monday first")
        put(self, "weekly_hours",
            tuple(_day_hours(day, f"weekly_hours[{n}]") for n, day in enumerate(weekly)))
        put(self, "holidays", tuple(sorted(
            (_as_date(d, "holidays"), str(name)) for d, name in self.holidays)))
        closures = []
        for n, (first, last) in enumerate(self.closures):
            first_d = _as_date(first, f"closures[{n}]")
            last_d = _as_date(last, f"closures[{n}]")
            if last_d < first_d:
                raise CalendarError(f"closures[{n}]: ends {last_d} before it starts {first_d}")
            closures.append((first_d, last_d))
        put(self, "closures", tuple(sorted(closures)))
        put(self, "annual_closures", tuple(
            (_month_day(a, f"annual_closures[{n}]"), _month_day(b, f"annual_closures[{n}]"))
            for n, (a, b) in enumerate(self.annual_closures)))
        put(self, "closed_dates",
            frozenset(_as_date(d, "closed_dates") for d in self.closed_dates))
        put(self, "open_dates", tuple(sorted(
            (_as_date(d, "open_dates"), _day_hours(h, f"open_dates[{d}]"))
            for d, h in self.open_dates)))
        if self.holiday_rule is not None and not callable(self.holiday_rule):
            raise CalendarError("holiday_rule: expected a function year -> {date: name}")
        # Lookup structures for day_hours (derived, so they live outside the value).
        put(self, "_holiday_map", dict(self.holidays))
        put(self, "_open_map", dict(self.open_dates))

    @classmethod
    def build(
        cls,
        *,
        weekly_hours: Mapping[int, Sequence[Any]] | Sequence[Sequence[Any]] | None = None,
        holidays: Mapping[date, str] | Iterable[date] | Iterable[tuple[date, str]] = (),
        closures: Iterable[tuple[date, date]] = (),
        annual_closures: Iterable[tuple[MonthDay, MonthDay]] = DEFAULT_ANNUAL_CLOSURES,
        closed_dates: Iterable[date] = (),
        open_dates: Mapping[date, Sequence[Any] | None] | Iterable[date] = (),
        tz: ZoneInfo | str = ATHENS,
        holiday_rule: HolidayRule | None = None,
        name: str = "",
    ) -> BusinessCalendar:
        """Build a calendar from configuration; defaults are the §6 ones (Mon-Fri 10-18,
        closed 5-25 August, Europe/Athens; no holidays unless given).

        ``weekly_hours`` is ``{weekday: [(start, end), ...]}`` (0 = Monday, missing days
        closed) or a sequence of seven such lists; times are ``datetime.time`` or ``"HH:MM"``.
        ``holidays`` is ``{date: name}``, dates, or ``(date, name)`` pairs. ``open_dates`` is
        ``{date: hours}`` or dates; ``None``/no hours means the usual day's hours (those of
        the first weekday that has any).
        """
        if weekly_hours is None:
            weekly: tuple[Any, ...] = DEFAULT_WEEKLY_HOURS
        elif isinstance(weekly_hours, Mapping):
            for key in weekly_hours:
                if key not in range(7):
                    raise CalendarError(f"weekly_hours: weekday {key!r} is not 0..6")
            weekly = tuple(weekly_hours.get(n, ()) for n in range(7))
        else:
            weekly = tuple(weekly_hours)
        weekly = tuple(_day_hours(day, f"weekly_hours[{n}]") for n, day in enumerate(weekly))
        if isinstance(holidays, Mapping):
            holiday_pairs = [(d, str(n)) for d, n in holidays.items()]
        else:
            holiday_pairs = [(h, "") if isinstance(h, date | str) else (h[0], str(h[1]))
                             for h in holidays]
        usual_day = next((day for day in weekly if day), _OFFICE_DAY)
        if isinstance(open_dates, Mapping):
            opened = [(d, tuple(h) if h else usual_day) for d, h in open_dates.items()]
        else:
            opened = [(d, usual_day) for d in open_dates]
        if isinstance(tz, str):
            try:
                tz = ZoneInfo(tz)
            except Exception as exc:
                raise CalendarError(f"tz: unknown time zone {tz!r}") from exc
        return cls(
            tz=tz,
            weekly_hours=weekly,
            holidays=tuple(holiday_pairs),
            closures=tuple(closures),
            annual_closures=tuple(annual_closures),
            closed_dates=frozenset(closed_dates),
            open_dates=tuple(opened),
            holiday_rule=holiday_rule,
            name=name,
        )

    # ------------------------------------------------------------------ days

    def holiday_name(self, day: date) -> str | None:
        """The holiday's name if ``day`` is a holiday (listed or from ``holiday_rule``)."""
        name = self._holiday_map.get(day)
        if name is not None:
            return name
        if self.holiday_rule is not None:
            return self._rule_year(day.year).get(day)
        return None

    def _rule_year(self, year: int) -> Mapping[date, str]:
        years = self._state.rule_years
        if year not in years:
            assert self.holiday_rule is not None
            years[year] = dict(self.holiday_rule(year))
        return years[year]

    def is_closed_by_closure(self, day: date) -> bool:
        """Whether ``day`` falls in a one-off or yearly closure period."""
        for first, last in self.closures:
            if first <= day <= last:
                return True
        month_day = (day.month, day.day)
        for first_md, last_md in self.annual_closures:
            if first_md <= last_md:
                if first_md <= month_day <= last_md:
                    return True
            elif month_day >= first_md or month_day <= last_md:
                return True
        return False

    def day_hours(self, day: date) -> DayHours:
        """The working intervals of local date ``day`` after every rule (may be empty)."""
        opened = self._open_map.get(day)
        if opened is not None:
            return opened
        if (day in self.closed_dates or self.is_closed_by_closure(day)
                or self.holiday_name(day) is not None):
            return ()
        return self.weekly_hours[day.weekday()]

    def is_working_day(self, day: date) -> bool:
        """Whether local date ``day`` has any working hours."""
        return bool(self.day_hours(day))

    # ------------------------------------------------------------------ table

    def cover_years(self, first_year: int, last_year: int) -> None:
        """Precompute the table for these local years (optional: it grows on demand)."""
        table = self._state.table
        if table.first_year <= first_year and last_year <= table.last_year:
            return
        self._rebuild(first_year, last_year)

    def _year_of(self, t: float) -> int:
        try:
            year = datetime.fromtimestamp(t, self.tz).year
        except (OverflowError, OSError, ValueError) as exc:
            raise CalendarError(f"moment {t!r} (epoch seconds) is out of range") from exc
        return year

    def _cover(self, t_low: float, t_high: float) -> _Table:
        """The table, extended if needed so that ``lo <= t_low`` and ``t_high < hi``."""
        table = self._state.table
        if table.lo <= t_low and t_high < table.hi:
            return table
        return self._rebuild(self._year_of(t_low), self._year_of(t_high))

    def _rebuild(self, first_year: int, last_year: int) -> _Table:
        if first_year < MIN_YEAR or last_year > MAX_YEAR:
            raise CalendarError(
                f"moment outside the years {MIN_YEAR}-{MAX_YEAR} a calendar supports "
                f"(asked for {first_year}-{last_year})")
        with self._state.lock:
            table = self._state.table
            if table.first_year <= table.last_year:  # extend what we have
                first_year = min(first_year, table.first_year)
                last_year = max(last_year, table.last_year)
                if table.first_year == first_year and table.last_year == last_year:
                    return table
            else:  # first use: a little margin both ways
                first_year = max(first_year - 1, MIN_YEAR)
                last_year = min(last_year + 1, MAX_YEAR)
            table = self._build_table(first_year, last_year)
            self._state.table = table
            return table

    def _build_table(self, first_year: int, last_year: int) -> _Table:
        tz = self.tz
        lo = _wall_to_epoch(date(first_year, 1, 1), MIDNIGHT, tz)
        hi = _wall_to_epoch(date(last_year + 1, 1, 1), MIDNIGHT, tz)
        bounds = [lo, lo]
        cum = [0.0, 0.0]
        total = 0.0
        day = date(first_year, 1, 1)
        last_day = date(last_year, 12, 31)
        one_day = timedelta(days=1)
        while day <= last_day:
            for start, end in self.day_hours(day):
                t_start = _wall_to_epoch(day, start, tz)
                t_end = (_wall_to_epoch(day + one_day, MIDNIGHT, tz) if end == MIDNIGHT
                         else _wall_to_epoch(day, end, tz))
                t_start = max(t_start, bounds[-1])
                if t_end <= t_start:
                    continue
                if t_start == bounds[-1]:  # touches the previous interval: merge
                    total += t_end - t_start
                    bounds[-1] = t_end
                    cum[-1] = total
                else:
                    bounds.append(t_start)
                    bounds.append(t_end)
                    cum.append(total)
                    total += t_end - t_start
                    cum.append(total)
            day += one_day
        return _Table.make(first_year, last_year, lo, hi, bounds, cum)

    def _extend_forward(self, table: _Table, needed_cum: float) -> _Table:
        """Grow the table until its cumulative working time reaches ``needed_cum``."""
        while table.cum[-1] < needed_cum:
            years_left = MAX_YEAR - table.last_year
            years = table.last_year - table.first_year + 1
            per_year = table.cum[-1] / years
            missing = needed_cum - table.cum[-1]
            if years_left <= 0 or (per_year > 0 and missing > per_year * (years_left + 2)):
                raise CalendarError(
                    f"not enough working time in this calendar before {MAX_YEAR + 1}")
            # Estimate from the working time per year so far; grow at least geometrically
            # (a calendar with little or no working time must not rebuild year by year).
            more = years if per_year <= 0 else max(int(missing / per_year) + 1, years // 4, 1)
            table = self._rebuild(table.first_year, min(table.last_year + more, MAX_YEAR))
        return table

    # ------------------------------------------------------------------ operations

    def is_working(self, at: datetime) -> bool:
        """Whether ``at`` is working time (opening moments are, closing moments are not)."""
        if at.tzinfo is None:
            _check_aware(at, "at")
        t = at.timestamp()
        table = self._state.table
        if not (table.lo <= t < table.hi):
            table = self._cover(t, t)
        return not (bisect_right(table.bounds, t) - 1) & 1

    def next_working_moment(self, at: datetime) -> datetime:
        """``at`` itself if it is working time, else the next opening moment."""
        if at.tzinfo is None:
            _check_aware(at, "at")
        t = at.timestamp()
        table = self._state.table
        if not (table.lo <= t < table.hi):
            table = self._cover(t, t)
        j = bisect_right(table.bounds, t) - 1
        if not j & 1:
            return at.astimezone(self.tz)
        while j + 1 >= len(table.bounds):
            table = self._extend_forward(table, table.cum[-1] + 1)
            j = bisect_right(table.bounds, t) - 1
        return datetime.fromtimestamp(table.bounds[j + 1], self.tz)

    def add_working_minutes(self, start: datetime, minutes: int,
                            pauses: Iterable[Pause] = ()) -> datetime:
        """The moment at which ``minutes`` working minutes counted from ``start`` have
        passed; the count starts at the next working moment and skips ``pauses``
        (``(start, end)`` pairs of aware datetimes, may overlap). A result that falls at a
        closing time is that closing time (18:00), never the next opening."""
        if start.tzinfo is None:
            _check_aware(start, "start")
        if minutes.__class__ is not int:
            minutes = _check_minutes(minutes)
        if minutes <= 0:
            if minutes < 0:
                raise ValueError(f"minutes must not be negative, got {minutes}")
            return self.next_working_moment(start)
        if pauses:
            try:
                return self._add_with_pauses(start, minutes, pauses)
            except AttributeError:  # a pause end of None: say so clearly
                for p_start, p_end in pauses:
                    _check_pause(p_start, p_end)
                raise
        t = start.timestamp()
        table = self._state.table
        if not (table[0] <= t < table[1]):
            table = self._cover(t, t)
        while True:
            _, _, bounds, cum, starts, cum_starts, cum_ends, _, _ = table
            j = bisect_right(bounds, t) - 1
            goal = cum[j] + minutes * 60
            if not j & 1:
                goal += t - bounds[j]
            i = bisect_left(cum_ends, goal)
            if i < len(cum_ends):
                return datetime.fromtimestamp(starts[i] + (goal - cum_starts[i]), self.tz)
            # Beyond the table: grow it, then count again (positions may have moved).
            table = self._extend_forward(table, goal)

    def _add_with_pauses(self, start: datetime, minutes: int,
                         pauses: Iterable[Pause]) -> datetime:
        # One pass over pauses given in order and apart (the usual case: a ticket's pauses
        # as recorded); anything else (overlaps, disorder, beyond the table) takes the
        # general path, which sorts and merges first.
        t = start.timestamp()
        table = self._state.table
        if not (table[0] <= t < table[1]):
            table = self._cover(t, t)
        _, hi, bounds, cum, starts, cum_starts, cum_ends, _, _ = table
        j = bisect_right(bounds, t) - 1
        goal = cum[j] + minutes * 60
        if not j & 1:
            goal += t - bounds[j]
        last_end = t
        reached = False
        for p_start, p_end in pauses:
            if p_start.tzinfo is None or p_end.tzinfo is None:
                _check_pause(p_start, p_end)
            s = p_start.timestamp()
            e = p_end.timestamp()
            if e <= t:  # wholly before the clock starts
                if e < s:
                    raise ValueError(f"pause ends before it starts: {p_start} .. {p_end}")
                continue
            if s < t:  # noqa: PLR1730 - not max(): this loop is the hot path of due dates
                s = t
            if s < last_end or e < s or e >= hi:
                return self._add_with_merged_pauses(t, minutes, pauses)
            last_end = e
            if reached:
                continue
            j = bisect_right(bounds, s, j) - 1
            c_start = cum[j]
            if not j & 1:
                c_start += s - bounds[j]
            if c_start >= goal:  # the target is reached before this pause begins
                reached = True
                continue
            j = bisect_right(bounds, e, j) - 1
            goal += cum[j] - c_start
            if not j & 1:
                goal += e - bounds[j]
        i = bisect_left(cum_ends, goal)
        if i < len(cum_ends):
            return datetime.fromtimestamp(starts[i] + (goal - cum_starts[i]), self.tz)
        return self._add_with_merged_pauses(t, minutes, pauses)

    def _add_with_merged_pauses(self, t: float, minutes: int,
                                pauses: Iterable[Pause]) -> datetime:
        merged = _merge_pauses(pauses, t, math.inf)
        table = self._cover(t, merged[-1][1] if merged else t)
        while True:
            _, _, bounds, cum, starts, cum_starts, cum_ends, _, _ = table
            j = bisect_right(bounds, t) - 1
            goal = cum[j] + minutes * 60
            if not j & 1:
                goal += t - bounds[j]
            for p_start, p_end in merged:
                j = bisect_right(bounds, p_start) - 1
                c_start = cum[j]
                if not j & 1:
                    c_start += p_start - bounds[j]
                if c_start >= goal:  # the target is reached before this pause begins
                    break
                j = bisect_right(bounds, p_end) - 1
                goal += cum[j] - c_start
                if not j & 1:
                    goal += p_end - bounds[j]
            i = bisect_left(cum_ends, goal)
            if i < len(cum_ends):
                return datetime.fromtimestamp(starts[i] + (goal - cum_starts[i]), self.tz)
            table = self._extend_forward(table, goal)

    def working_minutes_between(self, a: datetime, b: datetime,
                                pauses: Iterable[Pause] = ()) -> int:
        """Whole working minutes in ``[a, b)`` minus those inside ``pauses`` (overlapping
        pauses count once), rounded down; 0 if ``b <= a``."""
        if a.tzinfo is None:
            _check_aware(a, "a")
        if b.tzinfo is None:
            _check_aware(b, "b")
        ta = a.timestamp()
        tb = b.timestamp()
        if tb <= ta:
            return 0
        table = self._state.table
        lo, hi, bounds, cum = table[:4]
        if not (lo <= ta and tb < hi):
            lo, hi, bounds, cum = self._cover(ta, tb)[:4]
        j = bisect_right(bounds, ta) - 1
        k = bisect_right(bounds, tb, j) - 1
        seconds = cum[k] - cum[j]
        if not k & 1:
            seconds += tb - bounds[k]
        if not j & 1:
            seconds -= ta - bounds[j]
        if pauses:
            for p_start, p_end in _merge_pauses(pauses, ta, tb):
                j = bisect_right(bounds, p_start) - 1
                k = bisect_right(bounds, p_end) - 1
                seconds -= cum[k] - cum[j]
                if not k & 1:
                    seconds -= p_end - bounds[k]
                if not j & 1:
                    seconds += p_start - bounds[j]
        # int() truncates, which is flooring here (seconds >= 0 up to float noise).
        return int(seconds) // 60 if seconds > 0 else 0

    def working_intervals(self, a: datetime, b: datetime) -> list[tuple[datetime, datetime]]:
        """The working parts of ``[a, b)``, in order, as ``(start, end)`` in the calendar's
        zone (cost grows with the number of intervals returned)."""
        _check_aware(a, "a")
        _check_aware(b, "b")
        ta = a.timestamp()
        tb = b.timestamp()
        if tb <= ta:
            return []
        table = self._cover(ta, tb)
        bounds = table.bounds
        k = bisect_right(bounds, ta) - 1
        k -= k & 1  # the interval containing ta, or the one before it
        result = []
        tz = self.tz
        while k < len(bounds) and bounds[k] < tb:
            start = max(bounds[k], ta)
            end = min(bounds[k + 1], tb)
            if end > start:
                result.append((datetime.fromtimestamp(start, tz),
                               datetime.fromtimestamp(end, tz)))
            k += 2
        return result

    def out_of_hours_minutes(self, start: datetime, end: datetime) -> int:
        """Wall-clock minutes of ``[start, end)`` outside working time (§7): the elapsed
        whole minutes minus the working minutes."""
        _check_aware(start, "start")
        _check_aware(end, "end")
        elapsed = int((end.timestamp() - start.timestamp()) // 60)
        if elapsed <= 0:
            return 0
        return elapsed - self.working_minutes_between(start, end)


def _check_minutes(minutes: Any) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise TypeError(f"minutes must be a whole number (int), got {minutes!r}")
    return int(minutes)


def _check_pause(p_start: datetime, p_end: datetime | None) -> None:
    _check_aware(p_start, "pause start")
    if p_end is None:
        raise ValueError("a pause needs an end (for a pause still running, pass 'now')")
    _check_aware(p_end, "pause end")


def _merge_pauses(pauses: Iterable[Pause], low: float, high: float) -> list[tuple[float, float]]:
    """Pauses as sorted, merged ``(start, end)`` epoch seconds clipped to ``[low, high]``."""
    spans = []
    last_end = -math.inf
    in_order = True  # the usual case: pauses given in order and apart, no sort needed
    for p_start, p_end in pauses:
        if p_start.tzinfo is None or p_end is None or p_end.tzinfo is None:
            _check_pause(p_start, p_end)
        s = p_start.timestamp()
        e = p_end.timestamp()
        if e < s:
            raise ValueError(f"pause ends before it starts: {p_start} .. {p_end}")
        s = max(s, low)
        e = min(e, high)
        if e > s:
            if s <= last_end:
                in_order = False
            last_end = e
            spans.append((s, e))
    if in_order:
        return spans
    spans.sort()
    merged = [spans[0]]
    for s, e in spans[1:]:
        last_s, last_e = merged[-1]
        if s <= last_e:
            if e > last_e:
                merged[-1] = (last_s, e)
        else:
            merged.append((s, e))
    return merged


@lru_cache(maxsize=16)
def jewelsoft_calendar(first_year: int = 2020, last_year: int = 2035) -> BusinessCalendar:
    """Jewelsoft's calendar (§6): Mon-Fri 10:00-18:00 Europe/Athens, closed 5-25 August,
    Greek public holidays listed for ``first_year..last_year`` (and computed for any other
    year by the holiday rule). Cached: callers share one instance and its table."""
    calendar = BusinessCalendar.build(
        holidays=greek_public_holidays(range(first_year, last_year + 1)),
        holiday_rule=greek_holiday_rule,
        name="jewelsoft",
    )
    calendar.cover_years(first_year, last_year)
    return calendar
