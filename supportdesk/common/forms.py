"""Form fields shared by the staff pages."""

from django import forms
from django.core.exceptions import ValidationError

from supportdesk.common.dates import out_of_range_message
from supportdesk.domain.dates import in_range
from supportdesk.domain.money import AmountError, parse_amount


class DateInput(forms.DateInput):
    """``<input type="date">``: the browser takes only ISO values (``2026-11-01``), whatever
    the page's language, and shows them in the user's own format; elsewhere the page shows
    dates the Greek way (``01/11/2026``)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    """``<input type="datetime-local">`` with its ISO value (``2026-11-01T10:30``)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _check_range(value) -> None:
    if value is not None and not in_range(value):
        raise ValidationError(out_of_range_message(), code="date_range")


class DateField(forms.DateField):
    """A date in the sane range (docs/security.md #43), typed in an ISO date input."""

    widget = DateInput
    default_validators = [_check_range]


class DateTimeField(forms.DateTimeField):
    """A date-time in the sane range (#43), typed in an ISO datetime-local input."""

    widget = DateTimeInput
    default_validators = [_check_range]


class AmountField(forms.DecimalField):
    """An amount of euros, parsed by :func:`supportdesk.domain.money.parse_amount` (the rule
    the services apply too): ``12,50`` or ``12.50``, at most two decimals, not negative.

    What the rule refuses gets Django's own (translated) message: "Enter a number.", or the
    min-value / decimal-places / digits message of the field's validators.
    """

    def __init__(self, *, max_digits: int = 10, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("localize", True)  # shown as 12,50 in Greek
        super().__init__(max_digits=max_digits, decimal_places=2, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_amount(value, max_digits=self.max_digits)
        except AmountError:
            parsed = super().to_python(value)  # "Enter a number."
            self.validate(parsed)
            self.run_validators(parsed)  # negative, too many decimals or digits
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
