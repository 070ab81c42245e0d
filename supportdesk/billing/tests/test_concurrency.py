"""Concurrent billing runs: each statement issued once, numbers gapless (docs/security.md #28).

Real threads, one database connection each (closed at thread end), against the SQLite file
database and, with ``DATABASE_URL`` set, a real PostgreSQL server. (The race for the last
prepaid hours: supportdesk/entitlements/tests/test_concurrency.py.)
"""

import datetime as dt

import pytest
from django.db import connection

from supportdesk.accounts.tests.factories import ManagerFactory, TechnicianFactory
from supportdesk.billing.models import Statement, StatementLine
from supportdesk.billing.services import billing_run
from supportdesk.common.choices import Channel, Tier
from supportdesk.common.tests.helpers import in_threads
from supportdesk.contracts.services import calendar_seed_default, tariff_seed_default
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.tickets.tests.factories import TicketFactory
from supportdesk.worklog.models import WorkEntry
from supportdesk.worklog.services.entries import work_entry_create

from .conftest import at


@pytest.mark.django_db(transaction=True)
def test_two_billing_runs_at_once_issue_each_statement_once_with_gapless_numbers():
    # given 6 customers with unbilled work in November
    tariff_seed_default()
    calendar_seed_default()
    manager = ManagerFactory()
    tech = TechnicianFactory()
    for day in range(10, 16):  # a day per customer: one technician's work may not overlap
        ticket = TicketFactory(customer=CustomerFactory(), tier=Tier.FREE)
        for hour in (10, 12, 14):
            work_entry_create(ticket=ticket, technician=tech, channel=Channel.ONSITE,
                              started_at=at(2026, 11, day, hour),
                              ended_at=at(2026, 11, day, hour, 45), by=tech)

    # when two managers start the November run at the same moment
    def run(i):
        return billing_run(period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30),
                           by=manager, now=at(2026, 12, 1, 9))

    results = in_threads(2, run)

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
    for day in range(10, 22):  # a day each: one technician's work may not overlap
        ticket = TicketFactory(customer=CustomerFactory(), tier=Tier.FREE)
        work_entry_create(ticket=ticket, technician=tech, channel=Channel.PHONE,
                          started_at=at(2026, 11, day, 11), ended_at=at(2026, 11, day, 11, 40),
                          by=tech)
    # when the run bills them with 4 worker threads
    run = billing_run(period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30),
                      by=manager, now=at(2026, 12, 1, 9), workers=4)
    # then every customer has one statement and the numbers are 1..12
    assert run.statements_issued == 12 == run.customers_seen
    assert sorted(Statement.objects.values_list("number", flat=True)) == list(range(1, 13))
    assert not WorkEntry.objects.filter(locked_at__isnull=True).exists()
