"""Merging a duplicate (docs/rules.md "Merging duplicates"): conversation, attachments,
pauses and work move; the request received first keeps its promise; the duplicate is closed
with a pointer and its reply token lands on the target; billed work stays billed once."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from supportdesk.accounts.tests.factories import UserFactory
from supportdesk.agreements.services import quote_issue
from supportdesk.billing.models import StatementLine
from supportdesk.billing.services import billing_run
from supportdesk.common.choices import Channel
from supportdesk.common.exceptions import ApplicationError
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.mail.services import mail_ingest
from supportdesk.mail.tests.factories import raw_mail
from supportdesk.notifications.tokens import subject_token
from supportdesk.tickets.models import Message, Ticket, TicketEvent, TicketLink
from supportdesk.tickets.selectors import ticket_links
from supportdesk.tickets.services import ticket_change_status, ticket_create, ticket_reply
from supportdesk.tickets.services.relations import ticket_link
from supportdesk.worklog.models import Timer, WorkEntry
from supportdesk.worklog.services import entries as entry_services
from supportdesk.worklog.services.merge import ticket_merge

pytestmark = pytest.mark.django_db
ATHENS = dt.timezone(dt.timedelta(hours=2))


def at(day, hour, minute=0, month=11):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=ATHENS)


@pytest.fixture
def shop(config):
    customer = CustomerFactory(name="Κοσμήματα Άλφα")
    ContractFactory(customer=customer, tier="business")
    contact = UserFactory(username="maria", email="maria@alfa.gr", customer=customer)
    return customer, contact


def _pair(shop, technician):
    customer, contact = shop
    phoned = ticket_create(customer=customer, subject="Η ταμειακή δεν τυπώνει",
                           received_via="phone", received_at=at(23, 10), by=technician,
                           now=at(23, 10))
    mailed = ticket_create(customer=customer, subject="Πρόβλημα ταμειακής",
                           body="Δεν βγάζει απόδειξη.", received_via="email", by=contact,
                           now=at(23, 15))
    return phoned, mailed


def _entry(ticket, technician, day, hour):
    return entry_services.work_entry_create(
        ticket=ticket, technician=technician, channel=Channel.PHONE,
        started_at=at(day, hour), ended_at=at(day, hour, 30), by=technician)


def test_a_phoned_and_a_mailed_duplicate_become_one_request(shop, technician):
    phoned, mailed = _pair(shop, technician)
    ticket_reply(ticket=mailed, body="Το εξετάζουμε.", by=technician, now=at(23, 16))
    first = _entry(phoned, technician, 23, 11)
    second = _entry(mailed, technician, 23, 16)
    # The later (mailed) one is the target: the phoned one was received first.
    merged = ticket_merge(source=phoned, target=mailed, by=technician, now=at(23, 17))
    merged.refresh_from_db()
    phoned.refresh_from_db()
    assert set(WorkEntry.objects.filter(ticket=merged)) == {first, second}
    assert Message.objects.filter(ticket=merged).count() == 1
    # The earlier received time and its snapshot win; the response stays measured from it.
    assert merged.received_at == at(23, 10)
    assert merged.first_response_at == at(23, 16)
    assert merged.response_due_at == phoned.response_due_at
    assert merged.sla_outcome == "met"
    # The duplicate is closed with a pointer, both histories say so.
    assert (phoned.status, phoned.merged_into) == ("closed", merged)
    assert phoned.events.filter(kind=TicketEvent.Kind.MERGED_INTO).exists()
    assert merged.events.get(kind=TicketEvent.Kind.MERGED_FROM).data["source"] == phoned.pk


def test_a_reply_to_the_duplicates_token_lands_on_the_target(shop, technician):
    phoned, mailed = _pair(shop, technician)
    ticket_merge(source=mailed, target=phoned, by=technician, now=at(23, 17))
    ingested = mail_ingest(raw_mail(sender="maria@alfa.gr",
                                    subject=f"Re: Πρόβλημα ταμειακής {subject_token(mailed.pk)}",
                                    body="Τώρα τυπώνει, ευχαριστώ.",
                                    message_id="<merge-1@alfa.gr>"), now=at(24, 10))
    assert ingested.ticket_id == phoned.pk
    assert Message.objects.filter(ticket=phoned, body__contains="Τώρα τυπώνει").exists()
    assert not Message.objects.filter(ticket=mailed).exists()


def test_billed_work_stays_billed_once(shop, technician, manager):
    phoned, mailed = _pair(shop, technician)
    billed = _entry(phoned, technician, 23, 11)
    billing_run(period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30),
                by=manager, now=at(1, 9, month=12))
    line = StatementLine.objects.get(work_entry=billed)
    ticket_merge(source=phoned, target=mailed, by=technician, now=at(2, 10, month=12))
    billed.refresh_from_db()
    assert billed.ticket_id == mailed.pk and billed.locked_at is not None
    # The statement keeps its line as issued; the next run bills nothing again.
    assert StatementLine.objects.get(work_entry=billed).pk == line.pk
    billing_run(period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30),
                by=manager, now=at(2, 11, month=12))
    assert StatementLine.objects.filter(work_entry=billed).count() == 1


@pytest.mark.parametrize("case", ["itself", "other_customer", "target_closed",
                                  "already_merged", "scope", "quote", "timer"])
def test_a_merge_that_cannot_be_done_changes_nothing(shop, technician, case):
    phoned, mailed = _pair(shop, technician)
    entry = _entry(phoned, technician, 23, 11)
    source, target = phoned, mailed
    if case == "itself":
        target = phoned
    elif case == "other_customer":
        target = ticket_create(customer=CustomerFactory(), subject="Άλλο", received_via="phone",
                               by=technician)
    elif case == "target_closed":
        ticket_change_status(ticket=mailed, status="closed", by=technician)
    elif case == "already_merged":
        third = ticket_create(customer=shop[0], subject="Τρίτο", received_via="phone",
                              by=technician)
        ticket_merge(source=mailed, target=third, by=technician)
        source, target = phoned, Ticket.objects.get(pk=mailed.pk)
    elif case == "scope":
        Ticket.objects.filter(pk=mailed.pk).update(category="hardware")
        target = Ticket.objects.get(pk=mailed.pk)
    elif case == "quote":
        Ticket.objects.filter(pk__in=[phoned.pk, mailed.pk]).update(category="hardware")
        source, target = Ticket.objects.get(pk=phoned.pk), Ticket.objects.get(pk=mailed.pk)
        quote_issue(ticket=source, kind="fixed", description="Αναβάθμιση", amount="100",
                    valid_until=dt.date(2027, 1, 31), by=technician)
    elif case == "timer":
        Timer.objects.create(technician=technician, ticket=phoned, channel="phone",
                             started_at=at(23, 12))
        Timer.objects.create(technician=technician, ticket=mailed, channel="phone",
                             started_at=at(23, 12))
    with pytest.raises(ApplicationError):
        ticket_merge(source=source, target=target, by=technician)
    entry.refresh_from_db()
    phoned.refresh_from_db()
    assert entry.ticket_id == phoned.pk
    assert phoned.merged_into_id is None and phoned.status != "closed"


def test_a_customer_cannot_merge(shop, technician):
    phoned, mailed = _pair(shop, technician)
    with pytest.raises(ApplicationError):
        ticket_merge(source=phoned, target=mailed, by=shop[1])
    assert Ticket.objects.get(pk=phoned.pk).merged_into_id is None


def test_the_merge_costs_the_same_queries_for_1_or_1000_entries(shop, technician):
    def queries(n, day):
        phoned, mailed = _pair(shop, technician)
        model = _entry(phoned, technician, day, 10)
        WorkEntry.objects.bulk_create([
            WorkEntry(ticket=phoned, technician=technician, channel="phone",
                      tariff_version_id=model.tariff_version_id, pricing=model.pricing,
                      started_at=at(day, 11, month=10) + dt.timedelta(minutes=2 * i),
                      ended_at=at(day, 11, month=10) + dt.timedelta(minutes=2 * i + 1),
                      duration_minutes=1) for i in range(n - 1)])
        with CaptureQueriesContext(connection) as ctx:
            ticket_merge(source=phoned, target=mailed, by=technician)
        assert WorkEntry.objects.filter(ticket=mailed).count() == n
        return len(ctx.captured_queries)
    assert queries(1, 19) == queries(1000, 20)


def test_links_are_shown_on_both_and_refused_twice(shop, technician):
    phoned, mailed = _pair(shop, technician)
    ticket_link(ticket=mailed, other=phoned, kind="caused_by", by=technician)
    with pytest.raises(ApplicationError):
        ticket_link(ticket=phoned, other=mailed, kind="related", by=technician)
    with pytest.raises(ApplicationError):
        ticket_link(ticket=phoned, other=phoned, kind="related", by=technician)
    assert [(o.pk, rel) for _, o, rel in ticket_links(ticket=mailed)] == [(phoned.pk,
                                                                           "caused_by")]
    assert [(o.pk, rel) for _, o, rel in ticket_links(ticket=phoned)] == [(mailed.pk, "causes")]
    assert TicketLink.objects.count() == 1
