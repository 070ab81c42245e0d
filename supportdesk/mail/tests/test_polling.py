"""Mailbox polling against a real Dovecot on 127.0.0.1 (``dovecot.py``): mail appended to the
IMAP folder becomes a request on the next poll, is moved or flagged, is filed once however
often it is polled, and a failing mailbox keeps its error and its time."""

from io import StringIO

import pytest
from django.core.management import call_command
from imapclient import IMAPClient

from supportdesk.mail import polling
from supportdesk.mail.models import InboundMessage, Mailbox
from supportdesk.mail.polling import mailbox_poll, mailboxes_poll
from supportdesk.mail.tasks import mail_poll_task
from supportdesk.notifications.tokens import header_token, subject_token
from supportdesk.tickets.models import Message, Ticket

from .factories import raw_mail

GREEK_QUOTE = """Ευχαριστώ, τώρα τυπώνει κανονικά.

Με εκτίμηση,
Μαρία

Στις Δευ, 1 Δεκ 2026 στις 10:00, ο/η Υποστήριξη Jewelsoft <support@jewelsoft.example> έγραψε:
> Καλημέρα, κάντε επανεκκίνηση της ταμειακής.
>
> On Sun, 30 Nov 2026 at 18:00, Maria <maria@alfa.gr> wrote:
>> Δεν τυπώνει η ταμειακή.
"""

ENGLISH_QUOTE = """It prints again, thank you.

Sent from my iPhone

On Mon, 1 Dec 2026 at 10:00, Jewelsoft Support <support@jewelsoft.example> wrote:
> Good morning, please restart the register.
>
> Στις Κυρ, 30 Νοε 2026 στις 18:00, ο/η Maria <maria@alfa.gr> έγραψε:
>> Δεν τυπώνει η ταμειακή.
"""


class Box:
    """One IMAP account of the test Dovecot and its Mailbox row."""

    def __init__(self, server, **mailbox_fields):
        self.server = server
        self.user, self.password = server.account()
        fields = {"name": self.user, "host": server.host, "port": server.port,
                  "security": Mailbox.Security.NONE, "username": self.user,
                  "folder": "INBOX", "processed_folder": "Processed"}
        fields.update(mailbox_fields)
        self.mailbox = Mailbox(**fields)
        self.mailbox.set_password(self.password)
        self.mailbox.full_clean()
        self.mailbox.save()

    def client(self) -> IMAPClient:
        client = IMAPClient(self.server.host, port=self.server.port, ssl=False, timeout=10)
        client.login(self.user, self.password)
        return client

    def append(self, raw: bytes, folder: str | None = None) -> None:
        with self.client() as c:
            folder = folder or self.mailbox.folder
            if not c.folder_exists(folder):
                c.create_folder(folder)
            c.append(folder, raw)

    def uids(self, folder: str) -> list[int]:
        with self.client() as c:
            if not c.folder_exists(folder):
                return []
            c.select_folder(folder, readonly=True)
            return c.search(["ALL"])

    def flags(self, folder: str = "INBOX") -> dict[int, tuple]:
        with self.client() as c:
            c.select_folder(folder, readonly=True)
            return c.get_flags(c.search(["ALL"]))

    def poll(self):
        self.mailbox.refresh_from_db()
        return mailbox_poll(self.mailbox)


@pytest.fixture
def box(dovecot_server, db):
    return Box(dovecot_server)


def test_a_customers_mail_becomes_a_request_and_is_moved(world, box):
    # Given a customer's mail in the IMAP inbox
    box.append(raw_mail(subject="Δεν ανοίγει το πρόγραμμα", body="Από το πρωί.",
                        message_id="<new-1@alfa.gr>"))
    # When the mailbox is polled
    result = box.poll()
    # Then it is a new request of the customer, received by e-mail
    assert result.error == "" and result.statuses == {"created": 1}
    row = InboundMessage.objects.get(message_id="<new-1@alfa.gr>")
    assert row.status == "created" and row.mailbox == box.mailbox and row.mailbox_uid == 1
    assert row.ticket.customer == world["a"]
    assert row.ticket.received_via == Ticket.ReceivedVia.EMAIL
    assert row.ticket.subject == "Δεν ανοίγει το πρόγραμμα"
    # and the message moved out of the inbox into the processed folder
    assert box.uids("INBOX") == [] and len(box.uids("Processed")) == 1
    box.mailbox.refresh_from_db()
    assert box.mailbox.last_uid == 1 and box.mailbox.uidvalidity
    assert box.mailbox.last_success_at and box.mailbox.last_error == ""
    assert not box.mailbox.is_failing
    # When it is polled again, nothing new is filed
    assert box.poll().statuses == {}
    assert InboundMessage.objects.count() == 1


def test_flag_mode_marks_seen_and_keyword_and_files_once(world, box):
    Mailbox.objects.filter(pk=box.mailbox.pk).update(processed_action=Mailbox.Action.FLAG)
    raw = raw_mail(subject="Κλείσιμο ημέρας", message_id="<flag-1@alfa.gr>")
    box.append(raw)
    assert box.poll().statuses == {"created": 1}
    (flags,) = box.flags().values()
    assert b"\\Seen" in flags and b"$SupportdeskFiled" in flags
    # Polling again, even from scratch (last_uid lost), skips what carries our keyword
    Mailbox.objects.filter(pk=box.mailbox.pk).update(last_uid=0)
    assert box.poll().statuses == {}
    # A redelivery (the same message appended again: a new UID) is a recorded duplicate
    box.append(raw)
    assert box.poll().statuses == {"ignored": 1}
    assert InboundMessage.objects.filter(reason="duplicate").count() == 1
    assert Ticket.objects.filter(received_via=Ticket.ReceivedVia.EMAIL).count() == 1


def test_a_reply_with_greek_and_english_history_lands_without_the_quote(world, box):
    t1 = world["t1"]
    for n, body in enumerate([GREEK_QUOTE, ENGLISH_QUOTE]):
        box.append(raw_mail(subject=f"Απ: Δεν τυπώνει η ταμειακή {subject_token(t1.pk)}",
                            body=body, message_id=f"<reply-{n}@alfa.gr>",
                            headers={"In-Reply-To": f"<{header_token(t1.pk)}@x>"}))
    result = box.poll()
    assert result.statuses == {"appended": 2}
    greek, english = Message.objects.filter(ticket=t1).order_by("id")
    assert greek.body == "Ευχαριστώ, τώρα τυπώνει κανονικά."
    assert english.body == "It prints again, thank you."
    # The full text is kept on the intake row, one click away on the ticket page
    rows = {r.ticket_message_id: r for r in InboundMessage.objects.filter(ticket=t1)}
    assert rows[greek.pk].body_trimmed and "Κάντε επανεκκίνηση".lower() in (
        rows[greek.pk].body_full.lower())
    assert "Με εκτίμηση" in rows[greek.pk].body_full
    assert "please restart the register" in rows[english.pk].body_full
    # Redelivery of both: nothing new on the request
    Mailbox.objects.filter(pk=box.mailbox.pk).update(last_uid=0)
    for n, body in enumerate([GREEK_QUOTE, ENGLISH_QUOTE]):
        box.append(raw_mail(subject=f"Απ: {subject_token(t1.pk)}", body=body,
                            message_id=f"<reply-{n}@alfa.gr>"))
    assert box.poll().statuses == {"ignored": 2}
    assert Message.objects.filter(ticket=t1).count() == 2


def test_a_wrong_password_is_stored_as_the_mailbox_error(world, box):
    box.mailbox.set_password("not-the-password")
    box.mailbox.save()
    box.append(raw_mail(message_id="<waits@alfa.gr>"))
    result = box.poll()
    assert "AUTHENTICATIONFAILED" in result.error or "Authentication failed" in result.error
    box.mailbox.refresh_from_db()
    assert box.mailbox.last_error == result.error and box.mailbox.last_error_at
    assert box.mailbox.is_failing and box.mailbox.last_success_at is None
    assert InboundMessage.objects.count() == 0
    assert box.uids("INBOX") == [1]  # untouched, waits for the fixed password
    # The periodic job reports it and does not raise
    assert "error" in mail_poll_task()[box.mailbox.name]
    # Fixed: the next poll files it and the mailbox is no longer failing
    box.mailbox.set_password(box.password)
    box.mailbox.save()
    assert box.poll().statuses == {"created": 1}
    box.mailbox.refresh_from_db()
    assert not box.mailbox.is_failing


def test_a_refused_connection_is_stored_and_other_mailboxes_still_polled(world, box,
                                                                          dovecot_server):
    dead = Mailbox(name="dead", host="127.0.0.1", port=1, security=Mailbox.Security.NONE,
                   username="x")
    dead.set_password("x")
    dead.save()
    box.append(raw_mail(message_id="<alive@alfa.gr>"))
    results = {r.mailbox: r for r in mailboxes_poll()}
    assert "ConnectionRefusedError" in results["dead"].error
    assert results[box.mailbox.name].statuses == {"created": 1}
    dead.refresh_from_db()
    assert dead.last_error.startswith("ConnectionRefusedError") and dead.last_error_at
    # The command polls once and exits 1 when a mailbox failed
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("poll_mailboxes", stdout=out, stderr=err)
    assert exit_.value.code == 1
    assert "dead: error" in err.getvalue() and f"{box.mailbox.name}: nothing new" in (
        out.getvalue())


def test_a_changed_uidvalidity_reads_the_folder_again(world, dovecot_server, db):
    box = Box(dovecot_server, folder="Support")
    first = raw_mail(subject="Πρώτο", message_id="<uv-1@alfa.gr>")
    box.append(first)
    assert box.poll().statuses == {"created": 1}
    box.mailbox.refresh_from_db()
    old_validity = box.mailbox.uidvalidity
    # The folder is deleted and made again (its UIDs start over, under a new UIDVALIDITY)
    with box.client() as c:
        c.delete_folder("Support")
        c.create_folder("Support")
    box.append(first)
    box.append(raw_mail(subject="Δεύτερο", message_id="<uv-2@alfa.gr>"))
    result = box.poll()
    assert result.uidvalidity_reset
    assert result.statuses == {"ignored": 1, "created": 1}  # the first one is a duplicate
    box.mailbox.refresh_from_db()
    assert box.mailbox.uidvalidity != old_validity and box.mailbox.last_uid == 2
    assert Ticket.objects.filter(received_via=Ticket.ReceivedVia.EMAIL).count() == 2


def test_an_unreadable_stored_password_is_an_error_not_a_crash(world, box, settings):
    settings.MAIL_SECRET_KEY = "another-key-after-a-rotation"
    result = box.poll()
    assert "SecretUnreadable" in result.error
    box.mailbox.refresh_from_db()
    assert box.mailbox.is_failing


def test_a_dmarc_failure_is_quarantined_and_does_not_block_the_genuine_mail(world, box,
                                                                           settings):
    settings.MAIL_AUTHSERV_ID = "mx.jewelsoft.example"
    forged = raw_mail(subject="Αλλαγή IBAN", message_id="<iban@alfa.gr>", headers={
        "Authentication-Results": "mx.jewelsoft.example; spf=fail smtp.mailfrom=alfa.gr; "
                                  "dmarc=fail (p=none) header.from=alfa.gr"})
    genuine = raw_mail(subject="Αλλαγή IBAN", message_id="<iban@alfa.gr>", headers={
        "Authentication-Results": "mx.jewelsoft.example; spf=pass smtp.mailfrom=alfa.gr; "
                                  "dmarc=pass header.from=alfa.gr"})
    box.append(forged)
    box.append(genuine)
    assert box.poll().statuses == {"quarantined": 1, "created": 1}
    q, c = InboundMessage.objects.order_by("mailbox_uid")
    assert (q.reason, c.status) == ("auth_failed", "created")
    assert len(box.uids("Processed")) == 2  # both kept in the database, both moved


@pytest.mark.parametrize(("security", "port_attr"), [
    (Mailbox.Security.TLS, "tls_port"), (Mailbox.Security.STARTTLS, "port")])
def test_tls_checks_the_certificate(world, dovecot_server, db, monkeypatch, security,
                                    port_attr):
    box = Box(dovecot_server, security=security, port=getattr(dovecot_server, port_attr))
    box.append(raw_mail(message_id=f"<tls-{security}@alfa.gr>"))
    # The test server's self-signed certificate is not trusted: refused, nothing sent
    result = box.poll()
    assert "CERTIFICATE_VERIFY_FAILED" in result.error
    assert InboundMessage.objects.count() == 0
    # Trusted (as a private CA would be), the same mailbox is polled over TLS
    context = polling.ssl.create_default_context
    monkeypatch.setattr(polling.ssl, "create_default_context",
                        lambda: context(cafile=str(dovecot_server.cert_path)))
    assert box.poll().statuses == {"created": 1}
