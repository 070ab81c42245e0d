from django import forms
from django.utils.translation import gettext_lazy as _

from supportdesk.customers.models import Customer
from supportdesk.notifications.announcements import Happening


class SubscriptionForm(forms.Form):
    """Parses the page's fields; the rules (URL, events) are the service's."""

    name = forms.CharField(label=_("Name"), max_length=120)
    url = forms.CharField(label=_("Target URL"), max_length=500,
                          widget=forms.URLInput(attrs={"placeholder": "https://"}))
    events = forms.MultipleChoiceField(label=_("Events"), choices=Happening.choices,
                                       widget=forms.CheckboxSelectMultiple)
    customer = forms.ModelChoiceField(
        label=_("Only for customer"), required=False,
        queryset=Customer.objects.order_by("name"), empty_label=_("Every customer"),
        help_text=_("A subscription for one customer receives only that customer's events."))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
