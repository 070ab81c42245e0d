from django import forms
from django.utils.translation import gettext_lazy as _

from supportdesk.customers.models import Customer

from .models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("What will use it, e.g. “accounting export”."))
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=ApiToken.Scope.choices, widget=forms.CheckboxSelectMultiple,
        initial=[ApiToken.Scope.READ],
        help_text=_("Read: see requests. Write: open, reply, change. Billing: statements, "
                    "customers and contracts."))
    expires_on = forms.DateField(label=_("Expires on (optional)"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))


class IntegrationForm(forms.Form):
    username = forms.CharField(label=_("Account name"), max_length=60,
                               help_text=_("Letters, digits and . - _ (e.g. phone-system)."))
    customer = forms.ModelChoiceField(
        label=_("Customer"), queryset=Customer.objects.filter(is_active=True).order_by("name"),
        required=False, empty_label=_("— ours (sees every customer, like a technician) —"))
    description = forms.CharField(label=_("What it is for"), max_length=200, required=False)
