"""Billing run, numbering, credits, quotes (§10), contract fees (§4), support hold (§11)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.http import Http404

from supportdesk.agreements.services import quote_accept, quote_issue
from supportdesk.billing import selectors
from supportdesk.billing.models import (
    BillingSettings,
    HoldOverride,
    Statement,
    StatementLine,
)
from supportdesk.billing.services import (
    billing_run,
    contract_renew,
    hold_override_create,
    statement_credit,
    statement_mark_paid,
    statement_set_mark,
)
from supportdesk.billing.services import holds as holds_svc
from supportdesk.billing.services import statements as st_svc
from supportdesk.common.choices import Channel, Tier
from supportdesk.common.exceptions import ApplicationError
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.tests.factories import TicketFactory
from supportdesk.worklog.models import WorkEntry
from supportdesk.worklog.services.agreements import agreement_accept
from supportdesk.worklog.services.entries import (
    ENTRY_LOCKED,
    expense_create,
    work_entry_create,
    work_entry_update,
)

from .conftest import at

pytestmark = pytest.mark.django_db

NOV = {"period_start": dt.date(2026, 11, 1), "period_end": dt.date(2026, 11, 30)}


def _onsite(ticket, tech, day, hour=11, minutes=60):
    start = at(2026, 11, day, hour) if isinstance(day, int) else day
    return work_entry_create(ticket=ticket, technician=tech, channel=Channel.ONSITE,
                             started_at=start, ended_at=start + dt.timedelta(minutes=minutes),
                             by=tech)


def test_run_bills_work_and_expenses_grouped_by_ticket_with_vat(config, org_a, technician,
                                                                manager):
    # given a Basic customer with on-site work (45 €/h) on two tickets and a parking expense
    ContractFactory(customer=org_a, tier=Tier.BASIC)
    t1, t2 = TicketFactory(customer=org_a), TicketFactory(customer=org_a)
    _onsite(t2, technician, 10)
    _onsite(t1, technician, 11, minutes=30)
    expense_create(ticket=t1, kind="parking", amount="4.50", incurred_on=dt.date(2026, 11, 11),
                   by=technician)
    # when the November run is made
    run = billing_run(**NOV, by=manager, now=at(2026, 12, 1, 9))
    # then one statement: 45,00 + 22,50 + 4,50 = 72,00 net, VAT 24% 17,28, total 89,28
    assert run.statements_issued == 1
    statement = Statement.objects.get()
    assert (statement.net_total, statement.vat_total, statement.total) == (
        Decimal("72.00"), Decimal("17.28"), Decimal("89.28"))
    assert statement.number == 1 and statement.year == 2026
    assert statement.status == Statement.Status.ISSUED
    assert statement.customer_tax_number == org_a.tax_number
    assert statement.due_on == dt.date(2026, 12, 31)
    tickets = [line.ticket_id for line in statement.lines.order_by("position")]
    assert tickets == sorted(tickets)  # grouped by ticket
    assert not WorkEntry.objects.filter(locked_at__isnull=True).exists()


def test_the_out_of_base_fee_is_billed_like_any_expense(config, org_a, technician, manager):
    # §9: the fee of an out-of-town visit, the tariff's (30,00) or as recorded, VAT 24%
    ticket = TicketFactory(customer=org_a)
    expense_create(ticket=ticket, kind="out_of_base", incurred_on=dt.date(2026, 11, 11),
                   by=technician)
    expense_create(ticket=ticket, kind="out_of_base", amount="35.00",
                   incurred_on=dt.date(2026, 11, 12), by=technician)
    billing_run(**NOV, by=manager, now=at(2026, 12, 1, 9))
    statement = Statement.objects.get()
    lines = statement.lines.filter(kind=StatementLine.Kind.EXPENSE)
    assert sorted((line.data["expense_kind"], line.net_amount, line.vat_rate)
                  for line in lines) == [("out_of_base", Decimal("30.00"), Decimal("0.24")),
                                         ("out_of_base", Decimal("35.00"), Decimal("0.24"))]
    assert (statement.net_total, statement.vat_total, statement.total) == (
        Decimal("65.00"), Decimal("15.60"), Decimal("80.60"))


def test_rerun_bills_nothing_twice_and_late_work_goes_on_a_new_statement(config, org_a,
                                                                         technician, manager):
    ticket = TicketFactory(customer=org_a)
    _onsite(ticket, technician, 10)
    billing_run(**NOV, by=manager, now=at(2026, 12, 1, 9))
    # when the run is repeated
    again = billing_run(**NOV, by=manager, now=at(2026, 12, 1, 10))
    # then nothing is billed twice
    assert again.statements_issued == 0 and Statement.objects.count() == 1
    # and work logged late for November gets the next number
    _onsite(ticket, technician, 20)
    billing_run(**NOV, by=manager, now=at(2026, 12, 2, 9))
    assert list(Statement.objects.order_by("number").values_list("number", flat=True)) == [1, 2]


def test_periods_are_cut_in_athens_local_time(config, org_a, technician, manager):
    # docs/security.md #36: 23:30 local on 31 October is 21:30 UTC: it belongs to October
    ticket = TicketFactory(customer=org_a)
    entry = _onsite(ticket, technician, at(2026, 10, 31, 23, 30), minutes=20)
    nov = billing_run(**NOV, by=manager, now=at(2026, 12, 1, 9))
    assert nov.statements_issued == 0
    octo = billing_run(period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 10, 31),
                       by=manager, now=at(2026, 11, 1, 9))
    assert octo.statements_issued == 1
    assert StatementLine.objects.filter(work_entry=entry).exists()


def test_only_managers_run_billing_and_bad_periods_are_refused(config, technician, manager):
    with pytest.raises(ApplicationError):
        billing_run(**NOV, by=technician)
    with pytest.raises(ApplicationError):
        billing_run(period_start=dt.date(2026, 11, 30), period_end=dt.date(2026, 11, 1),
                    by=manager)
    assert not Statement.objects.exists()


def test_out_of_scope_work_waits_for_an_accepted_quote(config, org_a, technician, manager,
                                                       customer_a):
    # given work on an out-of-scope request (§10: virus infection)
    ticket = TicketFactory(customer=org_a, category=Ticket.Category.VIRUS)
    _onsite(ticket, technician, 10)
    # when the run is made before any quote is accepted
    run = billing_run(**NOV, by=manager, now=at(2026, 12, 1, 9))
    # then nothing is billed and the run says why
    assert run.statements_issued == 0
    assert run.notes == [{"key": "waiting_quote", "customer": org_a.pk, "ticket": ticket.pk,
                          "entries": 1, "expenses": 0}]
    # when the customer accepts the quote and the run is made again
    quote = quote_issue(ticket=ticket, description="Καθαρισμός ιών", amount="50.00",
                         by=technician)
    agreement_accept(quote=quote, by=customer_a)
    run = billing_run(**NOV, by=manager, now=at(2026, 12, 1, 10))
    # then the work is billed
    assert run.statements_issued == 1


def test_another_customer_cannot_accept_a_quote(config, org_a, technician, customer_b):
    ticket = TicketFactory(customer=org_a, category=Ticket.Category.OS)
    quote = quote_issue(ticket=ticket, description="x", kind="hourly", estimated_minutes=60,
                        by=technician)
    with pytest.raises(ApplicationError):
        quote_accept(quote=quote, by=customer_b)
    quote.refresh_from_db()
    assert quote.status == "proposed"


def test_billed_entry_is_locked_and_a_credit_releases_it(config, org_a, technician, manager):
    # given a billed entry
    ticket = TicketFactory(customer=org_a)
    entry = _onsite(ticket, technician, 10)
    billing_run(**NOV, by=manager, now=at(2026, 12, 1, 9))
    original = Statement.objects.get()
    with pytest.raises(ApplicationError) as err:
        work_entry_update(entry=entry, by=technician, ended_at=at(2026, 11, 10, 11, 30))
    assert err.value.message == ENTRY_LOCKED
    # when a manager credits the statement (a correction is a credit, never an edit)
    credit = statement_credit(statement=original, by=manager, reason="Λάθος διάρκεια",
                              now=at(2026, 12, 3, 9))
    # then the credit references the original, mirrors its total, and has its own series
    assert credit.credits_id == original.pk and credit.total == -original.total
    assert credit.series == BillingSettings.objects.get().credit_series and credit.number == 1
    original.refresh_from_db()
    assert original.status == Statement.Status.CREDITED
    assert original.net_total == Decimal("50.00")  # never edited (Free tier: 50 €/h)
    # and the entry can be corrected and billed again
    work_entry_update(entry=entry, by=technician, ended_at=at(2026, 11, 10, 11, 30))
    billing_run(**NOV, by=manager, now=at(2026, 12, 3, 10))
    rebilled = Statement.objects.filter(kind="period").order_by("-number").first()
    assert rebilled.number == 2 and rebilled.net_total == Decimal("25.00")
    # a credit cannot be credited, and an already credited statement has nothing left
    with pytest.raises(ApplicationError):
        statement_credit(statement=credit, by=manager, reason="x")
    with pytest.raises(ApplicationError):
        statement_credit(statement=original, by=manager, reason="again")


def test_an_entry_is_billed_at_most_once_by_database_constraint(config, org_a, technician,
                                                                manager):
    ticket = TicketFactory(customer=org_a)
    entry = _onsite(ticket, technician, 10)
    billing_run(**NOV, by=manager, now=at(2026, 12, 1, 9))
    statement = Statement.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementLine.objects.create(statement=statement, kind="work", work_entry=entry,
                                     description="again", net_amount=Decimal("1"),
                                     vat_rate=Decimal("0.24"))


def test_credit_needs_a_manager_and_a_reason(config, org_a, technician, manager):
    _onsite(TicketFactory(customer=org_a), technician, 10)
    billing_run(**NOV, by=manager, now=at(2026, 12, 1, 9))
    statement = Statement.objects.get()
    with pytest.raises(ApplicationError):
        statement_credit(statement=statement, by=technician, reason="x")
    with pytest.raises(ApplicationError):
        statement_credit(statement=statement, by=manager, reason="   ")
    assert Statement.objects.count() == 1


def test_mark_paid_and_mark_number(config, org_a, technician, manager):
    _onsite(TicketFactory(customer=org_a), technician, 10)
    billing_run(**NOV, by=manager, now=at(2026, 12, 1, 9))
    statement = Statement.objects.get()
    with pytest.raises(ApplicationError):
        statement_set_mark(statement=statement, mark="ABC", by=manager)
    statement_set_mark(statement=statement, mark="400001234567890", by=manager)
    statement_mark_paid(statement=statement, by=manager)
    statement.refresh_from_db()
    assert statement.mark == "400001234567890" and statement.status == "paid"
    with pytest.raises(ApplicationError):
        statement_mark_paid(statement=statement, by=manager)


def test_support_hold_after_grace_and_audited_override(config, org_a, technician, manager):
    # given a statement due on 31 December and 15 grace days (§11)
    _onsite(TicketFactory(customer=org_a), technician, 10)
    billing_run(**NOV, by=manager, now=at(2026, 12, 1, 9))
    # then the customer is not on hold on the last grace day, and is the day after
    assert not selectors.customer_hold_state(org_a, dt.date(2027, 1, 15)).is_on_hold
    state = selectors.customer_hold_state(org_a, dt.date(2027, 1, 16))
    assert state.is_on_hold and state.since == dt.date(2027, 1, 16)
    assert [s.pk for s in state.overdue_statements] == [Statement.objects.get().pk]
    # when a manager overrides it, with a reason (an override without one is refused)
    with pytest.raises(ApplicationError):
        hold_override_create(customer=org_a, reason=" ", by=manager, until=dt.date(2027, 1, 31),
                             today=dt.date(2027, 1, 16))
    with pytest.raises(ApplicationError):
        hold_override_create(customer=org_a, reason="x", by=technician,
                             until=dt.date(2027, 1, 31), today=dt.date(2027, 1, 16))
    override = hold_override_create(customer=org_a, reason="Υπόσχεση πληρωμής", by=manager,
                                    until=dt.date(2027, 1, 31), today=dt.date(2027, 1, 16))
    state = selectors.customer_hold_state(org_a, dt.date(2027, 1, 20))
    assert not state.is_on_hold and state.override == override
    assert override.history.first().history_user == manager
    # and after the override ends, or once it is revoked, the hold is back
    assert selectors.customer_hold_state(org_a, dt.date(2027, 2, 1)).is_on_hold
    holds_svc.hold_override_revoke(override=override, by=manager)
    assert selectors.customer_hold_state(org_a, dt.date(2027, 1, 20)).is_on_hold
    assert HoldOverride.objects.count() == 1
    # paying lifts it
    statement_mark_paid(statement=Statement.objects.get(), by=manager)
    assert not selectors.customer_hold_state(org_a, dt.date(2027, 2, 1)).is_on_hold


def test_grace_days_are_data(config, org_a, technician, manager):
    BillingSettings.objects.create(pk=1, grace_days=0)
    _onsite(TicketFactory(customer=org_a), technician, 10)
    billing_run(**NOV, by=manager, now=at(2026, 12, 1, 9))
    assert selectors.customer_hold_state(org_a, dt.date(2027, 1, 1)).is_on_hold


def test_a_partly_credited_statement_keeps_the_hold_for_the_rest(config, org_a, technician,
                                                                   manager):
    # given a statement of two on-site hours and a free parking line, one hour credited back
    ticket = TicketFactory(customer=org_a)
    _onsite(ticket, technician, 10)
    _onsite(ticket, technician, 11)
    expense_create(ticket=ticket, kind="parking", amount="0.00",
                   incurred_on=dt.date(2026, 11, 11), by=technician)
    billing_run(**NOV, by=manager, now=at(2026, 12, 1, 9))
    statement = Statement.objects.get()
    first, second = statement.lines.filter(kind=StatementLine.Kind.WORK).order_by("position")
    statement_credit(statement=statement, by=manager, reason="Λάθος", line_ids=[first.pk],
                     now=at(2026, 12, 3, 9))
    # then the rest is still owed: on hold after the grace days (§11)
    state = selectors.customer_hold_state(org_a, dt.date(2027, 1, 16))
    assert state.is_on_hold and [s.pk for s in state.overdue_statements] == [statement.pk]
    assert state.reasons == ("statement_overdue",)
    # and once the other hour is credited too, nothing is owed (the statement stays issued
    # for its free line)
    statement_credit(statement=statement, by=manager, reason="Λάθος", line_ids=[second.pk],
                     now=at(2026, 12, 4, 9))
    statement.refresh_from_db()
    assert statement.status == Statement.Status.ISSUED
    state = selectors.customer_hold_state(org_a, dt.date(2027, 1, 16))
    assert not state.is_on_hold and state.reasons == ("nothing_overdue",)


def test_renewal_creates_next_contract_and_its_fee_statement(config, org_a, manager):
    # given a Business contract ending on 31 December (§4: 30% of licensed value)
    contract = ContractFactory(customer=org_a, tier=Tier.BUSINESS, annual_fee="900.00")
    # when it is renewed
    renewed = contract_renew(contract=contract, by=manager, annual_fee=Decimal("960.00"))
    # then the next year's contract exists and its fee statement is issued
    assert (renewed.starts_on, renewed.ends_on) == (dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    fee = Statement.objects.get(kind=Statement.Kind.CONTRACT_FEE)
    assert fee.contract == renewed and fee.net_total == Decimal("960.00")
    assert fee.total == Decimal("1190.40")
    # renewing twice is refused; the renewal list no longer shows it
    with pytest.raises(ApplicationError):
        contract_renew(contract=contract, by=manager)
    assert contract not in selectors.renewal_list(today=dt.date(2026, 11, 25))


def test_renewal_list_shows_contracts_ending_in_sixty_days(config, org_a, org_b):
    soon = ContractFactory(customer=org_a, ends_on=dt.date(2026, 12, 31))
    ContractFactory(customer=org_b, starts_on=dt.date(2026, 6, 1), ends_on=dt.date(2027, 5, 31))
    assert list(selectors.renewal_list(today=dt.date(2026, 11, 25))) == [soon]


def test_numbers_restart_each_year_and_stay_gapless_after_a_rollback(config, org_a, org_b,
                                                                     technician, manager):
    assert st_svc.next_number(series="T", year=2026) == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        st_svc.next_number(series="T", year=2026)
        raise RuntimeError("issue failed")
    assert st_svc.next_number(series="T", year=2026) == 2
    assert st_svc.next_number(series="T", year=2027) == 1


def test_customer_sees_only_own_statements(config, org_a, org_b, technician, manager,
                                           customer_a, customer_b):
    _onsite(TicketFactory(customer=org_a), technician, 10)
    billing_run(**NOV, by=manager, now=at(2026, 12, 1, 9))
    statement = Statement.objects.get()
    assert selectors.statement_get_for_user(user=customer_a, statement_id=statement.pk)
    with pytest.raises(Http404):
        selectors.statement_get_for_user(user=customer_b, statement_id=statement.pk)
