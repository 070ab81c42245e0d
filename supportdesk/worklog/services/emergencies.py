"""Out-of-hours emergencies (§7).

"In an emergency and outside support hours, you can leave a message on one of our mobile
phones; your request will be assessed as to the reaction time and, depending on the case,
may be served outside support hours with a 20% surcharge on the time or the fee."

A technician records the message as an emergency request (``emergency = pending``), then
accepts or declines it with a reason. Accepting changes no price here: the entries service
reads ``ticket.emergency == accepted`` and the calendar's out-of-hours minutes, and the rules
engine applies the surcharge (docs/rules.md "Out-of-hours surcharge"). Unbilled entries
already logged on the request are re-priced on accept/decline so that they follow the decision.
"""

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supportdesk.accounts.models import User
from supportdesk.common.dates import ensure_dates_in_range
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import ensure_staff
from supportdesk.common.text import clean_text
from supportdesk.customers.models import Customer
from supportdesk.notifications.events import Event
from supportdesk.notifications.services import notify
from supportdesk.tickets.models import Ticket, TicketEvent
from supportdesk.tickets.services.lifecycle import ticket_create
from supportdesk.tickets.services.notices import local_text, managers, ticket_context
from supportdesk.worklog.models import WorkEntry
from supportdesk.worklog.services.entries import work_entry_update

EMERGENCY_ONLY_STAFF = _("Only the vendor's staff assess emergencies (§7).")
EMERGENCY_NOT_PENDING = _(
    "This request is not an emergency awaiting assessment (it was already accepted or "
    "declined, or it is not an emergency). Nothing was changed."
)
EMERGENCY_REASON_REQUIRED = _(
    "Give the reason for the decision: the customer and billing rely on it."
)
EMERGENCY_REASON_TOO_LONG = _("The reason is too long (at most 2000 characters).")
EMERGENCY_CLOSED = _("This request is closed: an emergency on it can no longer be assessed.")

REASON_MAX_CHARS = 2000



def emergency_intake(
    *,
    customer: Customer,
    subject: str,
    body: str,
    contact_name: str = "",
    received_at: datetime | None = None,
    product=None,
    by: User,
) -> Ticket:
    """Record an emergency message left outside hours as a request awaiting assessment."""
    ensure_staff(by, EMERGENCY_ONLY_STAFF)
    ensure_dates_in_range(received_at)  # docs/security.md #43
    with transaction.atomic():
        ticket = ticket_create(
            customer=customer, subject=subject, body=body, contact_name=contact_name,
            received_at=received_at or timezone.now(), product=product, by=by,
            is_emergency=True, received_via=Ticket.ReceivedVia.EMERGENCY_MESSAGE,
        )
        _emergency_notify(ticket, by=by)
    return ticket


def _emergency_notify(ticket: Ticket, *, by: User) -> None:
    """The managers and the assignee hear of an emergency to assess (never the one who
    recorded it); written with the request, sent after commit."""
    users = [u for u in managers() if u.pk != by.pk]
    if ticket.assignee is not None and ticket.assignee.is_vendor_staff and \
            ticket.assignee_id != by.pk:
        users.append(ticket.assignee)
    if not users:
        return
    notify(event=Event.EMERGENCY, users=users, key=f"emergency:{ticket.pk}",
           template="worklog/notifications/emergency",
           context={**ticket_context(ticket, staff=True), "body": clean_text(ticket.body),
                    "contact_name": clean_text(ticket.contact_name),
                    "received": local_text(ticket.received_at),
                    "by_name": clean_text(by.get_full_name() or by.get_username())},
           customer_id=None, ticket_id=ticket.pk, link=reverse("desk:ticket", args=[ticket.pk]))


def _decide(*, ticket: Ticket, by: User, reason: str, outcome: str, event: str) -> Ticket:
    ensure_staff(by, EMERGENCY_ONLY_STAFF)
    reason = clean_text(reason).strip()
    if not reason:
        raise ApplicationError(EMERGENCY_REASON_REQUIRED, code="reason_required")
    if len(reason) > REASON_MAX_CHARS:
        raise ApplicationError(EMERGENCY_REASON_TOO_LONG, code="reason_too_long")
    with transaction.atomic():
        # Locked so that an accept and a decline racing each other cannot both win.
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.emergency != Ticket.Emergency.PENDING:
            raise ApplicationError(EMERGENCY_NOT_PENDING, code="emergency_not_pending")
        if locked.status == Ticket.Status.CLOSED:
            raise ApplicationError(EMERGENCY_CLOSED, code="ticket_closed")
        locked.emergency = outcome
        locked.emergency_reason = reason
        locked.full_clean()
        locked._change_reason = event  # simple-history: why this version exists
        locked.save(update_fields=["emergency", "emergency_reason", "updated_at"])
        TicketEvent.objects.create(
            ticket=locked, kind=event, actor=by, data={"reason": reason}, is_internal=False,
        )
        _reprice_unbilled_entries(ticket=locked, by=by)
    ticket.emergency = locked.emergency
    ticket.emergency_reason = locked.emergency_reason
    return ticket


def _reprice_unbilled_entries(*, ticket: Ticket, by: User) -> None:
    """Entries logged while the emergency was pending follow the decision (§7 surcharge)."""
    for entry in WorkEntry.objects.filter(ticket=ticket, locked_at__isnull=True):
        entry.ticket = ticket
        work_entry_update(entry=entry, by=by)


def emergency_accept(*, ticket: Ticket, by: User, reason: str) -> Ticket:
    """Accept to serve the emergency out of hours, with the §7 surcharge."""
    return _decide(ticket=ticket, by=by, reason=reason, outcome=Ticket.Emergency.ACCEPTED,
                   event=TicketEvent.Kind.EMERGENCY_ACCEPTED)


def emergency_decline(*, ticket: Ticket, by: User, reason: str) -> Ticket:
    """Decline out-of-hours service: the request waits for the next working moment."""
    return _decide(ticket=ticket, by=by, reason=reason, outcome=Ticket.Emergency.DECLINED,
                   event=TicketEvent.Kind.EMERGENCY_DECLINED)
