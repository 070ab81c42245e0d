from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from supportdesk.common.models import TimeStampedModel

from .validators import validate_greek_tax_number


class Customer(TimeStampedModel):
    """A shop (company) the vendor supports. Everything a customer user sees hangs off it."""

    name = models.CharField(_("company name"), max_length=200)
    tax_number = models.CharField(
        _("tax number (ΑΦΜ)"), max_length=9, unique=True, validators=[validate_greek_tax_number]
    )
    tax_office = models.CharField(_("tax office (ΔΟΥ)"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # §9: outside the city and suburbs of the vendor's seat, visits carry travel costs,
    # an out-of-base fee and lodging for one person.
    is_out_of_town = models.BooleanField(_("out of town (§9)"), default=False)
    distance_km = models.PositiveIntegerField(
        _("distance from our offices (km)"), default=0,
        help_text=_("One way; used for travel costs of out-of-town visits (§9)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    # Folded copy of name, tax number and city for accent/case-insensitive search.
    search_text = models.TextField(editable=False, default="")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name


class Licence(TimeStampedModel):
    """A product the customer has licensed; its value drives the annual fee (§4)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="licences"
    )
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT,
        related_name="licences",
    )
    # Euros, excluding VAT; what the customer paid for the software (§4 annual fee base).
    value = models.DecimalField(
        _("licensed value (€)"), max_digits=12, decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    seats = models.PositiveIntegerField(_("seats"), default=1)
    licensed_on = models.DateField(_("licensed on"))
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=0), name="licence_value_not_negative",
                violation_error_message=_("A licence value cannot be negative."),
            ),
            models.UniqueConstraint(fields=["customer", "product"], name="licence_unique_product"),
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.product}"
