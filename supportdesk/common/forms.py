"""Form fields shared by the staff pages."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

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


class LongTextField(forms.CharField):
    """A long text (a description, a reply) with a limit that is said, never applied silently.

    No ``maxlength`` on the textarea: a browser cuts a longer paste without a word, and the
    end of what the customer wrote is gone. The limit goes to ``data-max-chars`` instead;
    ``static/js/counter.js`` counts as one types, says when the text is over and holds the
    form back, and the server's own ``max_length`` error re-shows the form with the text
    (also for a body above DATA_UPLOAD_MAX_MEMORY_SIZE: supportdesk.common.oversized)."""

    widget = forms.Textarea

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        if self.max_length is not None:
            attrs.update(long_text_attrs(self.max_length))
        return attrs


def long_text_attrs(max_chars: int) -> dict:
    """The counter's attributes (lazy texts: fields are built at import, shown per request)."""
    return {
        "data-max-chars": str(max_chars),
        "data-count-text": _("%(n)s of %(limit)s characters"),
        "data-over-text": _("%(over)s characters over the limit of %(limit)s: shorten the "
                            "text or attach it as a file."),
    }
