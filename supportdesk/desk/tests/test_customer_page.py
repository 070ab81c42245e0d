"""The staff customer page (issue 13): linked from every customer name, with its people,
licences, contract, balances, requests, statements and visits, in a fixed number of
queries."""

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from supportdesk.accounts.tests.factories import UserFactory
from supportdesk.common.choices import Tier
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.customers.tests.factories import LicenceFactory
from supportdesk.tickets.services import ticket_create

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def _fill(org, technician, n):
    for i in range(n):
        UserFactory(customer=org, first_name=f"Επαφή{i}")
        LicenceFactory(customer=org)
        ticket_create(customer=org, subject=f"Αίτημα {i}", received_via="phone", by=technician)


def test_linked_from_the_queue_and_the_ticket(config, org_a, technician, client):
    ticket = ticket_create(customer=org_a, subject="Δεν τυπώνει", received_via="phone",
                           by=technician)
    client.force_login(technician)
    url = reverse("desk:customer", args=[org_a.pk])
    assert url in text_of(client.get(reverse("desk:queue")))
    assert url in text_of(client.get(reverse("desk:ticket", args=[ticket.pk])))


def test_shows_the_customer_and_only_that_customer(config, org_a, org_b, technician, client):
    ContractFactory(customer=org_a, tier=Tier.BASIC)
    _fill(org_a, technician, 2)
    ticket_create(customer=org_b, subject="Ξένο αίτημα", received_via="phone", by=technician)
    client.force_login(technician)
    page = text_of(client.get(reverse("desk:customer", args=[org_a.pk])))
    assert org_a.name in page and "Αίτημα 1" in page and "Επαφή1" in page
    assert "Ξένο αίτημα" not in page
    assert "Basic" in page


def test_queries_do_not_grow_with_the_history(config, org_a, org_b, technician, client):
    client.force_login(technician)

    def queries(org, n):
        ContractFactory(customer=org, tier=Tier.BASIC)
        _fill(org, technician, n)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("desk:customer", args=[org.pk])).status_code == 200
        return len(ctx.captured_queries)

    client.get(reverse("desk:customer", args=[org_a.pk]))  # one-time settings rows created
    small, large = queries(org_a, 2), queries(org_b, 25)
    assert small == large <= 25


def test_customers_and_unknown_ids_get_nothing(config, org_a, customer_a, technician, client):
    client.force_login(technician)
    assert client.get(reverse("desk:customer", args=[999999])).status_code == 404
    client.force_login(customer_a)
    response = client.get(reverse("desk:customer", args=[org_a.pk]))
    assert response.status_code in (302, 403, 404)
