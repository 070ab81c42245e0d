"""The database itself refuses a licence the forms refuse (issue 3), on SQLite and PostgreSQL.

Each case bypasses full_clean() on purpose: a bug in a service or a raw bulk insert must
still hit the CHECK constraint and leave nothing behind. (Moved here from
supportdesk/contracts/tests/test_constraints.py: licences are the customers app's.)
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from supportdesk.catalog.tests.factories import ProductFactory
from supportdesk.customers.models import Licence
from supportdesk.customers.tests.factories import CustomerFactory


def _refused(make) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


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
