from django import forms
from django.utils.translation import gettext_lazy as _

from supportdesk.catalog.models import Product, Release
from supportdesk.common.forms import LongTextField
from supportdesk.tickets.models import Ticket

from .models import Article
from .services import BODY_MAX, TITLE_MAX


def _category_choices():
    return [("", _("Any kind of problem")), *Ticket.Category.choices]


class ArticleForm(forms.Form):
    title_el = forms.CharField(label=_("Title (Greek)"), max_length=TITLE_MAX)
    body_el = LongTextField(label=_("Text (Greek, Markdown)"), max_length=BODY_MAX,
                            widget=forms.Textarea(attrs={"rows": 14}))
    title_en = forms.CharField(label=_("Title (English)"), max_length=TITLE_MAX,
                               required=False)
    body_en = LongTextField(label=_("Text (English, Markdown)"), max_length=BODY_MAX,
                            required=False, widget=forms.Textarea(attrs={"rows": 8}))
    product = forms.ModelChoiceField(queryset=Product.objects.filter(is_active=True),
                                     label=_("Product"), required=False,
                                     empty_label=_("— about no product —"))
    release_from = forms.ModelChoiceField(queryset=Release.objects.select_related("product"),
                                          label=_("From release"), required=False)
    release_to = forms.ModelChoiceField(queryset=Release.objects.select_related("product"),
                                        label=_("Up to release"), required=False)
    category = forms.ChoiceField(label=_("Kind of problem"), required=False,
                                 choices=_category_choices)
    visibility = forms.ChoiceField(label=_("Who may read it"), choices=Article.Visibility.choices)
    entitled_only = forms.BooleanField(
        label=_("Only customers entitled to the product's updates (§4)"), required=False)
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    @classmethod
    def initial_for(cls, article: Article) -> dict:
        return {name: getattr(article, name) for name in (
            "title_el", "body_el", "title_en", "body_en", "product", "release_from",
            "release_to", "category", "visibility", "entitled_only", "revision")}


class ArticleFileForm(forms.Form):
    file = forms.FileField(label=_("Image or file"))


class LinkTicketForm(forms.Form):
    ticket = forms.IntegerField(label=_("Request number"), min_value=1, max_value=2**31 - 1)
