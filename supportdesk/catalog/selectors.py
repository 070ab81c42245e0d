"""Reads of the catalogue: which products a customer may ask support about."""

from django.db.models import QuerySet

from .models import Product


def licensed_products(*, customer_id: int) -> QuerySet[Product]:
    """§10: support covers the vendor's active products the customer holds an active
    licence for; every intake door (portal, API, the request service) asks here."""
    return Product.objects.filter(licences__customer_id=customer_id, licences__is_active=True,
                                  is_active=True).distinct()
