"""``{% ticket_work_panel ticket user %}``: the work panel of a ticket page (timer, entries,
remote sessions, visits, emergency assessment), fetching its own data through the worklog
selectors in a fixed number of queries."""

from django import template
from django.utils.translation import get_language

from supportdesk.domain.money import format_eur
from supportdesk.worklog.pricing_display import entry_price_label
from supportdesk.worklog.selectors import ticket_work_panel as panel_data

register = template.Library()


@register.inclusion_tag("worklog/_panel.html", takes_context=True)
def ticket_work_panel(context, ticket, user):
    panel = panel_data(ticket=ticket, user=user)
    return {
        "panel": panel,
        "ticket": ticket,
        "user": user,
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def price_label(entry) -> str:
    return entry_price_label(entry, lang=get_language() or "el")


@register.filter
def eur(amount) -> str:
    """``1.234,56 €`` in Greek, ``€1,234.56`` in English (SPEC non-negotiables)."""
    if amount is None or amount == "":
        return ""
    return format_eur(amount, get_language() or "el")


@register.filter
def hours_minutes(minutes) -> str:
    """``95`` → ``1:35`` (hours:minutes) for totals."""
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        return ""
    return f"{minutes // 60}:{minutes % 60:02d}"
