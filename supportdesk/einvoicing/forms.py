"""The hand-off's one form: which month of statements (issue month, YYYY-MM)."""

from __future__ import annotations

import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
BAD_MONTH_TEXT = _("Give the month as YYYY-MM, between 2000 and 2100.")


class MonthForm(forms.Form):
    month = forms.CharField(label=_("Month issued"), max_length=7,
                            widget=forms.TextInput(attrs={"type": "month"}))

    @staticmethod
    def current() -> str:
        return timezone.localdate().strftime("%Y-%m")

    def clean_month(self) -> tuple[int, int]:
        match = MONTH_RE.match(self.cleaned_data["month"].strip())
        if not match or not (2000 <= int(match[1]) <= 2100 and 1 <= int(match[2]) <= 12):
            raise forms.ValidationError(BAD_MONTH_TEXT)
        return int(match[1]), int(match[2])
