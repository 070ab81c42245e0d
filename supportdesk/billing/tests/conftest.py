import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from supportdesk.common.choices import Tier
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.tickets.tests.factories import TicketFactory

ATHENS = ZoneInfo("Europe/Athens")


def at(y, m, d, hh=11, mm=0):
    """An aware moment in Athens local time."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=ATHENS)


@pytest.fixture
def basic_contract(config, org_a):
    return ContractFactory(customer=org_a, tier=Tier.BASIC, starts_on=dt.date(2026, 1, 1),
                           ends_on=dt.date(2026, 12, 31))


@pytest.fixture
def ticket_a(org_a):
    return TicketFactory(customer=org_a, tier=Tier.BASIC)


@pytest.fixture
def ticket_b(org_b):
    return TicketFactory(customer=org_b, tier=Tier.FREE)
