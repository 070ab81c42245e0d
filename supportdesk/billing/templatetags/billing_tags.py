from decimal import Decimal

from django import template
from django.utils import translation

register = template.Library()


@register.filter
def eur(value) -> str:
    """1.234,56 € in Greek, €1,234.56 in English (the rules engine's format_eur)."""
    from supportdesk.domain.money import format_eur

    if value in (None, ""):
        return ""
    return format_eur(Decimal(value), translation.get_language() or "el")


@register.filter
def hours(minutes) -> str:
    """Whole minutes as h:mm."""
    if minutes in (None, ""):
        return ""
    minutes = int(minutes)
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    return f"{sign}{minutes // 60}:{minutes % 60:02d}"


@register.filter
def percent(rate) -> str:
    if rate in (None, ""):
        return ""
    value = (Decimal(rate) * 100).normalize()
    return f"{value:f}%"


@register.filter
def channel_label(key) -> str:
    from supportdesk.common.choices import Channel

    return str(dict(Channel.choices).get(key, key))
