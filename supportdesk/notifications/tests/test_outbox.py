"""Notification rows (docs/notifications.md): written with the change, sent after commit,
once per occurrence and recipient, checked again at send time, retried then failed; the
inbox, preferences and the managers' outbox."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from supportdesk.accounts.tests.factories import UserFactory
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.notifications import delivery
from supportdesk.notifications.delivery import MAX_ATTEMPTS, notifications_deliver
from supportdesk.notifications.events import Event
from supportdesk.notifications.models import Notification, NotificationPreference
from supportdesk.notifications.services import notify, preferences_set

pytestmark = pytest.mark.django_db


def _tell(users, *, key="k:1", event=Event.TICKET_RESOLVED, customer_id=None, **extra):
    return notify(event=event, users=users, key=key, template="notifications/generic",
                  context={"subject": "Θέμα", "body": "Κείμενο"}, customer_id=customer_id,
                  link="/portal/", **extra)


def test_a_notification_is_a_row_sent_after_commit(customer_a,
                                                   django_capture_on_commit_callbacks):
    # when a change tells the customer's user, inside its transaction
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        rows = _tell([customer_a], customer_id=customer_a.customer_id)
        # then the row is there before anything is sent
        assert [r.status for r in rows] == ["pending"]
        assert mail.outbox == []
    # and after the commit it is sent once and marked
    assert [m.to for m in mail.outbox] == [[customer_a.email]]
    row = Notification.objects.get()
    assert (row.status, row.attempts, row.sent_at is not None) == ("sent", 1, True)


def test_a_rolled_back_change_sends_nothing(customer_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), \
            transaction.atomic():
        _tell([customer_a], customer_id=customer_a.customer_id)
        raise RuntimeError("the change failed")
    assert mail.outbox == [] and not Notification.objects.exists()


def test_the_same_occurrence_is_told_once(customer_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _tell([customer_a, customer_a], customer_id=customer_a.customer_id)
        _tell([customer_a], customer_id=customer_a.customer_id)  # a retried request
    assert len(mail.outbox) == 1 and Notification.objects.count() == 1


def test_it_is_rendered_in_the_recipients_language(org_a, django_capture_on_commit_callbacks):
    greek = UserFactory(customer=org_a)
    english = UserFactory(customer=org_a, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        _tell([greek, english], customer_id=org_a.pk)
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert "Υποστήριξη" in bodies[greek.email] or "υποστήριξη" in bodies[greek.email].lower()
    assert "Support desk" in bodies[english.email]


def test_a_contact_who_moved_or_left_is_not_mailed(org_a, django_capture_on_commit_callbacks):
    moved = UserFactory(customer=org_a)
    left = UserFactory(customer=org_a)
    # when the rows are written, then the contacts move or leave before the send
    rows = _tell([moved, left], customer_id=org_a.pk)
    moved.customer = CustomerFactory()
    moved.save()
    left.is_active = False
    left.save()
    notifications_deliver(ids=[r.pk for r in rows])
    # then nobody outside the customer is mailed, and the outbox says why
    assert mail.outbox == []
    assert set(Notification.objects.values_list("status", "last_error")) == {
        ("skipped", "recipient no longer entitled")}


def test_a_user_of_another_customer_is_never_written(org_a, customer_b):
    assert _tell([customer_b], customer_id=org_a.pk) == []


def test_staff_events_reach_active_staff_only(technician, customer_a):
    rows = _tell([technician, customer_a], event=Event.CUSTOMER_REPLY)
    assert [r.user for r in rows] == [technician]


def test_preferences_are_honoured_and_mandatory_events_stay_on(customer_a, technician,
                                                               manager):
    preferences_set(user=customer_a, choices={Event.TICKET_RESOLVED: False,
                                              Event.STAFF_REPLY: False})
    assert _tell([customer_a], customer_id=customer_a.customer_id) == []
    assert len(_tell([customer_a], key="k:2", event=Event.STAFF_REPLY,
                     customer_id=customer_a.customer_id)) == 1
    # a new unassigned request: managers by default, technicians only if they opt in
    assert [r.user for r in _tell([technician, manager], key="k:3",
                                  event=Event.NEW_TICKET)] == [manager]
    preferences_set(user=technician, choices={Event.NEW_TICKET: True})
    assert [r.user for r in _tell([technician], key="k:4", event=Event.NEW_TICKET)] == [
        technician]


def test_a_failed_send_is_retried_with_back_off_then_failed(customer_a):
    row = _tell([customer_a], customer_id=customer_a.customer_id)[0]
    now = timezone.now()
    with mock.patch("django.core.mail.EmailMultiAlternatives.send",
                    side_effect=ConnectionRefusedError("smtp down")):
        assert notifications_deliver(ids=[row.pk], now=now)["retry"] == 1
        row.refresh_from_db()
        assert (row.status, row.attempts) == ("pending", 1)
        assert row.next_attempt_at == now + delivery.BACKOFF[0]
        assert "smtp down" in row.last_error
        # not due yet: nothing happens
        assert notifications_deliver(now=now + timedelta(seconds=30))["retry"] == 0
        for _attempt in range(2, MAX_ATTEMPTS + 1):
            now += timedelta(days=1)
            notifications_deliver(now=now)
        row.refresh_from_db()
        assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert mail.outbox == []
    # and a manager's resend sends it
    client = Client()
    manager = UserFactory(role="manager", customer=None, is_staff=True)
    client.force_login(manager)
    response = client.post(reverse("notifications:resend", args=[row.pk]))
    assert response.status_code == 302
    row.refresh_from_db()
    notifications_deliver(ids=[row.pk])
    row.refresh_from_db()
    assert row.status == "sent" and len(mail.outbox) == 1


def test_two_workers_never_send_one_row_twice(customer_a):
    row = _tell([customer_a], customer_id=customer_a.customer_id)[0]
    now = timezone.now()
    assert delivery._claim(row.pk, now) is not None
    assert delivery._claim(row.pk, now) is None  # the other worker finds it taken
    # a worker killed mid-send leaves it "sending": tried again after STALE_SENDING
    assert notifications_deliver(now=now + delivery.STALE_SENDING + timedelta(seconds=1))[
        "sent"] == 1
    assert len(mail.outbox) == 1


def test_the_inbox_shows_ones_own_and_opening_marks_read(customer_a, customer_b):
    mine = _tell([customer_a], customer_id=customer_a.customer_id)[0]
    theirs = _tell([customer_b], key="k:b", customer_id=customer_b.customer_id)[0]
    client = Client()
    client.force_login(customer_a)
    page = client.get(reverse("notifications:inbox"))
    assert page.status_code == 200
    assert page.context["unread_notifications"] == 1
    assert [n.pk for n in page.context["page"]] == [mine.pk]
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    opened = client.get(reverse("notifications:open", args=[mine.pk]))
    assert opened.status_code == 302 and opened["Location"] == "/portal/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client.get(reverse("notifications:inbox")).context["unread_notifications"] == 0


def test_a_link_to_another_site_is_never_followed(customer_a):
    row = notify(event=Event.TICKET_RESOLVED, users=[customer_a], key="k:x",
                 template="notifications/generic", context={"subject": "s", "body": "b"},
                 customer_id=customer_a.customer_id, link="https://evil.example/")[0]
    client = Client()
    client.force_login(customer_a)
    response = client.get(reverse("notifications:open", args=[row.pk]))
    assert response["Location"] == reverse("notifications:inbox")


def test_preferences_page_saves_choices_and_language(customer_a):
    client = Client()
    client.force_login(customer_a)
    page = client.get(reverse("notifications:preferences"))
    assert page.status_code == 200
    events = [row[0] for row in page.context["rows"]]
    assert Event.TICKET_RESOLVED in events and Event.NEW_TICKET not in events
    client.post(reverse("notifications:preferences"), {
        "language": "en", f"event_{Event.TICKET_RECEIVED}": "on"})
    customer_a.refresh_from_db()
    assert customer_a.language == "en"
    chosen = dict(NotificationPreference.objects.filter(user=customer_a)
                  .values_list("event", "enabled"))
    assert chosen[Event.TICKET_RECEIVED] is True and chosen[Event.TICKET_RESOLVED] is False
    assert Event.STAFF_REPLY not in chosen  # mandatory: never stored as off


def test_the_outbox_is_for_managers_only(technician, manager, customer_a):
    _tell([customer_a], customer_id=customer_a.customer_id)
    client = Client()
    client.force_login(technician)
    assert client.get(reverse("notifications:outbox")).status_code == 403
    client.force_login(manager)
    page = client.get(reverse("notifications:outbox"), {"status": "pending"})
    assert page.status_code == 200 and len(page.context["page"]) == 1
    assert len(client.get(reverse("notifications:outbox"), {"status": "sent"})
               .context["page"]) == 0
