"""Collision warnings (issue 13): who else has a request open or is typing, and the
stale-write guard that stops a reply or status change made on a page older than the
request."""

import datetime as dt
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from supportdesk.accounts.tests.factories import TechnicianFactory
from supportdesk.common.exceptions import ApplicationError
from supportdesk.desk.services import presence_beat
from supportdesk.tickets.models import Message, Ticket
from supportdesk.tickets.services import ticket_change_status, ticket_create, ticket_reply

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def _version_on(page: str) -> str:
    return re.search(r'name="seen_version" value="(\d+)"', page).group(1)


@pytest.fixture
def ticket(config, org_a, technician):
    return ticket_create(customer=org_a, subject="Δεν τυπώνει", received_via="phone",
                         by=technician)


def test_the_service_refuses_a_change_made_on_an_old_page(ticket, technician):
    seen = ticket.version
    ticket_reply(ticket=ticket, body="Πρώτη απάντηση", by=technician, seen_version=seen)
    with pytest.raises(ApplicationError) as exc:
        ticket_reply(ticket=ticket, body="Δεύτερη", by=technician, seen_version=seen)
    assert exc.value.code == "stale"
    with pytest.raises(ApplicationError):
        ticket_change_status(ticket=ticket, status="resolved", by=technician,
                             seen_version=seen)
    ticket.refresh_from_db()
    assert ticket.messages.count() == 1 and ticket.status == "open"
    # The page shown again carries the new version: sending from it works.
    ticket_reply(ticket=ticket, body="Δεύτερη", by=technician, seen_version=ticket.version)


def test_two_technicians_the_second_reply_is_stopped_for_review(ticket, technician, client):
    other = TechnicianFactory(first_name="Νίκος", last_name="Α.")
    client.force_login(technician)
    first_page = text_of(client.get(reverse("desk:ticket", args=[ticket.pk])))
    seen = _version_on(first_page)
    # Meanwhile the other technician answers.
    ticket_reply(ticket=ticket, body="Απάντησε ο Νίκος", by=other)
    response = client.post(reverse("desk:ticket_reply", args=[ticket.pk]),
                           {"body": "Η δική μου απάντηση", "seen_version": seen})
    assert response.status_code == 400
    page = text_of(response)
    assert "Η δική μου απάντηση" in page          # what was typed is kept
    assert "Απάντησε ο Νίκος" in page             # and the new reply is shown
    assert Message.objects.filter(ticket=ticket).count() == 1
    # Sending again from the refreshed page goes through.
    response = client.post(reverse("desk:ticket_reply", args=[ticket.pk]),
                           {"body": "Η δική μου απάντηση", "seen_version": _version_on(page)})
    assert response.status_code == 303
    assert Message.objects.filter(ticket=ticket).count() == 2


def test_presence_shows_who_else_is_here_and_typing(ticket, technician, client):
    other = TechnicianFactory(first_name="Νίκος", last_name="Α.")
    now = timezone.now()
    presence_beat(ticket=ticket, by=other, typing=True, now=now)
    client.force_login(technician)
    data = client.post(reverse("desk:ticket_presence", args=[ticket.pk]),
                       {"typing": "0", "seen_version": str(ticket.version)}).json()
    assert data["others"] == [{"name": "Νίκος Α.", "typing": True}]
    assert data["changed"] is False
    # The other one sees this technician, not typing; stale beats are not "here".
    others = presence_beat(ticket=ticket, by=other, typing=False,
                           now=now + dt.timedelta(seconds=20))
    assert [o["typing"] for o in others] == [False]
    assert presence_beat(ticket=ticket, by=other, typing=False,
                         now=now + dt.timedelta(minutes=5)) == []


def test_presence_says_when_the_request_changed(ticket, technician, client):
    client.force_login(technician)
    seen = ticket.version
    ticket_change_status(ticket=ticket, status="open", by=TechnicianFactory())
    data = client.post(reverse("desk:ticket_presence", args=[ticket.pk]),
                       {"seen_version": str(seen)}).json()
    assert data["changed"] is True and data["version"] > seen


def test_customers_have_no_presence(ticket, customer_a, client):
    client.force_login(customer_a)
    response = client.post(reverse("desk:ticket_presence", args=[ticket.pk]))
    assert response.status_code in (302, 403, 404)
    assert not Ticket.objects.filter(pk=ticket.pk, status="closed").exists()
