"""The survey and the rating (docs/satisfaction.md): sent on resolution through the
notifications, once per request, only to the request's contact; one rating per request;
a forged, expired or foreign token admits nobody."""

import time

import pytest
from django.db import connection

from supportdesk.accounts.tests.factories import UserFactory
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.tests.helpers import in_threads
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.notifications import announcements
from supportdesk.notifications.events import CUSTOMER_EVENTS, Event
from supportdesk.notifications.models import Notification
from supportdesk.notifications.services import preferences_set
from supportdesk.notifications.tokens import purpose_digest, token_digest
from supportdesk.satisfaction.models import Rating
from supportdesk.satisfaction.services import rating_comment_add, rating_record, survey_key
from supportdesk.satisfaction.tokens import rate_token, rate_token_read
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import ticket_change_status, ticket_create

from .conftest import open_request, resolve, token_in

pytestmark = pytest.mark.django_db


def _surveys():
    return Notification.objects.filter(event=Event.SATISFACTION_SURVEY)


# ----------------------------------------------------------------------------- the survey


def test_resolving_a_request_surveys_its_contact_once(resolved, customer_a):
    [row] = _surveys()
    assert (row.user, row.key, row.ticket_id, row.customer_id) == (
        customer_a, survey_key(resolved.pk), resolved.pk, resolved.customer_id)
    assert Event.SATISFACTION_SURVEY in CUSTOMER_EVENTS
    read = rate_token_read(token_in(row.body))
    assert (read.ticket_id, read.user_id) == (resolved.pk, customer_a.pk)


def test_reopened_and_resolved_again_is_not_surveyed_again(resolved, technician):
    ticket_change_status(ticket=resolved, status=Ticket.Status.OPEN, by=technician)
    resolve(resolved, technician)
    ticket_change_status(ticket=resolved, status=Ticket.Status.CLOSED, by=technician)
    assert _surveys().count() == 1


def test_closing_straight_from_open_is_a_resolution_too(config, org_a, customer_a, technician):
    ticket = open_request(org_a, customer_a, technician)
    ticket_change_status(ticket=ticket, status=Ticket.Status.CLOSED, by=technician)
    assert _surveys().count() == 1


def test_other_status_changes_survey_nobody(config, org_a, customer_a, technician):
    ticket = open_request(org_a, customer_a, technician)
    ticket_change_status(ticket=ticket, status=Ticket.Status.WAITING_CUSTOMER, by=technician)
    assert not _surveys().exists()


def test_a_request_without_a_contact_gets_no_survey(config, org_a, customer_a, technician):
    ticket = ticket_create(customer=org_a, subject="Τηλεφώνημα", body="x", received_via="phone",
                           contact_name="Κάποιος", by=technician)
    resolve(ticket, technician)
    assert not _surveys().exists()
    assert Notification.objects.filter(event=Event.TICKET_RESOLVED).exists()  # others told


def test_a_contact_who_moved_or_left_gets_no_survey(config, org_a, customer_a, technician):
    moved = open_request(org_a, customer_a, technician)
    customer_a.customer = CustomerFactory()
    customer_a.save()
    resolve(moved, technician)
    left_user = UserFactory(customer=org_a, is_active=False)
    left = open_request(org_a, None, technician)
    Ticket.objects.filter(pk=left.pk).update(contact=left_user)
    left.refresh_from_db()
    resolve(left, technician)
    assert not _surveys().exists()


def test_a_rated_request_is_not_surveyed(config, org_a, customer_a, technician):
    ticket = open_request(org_a, customer_a, technician)
    resolve(ticket, technician)
    Notification.objects.filter(event=Event.SATISFACTION_SURVEY).delete()
    rating_record(ticket=ticket, by=customer_a, score="good", via=Rating.Via.PORTAL)
    ticket_change_status(ticket=ticket, status=Ticket.Status.OPEN, by=technician)
    resolve(ticket, technician)
    assert not _surveys().exists()


def test_a_survey_switched_off_is_not_sent(config, org_a, customer_a, technician):
    preferences_set(user=customer_a, choices={Event.SATISFACTION_SURVEY: False})
    resolve(open_request(org_a, customer_a, technician), technician)
    assert not _surveys().exists()


def test_the_survey_listener_and_another_both_hear_a_resolution(
        config, org_a, customer_a, technician):
    # Several listeners of the announcements (the webhooks' is one more): each is called.
    heard = []

    def hear(announcement):
        heard.append(announcement.event)

    announcements.listen(hear)
    try:
        resolve(open_request(org_a, customer_a, technician), technician)
    finally:
        announcements._listeners[:] = [
            entry for entry in announcements._listeners if entry[0] is not hear]
    assert heard == ["ticket.created", "ticket.status_changed"]
    assert _surveys().count() == 1


# ----------------------------------------------------------------------------- the token


def test_the_token_reuses_the_reply_tokens_signing_with_its_own_purpose(resolved, customer_a):
    token = rate_token(ticket_id=resolved.pk, user_id=customer_a.pk, now=1_800_000_000)
    _number, _user, expires, digest = token.split(".")
    assert digest == purpose_digest("rate", resolved.pk, customer_a.pk, expires, length=32)
    assert token_digest(resolved.pk) == purpose_digest("ticket", resolved.pk)
    assert digest[:12] != token_digest(resolved.pk)  # one kind never passes for the other


def test_forged_and_expired_tokens_read_as_nothing(resolved, customer_a):
    good = rate_token(ticket_id=resolved.pk, user_id=customer_a.pk)
    assert rate_token_read(good).ticket_id == resolved.pk
    number, user, expires, digest = good.split(".")
    forged = [
        f"{int(number) + 1}.{user}.{expires}.{digest}",       # another request
        f"{number}.{int(user) + 1}.{expires}.{digest}",       # another rater
        f"{number}.{user}.{int(expires) + 86400}.{digest}",   # a longer life
        f"{number}.{user}.{expires}.{'0' * 32}",
        f"{number}.{user}.{expires}.{digest[:-1]}",
        "", "x", f"{number}.{user}.{expires}.{digest.upper()}",
    ]
    assert [rate_token_read(t) for t in forged] == [None] * len(forged)
    expired = rate_token(ticket_id=resolved.pk, user_id=customer_a.pk,
                         now=time.time() - 31 * 86400)
    assert rate_token_read(expired) is None


# ----------------------------------------------------------------------------- the rating


def test_a_request_is_rated_once(resolved, customer_a):
    first, created = rating_record(ticket=resolved, by=customer_a, score="good",
                                   comment="Άψογη εξυπηρέτηση", via=Rating.Via.MAIL)
    again, created_again = rating_record(ticket=resolved, by=customer_a, score="poor",
                                         comment="Άλλη γνώμη", via=Rating.Via.PORTAL)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert list(Rating.objects.values_list("score", "comment", "via")) == [
        ("good", "Άψογη εξυπηρέτηση", "mail")]


def test_the_comment_is_added_once(resolved, customer_a):
    rating, _ = rating_record(ticket=resolved, by=customer_a, score="poor", via="mail")
    assert rating_comment_add(rating=rating, by=customer_a, comment="Αργήσατε\x00 λίγο")
    assert not rating_comment_add(rating=rating, by=customer_a, comment="Δεύτερο σχόλιο")
    rating.refresh_from_db()
    assert rating.comment == "Αργήσατε λίγο" and rating.commented_at is not None


def test_only_the_requests_own_customer_rates_it(resolved, customer_b, technician):
    for user in (customer_b, technician, None):
        with pytest.raises(ApplicationError) as refused:
            rating_record(ticket=resolved, by=user, score="good", via="portal")
        assert refused.value.code == "not_allowed"
    assert not Rating.objects.exists()


def test_an_open_request_and_a_bad_score_are_refused(config, org_a, customer_a, technician):
    ticket = open_request(org_a, customer_a, technician)
    with pytest.raises(ApplicationError) as refused:
        rating_record(ticket=ticket, by=customer_a, score="good", via="portal")
    assert refused.value.code == "not_resolved"
    resolve(ticket, technician)
    for score in ("", "excellent", "GOOD"):
        with pytest.raises(ApplicationError):
            rating_record(ticket=ticket, by=customer_a, score=score, via="portal")
    with pytest.raises(ApplicationError) as long:
        rating_record(ticket=ticket, by=customer_a, score="good", comment="x" * 2001,
                      via="portal")
    assert long.value.code == "too_long"
    assert not Rating.objects.exists()


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_once_record_one_rating(config, org_a, customer_a, technician):
    if connection.vendor != "postgresql":
        pytest.skip("needs real PostgreSQL (row locks between connections)")
    ticket = resolve(open_request(org_a, customer_a, technician), technician)
    for attempt in range(5):
        Rating.objects.all().delete()

        def click(i, ticket=ticket):
            return rating_record(ticket=ticket, by=customer_a, score=("good", "poor")[i % 2],
                                 comment=f"κλικ {i}", via="mail")[1]

        results = in_threads(2, click)
        assert sorted(results) == [False, True], (attempt, results)
        assert Rating.objects.count() == 1
