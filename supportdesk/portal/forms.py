from django import forms
from django.utils.translation import gettext_lazy as _

from supportdesk.catalog.models import Product
from supportdesk.catalog.selectors import licensed_products
from supportdesk.common.forms import LongTextField
from supportdesk.tickets.models import Ticket


class TicketNewForm(forms.Form):
    product = forms.ModelChoiceField(queryset=Product.objects.none(), label=_("Product"),
                                     required=False, empty_label=_("— not about a product —"))
    category = forms.ChoiceField(label=_("Kind of problem"), choices=Ticket.Category.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = LongTextField(label=_("Description"), max_length=20000)
    attachment = forms.FileField(label=_("Attachment (optional)"), required=False)

    def __init__(self, *args, customer_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = licensed_products(customer_id=customer_id)


class ReplyForm(forms.Form):
    body = LongTextField(label=_("Your reply"), max_length=20000)
    attachment = forms.FileField(label=_("Attachment (optional)"), required=False)
