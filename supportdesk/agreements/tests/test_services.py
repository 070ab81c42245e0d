"""§10: the life of an agreement for out-of-scope work (agreements.services).

Staff issue a quote (a fixed amount, or hours at a rate: the tariff's standard rate unless
agreed otherwise) on an out-of-scope request, revise or withdraw it while it is proposed;
the customer (or staff recording the customer's answer) accepts or declines it once; a
proposed quote past its validity date expires, and a late decision is refused and records
the expiry. Refusals write nothing. The customer is mailed on issue and revision, the
quote's author on the decision (after commit). The races run on PostgreSQL only.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext

from supportdesk.accounts.tests.factories import (
    ManagerFactory,
    TechnicianFactory,
    UserFactory,
)
from supportdesk.agreements.models import Quote
from supportdesk.agreements.services import (
    QUOTE_ALREADY_AGREED,
    QUOTE_ALREADY_OPEN,
    QUOTE_BAD_AMOUNT,
    QUOTE_BAD_KIND,
    QUOTE_BAD_MINUTES,
    QUOTE_BAD_RATE,
    QUOTE_EXPIRED,
    QUOTE_NEEDS_AMOUNT,
    QUOTE_NEEDS_TEXT,
    QUOTE_NOT_ALLOWED,
    QUOTE_NOT_OUT_OF_SCOPE,
    QUOTE_NOT_PROPOSED,
    QUOTE_ONLY_STAFF,
    QUOTE_TICKET_CLOSED,
    QUOTE_VALIDITY_PAST,
    QUOTE_VALIDITY_TOO_LONG,
    quote_accept,
    quote_decline,
    quote_issue,
    quote_revise,
    quote_withdraw,
    quotes_expire,
    standard_rate_for,
)
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.tests.helpers import at, in_threads
from supportdesk.contracts.selectors import tariff_to_domain, tariff_version_in_force
from supportdesk.contracts.services import calendar_seed_default, tariff_seed_default
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.tests.factories import TicketFactory
from supportdesk.worklog.services.agreements import agreement_accept

pytestmark = pytest.mark.django_db

# Wednesday 25 November 2026, 12:00 in Athens: inside org A's 2026 Basic contract.
NOW = at(2026, 11, 25, 12)
TODAY = dt.date(2026, 11, 25)


@pytest.fixture(autouse=True)
def frozen_now():
    """Quote validity is checked against today's local date: fix the clock."""
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def ticket(basic_contract, org_a, customer_a):
    """An open out-of-scope request of org A (operating system problems, §10)."""
    return TicketFactory(customer=org_a, category=Ticket.Category.OS,
                         status=Ticket.Status.OPEN)


def _issue(ticket, by, **kwargs):
    values = {"description": "Επανεγκατάσταση Windows στο ταμείο", "amount": "300,00",
              "valid_until": dt.date(2026, 12, 31)}
    values.update(kwargs)
    return quote_issue(ticket=ticket, by=by, **values)


def _nothing_written():
    assert not Quote.objects.exists()
    assert not Quote.history.exists()


# --------------------------------------------------------------------------- issue


def test_staff_issue_a_fixed_amount_quote(ticket, technician):
    # when a technician quotes a fixed amount, with the Greek decimal comma
    quote = _issue(ticket, technician, amount="300,00", estimated_minutes=180)
    # then it is proposed, revision 1, for that amount and no rate
    quote.refresh_from_db()
    assert quote.kind == Quote.Kind.FIXED
    assert quote.status == Quote.Status.PROPOSED and quote.is_open
    assert (quote.amount, quote.rate_per_hour) == (Decimal("300.00"), None)
    assert quote.valid_until == dt.date(2026, 12, 31)
    assert quote.revision == 1 and quote.created_by == technician
    assert quote.estimated_minutes == 180
    assert quote.decided_at is None and quote.decided_by is None
    # and its history records who issued it
    assert quote.history.count() == 1
    assert quote.history.get().history_user == technician


def test_an_hourly_quote_defaults_to_the_tariffs_standard_rate(ticket, technician, config):
    # when an hourly quote is issued without a rate
    quote = _issue(ticket, technician, kind=Quote.Kind.HOURLY, amount=None,
                   estimated_minutes=120)
    # then it carries the tariff's standard rate (50,00 €/h), even for a Basic customer
    quote.refresh_from_db()
    assert quote.kind == Quote.Kind.HOURLY and quote.amount is None
    tariff = tariff_to_domain(tariff_version_in_force(TODAY))
    assert quote.rate_per_hour == tariff.standard_rate_per_hour == Decimal("50.00")
    assert standard_rate_for(ticket) == quote.rate_per_hour


def test_an_hourly_quote_keeps_the_rate_agreed(ticket, manager):
    quote = _issue(ticket, manager, kind=Quote.Kind.HOURLY, amount=None,
                   rate_per_hour="45,50")
    quote.refresh_from_db()
    assert quote.rate_per_hour == Decimal("45.50") and quote.amount is None
    assert quote.as_agreement().rate_per_hour == Decimal("45.50")


def test_a_quote_without_a_validity_date_is_valid_for_30_days(ticket, technician):
    quote = _issue(ticket, technician, valid_until=None)
    assert quote.valid_until == TODAY + dt.timedelta(days=30)


def test_a_quote_may_be_valid_until_today_and_for_one_year(ticket, technician, org_a):
    assert _issue(ticket, technician, valid_until=TODAY).valid_until == TODAY
    other = TicketFactory(customer=org_a, category=Ticket.Category.HARDWARE)
    year = TODAY + dt.timedelta(days=365)
    assert _issue(other, technician, valid_until=year).valid_until == year


@pytest.mark.parametrize(("kwargs", "code", "message"), [
    ({"description": ""}, "description_required", QUOTE_NEEDS_TEXT),
    ({"description": "   \n "}, "description_required", QUOTE_NEEDS_TEXT),
    ({"kind": "barter"}, "bad_kind", QUOTE_BAD_KIND),
    ({"amount": None}, "amount_required", QUOTE_NEEDS_AMOUNT),
    ({"amount": "abc"}, "bad_amount", QUOTE_BAD_AMOUNT),
    ({"amount": "-1,00"}, "bad_amount", QUOTE_BAD_AMOUNT),
    ({"kind": "hourly", "amount": None, "rate_per_hour": "0,00"}, "bad_rate",
     QUOTE_BAD_RATE),
    ({"kind": "hourly", "amount": None, "rate_per_hour": "-45"}, "bad_amount",
     QUOTE_BAD_RATE),
    ({"kind": "hourly", "amount": None, "rate_per_hour": "πενήντα"}, "bad_amount",
     QUOTE_BAD_RATE),
    ({"estimated_minutes": 0}, "bad_minutes", QUOTE_BAD_MINUTES),
    ({"valid_until": dt.date(2026, 11, 24)}, "validity_past", QUOTE_VALIDITY_PAST),
    ({"valid_until": TODAY + dt.timedelta(days=367)}, "validity_too_long",
     QUOTE_VALIDITY_TOO_LONG),
    ({"valid_until": dt.date(9999, 12, 31)}, "date_range", None),
    ({"valid_until": "31/12/2026"}, "validity_required", None),
])
def test_bad_terms_are_refused_and_nothing_is_written(ticket, technician, kwargs, code,
                                                      message,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), \
            pytest.raises(ApplicationError) as exc:
        _issue(ticket, technician, **kwargs)
    assert exc.value.code == code
    if message is not None:
        assert exc.value.message == message
    _nothing_written()
    assert mail.outbox == []


def test_an_in_scope_request_is_not_quoted(org_a, technician, basic_contract):
    ticket = TicketFactory(customer=org_a, category=Ticket.Category.PROGRAM_FAULT)
    with pytest.raises(ApplicationError) as exc:
        _issue(ticket, technician)
    assert (exc.value.code, exc.value.message) == ("not_out_of_scope", QUOTE_NOT_OUT_OF_SCOPE)
    _nothing_written()


def test_a_closed_request_is_not_quoted(org_a, technician, basic_contract):
    ticket = TicketFactory(customer=org_a, category=Ticket.Category.VIRUS,
                           status=Ticket.Status.CLOSED)
    with pytest.raises(ApplicationError) as exc:
        _issue(ticket, technician)
    assert (exc.value.code, exc.value.message) == ("ticket_closed", QUOTE_TICKET_CLOSED)
    _nothing_written()


def test_a_customer_user_cannot_issue_a_quote(ticket, customer_a):
    with pytest.raises(ApplicationError) as exc:
        _issue(ticket, customer_a)
    assert (exc.value.code, exc.value.message) == ("not_staff", QUOTE_ONLY_STAFF)
    _nothing_written()


def test_an_inactive_technician_cannot_issue_a_quote(ticket):
    former = TechnicianFactory(is_active=False)
    with pytest.raises(ApplicationError):
        _issue(ticket, former)
    _nothing_written()


def test_a_second_proposed_quote_is_refused(ticket, technician, manager):
    first = _issue(ticket, technician)
    with pytest.raises(ApplicationError) as exc:
        _issue(ticket, manager, amount="250,00")
    assert (exc.value.code, exc.value.message) == ("already_open", QUOTE_ALREADY_OPEN)
    assert list(Quote.objects.values_list("pk", flat=True)) == [first.pk]
    assert Quote.history.count() == 1


def test_no_quote_once_one_is_accepted(ticket, technician, customer_a):
    accepted = quote_accept(quote=_issue(ticket, technician), by=customer_a)
    before = Quote.history.count()
    with pytest.raises(ApplicationError) as exc:
        _issue(ticket, technician, amount="50,00")
    assert (exc.value.code, exc.value.message) == ("already_agreed", QUOTE_ALREADY_AGREED)
    assert list(Quote.objects.values_list("pk", "status")) == [
        (accepted.pk, Quote.Status.ACCEPTED)]
    assert Quote.history.count() == before


def test_a_new_quote_after_a_declined_or_withdrawn_one(ticket, technician, customer_a):
    quote_decline(quote=_issue(ticket, technician), by=customer_a)
    quote_withdraw(quote=_issue(ticket, technician, amount="280,00"), by=technician)
    third = _issue(ticket, technician, amount="260,00")
    assert third.status == Quote.Status.PROPOSED
    assert Quote.objects.filter(ticket=ticket).count() == 3


# --------------------------------------------------------------------------- revise


def test_revising_changes_the_terms_and_raises_the_revision(ticket, technician, manager):
    quote = _issue(ticket, technician, estimated_minutes=120)
    # when a manager revises it to hours at an agreed rate, valid for longer
    revised = quote_revise(quote=quote, by=manager, description="Νέα εγκατάσταση και δίκτυο",
                           kind=Quote.Kind.HOURLY, valid_until=dt.date(2027, 1, 15),
                           rate_per_hour="40,00", estimated_minutes=240)
    # then the same quote, revision 2, has the new terms (no fixed amount any more)
    revised.refresh_from_db()
    assert revised.pk == quote.pk and revised.revision == 2
    assert revised.status == Quote.Status.PROPOSED
    assert (revised.kind, revised.amount, revised.rate_per_hour) == (
        Quote.Kind.HOURLY, None, Decimal("40.00"))
    assert revised.description == "Νέα εγκατάσταση και δίκτυο"
    assert revised.valid_until == dt.date(2027, 1, 15)
    assert revised.estimated_minutes == 240
    assert revised.created_by == technician  # the author stays
    # and the history keeps both revisions, the second by the manager
    rows = list(revised.history.order_by("history_date", "history_id"))
    assert [(r.revision, r.kind, r.amount) for r in rows] == [
        (1, "fixed", Decimal("300.00")), (2, "hourly", None)]
    assert rows[-1].history_user == manager


def test_bad_revised_terms_change_nothing(ticket, technician):
    quote = _issue(ticket, technician)
    with pytest.raises(ApplicationError) as exc:
        quote_revise(quote=quote, by=technician, description="x", kind="fixed",
                     valid_until=dt.date(2026, 11, 1), amount="10")
    assert exc.value.code == "validity_past"
    quote.refresh_from_db()
    assert (quote.revision, quote.amount, quote.description) == (
        1, Decimal("300.00"), "Επανεγκατάσταση Windows στο ταμείο")
    assert quote.history.count() == 1


def test_a_customer_cannot_revise(ticket, technician, customer_a):
    quote = _issue(ticket, technician)
    with pytest.raises(ApplicationError) as exc:
        quote_revise(quote=quote, by=customer_a, description="Δωρεάν", kind="fixed",
                     valid_until=None, amount="0")
    assert exc.value.code == "not_staff"
    quote.refresh_from_db()
    assert (quote.revision, quote.amount) == (1, Decimal("300.00"))


@pytest.mark.parametrize("decide", ["accept", "decline", "withdraw"])
def test_a_decided_quote_is_never_revised(ticket, technician, customer_a, decide):
    quote = _issue(ticket, technician)
    if decide == "accept":
        quote_accept(quote=quote, by=customer_a)
    elif decide == "decline":
        quote_decline(quote=quote, by=customer_a)
    else:
        quote_withdraw(quote=quote, by=technician)
    decided = Quote.objects.get(pk=quote.pk)
    with pytest.raises(ApplicationError) as exc:
        quote_revise(quote=quote, by=technician, description="Αλλαγή", kind="fixed",
                     valid_until=None, amount="100")
    assert (exc.value.code, exc.value.message) == ("decided", QUOTE_NOT_PROPOSED)
    again = Quote.objects.get(pk=quote.pk)
    assert (again.revision, again.amount, again.status, again.updated_at) == (
        decided.revision, decided.amount, decided.status, decided.updated_at)


# --------------------------------------------------------------------------- withdraw


def test_staff_withdraw_a_proposed_quote(ticket, technician, manager):
    quote = _issue(ticket, technician)
    withdrawn = quote_withdraw(quote=quote, by=manager, reason="  Ο πελάτης το έλυσε  ")
    withdrawn.refresh_from_db()
    assert withdrawn.status == Quote.Status.WITHDRAWN and not withdrawn.is_open
    assert withdrawn.decided_by == manager and withdrawn.decided_at == NOW
    assert withdrawn.decision_note == "Ο πελάτης το έλυσε"
    assert withdrawn.history.first().history_user == manager


def test_withdrawing_is_for_staff_and_only_while_proposed(ticket, technician, customer_a):
    quote = _issue(ticket, technician)
    with pytest.raises(ApplicationError) as exc:
        quote_withdraw(quote=quote, by=customer_a)
    assert exc.value.code == "not_staff"
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.PROPOSED
    # an accepted quote binds both sides and stays
    quote_accept(quote=quote, by=customer_a)
    with pytest.raises(ApplicationError) as exc:
        quote_withdraw(quote=quote, by=technician)
    assert (exc.value.code, exc.value.message) == ("decided", QUOTE_NOT_PROPOSED)
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.ACCEPTED


# --------------------------------------------------------------------------- decide


@pytest.mark.parametrize("decide", [quote_accept, quote_decline, agreement_accept])
@pytest.mark.parametrize("who", ["customer", "technician", "manager"])
def test_the_own_customer_or_staff_decide(ticket, technician, manager, customer_a, decide,
                                          who):
    deciding = {"customer": customer_a, "technician": technician, "manager": manager}[who]
    quote = _issue(ticket, technician)
    decided = decide(quote=quote, by=deciding, note="Με email της 25/11")
    decided.refresh_from_db()
    expected = (Quote.Status.DECLINED if decide is quote_decline else Quote.Status.ACCEPTED)
    assert decided.status == expected
    assert decided.decided_by == deciding and decided.decided_at == NOW
    assert decided.decision_note == "Με email της 25/11"
    assert decided.accepted_at == (NOW if expected == Quote.Status.ACCEPTED else None)


@pytest.mark.parametrize("decide", [quote_accept, quote_decline, agreement_accept])
def test_another_customer_cannot_decide(ticket, technician, customer_b, decide):
    quote = _issue(ticket, technician)
    with pytest.raises(ApplicationError) as exc:
        decide(quote=quote, by=customer_b)
    assert (exc.value.code, exc.value.message) == ("not_allowed", QUOTE_NOT_ALLOWED)
    again = Quote.objects.get(pk=quote.pk)
    assert (again.status, again.decided_at, again.decided_by) == (
        Quote.Status.PROPOSED, None, None)
    assert again.history.count() == 1


def test_an_inactive_customer_user_or_nobody_cannot_decide(ticket, technician, org_a):
    quote = _issue(ticket, technician)
    former = UserFactory(customer=org_a, is_active=False)
    for by in (former, None):
        with pytest.raises(ApplicationError) as exc:
            quote_accept(quote=quote, by=by)
        assert exc.value.code == "not_allowed"
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.PROPOSED


@pytest.mark.parametrize(("first", "second"), [
    (quote_accept, quote_accept), (quote_accept, quote_decline),
    (quote_decline, quote_accept), (quote_decline, quote_decline),
    (quote_decline, agreement_accept), (agreement_accept, quote_decline),
])
def test_a_quote_is_decided_once(ticket, technician, manager, customer_a, first, second):
    quote = _issue(ticket, technician)
    first(quote=quote, by=customer_a)
    decided = Quote.objects.get(pk=quote.pk)
    with pytest.raises(ApplicationError) as exc:
        second(quote=quote, by=manager)
    assert (exc.value.code, exc.value.message) == ("decided", QUOTE_NOT_PROPOSED)
    again = Quote.objects.get(pk=quote.pk)
    assert (again.status, again.decided_at, again.decided_by_id, again.updated_at) == (
        decided.status, decided.decided_at, decided.decided_by_id, decided.updated_at)
    assert again.history.count() == decided.history.count()


def test_a_quote_may_be_accepted_on_its_last_valid_day(ticket, technician, customer_a):
    quote = _issue(ticket, technician, valid_until=dt.date(2026, 11, 30))
    with time_machine.travel(at(2026, 11, 30, 23, 50), tick=False):  # local day inclusive
        accepted = quote_accept(quote=quote, by=customer_a)
    assert accepted.status == Quote.Status.ACCEPTED


@pytest.mark.parametrize("decide", [quote_accept, quote_decline, agreement_accept])
def test_a_late_decision_is_refused_and_the_quote_stays_expired(ticket, technician,
                                                                customer_a, decide):
    # given a quote valid until Monday 30 November
    quote = _issue(ticket, technician, valid_until=dt.date(2026, 11, 30))
    # when the customer answers on Tuesday 1 December (just after midnight, Athens time)
    with time_machine.travel(at(2026, 12, 1, 0, 5), tick=False), \
            pytest.raises(ApplicationError) as exc:
        decide(quote=quote, by=customer_a)
    # then it is refused with the expired message naming the last valid day
    assert exc.value.code == "expired"
    assert exc.value.message == QUOTE_EXPIRED % {"day": "30/11/2026"}
    assert "30/11/2026" in str(exc.value.message)
    # and the expiry is recorded (kept although the decision was refused)
    expired = Quote.objects.get(pk=quote.pk)
    assert expired.status == Quote.Status.EXPIRED
    assert expired.decided_by is None and expired.decided_at is not None
    # and a second try is told it was decided, not accepted
    with pytest.raises(ApplicationError) as exc:
        quote_accept(quote=quote, by=customer_a)
    assert exc.value.code == "decided"
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.EXPIRED


def test_quotes_expire_only_touches_proposed_quotes_past_validity(org_a, technician,
                                                                  customer_a,
                                                                  basic_contract):
    def oos_ticket():
        return TicketFactory(customer=org_a, category=Ticket.Category.NETWORK_STORAGE)

    # given quotes issued on 20 November
    with time_machine.travel(at(2026, 11, 20, 12), tick=False):
        late = [_issue(oos_ticket(), technician, valid_until=dt.date(2026, 11, d))
                for d in (20, 24)]
        due_today = _issue(oos_ticket(), technician, valid_until=TODAY)
        later = _issue(oos_ticket(), technician, valid_until=dt.date(2026, 12, 31))
        accepted = _issue(oos_ticket(), technician, valid_until=dt.date(2026, 11, 21))
        quote_accept(quote=accepted, by=customer_a)
        declined = _issue(oos_ticket(), technician, valid_until=dt.date(2026, 11, 21))
        quote_decline(quote=declined, by=customer_a)
        withdrawn = _issue(oos_ticket(), technician, valid_until=dt.date(2026, 11, 21))
        quote_withdraw(quote=withdrawn, by=technician)
    untouched = {q.pk: (q.status, q.updated_at, q.decided_at)
                 for q in Quote.objects.exclude(pk__in=[q.pk for q in late])}
    # when the daily job runs on 25 November
    count = quotes_expire()
    # then the two proposed quotes past their validity expired, and only they
    assert count == 2
    assert set(Quote.objects.filter(status=Quote.Status.EXPIRED).values_list(
        "pk", flat=True)) == {q.pk for q in late}
    assert {q.pk: (q.status, q.updated_at, q.decided_at)
            for q in Quote.objects.exclude(pk__in=[q.pk for q in late])} == untouched
    assert Quote.objects.get(pk=due_today.pk).status == Quote.Status.PROPOSED
    assert Quote.objects.get(pk=later.pk).status == Quote.Status.PROPOSED
    # and running it again changes nothing
    assert quotes_expire() == 0
    # and with a later day the one due today goes too
    assert quotes_expire(today=dt.date(2026, 11, 26)) == 1
    assert Quote.objects.get(pk=due_today.pk).status == Quote.Status.EXPIRED
    assert Quote.objects.get(pk=later.pk).status == Quote.Status.PROPOSED


def test_quotes_expire_sends_no_mail(ticket, technician, django_capture_on_commit_callbacks):
    _issue(ticket, technician, valid_until=TODAY)
    mail.outbox.clear()
    with time_machine.travel(at(2026, 11, 27, 9), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        assert quotes_expire() == 1
    assert mail.outbox == []


# --------------------------------------------------------------------------- mails


def test_the_customer_is_mailed_the_fixed_amount_and_validity(ticket, technician,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        quote = _issue(ticket, technician, amount="300,00",
                       valid_until=dt.date(2026, 12, 31))
    message = mail.outbox[-1]
    assert len(mail.outbox) == 1
    assert message.to == ["alice@example.com"]
    assert ticket.reference in message.subject
    assert "300,00" in message.body  # the amount, in the Greek format
    assert "31/12/2026" in message.body  # the validity date
    assert quote.description in message.body
    assert f"/portal/requests/{ticket.pk}/" in message.body


def test_the_customer_is_mailed_the_revised_rate_and_validity(ticket, technician,
                                                              django_capture_on_commit_callbacks):
    quote = _issue(ticket, technician)
    with django_capture_on_commit_callbacks(execute=True):
        quote_revise(quote=quote, by=technician, description="Ώρες εργασίας στο δίκτυο",
                     kind=Quote.Kind.HOURLY, valid_until=dt.date(2027, 1, 15),
                     rate_per_hour="45,50", estimated_minutes=150)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    assert ticket.reference in message.subject
    assert "45,50" in message.body
    assert "15/01/2027" in message.body
    assert "2:30" in message.body  # the estimate, in hours
    assert "Ώρες εργασίας στο δίκτυο" in message.body
    assert "300,00" not in message.body  # the old terms are not repeated


def test_no_mail_is_sent_when_the_issue_is_refused(ticket, technician,
                                                   django_capture_on_commit_callbacks):
    _issue(ticket, technician)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ApplicationError):
        _issue(ticket, technician)
    assert mail.outbox == []


def _untranslated(*msgids: str) -> list[str]:
    """The msgids with no Greek translation in the catalogs (read once, at collection)."""
    with translation.override("el"):
        return [m for m in msgids if gettext(m) == m]


CUSTOMER_MAIL_MSGIDS = (
    "Quote for your request %(ref)s", "Revised quote for your request %(ref)s",
    "The work below is outside what your support contract covers (§10 of the terms); we "
    "can do it under this agreement:",
    "Fixed amount: %(amount)s excl. VAT, whatever the time it takes.",
    "Hours at a rate: %(rate)s per hour excl. VAT, for the time logged.",
    "Valid until %(day)s.", "Accept or decline it in the customer portal: %(link)s",
)
STAFF_MAIL_MSGIDS = ("Quote accepted: %(ref)s", "Quote declined: %(ref)s",
                     "Fixed amount: %(amount)s excl. VAT, whatever the time it takes.")


# A strict xfail while the catalogs lack these texts (the bug); a plain test once they
# have them (supportdesk/agreements/locale was being written when these tests were).
@pytest.mark.xfail(bool(_untranslated(*CUSTOMER_MAIL_MSGIDS)), strict=True, reason=(
    "The §10 quote mails are not translated: no catalog has the msgids of "
    "agreements/services.py _mail_customer / quote_terms_text (\"Quote for your request "
    "%(ref)s\", \"Revised quote for your request %(ref)s\", \"Valid until %(day)s.\", "
    "\"Fixed amount: ...\", \"Hours at a rate: ...\", ...), so under LANGUAGE_CODE 'el' "
    "the customer's mail is sent in English"))
def test_the_customer_mail_is_in_greek(ticket, technician, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        quote = _issue(ticket, technician, amount="300,00")
        quote_revise(quote=quote, by=technician, description="Επανεγκατάσταση",
                     kind=Quote.Kind.HOURLY, valid_until=None, rate_per_hour="45,50")
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        subject = message.subject.replace(ticket.reference, "")
        assert re.search("[Α-Ωα-ωάέήίόύώ]", subject), message.subject
        for english in ("Quote for your request", "Revised quote", "Valid until",
                        "Fixed amount", "Hours at a rate", "excl. VAT", "Accept or decline",
                        "support contract"):
            assert english not in message.subject + message.body, english


@pytest.mark.xfail(bool(_untranslated(*STAFF_MAIL_MSGIDS)), strict=True, reason=(
    "The staff mail on a §10 decision is not translated: no catalog has \"Quote accepted: "
    "%(ref)s\" / \"Quote declined: %(ref)s\" / the terms sentence (agreements/services.py "
    "_mail_staff), so under LANGUAGE_CODE 'el' it is sent in English"))
def test_the_staff_mail_is_in_greek(ticket, technician, customer_a,
                                    django_capture_on_commit_callbacks):
    quote = _issue(ticket, technician)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        quote_accept(quote=quote, by=customer_a)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert re.search("[Α-Ωα-ωάέήίόύώ]", message.subject.replace(ticket.reference, ""))
    for english in ("Quote accepted", "Fixed amount", "excl. VAT"):
        assert english not in message.subject + message.body, english


@pytest.mark.parametrize(("decide", "word"), [(quote_accept, "accepted"),
                                              (quote_decline, "declined")])
def test_the_author_and_assignee_are_mailed_the_decision(ticket, technician, manager,
                                                         customer_a, decide, word,
                                                         django_capture_on_commit_callbacks):
    # given a quote the technician issued on a request assigned to the manager
    ticket.assignee = manager
    ticket.save(update_fields=["assignee"])
    quote = _issue(ticket, technician, amount="300,00")
    mail.outbox.clear()
    # when the customer decides
    with django_capture_on_commit_callbacks(execute=True):
        decide(quote=quote, by=customer_a, note="Συμφωνούμε")
    # then both staff learn it, one mail each naming the request and the terms
    assert len(mail.outbox) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([technician.email, manager.email])
    for message in mail.outbox:
        assert ticket.reference in message.subject
        assert "300,00" in message.body and "Συμφωνούμε" in message.body
        assert f"/{ticket.pk}" in message.body  # the request's page in the desk
        assert customer_a.email not in message.to


def test_the_staff_member_who_decides_is_not_mailed_his_own_decision(
        ticket, technician, manager, django_capture_on_commit_callbacks):
    quote = _issue(ticket, technician)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        quote_accept(quote=quote, by=technician, note="Τηλεφωνική αποδοχή")
    assert mail.outbox == []
    other = TicketFactory(customer=ticket.customer, category=Ticket.Category.VIRUS)
    quote = _issue(other, technician)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        quote_decline(quote=quote, by=manager)
    assert [m.to for m in mail.outbox] == [[technician.email]]


def test_a_refused_decision_mails_nobody(ticket, technician, customer_a, customer_b,
                                         django_capture_on_commit_callbacks):
    quote = _issue(ticket, technician, valid_until=dt.date(2026, 11, 30))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ApplicationError):
            quote_accept(quote=quote, by=customer_b)
        with time_machine.travel(at(2026, 12, 2, 9), tick=False), \
                pytest.raises(ApplicationError):
            agreement_accept(quote=quote, by=customer_a)
    assert mail.outbox == []


# --------------------------------------------------------------------------- races


def _race_world():
    tariff_seed_default()
    calendar_seed_default()
    org = CustomerFactory()
    ContractFactory(customer=org, tier="basic", starts_on=dt.date(2026, 1, 1),
                    ends_on=dt.date(2026, 12, 31))
    customer = UserFactory(customer=org)
    ticket = TicketFactory(customer=org, category=Ticket.Category.OS,
                           status=Ticket.Status.OPEN)
    return org, customer, ticket


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_accepting_and_declining_at_once_one_decision_wins():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    _org, customer, ticket = _race_world()
    tech, manager = TechnicianFactory(), ManagerFactory()
    quote = _issue(ticket, tech)

    # when the customer accepts while a manager records a decline, at the same moment
    def decide(i):
        if i == 0:
            return agreement_accept(quote=quote, by=customer)
        return quote_decline(quote=quote, by=manager)

    results = in_threads(2, decide)
    # then exactly one decision stands; the other was told the quote was decided
    errors = [r for r in results if isinstance(r, Exception)]
    wins = [r for r in results if isinstance(r, Quote)]
    assert len(wins) == 1 and len(errors) == 1, results
    assert isinstance(errors[0], ApplicationError) and errors[0].code == "decided"
    final = Quote.objects.get(pk=quote.pk)
    assert final.status == wins[0].status
    assert final.decided_by_id == wins[0].decided_by_id
    assert final.history.count() == 2  # issued, decided once


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_two_staff_quoting_one_request_at_once_make_one_quote():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    _org, _customer, ticket = _race_world()
    staff = [TechnicianFactory(), ManagerFactory()]

    results = in_threads(2, lambda i: _issue(ticket, staff[i], amount=f"{100 + i},00"))
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1, results
    assert isinstance(errors[0], ApplicationError) and errors[0].code == "already_open"
    assert Quote.objects.filter(ticket=ticket).count() == 1
    assert Quote.objects.get().status == Quote.Status.PROPOSED
