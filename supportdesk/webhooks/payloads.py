"""The payload of each event, one function per kind with a fixed shape (docs/webhooks.md
"Payloads"). Built once, in the transaction of the change, from the row the producer
announced; stored and sent as those exact bytes on every attempt.

Every payload is about one customer: ``customer`` is the customer of the event's request or
statement and nothing of another customer is read (internal notes never come here: the
producer announces public replies only). Money is a decimal string in euros; times are ISO
8601 in UTC.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse

from supportdesk.agreements.models import Quote
from supportdesk.billing.models import Statement
from supportdesk.notifications.announcements import Announcement, Happening
from supportdesk.tickets.models import Message, Ticket

from .models import EVENT_NAMESPACE

#: Bumped only for a change a receiver could trip on (a field removed or changed meaning).
PAYLOAD_VERSION = 1


def event_id_for(key: str) -> uuid.UUID:
    return uuid.uuid5(EVENT_NAMESPACE, key)


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def _link(name: str, *args) -> str:
    return settings.SUPPORTDESK_SITE_URL.rstrip("/") + reverse(name, args=args)


def ticket_data(ticket: Ticket) -> dict[str, Any]:
    assignee = ticket.assignee
    return {
        "id": ticket.pk, "reference": ticket.reference, "subject": ticket.subject,
        "status": ticket.status, "tier": ticket.tier, "category": ticket.category,
        "received_via": ticket.received_via, "emergency": ticket.emergency,
        "product": ticket.product.code if ticket.product_id else None,
        "assignee": (assignee.get_full_name() or assignee.get_username()) if assignee else None,
        "received_at": _time(ticket.received_at),
        "response_due_at": _time(ticket.response_due_at),
        "response_due_max_at": _time(ticket.response_due_max_at),
        "first_response_at": _time(ticket.first_response_at),
        "resolved_at": _time(ticket.resolved_at), "closed_at": _time(ticket.closed_at),
        "priority": ticket.priority,
        "resolution_due_at": _time(ticket.resolution_due_at),
        "sla_outcome": ticket.sla_outcome or None,
        "resolution_outcome": ticket.resolution_outcome or None,
        "url": _link("desk:ticket", ticket.pk),
    }


def _customer(customer_id: int | None, name: str) -> dict[str, Any] | None:
    return None if customer_id is None else {"id": customer_id, "name": name}


def _ticket_created(a: Announcement) -> tuple[dict, dict | None]:
    ticket: Ticket = a.subject
    return ({"ticket": {**ticket_data(ticket), "body": ticket.body}},
            _customer(ticket.customer_id, ticket.customer.name))


def _ticket_status_changed(a: Announcement) -> tuple[dict, dict | None]:
    ticket: Ticket = a.subject
    return ({"ticket": ticket_data(ticket), "from": a.data["old"], "to": a.data["new"]},
            _customer(ticket.customer_id, ticket.customer.name))


def _ticket_sla(a: Announcement) -> tuple[dict, dict | None]:
    ticket: Ticket = a.subject
    # Which promise: the first response's, or the resolution's (by tier and priority).
    return ({"ticket": ticket_data(ticket), "clock": a.data.get("clock", "response")},
            _customer(ticket.customer_id, ticket.customer.name))


def _reply_added(a: Announcement) -> tuple[dict, dict | None]:
    message: Message = a.subject
    ticket = message.ticket
    author = message.author
    # By role, not by is_vendor_staff: a reply stays staff's after its author left.
    by_staff = bool(author is not None and author.role != author.Role.CUSTOMER)
    return ({"ticket": ticket_data(ticket),
             "message": {"id": message.pk, "body": message.body,
                         "author": {"kind": "staff" if by_staff else "customer",
                                    "name": (author.get_full_name() or author.get_username())
                                    if author else None},
                         "created_at": _time(message.created_at)}},
            _customer(ticket.customer_id, ticket.customer.name))


def _statement_issued(a: Announcement) -> tuple[dict, dict | None]:
    statement: Statement = a.subject
    return ({"statement": {
        "id": statement.pk, "number": statement.display_number, "kind": statement.kind,
        "status": statement.status, "period_start": _day(statement.period_start),
        "period_end": _day(statement.period_end), "issued_at": _time(statement.issued_at),
        "due_on": _day(statement.due_on), "currency": "EUR",
        "net_total": _money(statement.net_total), "vat_total": _money(statement.vat_total),
        "total": _money(statement.total),
        "pdf_url": _link("portal:statement_pdf", statement.pk)}},
        _customer(statement.customer_id, statement.customer_name))


def _quote_decided(a: Announcement) -> tuple[dict, dict | None]:
    quote: Quote = a.subject
    ticket = quote.ticket
    return ({"quote": {
        "id": quote.pk, "kind": quote.kind, "status": quote.status, "revision": quote.revision,
        "description": quote.description, "currency": "EUR", "amount": _money(quote.amount),
        "rate_per_hour": _money(quote.rate_per_hour),
        "estimated_minutes": quote.estimated_minutes,
        "valid_until": _day(quote.valid_until), "decided_at": _time(quote.decided_at),
        "decision_note": quote.decision_note or ""},
        "ticket": ticket_data(ticket)},
        _customer(ticket.customer_id, ticket.customer.name))


BUILDERS: dict[str, Callable[[Announcement], tuple[dict, dict | None]]] = {
    Happening.TICKET_CREATED: _ticket_created,
    Happening.TICKET_STATUS_CHANGED: _ticket_status_changed,
    Happening.TICKET_SLA_WARNING: _ticket_sla,
    Happening.TICKET_SLA_BREACH: _ticket_sla,
    Happening.TICKET_REPLY_ADDED: _reply_added,
    Happening.STATEMENT_ISSUED: _statement_issued,
    Happening.QUOTE_ACCEPTED: _quote_decided,
    Happening.QUOTE_DECLINED: _quote_decided,
}


def payload_body(announcement: Announcement, *, occurred_at: datetime) -> tuple[uuid.UUID, str]:
    """The event id and the JSON text of ``announcement``'s payload."""
    data, customer = BUILDERS[announcement.event](announcement)
    event_id = event_id_for(announcement.key)
    envelope = {"id": str(event_id), "type": announcement.event, "version": PAYLOAD_VERSION,
                "occurred_at": _time(occurred_at), "customer": customer, "data": data}
    return event_id, json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
