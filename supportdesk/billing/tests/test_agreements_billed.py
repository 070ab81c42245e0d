"""§10: out-of-scope work is billed only under its request's accepted agreement.

A fixed amount is billed once, as one "agreement" line (the work under it as 0,00 lines),
whatever the time logged, and again only after that line is credited; hours at a rate are
billed at the agreed rate on every channel, never drawing included or prepaid hours.
Without an accepted agreement (none, declined, withdrawn, expired) the request's work and
expenses are held: never billed, left unlocked, and the run says why (``waiting_quote``).
Accepting an agreement prices the work logged before it (``agreement_accept``).
"""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import load_workbook
from pypdf import PdfReader

from supportdesk.accounts.tests.factories import ManagerFactory, TechnicianFactory, UserFactory
from supportdesk.agreements.models import Quote
from supportdesk.agreements.services import (
    quote_accept,
    quote_decline,
    quote_issue,
    quote_withdraw,
    quotes_expire,
)
from supportdesk.billing import documents
from supportdesk.billing.models import Statement, StatementLine
from supportdesk.billing.services import billing_run, prepaid_purchase_create, statement_credit
from supportdesk.common.choices import Channel
from supportdesk.common.tests.helpers import in_threads
from supportdesk.contracts.services import calendar_seed_default, tariff_seed_default
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.entitlements.models import (
    AllowanceBalance,
    AllowanceLedgerEntry,
    BankLedgerEntry,
    HourBank,
    LedgerReason,
)
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.tests.factories import TicketFactory
from supportdesk.worklog.models import Expense, WorkEntry
from supportdesk.worklog.services.agreements import agreement_accept, ticket_scope_change
from supportdesk.worklog.services.entries import expense_create, work_entry_create

from .conftest import at
from .factories import VendorProfileFactory

pytestmark = pytest.mark.django_db

NOV = {"period_start": dt.date(2026, 11, 1), "period_end": dt.date(2026, 11, 30)}
DEC = {"period_start": dt.date(2026, 12, 1), "period_end": dt.date(2026, 12, 31)}
# Wednesday 25 November 2026, noon in Athens: the work below was done on the 23rd and 24th
# (Monday, Tuesday, in support hours); quotes are issued and decided today.
NOW = at(2026, 11, 25, 12)
NOV_RUN = at(2026, 12, 1, 9)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def oos_ticket(basic_contract, org_a, customer_a):
    """An out-of-scope request (operating system problems, §10) of the Basic customer."""
    return TicketFactory(customer=org_a, category=Ticket.Category.OS,
                         status=Ticket.Status.OPEN, subject="Τα Windows δεν ξεκινούν")


def _work(ticket, tech, start, minutes=120, channel=Channel.REMOTE):
    return work_entry_create(ticket=ticket, technician=tech, channel=channel,
                             started_at=start, ended_at=start + dt.timedelta(minutes=minutes),
                             by=tech)


def _fixed(ticket, by, amount="300,00", **kwargs):
    return quote_issue(ticket=ticket, by=by, description="Επανεγκατάσταση λειτουργικού",
                       amount=amount, valid_until=dt.date(2026, 12, 31), **kwargs)


def _hourly(ticket, by, rate="40,00"):
    return quote_issue(ticket=ticket, by=by, kind=Quote.Kind.HOURLY,
                       description="Ώρες εργασίας στο λειτουργικό", rate_per_hour=rate,
                       valid_until=dt.date(2026, 12, 31))


def _period_statements(customer):
    return Statement.objects.filter(kind=Statement.Kind.PERIOD, customer=customer)


def _ledgers():
    return (sorted(AllowanceLedgerEntry.objects.values_list("pk", "minutes", "reason")),
            sorted(BankLedgerEntry.objects.values_list("pk", "minutes", "reason")),
            sorted(AllowanceBalance.objects.values_list("pk", "balance_minutes")),
            sorted(HourBank.objects.values_list("customer_id", "balance_minutes")))


# --------------------------------------------------------------------------- (a) fixed


def test_a_fixed_amount_is_billed_once_with_its_work_as_zero_lines(
        oos_ticket, org_a, technician, manager, customer_a):
    # given 2 h of remote work on the out-of-scope request and a fixed 300,00 agreed
    first = _work(oos_ticket, technician, at(2026, 11, 23, 10))
    quote = agreement_accept(quote=_fixed(oos_ticket, technician), by=customer_a)
    second = _work(oos_ticket, technician, at(2026, 11, 24, 14), minutes=45)
    # then the work draws nothing (Basic remote has 4 h included) and costs 0,00
    for entry in (first, second):
        entry.refresh_from_db()
        assert entry.net_amount == Decimal("0.00")
        assert entry.allowance_drawn_minutes == 0 == entry.bank_drawn_minutes
        assert entry.pricing["agreement_id"] == quote.pk
        assert [line["kind"] for line in entry.pricing["lines"]] == ["agreed"]
    assert not AllowanceLedgerEntry.objects.filter(reason=LedgerReason.DRAW).exists()
    # when November is billed
    run = billing_run(**NOV, by=manager, now=NOV_RUN)
    # then one statement: the agreed amount once, leading the request's 0,00 work lines
    assert run.statements_issued == 1 and run.notes == []
    statement = _period_statements(org_a).get()
    lines = list(statement.lines.order_by("position"))
    assert [(x.kind, x.net_amount) for x in lines] == [
        (StatementLine.Kind.AGREEMENT, Decimal("300.00")),
        (StatementLine.Kind.WORK, Decimal("0.00")), (StatementLine.Kind.WORK, Decimal("0.00"))]
    agreed = lines[0]
    assert agreed.quote_id == quote.pk and agreed.ticket_id == oos_ticket.pk
    assert agreed.vat_rate == Decimal("0.24") and agreed.minutes == 0
    assert agreed.work_entry_id is None and agreed.expense_id is None
    assert agreed.description == f"{oos_ticket.reference} Επανεγκατάσταση λειτουργικού"
    assert agreed.data["quote"] == quote.pk and agreed.data["revision"] == 1
    assert [(x.work_entry_id, x.minutes, x.data["agreed"]) for x in lines[1:]] == [
        (first.pk, 120, 120), (second.pk, 45, 45)]
    assert (statement.net_total, statement.vat_total, statement.total) == (
        Decimal("300.00"), Decimal("72.00"), Decimal("372.00"))
    assert not WorkEntry.objects.filter(locked_at__isnull=True).exists()
    # when November is run again, and December (nothing new): the amount is not billed again
    assert billing_run(**NOV, by=manager, now=at(2026, 12, 1, 10)).statements_issued == 0
    assert billing_run(**DEC, by=manager, now=at(2027, 1, 4, 9)).statements_issued == 0
    assert StatementLine.objects.filter(quote=quote).count() == 1


def test_later_work_under_a_fixed_amount_never_bills_the_amount_again(
        oos_ticket, org_a, technician, manager, customer_a):
    quote = agreement_accept(quote=_fixed(oos_ticket, technician), by=customer_a)
    _work(oos_ticket, technician, at(2026, 11, 24, 10))
    billing_run(**NOV, by=manager, now=NOV_RUN)
    # given more work on the request in December
    with time_machine.travel(at(2026, 12, 10, 12), tick=False):
        december = _work(oos_ticket, technician, at(2026, 12, 8, 10), minutes=60)
    # when December is billed
    run = billing_run(**DEC, by=manager, now=at(2027, 1, 4, 9))
    # then its work is a 0,00 line, and the agreed amount is not on it
    statement = _period_statements(org_a).get(period_start=DEC["period_start"])
    assert run.statements_issued == 1
    assert [(x.kind, x.work_entry_id, x.net_amount) for x in statement.lines.all()] == [
        (StatementLine.Kind.WORK, december.pk, Decimal("0.00"))]
    assert statement.total == Decimal("0.00")
    assert StatementLine.objects.filter(quote=quote).count() == 1


def test_crediting_the_agreed_amount_bills_it_once_more(oos_ticket, org_a, technician,
                                                        manager, customer_a):
    # given the November statement with the agreed 300,00 and the work as 0,00
    quote = agreement_accept(quote=_fixed(oos_ticket, technician), by=customer_a)
    entry = _work(oos_ticket, technician, at(2026, 11, 23, 10))
    billing_run(**NOV, by=manager, now=NOV_RUN)
    original = _period_statements(org_a).get()
    agreed = original.lines.get(kind=StatementLine.Kind.AGREEMENT)
    # when a manager credits that line only
    credit = statement_credit(statement=original, by=manager, reason="Λάθος ποσό",
                              line_ids=[agreed.pk], now=at(2026, 12, 3, 9))
    # then the credit reverses the 300,00; the work stays billed (and locked)
    assert credit.kind == Statement.Kind.CREDIT and credit.credits_id == original.pk
    assert credit.net_total == Decimal("-300.00")
    assert [(x.kind, x.reverses_id, x.net_amount) for x in credit.lines.all()] == [
        (StatementLine.Kind.CREDIT, agreed.pk, Decimal("-300.00"))]
    agreed.refresh_from_db()
    assert agreed.credited_at is not None
    entry.refresh_from_db()
    assert entry.locked_at is not None
    # when November is run again: the amount is billed once more, alone
    run = billing_run(**NOV, by=manager, now=at(2026, 12, 3, 10))
    assert run.statements_issued == 1
    rebilled = _period_statements(org_a).exclude(pk=original.pk).get()
    assert [(x.kind, x.quote_id, x.net_amount) for x in rebilled.lines.all()] == [
        (StatementLine.Kind.AGREEMENT, quote.pk, Decimal("300.00"))]
    assert rebilled.number == original.number + 1
    # and no more after that
    assert billing_run(**NOV, by=manager, now=at(2026, 12, 3, 11)).statements_issued == 0
    assert billing_run(**DEC, by=manager, now=at(2027, 1, 4, 9)).statements_issued == 0
    assert StatementLine.objects.filter(quote=quote, credited_at__isnull=True).count() == 1
    assert StatementLine.objects.filter(quote=quote).count() == 2


def test_a_fixed_amount_accepted_after_the_run_goes_on_the_next_statement(
        oos_ticket, org_a, technician, manager, customer_a):
    # given work held in November: the November run on 1 December bills nothing
    _work(oos_ticket, technician, at(2026, 11, 23, 10))
    quote = _fixed(oos_ticket, technician)
    assert billing_run(**NOV, by=manager, now=NOV_RUN).statements_issued == 0
    # when the customer accepts on 5 December and December is billed
    with time_machine.travel(at(2026, 12, 5, 12), tick=False):
        agreement_accept(quote=quote, by=customer_a)
    run = billing_run(**DEC, by=manager, now=at(2027, 1, 4, 9))
    # then the agreed amount is on the December statement, once
    assert run.statements_issued == 1
    assert StatementLine.objects.filter(quote=quote).values_list(
        "statement__period_start", "net_amount").get() == (DEC["period_start"],
                                                           Decimal("300.00"))
    assert billing_run(**DEC, by=manager, now=at(2027, 1, 4, 10)).statements_issued == 0


def _held_in_november_accepted_in_december(ticket, tech, manager, customer):
    entry = _work(ticket, tech, at(2026, 11, 23, 10))
    quote = _hourly(ticket, tech, rate="40,00")
    assert billing_run(**NOV, by=manager, now=NOV_RUN).statements_issued == 0
    with time_machine.travel(at(2026, 12, 5, 12), tick=False):
        agreement_accept(quote=quote, by=customer)
    entry.refresh_from_db()
    assert entry.net_amount == Decimal("80.00") and entry.locked_at is None
    return entry


def test_rerunning_the_period_bills_work_agreed_after_its_run(oos_ticket, technician,
                                                              manager, customer_a):
    entry = _held_in_november_accepted_in_december(oos_ticket, technician, manager,
                                                   customer_a)
    run = billing_run(**NOV, by=manager, now=at(2026, 12, 7, 9))
    assert run.statements_issued == 1 and run.notes == []
    assert StatementLine.objects.get(work_entry=entry).net_amount == Decimal("80.00")


def test_work_held_in_an_earlier_period_is_billed_by_the_next_run(oos_ticket, technician,
                                                                  manager, customer_a):
    entry = _held_in_november_accepted_in_december(oos_ticket, technician, manager,
                                                   customer_a)
    billing_run(**DEC, by=manager, now=at(2027, 1, 4, 9))
    assert StatementLine.objects.filter(work_entry=entry).exists()


# --------------------------------------------------------------------------- (b) hourly


@pytest.mark.parametrize("channel", [Channel.PHONE, Channel.REMOTE, Channel.OFFICE])
def test_an_hourly_agreement_bills_its_rate_on_any_channel_drawing_nothing(
        oos_ticket, org_a, technician, manager, customer_a, channel):
    # given Basic: phone included, remote 4 h/year included (some already used in scope)
    in_scope = TicketFactory(customer=org_a, category=Ticket.Category.PROGRAM_FAULT)
    _work(in_scope, technician, at(2026, 11, 23, 10), minutes=30, channel=Channel.REMOTE)
    _work(in_scope, technician, at(2026, 11, 23, 11), minutes=20, channel=Channel.PHONE)
    quote = agreement_accept(quote=_hourly(oos_ticket, technician, rate="40,00"),
                             by=customer_a)
    before = _ledgers()
    # when 2 h are worked on the out-of-scope request
    entry = _work(oos_ticket, technician, at(2026, 11, 24, 10), channel=channel)
    # then they are billed 2 h × 40,00 = 80,00: no included, allowance or bank minutes
    assert entry.net_amount == Decimal("80.00")
    assert entry.billed_minutes == 120
    assert entry.allowance_drawn_minutes == 0 == entry.bank_drawn_minutes
    assert entry.pricing["agreement_id"] == quote.pk
    assert [(x["kind"], x["rate_per_hour"]) for x in entry.pricing["lines"]] == [
        ("billed", "40.00")]
    assert _ledgers() == before
    # and the run bills them at that rate, with no agreed-amount line
    billing_run(**NOV, by=manager, now=NOV_RUN)
    assert _ledgers() == before
    statement = _period_statements(org_a).get()
    line = statement.lines.get(work_entry=entry)
    assert (line.kind, line.net_amount, line.minutes) == (
        StatementLine.Kind.WORK, Decimal("80.00"), 120)
    assert line.data["rate"] == "40.00" and line.data["billed"] == 120
    assert line.data["included"] == 0 == line.data["allowance"] == line.data["bank"]
    assert not statement.lines.filter(kind=StatementLine.Kind.AGREEMENT).exists()
    assert not StatementLine.objects.filter(quote=quote).exists()


# --------------------------------------------------------------------------- (c) held


def _no_agreement(ticket, tech, customer, how):
    if how == "missing":
        return None
    with time_machine.travel(at(2026, 11, 20, 12), tick=False):
        quote = quote_issue(ticket=ticket, by=tech, description="Αναβάθμιση",
                            amount="200,00", valid_until=dt.date(2026, 11, 22))
        if how == "declined":
            quote_decline(quote=quote, by=customer)
        elif how == "withdrawn":
            quote_withdraw(quote=quote, by=tech)
    if how == "expired":
        assert quotes_expire() == 1
    quote.refresh_from_db()
    assert quote.status == how
    return quote


@pytest.mark.parametrize("how", ["missing", "declined", "withdrawn", "expired"])
def test_without_an_accepted_agreement_the_work_is_held(oos_ticket, org_a, technician,
                                                        manager, customer_a, how):
    # given two entries on the out-of-scope request and no accepted agreement
    quote = _no_agreement(oos_ticket, technician, customer_a, how)
    entries = [_work(oos_ticket, technician, at(2026, 11, 23, 10)),
               _work(oos_ticket, technician, at(2026, 11, 24, 10), minutes=30)]
    for entry in entries:
        assert entry.net_amount == Decimal("0.00")
        assert [x["kind"] for x in entry.pricing["lines"]] == ["held"]
        assert entry.pricing["agreement_id"] is None
    # when November is billed (twice, and December too)
    runs = [billing_run(**NOV, by=manager, now=NOV_RUN),
            billing_run(**NOV, by=manager, now=at(2026, 12, 2, 9))]
    billing_run(**DEC, by=manager, now=at(2027, 1, 4, 9))
    # then nothing is billed, the run says which request waits with how many entries
    for run in runs:
        assert run.statements_issued == 0
        assert run.notes == [{"key": "waiting_quote", "customer": org_a.pk,
                              "ticket": oos_ticket.pk, "entries": 2, "expenses": 0}]
    assert not Statement.objects.exists() and not StatementLine.objects.exists()
    assert WorkEntry.objects.filter(locked_at__isnull=True).count() == 2
    if quote is not None:
        assert not StatementLine.objects.filter(quote=quote).exists()


def test_held_work_does_not_hold_the_customers_other_work(oos_ticket, org_a, technician,
                                                          manager):
    in_scope = TicketFactory(customer=org_a, category=Ticket.Category.HOW_TO)
    billed = _work(in_scope, technician, at(2026, 11, 23, 10), channel=Channel.ONSITE)
    held = _work(oos_ticket, technician, at(2026, 11, 24, 10))
    run = billing_run(**NOV, by=manager, now=NOV_RUN)
    assert run.statements_issued == 1
    assert run.notes == [{"key": "waiting_quote", "customer": org_a.pk,
                          "ticket": oos_ticket.pk, "entries": 1, "expenses": 0}]
    statement = _period_statements(org_a).get()
    assert list(statement.lines.values_list("work_entry_id", flat=True)) == [billed.pk]
    assert statement.net_total == Decimal("90.00")  # Basic on site 45 €/h
    held.refresh_from_db()
    assert held.locked_at is None


# --------------------------------------------------------------------------- (d) reprice


def test_work_logged_before_acceptance_is_priced_by_the_agreement_and_billed(
        oos_ticket, org_a, technician, manager, customer_a):
    # given 2 h held on the request (0,00) and an hourly quote at 45,50
    entry = _work(oos_ticket, technician, at(2026, 11, 23, 10))
    assert entry.net_amount == Decimal("0.00") and entry.pricing["agreement_id"] is None
    quote = _hourly(oos_ticket, technician, rate="45,50")
    # when the customer accepts it
    agreement_accept(quote=quote, by=customer_a)
    # then the entry is priced at the rate: 2 h × 45,50 = 91,00
    entry.refresh_from_db()
    assert entry.net_amount == Decimal("91.00") and entry.billed_minutes == 120
    assert entry.pricing["agreement_id"] == quote.pk
    assert [x["kind"] for x in entry.pricing["lines"]] == ["billed"]
    assert entry.allowance_drawn_minutes == 0
    assert not AllowanceLedgerEntry.objects.filter(reason=LedgerReason.DRAW).exists()
    # and billed so
    run = billing_run(**NOV, by=manager, now=NOV_RUN)
    assert run.statements_issued == 1 and run.notes == []
    line = StatementLine.objects.get(work_entry=entry)
    assert line.net_amount == Decimal("91.00") and line.data["rate"] == "45.50"


def test_work_logged_before_a_fixed_agreement_becomes_agreed_and_is_billed(
        oos_ticket, org_a, technician, manager, customer_a):
    entry = _work(oos_ticket, technician, at(2026, 11, 23, 10))
    assert [x["kind"] for x in entry.pricing["lines"]] == ["held"]
    quote = agreement_accept(quote=_fixed(oos_ticket, technician, amount="150,00"),
                             by=customer_a)
    entry.refresh_from_db()
    assert [x["kind"] for x in entry.pricing["lines"]] == ["agreed"]
    assert entry.pricing["agreement_id"] == quote.pk
    billing_run(**NOV, by=manager, now=NOV_RUN)
    statement = _period_statements(org_a).get()
    assert [(x.kind, x.work_entry_id, x.net_amount) for x in statement.lines.all()] == [
        (StatementLine.Kind.AGREEMENT, None, Decimal("150.00")),
        (StatementLine.Kind.WORK, entry.pk, Decimal("0.00"))]


def test_work_not_priced_by_the_accepted_agreement_stays_held(oos_ticket, org_a, technician,
                                                              manager, customer_a):
    # given held work and a quote accepted without pricing the work again (quote_accept,
    # not the doors' agreement_accept)
    entry = _work(oos_ticket, technician, at(2026, 11, 23, 10))
    quote_accept(quote=_hourly(oos_ticket, technician), by=customer_a)
    # then the run does not bill the held price (0,00) as if it were agreed
    run = billing_run(**NOV, by=manager, now=NOV_RUN)
    assert run.statements_issued == 0
    assert run.notes == [{"key": "waiting_quote", "customer": org_a.pk,
                          "ticket": oos_ticket.pk, "entries": 1, "expenses": 0}]
    entry.refresh_from_db()
    assert entry.locked_at is None


# --------------------------------------------------------------------------- (e) prepaid


def test_a_prepaid_customers_out_of_scope_work_does_not_draw_the_bank(config, org_b,
                                                                      customer_b,
                                                                      technician, manager):
    # given a Free customer (no contract) with 2 prepaid hours
    prepaid_purchase_create(customer=org_b, hours=2, on=dt.date(2026, 11, 2), by=manager)
    assert HourBank.objects.get(customer=org_b).balance_minutes == 120
    ticket = TicketFactory(customer=org_b, category=Ticket.Category.HARDWARE,
                           status=Ticket.Status.OPEN)
    held = _work(ticket, technician, at(2026, 11, 23, 10), minutes=30)
    assert held.bank_drawn_minutes == 0
    before = _ledgers()
    # when an hourly agreement at the standard rate is accepted and 1 h more is worked
    quote = agreement_accept(quote=quote_issue(ticket=ticket, by=technician,
                                               kind=Quote.Kind.HOURLY, description="Δίσκος",
                                               valid_until=None),
                             by=customer_b)
    assert quote.rate_per_hour == Decimal("50.00")
    entry = _work(ticket, technician, at(2026, 11, 24, 10), minutes=60)
    # then the bank keeps its 2 hours and the work is billed at 50 €/h
    assert _ledgers() == before
    assert entry.bank_drawn_minutes == 0 and entry.net_amount == Decimal("50.00")
    held.refresh_from_db()
    assert held.bank_drawn_minutes == 0 and held.net_amount == Decimal("25.00")
    billing_run(**NOV, by=manager, now=NOV_RUN)
    assert _ledgers() == before
    assert HourBank.objects.get(customer=org_b).balance_minutes == 120
    statement = _period_statements(org_b).get()
    assert statement.net_total == Decimal("75.00")
    assert all(line.data["bank"] == 0 for line in statement.lines.all())


# --------------------------------------------------------------------------- (f) expenses


def test_expenses_of_an_out_of_scope_request_wait_for_the_agreement(oos_ticket, org_a,
                                                                    technician, manager,
                                                                    customer_a):
    # given a parking expense (and work) on the request, no agreement yet
    parking = expense_create(ticket=oos_ticket, kind="parking", amount="4,50",
                             incurred_on=dt.date(2026, 11, 23), by=technician)
    _work(oos_ticket, technician, at(2026, 11, 23, 10))
    # when November is billed: held, and the run counts it
    run = billing_run(**NOV, by=manager, now=NOV_RUN)
    assert run.statements_issued == 0
    assert run.notes == [{"key": "waiting_quote", "customer": org_a.pk,
                          "ticket": oos_ticket.pk, "entries": 1, "expenses": 1}]
    parking.refresh_from_db()
    assert parking.locked_at is None
    # when a fixed agreement is accepted and the run is made again: billed with it
    agreement_accept(quote=_fixed(oos_ticket, technician, amount="100,00"), by=customer_a)
    assert billing_run(**NOV, by=manager, now=at(2026, 12, 2, 9)).statements_issued == 1
    statement = _period_statements(org_a).get()
    assert sorted((x.kind, x.net_amount) for x in statement.lines.all()) == sorted([
        (StatementLine.Kind.AGREEMENT, Decimal("100.00")),
        (StatementLine.Kind.WORK, Decimal("0.00")),
        (StatementLine.Kind.EXPENSE, Decimal("4.50"))])
    assert statement.lines.get(kind=StatementLine.Kind.EXPENSE).expense_id == parking.pk
    assert statement.net_total == Decimal("104.50")
    assert not Expense.objects.filter(locked_at__isnull=True).exists()


def test_an_expense_alone_on_an_out_of_scope_request_is_held(oos_ticket, org_a, technician,
                                                             manager, customer_a):
    expense_create(ticket=oos_ticket, kind="parking", amount="3,00",
                   incurred_on=dt.date(2026, 11, 24), by=technician)
    run = billing_run(**NOV, by=manager, now=NOV_RUN)
    assert run.statements_issued == 0
    assert run.notes == [{"key": "waiting_quote", "customer": org_a.pk,
                          "ticket": oos_ticket.pk, "entries": 0, "expenses": 1}]
    agreement_accept(quote=_hourly(oos_ticket, technician), by=customer_a)
    billing_run(**NOV, by=manager, now=at(2026, 12, 2, 9))
    assert [(x.kind, x.net_amount) for x in _period_statements(org_a).get().lines.all()] == [
        (StatementLine.Kind.EXPENSE, Decimal("3.00"))]


# --------------------------------------------------------------------------- (g) documents


@pytest.fixture
def agreed_statement(oos_ticket, org_a, technician, manager, customer_a):
    VendorProfileFactory()
    agreement_accept(quote=_fixed(oos_ticket, technician, amount="300,00"), by=customer_a)
    _work(oos_ticket, technician, at(2026, 11, 23, 10))
    billing_run(**NOV, by=manager, now=NOV_RUN)
    return _period_statements(org_a).get()


def _csv_rows(statement):
    data = documents.statement_csv(statement).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(data), delimiter=";"))


def _agreement_row(rows, reference):
    found = [r for r in rows if len(r) == 10 and r[3] == reference and r[9] == "300,00"]
    assert len(found) == 1, rows
    return found[0]


def test_the_csv_lists_the_agreed_amount_with_its_description(agreed_statement, oos_ticket):
    rows = _csv_rows(agreed_statement)
    row = _agreement_row(rows, oos_ticket.reference)
    assert row[0] == "1"
    # dated the day the customer accepted it (Athens)
    quote = StatementLine.objects.get(statement=agreed_statement, kind="agreement").quote
    assert row[1] == timezone.localtime(quote.decided_at).strftime("%d/%m/%Y")
    assert row[4] == str(StatementLine.Kind.AGREEMENT.label)
    assert row[5] == "Επανεγκατάσταση λειτουργικού"
    assert (row[7], row[8]) == ("", "24,00")
    work = [r for r in rows if len(r) == 10 and r[0] == "2"]
    assert work and work[0][9] == "0,00" and work[0][7] == "2:00"
    assert ["", "", "", "", "", "Σύνολο", "", "", "", "372,00"] in rows


def test_the_pdf_lists_the_agreed_amount_with_its_description(agreed_statement, oos_ticket):
    pdf = documents.statement_pdf(agreed_statement, lang="el")
    text = re.sub(r"\s+", " ", "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    assert "Επανεγκατάσταση λειτουργικού" in text
    assert "300,00" in text and "372,00" in text
    assert oos_ticket.reference in text


def test_the_xlsx_lists_the_agreed_amount(agreed_statement, oos_ticket):
    sheet = load_workbook(io.BytesIO(documents.statement_xlsx(agreed_statement))).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    found = [r for r in rows if r[3] == oos_ticket.reference and r[5] ==
             "Επανεγκατάσταση λειτουργικού"]
    assert len(found) == 1
    assert Decimal(str(found[0][9])).quantize(Decimal("0.01")) == Decimal("300.00")


def _untranslated(msgid: str) -> bool:
    with translation.override("el"):
        return gettext(msgid) == msgid


# A strict xfail while no catalog translates the label (the bug), a plain test once one does.
@pytest.mark.xfail(_untranslated("Agreed amount (§10)"), strict=True, reason=(
    "StatementLine.Kind.AGREEMENT's label \"Agreed amount (§10)\" has no Greek "
    "translation in any catalog, so the Greek statement (PDF, CSV, XLSX) prints the "
    "agreement line's kind in English while every other kind is Greek"))
def test_the_agreement_lines_kind_is_printed_in_greek(agreed_statement, oos_ticket):
    row = _agreement_row(_csv_rows(agreed_statement), oos_ticket.reference)
    assert row[4] != "Agreed amount (§10)"
    assert re.search("[Α-Ωα-ω]", row[4]), row[4]


# --------------------------------------------------------------------------- scope changes


def test_held_work_is_not_billed_at_zero_once_the_request_is_in_scope(oos_ticket, org_a,
                                                                      technician, manager):
    # given 2 h on site held on the out-of-scope request
    entry = _work(oos_ticket, technician, at(2026, 11, 23, 10), channel=Channel.ONSITE)
    assert [x["kind"] for x in entry.pricing["lines"]] == ["held"]
    # when staff find it is a program fault after all (in scope) and November is billed
    ticket_scope_change(ticket=oos_ticket, category=Ticket.Category.PROGRAM_FAULT,
                        by=technician)
    billing_run(**NOV, by=manager, now=NOV_RUN)
    # then the work is not billed as 0,00 held minutes: at the tariff (90,00), or not yet
    assert not StatementLine.objects.filter(work_entry=entry,
                                            net_amount=Decimal("0.00")).exists()


def test_work_held_as_out_of_scope_draws_no_included_hours(basic_contract, org_a,
                                                           technician, manager):
    # given 2 h of remote support drawn from the 4 included hours
    ticket = TicketFactory(customer=org_a, category=Ticket.Category.HOW_TO,
                           status=Ticket.Status.OPEN)
    entry = _work(ticket, technician, at(2026, 11, 23, 10))
    assert entry.allowance_drawn_minutes == 120
    # when the request turns out to be an operating system problem and November is billed
    ticket_scope_change(ticket=ticket, category=Ticket.Category.OS, by=technician)
    run = billing_run(**NOV, by=manager, now=NOV_RUN)
    # then the work is held, and the included hours are not spent on it
    assert run.notes == [{"key": "waiting_quote", "customer": org_a.pk, "ticket": ticket.pk,
                          "entries": 1, "expenses": 0}]
    assert AllowanceBalance.objects.get(contract=basic_contract).balance_minutes == 240


# --------------------------------------------------------------------------- races


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_bill_the_agreed_amount_once():
    # given three customers each with a fixed amount agreed and its work (PostgreSQL: real
    # threads, one connection each)
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    tariff_seed_default()
    calendar_seed_default()
    manager, tech = ManagerFactory(), TechnicianFactory()
    quotes = []
    for day in (16, 17, 18):
        org = CustomerFactory()
        ticket = TicketFactory(customer=org, category=Ticket.Category.HARDWARE,
                               status=Ticket.Status.OPEN)
        quotes.append(agreement_accept(quote=_fixed(ticket, tech),
                                       by=UserFactory(customer=org)))
        _work(ticket, tech, at(2026, 11, day, 10))

    # when two managers start the November run at the same moment
    results = in_threads(2, lambda i: billing_run(**NOV, by=manager, now=NOV_RUN))

    # then each amount is on exactly one statement line, with its work once
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.statements_issued for r in results) == 3
    for quote in quotes:
        assert StatementLine.objects.filter(quote=quote).count() == 1
    assert StatementLine.objects.filter(kind=StatementLine.Kind.WORK).count() == 3
    assert sorted(Statement.objects.values_list("number", flat=True)) == [1, 2, 3]
