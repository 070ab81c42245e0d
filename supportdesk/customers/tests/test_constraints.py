"""The database itself refuses a licence the forms refuse (issue 3), on SQLite and PostgreSQL.

Each case bypasses full_clean() on purpose: a bug in a service or a raw bulk insert must
still hit the CHECK constraint and leave nothing behind. (Moved here from
supportdesk/contracts/tests/test_constraints.py: licences are the customers app's.)
"""

import datetime as dt
from decimal import Decimal

import pytest

from supportdesk.catalog.tests.factories import ProductFactory
from supportdesk.common.tests.helpers import refused_by_database
from supportdesk.customers.models import Licence
from supportdesk.customers.tests.factories import CustomerFactory


@pytest.mark.django_db
def test_negative_licence_value_is_refused():
    customer, product = CustomerFactory(), ProductFactory()
    refused_by_database(lambda: Licence.objects.create(
        customer=customer, product=product, value=Decimal("-0.01"), licensed_on=dt.date(2025, 1, 1)
    ))
    assert Licence.objects.count() == 0


@pytest.mark.django_db
def test_licence_of_zero_value_is_allowed():
    customer, product = CustomerFactory(), ProductFactory()
    Licence.objects.create(customer=customer, product=product, value=Decimal("0.00"),
                           licensed_on=dt.date(2025, 1, 1))
    assert Licence.objects.count() == 1
