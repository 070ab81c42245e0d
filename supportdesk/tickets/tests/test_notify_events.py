"""The request's notification events (issue 10): received (the contract's promise), status
changes, a customer reply, an assignment; a moved or deactivated contact gets nothing, a
rollback sends nothing."""

from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import transaction

from supportdesk.accounts.tests.factories import ManagerFactory, TechnicianFactory, UserFactory
from supportdesk.notifications.delivery import notifications_deliver
from supportdesk.notifications.models import Notification, NotificationPreference
from supportdesk.notifications.tokens import subject_token
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import lifecycle


@pytest.fixture
def people(config, settings, org_a, org_b):
    settings.SUPPORTDESK_INTAKE_ADDRESS = "support@jewelsoft.example"
    return {"maria": UserFactory(username="maria", email="maria@alfa.gr", customer=org_a),
            "tech": TechnicianFactory(username="tech", email="tech@jewelsoft.example"),
            "boss": ManagerFactory(username="boss", email="boss@jewelsoft.example"),
            "a": org_a, "b": org_b}


def _mails_to(address):
    return [m for m in mail.outbox if address in m.to]


def test_portal_request_acknowledged_with_the_due_moment_and_staff_told(
        people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = lifecycle.ticket_create(customer=people["a"], subject="Δεν τυπώνει",
                                         body="Η ταμειακή", received_via="portal",
                                         by=people["maria"])
    ack = _mails_to("maria@alfa.gr")
    assert len(ack) == 1
    assert subject_token(ticket.pk) in ack[0].subject
    assert "Λάβαμε το αίτημά σας" in ack[0].subject
    due = ticket.response_due_at.astimezone(ZoneInfo("Europe/Athens")).strftime(
        "%d/%m/%Y %H:%M")
    assert due in ack[0].body
    assert ack[0].reply_to == ["support@jewelsoft.example"]
    assert ack[0].alternatives and due in ack[0].alternatives[0][0]
    # the manager hears of it; the technician did not opt in
    assert len(_mails_to("boss@jewelsoft.example")) == 1
    assert "Νέο αίτημα" in _mails_to("boss@jewelsoft.example")[0].subject
    assert _mails_to("tech@jewelsoft.example") == []


def test_free_customer_told_the_price_and_bank_out_of_scope_told_agreement(
        people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = lifecycle.ticket_create(customer=people["a"], subject="Νέος υπολογιστής",
                                         received_via="phone", category="hardware",
                                         contact=people["maria"], by=people["tech"])
    assert ticket.tier == "free"
    body = _mails_to("maria@alfa.gr")[0].body
    assert "την ώρα πλέον ΦΠΑ" in body
    assert "Προπληρωμένες ώρες" in body
    assert "§10" in body
    # staff who logged it are not told of their own request
    assert _mails_to("tech@jewelsoft.example") == []


def test_opted_in_technician_hears_of_new_requests(people, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(user=people["tech"], event="new_ticket", enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.ticket_create(customer=people["a"], subject="Θέμα", received_via="portal",
                                by=people["maria"])
    assert len(_mails_to("tech@jewelsoft.example")) == 1


def test_status_changes_assignment_and_customer_reply(people,
                                                      django_capture_on_commit_callbacks):
    ticket = lifecycle.ticket_create(customer=people["a"], subject="Θέμα", received_via="portal",
                                     by=people["maria"])
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.ticket_assign(ticket=ticket, assignee=people["tech"], by=people["boss"])
    assert "Σας ανατέθηκε" in _mails_to("tech@jewelsoft.example")[0].subject
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.ticket_assign(ticket=ticket, assignee=None, by=people["tech"])
        lifecycle.ticket_assign(ticket=ticket, assignee=people["tech"], by=people["tech"])
    assert mail.outbox == []  # took it themselves
    for status, words in (("waiting_customer", "περιμένει εσάς"), ("open", None),
                          ("resolved", "επιλύθηκε"), ("open", "άνοιξε ξανά"),
                          ("closed", "έκλεισε")):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            lifecycle.ticket_change_status(ticket=ticket, status=status, by=people["tech"])
        # (resolving also asks how we did: the satisfaction survey, docs/satisfaction.md)
        told = [m for m in mail.outbox if "/portal/rate/link/" not in m.body]
        if words is None:
            assert told == []
        else:
            assert len(told) == 1 and words in told[0].subject
            assert len(mail.outbox) == 1 + (status == "resolved")
            assert [m.to for m in mail.outbox] == [["maria@alfa.gr"]] * len(mail.outbox)
    lifecycle.ticket_change_status(ticket=ticket, status="open", by=people["tech"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.ticket_reply(ticket=ticket, body="Ακόμα δεν τυπώνει", by=people["maria"])
    assert [m.to for m in mail.outbox] == [["tech@jewelsoft.example"]]
    assert "Ακόμα δεν τυπώνει" in mail.outbox[0].body


def test_moved_or_deactivated_contact_gets_nothing(people, org_b,
                                                   django_capture_on_commit_callbacks):
    maria = people["maria"]
    ticket = lifecycle.ticket_create(customer=people["a"], subject="Θέμα", received_via="portal",
                                     by=maria)
    # rows written while Maria was the contact, sent after she moved
    with django_capture_on_commit_callbacks(execute=False):
        lifecycle.ticket_change_status(ticket=ticket, status="resolved", by=people["tech"])
    row = Notification.objects.get(event="ticket_resolved")
    maria.customer = org_b
    maria.save()
    notifications_deliver(ids=[row.pk])
    row.refresh_from_db()
    assert row.status == Notification.Status.SKIPPED and mail.outbox == []
    # and a reply written after the move is not even addressed to her
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.ticket_reply(ticket=ticket, body="Απάντηση", by=people["tech"])
    assert _mails_to("maria@alfa.gr") == []
    # deactivated
    maria.customer = people["a"]
    maria.is_active = False
    maria.save()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.ticket_reply(ticket=ticket, body="Δεύτερη", by=people["tech"])
    assert _mails_to("maria@alfa.gr") == []


def test_a_rollback_writes_and_sends_nothing(people, django_capture_on_commit_callbacks):
    with (django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError),
          transaction.atomic()):
        lifecycle.ticket_create(customer=people["a"], subject="Θέμα",
                                received_via="portal", by=people["maria"])
        raise RuntimeError("after the create")
    assert Notification.objects.count() == 0 and mail.outbox == []
    assert not Ticket.objects.exists()


def test_english_recipient_gets_english(people, django_capture_on_commit_callbacks):
    people["maria"].language = "en"
    people["maria"].save()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.ticket_create(customer=people["a"], subject="Printer", received_via="portal",
                                by=people["maria"])
    assert "We received your request" in _mails_to("maria@alfa.gr")[0].subject
