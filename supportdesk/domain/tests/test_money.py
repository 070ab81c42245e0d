"""Money (SPEC "Time and money"): Decimal, half-up to cents in one place."""

from __future__ import annotations

from decimal import Decimal

import pytest

from supportdesk.domain.money import amount_for_minutes, format_eur, quantize_money

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
