"""Races for the last prepaid hours and concurrent billing runs (RELIABILITY #25, #26, #28).

Real threads, one database connection each (closed at thread end), against the SQLite file
database and, with ``DATABASE_URL`` set, a real PostgreSQL server.
"""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection

from supportdesk.accounts.tests.factories import ManagerFactory, TechnicianFactory
from supportdesk.billing.models import Statement, StatementLine
from supportdesk.billing.services import billing_run, prepaid_purchase_create
from supportdesk.common.choices import Channel, Tier
from supportdesk.common.exceptions import ApplicationError
from supportdesk.contracts.services import calendar_seed_default, tariff_seed_default
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.entitlements.models import BankLedgerEntry, HourBank
from supportdesk.tickets.tests.factories import TicketFactory
from supportdesk.worklog.models import WorkEntry
from supportdesk.worklog.services.entries import work_entry_create

from .conftest import at

THREADS = 20
REPEATS = 20


def _in_threads(n, target):
    """Run ``target(i)`` in ``n`` threads released together; return results or exceptions."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = target(i)
        except Exception as exc:  # collected and asserted on by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    close_old_connections()
    return results


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

        # when 20 technicians each save 30 minutes at the same moment
        def book(i, ticket=ticket):
            return work_entry_create(ticket=ticket, technician=techs[i], channel=Channel.PHONE,
                                     started_at=at(2026, 11, 24, 11),
                                     ended_at=at(2026, 11, 24, 11, 30), by=techs[i])

        results = _in_threads(THREADS, book)

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
    # RELIABILITY #26: IMMEDIATE transactions queue the savers; contention is retried.
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    _race_for_the_last_five_hours()


@pytest.mark.pg
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_race_for_the_last_hours_on_postgresql():
    # RELIABILITY #25: SELECT ... FOR UPDATE on the customer's bank row; CHECK as last guard.
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    _race_for_the_last_five_hours()


@pytest.mark.django_db(transaction=True)
def test_two_billing_runs_at_once_issue_each_statement_once_with_gapless_numbers():
    # given 6 customers with unbilled work in November
    tariff_seed_default()
    calendar_seed_default()
    manager = ManagerFactory()
    tech = TechnicianFactory()
    for _ in range(6):
        ticket = TicketFactory(customer=CustomerFactory(), tier=Tier.FREE)
        for hour in (10, 12, 14):
            work_entry_create(ticket=ticket, technician=tech, channel=Channel.ONSITE,
                              started_at=at(2026, 11, 10, hour),
                              ended_at=at(2026, 11, 10, hour, 45), by=tech)

    # when two managers start the November run at the same moment
    def run(i):
        return billing_run(period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30),
                           by=manager, now=at(2026, 12, 1, 9))

    results = _in_threads(2, run)

    # then both finished, together they issued one statement per customer, each entry is
    # billed exactly once, and the numbers are 1..6 without gaps
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.statements_issued for r in results) == 6
    assert Statement.objects.count() == 6
    assert sorted(Statement.objects.values_list("number", flat=True)) == list(range(1, 7))
    assert StatementLine.objects.filter(work_entry__isnull=False).count() == 18
    assert not WorkEntry.objects.filter(locked_at__isnull=True).exists()
    # and a third run bills nothing
    again = billing_run(period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30),
                        by=manager, now=at(2026, 12, 1, 10))
    assert again.statements_issued == 0 and Statement.objects.count() == 6


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_a_run_with_worker_threads_bills_each_customer_once():
    # given 12 customers with November work (PostgreSQL: threads each get a connection)
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    tariff_seed_default()
    calendar_seed_default()
    manager = ManagerFactory()
    tech = TechnicianFactory()
    for _ in range(12):
        ticket = TicketFactory(customer=CustomerFactory(), tier=Tier.FREE)
        work_entry_create(ticket=ticket, technician=tech, channel=Channel.PHONE,
                          started_at=at(2026, 11, 10, 11), ended_at=at(2026, 11, 10, 11, 40),
                          by=tech)
    # when the run bills them with 4 worker threads
    run = billing_run(period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30),
                      by=manager, now=at(2026, 12, 1, 9), workers=4)
    # then every customer has one statement and the numbers are 1..12
    assert run.statements_issued == 12 == run.customers_seen
    assert sorted(Statement.objects.values_list("number", flat=True)) == list(range(1, 13))
    assert not WorkEntry.objects.filter(locked_at__isnull=True).exists()
