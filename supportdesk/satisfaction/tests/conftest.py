"""A resolved request of org A whose contact is ``customer_a``, and how to read the rating
links out of the survey mail, as a customer would click them."""

import re

import pytest

from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import ticket_change_status, ticket_create

LINK_RE = re.compile(r"https?://[^\s\"<>]+/portal/rate/link/([^/\s\"<>]+)/\?score=(good|poor)")


def open_request(customer, contact, technician, subject="Δεν τυπώνει η ταμειακή"):
    return ticket_create(customer=customer, subject=subject, body="Η εκτύπωση σταμάτησε.",
                         received_via="phone", contact=contact, by=technician)


def resolve(ticket, technician):
    return ticket_change_status(ticket=ticket, status=Ticket.Status.RESOLVED, by=technician)


@pytest.fixture
def resolved(config, org_a, customer_a, technician):
    ticket = open_request(org_a, customer_a, technician)
    return resolve(ticket, technician)


def links_in(text: str) -> dict[str, str]:
    """score -> the path of its link (``/portal/rate/link/<token>/?score=...``)."""
    return {score: f"/portal/rate/link/{token}/?score={score}"
            for token, score in LINK_RE.findall(text)}


def token_in(text: str) -> str:
    found = LINK_RE.findall(text)
    assert found, "no rating link in the mail"
    return found[0][0]
