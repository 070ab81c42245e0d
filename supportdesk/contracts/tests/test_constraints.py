"""The database itself refuses what the forms refuse (issue 3), on SQLite and PostgreSQL.

Each case bypasses full_clean() on purpose: a bug in a service or a raw bulk insert must
still hit the CHECK constraint and leave nothing behind. Other apps' rows are checked beside
their models: prepaid purchases and the hour bank in
supportdesk/entitlements/tests/test_constraints.py, licences in
supportdesk/customers/tests/test_constraints.py, users in
supportdesk/accounts/tests/test_constraints.py.
"""

import datetime as dt
from decimal import Decimal

import pytest

from supportdesk.common.tests.helpers import refused_by_database
from supportdesk.contracts.models import Closure, Contract, WorkingCalendar
from supportdesk.customers.tests.factories import CustomerFactory


@pytest.mark.django_db
def test_contract_ending_before_it_starts_is_refused_by_the_database(config):
    # given a customer and the tariff in force
    customer = CustomerFactory()
    # when a contract is inserted with its end before its start
    refused_by_database(lambda: Contract.objects.create(
        customer=customer, tier="basic", starts_on=dt.date(2026, 6, 1),
        ends_on=dt.date(2026, 5, 31), annual_fee=Decimal("100.00"),
        tariff_version=config["tariff"],
    ))
    # then nothing was saved
    assert Contract.objects.count() == 0


@pytest.mark.django_db
def test_contract_with_negative_fee_is_refused(config):
    customer = CustomerFactory()
    refused_by_database(lambda: Contract.objects.create(
        customer=customer, tier="basic", starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31), annual_fee=Decimal("-1.00"),
        tariff_version=config["tariff"],
    ))
    assert Contract.objects.count() == 0


@pytest.mark.django_db
def test_closure_ending_before_it_starts_is_refused():
    calendar = WorkingCalendar.objects.create(name="Other vendor")
    refused_by_database(lambda: Closure.objects.create(
        calendar=calendar, starts_on=dt.date(2026, 8, 25), ends_on=dt.date(2026, 8, 5)
    ))
    assert Closure.objects.count() == 0


@pytest.mark.django_db
def test_only_one_default_calendar(config):
    refused_by_database(lambda: WorkingCalendar.objects.create(name="Second", is_default=True))
