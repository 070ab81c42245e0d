"""Small display helpers for the desk templates (money and hours: ``supportdesk_format``)."""

from django import template
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
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


# The ticket page's long lists (the conversation, the history) are built here rather than by
# template loops: with 50 messages and 50 events the loops' lookups were most of the page's
# rendering (issue 13, ``bench/bench_desk.py --pages ticket``). Same markup as before.


def _when(moment, pattern="%d/%m/%Y %H:%M") -> str:
    return moment.astimezone(timezone.get_current_timezone()).strftime(pattern)


def _name(user, fallback="") -> str:
    if user is None:
        return fallback
    return user.get_full_name() or user.username or fallback


@register.simple_tag
def conversation_rows(conversation, originals) -> SafeString:
    """The messages of a request, oldest first, with the full original of a trimmed mail."""
    if not conversation:
        return format_html('<p class="muted">{}</p>', _("No replies yet."))
    badges = {
        "internal": format_html('<span class="badge warning">{}</span> ', _("Internal note")),
        "staff": format_html('<span class="badge">{}</span> ', _("Our reply")),
        "customer": format_html('<span class="badge paused">{}</span> ', _("Customer")),
    }
    show_full = _("Show full message")
    deleted = _("(deleted user)")
    originals = originals or {}

    def row(message):
        author = message.author
        kind = ("internal" if message.is_internal
                else "staff" if author is not None and author.is_vendor_staff else "customer")
        full = originals.get(message.pk)
        full_html = (format_html('<details class="mail-full"><summary>{}</summary>'
                                 '<p class="pre">{}</p></details>', show_full, full)
                     if full else "")
        return (kind, badges[kind], _name(author, deleted), _when(message.created_at),
                message.body, full_html)

    return format_html_join(
        "\n", '<article class="message {}"><div class="muted small">{}{} · {}</div>'
        '<p class="pre">{}</p>{}</article>', (row(m) for m in conversation))


@register.simple_tag
def event_rows(events) -> SafeString:
    """A request's history lines, newest first, status and scope changes spelled out."""
    def detail(event):
        if event.kind in ("status_changed", "category_changed"):
            kind = "status" if event.kind == "status_changed" else "category"
            data = event.data or {}
            before, after = choice_label(data.get("from"), kind), choice_label(data.get("to"), kind)
            return f": {before} → {after}"
        return ""

    return format_html_join(
        "", '<li><span class="muted">{}</span> {}{}{}</li>',
        ((_when(e.created_at), e.get_kind_display(), detail(e),
          f" · {_name(e.actor)}" if e.actor is not None else "") for e in events))
