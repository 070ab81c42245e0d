"""Greek tax numbers (ΑΦΜ) are checked with python-stdnum; refusals are clear in both languages."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from supportdesk.common.exceptions import ApplicationError  # noqa: F401 - documents the error type
from supportdesk.customers.models import Customer
from supportdesk.customers.services import customer_create
from supportdesk.customers.tests.factories import valid_tax_number
from supportdesk.customers.validators import validate_greek_tax_number


@pytest.mark.parametrize("number", [valid_tax_number(n) for n in (1, 2, 42, 9999)])
def test_valid_tax_numbers_pass(number):
    validate_greek_tax_number(number)


@pytest.mark.parametrize(
    ("number", "english_reason", "greek_reason"),
    [
        ("1234567890", "it must have 9 digits", "πρέπει να έχει 9 ψηφία"),
        ("12345678A", "only digits are allowed", "επιτρέπονται μόνο ψηφία"),
        ("123456789", "the check digit does not match", "το ψηφίο ελέγχου δεν ταιριάζει"),
    ],
)
def test_invalid_tax_number_is_refused_with_a_clear_message(number, english_reason, greek_reason):
    for language, reason in (("en", english_reason), ("el", greek_reason)):
        with translation.override(language):
            with pytest.raises(ValidationError) as excinfo:
                validate_greek_tax_number(number)
            message = " ".join(excinfo.value.messages)
        assert number in message
        assert reason in message


@pytest.mark.django_db
def test_customer_with_invalid_tax_number_is_not_saved():
    with pytest.raises(ValidationError) as excinfo:
        customer_create(name="Χρυσός Α.Ε.", tax_number="123456789")
    assert "tax_number" in excinfo.value.message_dict
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_tax_number_is_stored_compact():
    number = valid_tax_number(7)
    customer = customer_create(name="Ασήμι Ο.Ε.", tax_number=f"EL {number[:3]} {number[3:]}")
    assert customer.tax_number == number
