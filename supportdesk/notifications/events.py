"""What people are told: the notification events, who they are for, and which of them a
user may switch off (docs/notifications.md "Events and recipients": the table of each
event's recipients, mandatory ones and the technicians' opt-in).

Machine keys (stored on rows and preferences); labels are translated at display time.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    # To the customer's people
    TICKET_RECEIVED = "ticket_received", _("Your request was received")
    STAFF_REPLY = "staff_reply", _("A reply from support")
    TICKET_WAITING = "ticket_waiting", _("Your request waits on you")
    TICKET_RESOLVED = "ticket_resolved", _("Your request was resolved")
    TICKET_CLOSED = "ticket_closed", _("Your request was closed")
    TICKET_REOPENED = "ticket_reopened", _("Your request was reopened")
    QUOTE_ISSUED = "quote_issued", _("A quote for out-of-scope work (§10)")
    STATEMENT_ISSUED = "statement_issued", _("A statement was issued")
    SATISFACTION_SURVEY = "satisfaction_survey", _("How did we do? (rating a resolved request)")
    # To the vendor's staff
    NEW_TICKET = "new_ticket", _("New request")
    CUSTOMER_REPLY = "customer_reply", _("The customer replied")
    ASSIGNED = "assigned", _("A request was assigned to you")
    QUOTE_DECIDED = "quote_decided", _("A quote was accepted or declined")
    EMERGENCY = "emergency", _("An emergency was recorded (§7)")
    SLA_WARNING = "sla_warning", _("A response is nearly due")
    SLA_BREACH = "sla_breach", _("A response is overdue")
    WEBHOOK_DISABLED = "webhook_disabled", _("A webhook was disabled after failing")


CUSTOMER_EVENTS = frozenset({
    Event.TICKET_RECEIVED, Event.STAFF_REPLY, Event.TICKET_WAITING, Event.TICKET_RESOLVED,
    Event.TICKET_CLOSED, Event.TICKET_REOPENED, Event.QUOTE_ISSUED, Event.STATEMENT_ISSUED,
    Event.SATISFACTION_SURVEY,
})
STAFF_EVENTS = frozenset(Event) - CUSTOMER_EVENTS

#: Never switched off: the answer to a question, what the customer must decide or pay, and
#: what staff must act on at once.
MANDATORY = frozenset({Event.STAFF_REPLY, Event.QUOTE_ISSUED, Event.STATEMENT_ISSUED,
                       Event.ASSIGNED, Event.SLA_BREACH, Event.WEBHOOK_DISABLED})

#: Off until the user opts in: a technician does not hear of every unassigned new request
#: (managers do, and the assignee always does).
OPT_IN_FOR_TECHNICIANS = frozenset({Event.NEW_TICKET})


def events_for(user) -> list[Event]:
    """The events a user can be told of, in display order."""
    audience = STAFF_EVENTS if getattr(user, "is_vendor_staff", False) else CUSTOMER_EVENTS
    return [event for event in Event if event in audience]


def enabled_by_default(user, event: str) -> bool:
    if event in OPT_IN_FOR_TECHNICIANS:
        return bool(getattr(user, "is_manager", False))
    return True
