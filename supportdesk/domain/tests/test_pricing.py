"""Pricing (§3-§9): worked examples, the out-of-hours split, and invariants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supportdesk.domain.money import quantize_money
from supportdesk.domain.pricing import (
    ExpenseKind,
    LineKind,
    PricedLine,
    WorkItem,
    expense_default_amount,
    out_of_town_proposal,
    price_expense,
    price_flat_fee,
    price_travel_distance,
    price_work,
    round_trip_km,
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


@pytest.mark.parametrize(
    ("start", "minutes", "left", "expected", "drawn", "per_part"),
    [
        # 09:59-18:01 across 18:00: 1 + 1 out-of-hours minutes; 1.2 x 2 = 2.4 -> 3 once
        # (rounded per part it was 2 + 2 = 4).
        ("2026-11-24 09:59", 482, 10_000,
         [("allowance", 2, 3, "0.00", True), ("allowance", 480, 480, "0.00", False)], 483, 484),
        # 09:58-18:02: 2 + 2 -> 4.8 -> 5 (per part 3 + 3 = 6).
        ("2026-11-24 09:58", 484, 10_000,
         [("allowance", 4, 5, "0.00", True), ("allowance", 480, 480, "0.00", False)], 485, 486),
        # 09:55-18:05: 5 + 5 -> 12 either way (6 + 6).
        ("2026-11-24 09:55", 490, 10_000,
         [("allowance", 10, 12, "0.00", True), ("allowance", 480, 480, "0.00", False)], 492,
         492),
        # One part after 18:00 (17:53-18:07): 7 -> 8.4 -> 9, as before.
        ("2026-11-24 17:53", 14, 10_000,
         [("allowance", 7, 7, "0.00", False), ("allowance", 7, 9, "0.00", True)], 16, 16),
        # Just enough left for the exact draw (1.2 + 480 + 1.2 = 482.4): 483 covers all.
        ("2026-11-24 09:59", 482, 483,
         [("allowance", 2, 3, "0.00", True), ("allowance", 480, 480, "0.00", False)], 483, None),
        # 482 left: the last minute (1.2) no longer fits; it is billed +20%, 482 drawn.
        ("2026-11-24 09:59", 482, 482,
         [("allowance", 1, 2, "0.00", True), ("allowance", 480, 480, "0.00", False),
          ("billed", 1, 0, "0.83", True), ("surcharge", 1, 0, "0.17", True)], 482, None),
    ],
)
def test_the_one_point_two_draw_is_rounded_once_per_entry(calendar, tariff, start, minutes,
                                                          left, expected, drawn, per_part):
    # §7 / docs/rules.md "Out of hours": the draw of an entry's out-of-hours minutes is
    # rounded up once, on their sum, not once per out-of-hours part (issue 9).
    priced = price(calendar, tariff, Tier.BUSINESS, Channel.REMOTE, start, minutes,
                   is_emergency=True, allowance_left_minutes=left)
    assert lines_of(priced) == expected
    assert priced.allowance_drawn_minutes == drawn <= left
    assert per_part is None or per_part >= drawn


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


# --------------------------------------------------------------------------- expenses (§5, §9)

_VAT_2027 = DEFAULT_TARIFF_PATH.read_text().replace(
    '[[vat]]\neffective_from = "2016-06-01"\nrate = "0.24"\n',
    '[[vat]]\neffective_from = "2016-06-01"\nrate = "0.24"\n\n'
    '[[vat]]\neffective_from = "2027-01-01"\nrate = "0.25"\n')


def test_the_out_of_base_fee_is_an_expense_kind():
    assert [k.value for k in ExpenseKind] == ["travel", "parking", "lodging", "out_of_base"]
    assert [k.value for k in ExpenseKind if k.is_at_cost] == ["travel", "parking", "lodging"]
    assert LineKind(ExpenseKind.OUT_OF_BASE.value) is LineKind.OUT_OF_BASE


@pytest.mark.parametrize(
    ("amount", "expected"),
    [(None, "30.00"),  # none recorded: the tariff's fee
     (D("30.00"), "30.00"), (D("45"), "45.00"), (D("0.00"), "0.00"), (D("12.345"), "12.35")],
)
def test_the_out_of_base_fee_is_priced_at_the_recorded_amount_or_the_tariffs(tariff, amount,
                                                                              expected):
    line = price_expense(ExpenseKind.OUT_OF_BASE, amount, tariff=tariff, on=date(2026, 11, 24))
    assert (line.kind, line.amount, line.vat_rate) == (LineKind.OUT_OF_BASE, D(expected),
                                                       D("0.24"))
    assert price_expense("out_of_base", tariff=tariff, on=date(2026, 11, 24)) == price_expense(
        ExpenseKind.OUT_OF_BASE, D("30.00"), tariff=tariff, on=date(2026, 11, 24))


def test_expenses_take_the_vat_in_force_on_their_day():
    tariff = load_tariff(_VAT_2027)
    for kind in ExpenseKind:
        assert price_expense(kind, D("10"), tariff=tariff, on=date(2026, 12, 31)).vat_rate == (
            D("0.24"))
        assert price_expense(kind, D("10"), tariff=tariff, on=date(2027, 1, 1)).vat_rate == (
            D("0.25"))


def test_only_the_out_of_base_fee_has_a_default_amount(tariff):
    assert expense_default_amount(ExpenseKind.OUT_OF_BASE, tariff=tariff) == D("30.00")
    for kind in ("travel", "parking", "lodging"):
        assert expense_default_amount(kind, tariff=tariff) is None
        with pytest.raises(ValueError, match="needs its amount"):
            price_expense(kind, tariff=tariff, on=date(2026, 11, 24))
    with pytest.raises(ValueError):
        expense_default_amount("taxi", tariff=tariff)


@given(st.sampled_from(list(ExpenseKind)),
       st.decimals(min_value=D("0"), max_value=D("100000"), places=3), st.dates())
def test_every_expense_is_its_amount_in_cents_with_the_days_vat(kind, amount, day):
    tariff = default_tariff()
    if day < date(2016, 6, 1):
        return  # no VAT rate in force before the tariff's first one
    line = price_expense(kind, amount, tariff=tariff, on=day)
    assert line.kind.value == kind.value
    assert line.amount == quantize_money(amount)
    assert line.vat_rate == tariff.vat_rate_on(day)
    assert (line.minutes, line.quantity, line.unit_price) == (0, None, None)


@pytest.mark.parametrize(("one_way", "there_and_back"),
                         [(120, D("240")), (0, D("0")), (D("12.5"), D("25.0"))])
def test_travel_out_of_town_is_the_round_trip(one_way, there_and_back):
    assert round_trip_km(one_way) == there_and_back


@pytest.mark.parametrize("bad", [-1, D("-0.5"), True, 1.5, "120"])
def test_a_distance_is_a_non_negative_number(bad):
    with pytest.raises(ValueError, match="distance"):
        round_trip_km(bad)


def test_an_out_of_town_visit_proposes_the_round_trip_the_fee_and_lodging_at_cost(tariff):
    # 120 km away: 2 x 120 km at 0,40 EUR/km; the out-of-base fee; lodging (for one person) is
    # the receipt, so nothing is proposed for it
    proposal = out_of_town_proposal(120, tariff=tariff, on=date(2026, 11, 24))
    assert (proposal.distance_km, proposal.round_trip_km, proposal.travel_rate_per_km,
            proposal.travel, proposal.out_of_base_fee, proposal.is_lodging_at_cost) == (
        120, D("240"), D("0.40"), D("96.00"), D("30.00"), True)
    assert proposal.travel == price_travel_distance(D("240"), tariff=tariff,
                                                    on=date(2026, 11, 24)).amount
