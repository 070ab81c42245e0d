from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.template import loader
from django.utils.translation import gettext_lazy as _

from supportdesk.notifications.services import email_send


class PasswordResetByMailForm(PasswordResetForm):
    """Django's reset form, its mail sent the way every mail of ours is: through
    ``notifications`` (one line headers, after the transaction commits)."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email,
                  to_email, html_email_template_name=None):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        html = (loader.render_to_string(html_email_template_name, context)
                if html_email_template_name else None)
        email_send(to=[to_email], subject=subject,
                   body=loader.render_to_string(email_template_name, context), html=html)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=32, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True,
                                      "autocapitalize": "off", "spellcheck": "false"}),
    )
