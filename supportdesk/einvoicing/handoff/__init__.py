"""The provider hand-off: the adapter interface (``base``) and the one generic HTTP
adapter configured from settings (``http``), docs/einvoicing.md "Hand-off"."""

from __future__ import annotations

from django.conf import settings

from supportdesk.billing.services import einvoice_provider_configured

from .base import Adapter, Answer, ProviderError
from .http import GenericHttpAdapter, ProviderConfig, map_answer

__all__ = ["Adapter", "Answer", "GenericHttpAdapter", "ProviderConfig", "ProviderError",
           "adapter", "is_configured", "map_answer", "payload_format"]

FORMATS = ("mydata", "ubl")


def is_configured() -> bool:
    """The same question billing asks before it lets a manager type a ΜΑΡΚ."""
    return einvoice_provider_configured()


def payload_format() -> str:
    value = getattr(settings, "SUPPORTDESK_EINVOICE_FORMAT", "mydata")
    if value not in FORMATS:
        raise ValueError(f"SUPPORTDESK_EINVOICE_FORMAT must be one of {FORMATS}")
    return value


def adapter() -> Adapter:
    """The configured provider's adapter (read at each call: settings are never read at
    import time)."""
    return GenericHttpAdapter(ProviderConfig.from_settings())
