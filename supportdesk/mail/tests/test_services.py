"""Intake beyond the corpus: raw kept before parsing, crashes, size limits, duplicates,
tokens (docs/security.md #17, #19); token format and HMAC checks are in
``notifications/tests/test_tokens.py``."""

import pytest
from django.core import mail
from django.db import IntegrityError
from django.test import override_settings

from supportdesk.accounts.tests.factories import UserFactory
from supportdesk.common.exceptions import ApplicationError
from supportdesk.mail import services
from supportdesk.mail.models import InboundMessage
from supportdesk.mail.services import mail_ingest
from supportdesk.notifications.tokens import subject_token
from supportdesk.tickets.models import Attachment, Message, Ticket
from supportdesk.tickets.services import lifecycle

from .factories import raw_mail

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_raw_is_stored_before_parsing_even_when_the_parser_crashes(world, monkeypatch):
    # Given a parser that crashes on this message
    def boom(raw, **kwargs):
        assert InboundMessage.objects.filter(raw=raw).exists()  # already stored
        raise RuntimeError("parser bug")

    monkeypatch.setattr(services, "mail_parse", boom)
    raw = raw_mail(subject="Κάτι", message_id="<crash@x>")
    # When it is ingested
    row = mail_ingest(raw)
    # Then the raw row remains, quarantined as unparseable, and nothing else was written
    row.refresh_from_db()
    assert bytes(row.raw) == raw
    assert (row.status, row.reason) == ("quarantined", "unparseable")
    assert "parser bug" in row.notes
    assert Ticket.objects.count() == 3


def test_a_refused_service_call_rolls_back_and_quarantines(world, monkeypatch):
    # Given a request service that refuses (e.g. a validation rule)
    def refuse(**kwargs):
        raise ApplicationError("no", code="customer_inactive")

    monkeypatch.setattr(services, "ticket_create", refuse)
    # When a known customer writes
    row = mail_ingest(raw_mail(subject="Νέο", message_id="<refused@x>"))
    # Then the mail is quarantined with the reason, and its Message-ID can be retried later
    assert (row.status, row.reason) == ("quarantined", "refused")
    assert "customer_inactive" in row.notes
    assert row.handled_message_id is None
    assert Ticket.objects.count() == 3


def test_an_oversized_part_is_dropped_and_the_mail_accepted(world):
    # Given a mail with a 25 MB attachment and a small valid one
    big = b"%PDF-1.4\n" + b"0" * (25 * 1024 * 1024)
    raw = raw_mail(subject="Μεγάλο αρχείο", attachments=[
        ("backup.pdf", "application/pdf", big), ("small.pdf", "application/pdf", PDF)])
    # When it is ingested
    row = mail_ingest(raw)
    # Then a request is opened with only the small file; the note says why
    assert row.status == "created"
    assert list(Attachment.objects.filter(ticket=row.ticket)
                .values_list("original_name", flat=True)) == ["small.pdf"]
    assert "attachment_too_large" in row.notes and "backup.pdf" in row.notes


@override_settings(SUPPORTDESK_MAIL_MAX_BYTES=1000)
def test_a_message_over_the_intake_limit_is_kept_raw_and_quarantined(world):
    raw = raw_mail(body="Α" * 2000)
    row = mail_ingest(raw)
    assert (row.status, row.reason) == ("quarantined", "too_large")
    assert bytes(row.raw) == raw


def test_a_second_delivery_is_ignored_and_a_third_too(world):
    raw = raw_mail(subject="Διπλό", message_id="<dup-1@alfa.gr>")
    first, second, third = (mail_ingest(raw) for _ in range(3))
    assert first.status == "created"
    assert [second.status, third.status] == ["ignored", "ignored"]
    assert second.reason == third.reason == "duplicate"
    assert InboundMessage.objects.count() == 3
    assert Ticket.objects.filter(received_via="email").count() == 1


def test_a_concurrent_duplicate_caught_by_the_unique_index_is_ignored(world, monkeypatch):
    # Given the other delivery committed between our check and our write
    original = services._process

    def racing(row, raw, **kwargs):
        raise IntegrityError("UNIQUE constraint failed: mail_inboundmessage.handled_message_id")

    monkeypatch.setattr(services, "_process", racing)
    row = mail_ingest(raw_mail(message_id="<race@x>"))
    monkeypatch.setattr(services, "_process", original)
    assert (row.status, row.reason) == ("ignored", "duplicate")


def test_a_reply_appends_a_message_and_reopens_a_request_waiting_on_the_customer(world):
    # Given T1 waiting on the customer
    t1 = world["t1"]
    lifecycle.ticket_change_status(ticket=t1, status=Ticket.Status.WAITING_CUSTOMER,
                                   by=world["tech"])
    # When Maria answers by e-mail
    row = mail_ingest(raw_mail(subject=f"Re: {subject_token(t1.pk)} Δεν τυπώνει",
                               body="Ναι, δουλεύει τώρα."))
    # Then her answer is on the request and the request is open again
    t1.refresh_from_db()
    assert row.status == "appended"
    assert t1.status == Ticket.Status.OPEN
    assert Message.objects.get(ticket=t1).body == "Ναι, δουλεύει τώρα."


def test_the_customers_answer_to_our_mail_threads_back(world, django_capture_on_commit_callbacks):
    # Given our reply mail
    t1 = world["t1"]
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.ticket_reply(ticket=t1, body="Δοκιμάστε ξανά", by=world["tech"])
    ours = mail.outbox[0]
    # When the customer's mail client answers it (subject "Re: ...", In-Reply-To)
    answer = (f"From: maria@alfa.gr\r\nTo: support@jewelsoft.example\r\n"
              f"Subject: Re: {ours.subject}\r\nMessage-ID: <answer-1@alfa.gr>\r\n"
              f"In-Reply-To: {ours.extra_headers['Message-ID']}\r\n"
              f"Content-Type: text/plain; charset=utf-8\r\n\r\n").encode() + "Έγινε.".encode()
    row = mail_ingest(answer)
    # Then it lands on the same request
    assert row.status == "appended" and row.ticket_id == t1.pk


def test_a_manager_reprocesses_a_quarantined_mail_after_adding_the_sender(world, manager):
    # Given a mail from an unknown address, quarantined

    row = mail_ingest(raw_mail(sender="eleni@alfa.gr", subject="Νέα υπάλληλος",
                               message_id="<eleni-1@alfa.gr>"))
    assert (row.status, row.reason) == ("quarantined", "unknown_sender")
    # When the sender becomes a user of customer A and a manager processes the mail again
    UserFactory(username="eleni", email="eleni@alfa.gr", customer=world["a"])
    row = services.mail_reprocess(inbound=row, by=manager)
    # Then it opens a request, on the same row (nothing duplicated)
    assert row.status == "created" and row.ticket.customer == world["a"]
    assert InboundMessage.objects.count() == 1
    # And a processed mail cannot be processed twice; a technician cannot reprocess
    with pytest.raises(ApplicationError):
        services.mail_reprocess(inbound=row, by=manager)
    with pytest.raises(ApplicationError):
        services.mail_reprocess(inbound=row, by=world["tech"])
    assert Ticket.objects.filter(received_via="email").count() == 1


def test_the_admin_action_reprocesses_for_managers(world, manager, client):
    row = mail_ingest(raw_mail(sender="eleni@alfa.gr", message_id="<eleni-2@alfa.gr>"))
    UserFactory(username="eleni", email="eleni@alfa.gr", customer=world["a"])
    client.force_login(manager)
    response = client.post("/admin/mail/inboundmessage/", {
        "action": "process_again", "_selected_action": [row.pk]})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == "created"
