"""Form fields shared by the staff pages."""

from django import forms
from django.core.exceptions import ValidationError

from supportdesk.domain.money import AmountError, parse_amount


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
