"""The statuses of a support request: which may follow which, which count as open, which
pause the response clock (the §4 response target is not counted while the request waits on
the customer).

Values are the plain strings the desk stores (``tickets.models.Ticket.Status`` has the same
values, with their labels). Rules:

* ``new`` is only ever the first status: nothing moves back to it.
* An open request (``new``, ``open``, ``waiting_customer``) may be resolved or closed; a
  resolved one reopened or closed; a closed one only reopened (a customer's follow-up).
* ``waiting_customer`` pauses the response clock: entering it starts a pause, leaving it
  ends the pause.
* A reply moves the status too: the first public staff reply opens a ``new`` request; a
  customer's reply reopens a request that waits on them or was resolved.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "CLOCK_PAUSED_STATUSES",
    "CLOSED_STATUSES",
    "INITIAL_STATUS",
    "OPEN_STATUSES",
    "REOPENED_BY_CUSTOMER_REPLY",
    "TRANSITIONS",
    "TicketStatus",
    "can_move",
    "is_clock_paused",
    "is_open",
    "next_statuses",
    "status_after_reply",
]


class TicketStatus(StrEnum):
    """The stored values of a request's status, in their display order."""

    NEW = "new"
    OPEN = "open"
    WAITING_CUSTOMER = "waiting_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


_S = TicketStatus

INITIAL_STATUS: str = _S.NEW

# Allowed moves by staff (ticket_change_status). The values are plain strings.
TRANSITIONS: Mapping[str, frozenset[str]] = MappingProxyType({
    _S.NEW.value: frozenset({_S.OPEN.value, _S.WAITING_CUSTOMER.value, _S.RESOLVED.value,
                             _S.CLOSED.value}),
    _S.OPEN.value: frozenset({_S.WAITING_CUSTOMER.value, _S.RESOLVED.value, _S.CLOSED.value}),
    _S.WAITING_CUSTOMER.value: frozenset({_S.OPEN.value, _S.RESOLVED.value, _S.CLOSED.value}),
    _S.RESOLVED.value: frozenset({_S.OPEN.value, _S.CLOSED.value}),
    _S.CLOSED.value: frozenset({_S.OPEN.value}),
})

# Open requests are in the queue and have a running (or paused) response clock. The order
# is the one of the partial indexes' predicates (``status IN (...)``), so keep it.
OPEN_STATUSES: tuple[str, ...] = (_S.NEW.value, _S.OPEN.value, _S.WAITING_CUSTOMER.value)
CLOSED_STATUSES: tuple[str, ...] = (_S.RESOLVED.value, _S.CLOSED.value)
# The response clock does not run in these.
CLOCK_PAUSED_STATUSES: frozenset[str] = frozenset({_S.WAITING_CUSTOMER.value})
# A customer's reply reopens a request in these.
REOPENED_BY_CUSTOMER_REPLY: frozenset[str] = frozenset({_S.WAITING_CUSTOMER.value,
                                                        _S.RESOLVED.value})


def _known(status: str) -> str:
    if status not in TRANSITIONS:
        raise ValueError(f"unknown ticket status: {status!r}")
    return str(status)


def can_move(old: str, new: str) -> bool:
    """Whether staff may move a request from ``old`` to ``new`` (a move to itself is not a
    move)."""
    return _known(new) in TRANSITIONS[_known(old)]


def next_statuses(status: str) -> tuple[str, ...]:
    """The statuses a request in ``status`` may move to, in display order."""
    allowed = TRANSITIONS[_known(status)]
    return tuple(s.value for s in TicketStatus if s.value in allowed)


def is_open(status: str) -> bool:
    return _known(status) in OPEN_STATUSES


def is_clock_paused(status: str) -> bool:
    """Whether the response clock stands still in ``status``."""
    return _known(status) in CLOCK_PAUSED_STATUSES


def status_after_reply(status: str, *, by_staff: bool, is_internal: bool = False) -> str:
    """The status after a reply: a public staff reply opens a new request, a customer's
    reply reopens one waiting on them or resolved; anything else leaves it as it is."""
    status = _known(status)
    if is_internal:
        return status
    if by_staff:
        return _S.OPEN.value if status == _S.NEW else status
    return _S.OPEN.value if status in REOPENED_BY_CUSTOMER_REPLY else status
