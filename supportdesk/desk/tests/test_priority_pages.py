"""Priorities and the resolution clock on the desk, the portal and the dashboard
(docs/rules.md "Resolution targets")."""

import datetime as dt
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from supportdesk.common.choices import Tier
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.desk.selectors import dashboard_get
from supportdesk.desk.services import dashboard_refresh
from supportdesk.tickets.models import Ticket, TicketEvent
from supportdesk.tickets.services import ticket_change_status, ticket_create


def text_of(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def tech_client(client, technician):
    client.force_login(technician)
    return client


@pytest.fixture
def business(config, org_a):
    return ContractFactory(customer=org_a, tier=Tier.BUSINESS)


def new_ticket(customer, by, **kw):
    data = {"subject": "Δεν τυπώνει", "body": "Η ταμειακή δεν απαντά.", "received_via": "phone"}
    data.update(kw)
    return ticket_create(customer=customer, by=by, **data)


@pytest.mark.django_db
class TestDesk:
    def test_an_urgent_call_is_logged_with_its_targets(self, business, org_a, tech_client):
        response = tech_client.post(reverse("desk:ticket_new"), {
            "customer": org_a.pk, "received_via": "phone", "category": "program_fault",
            "priority": "urgent", "subject": "Σταμάτησε η ταμειακή", "body": "Από το πρωί."})
        ticket = Ticket.objects.get()
        assert response.status_code == 302
        assert (ticket.priority, ticket.resolution_target_minutes) == ("urgent", 480)
        page = text_of(tech_client.get(reverse("desk:ticket", args=[ticket.pk])))
        assert 'class="resolution-due"' in page
        assert timezone.localtime(ticket.resolution_due_at).strftime("%d/%m/%Y %H:%M") in page
        assert 'value="urgent" selected' in page

    def test_a_bad_priority_is_refused_and_keeps_the_ticket_as_it_was(
            self, business, org_a, technician, tech_client):
        ticket = new_ticket(org_a, technician)
        response = tech_client.post(reverse("desk:ticket_priority", args=[ticket.pk]),
                                    {"priority": "whenever"})
        assert response.status_code == 400
        assert "errorlist" in text_of(response) or "whenever" in text_of(response)
        ticket.refresh_from_db()
        assert ticket.priority == "normal"
        unchanged = tech_client.post(reverse("desk:ticket_priority", args=[ticket.pk]),
                                     {"priority": "normal"})
        assert unchanged.status_code == 400

    def test_changing_the_priority_moves_the_resolution_due_moment(
            self, business, org_a, technician, tech_client):
        ticket = new_ticket(org_a, technician)
        before = ticket.resolution_due_at
        response = tech_client.post(reverse("desk:ticket_priority", args=[ticket.pk]),
                                    {"priority": "low"})
        assert response.status_code == 303
        ticket.refresh_from_db()
        assert ticket.priority == "low" and ticket.resolution_due_at > before
        assert ticket.events.filter(kind=TicketEvent.Kind.PRIORITY_CHANGED,
                                    actor__isnull=False).count() == 1

    def test_the_queue_filters_by_priority_and_shows_the_resolution_due(
            self, business, org_a, technician, tech_client):
        urgent = new_ticket(org_a, technician, subject="Επείγον ταμειακής", priority="urgent")
        new_ticket(org_a, technician, subject="Ερώτηση αναφοράς", priority="low")
        page = text_of(tech_client.get(reverse("desk:queue"), {"priority": "urgent"}))
        assert "Επείγον ταμειακής" in page and "Ερώτηση αναφοράς" not in page
        assert timezone.localtime(urgent.resolution_due_at).strftime("%d/%m %H:%M") in page
        # An unknown value is dropped, never used raw.
        page = text_of(tech_client.get(reverse("desk:queue"), {"priority": "x' OR 1=1"}))
        assert "Επείγον ταμειακής" in page and "Ερώτηση αναφοράς" in page


@pytest.mark.django_db
def test_the_customer_sees_the_priority_and_the_resolution_due(business, org_a, customer_a,
                                                              client):
    ticket = ticket_create(customer=org_a, subject="Βοήθεια", received_via="portal",
                           by=customer_a)
    client.force_login(customer_a)
    page = text_of(client.get(reverse("portal:ticket", args=[ticket.pk])))
    assert timezone.localtime(ticket.resolution_due_at).strftime("%d/%m/%Y %H:%M") in page


@pytest.mark.django_db
def test_the_dashboard_counts_resolutions_in_time_and_late(business, org_a, technician):
    received = timezone.now() - dt.timedelta(days=62)
    on_time = new_ticket(org_a, technician, priority="low", received_at=received)
    late = new_ticket(org_a, technician, priority="urgent", received_at=received)
    new_ticket(org_a, technician, priority="urgent", received_at=received)  # never resolved
    ticket_change_status(ticket=on_time, status="resolved", by=technician,
                         now=received + dt.timedelta(hours=2))
    ticket_change_status(ticket=late, status="resolved", by=technician,
                         now=received + dt.timedelta(days=10))
    month = timezone.localtime(received).date().replace(day=1)
    live = dashboard_get().sla["business"][month]
    assert (live.resolved_met, live.resolved_breached) == (1, 2)
    assert str(live.resolution_compliance) == "33.3"
    dashboard_refresh()
    stored = dashboard_get().sla["business"][month]
    assert (stored.resolved_met, stored.resolved_breached) == (1, 2)


@pytest.mark.django_db
class TestMergeAndLinkPages:
    def test_merge_needs_confirmation_and_keeps_what_was_typed(
            self, business, org_a, technician, tech_client):
        a, b = new_ticket(org_a, technician), new_ticket(org_a, technician)
        response = tech_client.post(reverse("desk:ticket_merge", args=[a.pk]),
                                    {"target": b.reference})
        assert response.status_code == 400
        assert f'value="{b.reference}"' in text_of(response)
        assert Ticket.objects.get(pk=a.pk).merged_into_id is None

    def test_merge_from_the_ticket_page_lands_on_the_target(
            self, business, org_a, technician, tech_client):
        a, b = new_ticket(org_a, technician), new_ticket(org_a, technician)
        response = tech_client.post(reverse("desk:ticket_merge", args=[a.pk]),
                                    {"target": str(b.pk), "confirm": "1"})
        assert response.status_code == 303
        assert response["Location"] == reverse("desk:ticket", args=[b.pk])
        page = text_of(tech_client.get(reverse("desk:ticket", args=[a.pk])))
        assert b.reference in page
        assert Ticket.objects.get(pk=a.pk).merged_into_id == b.pk

    def test_a_merge_into_an_unknown_or_foreign_request_is_refused(
            self, business, org_a, org_b, technician, tech_client):
        a = new_ticket(org_a, technician)
        foreign = new_ticket(org_b, technician)
        for typed in ("#999999", "abc", str(foreign.pk)):
            response = tech_client.post(reverse("desk:ticket_merge", args=[a.pk]),
                                        {"target": typed, "confirm": "1"})
            assert response.status_code == 400
        assert Ticket.objects.get(pk=a.pk).merged_into_id is None

    def test_link_shown_on_both_and_removed_only_from_its_requests(
            self, business, org_a, technician, tech_client):
        a, b, c = (new_ticket(org_a, technician, subject=s)
                   for s in ("Πρώτο", "Δεύτερο", "Τρίτο"))
        response = tech_client.post(reverse("desk:ticket_link", args=[a.pk]),
                                    {"other": b.reference, "kind": "caused_by"})
        assert response.status_code == 303
        assert "Δεύτερο" in text_of(tech_client.get(reverse("desk:ticket", args=[a.pk])))
        assert "Πρώτο" in text_of(tech_client.get(reverse("desk:ticket", args=[b.pk])))
        link = a.links_out.get()
        # Another request's page cannot remove it.
        assert tech_client.post(reverse("desk:ticket_unlink", args=[c.pk, link.pk])
                                ).status_code == 404
        assert tech_client.post(reverse("desk:ticket_unlink", args=[b.pk, link.pk])
                                ).status_code == 303
        assert not a.links_out.exists()
