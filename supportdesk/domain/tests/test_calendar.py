"""The working calendar (§6): worked examples, DST, Greek holidays, manager days, other
vendors' calendars, and the error cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from supportdesk.domain.calendar import (
    MAX_YEAR,
    BusinessCalendar,
    CalendarError,
    jewelsoft_calendar,
)
from supportdesk.domain.holidays_gr import greek_public_holidays
from supportdesk.domain.tests.conftest import ATHENS, at

# --------------------------------------------------------------------------- §6 hours


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-11-24 09:59", False),  # Tuesday before opening
        ("2026-11-24 10:00", True),  # opening moment is working time
        ("2026-11-24 17:59", True),
        ("2026-11-24 18:00", False),  # closing moment is not
        ("2026-11-28 12:00", False),  # Saturday
        ("2026-11-29 12:00", False),  # Sunday
        ("2026-08-04 12:00", True),  # the day before the summer closure
        ("2026-08-05 12:00", False),  # §6 closure 5-25 August
        ("2026-08-25 12:00", False),
        ("2026-08-26 12:00", True),
        ("2026-12-25 12:00", False),  # Christmas
        ("2026-12-26 12:00", False),  # Synaxis (a Saturday in 2026 anyway)
        ("2026-02-23 12:00", False),  # Clean Monday 2026
        ("2026-04-10 12:00", False),  # Good Friday 2026
        ("2026-04-13 12:00", False),  # Easter Monday 2026
        ("2026-04-14 12:00", True),
        ("2026-06-01 12:00", False),  # Whit Monday 2026
        ("2026-03-25 12:00", False),  # Independence Day
        ("2026-10-28 12:00", False),  # Ochi Day
        ("2026-01-06 12:00", False),  # Epiphany
        ("2026-05-01 12:00", False),  # Labour Day (a Friday in 2026)
    ],
)
def test_is_working_follows_hours_closures_and_greek_holidays(calendar, moment, expected):
    assert calendar.is_working(at(moment)) is expected


@pytest.mark.parametrize(
    ("year", "holiday"),
    [
        (2024, date(2024, 5, 3)),  # Good Friday
        (2024, date(2024, 5, 6)),  # Easter Monday
        (2024, date(2024, 5, 7)),  # 1 May moved out of Easter week
        (2025, date(2025, 3, 3)),  # Clean Monday
        (2025, date(2025, 4, 21)),  # Easter Monday (same date as Western Easter)
        (2027, date(2027, 5, 3)),  # Easter Monday
        (2030, date(2030, 4, 26)),  # Good Friday (Orthodox Easter 28 April)
    ],
)
def test_orthodox_easter_holidays_close_the_day(calendar, year, holiday):
    assert holiday in greek_public_holidays([year])
    assert not calendar.is_working_day(holiday)
    assert calendar.holiday_name(holiday)


def test_1_may_2024_is_moved_by_the_holiday_rules(calendar):
    # 1 May 2024 fell on Holy Wednesday: the state moved Labour Day to 7 May.
    assert calendar.is_working_day(date(2024, 5, 2))
    assert not calendar.is_working_day(date(2024, 5, 7))


# --------------------------------------------------------------------------- worked examples


@pytest.mark.parametrize(
    ("received", "minutes", "due"),
    [
        # Friday-evening request, Business (one working day): due Monday at the same hour.
        ("2026-11-27 17:00", 480, "2026-11-30 17:00"),
        # Received after hours on Friday: the clock starts Monday 10:00.
        ("2026-11-27 19:30", 480, "2026-11-30 18:00"),
        # Exactly at the end of a working day: that end (18:00), not the next morning.
        ("2026-11-24 10:00", 480, "2026-11-24 18:00"),
        ("2026-11-24 17:00", 60, "2026-11-24 18:00"),
        # 24 December: 25 and 26 December are holidays, then the weekend.
        ("2026-12-24 12:00", 480, "2026-12-28 12:00"),
        ("2025-12-24 12:00", 480, "2025-12-29 12:00"),  # 25 Thu, 26 Fri, weekend
        # 4 August, Basic (two working days): the summer closure 5-25 Aug in between.
        ("2026-08-04 12:00", 960, "2026-08-27 12:00"),
        ("2026-08-04 17:00", 960, "2026-08-27 17:00"),
        # Greek Easter 2026: Good Friday 10 Apr, Easter Monday 13 Apr.
        ("2026-04-09 17:00", 120, "2026-04-14 11:00"),
        # Clean Monday 2026 (23 Feb) after a Friday request.
        ("2026-02-20 14:00", 480, "2026-02-24 14:00"),
    ],
)
def test_add_working_minutes_worked_examples(calendar, received, minutes, due):
    assert calendar.add_working_minutes(at(received), minutes) == at(due)


def test_results_are_in_the_calendar_zone_with_the_right_offset(calendar):
    winter = calendar.add_working_minutes(datetime(2026, 11, 27, 15, 0, tzinfo=UTC), 60)
    summer = calendar.add_working_minutes(datetime(2026, 7, 1, 9, 0, tzinfo=UTC), 60)
    assert winter.tzinfo == ATHENS
    assert winter.isoformat() == "2026-11-27T18:00:00+02:00"
    assert summer.isoformat() == "2026-07-01T13:00:00+03:00"


def test_add_zero_minutes_is_the_next_working_moment(calendar):
    assert calendar.add_working_minutes(at("2026-11-24 12:34"), 0) == at("2026-11-24 12:34")
    assert calendar.add_working_minutes(at("2026-11-27 18:00"), 0) == at("2026-11-30 10:00")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-11-24 12:00", "2026-11-24 12:00"),
        ("2026-11-24 18:00", "2026-11-25 10:00"),
        ("2026-11-27 18:30", "2026-11-30 10:00"),
        ("2026-08-04 18:00", "2026-08-26 10:00"),
        ("2026-12-31 18:00", "2027-01-04 10:00"),  # 1 Jan holiday, then the weekend
    ],
)
def test_next_working_moment(calendar, moment, expected):
    assert calendar.next_working_moment(at(moment)) == at(expected)


@pytest.mark.parametrize(
    ("a", "b", "minutes"),
    [
        ("2026-11-24 10:00", "2026-11-24 18:00", 480),
        ("2026-11-24 09:00", "2026-11-24 19:00", 480),
        ("2026-11-27 17:00", "2026-11-30 11:00", 120),  # over a weekend
        ("2026-11-24 12:00", "2026-11-24 12:00", 0),
        ("2026-11-24 13:00", "2026-11-24 12:00", 0),  # reversed: nothing
        ("2026-08-01 00:00", "2026-09-01 00:00", 480 * 6),  # 3-4 and 26-31 August
        ("2026-01-01 00:00", "2027-01-01 00:00", 480 * 236),  # 261 weekdays - 10 - 15
    ],
)
def test_working_minutes_between(calendar, a, b, minutes):
    assert calendar.working_minutes_between(at(a), at(b)) == minutes


def test_working_minutes_floor_partial_minutes(calendar):
    start = at("2026-11-24 10:00")
    assert calendar.working_minutes_between(start, start + timedelta(seconds=119)) == 1
    assert calendar.working_minutes_between(start, start + timedelta(seconds=120)) == 2


def test_seconds_of_the_start_are_kept(calendar):
    start = at("2026-11-24 17:59") + timedelta(seconds=30, microseconds=250)
    assert calendar.add_working_minutes(start, 1) == at("2026-11-25 10:00") + timedelta(
        seconds=30, microseconds=250)


# --------------------------------------------------------------------------- pauses


def test_pauses_are_removed_and_overlaps_count_once(calendar):
    a, b = at("2026-11-24 10:00"), at("2026-11-24 18:00")
    pauses = [
        (at("2026-11-24 11:00"), at("2026-11-24 12:00")),
        (at("2026-11-24 11:30"), at("2026-11-24 12:30")),  # overlaps the first
        (at("2026-11-24 17:30"), at("2026-11-25 11:00")),  # runs past b
        (at("2026-11-23 08:00"), at("2026-11-23 09:00")),  # before a
    ]
    assert calendar.working_minutes_between(a, b, pauses) == 480 - 90 - 30


def test_pauses_extend_the_due_moment(calendar):
    received = at("2026-11-27 17:00")  # Friday
    pause = (at("2026-11-30 11:00"), at("2026-11-30 13:30"))  # Monday, 150 working minutes
    assert calendar.add_working_minutes(received, 480, [pause]) == at("2026-12-01 11:30")
    # A pause in closed time changes nothing.
    weekend = (at("2026-11-28 09:00"), at("2026-11-29 20:00"))
    assert calendar.add_working_minutes(received, 480, [weekend]) == at("2026-11-30 17:00")
    # A pause that starts after the due moment changes nothing either.
    late = (at("2026-11-30 17:00"), at("2026-12-02 10:00"))
    assert calendar.add_working_minutes(received, 480, [late]) == at("2026-11-30 17:00")


def test_pauses_in_any_order_give_the_same_due_moment(calendar):
    received = at("2026-11-23 10:00")
    pauses = [(at("2026-11-24 10:00"), at("2026-11-24 12:00")),
              (at("2026-11-23 12:00"), at("2026-11-23 13:00")),
              (at("2026-11-23 12:30"), at("2026-11-23 14:00"))]
    in_order = sorted(pauses)
    assert calendar.add_working_minutes(received, 960, pauses) == calendar.add_working_minutes(
        received, 960, in_order) == at("2026-11-25 14:00")


def test_bad_pauses_are_refused(calendar):
    a = at("2026-11-24 10:00")
    with pytest.raises(ValueError, match="before it starts"):
        calendar.add_working_minutes(a, 60, [(a + timedelta(hours=2), a + timedelta(hours=1))])
    with pytest.raises(ValueError, match="needs an end"):
        calendar.add_working_minutes(a, 60, [(a, None)])
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.working_minutes_between(a, a + timedelta(hours=1),
                                         [(datetime(2026, 11, 24, 11), a)])


# --------------------------------------------------------------------------- DST


def test_dst_days_have_their_real_length():
    # A vendor open around the clock: a working day is the wall-clock day.
    always = BusinessCalendar.build(weekly_hours={d: [("00:00", "00:00")] for d in range(7)},
                                    annual_closures=())
    march = (at("2026-03-29 00:00"), at("2026-03-30 00:00"))  # 03:00 -> 04:00
    october = (at("2026-10-25 00:00"), at("2026-10-26 00:00"))  # 04:00 -> 03:00
    assert always.working_minutes_between(*march) == 23 * 60
    assert always.working_minutes_between(*october) == 25 * 60
    assert always.add_working_minutes(at("2026-03-29 02:00"), 60) == at("2026-03-29 04:00")
    assert always.add_working_minutes(at("2026-03-29 02:00"), 60).utcoffset() == timedelta(
        hours=3)


def test_night_shift_across_the_dst_change():
    night = BusinessCalendar.build(weekly_hours={d: [("01:00", "05:00")] for d in range(7)},
                                   annual_closures=())
    assert night.working_minutes_between(at("2026-03-29 00:00"), at("2026-03-29 12:00")) == 180
    assert night.working_minutes_between(at("2026-10-25 00:00"), at("2026-10-25 12:00")) == 300
    assert night.add_working_minutes(at("2026-03-29 01:00"), 180) == at("2026-03-29 05:00")


def test_a_boundary_inside_the_spring_gap_is_the_transition():
    # 03:30 does not exist on 29 March 2026 in Athens: opening is the jump to 04:00.
    cal = BusinessCalendar.build(weekly_hours={6: [("03:30", "06:00")]}, annual_closures=())
    assert cal.next_working_moment(at("2026-03-29 00:00")) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC)
    assert cal.working_minutes_between(at("2026-03-29 00:00"), at("2026-03-29 12:00")) == 120


def test_office_hours_unaffected_by_dst(calendar):
    # Monday after each change: 480 minutes, the due moment on the wall clock.
    assert calendar.add_working_minutes(at("2026-03-27 12:00"), 480) == at("2026-03-30 12:00")
    assert calendar.add_working_minutes(at("2026-10-23 12:00"), 480) == at("2026-10-26 12:00")


# --------------------------------------------------------------------------- manager days


def test_manager_added_and_removed_days():
    # The government moves the 1 May holiday of 2026 (a Friday) to Monday 4 May: the
    # manager opens 1 May and closes 4 May; plus one half day on a Saturday.
    cal = BusinessCalendar.build(
        holidays=greek_public_holidays([2026]),
        closed_dates=[date(2026, 5, 4)],
        open_dates={date(2026, 5, 1): None, date(2026, 5, 2): [("10:00", "14:00")]},
    )
    assert cal.is_working(at("2026-05-01 12:00"))
    assert cal.is_working(at("2026-05-02 13:59"))
    assert not cal.is_working(at("2026-05-02 14:00"))
    assert not cal.is_working_day(date(2026, 5, 4))
    assert cal.add_working_minutes(at("2026-04-30 17:00"), 60 + 480 + 240 + 60) == at(
        "2026-05-05 11:00")


def test_open_date_wins_over_the_summer_closure():
    cal = BusinessCalendar.build(open_dates=[date(2026, 8, 10)])
    assert cal.day_hours(date(2026, 8, 10)) == ((time(10), time(18)),)
    assert cal.add_working_minutes(at("2026-08-04 17:00"), 120) == at("2026-08-10 11:00")


# --------------------------------------------------------------------------- other vendors


def other_vendor() -> BusinessCalendar:
    """Split shifts Mon-Fri 09:00-13:00 and 17:00-21:00, Saturday 09:00-13:00, in Cyprus,
    closed over New Year (27 Dec - 2 Jan) and no summer closure."""
    split = [("09:00", "13:00"), ("17:00", "21:00")]
    return BusinessCalendar.build(
        weekly_hours={0: split, 1: split, 2: split, 3: split, 4: split,
                      5: [("09:00", "13:00")]},
        annual_closures=[((12, 27), (1, 2))],
        holidays={date(2026, 10, 1): "Cyprus Independence Day"},
        tz="Asia/Nicosia",
        name="other",
    )


@pytest.mark.parametrize(
    ("start", "minutes", "due"),
    [
        ("2026-11-23 12:00", 60, "2026-11-23 13:00"),  # ends at the lunch closing
        ("2026-11-23 12:00", 61, "2026-11-23 17:01"),  # the afternoon shift
        ("2026-11-27 20:00", 120, "2026-11-28 10:00"),  # Friday night into Saturday
        ("2026-11-28 12:00", 120, "2026-11-30 10:00"),  # Saturday noon over Sunday
        ("2026-12-24 20:00", 480, "2026-12-25 20:00"),  # no Christmas holiday here
        ("2026-12-26 12:00", 480, "2027-01-04 20:00"),  # New Year closure (wraps years)
        ("2026-09-30 20:00", 120, "2026-10-02 10:00"),  # 1 October holiday
    ],
)
def test_another_vendor_calendar(start, minutes, due):
    cal = other_vendor()
    nicosia = ZoneInfo("Asia/Nicosia")
    result = cal.add_working_minutes(datetime.fromisoformat(start).replace(tzinfo=nicosia),
                                     minutes)
    assert result == datetime.fromisoformat(due).replace(tzinfo=nicosia)


def test_calendars_are_values():
    assert other_vendor() == other_vendor()
    assert hash(other_vendor()) == hash(other_vendor())
    assert other_vendor() != BusinessCalendar.build()
    assert jewelsoft_calendar() is jewelsoft_calendar()  # cached: one table shared


# --------------------------------------------------------------------------- years


def test_outside_the_precomputed_years_the_table_grows(calendar):
    cal = jewelsoft_calendar(2024, 2026)
    # Christmas 2090 (Monday, Tuesday) is found by the holiday rule, not the listed years.
    assert cal.add_working_minutes(at("2090-12-22 12:00"), 480 * 2) == at("2090-12-28 12:00")
    assert cal.add_working_minutes(at("1999-12-31 17:30"), 60) == at("2000-01-03 10:30")
    assert cal.working_minutes_between(at("2026-01-01 00:00"), at("2126-01-01 00:00")) > 0


def test_cost_does_not_depend_on_span(calendar):
    # 60 years of working time in one call (a bisect, not a walk).
    start = at("2026-01-02 10:00")
    end = calendar.add_working_minutes(start, 480 * 230 * 60)
    assert calendar.working_minutes_between(start, end) == 480 * 230 * 60


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.add_working_minutes(datetime(2026, 11, 24, 10, 0), 60),
        lambda c: c.working_minutes_between(datetime(2026, 11, 24, 10, 0), at("2026-11-25 10:00")),
        lambda c: c.working_minutes_between(at("2026-11-24 10:00"), datetime(2026, 11, 25)),
        lambda c: c.is_working(datetime(2026, 11, 24, 10, 0)),
        lambda c: c.next_working_moment(datetime(2026, 11, 24, 10, 0)),
        lambda c: c.out_of_hours_minutes(datetime(2026, 11, 24, 10, 0), at("2026-11-25 10:00")),
    ],
)
def test_naive_datetimes_are_refused(calendar, call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call(calendar)


def test_absurd_inputs_raise_clear_errors(calendar):
    with pytest.raises(CalendarError, match="1900-2400"):
        calendar.is_working(datetime(3000, 1, 1, tzinfo=UTC))
    with pytest.raises(CalendarError, match="1900-2400"):
        calendar.add_working_minutes(datetime(1066, 10, 14, tzinfo=UTC), 60)
    with pytest.raises(CalendarError, match=str(MAX_YEAR + 1)):
        calendar.add_working_minutes(at("2026-01-01 10:00"), 10**12)
    with pytest.raises(ValueError, match="negative"):
        calendar.add_working_minutes(at("2026-01-01 10:00"), -1)
    with pytest.raises(TypeError):
        calendar.add_working_minutes(at("2026-01-01 10:00"), 1.5)
    closed = BusinessCalendar.build(weekly_hours={})
    with pytest.raises(CalendarError, match="not enough working time"):
        closed.add_working_minutes(at("2026-01-01 10:00"), 1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weekly_hours": {0: [("18:00", "10:00")]}}, "not after start"),
        ({"weekly_hours": {0: [("10:00", "14:00"), ("13:00", "18:00")]}}, "not overlap"),
        ({"weekly_hours": {7: [("10:00", "14:00")]}}, "weekday 7"),
        ({"weekly_hours": {0: [("10:00:30", "14:00")]}}, "whole minutes"),
        ({"weekly_hours": {0: [("ten", "14:00")]}}, "HH:MM"),
        ({"closures": [(date(2026, 8, 25), date(2026, 8, 5))]}, "before it starts"),
        ({"annual_closures": [((2, 30), (3, 1))]}, "month, day"),
        ({"tz": "Mars/Olympus"}, "unknown time zone"),
    ],
)
def test_bad_configuration_is_refused(kwargs, message):
    with pytest.raises(CalendarError, match=message):
        BusinessCalendar.build(**kwargs)


# --------------------------------------------------------------------------- out of hours


@pytest.mark.parametrize(
    ("start", "end", "outside"),
    [
        ("2026-11-24 11:00", "2026-11-24 12:30", 0),
        ("2026-11-24 17:00", "2026-11-24 19:00", 60),  # straddles 18:00
        ("2026-11-24 09:00", "2026-11-24 19:00", 120),
        ("2026-11-28 10:00", "2026-11-28 12:00", 120),  # Saturday
        ("2026-12-25 11:00", "2026-12-25 12:00", 60),  # Christmas
    ],
)
def test_out_of_hours_minutes(calendar, start, end, outside):
    assert calendar.out_of_hours_minutes(at(start), at(end)) == outside


def test_working_intervals_clip_to_the_range(calendar):
    parts = calendar.working_intervals(at("2026-11-27 17:00"), at("2026-11-30 11:00"))
    assert parts == [(at("2026-11-27 17:00"), at("2026-11-27 18:00")),
                     (at("2026-11-30 10:00"), at("2026-11-30 11:00"))]
