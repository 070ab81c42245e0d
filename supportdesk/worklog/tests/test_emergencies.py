"""Out-of-hours emergencies (§7): intake, accept or decline with a reason, surcharge."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from supportdesk.common.exceptions import ApplicationError
from supportdesk.tickets.models import Ticket, TicketEvent
from supportdesk.worklog.services.emergencies import (
    EMERGENCY_NOT_PENDING,
    EMERGENCY_ONLY_STAFF,
    EMERGENCY_REASON_REQUIRED,
    emergency_accept,
    emergency_decline,
    emergency_intake,
)
from supportdesk.worklog.services.entries import work_entry_create

pytestmark = pytest.mark.django_db

ATHENS = dt.timezone(dt.timedelta(hours=2))
# Saturday 21 November 2026, 21:00: outside support hours (§6).
SATURDAY_21 = dt.datetime(2026, 11, 21, 21, 0, tzinfo=ATHENS)


@pytest.fixture
def emergency(config, org_b, technician):
    return emergency_intake(customer=org_b, subject="Δεν ανοίγει το ταμείο",
                            body="Μήνυμα στο κινητό", contact_name="Νίκος",
                            received_at=SATURDAY_21, by=technician)


def _work(ticket, technician, minutes=60, after=0):
    start = SATURDAY_21 + dt.timedelta(minutes=after)
    return work_entry_create(
        ticket=ticket, technician=technician, channel="remote", started_at=start,
        ended_at=start + dt.timedelta(minutes=minutes), kind="support",
        description="", flat_fee=None, by=technician)


def test_intake_records_a_pending_emergency(emergency):
    assert emergency.emergency == Ticket.Emergency.PENDING
    assert emergency.received_via == Ticket.ReceivedVia.EMERGENCY_MESSAGE
    assert emergency.contact_name == "Νίκος"


def test_customers_cannot_record_or_assess_emergencies(emergency, org_b, customer_b):
    with pytest.raises(ApplicationError) as exc:
        emergency_intake(customer=org_b, subject="x", body="", by=customer_b)
    assert exc.value.message == EMERGENCY_ONLY_STAFF
    with pytest.raises(ApplicationError):
        emergency_accept(ticket=emergency, by=customer_b, reason="ok")
    emergency.refresh_from_db()
    assert emergency.emergency == Ticket.Emergency.PENDING


def test_accepted_out_of_hours_work_carries_the_surcharge(emergency, technician):
    # given an hour of remote work logged while the emergency was pending (Free: 50 €/h)
    entry = _work(emergency, technician)
    assert entry.net_amount == Decimal("50.00")
    # when the emergency is accepted
    emergency_accept(ticket=emergency, by=technician, reason="Σταματημένο κατάστημα")
    # then the decision is logged and the unbilled entry is re-priced with +20% (§7)
    emergency.refresh_from_db()
    assert emergency.emergency == Ticket.Emergency.ACCEPTED
    assert emergency.emergency_reason == "Σταματημένο κατάστημα"
    event = TicketEvent.objects.get(ticket=emergency, kind=TicketEvent.Kind.EMERGENCY_ACCEPTED)
    assert (event.actor, event.data["reason"]) == (technician, "Σταματημένο κατάστημα")
    entry.refresh_from_db()
    assert entry.is_emergency is True
    assert entry.out_of_hours_minutes == 60
    assert entry.net_amount == Decimal("60.00")
    # and new work is priced the same way (after the first: one technician's entries may
    # not overlap, issue 9)
    assert _work(emergency, technician, minutes=30, after=60).net_amount == Decimal("30.00")


def test_declined_emergency_is_not_surcharged(emergency, technician):
    emergency_decline(ticket=emergency, by=technician, reason="Μπορεί να περιμένει")
    entry = _work(emergency, technician)
    assert entry.net_amount == Decimal("50.00")
    assert entry.is_emergency is False


def test_a_decision_is_made_once_and_needs_a_reason(emergency, technician):
    with pytest.raises(ApplicationError) as exc:
        emergency_accept(ticket=emergency, by=technician, reason="  ")
    assert exc.value.message == EMERGENCY_REASON_REQUIRED
    emergency_decline(ticket=emergency, by=technician, reason="Όχι")
    with pytest.raises(ApplicationError) as exc:
        emergency_accept(ticket=emergency, by=technician, reason="Τελικά ναι")
    assert exc.value.message == EMERGENCY_NOT_PENDING
    emergency.refresh_from_db()
    assert emergency.emergency == Ticket.Emergency.DECLINED
    assert TicketEvent.objects.filter(ticket=emergency, kind__startswith="emergency").count() == 1


def test_accept_from_the_ticket_panel(emergency, technician):
    client = Client()
    client.force_login(technician)
    page = client.get(reverse("worklog:ticket_work", args=[emergency.pk]))
    assert b'id="emergency-assess"' in page.content
    client.post(reverse("worklog:emergency_decide", args=[emergency.pk]),
                {"decision": "accept", "reason": "Επείγον"})
    emergency.refresh_from_db()
    assert emergency.emergency == Ticket.Emergency.ACCEPTED


def test_intake_page_records_an_emergency(config, org_b, technician):
    client = Client()
    client.force_login(technician)
    response = client.post(reverse("worklog:emergency_create"), {
        "customer": org_b.pk, "contact_name": "Νίκος", "received_at": "2026-11-21T21:00",
        "subject": "Κόλλησε το POS", "body": "",
    })
    assert response.status_code == 302
    ticket = Ticket.objects.get(subject="Κόλλησε το POS")
    assert ticket.emergency == Ticket.Emergency.PENDING
    bad = client.post(reverse("worklog:emergency_create"), {
        "customer": 999999, "received_at": "2026-11-21T21:00", "subject": "x"})
    assert bad.status_code == 200
    assert Ticket.objects.count() == 1
