"""Response targets (§4, docs/rules.md "Response targets") on the Jewelsoft calendar (§6)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from supportdesk.domain.sla import ResponseTarget, due_at, sla_state
from supportdesk.domain.tariff import Tier
from supportdesk.domain.tests.conftest import at


@pytest.mark.parametrize(
    ("tier", "which", "received", "due"),
    [
        # Friday-evening request: Business (one working day) due Monday.
        (Tier.BUSINESS, "expected", "2026-11-27 17:00", "2026-11-30 17:00"),
        (Tier.BASIC, "expected", "2026-11-27 17:00", "2026-12-01 17:00"),
        (Tier.FREE, "expected", "2026-11-27 17:00", "2026-12-01 17:00"),
        (Tier.FREE, "max", "2026-11-27 17:00", "2026-12-04 17:00"),
        # 24 December, Business: due after the Christmas holidays.
        (Tier.BUSINESS, "expected", "2026-12-24 12:00", "2026-12-28 12:00"),
        # 4 August, Basic: due after the summer closure (26 August or later).
        (Tier.BASIC, "expected", "2026-08-04 12:00", "2026-08-27 12:00"),
        # Received on Saturday: the clock starts Monday 10:00; due at 18:00 that day.
        (Tier.BUSINESS, "expected", "2026-11-28 11:00", "2026-11-30 18:00"),
    ],
)
def test_due_at_per_tier(calendar, tariff, tier, which, received, due):
    target = tariff.tier(tier).response.minutes(which)
    assert due_at(calendar, at(received), target) == at(due)


def test_pauses_extend_the_due_moment(calendar):
    received = at("2026-11-24 10:00")
    pause = (at("2026-11-24 12:00"), at("2026-11-25 12:00"))  # 480 working minutes
    assert due_at(calendar, received, 480, [pause]) == at("2026-11-25 18:00")


@pytest.mark.parametrize(
    ("now", "used", "left", "warning", "breached"),
    [
        ("2026-11-24 09:00", 0, 480, False, False),  # before the clock starts
        ("2026-11-24 14:00", 240, 240, False, False),
        ("2026-11-24 16:00", 360, 120, True, False),  # 75% used
        ("2026-11-24 18:00", 480, 0, True, False),  # due exactly now: not breached
        ("2026-11-25 10:00", 480, 0, True, False),  # next opening: the same working time
        ("2026-11-25 10:01", 481, 0, False, True),  # one working minute late
    ],
)
def test_sla_state_compares_working_minutes(calendar, now, used, left, warning, breached):
    state = sla_state(calendar, at("2026-11-24 10:00"), 480, at(now))
    assert state.due_at == at("2026-11-24 18:00")
    assert (state.used_minutes, state.left_minutes) == (used, left)
    assert (state.is_warning, state.is_breached) == (warning, breached)
    assert state.share_used == (Decimal(used) / 480).quantize(Decimal("0.0001"))


def test_first_response_stops_the_clock(calendar):
    state = sla_state(calendar, at("2026-11-24 10:00"), 480, now=at("2026-12-24 10:00"),
                      stopped_at=at("2026-11-24 11:00"))
    assert state.used_minutes == 60
    assert state.is_stopped and not state.is_breached


def test_open_pause_runs_until_now(calendar):
    # Waiting on the customer since 11:00 and still waiting: 60 working minutes used.
    state = sla_state(calendar, at("2026-11-24 10:00"), 480, now=at("2026-11-26 12:00"),
                      pauses=[(at("2026-11-24 11:00"), None)])
    assert state.used_minutes == 60
    assert state.due_at == at("2026-11-27 11:00")  # as if the pause ended now


def test_breach_reports_overdue_minutes(calendar):
    state = sla_state(calendar, at("2026-11-24 10:00"), 480, now=at("2026-11-25 11:00"))
    assert state.is_breached and state.overdue_minutes == 60
    assert state.share_used == Decimal("1.1250")


@pytest.mark.parametrize(
    ("expected", "maximum"), [(0, 10), (10, 5), (1.5, 10)])
def test_bad_response_targets(expected, maximum):
    with pytest.raises(ValueError):
        ResponseTarget(expected, maximum)


def test_naive_now_is_refused(calendar):
    with pytest.raises(ValueError, match="aware"):
        sla_state(calendar, at("2026-11-24 10:00"), 480, datetime(2026, 11, 24, 12))
