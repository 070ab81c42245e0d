import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supportdesk.billing.models import Statement
from supportdesk.common.forms import DateField


def previous_month(today: dt.date) -> tuple[dt.date, dt.date]:
    first_this = today.replace(day=1)
    last_prev = first_this - dt.timedelta(days=1)
    return last_prev.replace(day=1), last_prev


class StatementFilterForm(forms.Form):
    customer = forms.CharField(label=_("Customer"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All")), *Statement.Status.choices])
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("All")), *Statement.Kind.choices])
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    period_start = DateField(label=_("From"), required=False)
    period_end = DateField(label=_("To"), required=False)


class BillingRunForm(forms.Form):
    period_start = DateField(label=_("First day"))
    period_end = DateField(label=_("Last day"))

    @classmethod
    def initial_for(cls, today: dt.date | None = None) -> dict:
        start, end = previous_month(today or timezone.localdate())
        return {"period_start": start, "period_end": end}


class CreditForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(
        attrs={"rows": 2}))
    lines = forms.TypedMultipleChoiceField(label=_("Lines"), required=False, coerce=int,
                                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, statement: Statement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].choices = [
            (line.pk, f"{line.position}. {line.description}")
            for line in statement.lines.filter(credited_at__isnull=True).order_by("position")
        ]


class MarkForm(forms.Form):
    mark = forms.CharField(label=_("ΜΑΡΚ"), max_length=20)


class HoldOverrideForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))
    until = DateField(label=_("Until (inclusive)"))


class HoldShortenForm(forms.Form):
    until = DateField(label=_("Shorten until (inclusive)"))


class ClosureForm(forms.Form):
    """A closure on the working calendar page (§6); the service validates the period."""

    starts_on = DateField(label=_("First closed day"))
    ends_on = DateField(label=_("Last closed day"))
    reason = forms.CharField(label=_("Reason"), max_length=200)


class CalendarDayForm(forms.Form):
    """One date closed or opened against the calendar's rule (§6)."""

    day = DateField(label=_("Date"))
    is_working = forms.TypedChoiceField(
        label=_("The office is"), coerce=lambda v: v == "open", empty_value=False,
        choices=[("closed", _("closed that day")), ("open", _("open that day"))])
    opens_at = forms.TimeField(label=_("Opens at"), required=False,
                               widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    closes_at = forms.TimeField(label=_("Closes at"), required=False,
                                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    reason = forms.CharField(label=_("Reason"), max_length=200)


class UsageForm(forms.Form):
    period_start = DateField(label=_("From"))
    period_end = DateField(label=_("To"))

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and (end < start or (end - start).days > 731):
            raise forms.ValidationError(_("Choose a period of at most two years, ending after "
                                          "it starts."))
        return data


class ExportForm(StatementFilterForm):
    format = forms.ChoiceField(choices=[("csv", "CSV"), ("xlsx", "XLSX")], initial="csv")


class PrepaidSaleForm(forms.Form):
    """§4: a Free-tier customer buys prepaid hours, in whole hours, at least one."""

    hours = forms.IntegerField(label=_("Hours"), min_value=1, max_value=1000)
    on = DateField(label=_("Purchased on"))
