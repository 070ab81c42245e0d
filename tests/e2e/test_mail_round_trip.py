"""People are told, over the real protocols (docs/notifications.md, issue 10).

A customer's mail is put in a real IMAP mailbox (Dovecot on 127.0.0.1) and polled by the
periodic job; everything the app sends goes through Django's SMTP backend, configured by the
ordinary settings, to a real SMTP server (aiosmtpd on 127.0.0.1) that keeps what it accepts
per recipient. The delivery is the app's own: ``notify()`` writes the rows in the change's
transaction, the commit queues ``deliver_task`` (the in-process runner: Celery eager without
a broker), and the minute's ``sweep_task`` retries. The tests commit for real
(``transaction=True``): nothing is sent by calling a callback by hand.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from email.message import EmailMessage
from email.policy import default
from email.utils import make_msgid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from imapclient import IMAPClient

from supportdesk.accounts.tests.factories import ManagerFactory, TechnicianFactory, UserFactory
from supportdesk.common.choices import Tier
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.mail.models import InboundMessage, Mailbox
from supportdesk.mail.tasks import mail_poll_task
from supportdesk.notifications.delivery import BACKOFF, MAX_ATTEMPTS
from supportdesk.notifications.events import Event
from supportdesk.notifications.models import Notification
from supportdesk.notifications.services import preferences_set
from supportdesk.notifications.tasks import sweep_task
from supportdesk.notifications.tokens import header_token, subject_token
from supportdesk.tickets.models import Message, Ticket
from supportdesk.tickets.services.lifecycle import (
    ticket_assign,
    ticket_change_status,
    ticket_create,
    ticket_reply,
)

from .conftest import SUPPORT

# About 3 s on SQLite (the servers start once per session): not marked slow, so
# `make test-fast` runs it too.
pytestmark = pytest.mark.django_db(transaction=True)

ATHENS = ZoneInfo("Europe/Athens")
#: A Tuesday afternoon of working hours, so that the due moment (two working days on for
#: Basic) is an afternoon hour too: "16:40", never "4:40 PM" / "4:40 μ.μ.".
RECEIVED = dt.datetime(2026, 3, 3, 14, 40, tzinfo=ATHENS)
DUE_RE = re.compile(r"\b\d{2}/\d{2}/\d{4} \d{2}:\d{2}\b")


@pytest.fixture
def clock():
    """The wall clock at RECEIVED and ticking (the servers are real; only our clock moves)."""
    with time_machine.travel(RECEIVED, tick=True) as traveller:
        yield traveller


@pytest.fixture
def people(config, org_a, org_b):
    ContractFactory(customer=org_a, tier=Tier.BASIC, starts_on=dt.date(2026, 1, 1),
                    ends_on=dt.date(2026, 12, 31))
    maria = UserFactory(username="maria", email="maria@alfa.gr", customer=org_a,
                        language="el")
    nikos = UserFactory(username="nikos", email="nikos@alfa.gr", customer=org_a,
                        language="el")
    tech = TechnicianFactory(username="tech", email="tech@jewelsoft.example",
                             first_name="George", last_name="Tech", language="en")
    manager = ManagerFactory(username="eleni", email="eleni@jewelsoft.example",
                             language="el")
    # Technicians hear of unassigned new requests only when they opt in (managers always).
    preferences_set(user=tech, choices={Event.NEW_TICKET: True})
    return {"a": org_a, "b": org_b, "maria": maria, "nikos": nikos, "tech": tech,
            "manager": manager}


class Box:
    """An account of the test Dovecot, configured as the support mailbox."""

    def __init__(self, server):
        self.server = server
        self.user, self.password = server.account()
        self.mailbox = Mailbox(name="support", host=server.host, port=server.port,
                               security=Mailbox.Security.NONE, username=self.user,
                               folder="INBOX", processed_folder="Processed")
        self.mailbox.set_password(self.password)
        self.mailbox.full_clean()
        self.mailbox.save()

    def deliver(self, raw: bytes) -> None:
        """What the vendor's mail provider does with a customer's mail: it lands in INBOX."""
        with IMAPClient(self.server.host, port=self.server.port, ssl=False, timeout=10) as c:
            c.login(self.user, self.password)
            c.append("INBOX", raw)

    def inbox(self) -> list[int]:
        with IMAPClient(self.server.host, port=self.server.port, ssl=False, timeout=10) as c:
            c.login(self.user, self.password)
            c.select_folder("INBOX", readonly=True)
            return c.search(["ALL"])


@pytest.fixture
def box(dovecot, db):
    return Box(dovecot)


def customer_mail(*, subject: str, body: str, message_id: str, in_reply_to: str = "",
                  references: str = "") -> bytes:
    msg = EmailMessage(policy=default)
    msg["From"] = "Μαρία Παπαδοπούλου <maria@alfa.gr>"
    msg["To"] = f"Υποστήριξη Jewelsoft <{SUPPORT}>"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg["Date"] = "Tue, 03 Mar 2026 14:38:00 +0200"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    msg.set_content(body)
    return msg.as_bytes()


def quoting(received, new_text: str) -> str:
    """A reply as Gmail in Greek writes it: the new text, the attribution line, the quote."""
    quoted = "\n".join(f"> {line}".rstrip() for line in received.text.splitlines())
    return (f"{new_text}\n\nΣτις Τρί 3 Μαρ 2026 στις 15:10, ο/η Υποστήριξη Jewelsoft "
            f"<{SUPPORT}> έγραψε:\n{quoted}\n")


def poll() -> dict:
    return mail_poll_task.delay().get()


def rows(**filters) -> list[Notification]:
    return list(Notification.objects.filter(**filters).order_by("pk"))


def test_a_request_by_mail_from_acknowledgement_to_resolved(people, box, smtp, clock):
    maria, tech, manager = people["maria"], people["tech"], people["manager"]

    # Given Maria's mail in the support mailbox
    first_id = make_msgid(domain="alfa.gr")
    first = customer_mail(subject="Δεν τυπώνει η ταμειακή",
                          body="Από το πρωί η ταμειακή δεν τυπώνει αποδείξεις.",
                          message_id=first_id)
    box.deliver(first)
    # When the periodic job polls it
    assert poll() == {"support": "support: created 1"}
    # Then it is a request of her customer, received by e-mail, and it left the inbox
    ticket = Ticket.objects.get()
    assert (ticket.customer, ticket.contact, ticket.received_via) == (
        people["a"], maria, Ticket.ReceivedVia.EMAIL)
    assert box.inbox() == []

    # and Maria's SMTP mailbox has the acknowledgement with the contract's promise: the due
    # moment on the working calendar, in Athens time, on the 24-hour clock
    (ack,) = smtp.wait_for("maria@alfa.gr", 1)
    due = timezone.localtime(ticket.response_due_at, ATHENS)
    # Basic "48 h" = 960 working minutes = two working days on from Tuesday 14:40 (§4, §6)
    assert due.strftime("%d/%m/%Y %H:%M") == "05/03/2026 14:40"
    assert due.strftime("%d/%m/%Y %H:%M") in ack.text
    assert DUE_RE.findall(ack.text) == [due.strftime("%d/%m/%Y %H:%M")]
    assert "μ.μ." not in ack.text and " PM" not in ack.text
    assert "(ώρα Ελλάδας" in ack.text  # Maria reads Greek: Athens time
    assert due.strftime("%d/%m/%Y %H:%M") in ack.html
    assert subject_token(ticket.pk) in ack.subject and ticket.reference in ack.text
    assert ack.mail_from == SUPPORT and ack.header("Reply-To") == SUPPORT
    assert header_token(ticket.pk) in ack.header("Message-ID")
    assert header_token(ticket.pk) in ack.header("References")
    assert ack.header("X-Auto-Response-Suppress") == "All"
    assert "https://desk.jewelsoft.example/portal/" in ack.text

    # and staff hear of the new request: the manager always, the technician who opted in,
    # each in their own language
    (new_for_manager,) = smtp.wait_for(manager.email, 1)
    (new_for_tech,) = smtp.wait_for(tech.email, 1)
    assert new_for_manager.subject.startswith(f"Νέο αίτημα {ticket.reference}")
    assert new_for_tech.subject.startswith(f"New request {ticket.reference}")
    assert "Από το πρωί η ταμειακή δεν τυπώνει" in new_for_tech.text
    assert "https://desk.jewelsoft.example/desk/" in new_for_tech.text
    assert {(r.event, r.user_id, r.status) for r in rows()} == {
        (Event.TICKET_RECEIVED, maria.pk, "sent"), (Event.NEW_TICKET, manager.pk, "sent"),
        (Event.NEW_TICKET, tech.pk, "sent")}

    # When the manager gives it to the technician, the technician is told
    ticket_assign(ticket=ticket, assignee=tech, by=manager)
    (_, assigned) = smtp.wait_for(tech.email, 2)
    assert ticket.reference in assigned.subject
    assert rows(event=Event.ASSIGNED)[0].user_id == tech.pk

    # When the technician replies on the desk
    ticket_reply(ticket=ticket, body="Καλημέρα, κάντε επανεκκίνηση της ταμειακής.", by=tech)
    # Then the reply reaches Maria's mailbox, threaded and with the signed reference
    (_, reply) = smtp.wait_for("maria@alfa.gr", 2)
    assert "Καλημέρα, κάντε επανεκκίνηση της ταμειακής." in reply.text
    assert reply.subject.startswith(subject_token(ticket.pk))
    assert header_token(ticket.pk) in reply.header("Message-ID")
    assert reply.header("In-Reply-To") == ack.header("References")
    assert reply.header("Message-ID") != ack.header("Message-ID")

    # When Maria answers from her mail program, quoting the reply
    answer_id = make_msgid(domain="alfa.gr")
    answer = customer_mail(subject=f"Re: {reply.subject}",
                           body=quoting(reply, "Ευχαριστώ, τώρα τυπώνει κανονικά."),
                           message_id=answer_id, in_reply_to=reply.header("Message-ID"),
                           references=f"{reply.header('References')} "
                                      f"{reply.header('Message-ID')}")
    box.deliver(answer)
    assert poll() == {"support": "support: appended 1"}
    # Then it lands on the same request without the quote, the full text kept
    customer_message = Message.objects.filter(ticket=ticket, author=maria).get()
    assert customer_message.body == "Ευχαριστώ, τώρα τυπώνει κανονικά."
    inbound = InboundMessage.objects.get(message_id=answer_id)
    assert inbound.body_trimmed and "κάντε επανεκκίνηση" in inbound.body_full
    assert Ticket.objects.count() == 1
    # and the technician (the assignee) is told, with the clean text
    (*_, told) = smtp.wait_for(tech.email, 3)
    assert told.subject.startswith(f"Customer reply on {ticket.reference}")
    assert "Ευχαριστώ, τώρα τυπώνει κανονικά." in told.text
    assert "κάντε επανεκκίνηση" not in told.text
    assert len(smtp.mailbox(manager.email)) == 1  # the assignee is told, not the managers

    # When the technician resolves it, Maria is told, and asked how we did (the survey)
    ticket_change_status(ticket=ticket, status=Ticket.Status.RESOLVED, by=tech)
    (*_, resolved, survey) = sorted(smtp.wait_for("maria@alfa.gr", 4),
                                    key=lambda m: "/portal/rate/link/" in m.text)
    assert "/portal/rate/link/" in survey.text and survey.subject.startswith(
        subject_token(ticket.pk))
    assert resolved.subject.startswith(subject_token(ticket.pk))
    assert "επιλύθηκε" in resolved.subject
    assert header_token(ticket.pk) in resolved.header("References")

    # When Maria answers the resolved mail, as it invites her to, in English from Outlook
    again_id = make_msgid(domain="alfa.gr")
    again = customer_mail(
        subject=f"RE: {resolved.subject}", message_id=again_id,
        body=("It stopped printing again this morning.\n\n"
              f"From: Jewelsoft Support <{SUPPORT}>\nSent: Tuesday, March 3, 2026 16:00\n"
              f"To: maria@alfa.gr\nSubject: {resolved.subject}\n\n{resolved.text}"),
        in_reply_to=resolved.header("Message-ID"),
        references=f"{resolved.header('References')} {resolved.header('Message-ID')}")
    box.deliver(again)
    assert poll() == {"support": "support: appended 1"}
    # Then the request is open again with her clean text, and the technician is told
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert Message.objects.filter(ticket=ticket, author=maria).order_by("pk").last().body == (
        "It stopped printing again this morning.")
    (*_, told_again) = smtp.wait_for(tech.email, 4)
    assert "It stopped printing again this morning." in told_again.text
    assert "From: Jewelsoft Support" not in told_again.text

    # When the provider delivers Maria's three mails again (same Message-IDs), and our
    # own reply comes back into the support mailbox (a Cc, a forward rule)
    counts = (Ticket.objects.count(), Message.objects.count(), Notification.objects.count(),
              len(smtp.received))
    for raw in (first, answer, again, reply.raw):
        box.deliver(raw)
    assert poll() == {"support": "support: ignored 4"}
    # Then nothing new is filed, nobody is told anything
    assert (Ticket.objects.count(), Message.objects.count(), Notification.objects.count(),
            len(smtp.received)) == counts
    assert sorted(InboundMessage.objects.filter(status="ignored").values_list(
        "reason", flat=True)) == ["duplicate", "duplicate", "duplicate", "own_address"]
    sweep_task.delay()
    assert len(smtp.received) == counts[3]
    # and every notification was sent exactly once
    assert {r.status for r in rows()} == {"sent"}
    assert all(r.attempts == 1 for r in rows())


def test_what_the_customer_wrote_is_text_in_every_mail(people, box, smtp, clock):
    """A subject with markup and a header break reaches nobody as HTML or as a header."""
    # An encoded word that decodes to a line break and a Bcc header (Python's mail API
    # would refuse to write the break itself)
    evil = base64.b64encode('<img src=x onerror="alert(1)"> Ζ\r\nBcc: x@evil.example'
                            .encode()).decode()
    raw = customer_mail(subject="PLACEHOLDER", body="<script>alert(2)</script>",
                        message_id=make_msgid(domain="alfa.gr"))
    box.deliver(raw.replace(b"Subject: PLACEHOLDER", f"Subject: =?utf-8?b?{evil}?=".encode()))
    assert poll() == {"support": "support: created 1"}
    (ack,) = smtp.wait_for("maria@alfa.gr", 1)
    (new,) = smtp.wait_for(people["manager"].email, 1)
    for mail in (ack, new):
        assert "<img" not in mail.html and "&lt;img" in mail.html
        assert "<script>" not in mail.html
        assert mail.message["Bcc"] is None
    assert {r for m in smtp.received for r in m.rcpt_tos} == {
        "maria@alfa.gr", people["manager"].email, people["tech"].email}


def _phoned_in(people, contact) -> Ticket:
    """A request the technician logged from a phone call, with ``contact`` as its contact."""
    return ticket_create(customer=people["a"], subject="Κλείσιμο ημέρας",
                         body="Δεν βγαίνει το Ζ.", received_via=Ticket.ReceivedVia.PHONE,
                         contact=contact, by=people["tech"])


def test_a_contact_who_moved_or_was_deactivated_gets_nothing(people, box, smtp, clock):
    maria, nikos, tech = people["maria"], people["nikos"], people["tech"]
    User = get_user_model()
    ticket = _phoned_in(people, maria)
    (ack,) = smtp.wait_for("maria@alfa.gr", 1)  # the acknowledgement

    def about_it(address):  # what an address got about this request
        return [m for m in smtp.mailbox(address) if subject_token(ticket.pk) in m.subject]

    # Moved between the change and the send: the row was written for her, then she moved
    # to another customer in the same transaction; at send time she is not entitled.
    with transaction.atomic():
        ticket_reply(ticket=ticket, body="Στείλτε μας φωτογραφία του σφάλματος.", by=tech)
        User.objects.filter(pk=maria.pk).update(customer=people["b"])
    (row,) = rows(event=Event.STAFF_REPLY)
    assert (row.user_id, row.status, row.last_error) == (
        maria.pk, "skipped", "recipient no longer entitled")
    assert about_it("maria@alfa.gr") == [ack]

    # Her answer to the old request's mail, sent from her new company, is not written into
    # her former company's request: it is a new request of her new customer (#17, #42)
    box.deliver(customer_mail(subject=f"Re: {ack.subject}", body="Έστειλα τη φωτογραφία.",
                              message_id=make_msgid(domain="alfa.gr"),
                              in_reply_to=ack.header("Message-ID")))
    assert poll() == {"support": "support: created 1"}
    assert not Message.objects.filter(ticket=ticket, author=maria).exists()
    assert Ticket.objects.get(received_via=Ticket.ReceivedVia.EMAIL).customer == people["b"]
    assert not rows(event=Event.CUSTOMER_REPLY, ticket_id=ticket.pk)

    # Moved before the change: she is no longer the request's people; her former
    # colleague (the customer's active user) is told instead, and she is not.
    ticket.refresh_from_db()
    ticket_reply(ticket=ticket, body="Δοκιμάστε ξανά τώρα.", by=tech)
    assert [r.user_id for r in rows(event=Event.STAFF_REPLY, status="sent")] == [nikos.pk]
    assert len(smtp.wait_for("nikos@alfa.gr", 1)) == 1
    assert about_it("maria@alfa.gr") == [ack]

    # Deactivated while its mail waits for a retry (the SMTP server refused it): the retry
    # finds an inactive user and sends nothing.
    smtp.refuse()
    ticket_change_status(ticket=ticket, status=Ticket.Status.WAITING_CUSTOMER, by=tech)
    (waiting,) = rows(event=Event.TICKET_WAITING)
    assert (waiting.user_id, waiting.status, waiting.attempts) == (nikos.pk, "pending", 1)
    User.objects.filter(pk=nikos.pk).update(is_active=False)
    smtp.refuse(refusing=False)
    clock.move_to(waiting.next_attempt_at + dt.timedelta(seconds=1))
    sweep_task.delay()
    waiting.refresh_from_db()
    assert (waiting.status, waiting.last_error) == ("skipped", "recipient no longer entitled")
    assert len(about_it("nikos@alfa.gr")) == 1
    assert about_it("maria@alfa.gr") == [ack]


def test_without_a_contact_each_user_gets_a_message_of_its_own(people, smtp, clock):
    # A request logged without a contact is told to every active user of the customer:
    # one message each, with a Message-ID of its own (a mail server may drop a second
    # message with an id it has seen), all in the request's thread.
    ticket = _phoned_in(people, None)
    (to_maria,) = smtp.wait_for("maria@alfa.gr", 1)
    (to_nikos,) = smtp.wait_for("nikos@alfa.gr", 1)
    assert to_maria.header("Message-ID") != to_nikos.header("Message-ID")
    for mail in (to_maria, to_nikos):
        assert mail.rcpt_tos == [mail.message["To"]]
        assert header_token(ticket.pk) in mail.header("Message-ID")
        assert header_token(ticket.pk) in mail.header("References")
        assert "{n}" not in mail.header("Message-ID")


def test_a_change_that_rolls_back_sends_nothing(people, smtp, clock):
    ticket = _phoned_in(people, people["maria"])
    smtp.wait_for("maria@alfa.gr", 1)
    smtp.wait_for(people["manager"].email, 1)
    before_rows, before_mail = Notification.objects.count(), len(smtp.received)

    # When the reply, the assignment and the resolution are rolled back together
    with pytest.raises(RuntimeError), transaction.atomic():
        ticket_reply(ticket=ticket, body="Λύθηκε;", by=people["tech"])
        ticket_assign(ticket=ticket, assignee=people["tech"], by=people["manager"])
        ticket_change_status(ticket=ticket, status=Ticket.Status.RESOLVED, by=people["tech"])
        assert Notification.objects.count() > before_rows  # written in the transaction
        raise RuntimeError("the change fails after its notices were written")

    # Then no row is left and nothing reached the SMTP server, now or at the next sweep
    assert Notification.objects.count() == before_rows
    sweep_task.delay()
    assert len(smtp.received) == before_mail


def test_smtp_refusing_then_down_is_retried_with_back_off_then_failed(people, smtp, clock):
    maria, manager = people["maria"], people["manager"]
    # Given an SMTP server that answers 451 to every message
    smtp.refuse()
    ticket = _phoned_in(people, maria)
    (ack,) = rows(event=Event.TICKET_RECEIVED)
    # Then the first attempt (after the commit) failed and waits BACKOFF[0]
    assert (ack.status, ack.attempts) == ("pending", 1)
    assert "451" in ack.last_error
    assert ack.next_attempt_at - timezone.now() <= BACKOFF[0]

    for attempt in range(2, MAX_ATTEMPTS + 1):
        if attempt == 4:
            smtp.stop()  # and then the server is down altogether
        # Not due yet: a sweep a second early does not try it
        clock.move_to(ack.next_attempt_at - dt.timedelta(seconds=1))
        sweep_task.delay()
        ack.refresh_from_db()
        assert ack.attempts == attempt - 1
        # Due: the sweep tries again
        clock.move_to(ack.next_attempt_at + dt.timedelta(seconds=1))
        tried_at = timezone.now()
        sweep_task.delay()
        ack.refresh_from_db()
        assert ack.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert ack.status == "pending"
            waited = ack.next_attempt_at - tried_at
            assert BACKOFF[attempt - 1] <= waited < BACKOFF[attempt - 1] + dt.timedelta(
                seconds=5)
        expected = "451" if attempt < 4 else "ConnectionRefusedError"
        assert expected in ack.last_error

    # After MAX_ATTEMPTS it has failed, and is not tried again
    assert (ack.status, ack.next_attempt_at) == ("failed", None)
    clock.shift(dt.timedelta(days=2))
    sweep_task.delay()
    ack.refresh_from_db()
    assert (ack.status, ack.attempts) == ("failed", MAX_ATTEMPTS)
    assert smtp.received == []

    # The manager sees it in the outbox, filtered by status, with its error
    client = Client()
    client.force_login(manager)
    page = client.get(reverse("notifications:outbox"), {"status": "failed"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "maria@alfa.gr" in html and "ConnectionRefusedError" in html
    assert ticket.reference in html
    assert "maria@alfa.gr" not in client.get(reverse("notifications:outbox"),
                                             {"status": "sent"}).content.decode()

    # When the server is back and the manager sends it again, it arrives once
    smtp.start()
    smtp.refuse(refusing=False)
    assert client.post(reverse("notifications:resend", args=[ack.pk])).status_code == 302
    (received,) = smtp.wait_for("maria@alfa.gr", 1)
    assert subject_token(ticket.pk) in received.subject
    ack.refresh_from_db()
    assert (ack.status, ack.attempts) == ("sent", 1)
    sweep_task.delay()
    assert len(smtp.mailbox("maria@alfa.gr")) == 1


def test_a_hung_smtp_server_times_out_and_is_retried(people, smtp, clock, settings):
    # EMAIL_TIMEOUT (30 s by default) bounds every SMTP operation: a server that stops
    # answering fails the attempt instead of holding the worker or the committing request.
    settings.EMAIL_TIMEOUT = 0.3
    smtp.hang(1)
    _phoned_in(people, people["maria"])
    (ack,) = rows(event=Event.TICKET_RECEIVED)
    assert (ack.status, ack.attempts) == ("pending", 1)
    assert "timed out" in ack.last_error.lower()
    # When it answers again, the retry delivers it (with a timeout a loaded machine meets)
    smtp.hang(0)
    settings.EMAIL_TIMEOUT = 10
    clock.move_to(ack.next_attempt_at + dt.timedelta(seconds=1))
    sweep_task.delay()
    ack.refresh_from_db()
    assert (ack.status, ack.attempts) == ("sent", 2)
    assert len(smtp.wait_for("maria@alfa.gr", 1)) == 1
