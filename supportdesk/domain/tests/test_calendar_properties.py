"""Property tests of the calendar (§6) against a brute-force minute-stepping oracle, over
random moments of 2020-2035 with the DST days of those years drawn on purpose."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supportdesk.domain.calendar import BusinessCalendar, jewelsoft_calendar
from supportdesk.domain.tests.oracle import oracle_add, oracle_between

FIRST = datetime(2020, 1, 1, tzinfo=UTC)
LAST = datetime(2035, 12, 31, tzinfo=UTC)


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


#: The days on which Athens changes clocks (last Sunday of March and October).
DST_DAYS = [_last_sunday(y, m) for y in range(2020, 2036) for m in (3, 10)]

CALENDARS = {
    "jewelsoft": jewelsoft_calendar(),
    # Works through the night of the clock change (03:00/04:00) and has split shifts,
    # a Saturday morning, and no summer closure.
    "night_and_split": BusinessCalendar.build(
        weekly_hours={
            0: [("00:00", "06:00"), ("09:00", "13:00"), ("17:00", "21:00")],
            1: [("09:00", "13:00"), ("17:00", "21:00")],
            2: [("09:00", "13:00"), ("17:00", "21:00")],
            3: [("09:00", "13:00"), ("17:00", "21:00")],
            4: [("09:00", "13:00"), ("17:00", "21:00")],
            5: [("09:00", "13:00")],
            6: [("01:00", "05:00"), ("22:00", "00:00")],
        },
        annual_closures=[((12, 24), (1, 1))],
        closed_dates=[date(2026, 3, 30)],
        open_dates={date(2026, 8, 15): [("10:00", "12:00")]},
    ),
    "always_open": BusinessCalendar.build(
        weekly_hours={d: [("00:00", "00:00")] for d in range(7)}, annual_closures=()),
}


def minute_moments() -> st.SearchStrategy[datetime]:
    """Minute-aligned aware moments: anywhere in 2020-2035, or around a DST change."""
    anywhere = st.integers(0, int((LAST - FIRST).total_seconds()) // 60).map(
        lambda m: FIRST + timedelta(minutes=m))
    around_dst = st.builds(
        lambda day, minute: datetime(day.year, day.month, day.day, tzinfo=UTC)
        - timedelta(days=1) + timedelta(minutes=minute),
        st.sampled_from(DST_DAYS), st.integers(0, 3 * 24 * 60))
    return st.one_of(anywhere, around_dst)


calendars = st.sampled_from(sorted(CALENDARS))
zones = st.sampled_from([UTC, CALENDARS["jewelsoft"].tz, timezone(timedelta(hours=-5))])


@settings(max_examples=150)
@given(name=calendars, start=minute_moments(), minutes=st.integers(1, 1500), tz=zones)
def test_add_agrees_with_the_oracle(name, start, minutes, tz):
    cal = CALENDARS[name]
    assert cal.add_working_minutes(start.astimezone(tz), minutes) == oracle_add(
        cal, start, minutes)


@settings(max_examples=150)
@given(name=calendars, start=minute_moments(), span=st.integers(0, 4 * 24 * 60))
def test_between_agrees_with_the_oracle(name, start, span):
    cal = CALENDARS[name]
    end = start + timedelta(minutes=span)
    assert cal.working_minutes_between(start, end) == oracle_between(cal, start, end)


pause_offsets = st.lists(st.tuples(st.integers(-600, 3000), st.integers(0, 900)), max_size=4)


@settings(max_examples=100)
@given(name=calendars, start=minute_moments(), minutes=st.integers(1, 900),
       offsets=pause_offsets)
def test_due_with_pauses_agrees_with_the_oracle(name, start, minutes, offsets):
    cal = CALENDARS[name]
    pauses = [(start + timedelta(minutes=a), start + timedelta(minutes=a + length))
              for a, length in offsets]
    assert cal.add_working_minutes(start, minutes, pauses) == oracle_add(
        cal, start, minutes, pauses)


@settings(max_examples=100)
@given(name=calendars, start=minute_moments(), span=st.integers(0, 3000),
       offsets=pause_offsets)
def test_between_with_pauses_agrees_with_the_oracle(name, start, span, offsets):
    cal = CALENDARS[name]
    end = start + timedelta(minutes=span)
    pauses = [(start + timedelta(minutes=a), start + timedelta(minutes=a + length))
              for a, length in offsets]
    assert cal.working_minutes_between(start, end, pauses) == oracle_between(
        cal, max(start, start), end, [(max(a, start), b) for a, b in pauses if b > start])


# Moments with seconds and microseconds, spans up to years: algebraic properties only.
any_moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31),
                           timezones=st.just(UTC))


@settings(max_examples=300)
@given(name=calendars, start=any_moments, minutes=st.integers(0, 480 * 250 * 3))
def test_add_then_measure_returns_the_minutes(name, start, minutes):
    cal = CALENDARS[name]
    due = cal.add_working_minutes(start, minutes)
    assert cal.working_minutes_between(start, due) == minutes
    assert due >= start


@settings(max_examples=300)
@given(name=calendars, start=any_moments, minutes=st.integers(1, 480 * 250 * 3))
def test_results_are_never_inside_closed_time(name, start, minutes):
    cal = CALENDARS[name]
    due = cal.add_working_minutes(start, minutes)
    # Working time, or the closing moment of a working interval (18:00), never beyond.
    assert cal.is_working(due) or cal.is_working(due - timedelta(microseconds=1))


@settings(max_examples=300)
@given(name=calendars, start=any_moments, a=st.integers(0, 100_000), b=st.integers(0, 100_000))
def test_add_is_monotone_in_the_minutes(name, start, a, b):
    cal = CALENDARS[name]
    low, high = sorted((a, b))
    assert cal.add_working_minutes(start, low) <= cal.add_working_minutes(start, high)


@settings(max_examples=200)
@given(name=calendars, a=any_moments, b=any_moments, c=any_moments)
def test_between_is_additive_on_minute_moments(name, a, b, c):
    cal = CALENDARS[name]
    a, b, c = sorted(x.replace(second=0, microsecond=0) for x in (a, b, c))
    assert cal.working_minutes_between(a, c) == (
        cal.working_minutes_between(a, b) + cal.working_minutes_between(b, c))


@pytest.mark.parametrize("day", DST_DAYS[:6])
def test_every_minute_of_dst_days_matches_the_oracle(day):
    cal = CALENDARS["night_and_split"]
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=3)
    end = start + timedelta(hours=30)
    assert cal.working_minutes_between(start, end) == oracle_between(cal, start, end)
    for minutes in (1, 59, 60, 61, 179, 180, 181, 240):
        assert cal.add_working_minutes(start, minutes) == oracle_add(cal, start, minutes)
