from urllib.parse import urlsplit

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_message
from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.template import loader
from django.utils.translation import gettext_lazy as _

from supportdesk.common.brand import brand_context
from supportdesk.notifications.services import email_send


class PasswordResetByMailForm(PasswordResetForm):
    """Django's reset form, its mail sent the way every mail of ours is: through
    ``notifications`` (one line headers, after the transaction commits).

    The link is built on ``SUPPORTDESK_SITE_URL`` (scheme and host), never on the request's
    Host header, which any client writes (docs/security.md #14, #53).
    """

    def save(self, *args, **kwargs):
        site = urlsplit(settings.SUPPORTDESK_SITE_URL)
        kwargs["domain_override"] = site.netloc
        kwargs["use_https"] = site.scheme == "https"
        return super().save(*args, **kwargs)

    def send_mail(self, subject_template_name, email_template_name, context, from_email,
                  to_email, html_email_template_name=None):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        html = (loader.render_to_string(html_email_template_name, context)
                if html_email_template_name else None)
        # Signed with the vendor's brand like every notification (issue 14).
        body = (loader.render_to_string(email_template_name, context).strip() + "\n\n"
                + loader.render_to_string("notifications/_signature.txt",
                                          brand_context()).strip() + "\n")
        email_send(to=[to_email], subject=subject, body=body, html=html)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=32, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True,
                                      "autocapitalize": "off", "spellcheck": "false"}),
    )


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Django's password change, its current password checked like a login.

    The current password goes through ``authenticate()`` with the request, so django-axes
    counts a wrong one as a failed login (per username and address, ``AXES_FAILURE_LIMIT``)
    and, once locked, refuses every attempt, the right password too, for
    ``AXES_COOLOFF_TIME``; the lockout answer is axes' own, as for the login page
    (docs/security.md #13). A stolen session cannot guess its way to a new password.
    """

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        credentials = {"username": self.user.get_username()}
        if self.request is None:
            raise ValidationError(self.error_messages["password_incorrect"],
                                  code="password_incorrect")
        if not AxesProxyHandler.is_allowed(self.request, credentials):
            self.request.axes_locked_out = True
            raise ValidationError(get_lockout_message(), code="locked_out")
        user = authenticate(self.request, username=self.user.get_username(),
                            password=old_password)
        if getattr(self.request, "axes_locked_out", False):
            raise ValidationError(get_lockout_message(), code="locked_out")
        if user is None or user.pk != self.user.pk:
            raise ValidationError(self.error_messages["password_incorrect"],
                                  code="password_incorrect")
        return old_password
