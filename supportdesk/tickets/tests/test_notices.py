"""The mail of a public staff reply (docs/security.md #18, #7); the customer's answer to it
threading back is a mail-intake test (``mail/tests/test_services.py``)."""

import re

import pytest
from django.conf import settings
from django.core import mail

from supportdesk.accounts.tests.factories import TechnicianFactory, UserFactory
from supportdesk.notifications.tokens import header_token, subject_token
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import lifecycle


@pytest.fixture
def world(config, settings, org_a, org_b):
    """Org A's users (Maria the contact of T1, Nikos, a former user), org B's, a shared
    address in both, and a technician."""
    settings.DEFAULT_FROM_EMAIL = "support@jewelsoft.example"
    settings.SERVER_EMAIL = "support@jewelsoft.example"
    settings.SUPPORTDESK_INTAKE_ADDRESS = "support@jewelsoft.example"
    maria = UserFactory(username="maria", email="maria@alfa.gr", customer=org_a)
    UserFactory(username="nikos", email="nikos@alfa.gr", customer=org_a)
    UserFactory(username="old", email="old@alfa.gr", customer=org_a, is_active=False)
    UserFactory(username="petros", email="petros@vita.gr", customer=org_b)
    UserFactory(username="shared1", email="office@shared.gr", customer=org_a)
    UserFactory(username="shared2", email="office@shared.gr", customer=org_b)
    tech = TechnicianFactory(username="tech", email="tech@jewelsoft.example")
    t1 = lifecycle.ticket_create(customer=org_a, subject="Δεν τυπώνει η ταμειακή", body="",
                                 received_via=Ticket.ReceivedVia.PHONE, contact=maria, by=tech)
    return {"a": org_a, "maria": maria, "tech": tech, "t1": t1}


def _reply(ticket, by, body, capture, *, internal=False):
    with capture(execute=True):
        return lifecycle.ticket_reply(ticket=ticket, body=body, by=by, is_internal=internal)


def test_a_public_staff_reply_mails_the_contact_with_the_token(
        world, django_capture_on_commit_callbacks):
    t1, tech = world["t1"], world["tech"]
    _reply(t1, tech, "Κάντε επανεκκίνηση του εκτυπωτή.", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.recipients() == ["maria@alfa.gr"]
    assert subject_token(t1.pk) in sent.subject
    assert sent.reply_to == ["support@jewelsoft.example"]
    assert header_token(t1.pk) in sent.extra_headers["Message-ID"]
    assert re.fullmatch(rf"<{header_token(t1.pk)}\.[0-9a-f]{{32}}\.\d+@jewelsoft\.example>",
                        sent.extra_headers["Message-ID"])
    assert header_token(t1.pk) in sent.extra_headers["References"]
    assert sent.extra_headers["In-Reply-To"] == f"<{header_token(t1.pk)}@jewelsoft.example>"
    assert sent.extra_headers["X-Auto-Response-Suppress"] == "All"
    raw = sent.message().as_bytes()
    assert b"charset=\"utf-8\"" in raw or b"charset=utf-8" in raw
    assert "Κάντε επανεκκίνηση του εκτυπωτή." in sent.body
    assert "Η απάντησή μας" in sent.body  # Greek by default
    # The portal link is on the configured site, never a relative path.
    assert f"{settings.SUPPORTDESK_SITE_URL.rstrip('/')}/portal/" in sent.body
    assert f"/portal/requests/{t1.pk}/" in sent.body


def test_an_internal_note_sends_nothing_and_never_leaks(world, django_capture_on_commit_callbacks):
    t1, tech = world["t1"], world["tech"]
    _reply(t1, tech, "ΕΣΩΤΕΡΙΚΟ: ο πελάτης χρωστάει", django_capture_on_commit_callbacks,
           internal=True)
    assert mail.outbox == []
    _reply(t1, tech, "Δημόσια απάντηση", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert all("ΕΣΩΤΕΡΙΚΟ" not in m.body and "ΕΣΩΤΕΡΙΚΟ" not in m.subject for m in mail.outbox)


def test_a_customer_reply_sends_no_mail(world, django_capture_on_commit_callbacks):
    _reply(world["t1"], world["maria"], "Ευχαριστώ", django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_header_injection_in_the_subject_is_flattened_and_recipients_exact(
        world, django_capture_on_commit_callbacks):
    # Given a request whose subject and staff name carry a header injection
    t1, tech = world["t1"], world["tech"]
    Ticket.objects.filter(pk=t1.pk).update(subject="Βλάβη\r\nBcc: x@evil.example")
    t1.refresh_from_db()
    tech.first_name = "Γιώργος\r\nBcc: y@evil.example"
    tech.save()
    world["a"].name = "Άλφα\r\nBcc: z@evil.example"
    world["a"].save()
    # When staff reply publicly
    _reply(t1, tech, "Απάντηση", django_capture_on_commit_callbacks)
    # Then exactly the contact gets it and no header was injected
    sent = mail.outbox[0]
    assert sent.recipients() == ["maria@alfa.gr"]
    assert sent.bcc == [] and sent.cc == []
    assert "\n" not in sent.subject and "\r" not in sent.subject
    headers = sent.message().as_bytes().split(b"\n\n", 1)[0]
    assert not any(line.lower().startswith(b"bcc:") for line in headers.splitlines())
    assert b"evil.example" not in headers.replace(b"\r\n ", b" ").split(b"Subject:")[0]


def test_without_a_contact_every_active_user_of_the_customer_is_mailed(
        world, django_capture_on_commit_callbacks):
    t1 = world["t1"]
    Ticket.objects.filter(pk=t1.pk).update(contact=None)
    t1.refresh_from_db()
    UserFactory(username="bad", email="", customer=world["a"])
    _reply(t1, world["tech"], "Προς όλους", django_capture_on_commit_callbacks)
    # one mail each (a notification per recipient), one per address
    recipients = sorted(to for sent in mail.outbox for to in sent.recipients())
    assert recipients == ["maria@alfa.gr", "nikos@alfa.gr", "office@shared.gr"]
    assert all("Προς όλους" in sent.body for sent in mail.outbox)


def test_a_mail_failure_does_not_undo_the_reply(world, django_capture_on_commit_callbacks,
                                                settings):
    settings.EMAIL_BACKEND = "supportdesk.tickets.tests.test_notices.BrokenBackend"
    message = _reply(world["t1"], world["tech"], "Απάντηση", django_capture_on_commit_callbacks)
    assert message.pk is not None and not message.is_internal


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp down")
