"""What happened, for the systems outside: the business events other software may hear of.

A producer (tickets, agreements, billing) calls :func:`announce` inside the transaction of
the change, next to its ``notify()`` of the people concerned. Listeners registered by the
apps above (``supportdesk.webhooks`` in its ``ready()``) are called at once, in that same
transaction: what they write (a webhook delivery row) is committed with the change or rolled
back with it, and anything they send goes after commit. Producers import this module, the
listeners import it too, and it imports nobody: the dependency points one way (down), as the
import-linter layers require; it is a plain list of callables rather than a Django signal
so that the call sites and the one listener are easy to find.

Event names are stable machine keys (docs/webhooks.md); ``key`` names one occurrence so that
the same change announced twice (a retried job) is one event.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Happening(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("Request created")
    TICKET_STATUS_CHANGED = "ticket.status_changed", _("Request status changed")
    TICKET_SLA_WARNING = "ticket.sla_warning", _("Response nearly due (SLA warning)")
    TICKET_SLA_BREACH = "ticket.sla_breach", _("Response overdue (SLA breach)")
    TICKET_REPLY_ADDED = "ticket.reply_added", _("Reply added")
    STATEMENT_ISSUED = "statement.issued", _("Statement issued")
    QUOTE_ACCEPTED = "quote.accepted", _("Quote accepted")
    QUOTE_DECLINED = "quote.declined", _("Quote declined")


@dataclass(frozen=True)
class Announcement:
    event: str                 # a Happening value
    key: str                   # one occurrence, e.g. "ticket.status_changed:12:345"
    customer_id: int | None    # whose data it is (None: nobody's; never sent restricted)
    subject: Any               # the row it is about: Ticket, Message, Statement or Quote
    data: Mapping[str, Any] = field(default_factory=dict)  # plain extra facts (from/to)


Listener = Callable[[Announcement], None]
ManyListener = Callable[[list[Announcement]], None]
_listeners: list[tuple[Listener, ManyListener | None]] = []


def listen(listener: Listener, *, many: ManyListener | None = None) -> None:
    """Register ``listener`` (once; called again it is not added twice), with ``many``,
    the same for a list of announcements at once (a billing run's thousands of statements
    are then one read of the subscriptions, not one per statement)."""
    if all(one is not listener for one, _ in _listeners):
        _listeners.append((listener, many))


def announce(event: str, *, key: str, customer_id: int | None, subject: Any, **data: Any
             ) -> None:
    """Tell the listeners of ``event`` now, in the caller's transaction (an exception of a
    listener rolls the change back, as a failing ``notify()`` would)."""
    announcement = Announcement(event=str(event), key=key, customer_id=customer_id,
                                subject=subject, data=data)
    for listener, _many in _listeners:
        listener(announcement)


def announce_all(announcements: list[Announcement]) -> None:
    """:func:`announce` for several occurrences at once, in the caller's transaction."""
    if not announcements:
        return
    for listener, many in _listeners:
        if many is not None:
            many(announcements)
        else:
            for announcement in announcements:
                listener(announcement)
