"""Races for the last prepaid hours (docs/security.md #25, #26).

Twenty technicians save work at the same moment against a bank with 5 hours left: the
customer's bank row is locked (``customer_lock``), so exactly 10 half-hours draw from it and
the balance equals its ledger. Real threads, one database connection each (closed at thread
end), against the SQLite file database and, with ``DATABASE_URL`` set, a real PostgreSQL
server. (Concurrent billing runs: supportdesk/billing/tests/test_concurrency.py.)
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from supportdesk.accounts.tests.factories import ManagerFactory, TechnicianFactory
from supportdesk.billing.services import prepaid_purchase_create
from supportdesk.common.choices import Channel, Tier
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.tests.helpers import at, in_threads
from supportdesk.contracts.services import calendar_seed_default, tariff_seed_default
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.entitlements.models import BankLedgerEntry, HourBank
from supportdesk.tickets.tests.factories import TicketFactory
from supportdesk.worklog.models import WorkEntry
from supportdesk.worklog.services.entries import work_entry_create

THREADS = 20
REPEATS = 20


def _race_for_the_last_five_hours():
    # given the configuration, two dozen technicians and a manager
    tariff_seed_default()
    calendar_seed_default()
    manager = ManagerFactory()
    techs = [TechnicianFactory() for _ in range(THREADS)]
    for repeat in range(REPEATS):
        # given a Free customer with 5 prepaid hours (§4)
        customer = CustomerFactory()
        ticket = TicketFactory(customer=customer, tier=Tier.FREE)
        prepaid_purchase_create(customer=customer, hours=5, on=dt.date(2026, 11, 1), by=manager)

        # when 20 technicians each save 30 minutes at the same moment (a day per repeat:
        # one technician's entries may not overlap, issue 9)
        def book(i, ticket=ticket, day=2 + repeat):
            return work_entry_create(ticket=ticket, technician=techs[i], channel=Channel.PHONE,
                                     started_at=at(2026, 11, day, 11),
                                     ended_at=at(2026, 11, day, 11, 30), by=techs[i])

        results = in_threads(THREADS, book)

        # then every save succeeded or failed cleanly; exactly 10 drew from the bank and
        # 10 were billed at the rate; the bank is empty and equals its ledger
        errors = [r for r in results if isinstance(r, Exception)]
        assert all(isinstance(e, ApplicationError) for e in errors), errors
        saved = WorkEntry.objects.filter(ticket=ticket)
        assert saved.count() == THREADS - len(errors)
        assert not errors, f"repeat {repeat}: {errors}"
        drawn = sorted(saved.values_list("bank_drawn_minutes", flat=True))
        assert drawn == [0] * 10 + [30] * 10, f"repeat {repeat}"
        assert sum(e.net_amount for e in saved) == Decimal("250.00")  # 10 x 30 min x 50 €/h
        bank = HourBank.objects.get(customer=customer)
        ledger = sum(BankLedgerEntry.objects.filter(customer=customer)
                     .values_list("minutes", flat=True))
        assert bank.balance_minutes == 0 == ledger
        assert BankLedgerEntry.objects.filter(customer=customer, reason="draw").count() == 10


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_race_for_the_last_hours_on_sqlite():
    # docs/security.md #26: IMMEDIATE transactions queue the savers; contention is retried.
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    _race_for_the_last_five_hours()


@pytest.mark.pg
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_race_for_the_last_hours_on_postgresql():
    # docs/security.md #25: SELECT ... FOR UPDATE on the customer's bank row; CHECK as last guard.
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    _race_for_the_last_five_hours()
