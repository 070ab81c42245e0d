"""Display helpers of the billing pages (money and hours: ``supportdesk_format``)."""

from decimal import Decimal

from django import template

from supportdesk.common.choices import Channel

register = template.Library()


@register.filter
def percent(rate) -> str:
    if rate in (None, ""):
        return ""
    value = (Decimal(rate) * 100).normalize()
    return f"{value:f}%"


@register.filter
def channel_label(key) -> str:
    return str(dict(Channel.choices).get(key, key))
