from django.db import models
from django.utils.translation import gettext_lazy as _

from supportdesk.common.models import TimeStampedModel


class Product(TimeStampedModel):
    """A program the vendor makes; support covers only these (§10)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Release(TimeStampedModel):
    """An updated version of a product; only tiers entitled to updates may download it (§4)."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="releases"
    )
    version = models.CharField(_("version"), max_length=40)
    released_on = models.DateField(_("released on"))
    notes = models.TextField(_("release notes"), blank=True)
    file = models.FileField(_("file"), upload_to="releases/", blank=True)

    class Meta:
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        ordering = ["-released_on"]
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="release_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.version}"
