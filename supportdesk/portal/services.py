"""Customer actions that span two services, each all-or-nothing: a request or reply whose
attachment is refused is not half-saved (docs/security.md #21, ASVS 2.3.3)."""

from django.db import transaction

from supportdesk.tickets.models import Message, Ticket
from supportdesk.tickets.services import attachment_add, ticket_create, ticket_reply


@transaction.atomic
def portal_ticket_open(*, user, subject: str, body: str, category: str, product,
                       attachment=None) -> Ticket:
    ticket = ticket_create(
        customer=user.customer, subject=subject, body=body, received_via="portal",
        category=category, product=product, contact=user, by=user,
    )
    if attachment:
        attachment_add(ticket=ticket, uploaded_file=attachment, by=user, is_internal=False)
    return ticket


@transaction.atomic
def portal_ticket_reply(*, user, ticket: Ticket, body: str, attachment=None) -> Message:
    message = ticket_reply(ticket=ticket, body=body, by=user)
    if attachment:
        attachment_add(ticket=ticket, uploaded_file=attachment, by=user, is_internal=False,
                       message=message)
    return message
