"""Reads of customers: the one finder every staff intake form uses."""

from django.db.models import Q

from supportdesk.common.text import fold

from .models import Customer

CUSTOMER_SEARCH_LIMIT = 20


def customer_search(*, q: str, limit: int = CUSTOMER_SEARCH_LIMIT) -> list[Customer]:
    """Active customers whose folded name, tax number or city contain every word of ``q``
    (so "αλφα" finds "Κοσμήματα Άλφα"); staff only (the views check)."""
    terms = fold(q)[:100].split()[:5]
    if not terms:
        return []
    condition = Q(is_active=True)
    for term in terms:
        condition &= Q(search_text__contains=term)
    return list(Customer.objects.filter(condition).order_by("name", "pk")[:limit])
