"""Money (docs/rules.md "Time and money"): Decimal, half-up to cents in one place."""

from __future__ import annotations

from decimal import Decimal

import pytest

from supportdesk.domain.money import (
    AmountError,
    amount_for_minutes,
    format_eur,
    parse_amount,
    quantize_money,
)

D = Decimal


@pytest.mark.parametrize(
    ("value", "rounded"),
    [("0.005", "0.01"), ("0.0049", "0.00"), ("2.675", "2.68"), ("-0.005", "-0.01"),
     ("1", "1.00")],
)
def test_quantize_money_rounds_half_up(value, rounded):
    assert quantize_money(D(value)) == D(rounded)
    assert str(quantize_money(D(value))) == rounded


def test_floats_are_refused():
    with pytest.raises(TypeError):
        quantize_money(0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        amount_for_minutes(1.5, D("50"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("minutes", "rate", "amount"),
    [(90, "50", "75.00"), (1, "25", "0.42"), (7, "25", "2.92"), (0, "45", "0.00"),
     (61, "45", "45.75")],
)
def test_amount_for_minutes(minutes, rate, amount):
    assert amount_for_minutes(minutes, D(rate)) == D(amount)


@pytest.mark.parametrize(
    ("amount", "lang", "text"),
    [("1234.56", "el", "1.234,56 €"), ("1234.56", "en", "€1,234.56"),
     ("0.5", "el", "0,50 €"), ("-1234567.891", "el", "-1.234.567,89 €"),
     ("-3", "en", "-€3.00")],
)
def test_format_eur(amount, lang, text):
    assert format_eur(D(amount), lang) == text


# --------------------------------------------------------------------------- parse_amount


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("12,50", "12.50"), ("12.50", "12.50"), (" 12,5 ", "12.50"), ("0", "0.00"),
     ("-0", "0.00"), ("12.500", "12.50"), ("99999999.99", "99999999.99"), (D("7.1"), "7.10"),
     (5, "5.00")],
)
def test_parse_amount_accepts_a_comma_or_a_point_and_returns_cents(typed, amount):
    parsed = parse_amount(typed)
    assert parsed == D(amount)
    assert str(parsed) == amount


@pytest.mark.parametrize(
    "typed",
    [
        "1.234,50",  # thousands separator: refused, not guessed (see parse_amount)
        "1,234.50",
        "1.234.567",
        "1.234",  # three decimals (1.234 €), not 1234 €
        "12,505",
        D("0.001"),
        "-1", "-0,01", D("-5"), -5,  # negatives
        "NaN", "nan", "sNaN", "Infinity", "-Infinity", "inf", D("NaN"), D("Infinity"),
        "100000000", "100000000.00", "1e30", "9" * 40, D("1E+400"),  # above the column
        12.5, 0.1, True, False, None, [], "",  # not text, int or Decimal / empty
        "abc", "12 50", "12,50 €", "€12.50",
    ],
)
def test_parse_amount_refuses(typed):
    with pytest.raises(AmountError):
        parse_amount(typed)


def test_parse_amount_bound_follows_the_column():
    assert parse_amount("9999999999.99", max_digits=12) == D("9999999999.99")
    with pytest.raises(AmountError):
        parse_amount("9999999999.99")
    with pytest.raises(AmountError):
        parse_amount("10000000000", max_digits=12)
