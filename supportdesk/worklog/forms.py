"""Forms of the staff work pages: they parse and validate input; services decide.

Date-times come from ``<input type="datetime-local">`` (ISO values, the common
``DateTimeField``, 2000-2100) in Europe/Athens and are made aware by Django (a wall time
that does not exist on a DST day is refused with a message).
Amounts are ``AmountField``: the domain's ``parse_amount`` rule (Greek decimal comma too).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from supportdesk.common.choices import Channel, WorkKind
from supportdesk.common.forms import AmountField, DateTimeField, DateTimeInput
from supportdesk.common.text import clean_text
from supportdesk.customers.models import Customer
from supportdesk.worklog.models import Visit
from supportdesk.worklog.selectors import staff_list

END_BEFORE_START = _("The end must be after the start.")
DESCRIPTION_MAX = 5000


LocalDateTimeInput = DateTimeInput  # the shared ISO datetime-local input (common.forms)


def _datetime_field(label) -> forms.DateTimeField:
    # Between 2000 and 2100 (docs/security.md #43): year 1 or 9999 gets a message, not a 500.
    return DateTimeField(label=label)


class _SpanMixin:
    start_field = "started_at"
    end_field = "ended_at"

    def clean(self):
        data = super().clean()
        start, end = data.get(self.start_field), data.get(self.end_field)
        if start and end and end <= start:
            self.add_error(self.end_field, END_BEFORE_START)
        return data


class _TextMixin:
    """Drop NUL/control characters (PostgreSQL refuses NUL) from every text field."""

    def clean_description(self):
        return clean_text(self.cleaned_data.get("description", "")).strip()


class TimerStartForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)


class TimerStopForm(_TextMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of work"), choices=WorkKind.choices,
                             initial=WorkKind.SUPPORT)
    description = forms.CharField(label=_("Work done"), required=False,
                                  max_length=DESCRIPTION_MAX,
                                  widget=forms.Textarea(attrs={"rows": 2}))


class WorkEntryForm(_SpanMixin, _TextMixin, forms.Form):
    started_at = _datetime_field(_("Start"))
    ended_at = _datetime_field(_("End"))
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    kind = forms.ChoiceField(label=_("Kind of work"), choices=WorkKind.choices,
                             initial=WorkKind.SUPPORT)
    description = forms.CharField(label=_("Work done"), required=False,
                                  max_length=DESCRIPTION_MAX,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    flat_fee = AmountField(label=_("Flat fee (€, optional)"), required=False)
    # §9, on site at a customer out of town: at cost instead of the tariff's rate per km.
    travel = AmountField(label=_("Travel at cost (€, out of town, optional)"), required=False,
                         help_text=_("Empty: the round trip at the tariff's rate per km."))
    lodging = AmountField(label=_("Lodging for one person at cost (€, out of town, optional)"),
                          required=False)
    # A token per rendered form: a double submit or retry records one entry (docs/security.md #27).
    form_token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    # Shown to managers only, and only after an overlap was refused (issue 9).
    confirm_overlap = forms.BooleanField(
        label=_("Confirm the overlap: the technician really did both (a manager's decision)"),
        required=False)

    ENTRY_FIELDS = ("started_at", "ended_at", "channel", "kind", "description", "flat_fee",
                    "travel", "lodging")

    def __init__(self, *args, may_confirm_overlap: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_confirm_overlap:
            del self.fields["confirm_overlap"]

    def offer_overlap_confirm(self, *, refused_overlap: bool) -> None:
        """Keep the checkbox on the page only after an overlap was refused (or once it was
        ticked); a manager's form otherwise looks like everyone's."""
        ticked = self.is_bound and self.data.get("confirm_overlap")
        if "confirm_overlap" in self.fields and not (refused_overlap or ticked):
            del self.fields["confirm_overlap"]

    @property
    def overlap_confirmed(self) -> bool:
        return bool(getattr(self, "cleaned_data", {}).get("confirm_overlap"))

    def entry_changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.ENTRY_FIELDS}


class RemoteSessionForm(_SpanMixin, _TextMixin, forms.Form):
    tool = forms.CharField(label=_("Tool"), max_length=60,
                           help_text=_("e.g. AnyDesk, TeamViewer"))
    session_id = forms.CharField(label=_("Session id"), max_length=120)
    started_at = _datetime_field(_("Start"))
    ended_at = _datetime_field(_("End"))
    # Not required at form level: the service refuses without consent with the §2 message.
    has_customer_consent = forms.BooleanField(
        label=_("The customer consented and supervised the session (§2)"), required=False)
    consent_given_by = forms.CharField(label=_("Consent given by"), max_length=120,
                                       required=False)
    kind = forms.ChoiceField(label=_("Kind of work"), choices=WorkKind.choices,
                             initial=WorkKind.SUPPORT)
    description = forms.CharField(label=_("Work done"), required=False,
                                  max_length=DESCRIPTION_MAX,
                                  widget=forms.Textarea(attrs={"rows": 3}))


class VisitForm(_SpanMixin, forms.Form):
    start_field = "starts_at"
    end_field = "ends_at"

    technician = forms.ModelChoiceField(label=_("Technician"), queryset=staff_list())
    location = forms.ChoiceField(label=_("Location"), choices=Visit.Location.choices)
    starts_at = _datetime_field(_("Starts"))
    ends_at = _datetime_field(_("Ends"))
    notes = forms.CharField(label=_("Notes for the technician"), required=False,
                            max_length=DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_notes(self):
        return clean_text(self.cleaned_data.get("notes", "")).strip()


class VisitRescheduleForm(_SpanMixin, forms.Form):
    start_field = "starts_at"
    end_field = "ends_at"

    technician = forms.ModelChoiceField(label=_("Technician"), queryset=staff_list())
    starts_at = _datetime_field(_("Starts"))
    ends_at = _datetime_field(_("Ends"))


class VisitCompleteForm(_SpanMixin, _TextMixin, forms.Form):
    started_at = _datetime_field(_("Actual start"))
    ended_at = _datetime_field(_("Actual end"))
    record_work = forms.BooleanField(label=_("Record the visit's time as a work entry"),
                                     required=False, initial=True)
    kind = forms.ChoiceField(label=_("Kind of work"), choices=WorkKind.choices,
                             initial=WorkKind.SUPPORT)
    description = forms.CharField(label=_("Work done"), required=False,
                                  max_length=DESCRIPTION_MAX,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    travel = AmountField(label=_("Travel (€)"), required=False)
    out_of_base_fee = AmountField(label=_("Out-of-base fee (€)"), required=False)
    lodging = AmountField(label=_("Lodging for one person (€, at cost)"), required=False)

    def __init__(self, *args, out_of_town: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not out_of_town:
            for name in ("travel", "out_of_base_fee", "lodging"):
                del self.fields[name]


CUSTOMER_REQUIRED = _("Choose the customer.")


class EmergencyIntakeForm(forms.Form):
    # The id chosen with the desk's customer lookup (5,000 customers: no giant <select>).
    customer = forms.IntegerField(label=_("Customer"), min_value=1, max_value=2**63 - 1,
                                  widget=forms.HiddenInput,
                                  error_messages={"required": CUSTOMER_REQUIRED})
    contact_name = forms.CharField(label=_("Caller name"), max_length=120, required=False)
    received_at = _datetime_field(_("Message left at"))
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), required=False, max_length=50_000,
                           widget=forms.Textarea(attrs={"rows": 4}))

    def clean_customer(self) -> Customer:
        found = Customer.objects.filter(pk=self.cleaned_data["customer"], is_active=True).first()
        if found is None:
            raise forms.ValidationError(CUSTOMER_REQUIRED)
        return found


class EmergencyDecisionForm(forms.Form):
    ACCEPT = "accept"
    DECLINE = "decline"

    decision = forms.ChoiceField(choices=[
        (ACCEPT, _("Accept: serve out of hours with the §7 surcharge")),
        (DECLINE, _("Decline")),
    ])
    reason = forms.CharField(label=_("Reason"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
