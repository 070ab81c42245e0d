"""What a request's people are told (docs/notifications.md, docs/security.md #18, #7, #42).

Every function here is called by a ticket service *inside* its transaction and hands the
event to ``notifications.services.notify``: one row per recipient, written with the change
(a rollback writes nothing), sent after commit, the recipient checked again at send time.

Customer mails carry the reply token in the subject and Message-ID/References
(``notifications.tokens``), Reply-To the intake address and ``X-Auto-Response-Suppress``;
they go to the request's contact (still active and still the customer's), else to the
customer's active users. Staff mails go to the assignee, else the managers (new requests:
the managers and the technicians who opted in).

Templates: ``tickets/notifications/<name>.subject.txt|.txt|.html``, rendered in each
recipient's language.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from supportdesk.common.choices import Tier
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.text import clean_text
from supportdesk.contracts.selectors import tariff_to_domain, tariff_version_for
from supportdesk.entitlements.selectors import hours_left
from supportdesk.notifications.events import Event
from supportdesk.notifications.services import address_valid, message_id_domain, notify
from supportdesk.notifications.tokens import header_token, subject_token
from supportdesk.tickets.models import Ticket

logger = logging.getLogger(__name__)

#: Dates in customer mail: the contract's time zone, 24-hour, dd/mm/YYYY HH:MM.
MAIL_TZ = ZoneInfo("Europe/Athens")
TEMPLATES = "tickets/notifications"

#: Status reached -> the customer event it is told as.
STATUS_EVENTS = {
    Ticket.Status.WAITING_CUSTOMER: Event.TICKET_WAITING,
    Ticket.Status.RESOLVED: Event.TICKET_RESOLVED,
    Ticket.Status.CLOSED: Event.TICKET_CLOSED,
}


def local_text(moment: datetime | None) -> str:
    """``dd/mm/YYYY HH:MM`` in Athens time ("" for none)."""
    if moment is None:
        return ""
    return timezone.localtime(moment, MAIL_TZ).strftime("%d/%m/%Y %H:%M")


def site_url(path: str) -> str:
    # Mail is read outside the site: absolute links on the configured host, never one
    # taken from a request's Host header.
    return settings.SUPPORTDESK_SITE_URL.rstrip("/") + path


# ----------------------------------------------------------------------------- recipients


def customer_recipients(ticket) -> list:
    """The request's contact (active, still one of the customer's users); without one, every
    active user of its customer (one per address)."""
    contact = ticket.contact
    if (contact is not None and contact.is_active and contact.customer_id == ticket.customer_id
            and address_valid(contact.email)):
        return [contact]
    users = get_user_model().objects.filter(
        customer_id=ticket.customer_id, role="customer", is_active=True).order_by("pk")
    out, seen = [], set()
    for user in users:
        address = address_valid(user.email).lower()
        if address and address not in seen:
            seen.add(address)
            out.append(user)
    return out


#: The former name (it returned addresses; now the users).
reply_recipients = customer_recipients


def managers() -> list:
    User = get_user_model()
    return list(User.objects.filter(role=User.Role.MANAGER, is_active=True).order_by("pk"))


def assignee_or_managers(ticket) -> list:
    assignee = ticket.assignee
    if assignee is not None and assignee.is_vendor_staff:
        return [assignee]
    return managers()


def new_ticket_recipients(ticket) -> list:
    """The assignee; else the managers and every technician (``notify`` keeps only the
    technicians who opted in to new requests)."""
    assignee = ticket.assignee
    if assignee is not None and assignee.is_vendor_staff:
        return [assignee]
    User = get_user_model()
    return list(User.objects.filter(role__in=[User.Role.MANAGER, User.Role.TECHNICIAN],
                                    is_active=True).order_by("pk"))


# ----------------------------------------------------------------------------- context


def intake_address() -> str:
    return address_valid(settings.SUPPORTDESK_INTAKE_ADDRESS) or settings.DEFAULT_FROM_EMAIL


def thread_mail(ticket_id: int) -> dict:
    """Reply-To, Message-ID, In-Reply-To/References with the reply token, and the header
    that asks Exchange & co. not to answer with out-of-office mail (no loops, #20).
    ``{n}`` makes the Message-ID one per recipient (``notify``): each is another message,
    perhaps in another language, and a mail server may drop a second one with the same id
    (docs/notifications.md "Headers")."""
    domain = message_id_domain()
    thread = f"<{header_token(ticket_id)}@{domain}>"
    return {"reply_to": [intake_address()],
            "message_id": f"<{header_token(ticket_id)}.{uuid.uuid4().hex}.{{n}}@{domain}>",
            "in_reply_to": thread, "references": thread,
            "headers": {"X-Auto-Response-Suppress": "All"}}


def ticket_context(ticket, *, staff: bool) -> dict:
    context = {
        "ticket": ticket, "reference": ticket.reference,
        "subject": clean_text(ticket.subject), "customer_name": clean_text(ticket.customer.name),
        "token": subject_token(ticket.pk),
    }
    if staff:
        context["url"] = site_url(reverse("desk:ticket", args=[ticket.pk]))
    else:
        context["url"] = site_url(reverse("portal:ticket", args=[ticket.pk]))
    return context


def _tell_customer(ticket, *, event: str, key: str, template: str, extra: dict | None = None,
                   users=None) -> None:
    context = {**ticket_context(ticket, staff=False), **(extra or {})}
    notify(event=event, users=customer_recipients(ticket) if users is None else users,
           key=key, template=f"{TEMPLATES}/{template}", context=context,
           customer_id=ticket.customer_id, ticket_id=ticket.pk,
           link=reverse("portal:ticket", args=[ticket.pk]), **thread_mail(ticket.pk))


def _tell_staff(ticket, *, event: str, key: str, template: str, users, by=None,
                extra: dict | None = None) -> None:
    users = [u for u in users if by is None or u.pk != getattr(by, "pk", None)]
    if not users:
        return
    context = {**ticket_context(ticket, staff=True), **(extra or {})}
    notify(event=event, users=users, key=key, template=f"{TEMPLATES}/{template}",
           context=context, customer_id=None, ticket_id=ticket.pk,
           link=reverse("desk:ticket", args=[ticket.pk]))


# ----------------------------------------------------------------------------- events


def _promise(ticket) -> dict:
    """What the contract promises for this request: the response due moment, and for Free
    the hourly price and the prepaid hours left; out of scope (§10) needs an agreement."""
    promise = {"due": local_text(ticket.response_due_at),
               "due_max": local_text(ticket.response_due_max_at),
               "is_free": ticket.tier == Tier.FREE, "out_of_scope": ticket.is_out_of_scope,
               "rate": None, "bank_minutes": None}
    if promise["is_free"]:
        today = timezone.localdate(ticket.received_at)
        with contextlib.suppress(ApplicationError):  # no tariff yet: no price to state
            promise["rate"] = tariff_to_domain(tariff_version_for(
                contract=ticket.contract, day=today)).standard_rate_per_hour
        promise["bank_minutes"] = hours_left(customer_id=ticket.customer_id,
                                             contract=ticket.contract, today=today).bank_minutes
    return promise


def ticket_created_notify(ticket, *, by) -> None:
    """A new request: the customer's acknowledgement (its promise) and staff's "new request"
    (never to the staff member who logged it)."""
    _tell_customer(ticket, event=Event.TICKET_RECEIVED, key=f"ticket_received:{ticket.pk}",
                   template="received", extra=_promise(ticket))
    _tell_staff(ticket, event=Event.NEW_TICKET, key=f"new_ticket:{ticket.pk}",
                template="new_ticket", users=new_ticket_recipients(ticket), by=by,
                extra={"channel": ticket.get_received_via_display(),
                       "body": clean_text(ticket.body), "due": local_text(ticket.response_due_at)})


def staff_reply_notify(message) -> None:
    """A public staff reply, to the customer (an internal note never comes here)."""
    ticket = message.ticket
    author = message.author
    name = (author.get_full_name() or author.get_username()) if author else ""
    _tell_customer(ticket, event=Event.STAFF_REPLY, key=f"staff_reply:{ticket.pk}:{message.pk}",
                   template="staff_reply",
                   extra={"body": clean_text(message.body), "author_name": clean_text(name)})


def customer_reply_notify(message) -> None:
    """A customer's reply (portal or e-mail), to the assignee, else the managers."""
    ticket = message.ticket
    author = message.author
    name = (author.get_full_name() or author.get_username()) if author else ""
    _tell_staff(ticket, event=Event.CUSTOMER_REPLY,
                key=f"customer_reply:{ticket.pk}:{message.pk}", template="customer_reply",
                users=assignee_or_managers(ticket),
                extra={"body": clean_text(message.body), "author_name": clean_text(name)})


def status_notify(ticket, *, old: str, new: str, event_id: int) -> None:
    """Waiting on you, resolved, closed, reopened: to the customer (key per TicketEvent)."""
    if new in STATUS_EVENTS:
        event = STATUS_EVENTS[new]
    elif new == Ticket.Status.OPEN and old in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED):
        event = Event.TICKET_REOPENED
    else:
        return
    _tell_customer(ticket, event=event, key=f"{event}:{ticket.pk}:{event_id}",
                   template="status", extra={"event": str(event)})


def assigned_notify(ticket, *, assignee, by, event_id: int) -> None:
    """The new assignee (not when they took it themselves)."""
    if assignee is None or assignee.pk == getattr(by, "pk", None):
        return
    by_name = (by.get_full_name() or by.get_username()) if by else ""
    _tell_staff(ticket, event=Event.ASSIGNED, key=f"assigned:{ticket.pk}:{event_id}",
                template="assigned", users=[assignee],
                extra={"by_name": clean_text(by_name), "due": local_text(ticket.response_due_at)})
