"""API tokens: how a machine says who it acts for (``Authorization: Bearer <token>``).

A token is shown once, when it is made, and never stored: the row keeps the first
characters after the ``sdk_`` prefix (to find the row without scanning, and for people to
recognise it in a list) and the SHA-256 of the whole secret. The secret carries 256 bits of
randomness, so a fast hash is enough (a slow password hash guards low-entropy secrets; see
docs/security.md "API tokens").
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Write")
        BILLING = "billing", _("Billing")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("acts as"),
                             on_delete=models.CASCADE, related_name="api_tokens")
    # The customer the user belonged to when the token was made: a customer user moved to
    # another company loses its old tokens (they never follow it to the new company's data).
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, null=True,
                                 blank=True, related_name="+", editable=False)
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_sha256 = models.CharField(max_length=64, editable=False)  # hex digest, never shown
    scopes = models.JSONField(_("scopes"), default=list)  # a subset of Scope.values
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("made by"),
                                   on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"{self.name} (sdk_{self.prefix}…)"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class IntegrationAccount(models.Model):
    """A user that is a machine (the phone system, the accountant's software): no password,
    no login; a manager makes it and its tokens. Its role and customer are those of the
    user, so a customer's integration sees that customer's data only."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="integration")
    description = models.CharField(_("what it is for"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("made by"),
                                   on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("integration account")
        verbose_name_plural = _("integration accounts")
        ordering = ("user__username",)

    def __str__(self) -> str:
        return self.user.username
