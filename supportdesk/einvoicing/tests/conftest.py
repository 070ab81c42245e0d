"""The hand-off's fixtures: the provider stand-in on 127.0.0.1 (``stand_in``, configured as
the provider for the test) and issued statements the validators accept."""

from __future__ import annotations

import datetime as dt

import pytest

from supportdesk.billing.models import Statement
from supportdesk.billing.services import prepaid_purchase_create
from supportdesk.billing.tests.factories import VendorProfileFactory
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.einvoicing import documents

from .provider import TOKEN, serve


@pytest.fixture
def stand_in(settings):
    # The validators loaded once before (a cold start compiles the schema files, longer
    # than the client's short test deadline would wait for the first answer).
    documents.validate_xml(b"<InvoicesDoc/>", "mydata")
    state, server = serve()
    settings.SUPPORTDESK_EINVOICE_PROVIDER_URL = state.url
    settings.SUPPORTDESK_EINVOICE_PROVIDER_TOKEN = TOKEN
    settings.SUPPORTDESK_EINVOICE_FORMAT = "mydata"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def vendor(db):
    return VendorProfileFactory()


def issue_prepaid(customer, manager, *, hours: int = 3, on: dt.date = dt.date(2026, 11, 20)):
    """An issued statement of one line (a prepaid-hours sale), as the billing pages make it."""
    prepaid_purchase_create(customer=customer, hours=hours, on=on, by=manager)
    return Statement.objects.filter(customer=customer, kind=Statement.Kind.PREPAID).latest("pk")


@pytest.fixture
def statement(config, vendor, manager, org_a):
    return issue_prepaid(org_a, manager)


@pytest.fixture
def statements(config, vendor, manager):
    """Three customers' statements issued in the same month."""
    return [issue_prepaid(CustomerFactory(name=name, address="Ερμού 10", city="Αθήνα",
                                          postal_code="10563"), manager, hours=n)
            for n, name in enumerate(["Κοσμήματα Γάμμα", "Χρυσός Δέλτα", "Αργυρός Έψιλον"],
                                     start=1)]
