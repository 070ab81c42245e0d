from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class User(AbstractUser):
    """A person who logs in: vendor staff (technician, manager) or a customer's contact."""

    class Role(models.TextChoices):
        TECHNICIAN = "technician", _("Technician")
        MANAGER = "manager", _("Manager")
        CUSTOMER = "customer", _("Customer user")

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    # A customer user belongs to exactly one customer; staff to none (enforced below).
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # The language of the mail and notifications this person gets (the site follows the
    # EL/EN switch; Greek is the product's default).
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES,
                                default="el")
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=(Q(role="customer", customer__isnull=False)
                           | (~Q(role="customer") & Q(customer__isnull=True))),
                name="user_customer_iff_customer_role",
                violation_error_message=_(
                    "A customer user must belong to exactly one customer; staff to none."
                ),
            ),
        ]

    def __str__(self) -> str:
        # People are shown by name everywhere (selects, history, "by ..." lines, the admin);
        # the username only when no name was given.
        return self.get_full_name() or self.username

    @property
    def is_vendor_staff(self) -> bool:
        return self.is_active and self.role in (self.Role.TECHNICIAN, self.Role.MANAGER)

    @property
    def is_manager(self) -> bool:
        return self.is_active and self.role == self.Role.MANAGER

    @property
    def is_customer_user(self) -> bool:
        return self.role == self.Role.CUSTOMER


class MfaEvent(models.Model):
    """Audit trail of a person's second factor (docs/security.md #15): who enrolled, who reset
    whose devices (lost phone) and when a single-use recovery code was spent."""

    class Kind(models.TextChoices):
        ENROLLED = "enrolled", _("Authenticator app enrolled")
        RESET = "reset", _("Two-factor devices reset")
        RECOVERY_USED = "recovery_used", _("Recovery code used")

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="mfa_events")
    actor = models.ForeignKey(User, verbose_name=_("done by"), on_delete=models.SET_NULL,
                              null=True, blank=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("two-factor event")
        verbose_name_plural = _("two-factor events")
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"
