"""The managers' webhook pages: every route managers only (walked from the resolver, so a
new route cannot escape), the secret shown once, editing and disabling, redelivery, the
delivery log, Greek by default and English."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from supportdesk.accounts.tests.factories import ManagerFactory
from supportdesk.notifications.announcements import Announcement, Happening
from supportdesk.webhooks import crypto
from supportdesk.webhooks.models import WebhookDelivery, WebhookSubscription
from supportdesk.webhooks.services import deliveries_record

pytestmark = pytest.mark.django_db

ROUTES = {"webhooks:list": "GET", "webhooks:new": "GET", "webhooks:detail": "GET",
          "webhooks:secret": "POST", "webhooks:delivery": "GET",
          "webhooks:redeliver": "POST"}


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def delivery(subscribe, receiver, ticket_a):
    subscribe(receiver.url)
    [pk] = deliveries_record(Announcement(event=Happening.TICKET_CREATED,
                                          key=f"ticket.created:{ticket_a.pk}",
                                          customer_id=ticket_a.customer_id, subject=ticket_a))
    return WebhookDelivery.objects.get(pk=pk)


def _url(name: str, delivery: WebhookDelivery) -> str:
    if name in ("webhooks:detail", "webhooks:secret"):
        return reverse(name, args=[delivery.subscription_id])
    if name in ("webhooks:delivery", "webhooks:redeliver"):
        return reverse(name, args=[delivery.pk])
    return reverse(name)


def test_every_webhook_route_is_in_the_matrix():
    found = {name for name, _ in _walk(get_resolver().url_patterns)
             if name.startswith("webhooks:")}
    assert found == set(ROUTES)


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_only_managers_reach_the_webhook_pages(name, delivery, technician, customer_a):
    url = _url(name, delivery)
    method = ROUTES[name].lower()
    anonymous = getattr(Client(), method)(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    for user in (technician, customer_a):
        assert getattr(_client(user), method)(url).status_code == 403
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret_encrypted == WebhookSubscription.objects.get().secret_encrypted
    delivery.refresh_from_db()
    assert delivery.status == "pending"  # nothing was redelivered


def test_a_manager_creates_a_subscription_and_sees_the_secret_once(manager, org_a, receiver):
    client = _client(manager)
    response = client.post(reverse("webhooks:new"), {
        "name": "ERP Άλφα", "url": receiver.url, "customer": org_a.pk,
        "events": [Happening.TICKET_CREATED, Happening.STATEMENT_ISSUED]})
    subscription = WebhookSubscription.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("webhooks:detail", args=[subscription.pk])
    assert (subscription.customer_id, subscription.events, subscription.created_by_id) == (
        org_a.pk, ["ticket.created", "statement.issued"], manager.pk)
    page = client.get(response["Location"]).content.decode()
    secret = re.search(r'id="secret-value">(whsec_[^<]+)<', page).group(1)
    assert crypto.secret_decrypt(subscription.secret_encrypted) == secret
    assert secret not in subscription.secret_encrypted  # encrypted at rest
    again = client.get(response["Location"]).content.decode()
    assert secret not in again
    assert f"whsec_…{secret[-4:]}" in again
    # a new secret is shown once too, and replaces the old one
    client.post(reverse("webhooks:secret", args=[subscription.pk]))
    page = client.get(response["Location"]).content.decode()
    new = re.search(r'id="secret-value">(whsec_[^<]+)<', page).group(1)
    assert new != secret
    subscription.refresh_from_db()
    assert crypto.secret_decrypt(subscription.secret_encrypted) == new


def test_the_form_refuses_a_plain_http_url_outside_tests(manager, settings):
    settings.SUPPORTDESK_WEBHOOK_REQUIRE_HTTPS = True
    response = _client(manager).post(reverse("webhooks:new"), {
        "name": "ERP", "url": "http://erp.example.com/hook",
        "events": [Happening.TICKET_CREATED]})
    assert response.status_code == 200
    assert "https" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_a_manager_disables_and_enables_a_subscription(manager, delivery):
    subscription = delivery.subscription
    WebhookSubscription.objects.filter(pk=subscription.pk).update(consecutive_failures=4)
    client = _client(manager)
    fields = {"name": subscription.name, "url": subscription.url,
              "events": subscription.events}
    client.post(reverse("webhooks:detail", args=[subscription.pk]), fields)  # unchecked
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert subscription.disabled_at is not None
    client.post(reverse("webhooks:detail", args=[subscription.pk]), {**fields, "is_active": "on"})
    subscription.refresh_from_db()
    assert (subscription.is_active, subscription.consecutive_failures) == (True, 0)


def test_a_manager_redelivers_from_the_delivery_page(manager, delivery, receiver,
                                                     django_capture_on_commit_callbacks):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=6)
    client = _client(manager)
    page = client.get(reverse("webhooks:delivery", args=[delivery.pk])).content.decode()
    assert reverse("webhooks:redeliver", args=[delivery.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("webhooks:redeliver", args=[delivery.pk]))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert len(receiver.requests) == 1
    page = client.get(reverse("webhooks:delivery", args=[delivery.pk])).content.decode()
    assert 'id="attempts"' in page
    assert ">200<" in page
    detail = client.get(reverse("webhooks:detail", args=[delivery.subscription_id]))
    assert reverse("webhooks:delivery", args=[delivery.pk]) in detail.content.decode()


def test_the_pages_are_greek_by_default_and_english_on_request(manager, delivery):
    client = _client(manager)
    greek = client.get(reverse("webhooks:list")).content.decode()
    assert "Νέα συνδρομή" in greek
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("webhooks:list")).content.decode()
    assert "New subscription" in english


def test_the_admin_lists_subscriptions_read_only_with_a_link_to_their_page(delivery):
    admin_user = ManagerFactory(is_staff=True, is_superuser=True)
    client = _client(admin_user)
    page = client.get(reverse("admin:webhooks_webhooksubscription_changelist"))
    assert page.status_code == 200
    assert reverse("webhooks:detail", args=[delivery.subscription_id]) in page.content.decode()
    assert client.get(reverse("admin:webhooks_webhooksubscription_add")).status_code == 403
