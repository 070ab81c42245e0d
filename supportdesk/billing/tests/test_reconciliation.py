"""A year of generated data reconciles to the cent and to the minute (issue 4, "must show")."""

import datetime as dt
import random
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Sum

from supportdesk.agreements.models import Quote
from supportdesk.agreements.services import quote_issue
from supportdesk.billing.models import Statement, StatementLine
from supportdesk.billing.services import (
    billing_run,
    prepaid_purchase_create,
)
from supportdesk.common.choices import Channel, Tier
from supportdesk.common.exceptions import ApplicationError
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.entitlements.models import (
    AllowanceBalance,
    AllowanceLedgerEntry,
    BankLedgerEntry,
    HourBank,
)
from supportdesk.entitlements.selectors import customer_balances
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.tests.factories import TicketFactory
from supportdesk.worklog.models import Expense, WorkEntry
from supportdesk.worklog.services.agreements import agreement_accept
from supportdesk.worklog.services.entries import (
    expense_create,
    work_entry_create,
    work_entry_delete,
    work_entry_update,
)

from .conftest import at

pytestmark = pytest.mark.django_db

MONTHS = [(dt.date(2026, m, 1), (dt.date(2026, m + 1, 1) if m < 12 else dt.date(2027, 1, 1))
           - dt.timedelta(days=1)) for m in range(1, 13)]


def _generate(rng, technician, manager):
    customers = []
    for i in range(9):
        customer = CustomerFactory()
        tier = [Tier.BASIC, Tier.BUSINESS, Tier.FREE][i % 3]
        if tier != Tier.FREE:
            ContractFactory(customer=customer, tier=tier)
        else:
            prepaid_purchase_create(customer=customer, hours=rng.randint(1, 6),
                                    on=dt.date(2026, 1, 2), by=manager)
        tickets = [TicketFactory(customer=customer, tier=tier) for _ in range(3)]
        tickets.append(TicketFactory(customer=customer, tier=tier,
                                     emergency=Ticket.Emergency.ACCEPTED))
        oos = TicketFactory(customer=customer, tier=tier, category=Ticket.Category.HARDWARE)
        # §10: half of the out-of-scope requests at a fixed amount (billed once, whatever
        # the time), half at hours at a rate, agreed on 2 January
        with time_machine.travel(at(2026, 1, 2, 9), tick=False):
            quote = (quote_issue(ticket=oos, description="Αναβάθμιση", amount="100.00",
                                 by=technician) if i % 2 else
                     quote_issue(ticket=oos, description="Αναβάθμιση", kind="hourly",
                                 rate_per_hour="40,00", by=technician))
            agreement_accept(quote=quote, by=manager)
        tickets.append(oos)
        customers.append((customer, tickets))
    entries = []
    # One entry a day, up to 30 November: one technician's work may not overlap, nor end
    # in the future (issue 9); the longest (a 23:45 start corrected to 240 min) ends 03:45.
    days = rng.sample(range(334), 320)
    for offset in days:
        customer, tickets = rng.choice(customers)
        ticket = rng.choice(tickets)
        day = dt.date(2026, 1, 1) + dt.timedelta(days=offset)
        start = at(day.year, day.month, day.day, rng.choice([8, 10, 12, 15, 17, 19, 23]),
                   rng.choice([0, 15, 30, 45]))
        end = start + dt.timedelta(minutes=rng.randint(1, 200))
        flat = None if ticket.is_out_of_scope else rng.choice([None] * 9 + ["35.00"])
        entries.append(work_entry_create(
            ticket=ticket, technician=technician, channel=rng.choice(Channel.values),
            started_at=start, ended_at=end, flat_fee=flat, by=technician))
        if rng.random() < 0.1:
            expense_create(ticket=ticket, kind=rng.choice(["travel", "parking", "lodging"]),
                           amount=Decimal(rng.randint(1, 20000)) / 100, incurred_on=day,
                           by=technician)
    # corrections and deletions before billing
    for entry in rng.sample(entries, 40):
        work_entry_update(entry=entry, by=technician,
                          ended_at=entry.started_at + dt.timedelta(minutes=rng.randint(1, 240)))
    for entry in rng.sample(entries, 15):
        if WorkEntry.objects.filter(pk=entry.pk).exists():
            work_entry_delete(entry=entry, by=technician)
    return customers


def test_a_year_of_billing_reconciles(config, technician, manager):
    # given a year of generated work, expenses, corrections and deletions
    rng = random.Random(20261125)
    customers = _generate(rng, technician, manager)
    # when every month is billed
    for start, end in MONTHS:
        billing_run(period_start=start, period_end=end, by=manager,
                    now=at(end.year, end.month, end.day, 23) + dt.timedelta(hours=2))
    # then every entry and expense is billed exactly once
    assert not WorkEntry.objects.filter(locked_at__isnull=True).exists()
    assert not Expense.objects.filter(locked_at__isnull=True).exists()
    lines = StatementLine.objects.filter(statement__kind=Statement.Kind.PERIOD)
    assert lines.filter(work_entry__isnull=False).values("work_entry").distinct().count() \
        == WorkEntry.objects.count()
    # and the sum of all statement lines equals priced work plus expenses, to the cent
    priced = WorkEntry.objects.aggregate(s=Sum("net_amount"))["s"]
    expenses = Expense.objects.aggregate(s=Sum("amount"))["s"]
    agreed = Quote.objects.filter(kind="fixed").aggregate(s=Sum("amount"))["s"]
    assert agreed == Decimal("400.00")
    assert lines.filter(kind="agreement").count() == 4
    assert lines.aggregate(s=Sum("net_amount"))["s"] == priced + expenses + agreed
    # and each statement's totals equal its lines (VAT per rate, half-up once per rate)
    for statement in Statement.objects.prefetch_related("lines"):
        net = sum((x.net_amount for x in statement.lines.all()), Decimal("0.00"))
        assert statement.net_total == net
        vat = sum((Decimal(r["vat"]) for r in statement.vat_breakdown), Decimal("0.00"))
        assert statement.vat_total == vat and statement.total == net + vat
    # and the ledgers balance to the figures shown
    for customer, _tickets in customers:
        drawn = WorkEntry.objects.filter(ticket__customer=customer).aggregate(
            s=Sum("bank_drawn_minutes"))["s"] or 0
        bought = sum(p.hours * 60 for p in customer.prepaid_purchases.all())
        bank = HourBank.objects.filter(customer=customer).first()
        shown = customer_balances(customer_id=customer.pk,
                                  contract=customer.contracts.first())
        assert shown.bank_minutes == shown.bank_ledger_sum == bought - drawn >= 0
        assert bank is None or bank.balance_minutes == shown.bank_minutes
        for row in shown.allowances:
            used = WorkEntry.objects.filter(
                ticket__customer=customer, channel=row.channel).aggregate(
                s=Sum("allowance_drawn_minutes"))["s"] or 0
            assert row.used_minutes == used and row.left_minutes == row.ledger_sum >= 0
    assert AllowanceBalance.objects.aggregate(s=Sum("balance_minutes"))["s"] == \
        AllowanceLedgerEntry.objects.aggregate(s=Sum("minutes"))["s"]
    assert HourBank.objects.aggregate(s=Sum("balance_minutes"))["s"] == \
        BankLedgerEntry.objects.aggregate(s=Sum("minutes"))["s"]
    # when every billing run is made again, nothing changes
    counts = (Statement.objects.count(), StatementLine.objects.count(),
              AllowanceLedgerEntry.objects.count(), BankLedgerEntry.objects.count())
    for start, end in MONTHS:
        assert billing_run(period_start=start, period_end=end, by=manager).statements_issued == 0
    assert counts == (Statement.objects.count(), StatementLine.objects.count(),
                      AllowanceLedgerEntry.objects.count(), BankLedgerEntry.objects.count())
    # and billed work can no longer be edited
    with pytest.raises(ApplicationError):
        work_entry_update(entry=WorkEntry.objects.first(), by=technician, description="x")
    # and statement numbers are gapless per series and year
    for series, year in set(Statement.objects.values_list("series", "year")):
        numbers = sorted(Statement.objects.filter(series=series, year=year)
                         .values_list("number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1))
