"""Each event of docs/webhooks.md is recorded by its producer, in its transaction, with its
payload's shape; internal notes never leave the desk. (The rows stay pending here: no
commit callbacks run in these tests, so nothing is sent.)"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.utils import timezone

from supportdesk.agreements.services import quote_accept, quote_decline, quote_issue
from supportdesk.billing.services import contract_fee_statement_issue
from supportdesk.common.tests.helpers import at
from supportdesk.notifications.announcements import Happening
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import ticket_change_status, ticket_create, ticket_reply
from supportdesk.tickets.tasks import BREACH, WARNING, _mark
from supportdesk.tickets.tests.factories import TicketFactory
from supportdesk.webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 25, 12)


@pytest.fixture(autouse=True)
def _everything(subscribe):
    # An unreachable URL: nothing is sent in these tests anyway.
    subscribe("http://127.0.0.1:9/hook")


def _payloads(event: str) -> list[dict]:
    return [json.loads(row.body) for row in
            WebhookDelivery.objects.filter(event=event).order_by("pk")]


def test_request_created_status_changed_and_replies(config, org_a, customer_a, technician):
    ticket = ticket_create(customer=org_a, subject="Δεν ανοίγει", body="Μήνυμα λάθους 42",
                           received_via=Ticket.ReceivedVia.PHONE, by=technician)
    [created] = _payloads(Happening.TICKET_CREATED)
    assert created["data"]["ticket"]["id"] == ticket.pk
    assert created["data"]["ticket"]["status"] == ticket.status

    ticket_change_status(ticket=ticket, status=Ticket.Status.WAITING_CUSTOMER, by=technician)
    ticket_reply(ticket=ticket, body="Εσωτερική σημείωση: ίσως ο οδηγός", by=technician,
                 is_internal=True)
    ticket_reply(ticket=ticket, body="Το δοκίμασα ξανά", by=customer_a)  # reopens it
    ticket_reply(ticket=ticket, body="Δοκιμάστε την έκδοση 5.2", by=technician)

    changes = [(p["data"]["from"], p["data"]["to"])
               for p in _payloads(Happening.TICKET_STATUS_CHANGED)]
    assert changes[0] == (created["data"]["ticket"]["status"], "waiting_customer")
    assert changes[1][0] == "waiting_customer"  # the customer's reply moved it back
    replies = _payloads(Happening.TICKET_REPLY_ADDED)
    assert [(r["data"]["message"]["author"]["kind"], r["data"]["message"]["body"])
            for r in replies] == [("customer", "Το δοκίμασα ξανά"),
                                  ("staff", "Δοκιμάστε την έκδοση 5.2")]
    every_body = "".join(WebhookDelivery.objects.values_list("body", flat=True))
    assert "Εσωτερική σημείωση" not in every_body  # the internal note never leaves


def test_sla_warning_and_breach(config, org_a):
    ticket = TicketFactory(customer=org_a)
    now = timezone.now()
    assert _mark(ticket.pk, WARNING, now)
    assert _mark(ticket.pk, BREACH, now)
    assert not _mark(ticket.pk, BREACH, now)  # once
    [warning] = _payloads(Happening.TICKET_SLA_WARNING)
    [breach] = _payloads(Happening.TICKET_SLA_BREACH)
    assert warning["data"]["ticket"]["id"] == breach["data"]["ticket"]["id"] == ticket.pk
    assert warning["data"]["clock"] == "response"
    assert warning["id"] != breach["id"]


def test_statement_issued(basic_contract, manager):
    basic_contract.refresh_from_db()  # the factory leaves the fee a string
    with time_machine.travel(NOW, tick=False):
        statement = contract_fee_statement_issue(contract=basic_contract, by=manager)
    [issued] = _payloads(Happening.STATEMENT_ISSUED)
    data = issued["data"]["statement"]
    assert data["id"] == statement.pk
    assert data["number"] == statement.display_number
    assert data["total"] == f"{statement.total:.2f}"
    assert data["currency"] == "EUR"
    assert issued["customer"]["id"] == basic_contract.customer_id


@pytest.mark.parametrize(("decide", "event"), [
    (quote_accept, Happening.QUOTE_ACCEPTED), (quote_decline, Happening.QUOTE_DECLINED)])
def test_quote_accepted_or_declined(basic_contract, org_a, customer_a, technician, decide,
                                    event):
    with time_machine.travel(NOW, tick=False):
        ticket = TicketFactory(customer=org_a, category=Ticket.Category.OS,
                               status=Ticket.Status.OPEN)
        quote = quote_issue(ticket=ticket, by=technician, description="Επανεγκατάσταση",
                            amount="300,00", valid_until=dt.date(2026, 12, 31))
        decide(quote=quote, by=customer_a)
    [decided] = _payloads(event)
    assert decided["data"]["quote"]["id"] == quote.pk
    assert decided["data"]["quote"]["amount"] == "300.00"
    assert decided["data"]["quote"]["status"] == event.split(".")[1]
    assert decided["data"]["ticket"]["id"] == ticket.pk
    assert decided["customer"]["id"] == org_a.pk
