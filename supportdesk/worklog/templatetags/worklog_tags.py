"""``{% ticket_work_panel ticket user %}``: the work panel of a ticket page (timer, entries,
remote sessions, visits, emergency assessment), fetching its own data through the worklog
selectors in a fixed number of queries. Money and hours: ``supportdesk_format``."""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

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



_PK = 2_147_480_000  # a placeholder id, replaced in the one reversed URL (see entry_rows)


@register.simple_tag
def entry_rows(entries) -> SafeString:
    """The rows of a work-entry table, built here rather than by a template loop: the ticket
    page shows up to 50 and the loop's lookups were a third of its rendering (issue 13,
    ``bench/bench_desk.py --pages ticket``). The markup is the one the tests and the
    browser read: ``tr.work-entry[data-entry]``, ``td.entry-price``."""
    if not entries:
        return format_html('<tr><td colspan="6" class="muted">{}</td></tr>',
                           _("No work recorded yet."))
    detail = reverse("worklog:entry_detail", args=[_PK])
    lang = get_language() or "el"
    locked_badge = format_html('<span class="badge">{}</span> ', _("billed, locked"))
    details = _("details")
    tz = timezone.get_current_timezone()

    def row(entry):
        started = entry.started_at.astimezone(tz)
        who = entry.technician.get_full_name() or entry.technician.username
        channel = entry.get_channel_display()
        if entry.kind == "training":
            channel = f"{channel} · {entry.get_kind_display()}"
        return (" locked" if entry.is_locked else "", entry.pk,
                started.strftime("%d/%m/%Y %H:%M"),
                entry.ended_at.astimezone(tz).strftime("%H:%M"), who, channel,
                entry.duration_minutes, entry_price_label(entry, lang=lang),
                locked_badge if entry.is_locked else "",
                detail.replace(str(_PK), str(entry.pk)), details)

    return format_html_join(
        "\n", '<tr class="work-entry{}" data-entry="{}"><td>{}–{}</td><td>{}</td><td>{}</td>'
        '<td class="num">{}</td><td class="entry-price">{}</td><td>{}<a href="{}">{}</a>'
        '</td></tr>', (row(e) for e in entries))
