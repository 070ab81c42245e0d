"""``{% ticket_work_panel ticket user %}``: the work panel of a ticket page (timer, entries,
remote sessions, visits, emergency assessment), fetching its own data through the worklog
selectors in a fixed number of queries. Money and hours: ``supportdesk_format``."""

from django import template
from django.utils.translation import get_language

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

