"""The tariff (§4, §5, §7, §9): every cell of the table in docs/rules.md "Tariff reading",
and malformed files."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from supportdesk.domain.tariff import (
    DEFAULT_TARIFF_PATH,
    Channel,
    FeeKind,
    TariffError,
    Tier,
    WorkKind,
    annual_fee,
    load_tariff,
    load_tariff_file,
    prepaid_purchase_price,
    tariff_to_dict,
    tariff_to_toml,
)

D = Decimal
INCLUDED = "included"

# docs/rules.md "Tariff reading": (tier, channel) -> included, or (rate per hour, yearly minutes).
TABLE = {
    (Tier.FREE, Channel.PHONE): (D("50"), 0),
    (Tier.FREE, Channel.REMOTE): (D("50"), 0),
    (Tier.FREE, Channel.OFFICE): (D("50"), 0),
    (Tier.FREE, Channel.ONSITE): (D("50"), 0),
    (Tier.BASIC, Channel.PHONE): INCLUDED,
    (Tier.BASIC, Channel.REMOTE): (D("50"), 240),
    (Tier.BASIC, Channel.OFFICE): (D("25"), 0),
    (Tier.BASIC, Channel.ONSITE): (D("45"), 0),
    (Tier.BUSINESS, Channel.PHONE): INCLUDED,
    (Tier.BUSINESS, Channel.REMOTE): (D("50"), 480),
    (Tier.BUSINESS, Channel.OFFICE): INCLUDED,
    (Tier.BUSINESS, Channel.ONSITE): (D("25"), 0),
}


@pytest.mark.parametrize(("tier", "channel"), sorted(TABLE))
def test_every_channel_cell_of_the_table(tariff, tier, channel):
    terms = tariff.terms(tier, channel)
    expected = TABLE[(tier, channel)]
    if expected == INCLUDED:
        assert terms.is_included and terms.included_minutes_per_year == 0
    else:
        rate, yearly = expected
        assert not terms.is_included
        assert terms.rate_per_hour == rate
        assert terms.included_minutes_per_year == yearly


@pytest.mark.parametrize(
    ("tier", "updates", "expected", "maximum", "fee_kind", "fee_value"),
    [
        (Tier.FREE, False, 960, 2400, FeeKind.PREPAID_HOURS, 1),
        (Tier.BASIC, True, 960, 960, FeeKind.PERCENT_OF_LICENCE_VALUE, D("0.15")),
        (Tier.BUSINESS, True, 480, 480, FeeKind.PERCENT_OF_LICENCE_VALUE, D("0.30")),
    ],
)
def test_every_tier_row_of_the_table(tariff, tier, updates, expected, maximum, fee_kind,
                                     fee_value):
    terms = tariff.tier(tier)
    assert terms.has_updates is updates
    assert (terms.response.expected_minutes, terms.response.max_minutes) == (expected, maximum)
    assert terms.annual_fee.kind == fee_kind
    if fee_kind == FeeKind.PREPAID_HOURS:
        assert terms.annual_fee.min_hours == fee_value
        assert terms.annual_fee.rate_per_hour == D("50")
        assert terms.uses_prepaid_bank
    else:
        assert terms.annual_fee.percent == fee_value
        assert not terms.uses_prepaid_bank


def test_tariff_wide_values(tariff):
    assert tariff.version == "jewelsoft-2026.1"
    assert tariff.effective_from == date(2026, 1, 1)
    assert tariff.currency == "EUR"
    assert tariff.standard_rate_per_hour == D("50")
    assert tariff.billing_unit_minutes == 1
    assert tariff.out_of_hours_surcharge == D("0.20")  # §7
    assert tariff.is_surcharge_for_emergencies_only
    assert tariff.vat_rate_on(date(2026, 11, 24)) == D("0.24")  # §5
    assert tariff.out_of_town.is_lodging_at_cost  # §9


def test_training_is_priced_like_support_unless_overridden(tariff):
    assert tariff.terms(Tier.BASIC, Channel.ONSITE, WorkKind.TRAINING) == tariff.terms(
        Tier.BASIC, Channel.ONSITE)
    text = DEFAULT_TARIFF_PATH.read_text().replace(
        "[tiers.basic.channels]",
        '[tiers.basic.training]\nonsite = { rate_per_hour = "60.00" }\n\n[tiers.basic.channels]')
    custom = load_tariff(text)
    assert custom.terms(Tier.BASIC, Channel.ONSITE, WorkKind.TRAINING).rate_per_hour == D("60")
    assert custom.terms(Tier.BASIC, Channel.OFFICE, WorkKind.TRAINING).rate_per_hour == D("25")
    assert load_tariff(tariff_to_toml(custom)) == custom


@pytest.mark.parametrize(
    ("tier", "licences", "fee"),
    [
        (Tier.BASIC, ["4000.00", "1500.00"], "825.00"),
        (Tier.BUSINESS, ["4000.00", "1500.00"], "1650.00"),
        (Tier.BASIC, ["0.03"], "0.00"),  # 0.0045 rounds half-up to 0.00
        (Tier.BASIC, ["0.10"], "0.02"),  # 0.015 rounds half-up to 0.02
        (Tier.BUSINESS, [], "0.00"),
        (Tier.FREE, [], "50.00"),  # the minimum prepaid purchase, 1 h
    ],
)
def test_annual_fee(tariff, tier, licences, fee):
    assert annual_fee(tariff, tier, [D(v) for v in licences]) == D(fee)


def test_prepaid_hours(tariff):
    assert prepaid_purchase_price(tariff, 1) == D("50.00")
    assert prepaid_purchase_price(tariff, 10) == D("500.00")
    assert annual_fee(tariff, Tier.FREE, prepaid_hours=3) == D("150.00")
    with pytest.raises(ValueError, match="at least 1"):
        prepaid_purchase_price(tariff, 0)
    with pytest.raises(ValueError, match="whole number"):
        prepaid_purchase_price(tariff, 1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="does not buy prepaid hours"):
        prepaid_purchase_price(tariff, 2, tier=Tier.BASIC)
    with pytest.raises(ValueError, match="non-negative Decimal"):
        annual_fee(tariff, Tier.BASIC, [D("-1")])


def test_round_trip_through_toml_and_dict(tariff):
    assert load_tariff(tariff_to_toml(tariff)) == tariff
    data = tariff_to_dict(tariff)
    assert data["tiers"]["basic"]["channels"]["remote"] == {
        "included_minutes_per_year": 240, "rate_per_hour": "50.00"}
    assert data["vat"] == [{"effective_from": "2016-06-01", "rate": "0.24"}]


def test_shipped_file_is_the_default(tariff):
    assert load_tariff_file(DEFAULT_TARIFF_PATH) == tariff


BASE = DEFAULT_TARIFF_PATH.read_text()


def _edit(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "field", "problem"),
    [
        (_edit('remote = { included_minutes_per_year = 240, rate_per_hour = "50.00" }',
               'remote = { included_minutes_per_year = 240, rate_per_hour = 50.0 }'),
         "tiers.basic.channels.remote.rate_per_hour", "float"),
        (_edit('remote = { included_minutes_per_year = 240, rate_per_hour = "50.00" }',
               'remote = { included_minutes_per_year = 240, rate_per_hour = "fifty" }'),
         "tiers.basic.channels.remote.rate_per_hour", "expected a decimal string"),
        (_edit('remote = { included_minutes_per_year = 240, rate_per_hour = "50.00" }',
               'remote = { included_minutes_per_year = 240 }'),
         "tiers.basic.channels.remote.rate_per_hour", "missing"),
        (_edit('onsite = { rate_per_hour = "45.00" }', 'onsite = { rate_per_hour = "-45.00" }'),
         "tiers.basic.channels.onsite.rate_per_hour", "negative"),
        (_edit('onsite = { rate_per_hour = "45.00" }\n', ''),
         "tiers.basic.channels.onsite", "missing"),
        (_edit('remote = { included_minutes_per_year = 240, rate_per_hour = "50.00" }',
               'remote = { included_minutes_per_year = "240", rate_per_hour = "50.00" }'),
         "tiers.basic.channels.remote.included_minutes_per_year", "whole number"),
        (_edit('surcharge = "0.20"', 'surcharge = 0.2'), "out_of_hours.surcharge", "float"),
        (_edit('rate = "0.24"', 'rate = "24"'), "vat[0].rate", "at most 1"),
        (_edit('effective_from = "2026-01-01"', 'effective_from = "1st of January"'),
         "effective_from", "YYYY-MM-DD"),
        (_edit('version = "jewelsoft-2026.1"\n', ''), "version", "missing"),
        (_edit('updates = true', 'updates = "yes"'), "tiers.basic.updates", "true or false"),
        (_edit('response_max_minutes = 960', 'response_max_minutes = 480'),
         "tiers.basic.response_max_minutes", "less than"),
        (_edit('annual_fee = { kind = "percent_of_licence_value", percent = "0.15" }',
               'annual_fee = { kind = "percentage", percent = "0.15" }'),
         "tiers.basic.annual_fee.kind", "expected one of"),
        (_edit('billing_unit_minutes = 1', 'billing_unit_minutes = 0'),
         "billing_unit_minutes", "at least 1"),
        (_edit('lodging_at_cost = true', 'lodging_at_cost = true\nlodgings = "yes"'),
         "out_of_town.lodgings", "unknown field"),
        (_edit('[tiers.business]\n', '[tiers.premium]\nupdates = true\n\n[tiers.business]\n'),
         "tiers.premium", "unknown field"),
        ("version = ", "", "not valid TOML"),
    ],
)
def test_malformed_tariff_names_the_field(text, field, problem):
    with pytest.raises(TariffError) as caught:
        load_tariff(text)
    assert caught.value.field == field
    assert problem in str(caught.value)
    if field:
        assert str(caught.value).startswith(f"{field}: ")


def test_missing_file_is_a_tariff_error(tmp_path):
    with pytest.raises(TariffError, match=re.escape("cannot read tariff file")):
        load_tariff_file(tmp_path / "nope.toml")


def test_vat_table_is_dated():
    text = BASE.replace('rate = "0.24"\n', 'rate = "0.24"\n\n[[vat]]\neffective_from = '
                        '"2030-01-01"\nrate = "0.25"\n', 1)
    tariff = load_tariff(text)
    assert tariff.vat_rate_on(date(2029, 12, 31)) == D("0.24")
    assert tariff.vat_rate_on(date(2030, 1, 1)) == D("0.25")
    with pytest.raises(TariffError, match="no VAT rate"):
        tariff.vat_rate_on(date(2000, 1, 1))
