"""Money input: services and forms both apply ``supportdesk.domain.money.parse_amount``."""

from decimal import Decimal

import pytest
from django import forms
from django.utils import translation

from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.forms import AmountField
from supportdesk.common.money import amount_or_none


@pytest.mark.parametrize("empty", [None, ""])
def test_no_amount_is_none(empty):
    assert amount_or_none(empty, "bad") is None


def test_amount_or_none_parses_and_refuses_with_the_use_case_message():
    assert amount_or_none("12,50", "bad") == Decimal("12.50")
    assert amount_or_none("9999999999.99", "bad", max_digits=12) == Decimal("9999999999.99")
    for typed in ("1.234,50", "-1", "NaN", "1.234", "100000000", 12.5):
        with pytest.raises(ApplicationError) as exc:
            amount_or_none(typed, "bad")
        assert exc.value.code == "bad_amount"
        assert exc.value.message == "bad"


class _Form(forms.Form):
    amount = AmountField(label="amount", required=False)


@pytest.mark.parametrize(("typed", "amount"),
                         [("12,50", Decimal("12.50")), ("12.50", Decimal("12.50")),
                          ("", None)])
def test_amount_field_accepts(typed, amount):
    form = _Form({"amount": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == amount


@pytest.mark.parametrize(("typed", "code"),
                         [("abc", "invalid"), ("1.234,50", "invalid"), ("NaN", "invalid"),
                          ("Infinity", "invalid"), ("-1", "min_value"),
                          ("1.234", "max_decimal_places"), ("100000000", "max_whole_digits"),
                          ("1e30", "max_digits")])
def test_amount_field_refuses_with_djangos_messages(typed, code):
    with translation.override("el"):
        form = _Form({"amount": typed})
        assert not form.is_valid()
        assert form.errors.as_data()["amount"][0].code == code


def test_amount_field_shows_the_greek_comma():
    with translation.override("el"):
        assert 'value="12,50"' in str(_Form(initial={"amount": Decimal("12.50")})["amount"])
