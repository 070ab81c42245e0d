"""Issue 14: a manager shortens a support-hold override from the hold page (§11): the new end
is earlier, never later and not before today; who shortened it, when and the former end are
in the override's history; nobody else can."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from supportdesk.billing.models import HoldOverride
from supportdesk.billing.services import (
    hold_override_create,
    hold_override_revoke,
    hold_override_shorten,
)
from supportdesk.common.exceptions import ApplicationError


@pytest.fixture
def override(org_a, manager):
    return hold_override_create(customer=org_a, reason="Υπόσχεση πληρωμής", by=manager,
                                until=timezone.localdate() + dt.timedelta(days=10))


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_manager_shortens_an_override_and_the_history_says_who_and_from_when(config, org_a,
                                                                            manager,
                                                                            override):
    today = timezone.localdate()
    client = _client(manager)
    url = reverse("billing:hold_shorten", args=[org_a.pk, override.pk])
    # given the hold page offers to shorten the override
    page = client.get(reverse("billing:hold", args=[org_a.pk])).content.decode()
    assert f'action="{url}"' in page
    # when the manager shortens it to three days from now
    new_end = today + dt.timedelta(days=3)
    response = client.post(url, {"until": new_end.isoformat()}, follow=True)
    # then it ends then, the history has the author, the moment and the former end
    override.refresh_from_db()
    assert override.until == new_end
    assert override.revoked_at is None
    last = override.history.first()
    assert last.history_user == manager
    assert last.history_date is not None
    assert (today + dt.timedelta(days=10)).isoformat() in last.history_change_reason
    assert new_end.strftime("%d/%m/%Y") in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("days", [10, 11, 400, -1])
def test_an_override_is_never_lengthened_nor_ended_in_the_past_this_way(config, org_a,
                                                                        manager, override,
                                                                        days):
    today = timezone.localdate()
    client = _client(manager)
    url = reverse("billing:hold_shorten", args=[org_a.pk, override.pk])
    page = client.post(url, {"until": (today + dt.timedelta(days=days)).isoformat()},
                       follow=True).content.decode()
    override.refresh_from_db()
    assert override.until == today + dt.timedelta(days=10)
    assert override.history.count() == 1
    assert "παράταση" in page or "παραταθεί" in page


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["", "not a date", "2026-02-30", "9999-12-31"])
def test_a_bad_date_is_refused(config, org_a, manager, override, value):
    _client(manager).post(reverse("billing:hold_shorten", args=[org_a.pk, override.pk]),
                          {"until": value})
    override.refresh_from_db()
    assert override.until == timezone.localdate() + dt.timedelta(days=10)


@pytest.mark.django_db
def test_a_revoked_override_is_not_shortened(config, org_a, manager, override):
    hold_override_revoke(override=override, by=manager)
    with pytest.raises(ApplicationError):
        hold_override_shorten(override=override, by=manager,
                              until=timezone.localdate() + dt.timedelta(days=2))


@pytest.mark.django_db
def test_only_a_manager_shortens_and_only_an_override_of_that_customer(config, org_a, org_b,
                                                                      technician, manager,
                                                                      override):
    until = {"until": (timezone.localdate() + dt.timedelta(days=2)).isoformat()}
    url = reverse("billing:hold_shorten", args=[org_a.pk, override.pk])
    assert _client(technician).post(url, until).status_code in (302, 403, 404)
    assert _client(manager).post(
        reverse("billing:hold_shorten", args=[org_b.pk, override.pk]),
        until).status_code == 404
    assert _client(manager).get(url).status_code == 405
    with pytest.raises(ApplicationError):
        hold_override_shorten(override=override, by=technician,
                              until=timezone.localdate() + dt.timedelta(days=2))
    assert HoldOverride.objects.get(pk=override.pk).until == (
        timezone.localdate() + dt.timedelta(days=10))
