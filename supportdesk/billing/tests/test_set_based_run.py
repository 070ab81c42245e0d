"""The billing run's PostgreSQL fast path (``services/set_based.py``) bills exactly what the
Python path bills: the same statements, numbers, lines, data and totals.

One varied world (every tier, every channel, a prepaid bank, an out-of-town visit with its
fee, travel and lodging, other expenses, flat fees, an accepted emergency's surcharge,
out-of-hours work, §10 requests held, under a fixed amount and under hours at a rate, work
held in October and agreed in November, a credited statement billed again) goes through
the same sequence of runs twice from the same state: with the work lines built in SQL,
then, rolled back to a savepoint, with them built in Python; everything the runs wrote is
compared. Batches and chunks are made small so that both paths bill several.
"""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, transaction

from supportdesk.accounts.tests.factories import UserFactory
from supportdesk.agreements.models import Quote
from supportdesk.agreements.services import quote_issue
from supportdesk.billing.models import BillingRun, Statement, StatementLine
from supportdesk.billing.services import (
    billing_run,
    prepaid_purchase_create,
    set_based,
    statement_credit,
)
from supportdesk.billing.services import statements as st
from supportdesk.common.choices import Channel, Tier
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.notifications.models import Notification
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.tests.factories import TicketFactory
from supportdesk.worklog.models import Expense, WorkEntry
from supportdesk.worklog.services.agreements import agreement_accept
from supportdesk.worklog.services.emergencies import emergency_accept, emergency_intake
from supportdesk.worklog.services.entries import expense_create, work_entry_create

from .conftest import at

pytestmark = [pytest.mark.django_db, pytest.mark.pg]

OCT = {"period_start": dt.date(2026, 10, 1), "period_end": dt.date(2026, 10, 31)}
NOV = {"period_start": dt.date(2026, 11, 1), "period_end": dt.date(2026, 11, 30)}


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the set-based path is PostgreSQL's")


def _work(ticket, tech, start, minutes=60, channel=Channel.REMOTE, **kwargs):
    return work_entry_create(ticket=ticket, technician=tech, channel=channel,
                             started_at=start, ended_at=start + dt.timedelta(minutes=minutes),
                             by=tech, **kwargs)


def _customer(name, tier=None, **kwargs):
    org = CustomerFactory(name=name, **kwargs)
    UserFactory(customer=org)  # told of its statements
    if tier is not None:
        ContractFactory(customer=org, tier=tier, starts_on=dt.date(2026, 1, 1),
                        ends_on=dt.date(2026, 12, 31))
    return org


def _build_world(tech, manager):
    """Customers with every kind of line; October's work is billed (and part of it
    credited) by October's run, inside the compared sequence."""
    basic = _customer("Κοσμήματα Άλφα", Tier.BASIC)
    business = _customer("Χρυσοχοΐα Γάμμα", Tier.BUSINESS)
    free = _customer("Ωρολογοποιείο Δέλτα")  # no contract: Free, with prepaid hours
    far = _customer("Κοσμήματα Βόλου", Tier.BASIC, is_out_of_town=True, distance_km=120)
    held = _customer("Αργυροχοΐα Έψιλον", Tier.BASIC)
    plain = [_customer(f"Κατάστημα {i}", [Tier.BASIC, Tier.BUSINESS, None][i % 3])
             for i in range(5)]

    with time_machine.travel(at(2026, 10, 30, 12), tick=False):
        # October: work billed by the October run, one of it credited afterwards
        october = TicketFactory(customer=basic, subject="Εκτύπωση αποδείξεων")
        _work(october, tech, at(2026, 10, 5, 10), 90, Channel.ONSITE)
        _work(october, tech, at(2026, 10, 6, 10), 30, Channel.PHONE)
        # work held in October on an out-of-scope request (agreed in November)
        late = TicketFactory(customer=held, category=Ticket.Category.HARDWARE,
                             subject="Νέος δίσκος")
        _work(late, tech, at(2026, 10, 12, 11), 120, Channel.ONSITE)
        expense_create(ticket=late, kind="parking", amount="3.50",
                       incurred_on=dt.date(2026, 10, 12), by=tech)
        # a fixed amount agreed in October, billed then and credited
        fixed_oct = TicketFactory(customer=business, category=Ticket.Category.OS,
                                  subject="Windows")
        agreement_accept(quote=quote_issue(ticket=fixed_oct, by=tech, amount="150,00",
                                           description="Επανεγκατάσταση",
                                           valid_until=dt.date(2026, 12, 31)),
                         by=business.users.first())
        _work(fixed_oct, tech, at(2026, 10, 20, 10), 45)

    with time_machine.travel(at(2026, 11, 28, 12), tick=False):
        prepaid_purchase_create(customer=free, hours=3, on=dt.date(2026, 11, 2), by=manager)
        day = 2
        # every channel, flat fees, out-of-hours work, on every tier
        for org in (basic, business, free, *plain):
            tickets = [TicketFactory(customer=org, subject=f"Αίτημα {org.name} {i}")
                       for i in range(2)]
            for i, channel in enumerate((Channel.PHONE, Channel.REMOTE, Channel.ONSITE,
                                         Channel.OFFICE)):
                _work(tickets[i % 2], tech, at(2026, 11, day, 10 + 2 * i), 25 + 35 * i,
                      channel)
            _work(tickets[0], tech, at(2026, 11, day, 19), 50, Channel.REMOTE)  # out of hours
            _work(tickets[1], tech, at(2026, 11, day + 1, 10), 60, Channel.REMOTE,
                  flat_fee="80.00")
            expense_create(ticket=tickets[1], kind="parking", amount="4.50",
                           incurred_on=dt.date(2026, 11, day), by=tech)
            day += 2  # Mondays 2 and 16 to Monday 16 and Tuesday 17: none overlaps
        # an accepted emergency: the out-of-hours work carries the §7 surcharge
        emergency = emergency_intake(customer=plain[2], subject="Δεν ανοίγει το ταμείο",
                                     body="Μήνυμα", received_at=at(2026, 11, 21, 21), by=tech)
        _work(emergency, tech, at(2026, 11, 21, 21), 75, Channel.ONSITE)
        emergency_accept(ticket=emergency, by=tech, reason="Σταματημένο κατάστημα")
        # an out-of-town visit: the fee, the round trip and lodging, booked as expenses
        visit = TicketFactory(customer=far, subject="Εγκατάσταση ταμείου")
        _work(visit, tech, at(2026, 11, 26, 10), 180, Channel.ONSITE, lodging="65.00")
        expense_create(ticket=visit, kind="parking", amount="2.00",
                       incurred_on=dt.date(2026, 11, 26), by=tech)
        # §10: held (no agreement), under a fixed amount (two of them), at a rate
        waiting = TicketFactory(customer=held, category=Ticket.Category.VIRUS, subject="Ιός")
        _work(waiting, tech, at(2026, 11, 23, 10), 40)
        expense_create(ticket=waiting, kind="parking", amount="1.00",
                       incurred_on=dt.date(2026, 11, 23), by=tech)
        for amount, subject in (("300,00", "Δίκτυο"), ("120,00", "Οθόνη")):
            ticket = TicketFactory(customer=basic, category=Ticket.Category.NETWORK_STORAGE,
                                   subject=subject)
            _work(ticket, tech, at(2026, 11, 24, 10 if amount == "300,00" else 14), 80)
            agreement_accept(quote=quote_issue(ticket=ticket, by=tech, amount=amount,
                                               description=f"Συμφωνία {subject}",
                                               valid_until=dt.date(2026, 12, 31)),
                             by=basic.users.first())
        hourly = TicketFactory(customer=free, category=Ticket.Category.GREEK_DISPLAY,
                               subject="Ελληνικά")
        agreement_accept(quote=quote_issue(ticket=hourly, by=tech, kind=Quote.Kind.HOURLY,
                                           rate_per_hour="42,50", description="Ώρες",
                                           valid_until=dt.date(2026, 12, 31)),
                         by=free.users.first())
        _work(hourly, tech, at(2026, 11, 25, 10), 95, Channel.PHONE)
        # the request held in October is agreed (hourly) in November: billed in November
        agreement_accept(quote=quote_issue(ticket=late, by=tech, kind=Quote.Kind.HOURLY,
                                           description="Δίσκος",
                                           valid_until=dt.date(2026, 12, 31)),
                         by=held.users.first())
        _work(late, tech, at(2026, 11, 25, 14), 30, Channel.ONSITE)


def _sequence(manager):
    """October's run, a credit (the agreed amount and a work line), November's run (with
    the October work agreed since), October again (the credited work), and a rerun."""
    runs = [billing_run(**OCT, by=manager, now=at(2026, 11, 2, 9))]
    for statement in Statement.objects.filter(kind=Statement.Kind.PERIOD).order_by("number"):
        credited = [line.pk for line in statement.lines.order_by("position")
                    if line.kind in (StatementLine.Kind.AGREEMENT, StatementLine.Kind.WORK)][:1]
        statement_credit(statement=statement, by=manager, reason="Διόρθωση",
                         line_ids=credited, now=at(2026, 11, 3, 9))
    # (a moment with microseconds: every date and time is written whole)
    runs.append(billing_run(**NOV, by=manager,
                            now=at(2026, 12, 1, 9) + dt.timedelta(microseconds=123457)))
    runs.append(billing_run(**OCT, by=manager, now=at(2026, 12, 1, 10)))
    runs.append(billing_run(**NOV, by=manager, now=at(2026, 12, 1, 11)))
    return runs


def _written(runs) -> dict:
    """Everything the sequence wrote, without the ids the database gave it."""
    number_of = {s.pk: (s.series, s.year, s.number) for s in Statement.objects.all()}
    place_of = {line.pk: (number_of[line.statement_id], line.position)
                for line in StatementLine.objects.all()}
    statements = []
    for s in Statement.objects.order_by("series", "year", "number"):
        statements.append({
            "number": number_of[s.pk], "kind": s.kind, "customer": s.customer_id,
            "snapshot": (s.customer_name, s.customer_address, s.customer_tax_number,
                         s.customer_tax_office),
            "period": (s.period_start, s.period_end), "status": s.status,
            "issued_at": s.issued_at, "due_on": s.due_on, "paid_at": s.paid_at,
            "totals": (s.net_total, s.vat_total, s.total), "vat": s.vat_breakdown,
            "credits": number_of.get(s.credits_id), "contract": s.contract_id,
            "reason": s.reason, "by": s.created_by_id, "history": s.history.count(),
            "lines": [
                (line.position, line.kind, line.ticket_id, line.work_entry_id,
                 line.expense_id, line.quote_id, place_of.get(line.reverses_id),
                 line.credited_at, line.description, line.data, line.channel, line.minutes,
                 line.net_amount, line.vat_rate)
                for line in s.lines.order_by("position")],
        })
    return {
        "statements": statements,
        "runs": [(r.customers_seen, r.statements_issued, r.notes)
                 for r in BillingRun.objects.filter(pk__in=[r.pk for r in runs])
                 .order_by("pk")],
        "entries": sorted(WorkEntry.objects.values_list("pk", "locked_at")),
        "expenses": sorted(Expense.objects.values_list("pk", "locked_at")),
        "notifications": sorted(Notification.objects.values_list("event", "user_id")),
    }


def test_the_set_based_run_bills_exactly_what_the_python_run_bills(config, technician,
                                                                   manager, monkeypatch):
    # given the varied world, and small batches and chunks (several of each)
    _build_world(technician, manager)
    monkeypatch.setattr(st, "BATCH", 2)
    monkeypatch.setattr(st, "SQL_BATCH", 3)
    monkeypatch.setattr(st, "CHUNK", 4)
    claims = []
    original = set_based.claim_and_write
    monkeypatch.setattr(set_based, "claim_and_write",
                        lambda **kw: claims.append(1) or original(**kw))
    issued_before = Statement.objects.count()  # the prepaid hours' statement
    before = transaction.savepoint()

    # when the sequence runs with the work lines in SQL
    in_sql = _written(_sequence(manager))
    assert claims, "the PostgreSQL path was not taken"
    # and again from the same state with them built in Python
    transaction.savepoint_rollback(before)
    assert Statement.objects.count() == issued_before
    monkeypatch.setattr(st, "SET_BASED", False)
    claims.clear()
    in_python = _written(_sequence(manager))
    assert not claims

    # then the two wrote the same, line for line
    assert in_sql["runs"] == in_python["runs"]
    assert len(in_sql["statements"]) == len(in_python["statements"])
    for ours, theirs in zip(in_sql["statements"], in_python["statements"], strict=True):
        assert ours == theirs, ours["number"]
    assert in_sql == in_python
    # and the world was the varied one it claims to be
    lines = [line for s in in_sql["statements"] for line in s["lines"]]
    kinds = {line[1] for line in lines}
    assert {"work", "surcharge", "flat_fee", "expense", "agreement", "credit"} <= kinds
    assert {line[10] for line in lines} >= {"phone", "remote", "onsite", "office"}
    assert {line[9].get("expense_kind") for line in lines} >= {
        "parking", "travel", "out_of_base", "lodging"}
    assert any(line[9].get("bank") for line in lines)  # drawn from prepaid hours
    assert any(line[9].get("allowance") for line in lines)  # from the yearly allowance
    assert any(line[9].get("included") for line in lines)
    assert any(line[9].get("agreed") for line in lines)
    notes = [note for run in in_sql["runs"] for note in run[2]]
    assert {note["key"] for note in notes} == {"waiting_quote"}
    assert len({s["number"][:2] for s in in_sql["statements"]}) == 2  # statements, credits
    assert sum(1 for s in in_sql["statements"] if s["kind"] == "period") >= 10
    assert all(line[12] == Decimal(str(line[12])) for line in lines)
