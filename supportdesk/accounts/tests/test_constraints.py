"""The database itself refuses a user the forms refuse (issue 3), on SQLite and PostgreSQL:
a customer user always belongs to a customer, a staff user never does.

Each case bypasses full_clean() on purpose: a bug in a service or a raw bulk insert must
still hit the CHECK constraint and leave nothing behind. (Moved here from
supportdesk/contracts/tests/test_constraints.py: users are the accounts app's.)
"""

import pytest

from supportdesk.accounts.models import User
from supportdesk.common.tests.helpers import refused_by_database
from supportdesk.customers.tests.factories import CustomerFactory


@pytest.mark.django_db
def test_customer_user_without_a_customer_is_refused():
    refused_by_database(lambda: User.objects.create(username="orphan", role=User.Role.CUSTOMER))
    assert not User.objects.filter(username="orphan").exists()


@pytest.mark.django_db
def test_staff_user_attached_to_a_customer_is_refused():
    customer = CustomerFactory()
    refused_by_database(lambda: User.objects.create(
        username="tech-with-shop", role=User.Role.TECHNICIAN, customer=customer
    ))
    assert not User.objects.filter(username="tech-with-shop").exists()
