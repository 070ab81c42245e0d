"""Random top-up / draw / correction / reversal / invoice sequences (docs/security.md #29).

Two state machines check the same invariants: ``balance == Σ ledger``, never negative, and
``invoice total == Σ lines`` exactly (Decimal, VAT half-up once per rate):

* ``InMemoryLedger`` drives the rules engine (``price_work``, ``statement_totals``) against
  a plain-Python ledger, for many examples (1,200 here) at little cost;
* ``DatabaseLedger`` drives the real services (prepaid purchase, work entries, edits,
  deletes, billing runs) against the database, for fewer examples.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from supportdesk.accounts.tests.factories import ManagerFactory, TechnicianFactory
from supportdesk.billing.models import Statement
from supportdesk.billing.services import billing_run, prepaid_purchase_create
from supportdesk.common.choices import Channel, Tier
from supportdesk.common.tests.helpers import at
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.domain.calendar import jewelsoft_calendar
from supportdesk.domain.pricing import WorkItem, price_work, statement_totals
from supportdesk.domain.tariff import default_tariff
from supportdesk.entitlements.models import BankLedgerEntry, HourBank
from supportdesk.tickets.tests.factories import TicketFactory
from supportdesk.worklog.models import WorkEntry
from supportdesk.worklog.services.entries import (
    work_entry_create,
    work_entry_delete,
    work_entry_update,
)

TARIFF = default_tariff()
CALENDAR = jewelsoft_calendar()
MINUTES = st.integers(min_value=1, max_value=300)
HOURS = st.sampled_from([8, 11, 17, 20])
EMERGENCY = st.booleans()


class InMemoryLedger(RuleBasedStateMachine):
    entries = Bundle("entries")

    def __init__(self):
        super().__init__()
        self.ledger: list[int] = []  # + purchase / reversal, - draw
        self.balance = 0
        self.open: dict[int, tuple] = {}  # entry id -> (priced, drawn)
        self.next_id = 0
        self.invoiced_net = Decimal("0.00")
        self.priced_net = Decimal("0.00")

    def _post(self, minutes: int) -> None:
        if minutes == 0:
            return
        assert self.balance + minutes >= 0, "overdraft"
        self.ledger.append(minutes)
        self.balance += minutes

    def _price(self, minutes, hour, emergency):
        item = WorkItem(channel=Channel.PHONE, started_at=at(2026, 11, 24, hour),
                        minutes=minutes, is_emergency=emergency)
        return price_work(item, tariff=TARIFF, tier=Tier.FREE, calendar=CALENDAR,
                          bank_left_minutes=self.balance)

    @rule(hours=st.integers(min_value=1, max_value=5))
    def top_up(self, hours):
        self._post(hours * 60)

    @rule(target=entries, minutes=MINUTES, hour=HOURS, emergency=EMERGENCY)
    def draw(self, minutes, hour, emergency):
        priced = self._price(minutes, hour, emergency)
        assert priced.bank_drawn_minutes <= self.balance
        self._post(-priced.bank_drawn_minutes)
        self.next_id += 1
        self.open[self.next_id] = priced
        self.priced_net += priced.net_amount
        return self.next_id

    @rule(entry=entries, minutes=MINUTES, hour=HOURS, emergency=EMERGENCY)
    def correct(self, entry, minutes, hour, emergency):
        if entry not in self.open:
            return
        old = self.open[entry]
        self._post(old.bank_drawn_minutes)  # reversal
        self.priced_net -= old.net_amount
        priced = self._price(minutes, hour, emergency)
        self._post(-priced.bank_drawn_minutes)
        self.open[entry] = priced
        self.priced_net += priced.net_amount

    @rule(entry=consumes(entries))
    def reverse(self, entry):
        old = self.open.pop(entry, None)
        if old is not None:
            self._post(old.bank_drawn_minutes)
            self.priced_net -= old.net_amount

    @rule()
    def invoice(self):
        lines = [line for priced in self.open.values() for line in priced.lines]
        totals = statement_totals(lines)
        net = sum((line.amount for line in lines), Decimal("0.00"))
        assert totals.net == net
        assert totals.gross == totals.net + totals.vat
        assert totals.vat == sum(totals.vat_by_rate.values(), Decimal("0.00"))
        for rate, vat in totals.vat_by_rate.items():
            assert vat == (totals.net_by_rate[rate] * rate).quantize(Decimal("0.01"),
                                                                     rounding="ROUND_HALF_UP")
        self.invoiced_net += net
        self.priced_net -= net
        self.open.clear()  # invoiced entries are locked: no more corrections

    @invariant()
    def balance_is_the_ledger_sum_and_never_negative(self):
        assert self.balance == sum(self.ledger) >= 0

    @invariant()
    def amounts_are_decimal_cents(self):
        assert isinstance(self.priced_net, Decimal)
        assert self.priced_net == self.priced_net.quantize(Decimal("0.01"))


@pytest.mark.slow
def test_in_memory_ledger_sequences():
    run_state_machine_as_test(InMemoryLedger, settings=settings(
        max_examples=1200, stateful_step_count=20, deadline=None, derandomize=True))


class DatabaseLedger(RuleBasedStateMachine):
    """The same sequences through the services, each example rolled back at teardown."""

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.manager = ManagerFactory()
        self.tech = TechnicianFactory()
        self.customer = CustomerFactory()
        self.ticket = TicketFactory(customer=self.customer, tier=Tier.FREE)
        self.day = 1
        self.invoiced_month = 0

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _open_entries(self):
        return list(WorkEntry.objects.filter(ticket=self.ticket, locked_at__isnull=True)
                    .order_by("id"))

    @rule(hours=st.integers(min_value=1, max_value=3))
    def top_up(self, hours):
        prepaid_purchase_create(customer=self.customer, hours=hours, on=dt.date(2026, 1, 2),
                                by=self.manager)

    @rule(minutes=MINUTES, hour=HOURS)
    def draw(self, minutes, hour):
        self.day = self.day % 27 + 1
        start = at(2026, 11, self.day, hour)
        work_entry_create(ticket=self.ticket, technician=self.tech, channel=Channel.PHONE,
                          started_at=start, ended_at=start + dt.timedelta(minutes=minutes),
                          by=self.tech)

    @rule(pick=st.integers(min_value=0, max_value=50), minutes=MINUTES)
    def correct(self, pick, minutes):
        entries = self._open_entries()
        if entries:
            entry = entries[pick % len(entries)]
            work_entry_update(entry=entry, by=self.tech,
                              ended_at=entry.started_at + dt.timedelta(minutes=minutes))

    @rule(pick=st.integers(min_value=0, max_value=50))
    def reverse(self, pick):
        entries = self._open_entries()
        if entries:
            work_entry_delete(entry=entries[pick % len(entries)], by=self.tech)

    @rule()
    def invoice(self):
        billing_run(period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30),
                    by=self.manager, now=at(2026, 12, 1, 9))
        assert not self._open_entries()

    @invariant()
    def bank_balance_is_the_ledger_sum(self):
        bank = HourBank.objects.filter(customer=self.customer).first()
        ledger = BankLedgerEntry.objects.filter(customer=self.customer).aggregate(
            s=Sum("minutes"))["s"] or 0
        assert (bank.balance_minutes if bank else 0) == ledger >= 0

    @invariant()
    def statement_totals_equal_their_lines(self):
        for statement in Statement.objects.filter(customer=self.customer).prefetch_related(
                "lines"):
            net = sum((x.net_amount for x in statement.lines.all()), Decimal("0.00"))
            assert statement.net_total == net
            assert statement.total == statement.net_total + statement.vat_total


@pytest.mark.slow
@pytest.mark.django_db
def test_database_ledger_sequences(config):
    run_state_machine_as_test(DatabaseLedger, settings=settings(
        max_examples=40, stateful_step_count=12, deadline=None, derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
