"""Issue 14: a manager revokes a support-hold override from the hold page (§11); the hold
applies again, the revocation is recorded with its author; nobody else can."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from supportdesk.billing.models import HoldOverride
from supportdesk.billing.services import hold_override_create


@pytest.fixture
def override(org_a, manager):
    return hold_override_create(customer=org_a, reason="Υπόσχεση πληρωμής", by=manager,
                                until=timezone.localdate() + dt.timedelta(days=10))


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_manager_revokes_an_override_from_the_hold_page_and_it_is_recorded(config, org_a,
                                                                          manager, override):
    client = _client(manager)
    url = reverse("billing:hold_revoke", args=[org_a.pk, override.pk])
    # given the hold page offers the override's revocation
    page = client.get(reverse("billing:hold", args=[org_a.pk])).content.decode()
    assert f'action="{url}"' in page
    # when the manager revokes it
    response = client.post(url, follow=True)
    # then it is revoked, by whom the history says, and the page says so and offers no button
    override.refresh_from_db()
    assert override.revoked_at is not None
    assert override.history.first().history_user == manager
    page = response.content.decode()
    assert "ανακλήθηκε" in page
    assert f'action="{url}"' not in page
    # and revoking again changes nothing, with the reason
    again = client.post(url, follow=True).content.decode()
    assert "ήδη" in again
    assert HoldOverride.objects.filter(pk=override.pk, revoked_at=override.revoked_at).exists()


@pytest.mark.django_db
def test_only_a_manager_revokes_and_only_an_override_of_that_customer(config, org_a, org_b,
                                                                     technician, manager,
                                                                     override):
    url = reverse("billing:hold_revoke", args=[org_a.pk, override.pk])
    assert _client(technician).post(url).status_code in (302, 403, 404)
    assert _client(manager).post(
        reverse("billing:hold_revoke", args=[org_b.pk, override.pk])).status_code == 404
    assert _client(manager).get(url).status_code == 405
    override.refresh_from_db()
    assert override.revoked_at is None
