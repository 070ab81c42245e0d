"""Intake fixes of issue 10: a Message-ID first seen in quarantine does not block the same
id from a known customer later (and such a blocked copy can be processed again); our
receiving server's Authentication-Results with dmarc=fail / spf=fail for a customer's
domain quarantines the mail; replies are filed without their quoted history."""

import pytest

from supportdesk.accounts.tests.factories import ManagerFactory, UserFactory
from supportdesk.common.exceptions import ApplicationError
from supportdesk.mail.models import InboundMessage
from supportdesk.mail.services import inbound_reprocessable, mail_ingest, mail_reprocess
from supportdesk.notifications.tokens import subject_token
from supportdesk.tickets.models import Message, Ticket

from .factories import raw_mail

MX = "mx.jewelsoft.example"


@pytest.fixture
def authserv(settings):
    settings.MAIL_AUTHSERV_ID = MX
    settings.MAIL_QUARANTINE_ON_AUTH_FAIL = True
    return settings


def email_tickets() -> int:
    return Ticket.objects.filter(received_via=Ticket.ReceivedVia.EMAIL).count()


# --- A quarantined Message-ID does not block a known customer ------------------------------

def test_a_quarantined_message_id_does_not_block_a_known_customer_later(world):
    # Given a mail from an unknown address that is quarantined
    first = mail_ingest(raw_mail(sender="stranger@elsewhere.example", subject="Γεια",
                                 message_id="<same-id@alfa.gr>"))
    assert (first.status, first.reason) == ("quarantined", "unknown_sender")
    assert first.handled_message_id is None
    # When the same Message-ID comes from a known customer user
    second = mail_ingest(raw_mail(sender="maria@alfa.gr", subject="Γεια",
                                  message_id="<same-id@alfa.gr>"))
    # Then it is filed (a new request), not ignored as a duplicate
    assert second.status == "created"
    assert second.handled_message_id == "<same-id@alfa.gr>"
    # and a third copy is now the duplicate
    third = mail_ingest(raw_mail(sender="maria@alfa.gr", message_id="<same-id@alfa.gr>"))
    assert (third.status, third.reason) == ("ignored", "duplicate")
    assert email_tickets() == 1


def test_an_ignored_loop_message_does_not_hold_its_id(world):
    auto = mail_ingest(raw_mail(message_id="<loop@alfa.gr>",
                                headers={"Auto-Submitted": "auto-replied"}))
    assert (auto.status, auto.reason) == ("ignored", "auto_submitted")
    human = mail_ingest(raw_mail(message_id="<loop@alfa.gr>", subject="Άνθρωπος"))
    assert human.status == "created"


def test_reprocess_picks_up_a_duplicate_blocked_by_a_quarantined_copy(world):
    manager = ManagerFactory(username="boss")
    # Rows as an older intake left them: the quarantined copy held the Message-ID and the
    # customer's copy was ignored as its duplicate.
    quarantined = mail_ingest(raw_mail(sender="stranger@elsewhere.example",
                                       message_id="<old@alfa.gr>"))
    blocked = mail_ingest(raw_mail(sender="maria@alfa.gr", message_id="<old@alfa.gr>",
                                   subject="Χαμένο"))
    assert blocked.status == "created"  # today it is filed at once ...
    InboundMessage.objects.filter(pk=blocked.pk).update(  # ... so rebuild the old state
        status="ignored", reason="duplicate", ticket=None, handled_message_id=None)
    Ticket.objects.filter(received_via=Ticket.ReceivedVia.EMAIL).delete()
    InboundMessage.objects.filter(pk=quarantined.pk).update(
        handled_message_id="<old@alfa.gr>")
    # The data migration gives the quarantined row's id up (as 0002 does)
    InboundMessage.objects.exclude(status__in=("appended", "created")).update(
        handled_message_id=None)
    assert set(inbound_reprocessable()) == {quarantined, InboundMessage.objects.get(
        pk=blocked.pk)}
    # When the manager processes the blocked copy again, it becomes its request
    row = mail_reprocess(inbound=blocked, by=manager)
    assert row.status == "created" and row.ticket.subject == "Χαμένο"
    # and then it is no longer offered, nor is a duplicate of a filed message
    assert list(inbound_reprocessable()) == [quarantined]
    dup = mail_ingest(raw_mail(sender="maria@alfa.gr", message_id="<old@alfa.gr>"))
    assert (dup.status, dup.reason) == ("ignored", "duplicate")
    with pytest.raises(ApplicationError):
        mail_reprocess(inbound=dup, by=manager)
    assert email_tickets() == 1


def test_reprocessing_a_quarantined_copy_after_the_real_one_was_filed_is_a_duplicate(world):
    manager = ManagerFactory(username="boss")
    q = mail_ingest(raw_mail(sender="new@alfa.gr", message_id="<twice@alfa.gr>"))
    assert q.status == "quarantined"
    filed = mail_ingest(raw_mail(sender="maria@alfa.gr", message_id="<twice@alfa.gr>"))
    assert filed.status == "created"
    UserFactory(username="new", email="new@alfa.gr", customer=world["a"])
    again = mail_reprocess(inbound=q, by=manager)
    assert (again.status, again.reason) == ("ignored", "duplicate")
    assert email_tickets() == 1


# --- Authentication-Results ----------------------------------------------------------------

def _auth(results: str, server: str = MX) -> dict[str, str]:
    return {"Authentication-Results": f"{server}; {results}"}


@pytest.mark.parametrize("results", [
    "spf=pass smtp.mailfrom=alfa.gr; dkim=none; dmarc=fail (p=reject) header.from=alfa.gr",
    "spf=fail smtp.mailfrom=maria@alfa.gr; dmarc=none header.from=alfa.gr",
    "dmarc=fail header.from=alfa.gr",
    "dmarc=fail",  # no header.from: the From domain is meant
])
def test_a_dmarc_or_spf_failure_for_the_customers_domain_is_quarantined(world, authserv,
                                                                         results):
    row = mail_ingest(raw_mail(message_id="<forged@alfa.gr>", headers=_auth(results)))
    assert (row.status, row.reason) == ("quarantined", "auth_failed")
    assert MX in row.notes and "fail" in row.notes
    assert row.handled_message_id is None
    assert email_tickets() == 0
    # The genuine mail with the same Message-ID is still filed later
    genuine = mail_ingest(raw_mail(message_id="<forged@alfa.gr>",
                                   headers=_auth("spf=pass; dmarc=pass header.from=alfa.gr")))
    assert genuine.status == "created"


@pytest.mark.parametrize(("headers", "why"), [
    (_auth("dmarc=fail header.from=alfa.gr", server="mx.attacker.example"),
     "another server's header is not trusted"),
    (_auth("spf=softfail smtp.mailfrom=alfa.gr; dmarc=pass"), "softfail is not fail"),
    (_auth("spf=fail smtp.mailfrom=bounces.mailer.example; dmarc=pass header.from=alfa.gr"),
     "SPF failed for another domain (a mailing service's bounce address)"),
    (_auth("dmarc=fail header.from=vita.gr"), "the failure is about another domain"),
    ({"Authentication-Results": f"{MX} (comment; with=fail); dmarc=pass header.from=alfa.gr"},
     "a comment is not a result"),
    ({}, "no header at all"),
])
def test_what_does_not_quarantine(world, authserv, headers, why):
    row = mail_ingest(raw_mail(message_id="<ok@alfa.gr>", headers=headers))
    assert row.status == "created", why


def test_without_an_authserv_id_no_header_is_read(world, settings):
    settings.MAIL_AUTHSERV_ID = ""
    row = mail_ingest(raw_mail(headers=_auth("dmarc=fail header.from=alfa.gr")))
    assert row.status == "created"


def test_the_quarantine_on_auth_failure_can_be_turned_off(world, authserv):
    authserv.MAIL_QUARANTINE_ON_AUTH_FAIL = False
    row = mail_ingest(raw_mail(headers=_auth("dmarc=fail header.from=alfa.gr")))
    assert row.status == "created"


def test_a_forged_reply_to_a_request_is_quarantined_too(world, authserv):
    t1 = world["t1"]
    row = mail_ingest(raw_mail(subject=f"Απ: {subject_token(t1.pk)}", body="Πληρώστε εδώ",
                               headers=_auth("dmarc=fail header.from=alfa.gr")))
    assert (row.status, row.reason) == ("quarantined", "auth_failed")
    assert not Message.objects.filter(ticket=t1).exists()


def test_an_auth_failure_from_an_unknown_sender_keeps_its_reason(world, authserv):
    row = mail_ingest(raw_mail(sender="x@elsewhere.example",
                               headers=_auth("dmarc=fail header.from=elsewhere.example")))
    assert (row.status, row.reason) == ("quarantined", "unknown_sender")


# --- Clean replies on the intake -----------------------------------------------------------

def test_a_reply_is_filed_without_its_quote_and_the_full_text_is_kept(world):
    t1 = world["t1"]
    body = ("Δουλεύει πλέον.\n\nΣτις Τρί, 2 Δεκ 2026 στις 09:15, ο/η Jewelsoft "
            "<support@jewelsoft.example> έγραψε:\n> Δοκιμάστε τώρα.\n")
    row = mail_ingest(raw_mail(subject=f"Απ: Θέμα {subject_token(t1.pk)}", body=body))
    assert row.status == "appended"
    assert row.ticket_message.body == "Δουλεύει πλέον."
    assert row.body_trimmed and "Δοκιμάστε τώρα." in row.body_full


def test_a_new_mail_and_a_forward_are_not_cut(world):
    forward = ("Δείτε το παρακάτω σφάλμα.\n\n-----Original Message-----\nFrom: POS\n"
               "Sent: Monday\nTo: Maria\nSubject: Error 42\n\nError 42 at startup")
    row = mail_ingest(raw_mail(subject="Fwd: Error 42", body=forward,
                               headers={"References": "<pos-alert-1@pos.example>"}))
    assert row.status == "created"
    assert "Error 42 at startup" in row.ticket.body and not row.body_trimmed
    greek = mail_ingest(raw_mail(subject="ΠΡΘ: Σφάλμα", body=forward.replace("42", "43")))
    assert "Error 43 at startup" in greek.ticket.body
    new = mail_ingest(raw_mail(subject="Νέο", body="Καλημέρα\n\nOn Mon, X wrote:\n> y"))
    assert "On Mon, X wrote:" in new.ticket.body


def test_a_reply_to_a_closed_request_opens_its_follow_up_without_the_quote(world):
    t3 = world["t3"]
    body = "Ξανά το ίδιο.\n\nOn Mon, 1 Dec 2026 at 10:00, Support <s@x> wrote:\n> Έκλεισε."
    row = mail_ingest(raw_mail(subject=f"Re: {subject_token(t3.pk)}", body=body))
    assert row.status == "created"
    assert "Ξανά το ίδιο." in row.ticket.body and "Έκλεισε" not in row.ticket.body
    assert row.body_trimmed and "Έκλεισε" in row.body_full


# --- A contact who moved to another customer ----------------------------------------------

def test_a_contact_who_moved_answering_an_old_mail_opens_a_request_of_her_new_customer(world):
    # Given Maria, the contact of A's request T1, moved to customer B
    maria, t1 = world["maria"], world["t1"]
    maria.customer = world["b"]
    maria.save()
    # When she answers an old mail about T1 (its token verifies)
    row = mail_ingest(raw_mail(subject=f"Απ: {subject_token(t1.pk)} Δεν τυπώνει",
                               body="Ακόμα δεν τυπώνει.", message_id="<moved-1@alfa.gr>"))
    # Then nothing is written into A's request: it is a new request of B (not quarantine)
    assert row.status == "created" and row.ticket.customer == world["b"]
    assert not Message.objects.filter(ticket=t1, author=maria).exists()
    assert "non-participant" in row.notes
