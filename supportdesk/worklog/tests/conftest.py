"""Worklog fixtures: a Basic-contract customer (phone included, remote 4 h/year included)
and a Free customer (50 €/h on every channel), each with an open phone request."""

import datetime as dt

import pytest

from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.tickets.tests.factories import TicketFactory

ATHENS = dt.timezone(dt.timedelta(hours=2))  # November: EET, UTC+2
# Tuesday 24 November 2026, inside support hours (§6: Mon-Fri 10:00-18:00).
TUESDAY_11 = dt.datetime(2026, 11, 24, 11, 0, tzinfo=ATHENS)


@pytest.fixture
def basic_ticket(config, org_a):
    ContractFactory(customer=org_a, tier="basic")
    return TicketFactory(customer=org_a, tier="basic", status="open",
                         subject="Η ταμειακή δεν τυπώνει")


@pytest.fixture
def free_ticket(config, org_b):
    # No contract in force: the Free tier's rules at the standard rate
    # (docs/rules.md "No contract means the Free tier").
    return TicketFactory(customer=org_b, tier="free", status="open",
                         subject="Λάθος στο απόθεμα")
