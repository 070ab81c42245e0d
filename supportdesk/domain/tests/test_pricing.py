"""Pricing (§3-§9): worked examples, the out-of-hours split, and invariants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supportdesk.domain.pricing import (
    ExpenseKind,
    LineKind,
    PricedLine,
    WorkItem,
    price_expense,
    price_flat_fee,
    price_travel_distance,
    price_work,
    statement_totals,
)
from supportdesk.domain.tariff import (
    DEFAULT_TARIFF_PATH,
    Channel,
    Tier,
    WorkKind,
    default_tariff,
    load_tariff,
)
from supportdesk.domain.tests.conftest import at

D = Decimal


def lines_of(priced):
    """(kind, minutes, drawn, amount, out-of-hours) per line, for compact assertions."""
    return [(line.kind.value, line.minutes, line.drawn_minutes, str(line.amount),
             line.is_out_of_hours) for line in priced.lines]


def price(calendar, tariff, tier, channel, start, minutes, **kwargs):
    item_keys = {"kind", "is_emergency", "is_out_of_town"}
    item = WorkItem(channel=channel, started_at=at(start), minutes=minutes,
                    **{k: v for k, v in kwargs.items() if k in item_keys})
    return price_work(item, tariff=tariff, tier=tier, calendar=calendar,
                      **{k: v for k, v in kwargs.items() if k not in item_keys})


# --------------------------------------------------------------------------- worked examples


def test_basic_remote_90_minutes_with_one_hour_allowance_left(calendar, tariff):
    # §4: Basic has 4 h/year remote included; 1 h is left, the job takes 90 minutes.
    priced = price(calendar, tariff, Tier.BASIC, Channel.REMOTE, "2026-11-24 11:00", 90,
                   allowance_left_minutes=60)
    assert lines_of(priced) == [("allowance", 60, 60, "0.00", False),
                                ("billed", 30, 0, "25.00", False)]
    assert (priced.allowance_drawn_minutes, priced.billed_minutes) == (60, 30)
    assert priced.net_amount == D("25.00")
    totals = statement_totals(priced.lines)
    assert (totals.net, totals.vat, totals.gross) == (D("25.00"), D("6.00"), D("31.00"))


def test_free_customer_with_half_an_hour_in_the_bank_takes_a_one_hour_call(calendar, tariff):
    priced = price(calendar, tariff, Tier.FREE, Channel.PHONE, "2026-11-24 11:00", 60,
                   bank_left_minutes=30)
    assert lines_of(priced) == [("bank", 30, 30, "0.00", False),
                                ("billed", 30, 0, "25.00", False)]
    assert priced.bank_drawn_minutes == 30
    assert priced.net_amount == D("25.00")


def test_out_of_hours_emergency_on_site_visit_out_of_town(calendar, tariff):
    # §7 + §9: Basic, on site (45 €/h), Tuesday 19:00-21:00, accepted emergency, out of
    # town; travel 120 km, parking and lodging at cost, VAT 24% on everything (§5).
    priced = price(calendar, tariff, Tier.BASIC, Channel.ONSITE, "2026-11-24 19:00", 120,
                   is_emergency=True, is_out_of_town=True)
    assert lines_of(priced) == [("billed", 120, 0, "90.00", True),
                                ("surcharge", 120, 0, "18.00", True),
                                ("out_of_base", 0, 0, "30.00", False)]
    assert priced.out_of_hours_minutes == 120
    day = date(2026, 11, 24)
    expenses = [price_travel_distance(D("120"), tariff=tariff, on=day),
                price_expense(ExpenseKind.PARKING, D("4.50"), tariff=tariff, on=day),
                price_expense(ExpenseKind.LODGING, D("65.00"), tariff=tariff, on=day)]
    assert [(e.kind, e.amount) for e in expenses] == [
        (LineKind.TRAVEL, D("48.00")), (LineKind.PARKING, D("4.50")),
        (LineKind.LODGING, D("65.00"))]
    totals = statement_totals([*priced.lines, *expenses])
    assert totals.net == D("255.50")
    assert totals.vat == D("61.32")
    assert totals.gross == D("316.82")


@pytest.mark.parametrize(
    ("emergency", "expected"),
    [
        # Straddling 18:00: the hour after closing is out of hours.
        (True, [("billed", 60, 0, "25.00", False), ("billed", 60, 0, "25.00", True),
                ("surcharge", 60, 0, "5.00", True)]),
        # Not an accepted emergency (§7): overrunning closing time is not surcharged.
        (False, [("billed", 120, 0, "50.00", False)]),
    ],
)
def test_entry_straddling_closing_time_splits(calendar, tariff, emergency, expected):
    priced = price(calendar, tariff, Tier.BUSINESS, Channel.ONSITE, "2026-11-24 17:00", 120,
                   is_emergency=emergency)
    assert lines_of(priced) == expected
    assert priced.out_of_hours_minutes == 60


def test_surcharge_on_all_out_of_hours_work_when_the_tariff_says_so(calendar):
    tariff = load_tariff(DEFAULT_TARIFF_PATH.read_text().replace(
        "emergency_only = true", "emergency_only = false"))
    priced = price(calendar, tariff, Tier.BUSINESS, Channel.ONSITE, "2026-11-24 17:00", 120)
    assert [line.kind for line in priced.lines] == [LineKind.BILLED, LineKind.BILLED,
                                                   LineKind.SURCHARGE]


@pytest.mark.parametrize(
    ("left", "expected", "drawn"),
    [
        # §7: out of hours, 1.2 x the duration is drawn from the included hours.
        (480, [("allowance", 60, 72, "0.00", True)], 72),
        # 60 left: covers 50 minutes (drawing 60), the other 40 are billed +20%.
        (60, [("allowance", 50, 60, "0.00", True), ("billed", 10, 0, "8.33", True),
              ("surcharge", 10, 0, "1.67", True)], 60),
        # 1 minute left is not enough for one out-of-hours minute (1.2): nothing drawn.
        (1, [("billed", 60, 0, "50.00", True), ("surcharge", 60, 0, "10.00", True)], 0),
    ],
)
def test_out_of_hours_allowance_draws_one_point_two(calendar, tariff, left, expected, drawn):
    priced = price(calendar, tariff, Tier.BUSINESS, Channel.REMOTE, "2026-11-24 20:00", 60,
                   is_emergency=True, allowance_left_minutes=left)
    assert lines_of(priced) == expected
    assert priced.allowance_drawn_minutes == drawn


def test_free_bank_out_of_hours_draws_one_point_two(calendar, tariff):
    priced = price(calendar, tariff, Tier.FREE, Channel.REMOTE, "2026-11-28 11:00", 60,
                   is_emergency=True, bank_left_minutes=60)  # a Saturday
    assert lines_of(priced) == [("bank", 50, 60, "0.00", True),
                                ("billed", 10, 0, "8.33", True),
                                ("surcharge", 10, 0, "1.67", True)]


def test_included_channel_stays_free_out_of_hours(calendar, tariff):
    priced = price(calendar, tariff, Tier.BUSINESS, Channel.PHONE, "2026-11-24 17:30", 60,
                   is_emergency=True)
    assert lines_of(priced) == [("included", 30, 0, "0.00", False),
                                ("included", 30, 0, "0.00", True)]
    assert priced.net_amount == D("0.00")


@pytest.mark.parametrize(
    ("tier", "channel", "minutes", "amount"),
    [
        (Tier.FREE, Channel.PHONE, 60, "50.00"),
        (Tier.FREE, Channel.REMOTE, 60, "50.00"),
        (Tier.FREE, Channel.OFFICE, 60, "50.00"),
        (Tier.FREE, Channel.ONSITE, 60, "50.00"),
        (Tier.BASIC, Channel.PHONE, 60, "0.00"),
        (Tier.BASIC, Channel.REMOTE, 60, "50.00"),  # no allowance left
        (Tier.BASIC, Channel.OFFICE, 60, "25.00"),
        (Tier.BASIC, Channel.ONSITE, 60, "45.00"),
        (Tier.BUSINESS, Channel.PHONE, 60, "0.00"),
        (Tier.BUSINESS, Channel.REMOTE, 60, "50.00"),
        (Tier.BUSINESS, Channel.OFFICE, 60, "0.00"),
        (Tier.BUSINESS, Channel.ONSITE, 60, "25.00"),
        (Tier.BASIC, Channel.OFFICE, 1, "0.42"),  # 0.41666.. rounds half-up per line
        (Tier.BASIC, Channel.ONSITE, 1, "0.75"),
        (Tier.BASIC, Channel.OFFICE, 7, "2.92"),
    ],
)
def test_every_cell_priced_in_hours_with_nothing_left(calendar, tariff, tier, channel, minutes,
                                                      amount):
    priced = price(calendar, tariff, tier, channel, "2026-11-24 11:00", minutes)
    assert priced.net_amount == D(amount)


def test_training_is_priced_like_support(calendar, tariff):
    support = price(calendar, tariff, Tier.BASIC, Channel.ONSITE, "2026-11-24 11:00", 90)
    training = price(calendar, tariff, Tier.BASIC, Channel.ONSITE, "2026-11-24 11:00", 90,
                     kind=WorkKind.TRAINING)
    assert training.lines == support.lines


def test_billing_unit_rounds_each_entry_up(calendar):
    tariff = load_tariff(DEFAULT_TARIFF_PATH.read_text().replace(
        "billing_unit_minutes = 1", "billing_unit_minutes = 15"))
    priced = price(calendar, tariff, Tier.BASIC, Channel.OFFICE, "2026-11-24 11:00", 50)
    assert (priced.minutes, priced.rounded_minutes, priced.billed_minutes) == (50, 60, 60)
    assert priced.net_amount == D("25.00")
    # The rounding belongs to the entry's last part (here: out of hours).
    late = price(calendar, tariff, Tier.BASIC, Channel.OFFICE, "2026-11-24 17:50", 20,
                 is_emergency=True)
    assert lines_of(late) == [("billed", 10, 0, "4.17", False),
                              ("billed", 20, 0, "8.33", True),
                              ("surcharge", 20, 0, "1.67", True)]


def test_entry_over_the_dst_night_counts_absolute_minutes(calendar, tariff):
    item = WorkItem(channel=Channel.REMOTE, started_at=at("2026-03-29 02:30"), minutes=60)
    assert item.ended_at == at("2026-03-29 04:30")  # 03:00 -> 04:00 jump
    timer = WorkItem.between(Channel.PHONE, at("2026-11-24 11:00"),
                             at("2026-11-24 11:10") + timedelta(seconds=1))
    assert timer.minutes == 11  # a started minute is a worked minute


def test_vat_per_statement_and_rate():
    lines = [(D("0.10"), D("0.24"))] * 3 + [(D("10.00"), D("0.13"))]
    totals = statement_totals(lines)
    # 0.30 x 0.24 = 0.072 -> 0.07 once per statement (not 3 x 0.02 = 0.06 or 3 x 0.03).
    assert totals.vat_by_rate == {D("0.24"): D("0.07"), D("0.13"): D("1.30")}
    assert (totals.net, totals.vat, totals.gross) == (D("10.30"), D("1.37"), D("11.67"))


@pytest.mark.parametrize(
    "build",
    [
        lambda: WorkItem(channel=Channel.PHONE, started_at=datetime(2026, 11, 24, 11),
                         minutes=10),
        lambda: WorkItem(channel=Channel.PHONE, started_at=at("2026-11-24 11:00"), minutes=0),
        lambda: WorkItem(channel=Channel.PHONE, started_at=at("2026-11-24 11:00"),
                         minutes=1.5),
        lambda: WorkItem(channel="fax", started_at=at("2026-11-24 11:00"), minutes=10),
    ],
)
def test_bad_work_items_are_refused(build):
    with pytest.raises(ValueError):
        build()


def test_bad_amounts_are_refused(calendar, tariff):
    with pytest.raises(ValueError):
        price_expense(ExpenseKind.PARKING, D("-1"), tariff=tariff, on=date(2026, 1, 1))
    with pytest.raises(ValueError):
        price_expense("taxi", D("1"), tariff=tariff, on=date(2026, 1, 1))
    with pytest.raises(ValueError, match="allowance_left_minutes"):
        price(calendar, tariff, Tier.BASIC, Channel.REMOTE, "2026-11-24 11:00", 10,
              allowance_left_minutes=-5)
    with pytest.raises(TypeError):
        statement_totals([(0.1, D("0.24"))])


# --------------------------------------------------------------------------- properties

UNIT_TARIFFS = {
    1: default_tariff(),
    15: load_tariff(DEFAULT_TARIFF_PATH.read_text().replace(
        "billing_unit_minutes = 1", "billing_unit_minutes = 15")),
}
START = datetime(2020, 1, 1, tzinfo=UTC)


@settings(max_examples=300)
@given(
    tier=st.sampled_from(list(Tier)),
    channel=st.sampled_from(list(Channel)),
    start_minute=st.integers(0, 16 * 365 * 24 * 60),
    minutes=st.integers(1, 900),
    emergency=st.booleans(),
    out_of_town=st.booleans(),
    allowance_left=st.integers(0, 600),
    bank_left=st.integers(0, 600),
    unit=st.sampled_from(sorted(UNIT_TARIFFS)),
)
def test_pricing_invariants(calendar, tier, channel, start_minute, minutes, emergency,
                            out_of_town, allowance_left, bank_left, unit):
    tariff = UNIT_TARIFFS[unit]
    item = WorkItem(channel=channel, started_at=START + timedelta(minutes=start_minute),
                    minutes=minutes, is_emergency=emergency, is_out_of_town=out_of_town)
    priced = price_work(item, tariff=tariff, tier=tier, calendar=calendar,
                        allowance_left_minutes=allowance_left, bank_left_minutes=bank_left)
    for line in priced.lines:
        assert isinstance(line.amount, Decimal)
        assert line.amount.as_tuple().exponent == -2
        assert line.amount >= 0
    assert priced.rounded_minutes % unit == 0
    assert minutes <= priced.rounded_minutes < minutes + unit
    assert (priced.included_minutes + priced.covered_minutes + priced.billed_minutes
            == priced.rounded_minutes)
    assert priced.allowance_drawn_minutes <= allowance_left
    assert priced.bank_drawn_minutes <= bank_left
    drawn = priced.allowance_drawn_minutes + priced.bank_drawn_minutes
    assert priced.covered_minutes <= drawn <= -(-priced.covered_minutes * 6 // 5)
    assert priced.net_amount == sum((line.amount for line in priced.lines), D("0.00"))
    assert priced.out_of_hours_minutes == calendar.out_of_hours_minutes(
        item.started_at, item.ended_at)
    surcharged = [line for line in priced.lines if line.kind == LineKind.SURCHARGE]
    if surcharged:
        assert emergency
    lines = [line for line in priced.lines if isinstance(line, PricedLine)]
    assert statement_totals(lines).net == priced.net_amount


@pytest.mark.parametrize(
    ("day", "expected_minutes"),
    [
        # docs/security.md #36: 02:30-04:30 local is one hour on the last Sunday of March
        # (clocks jump 03:00 -> 04:00) and three on the last Sunday of October.
        (date(2026, 3, 29), 60),
        (date(2026, 10, 25), 180),
        (date(2026, 6, 14), 120),
    ],
)
def test_work_item_between_measures_real_time_across_dst(day, expected_minutes):
    athens = ZoneInfo("Europe/Athens")
    start = datetime(day.year, day.month, day.day, 2, 30, tzinfo=athens)
    end = datetime(day.year, day.month, day.day, 4, 30, tzinfo=athens)
    item = WorkItem.between(Channel.PHONE, start, end)
    assert item.minutes == expected_minutes


def test_flat_fee_replaces_the_time_charge_and_draws_no_hours(tariff, calendar):
    # §3: a job priced by its kind, e.g. an installation for 80 €, on a Tuesday morning
    item = WorkItem(channel=Channel.ONSITE, started_at=at("2026-11-24 11:00"), minutes=150)
    priced = price_flat_fee(item, Decimal("80"), tariff=tariff, calendar=calendar)
    assert [(line.kind, line.amount) for line in priced.lines] == [
        (LineKind.FLAT_FEE, Decimal("80.00"))]
    assert priced.net_amount == Decimal("80.00")
    assert priced.allowance_drawn_minutes == priced.bank_drawn_minutes == 0


def test_flat_fee_of_an_accepted_out_of_hours_emergency_carries_the_surcharge(tariff, calendar):
    # §7: Saturday 11:00, accepted emergency: +20% of the fee
    item = WorkItem(channel=Channel.REMOTE, started_at=at("2026-11-28 11:00"), minutes=60,
                    is_emergency=True)
    priced = price_flat_fee(item, Decimal("100.00"), tariff=tariff, calendar=calendar)
    assert [(line.kind, line.amount) for line in priced.lines] == [
        (LineKind.FLAT_FEE, Decimal("100.00")), (LineKind.SURCHARGE, Decimal("20.00"))]
    assert priced.out_of_hours_minutes == 60


def test_flat_fee_out_of_hours_without_an_accepted_emergency_is_not_surcharged(tariff, calendar):
    item = WorkItem(channel=Channel.REMOTE, started_at=at("2026-11-28 11:00"), minutes=60)
    priced = price_flat_fee(item, Decimal("100.00"), tariff=tariff, calendar=calendar)
    assert priced.net_amount == Decimal("100.00")


@pytest.mark.parametrize("fee", [Decimal("-1"), Decimal("NaN"), 10.0])
def test_flat_fee_must_be_a_non_negative_decimal(tariff, calendar, fee):
    item = WorkItem(channel=Channel.PHONE, started_at=at("2026-11-24 11:00"), minutes=10)
    with pytest.raises((ValueError, TypeError)):
        price_flat_fee(item, fee, tariff=tariff, calendar=calendar)
