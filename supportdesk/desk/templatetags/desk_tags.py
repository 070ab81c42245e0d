"""Small display helpers for the desk templates (money and hours: ``supportdesk_format``)."""

from django import template
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import localize
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


def _badges() -> dict[str, object]:
    """The SLA badge per state (and outcome), in the active language."""
    def badge(css, text):
        return format_html('<span class="badge {}">{}</span>', css, text)

    return {
        "breached": badge("breached", _("Breached")),
        "warning": badge("warning", _("At risk")),
        "paused": badge("paused", _("Paused")),
        ("answered", "met"): badge("ok", _("Answered in time")),
        ("answered", "late"): badge("ok", _("Answered late")),
        "answered": badge("ok", _("Answered after the target")),
        ("resolved", "met"): badge("ok", _("Resolved in time")),
        "resolved": badge("ok", _("Resolved after the target")),
        "ok": badge("ok", _("On time")),
        "": format_html('<span class="badge">{}</span>', _("No target")),
    }


def _badge(sla, badges) -> SafeString:
    return badges.get((sla.state, sla.outcome)) or badges.get(sla.state) or badges[""]


@register.simple_tag
def sla_badge(sla) -> SafeString:
    """The SLA badge of one request (``tickets.services.sla.SlaView``): the one place its
    states are spelled, for the queue's rows and every ``desk/_sla.html``."""
    return _badge(sla, _badges())


def _due(moment) -> str:
    return dateformat.format(timezone.localtime(moment), "D d/m H:i")


@register.simple_tag
def queue_rows(rows) -> SafeString:
    """The queue's rows, built here rather than by a template loop with two includes per
    row: that loop was two thirds of the queue page's time, the page a desk reloads all day
    (issues 5, 11: the load benchmark's queue target). Same markup as the loop it replaced."""
    badges = _badges()
    ticket_url = reverse("desk:ticket", args=[_PK])
    customer_url = reverse("desk:customer", args=[_PK])
    pk_text = str(_PK)
    labels = {key: _(key) for key in (
        "Customer", "Tier", "Status", "Technician", "Response due", "Working time left",
        "Target used", "SLA", "Resolution")}
    out_of_scope = format_html(' · <span class="badge warning">{}</span>',
                               _("Out of scope (§10)"))
    emergency = format_html(' · <span class="badge breached">{}</span>', _("Emergency (§7)"))
    unassigned = format_html('<span class="muted">{}</span>', _("Unassigned"))

    def row(item):
        t, sla, resolution = item.ticket, item.sla, item.resolution
        notes = [t.get_received_via_display()]
        if t.product_id:
            notes.append(f" · {t.product.name}")
        notes = format_html_join("", "{}", ((n,) for n in notes))
        marks = format_html(
            "{}{}{}", out_of_scope if t.is_out_of_scope else "",
            emergency if t.emergency == "pending" else "",
            format_html(' · <span class="badge {}">{}</span>',
                        "breached" if t.priority == "urgent" else "warning",
                        t.get_priority_display())
            if t.priority in ("urgent", "high") else "")
        who = (_name(t.assignee) if t.assignee_id else unassigned)
        due = _due(sla.due_at) if sla.due_at else "—"
        if resolution is not None and resolution.due_at:
            resolution_badge = (format_html(" {}", _badge(resolution, badges))
                                if resolution.state in ("breached", "warning") else "")
            due = format_html('{}<div class="muted small">{}: {}{}</div>', due,
                              labels["Resolution"], _due(resolution.due_at), resolution_badge)
        if sla.state in ("answered", "none"):
            left = "—"
        elif sla.state == "breached":
            left = format_html('<span class="error">{}</span>',
                               _("%(late)s late") % {"late": minutes(sla.overdue_minutes)})
        else:
            left = minutes(sla.left_minutes)
        used = (format_html('<span class="meter meter-{} meter-{}" aria-hidden="true"><span>'
                            '</span></span> {}%', sla.percent_bar, sla.state,
                            localize(sla.percent_used))
                if sla.target_minutes else "")
        return format_html(
            '<tr class="sla-{}">\n      <td class="queue-title"><input type="checkbox" '
            'name="ids" value="{}" form="bulk" class="bulk-pick" aria-label="{}"> '
            '<a href="{}">{}</a> {}\n        <div class="muted small">{}{}</div></td>\n'
            '      <td data-label="{}"><a href="{}">{}</a></td>\n'
            '      <td data-label="{}">{}</td>\n      <td data-label="{}">{}</td>\n'
            '      <td data-label="{}">{}</td>\n      <td data-label="{}">{}</td>\n'
            '      <td data-label="{}" class="num">{}</td>\n      <td data-label="{}">{}</td>\n'
            '      <td data-label="{}">{}</td>\n    </tr>',
            sla.state, t.pk, _("Select %(ref)s") % {"ref": t.reference},
            ticket_url.replace(pk_text, str(t.pk)), t.reference, t.subject, notes, marks,
            labels["Customer"], customer_url.replace(pk_text, str(t.customer_id)),
            t.customer.name, labels["Tier"], t.get_tier_display(),
            labels["Status"], t.get_status_display(), labels["Technician"], who,
            labels["Response due"], due, labels["Working time left"], left,
            labels["Target used"], used, labels["SLA"], _badge(sla, badges))

    return format_html_join("\n", "{}", ((row(item),) for item in rows))


_PK = 2_147_480_000  # a placeholder id, replaced in the one reversed URL of a list
