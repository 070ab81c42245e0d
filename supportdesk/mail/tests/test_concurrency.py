"""Two deliveries of one Message-ID at the same moment (PostgreSQL): exactly one files it;
two pollers of one IMAP mailbox at the same moment file each message once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from imapclient import IMAPClient

from supportdesk.accounts.tests.factories import UserFactory
from supportdesk.mail.models import InboundMessage, Mailbox
from supportdesk.mail.polling import mailbox_poll
from supportdesk.mail.services import mail_ingest
from supportdesk.tickets.models import Ticket

from .factories import raw_mail

pytestmark = [
    pytest.mark.pg,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real PostgreSQL"),
]


@pytest.mark.django_db(transaction=True)
def test_parallel_duplicates_file_one_request(config, mail_settings, org_a):
    UserFactory(username="maria", email="maria@alfa.gr", customer=org_a)
    raw = raw_mail(subject="Ταυτόχρονα", message_id="<parallel-1@alfa.gr>")

    def deliver(_):
        try:
            return mail_ingest(raw).status
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(deliver, range(8)))
    assert statuses.count("created") == 1
    assert statuses.count("ignored") == 7
    assert InboundMessage.objects.count() == 8
    assert Ticket.objects.filter(received_via="email").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action", ["move", "flag"])
def test_two_pollers_at_once_file_each_message_once(config, mail_settings, org_a,
                                                    dovecot_server, action):
    """Two workers poll one real IMAP mailbox (Dovecot) at the same moment, three rounds of
    new mail: every message is filed exactly once (mailbox row lock, then Message-ID)."""
    UserFactory(username="maria", email="maria@alfa.gr", customer=org_a)
    user, password = dovecot_server.account()
    mailbox = Mailbox(name="race", host=dovecot_server.host, port=dovecot_server.port,
                      security=Mailbox.Security.NONE, username=user, processed_action=action)
    mailbox.set_password(password)
    mailbox.save()
    imap = IMAPClient(dovecot_server.host, port=dovecot_server.port, ssl=False, timeout=10)
    imap.login(user, password)
    total = 0
    for round_ in range(3):
        for i in range(8):
            imap.append("INBOX", raw_mail(subject=f"Γύρος {round_} #{i}",
                                          message_id=f"<race-{round_}-{i}@alfa.gr>"))
            total += 1
        barrier = threading.Barrier(2)
        results = []

        def poll(barrier=barrier, results=results):
            try:
                barrier.wait(timeout=10)
                results.append(mailbox_poll(Mailbox.objects.get(pk=mailbox.pk)))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=poll) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert [r.error for r in results] == ["", ""]
        assert sum(r.filed for r in results) == 8
        assert InboundMessage.objects.count() == total
        assert InboundMessage.objects.filter(status="created").count() == total
        assert Ticket.objects.filter(received_via="email").count() == total
    imap.select_folder("INBOX", readonly=True)
    left = imap.search(["ALL"])
    imap.logout()
    assert (left == []) if action == "move" else (len(left) == total)
