from django.http import HttpRequest

from supportdesk.common.brand import brand_context


def brand(request: HttpRequest) -> dict:
    """``brand`` (name, colours), ``brand_logo_url`` and ``product_name`` for every page."""
    return brand_context()
