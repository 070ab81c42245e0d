"""Resolution targets (docs/rules.md "Resolution targets"): per tier and priority, counted
on the same calendar as the response clock, paused while waiting on the customer, checked
against the minute-stepping oracle (holidays, the summer closure, DST)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supportdesk.domain.sla import (
    ClockKind,
    Priority,
    ResponseTarget,
    ServiceTargets,
    due_at,
    sla_state,
)
from supportdesk.domain.tariff import (
    DEFAULT_RESOLUTION_MINUTES,
    TariffError,
    Tier,
    default_tariff,
    load_tariff,
    tariff_to_toml,
)
from supportdesk.domain.tests.conftest import at
from supportdesk.domain.tests.oracle import oracle_add, oracle_between
from supportdesk.domain.tests.test_calendar_properties import DST_DAYS, minute_moments


@pytest.mark.parametrize(("tier", "days"), [(Tier.BUSINESS, 3), (Tier.BASIC, 5),
                                             (Tier.FREE, 10)])
def test_normal_priority_resolution_in_working_days(tariff, tier, days):
    targets = tariff.tier(tier).targets(Priority.NORMAL)
    assert targets.resolution_minutes == days * 480
    # The response target of a normal request stays the §4 table's.
    assert targets.response == tariff.tier(tier).response


def test_every_priority_keeps_the_section_4_response_and_orders_resolution(tariff):
    for terms in tariff.tiers:
        order = [terms.targets(p).resolution_minutes for p in
                 (Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW)]
        assert order == sorted(order) and len(set(order)) == 4
        assert all(terms.targets(p).response == terms.response for p in Priority)
        assert all(terms.targets(p).resolution_minutes >= terms.response.max_minutes
                   for p in Priority)


def test_resolution_across_christmas_and_the_summer_closure(calendar, tariff):
    business = tariff.tier(Tier.BUSINESS).targets("normal").minutes(ClockKind.RESOLUTION)
    # 23 Dec 12:00: 6 h that day, 8 h on the 24th, Christmas and its second day closed,
    # Sunday, 8 h on Monday 28th, 2 h on the 29th.
    assert due_at(calendar, at("2026-12-23 12:00"), business) == at("2026-12-29 12:00")
    basic = tariff.tier(Tier.BASIC).targets("normal").minutes("resolution")
    # Received inside the summer closure: the clock starts when it ends.
    assert due_at(calendar, at("2026-08-12 09:00"), basic) == oracle_add(
        calendar, at("2026-08-12 09:00"), basic)


def test_waiting_on_the_customer_pauses_the_resolution_clock(calendar, tariff):
    target = tariff.tier(Tier.BUSINESS).targets("urgent").resolution_minutes  # one day
    received = at("2026-11-30 10:00")
    pause = (at("2026-11-30 12:00"), at("2026-12-01 12:00"))  # 8 working hours waiting
    assert due_at(calendar, received, target) == at("2026-11-30 18:00")
    assert due_at(calendar, received, target, [pause]) == at("2026-12-01 18:00")
    # An open pause (still waiting) counts nothing and keeps pushing the due moment.
    state = sla_state(calendar, received, target, at("2026-12-02 10:00"),
                      [(pause[0], None)])
    assert (state.used_minutes, state.is_breached) == (120, False)


def test_resolution_stops_the_clock_and_a_reopen_resumes_it(calendar):
    """Resolved 11:00, reopened the next day at 15:00: the span in between (a pause) does
    not count; resolving again later stops the clock with the time before and after."""
    received = at("2026-11-30 10:00")
    state = sla_state(calendar, received, 480, at("2026-12-03 10:00"),
                      [(at("2026-11-30 11:00"), at("2026-12-01 15:00"))],
                      stopped_at=at("2026-12-01 17:00"))
    assert state.used_minutes == 60 + 120
    assert state.is_stopped and not state.is_breached


@settings(max_examples=60)
@given(start=minute_moments(), tier=st.sampled_from(list(Tier)),
       priority=st.sampled_from(list(Priority)), pause_at=st.integers(0, 20 * 24 * 60),
       pause_len=st.integers(0, 5 * 24 * 60))
def test_resolution_due_agrees_with_the_oracle(calendar, start, tier, priority, pause_at,
                                               pause_len):
    target = default_tariff().tier(tier).targets(priority).resolution_minutes
    pause = (start + timedelta(minutes=pause_at),
             start + timedelta(minutes=pause_at + pause_len))
    pauses = [pause] if pause_len else []
    due = due_at(calendar, start, target, pauses)
    assert due == oracle_add(calendar, start, target, pauses)
    used = sla_state(calendar, start, target, due, pauses).used_minutes
    assert used == oracle_between(calendar, start, due, pauses) == target


@pytest.mark.parametrize("day", DST_DAYS[12:16])
def test_resolution_over_a_clock_change_equals_the_oracle(calendar, day):
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(days=2)
    for priority in Priority:
        target = default_tariff().tier(Tier.BASIC).targets(priority).resolution_minutes
        assert due_at(calendar, start, target) == oracle_add(calendar, start, target)


def test_a_tariff_sets_targets_per_priority_and_round_trips():
    text = tariff_to_toml(default_tariff()).replace(
        "[tiers.business.priorities.urgent]\nresponse_expected_minutes = 480\n"
        "response_max_minutes = 480\nresolution_minutes = 480",
        "[tiers.business.priorities.urgent]\nresponse_expected_minutes = 120\n"
        "response_max_minutes = 240\nresolution_minutes = 480")
    tariff = load_tariff(text)
    urgent = tariff.tier("business").targets("urgent")
    assert urgent.response == ResponseTarget(expected_minutes=120, max_minutes=240)
    assert urgent.minutes("response", "max") == 240
    assert load_tariff(tariff_to_toml(tariff)) == tariff


def test_a_tariff_without_priorities_takes_the_defaults():
    """Tariffs stored before priorities existed keep working: §4 response targets, the
    default resolution targets."""
    text = tariff_to_toml(default_tariff())
    head, _, _ = text.partition("[tiers.free.priorities")
    rest = text[len(head):]
    kept = [block for block in rest.split("\n\n") if ".priorities" not in block]
    tariff = load_tariff(head + "\n\n".join(kept))
    for terms in tariff.tiers:
        for priority in Priority:
            assert terms.targets(priority).resolution_minutes == \
                DEFAULT_RESOLUTION_MINUTES[terms.tier.value][priority.value]


@pytest.mark.parametrize(("fields", "message"), [
    ("resolution_minutes = 100", "tiers.business.priorities.urgent.resolution_minutes: "
                                 "must not be less than response_max_minutes"),
    ("response_expected_minutes = 300\nresponse_max_minutes = 200",
     "tiers.business.priorities.urgent.response_max_minutes: must not be less than"),
    ("resolution_minutes = 0", "must be at least 1"),
    ("resolution = 480", "tiers.business.priorities.urgent.resolution: unknown field"),
])
def test_bad_priority_targets_name_the_field(fields, message):
    text = tariff_to_toml(default_tariff()).replace(
        "[tiers.business.priorities.urgent]\nresponse_expected_minutes = 480\n"
        "response_max_minutes = 480\nresolution_minutes = 480",
        "[tiers.business.priorities.urgent]\n" + fields)
    with pytest.raises(TariffError, match=message.replace(".", r"\.")):
        load_tariff(text)


def test_service_targets_refuse_a_resolution_before_the_response():
    with pytest.raises(ValueError, match="resolution_minutes"):
        ServiceTargets(response=ResponseTarget(480, 960), resolution_minutes=900)
    with pytest.raises(ValueError):
        Priority("critical")
