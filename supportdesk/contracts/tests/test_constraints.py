"""The database itself refuses what the forms refuse (issue 3), on SQLite and PostgreSQL.

Each case bypasses full_clean() on purpose: a bug in a service or a raw bulk insert must
still hit the CHECK constraint and leave nothing behind. (Prepaid purchases and the hour
bank are entitlements': supportdesk/entitlements/tests/test_constraints.py.)
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from supportdesk.accounts.models import User
from supportdesk.catalog.tests.factories import ProductFactory
from supportdesk.contracts.models import Closure, Contract, WorkingCalendar
from supportdesk.customers.models import Licence
from supportdesk.customers.tests.factories import CustomerFactory


def _refused(make) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


@pytest.mark.django_db
def test_contract_ending_before_it_starts_is_refused_by_the_database(config):
    # given a customer and the tariff in force
    customer = CustomerFactory()
    # when a contract is inserted with its end before its start
    _refused(lambda: Contract.objects.create(
        customer=customer, tier="basic", starts_on=dt.date(2026, 6, 1),
        ends_on=dt.date(2026, 5, 31), annual_fee=Decimal("100.00"),
        tariff_version=config["tariff"],
    ))
    # then nothing was saved
    assert Contract.objects.count() == 0


@pytest.mark.django_db
def test_contract_with_negative_fee_is_refused(config):
    customer = CustomerFactory()
    _refused(lambda: Contract.objects.create(
        customer=customer, tier="basic", starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31), annual_fee=Decimal("-1.00"),
        tariff_version=config["tariff"],
    ))
    assert Contract.objects.count() == 0


@pytest.mark.django_db
def test_negative_licence_value_is_refused():
    customer, product = CustomerFactory(), ProductFactory()
    _refused(lambda: Licence.objects.create(
        customer=customer, product=product, value=Decimal("-0.01"), licensed_on=dt.date(2025, 1, 1)
    ))
    assert Licence.objects.count() == 0


@pytest.mark.django_db
def test_licence_of_zero_value_is_allowed():
    customer, product = CustomerFactory(), ProductFactory()
    Licence.objects.create(customer=customer, product=product, value=Decimal("0.00"),
                           licensed_on=dt.date(2025, 1, 1))
    assert Licence.objects.count() == 1


@pytest.mark.django_db
def test_customer_user_without_a_customer_is_refused():
    _refused(lambda: User.objects.create(username="orphan", role=User.Role.CUSTOMER))
    assert not User.objects.filter(username="orphan").exists()


@pytest.mark.django_db
def test_staff_user_attached_to_a_customer_is_refused():
    customer = CustomerFactory()
    _refused(lambda: User.objects.create(
        username="tech-with-shop", role=User.Role.TECHNICIAN, customer=customer
    ))
    assert not User.objects.filter(username="tech-with-shop").exists()


@pytest.mark.django_db
def test_closure_ending_before_it_starts_is_refused():
    calendar = WorkingCalendar.objects.create(name="Other vendor")
    _refused(lambda: Closure.objects.create(
        calendar=calendar, starts_on=dt.date(2026, 8, 25), ends_on=dt.date(2026, 8, 5)
    ))
    assert Closure.objects.count() == 0


@pytest.mark.django_db
def test_only_one_default_calendar(config):
    _refused(lambda: WorkingCalendar.objects.create(name="Second", is_default=True))
