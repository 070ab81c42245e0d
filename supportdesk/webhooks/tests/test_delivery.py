"""Webhook deliveries end to end, against a real HTTP receiver on 127.0.0.1 (allowed by the
test settings): signed after commit, nothing on rollback, 500 then 200 on the retry with
both attempts in the log, disabled after repeated failure with a notice to the managers,
redelivery, once per event and subscription, and tenancy (docs/webhooks.md)."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from supportdesk.accounts.tests.factories import ManagerFactory
from supportdesk.common import retry
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.tests.helpers import in_threads
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.notifications.announcements import Announcement, Happening
from supportdesk.notifications.events import Event
from supportdesk.notifications.models import Notification
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import ticket_create
from supportdesk.tickets.tests.factories import TicketFactory
from supportdesk.webhooks import services, signing
from supportdesk.webhooks.delivery import webhooks_deliver
from supportdesk.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from supportdesk.webhooks.services import (
    ALREADY_DELIVERED,
    SUBSCRIPTION_DISABLED,
    deliveries_record,
    delivery_redeliver,
    subscription_create,
    subscription_update,
)

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[3] / "docs" / "webhooks.md"


def _docs_verify():
    """The receiver's check, exactly as docs/webhooks.md prints it (so the docs are right)."""
    text = DOCS.read_text(encoding="utf-8")
    code = re.search(r"<!-- verify-example -->\s*```python\n(.*?)```", text, re.S).group(1)
    scope: dict = {}
    exec(compile(code, str(DOCS), "exec"), scope)
    return scope["verify"]


def _new_ticket(org, by, subject="Δεν τυπώνει η ταμειακή"):
    return ticket_create(customer=org, subject=subject, body="Σταμάτησε μετά την ενημέρωση.",
                         received_via=Ticket.ReceivedVia.PHONE, by=by)


def test_a_new_request_is_posted_signed_after_commit(
        receiver, subscribe, config, org_a, technician, django_capture_on_commit_callbacks):
    # given
    _subscription, secret = subscribe(receiver.url, events=[Happening.TICKET_CREATED])
    # when
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _new_ticket(org_a, technician)
        assert receiver.requests == []  # not before the commit
    # then
    assert len(receiver.requests) == 1
    got = receiver.requests[0]
    verify = _docs_verify()
    header = got.headers[signing.HEADER]
    assert verify(secret, header, got.body)
    assert signing.signature_valid(secret, header, got.body, now=time.time())
    assert not verify(secret, header, got.body.replace(b"ticket", b"tickex"))
    assert not verify("whsec_other", header, got.body)
    payload = got.payload
    assert payload["type"] == "ticket.created" == got.headers["X-Supportdesk-Event"]
    assert payload["id"] == got.headers["X-Supportdesk-Event-Id"]
    assert payload["customer"] == {"id": org_a.pk, "name": org_a.name}
    assert payload["data"]["ticket"]["reference"] == ticket.reference
    assert payload["data"]["ticket"]["body"] == "Σταμάτησε μετά την ενημέρωση."
    assert got.path == "/hooks/supportdesk"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        "succeeded", 1, 200)
    attempt = WebhookAttempt.objects.get()
    assert (attempt.number, attempt.status_code, attempt.response_excerpt) == (1, 200, "ok")


def test_a_replayed_delivery_is_refused_by_the_documented_check(receiver, subscribe):
    verify = _docs_verify()
    secret = signing.secret_new()
    body = b'{"id":"x"}'
    old = signing.signature_header(secret, int(time.time()) - 3600, body)
    assert not verify(secret, old, body)
    fresh = signing.signature_header(secret, int(time.time()), body)
    assert verify(secret, fresh, body)
    assert not verify(secret, "v1=abc", body)


def test_a_rolled_back_change_sends_nothing(receiver, subscribe, config, org_a, technician,
                                            django_capture_on_commit_callbacks):
    subscribe(receiver.url)
    with (django_capture_on_commit_callbacks(execute=True) as callbacks,
          pytest.raises(RuntimeError), transaction.atomic()):
        _new_ticket(org_a, technician)
        assert WebhookDelivery.objects.count() == 1  # written with the change...
        raise RuntimeError("the change fails after the request was recorded")
    assert WebhookDelivery.objects.count() == 0  # ...and rolled back with it
    assert callbacks == []
    assert receiver.requests == []


def test_an_error_answer_is_retried_and_both_attempts_are_logged(
        receiver, subscribe, config, org_a, technician, manager,
        django_capture_on_commit_callbacks):
    # given: the receiver fails once
    subscription, secret = subscribe(receiver.url, events=[Happening.TICKET_CREATED])
    receiver.answer(500, "database down")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        _new_ticket(org_a, technician)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    first_retry = delivery.next_attempt_at
    assert first_retry is not None
    assert webhooks_deliver(now=first_retry - timedelta(seconds=1))["delivered"] == 0  # not due
    counts = webhooks_deliver(now=first_retry)
    # then
    assert counts["delivered"] == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        "succeeded", 2, 200)
    log = list(WebhookAttempt.objects.filter(delivery=delivery).values_list(
        "number", "status_code", "response_excerpt"))
    assert log == [(1, 500, "database down"), (2, 200, "ok")]
    assert len(receiver.requests) == 2
    verify = _docs_verify()
    assert all(verify(secret, r.headers[signing.HEADER], r.body) for r in receiver.requests)
    # the same event and bytes each time: the receiver de-duplicates by the id
    assert receiver.requests[0].body == receiver.requests[1].body
    # and a delivered row is never sent again, by the sweep or a stale claim
    later = timezone.now() + retry.STALE_SENDING + timedelta(days=2)
    assert webhooks_deliver(now=later) == {"delivered": 0, "retry": 0, "failed": 0,
                                           "skipped": 0}
    assert not retry.claim(WebhookDelivery.objects.all(), delivery.pk, later)
    assert len(receiver.requests) == 2
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0
    # both attempts are in the managers' delivery log
    client = Client()
    client.force_login(manager)
    page = client.get(reverse("webhooks:delivery", args=[delivery.pk])).content.decode()
    assert ">500<" in page and ">200<" in page and "database down" in page


def test_two_workers_never_send_one_delivery_at_once(subscribe, receiver, config, org_a,
                                                     technician):
    subscribe(receiver.url)
    _new_ticket(org_a, technician)  # no commit callbacks here: the row stays pending
    row = WebhookDelivery.objects.get(event=Happening.TICKET_CREATED)
    now = timezone.now()
    assert retry.claim(WebhookDelivery.objects.all(), row.pk, now)
    assert not retry.claim(WebhookDelivery.objects.all(), row.pk, now)  # the other worker
    assert webhooks_deliver(now=now)["delivered"] == 0
    assert receiver.requests == []


def test_repeated_failure_disables_the_subscription_and_tells_the_managers(
        receiver, subscribe, config, org_a, technician, manager, settings,
        django_capture_on_commit_callbacks):
    # given: a receiver that always fails, and disabling after 3 failed attempts
    settings.SUPPORTDESK_WEBHOOK_DISABLE_AFTER = 3
    subscription, _ = subscribe(receiver.url, events=[Happening.TICKET_CREATED])
    for _ in range(10):
        receiver.answer(503, "maintenance")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        _new_ticket(org_a, technician)
    now = timezone.now()
    for step in (1, 2):
        webhooks_deliver(now=now + timedelta(days=step))
    # then
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert subscription.consecutive_failures == 3
    assert "3" in subscription.disabled_reason
    told = Notification.objects.filter(event=Event.WEBHOOK_DISABLED)
    assert [n.user_id for n in told] == [manager.pk]
    assert subscription.name in told.get().subject
    assert len(receiver.requests) == 3
    # its pending delivery is skipped, and new events are not recorded for it
    webhooks_deliver(now=now + timedelta(days=3))
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "skipped"
    assert len(receiver.requests) == 3
    with django_capture_on_commit_callbacks(execute=True):
        _new_ticket(org_a, technician, subject="Άλλο αίτημα")
    assert WebhookDelivery.objects.count() == 1
    # a redelivery waits until a manager enables it again (which clears the count)
    with pytest.raises(ApplicationError) as refused:
        delivery_redeliver(delivery=delivery, by=manager)
    assert refused.value.message == SUBSCRIPTION_DISABLED
    subscription_update(subscription=subscription, by=manager, name=subscription.name,
                        url=subscription.url, events=subscription.events, customer=None,
                        is_active=True)
    subscription.refresh_from_db()
    assert (subscription.is_active, subscription.consecutive_failures) == (True, 0)
    receiver.script.clear()
    with django_capture_on_commit_callbacks(execute=True):
        delivery_redeliver(delivery=delivery, by=manager)
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"


def test_a_failed_delivery_is_sent_again_by_a_manager_once(
        receiver, subscribe, config, org_a, technician, manager, settings,
        django_capture_on_commit_callbacks):
    # given: a delivery that failed all its attempts
    subscribe(receiver.url, events=[Happening.TICKET_CREATED])
    for _ in range(retry.MAX_ATTEMPTS):
        receiver.answer(500, "no")
    with django_capture_on_commit_callbacks(execute=True):
        _new_ticket(org_a, technician)
    start = timezone.now()
    for day in range(1, retry.MAX_ATTEMPTS):
        webhooks_deliver(now=start + timedelta(days=day))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", retry.MAX_ATTEMPTS)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        delivery_redeliver(delivery=delivery, by=manager)
    # then
    delivery.refresh_from_db()
    assert (delivery.status, delivery.redeliveries) == ("succeeded", 1)
    last = WebhookAttempt.objects.filter(delivery=delivery).last()
    assert (last.number, last.status_code, last.is_manual) == (
        retry.MAX_ATTEMPTS + 1, 200, True)
    ids = {r.payload["id"] for r in receiver.requests}
    assert len(ids) == 1  # one event, however often it was tried
    # never a second success for the same event and subscription
    with pytest.raises(ApplicationError) as refused:
        delivery_redeliver(delivery=delivery, by=manager)
    assert refused.value.message == ALREADY_DELIVERED
    with pytest.raises(ApplicationError):
        delivery_redeliver(delivery=delivery, by=technician)


def test_the_same_occurrence_announced_twice_is_one_delivery(subscribe, receiver, ticket_a):
    subscription, _ = subscribe(receiver.url)
    announcement = Announcement(event=Happening.TICKET_SLA_WARNING,
                                key=f"ticket.sla_warning:{ticket_a.pk}",
                                customer_id=ticket_a.customer_id, subject=ticket_a)
    first = deliveries_record(announcement)
    again = deliveries_record(announcement)
    assert len(first) == 1
    assert again == first  # the same row, still waiting: nothing new
    assert WebhookDelivery.objects.filter(subscription=subscription).count() == 1


def test_a_subscription_for_one_customer_gets_only_that_customers_events(
        receiver, subscribe, config, org_a, org_b, technician,
        django_capture_on_commit_callbacks):
    # given: one subscription for org B only, one for every customer
    only_b, _ = subscribe(receiver.url, customer=org_b, name="B's ERP")
    everyone, _ = subscribe(receiver.url, name="Vendor CRM")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        ticket_a = _new_ticket(org_a, technician, subject="Αίτημα της Άλφα")
        ticket_b = _new_ticket(org_b, technician, subject="Αίτημα της Βήτα")
    # then
    assert set(WebhookDelivery.objects.filter(subscription=only_b)
               .values_list("customer_id", flat=True)) == {org_b.pk}
    assert WebhookDelivery.objects.filter(subscription=everyone).count() == 2
    for row in WebhookDelivery.objects.all():
        mine, other = (ticket_a, ticket_b) if row.customer_id == org_a.pk else (ticket_b,
                                                                                ticket_a)
        assert mine.subject in row.body
        assert other.subject not in row.body
        assert other.customer.name not in row.body
        payload = json.loads(row.body)
        assert payload["data"]["ticket"]["id"] == mine.pk
        assert payload["customer"]["id"] == mine.customer_id
    bodies_to_b = [r.body.decode() for r in receiver.requests
                   if r.payload["customer"]["id"] == org_b.pk]
    assert len(bodies_to_b) == 2  # B's event, to both subscriptions
    assert len(receiver.requests) == 3


def test_an_event_of_nobodys_is_never_sent_to_a_restricted_subscription(
        subscribe, receiver, org_b, ticket_a):
    subscribe(receiver.url, customer=org_b)
    deliveries_record(Announcement(event=Happening.TICKET_CREATED, key="x", customer_id=None,
                                   subject=ticket_a))
    assert not WebhookDelivery.objects.exists()


def test_a_subscription_changed_meanwhile_is_read_again_when_sending(
        receiver, subscribe, config, org_a, technician, manager):
    subscription, _ = subscribe(receiver.url)
    _new_ticket(org_a, technician)  # pending (no commit callbacks)
    subscription_update(subscription=subscription, by=manager, name="ERP", url=receiver.url,
                        events=subscription.events, customer=None, is_active=False)
    assert webhooks_deliver()["skipped"] == 1
    assert receiver.requests == []
    assert WebhookSubscription.history.filter(id=subscription.pk).count() == 2


def test_a_subscription_restricted_meanwhile_never_gets_the_other_customers_events(
        receiver, subscribe, config, org_a, org_b, technician, manager):
    # given: an event of org A recorded for a subscription of every customer
    subscription, _ = subscribe(receiver.url)
    _new_ticket(org_a, technician)  # pending (no commit callbacks)
    # when: the subscription is restricted to org B before it is sent
    subscription_update(subscription=subscription, by=manager, name="ERP", url=receiver.url,
                        events=subscription.events, customer=org_b, is_active=True)
    # then: A's event is not sent to it
    assert webhooks_deliver()["skipped"] == 1
    assert receiver.requests == []
    assert "another customer" in WebhookDelivery.objects.get().last_error


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_four_workers_sweeping_at_once_deliver_each_event_once(receiver, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    # given: three events waiting for one subscription (not sent at their commit here), and
    # a receiver slow enough that the workers overlap
    monkeypatch.setattr(services, "deliver_soon", lambda ids: None)
    manager = ManagerFactory()
    org = CustomerFactory()
    subscription, _ = subscription_create(by=manager, name="ERP", url=receiver.url,
                                          events=[Happening.TICKET_CREATED])
    for n in range(3):
        ticket = TicketFactory(customer=org)
        deliveries_record(Announcement(event=Happening.TICKET_CREATED,
                                       key=f"ticket.created:{ticket.pk}:{n}",
                                       customer_id=org.pk, subject=ticket))
    receiver.delay = 0.2
    # when
    results = in_threads(4, lambda i: webhooks_deliver())
    # then
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r["delivered"] for r in results) == 3
    assert len(receiver.requests) == 3
    assert len({r.payload["id"] for r in receiver.requests}) == 3
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}
    assert WebhookAttempt.objects.count() == 3
    assert subscription.deliveries.count() == 3
