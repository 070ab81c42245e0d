"""The stored statuses are the rules engine's (supportdesk.domain.ticket_status): the
TextChoices here only add labels, so the two must never drift apart."""

from supportdesk.domain.ticket_status import (
    INITIAL_STATUS,
    OPEN_STATUSES,
    TicketStatus,
    can_move,
)
from supportdesk.tickets.models import Ticket


def test_the_choices_are_the_domain_statuses_in_the_same_order():
    assert Ticket.Status.values == [s.value for s in TicketStatus]
    assert Ticket._meta.get_field("status").default == INITIAL_STATUS


def test_is_open_and_the_queue_indexes_follow_the_domain():
    for status in Ticket.Status.values:
        assert Ticket(status=status).is_open is (status in OPEN_STATUSES)
    conditions = [index.condition for index in Ticket._meta.indexes if index.condition]
    assert conditions and all(
        dict(c.children) == {"status__in": list(OPEN_STATUSES)} for c in conditions)


def test_every_status_can_be_left():
    for status in Ticket.Status.values:
        assert any(can_move(status, other) for other in Ticket.Status.values)
