"""Timer rounding (§8): the entry a stopped timer makes, in whole minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportdesk.domain.pricing import WorkItem
from supportdesk.domain.tariff import Channel
from supportdesk.domain.tests.conftest import ATHENS, at
from supportdesk.domain.timers import TIMER_MAX_MINUTES, TimerTooLong, TimerTooShort, timer_span

STARTED = at("2026-11-24 11:00") + timedelta(seconds=40)  # a Tuesday, 11:00:40


def _elapsed(minutes: int, seconds: int = 0) -> timedelta:
    return timedelta(minutes=minutes, seconds=seconds)


@pytest.mark.parametrize(
    ("elapsed", "minutes"),
    [
        (_elapsed(1), 1),
        (_elapsed(1) + timedelta(microseconds=1), 2),  # a started minute is worked
        (_elapsed(1, 29), 2),
        (_elapsed(1, 30), 2),
        (_elapsed(44, 59), 45),
        (_elapsed(90, 20), 91),
        (_elapsed(12 * 60), 12 * 60),
    ],
)
def test_the_entry_starts_at_the_started_second_and_lasts_the_minutes_rounded_up(elapsed,
                                                                               minutes):
    # The old reading (seconds dropped, nearest minute) made 90:20 a 90-minute entry from
    # 11:00:00; every other path rounds up from the real start (WorkItem.between).
    start, end = timer_span(started_at=STARTED, stopped_at=STARTED + elapsed)
    assert start == STARTED
    assert end - start == timedelta(minutes=minutes)


def test_the_timer_rounds_like_every_other_entry():
    for elapsed in (_elapsed(1), _elapsed(1, 1), _elapsed(59, 59), _elapsed(200, 30)):
        start, end = timer_span(started_at=STARTED, stopped_at=STARTED + elapsed)
        assert end - start == timedelta(
            minutes=WorkItem.between(Channel.PHONE, STARTED, STARTED + elapsed).minutes)


@pytest.mark.parametrize("elapsed", [timedelta(0), _elapsed(0, 59), -_elapsed(5),
                                     _elapsed(0, 59) + timedelta(microseconds=999_999)])
def test_under_a_minute_is_not_an_entry(elapsed):
    with pytest.raises(TimerTooShort) as caught:
        timer_span(started_at=STARTED, stopped_at=STARTED + elapsed)
    assert caught.value.code == "timer_too_short"


@pytest.mark.parametrize("elapsed", [_elapsed(12 * 60, 1), _elapsed(12 * 60 + 1),
                                     timedelta(days=3)])
def test_a_forgotten_timer_is_not_an_entry(elapsed):
    with pytest.raises(TimerTooLong) as caught:
        timer_span(started_at=STARTED, stopped_at=STARTED + elapsed)
    assert caught.value.code == "timer_too_long"
    assert caught.value.max_minutes == TIMER_MAX_MINUTES == 720


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        timer_span(started_at=datetime(2026, 11, 24, 11), stopped_at=STARTED)


def test_a_timer_over_the_autumn_dst_change_counts_the_real_minutes():
    # 25 October 2026: 04:00 EEST becomes 03:00 EET; 02:30 to 03:30 local (second 03:30)
    # is two real hours
    started = datetime(2026, 10, 25, 2, 30, tzinfo=ATHENS)
    stopped = datetime(2026, 10, 25, 3, 30, fold=1, tzinfo=ATHENS)
    start, end = timer_span(started_at=started, stopped_at=stopped)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=2)
    assert start.tzinfo is ATHENS


def test_the_span_is_in_the_start_zone_and_a_utc_timer_stays_utc():
    start, end = timer_span(started_at=datetime(2026, 11, 24, 9, 0, 40, tzinfo=UTC),
                            stopped_at=datetime(2026, 11, 24, 10, 0, 10, tzinfo=UTC))
    assert (start, end) == (datetime(2026, 11, 24, 9, 0, 40, tzinfo=UTC),
                            datetime(2026, 11, 24, 10, 0, 40, tzinfo=UTC))  # 59:30 -> 60


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31),
                    timezones=st.just(UTC)),
       st.integers(min_value=60_000_000, max_value=TIMER_MAX_MINUTES * 60_000_000))
def test_whole_minutes_never_less_than_the_elapsed_time(started, micros):
    stopped = started + timedelta(microseconds=micros)
    start, end = timer_span(started_at=started, stopped_at=stopped)
    assert start == started
    minutes = (end - start) / timedelta(minutes=1)
    assert minutes == int(minutes) and 1 <= minutes <= TIMER_MAX_MINUTES
    elapsed = (stopped - started) / timedelta(minutes=1)
    assert 0 <= minutes - elapsed < 1
