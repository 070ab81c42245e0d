"""Fixtures every app's tests share: the seeded configuration and two customers' worlds.

Org A and org B (docs/security.md fixtures) each have a customer user; staff are a technician
and a manager. Org A has a Basic contract for 2026 (``basic_contract``) and each org a bare
request (``ticket_a``, ``ticket_b``), for the work-entry, ledger and billing tests. Per-app
factories live in ``<app>/tests/factories.py``; plain helpers (``at``, ``in_threads``) in
``supportdesk/common/tests/helpers.py``.
"""

import datetime as dt

import pytest
from django.core.cache import cache

from supportdesk.accounts.tests.factories import (
    ManagerFactory,
    TechnicianFactory,
    UserFactory,
    confirmed_totp_device,
)
from supportdesk.catalog.tests.factories import ProductFactory
from supportdesk.common.choices import Tier
from supportdesk.contracts import selectors
from supportdesk.contracts.services import calendar_seed_default, tariff_seed_default
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.tickets.tests.factories import TicketFactory


@pytest.fixture(autouse=True)
def _fresh_config_memo():
    """Each test builds its own calendar/tariff rows: never reuse another test's memo."""
    selectors._calendar_memo.clear()
    selectors._tariff_memo.clear()
    cache.clear()
    yield


@pytest.fixture
def config(db):
    """The default tariff and working calendar, as `manage.py seed_config` installs them."""
    return {"tariff": tariff_seed_default(), "calendar": calendar_seed_default()}


@pytest.fixture
def product(db):
    return ProductFactory(code="jewelsoft-pos", name="Jewelsoft POS")


@pytest.fixture
def org_a(db):
    return CustomerFactory(name="Κοσμήματα Άλφα")


@pytest.fixture
def org_b(db):
    return CustomerFactory(name="Χρυσοχοΐα Βήτα")


@pytest.fixture
def customer_a(org_a):
    return UserFactory(username="alice", customer=org_a)


@pytest.fixture
def customer_b(org_b):
    return UserFactory(username="bob", customer=org_b)


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


@pytest.fixture
def technician(db):
    return TechnicianFactory(username="tech")


@pytest.fixture
def manager(db):
    return ManagerFactory(username="boss")


@pytest.fixture
def staff_mfa(settings):
    """Two-factor authentication required for staff (off in the test settings otherwise)."""
    settings.SUPPORTDESK_STAFF_MFA = "required"
    return settings


@pytest.fixture
def totp_for():
    """``totp_for(user)``: give ``user`` a confirmed authenticator; returns the device.
    ``device_code(device)`` in accounts/tests/factories.py gives its current code."""
    return confirmed_totp_device
