"""Small display helpers for the desk templates (money and hours: ``supportdesk_format``)."""

from django import template
from django.utils.translation import gettext as _

from supportdesk.tickets.models import Ticket

register = template.Library()


@register.filter
def minutes(value) -> str:
    """Whole minutes as "2 h 05 min" (working time in the SLA columns)."""
    try:
        total = int(value)
    except (TypeError, ValueError):
        return ""
    sign = "−" if total < 0 else ""
    total = abs(total)
    hours, mins = divmod(total, 60)
    if hours:
        return _("%(sign)s%(h)d h %(m)02d min") % {"sign": sign, "h": hours, "m": mins}
    return _("%(sign)s%(m)d min") % {"sign": sign, "m": mins}


@register.filter
def get_item(mapping, key):
    try:
        return mapping[key]
    except (KeyError, TypeError, IndexError):
        return None


@register.filter
def choice_label(key, kind: str) -> str:
    """The translated label of a stored machine key (events store keys, never translated text):
    ``{{ e.data.to|choice_label:"status" }}``; an unknown key is shown as it is."""
    choices = {"status": Ticket.Status, "category": Ticket.Category}.get(kind)
    if choices is None or key not in choices.values:
        return key
    return str(choices(key).label)
