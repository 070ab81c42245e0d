"""The survey's forms: a rating (good/poor and an optional comment), a comment added
later, and the report's period."""

from django import forms
from django.utils.translation import gettext_lazy as _

from supportdesk.common.forms import DateField

from .models import COMMENT_MAX, Rating

MAX_PERIOD_DAYS = 731


class RatingForm(forms.Form):
    score = forms.ChoiceField(label=_("Were you satisfied with our support?"),
                              choices=Rating.Score.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment (optional)"), required=False,
                              max_length=COMMENT_MAX,
                              widget=forms.Textarea(attrs={"rows": 3}))


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Would you like to tell us more?"),
                              max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 3}))


class PeriodForm(forms.Form):
    start = DateField(label=_("From"))
    end = DateField(label=_("To"))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and (end < start or (end - start).days > MAX_PERIOD_DAYS):
            raise forms.ValidationError(_("Choose a period of at most two years, ending after "
                                          "it starts."))
        return data
