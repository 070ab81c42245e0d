"""Forms of the staff desk: they parse and type input; the services decide."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from supportdesk.accounts.selectors import assignable_staff_queryset
from supportdesk.agreements.models import Quote
from supportdesk.catalog.models import Product
from supportdesk.common.choices import Priority
from supportdesk.common.forms import DateField, LongTextField
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services._common import BODY_MAX, SUBJECT_MAX

from .models import CannedReply, Macro

User = get_user_model()

YES_NO_UNKNOWN = [("", _("Not checked")), ("yes", _("Yes")), ("no", _("No"))]


def category_choices():
    """Categories grouped by scope; the out-of-scope kinds say they need an agreement (§10)."""
    in_scope, out_of_scope = [], []
    for value, label in Ticket.Category.choices:
        if value in Ticket.OUT_OF_SCOPE_CATEGORIES:
            out_of_scope.append((value, label))
        else:
            in_scope.append((value, label))
    return [
        (_("Supported (our products)"), in_scope),
        (_("Needs a separate agreement (§10)"), out_of_scope),
    ]


class TicketNewForm(forms.Form):
    customer = forms.IntegerField(label=_("Customer"), min_value=1,
                                  error_messages={"required": _("Choose the customer.")})
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.filter(is_active=True), required=False,
        empty_label=_("— not known yet —"),
    )
    received_via = forms.ChoiceField(label=_("Received via"),
                                     choices=Ticket.ReceivedVia.choices,
                                     initial=Ticket.ReceivedVia.PHONE)
    category = forms.ChoiceField(label=_("Category"), choices=category_choices,
                                 initial=Ticket.Category.PROGRAM_FAULT)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices,
                                 initial=Priority.NORMAL, required=False)
    contact_name = forms.CharField(label=_("Caller name"), max_length=120, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    body = LongTextField(label=_("Description"), max_length=BODY_MAX, required=False)
    received_at = forms.DateTimeField(
        label=_("Received at"), required=False,
        help_text=_("Leave empty for now (a call taken as it happens)."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                   format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
    )
    is_emergency = forms.BooleanField(label=_("Out-of-hours emergency (§7)"), required=False)


class ReplyForm(forms.Form):
    body = LongTextField(label=_("Message"), max_length=BODY_MAX)
    is_internal = forms.BooleanField(label=_("Internal note (never shown to the customer)"),
                                     required=False)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Ticket.Status.choices)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Technician"), required=False, empty_label=_("— unassigned —"),
        queryset=assignable_staff_queryset(),
    )


class CannedReplyForm(forms.ModelForm):
    shared = forms.BooleanField(label=_("Shared with every technician (managers)"),
                                required=False)

    class Meta:
        model = CannedReply
        fields = ["title", "body_el", "body_en"]
        widgets = {"body_el": forms.Textarea(attrs={"rows": 5}),
                   "body_en": forms.Textarea(attrs={"rows": 5})}


class MacroForm(forms.ModelForm):
    shared = forms.BooleanField(label=_("Shared with every technician (managers)"),
                                required=False)
    status = forms.ChoiceField(label=_("Set the status"), required=False,
                               choices=[("", _("— keep —")), *Ticket.Status.choices])
    category = forms.ChoiceField(label=_("Set the scope (§10)"), required=False,
                                 choices=lambda: [("", _("— keep —")), *category_choices()])

    class Meta:
        model = Macro
        fields = ["name", "reply", "status", "category", "assign_to_me", "assignee"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reply"].queryset = CannedReply.objects.filter(
            Q(owner__isnull=True) | Q(owner=user))
        self.fields["reply"].empty_label = _("— no reply —")
        self.fields["assignee"].queryset = AssignForm.base_fields["assignee"].queryset
        self.fields["assignee"].empty_label = _("— keep —")


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)


class ClassifyForm(forms.Form):
    category = forms.ChoiceField(label=_("Scope (§10)"), choices=category_choices)


class PrerequisitesForm(forms.Form):
    has_backups = forms.ChoiceField(label=_("Reliable backups kept"), choices=YES_NO_UNKNOWN,
                                    required=False)
    equipment_ok = forms.ChoiceField(label=_("Equipment in working order"),
                                     choices=YES_NO_UNKNOWN, required=False)
    follows_instructions = forms.ChoiceField(label=_("Instructions followed"),
                                             choices=YES_NO_UNKNOWN, required=False)
    no_third_party = forms.ChoiceField(label=_("No third-party interference"),
                                       choices=YES_NO_UNKNOWN, required=False)

    def values(self) -> dict[str, bool | None]:
        mapping = {"": None, "yes": True, "no": False}
        return {name: mapping[self.cleaned_data.get(name) or ""] for name in self.fields}

    @staticmethod
    def initial_for(ticket: Ticket) -> dict[str, str]:
        mapping = {None: "", True: "yes", False: "no"}
        return {name: mapping[getattr(ticket, name)] for name in
                ("has_backups", "equipment_ok", "follows_instructions", "no_third_party")}


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"), allow_empty_file=True,
                           error_messages={"required": _("Choose a file to attach.")})
    is_internal = forms.BooleanField(label=_("Staff only"), required=False)


class QuoteForm(forms.Form):
    """§10: the terms of an agreement for out-of-scope work. Amounts stay text: the service
    parses them with the one money rule (a Greek comma or a point)."""

    kind = forms.ChoiceField(label=_("Agreement"), choices=Quote.Kind.choices,
                             initial=Quote.Kind.FIXED, widget=forms.RadioSelect)
    description = forms.CharField(label=_("Work proposed (shown to the customer)"),
                                  max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    amount = forms.CharField(label=_("Fixed amount (€, excl. VAT)"), required=False,
                             max_length=20)
    rate_per_hour = forms.CharField(label=_("Rate (€ per hour, excl. VAT)"), required=False,
                                    max_length=20)
    estimated_minutes = forms.IntegerField(label=_("Estimate (minutes)"), required=False,
                                           min_value=1, max_value=100_000)
    valid_until = DateField(label=_("Valid until"))

    def terms(self) -> dict:
        data = self.cleaned_data
        return {"kind": data["kind"], "description": data["description"],
                "amount": data["amount"] or None, "rate_per_hour": data["rate_per_hour"] or None,
                "estimated_minutes": data["estimated_minutes"],
                "valid_until": data["valid_until"]}
