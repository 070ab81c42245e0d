"""Portal fixtures: org A's customer user logged in, one of its requests, an issued
statement and a §10 quote of its own. Org B's side of the same (the cross-customer checks)
is in tests/security/test_tenancy.py; the shared fixtures are in the root conftest.py."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from supportdesk.agreements.services import quote_issue
from supportdesk.billing.models import Statement
from supportdesk.billing.services import billing_run
from supportdesk.common.tests.helpers import at
from supportdesk.tickets.services import ticket_classify, ticket_create
from supportdesk.worklog.services.entries import work_entry_create

# Wednesday 25 November 2026, 12:00 in Athens: inside org A's 2026 Basic contract
# (``basic_contract``) and inside support hours (§6). The portal reads "today" from the clock.
NOW = at(2026, 11, 25, 12)


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def portal_client(customer_a):
    client = Client()
    client.force_login(customer_a)
    return client


@pytest.fixture
def own_request(config, org_a, technician):
    """A request of org A, taken on the phone by a technician on Monday 5 October 2026."""
    return ticket_create(customer=org_a, subject="Η ζυγαριά δεν συνδέεται", body="α",
                         received_via="phone", received_at=at(2026, 10, 5, 10),
                         by=technician)


@pytest.fixture
def own_statement(own_request, technician, manager):
    """Org A's October statement: 30 minutes of phone support without a contract (Free,
    50 €/h), issued by the billing run."""
    start = at(2026, 10, 6, 11)
    work_entry_create(ticket=own_request, technician=technician, channel="phone",
                      started_at=start, ended_at=start + dt.timedelta(minutes=30),
                      by=technician)
    billing_run(period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 10, 31),
                by=manager, now=at(2026, 11, 2, 9))
    return Statement.objects.get(customer=own_request.customer)


@pytest.fixture
def own_quote(own_request, technician, manager):
    """A §10 quote on org A's request, classified out of scope (viruses)."""
    ticket_classify(ticket=own_request, category="virus", by=technician)
    return quote_issue(ticket=own_request, by=manager, amount=Decimal("120.00"),
                        description="Καθαρισμός ιών a")
