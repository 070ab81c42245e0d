"""Golden corpus (docs/security.md #17, #19, #20): every ``corpus/*.eml`` is fed to ``mail_ingest``
and its outcome compared with the ``.json`` next to it."""

import json
from pathlib import Path

import pytest

from supportdesk.mail.models import InboundMessage
from supportdesk.mail.services import mail_ingest
from supportdesk.tickets.models import Attachment, Message, Ticket

from .factories import fill

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(p.stem for p in CORPUS.glob("*.eml"))


def test_the_corpus_is_complete():
    # Given the corpus folder, then every message has its expectation, and there are 40+.
    assert len(CASES) >= 40
    assert {p.stem for p in CORPUS.glob("*.json")} == set(CASES)


@pytest.mark.parametrize("name", CASES)
def test_corpus_message(name, world):
    # Given a raw message from the corpus and what should become of it
    expected = json.loads((CORPUS / f"{name}.json").read_text(encoding="utf-8"))
    raw = fill((CORPUS / f"{name}.eml").read_bytes(), world)
    tickets_before = set(Ticket.objects.values_list("pk", flat=True))
    messages_before = Message.objects.count()

    # When it is delivered (once, or several times for the duplicate case)
    rows = [mail_ingest(raw) for _ in range(expected.get("repeat", 1))]
    row = rows[-1]

    # Then its raw bytes are kept exactly, and the outcome is the expected one
    row.refresh_from_db()
    assert bytes(row.raw) == raw
    assert row.status == expected["status"], (row.reason, row.notes)
    if "reason_in" in expected:
        assert row.reason in expected["reason_in"]
    else:
        assert row.reason == expected["reason"], row.notes
    for earlier in rows[:-1]:
        earlier.refresh_from_db()
        assert earlier.status in ("created", "appended")
    if "subject" in expected:
        assert row.subject == expected["subject"]
    for fragment in expected.get("notes_contains", []):
        assert fragment in row.notes

    new_tickets = Ticket.objects.exclude(pk__in=tickets_before)
    target = expected.get("ticket")
    if target is None:
        assert row.ticket_id is None
        assert new_tickets.count() == (1 if expected.get("repeat") else 0)
        assert Message.objects.count() == messages_before
        return
    if target == "new":
        assert new_tickets.count() == 1
        ticket = new_tickets.get()
        assert row.ticket_id == ticket.pk
        assert ticket.received_via == Ticket.ReceivedVia.EMAIL
        assert ticket.contact_id == row.sender_id
        if "customer" in expected:
            assert ticket.customer == world[expected["customer"]]
        if "ticket_subject" in expected:
            assert ticket.subject == expected["ticket_subject"]
        text = ticket.body
        assert Message.objects.count() == messages_before
    else:
        ticket = world[target]
        assert new_tickets.count() == 0
        assert row.ticket_id == ticket.pk
        assert row.ticket_message.ticket_id == ticket.pk
        assert row.ticket_message.author_id == row.sender_id
        assert not row.ticket_message.is_internal
        text = row.ticket_message.body
    assert "\r" not in ticket.subject and "\n" not in ticket.subject
    for fragment in expected.get("body_contains", []):
        assert fragment in text
    for fragment in expected.get("body_excludes", []):
        assert fragment not in text
    attachments = Attachment.objects.filter(ticket=ticket)
    if "attachments" in expected:
        assert attachments.count() == expected["attachments"]
    if "attachment_names" in expected:
        assert sorted(a.original_name for a in attachments) == sorted(expected["attachment_names"])


def test_nothing_is_lost_over_the_whole_corpus(world):
    # Given every corpus message, fed one after the other into one database
    fed = 0
    for name in CASES:
        raw = fill((CORPUS / f"{name}.eml").read_bytes(), world)
        mail_ingest(raw)
        fed += 1
    # Then there is exactly one row per delivery, none left unprocessed
    assert InboundMessage.objects.count() == fed
    assert not InboundMessage.objects.filter(status=InboundMessage.Status.RECEIVED).exists()
    assert not InboundMessage.objects.filter(processed_at__isnull=True).exists()
