"""§10 out-of-scope work: held without an agreement, billed by the hour or a fixed amount."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supportdesk.domain.pricing import (
    OUT_OF_SCOPE_HELD,
    Agreement,
    AgreementKind,
    LineKind,
    PricedWork,
    WorkItem,
    price_agreement,
    price_out_of_scope,
    price_work,
    statement_totals,
)
from supportdesk.domain.tariff import (
    DEFAULT_TARIFF_PATH,
    Channel,
    Tier,
    default_tariff,
    load_tariff,
)
from supportdesk.domain.tests.conftest import at

D = Decimal

UNIT_15 = load_tariff(DEFAULT_TARIFF_PATH.read_text().replace(
    "billing_unit_minutes = 1", "billing_unit_minutes = 15"))
ALL_OUT_OF_HOURS = load_tariff(DEFAULT_TARIFF_PATH.read_text().replace(
    "emergency_only = true", "emergency_only = false"))
VAT_2027 = load_tariff(DEFAULT_TARIFF_PATH.read_text().replace(
    '[[vat]]\neffective_from = "2016-06-01"\nrate = "0.24"\n',
    '[[vat]]\neffective_from = "2016-06-01"\nrate = "0.24"\n\n'
    '[[vat]]\neffective_from = "2027-01-01"\nrate = "0.25"\n'))


def lines_of(priced):
    """(kind, minutes, drawn, amount, out-of-hours) per line, for compact assertions."""
    return [(line.kind.value, line.minutes, line.drawn_minutes, str(line.amount),
             line.is_out_of_hours) for line in priced.lines]


def item(channel, start, minutes, **kwargs):
    return WorkItem(channel=channel, started_at=at(start), minutes=minutes, **kwargs)


def drawn(priced):
    return priced.allowance_drawn_minutes + priced.bank_drawn_minutes


def test_the_tariffs_basic_phone_is_included_and_office_billed(tariff):
    # The channels below are chosen for this: an included one and a billed one.
    assert tariff.tier(Tier.BASIC).channel(Channel.PHONE).is_included
    assert tariff.tier(Tier.BASIC).channel(Channel.OFFICE).rate_per_hour == D("25.00")


# --------------------------------------------------------------------------- held


@pytest.mark.parametrize("channel", [Channel.PHONE, Channel.OFFICE, Channel.REMOTE])
def test_without_an_agreement_the_work_is_held_not_billed(calendar, tariff, channel):
    priced = price_out_of_scope(item(channel, "2026-11-24 11:00", 90), agreement=None,
                                tariff=tariff, calendar=calendar)
    assert lines_of(priced) == [("held", 90, 0, "0.00", False)]
    assert (priced.held_minutes, priced.agreed_minutes, priced.billed_minutes,
            priced.included_minutes, priced.covered_minutes) == (90, 0, 0, 0, 0)
    assert drawn(priced) == 0
    assert priced.net_amount == D("0.00")
    assert priced.lines[0].vat_rate == D("0.24")


def test_held_minutes_are_rounded_up_to_the_billing_unit(calendar):
    priced = price_out_of_scope(item(Channel.OFFICE, "2026-11-24 11:00", 50), agreement=None,
                                tariff=UNIT_15, calendar=calendar)
    assert (priced.minutes, priced.rounded_minutes, priced.held_minutes) == (50, 60, 60)
    assert lines_of(priced) == [("held", 60, 0, "0.00", False)]


def test_the_held_message_names_the_rule():
    assert OUT_OF_SCOPE_HELD.startswith("§10:")
    assert "held, not billed" in OUT_OF_SCOPE_HELD


# --------------------------------------------------------------------------- hourly


def test_hourly_on_an_included_channel_bills_every_minute_at_the_agreed_rate(calendar, tariff):
    # Basic's phone is included, but out-of-scope work is never priced as "included" (§10).
    priced = price_out_of_scope(item(Channel.PHONE, "2026-11-24 11:00", 90),
                                agreement=Agreement.hourly(D("40.00")), tariff=tariff,
                                calendar=calendar)
    assert lines_of(priced) == [("billed", 90, 0, "60.00", False)]
    assert priced.lines[0].rate_per_hour == D("40.00")
    assert (priced.billed_minutes, priced.included_minutes) == (90, 0)
    assert priced.net_amount == D("60.00")


def test_hourly_on_a_billed_channel_takes_the_agreed_rate_not_the_channels(calendar, tariff):
    priced = price_out_of_scope(item(Channel.OFFICE, "2026-11-24 11:00", 60),
                                agreement=Agreement.hourly(D("50.00")), tariff=tariff,
                                calendar=calendar)
    assert lines_of(priced) == [("billed", 60, 0, "50.00", False)]  # not office's 25.00


@pytest.mark.parametrize("channel", list(Channel))
def test_hourly_never_draws_included_or_prepaid_hours(calendar, tariff, channel):
    # Basic remote has included hours, Free's work draws its bank: neither is touched.
    priced = price_out_of_scope(item(channel, "2026-11-24 11:00", 45),
                                agreement=Agreement.hourly(D("50.00")), tariff=tariff,
                                calendar=calendar)
    assert drawn(priced) == 0
    assert priced.covered_minutes == 0
    assert {line.kind for line in priced.lines} == {LineKind.BILLED}


@pytest.mark.parametrize(
    ("minutes", "rate", "unit", "expected_minutes", "amount"),
    [
        (7, "25.00", 1, 7, "2.92"),     # 2.9166.. half-up per line
        (1, "45.00", 1, 1, "0.75"),
        (50, "60.00", 15, 60, "60.00"),  # rounded up to the 15-minute unit
        (61, "50.00", 15, 75, "62.50"),
    ],
)
def test_hourly_rounds_the_entry_and_the_amount(calendar, tariff, minutes, rate, unit,
                                                expected_minutes, amount):
    priced = price_out_of_scope(item(Channel.OFFICE, "2026-11-24 11:00", minutes),
                                agreement=Agreement.hourly(D(rate)),
                                tariff=UNIT_15 if unit == 15 else tariff, calendar=calendar)
    assert lines_of(priced) == [("billed", expected_minutes, 0, amount, False)]
    assert priced.billed_minutes == priced.rounded_minutes == expected_minutes


def test_hourly_accepted_emergency_out_of_hours_carries_the_surcharge(calendar, tariff):
    # §7: 17:00-19:00 on a Tuesday, accepted emergency, at 60 EUR/h: the hour after 18:00
    # is billed +20%.
    priced = price_out_of_scope(item(Channel.REMOTE, "2026-11-24 17:00", 120, is_emergency=True),
                                agreement=Agreement.hourly(D("60.00")), tariff=tariff,
                                calendar=calendar)
    assert lines_of(priced) == [("billed", 60, 0, "60.00", False),
                                ("billed", 60, 0, "60.00", True),
                                ("surcharge", 60, 0, "12.00", True)]
    assert priced.out_of_hours_minutes == 60
    assert priced.net_amount == D("132.00")
    totals = statement_totals(priced.lines)
    assert (totals.net, totals.vat, totals.gross) == (D("132.00"), D("31.68"), D("163.68"))


def test_hourly_rounding_belongs_to_the_last_part_and_is_surcharged(calendar):
    priced = price_out_of_scope(item(Channel.PHONE, "2026-11-24 17:50", 20, is_emergency=True),
                                agreement=Agreement.hourly(D("25.00")), tariff=UNIT_15,
                                calendar=calendar)
    assert lines_of(priced) == [("billed", 10, 0, "4.17", False),
                                ("billed", 20, 0, "8.33", True),
                                ("surcharge", 20, 0, "1.67", True)]


def test_hourly_out_of_hours_without_an_accepted_emergency_is_not_surcharged(calendar, tariff):
    saturday = item(Channel.PHONE, "2026-11-28 11:00", 60)
    priced = price_out_of_scope(saturday, agreement=Agreement.hourly(D("50.00")), tariff=tariff,
                                calendar=calendar)
    assert lines_of(priced) == [("billed", 60, 0, "50.00", False)]
    assert priced.out_of_hours_minutes == 60
    # ... unless the tariff surcharges all out-of-hours work, as price_work does.
    all_work = price_out_of_scope(saturday, agreement=Agreement.hourly(D("50.00")),
                                  tariff=ALL_OUT_OF_HOURS, calendar=calendar)
    assert lines_of(all_work) == [("billed", 60, 0, "50.00", True),
                                  ("surcharge", 60, 0, "10.00", True)]


# --------------------------------------------------------------------------- fixed


@pytest.mark.parametrize(
    ("channel", "start", "minutes", "emergency"),
    [
        (Channel.PHONE, "2026-11-24 11:00", 1, False),
        (Channel.OFFICE, "2026-11-24 11:00", 600, False),
        (Channel.REMOTE, "2026-11-28 11:00", 90, True),   # Saturday, accepted emergency
        (Channel.ONSITE, "2026-11-24 17:00", 120, True),  # straddles 18:00
    ],
)
def test_fixed_gives_one_zero_line_whatever_the_minutes(calendar, tariff, channel, start,
                                                       minutes, emergency):
    priced = price_out_of_scope(item(channel, start, minutes, is_emergency=emergency),
                                agreement=Agreement.fixed(D("150.00")), tariff=tariff,
                                calendar=calendar)
    assert lines_of(priced) == [("agreed", minutes, 0, "0.00", False)]  # no surcharge
    assert (priced.agreed_minutes, priced.billed_minutes, priced.held_minutes) == (minutes, 0, 0)
    assert drawn(priced) == 0
    assert priced.net_amount == D("0.00")


def test_fixed_minutes_are_rounded_up_to_the_billing_unit(calendar):
    priced = price_out_of_scope(item(Channel.OFFICE, "2026-11-24 11:00", 1),
                                agreement=Agreement.fixed(D("80")), tariff=UNIT_15,
                                calendar=calendar)
    assert lines_of(priced) == [("agreed", 15, 0, "0.00", False)]


def test_the_agreed_amount_is_one_line_with_the_vat_of_its_day():
    agreement = Agreement.fixed(D("150"))
    before = price_agreement(agreement, tariff=VAT_2027, on=date(2026, 12, 31))
    after = price_agreement(agreement, tariff=VAT_2027, on=date(2027, 1, 1))
    assert (before.kind, before.amount, before.vat_rate, before.minutes) == (
        LineKind.AGREEMENT, D("150.00"), D("0.24"), 0)
    assert (after.amount, after.vat_rate) == (D("150.00"), D("0.25"))
    assert statement_totals([after]).gross == D("187.50")


def test_an_hourly_agreement_has_no_amount_line(tariff):
    with pytest.raises(ValueError, match="fixed-amount"):
        price_agreement(Agreement.hourly(D("50")), tariff=tariff, on=date(2026, 11, 24))


def test_work_lines_take_the_vat_of_the_works_local_date(calendar):
    # 22:30 UTC on 31 December is 00:30 on 1 January in Athens: the new rate.
    for start, rate in (("2026-12-31T21:30+00:00", "0.24"), ("2026-12-31T22:30+00:00", "0.25")):
        work = WorkItem(channel=Channel.PHONE, started_at=datetime.fromisoformat(start),
                        minutes=30)
        for agreement in (None, Agreement.fixed(D("10")), Agreement.hourly(D("50"))):
            priced = price_out_of_scope(work, agreement=agreement, tariff=VAT_2027,
                                        calendar=calendar)
            assert {line.vat_rate for line in priced.lines} == {D(rate)}


# --------------------------------------------------------------------------- §9 out of town


@pytest.mark.parametrize("agreement", [None, Agreement.fixed(D("100")), Agreement.hourly(D("45"))])
def test_an_out_of_town_visit_carries_the_out_of_base_fee_as_price_work_does(calendar, tariff,
                                                                             agreement):
    visit = item(Channel.ONSITE, "2026-11-24 11:00", 60, is_out_of_town=True)
    priced = price_out_of_scope(visit, agreement=agreement, tariff=tariff, calendar=calendar)
    in_scope = price_work(visit, tariff=tariff, tier=Tier.BASIC, calendar=calendar)
    fees = [line for line in priced.lines if line.kind == LineKind.OUT_OF_BASE]
    assert fees == [line for line in in_scope.lines if line.kind == LineKind.OUT_OF_BASE]
    assert [line.amount for line in fees] == [D("30.00")]
    assert priced.lines[-1].kind == LineKind.OUT_OF_BASE
    # An out-of-town flag off site adds nothing, as under price_work.
    phone = item(Channel.PHONE, "2026-11-24 11:00", 60, is_out_of_town=True)
    assert LineKind.OUT_OF_BASE not in {
        line.kind for line in price_out_of_scope(phone, agreement=agreement, tariff=tariff,
                                                 calendar=calendar).lines}


# --------------------------------------------------------------------------- the agreement


def test_agreement_constructors():
    fixed = Agreement.fixed(D("12.345"))
    assert (fixed.kind, fixed.amount, fixed.rate_per_hour) == (AgreementKind.FIXED, D("12.35"),
                                                               None)
    assert Agreement.fixed(D("0")).amount == D("0.00")
    hourly = Agreement.hourly(D("50"))
    assert (hourly.kind, hourly.amount, hourly.rate_per_hour) == (AgreementKind.HOURLY, None,
                                                                  D("50"))
    assert Agreement("fixed", amount=D("10")) == Agreement.fixed(D("10.00"))
    assert [k.value for k in AgreementKind] == ["fixed", "hourly"]
    assert [k.value for k in (LineKind.HELD, LineKind.AGREED, LineKind.AGREEMENT)] == [
        "held", "agreed", "agreement"]


@pytest.mark.parametrize(
    "build",
    [
        lambda: Agreement.fixed(D("-1")),
        lambda: Agreement.fixed(D("NaN")),
        lambda: Agreement.fixed(D("Infinity")),
        lambda: Agreement.fixed(10.0),
        lambda: Agreement.fixed(None),
        lambda: Agreement.hourly(D("0")),
        lambda: Agreement.hourly(D("-50")),
        lambda: Agreement.hourly(D("Infinity")),
        lambda: Agreement.hourly(50.0),
        lambda: Agreement(AgreementKind.FIXED),
        lambda: Agreement(AgreementKind.HOURLY),
        lambda: Agreement(AgreementKind.FIXED, amount=D("10"), rate_per_hour=D("50")),
        lambda: Agreement(AgreementKind.HOURLY, amount=D("10"), rate_per_hour=D("50")),
        lambda: Agreement("monthly", amount=D("10")),
    ],
)
def test_bad_agreements_are_refused(build):
    with pytest.raises(ValueError, match="agreement"):
        build()


def test_price_out_of_scope_wants_an_agreement_or_none(calendar, tariff):
    with pytest.raises(ValueError, match="Agreement"):
        price_out_of_scope(item(Channel.PHONE, "2026-11-24 11:00", 10), agreement=D("100"),
                           tariff=tariff, calendar=calendar)


def test_existing_priced_work_has_no_held_or_agreed_minutes(calendar, tariff):
    priced = price_work(item(Channel.OFFICE, "2026-11-24 11:00", 30), tariff=tariff,
                        tier=Tier.BASIC, calendar=calendar)
    assert (priced.held_minutes, priced.agreed_minutes) == (0, 0)
    built = PricedWork(lines=(), minutes=1, rounded_minutes=1, out_of_hours_minutes=0,
                       included_minutes=1, covered_minutes=0, billed_minutes=0,
                       allowance_drawn_minutes=0, bank_drawn_minutes=0, net_amount=D("0.00"))
    assert (built.held_minutes, built.agreed_minutes) == (0, 0)


# --------------------------------------------------------------------------- properties

TARIFFS = {1: default_tariff(), 15: UNIT_15}
START = datetime(2020, 1, 1, tzinfo=UTC)
AGREEMENTS = st.one_of(
    st.none(),
    st.decimals(min_value=D("0"), max_value=D("100000"), places=2).map(Agreement.fixed),
    st.decimals(min_value=D("0.01"), max_value=D("500"), places=2).map(Agreement.hourly),
)


@settings(max_examples=300)
@given(
    channel=st.sampled_from(list(Channel)),
    start_minute=st.integers(0, 16 * 365 * 24 * 60),
    minutes=st.integers(1, 900),
    emergency=st.booleans(),
    out_of_town=st.booleans(),
    unit=st.sampled_from(sorted(TARIFFS)),
    agreement=AGREEMENTS,
)
def test_out_of_scope_invariants(calendar, channel, start_minute, minutes, emergency,
                                 out_of_town, unit, agreement):
    tariff = TARIFFS[unit]
    work = WorkItem(channel=channel, started_at=START + timedelta(minutes=start_minute),
                    minutes=minutes, is_emergency=emergency, is_out_of_town=out_of_town)
    priced = price_out_of_scope(work, agreement=agreement, tariff=tariff, calendar=calendar)
    assert priced.rounded_minutes % unit == 0
    assert minutes <= priced.rounded_minutes < minutes + unit
    assert (priced.included_minutes + priced.covered_minutes + priced.billed_minutes
            + priced.held_minutes + priced.agreed_minutes == priced.rounded_minutes)
    assert priced.included_minutes == priced.covered_minutes == 0
    assert priced.allowance_drawn_minutes == priced.bank_drawn_minutes == 0
    assert all(line.drawn_minutes == 0 for line in priced.lines)
    assert priced.net_amount == sum((line.amount for line in priced.lines), D("0.00"))
    assert statement_totals(priced.lines).net == priced.net_amount
    for line in priced.lines:
        assert line.amount >= 0
        assert line.amount.as_tuple().exponent == -2
    kinds = [line.kind for line in priced.lines]
    assert not {LineKind.INCLUDED, LineKind.ALLOWANCE, LineKind.BANK} & set(kinds)
    assert priced.out_of_hours_minutes == calendar.out_of_hours_minutes(work.started_at,
                                                                       work.ended_at)
    work_lines = [line for line in priced.lines if line.kind != LineKind.OUT_OF_BASE]
    if agreement is None:
        assert priced.held_minutes == priced.rounded_minutes
        assert [(line.kind, line.amount) for line in work_lines] == [(LineKind.HELD, D("0.00"))]
    elif agreement.kind is AgreementKind.FIXED:
        assert priced.agreed_minutes == priced.rounded_minutes
        assert [(line.kind, line.amount) for line in work_lines] == [(LineKind.AGREED, D("0.00"))]
    else:
        assert priced.billed_minutes == priced.rounded_minutes
        assert all(line.rate_per_hour == agreement.rate_per_hour
                   for line in work_lines if line.kind == LineKind.BILLED)
        if LineKind.SURCHARGE in kinds:
            assert emergency
    assert kinds.count(LineKind.OUT_OF_BASE) == (
        1 if out_of_town and channel == Channel.ONSITE else 0)


@given(
    channel=st.sampled_from(list(Channel)),
    start_minute=st.integers(0, 16 * 365 * 24 * 60),
    minutes=st.integers(1, 900),
    emergency=st.booleans(),
    out_of_town=st.booleans(),
    unit=st.sampled_from(sorted(TARIFFS)),
)
def test_hourly_at_the_standard_rate_prices_as_a_free_customer_with_an_empty_bank(
        calendar, channel, start_minute, minutes, emergency, out_of_town, unit):
    # Free pays the standard rate on every channel; with nothing in its bank price_work bills
    # every minute: an hourly agreement at that rate must give the same lines.
    tariff = TARIFFS[unit]
    work = WorkItem(channel=channel, started_at=START + timedelta(minutes=start_minute),
                    minutes=minutes, is_emergency=emergency, is_out_of_town=out_of_town)
    hourly = price_out_of_scope(work, agreement=Agreement.hourly(tariff.standard_rate_per_hour),
                                tariff=tariff, calendar=calendar)
    free = price_work(work, tariff=tariff, tier=Tier.FREE, calendar=calendar)
    assert hourly == free
