"""Remote sessions (§1, §2): consent required; the session's time is a remote work entry."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from supportdesk.common.exceptions import ApplicationError
from supportdesk.worklog.models import RemoteSession, WorkEntry
from supportdesk.worklog.services.remote import (
    REMOTE_DUPLICATE,
    REMOTE_NEEDS_CONSENT,
    REMOTE_ONLY_STAFF,
    remote_session_record,
)

from .conftest import TUESDAY_11

pytestmark = pytest.mark.django_db


def _record(ticket, technician, **overrides):
    values = {
        "ticket": ticket, "technician": technician, "tool": "AnyDesk",
        "session_id": "123 456 789", "started_at": TUESDAY_11,
        "ended_at": TUESDAY_11 + dt.timedelta(minutes=60), "has_customer_consent": True,
        "consent_given_by": "Μαρία (ταμείο)", "by": technician,
    }
    values.update(overrides)
    return remote_session_record(**values)


def test_session_records_its_remote_entry_from_the_allowance(basic_ticket, technician):
    # given a Basic customer (remote: 4 h/year included, docs/rules.md "Tariff reading")
    # when a 60-minute supervised session is recorded
    session = _record(basic_ticket, technician)
    # then the session and its remote entry exist, drawn from the allowance
    entry = session.work_entry
    assert entry.channel == "remote"
    assert entry.duration_minutes == 60
    assert entry.allowance_drawn_minutes == 60
    assert entry.net_amount == Decimal("0.00")
    assert session.consent_given_by == "Μαρία (ταμείο)"


def test_free_customer_session_is_billed(free_ticket, technician):
    session = _record(free_ticket, technician,
                      ended_at=TUESDAY_11 + dt.timedelta(minutes=45))
    assert session.work_entry.net_amount == Decimal("37.50")


@pytest.mark.parametrize("overrides", [
    {"has_customer_consent": False},
    {"consent_given_by": "   "},
    {"has_customer_consent": "yes"},  # only a real True is consent
])
def test_no_consent_records_nothing(basic_ticket, technician, overrides):
    with pytest.raises(ApplicationError) as exc:
        _record(basic_ticket, technician, **overrides)
    assert exc.value.message == REMOTE_NEEDS_CONSENT
    assert not RemoteSession.objects.exists()
    assert not WorkEntry.objects.exists()


def test_same_session_twice_is_refused(basic_ticket, technician):
    _record(basic_ticket, technician)
    with pytest.raises(ApplicationError) as exc:
        _record(basic_ticket, technician)
    assert exc.value.message == REMOTE_DUPLICATE
    assert RemoteSession.objects.count() == 1
    assert WorkEntry.objects.count() == 1


def test_session_ending_before_it_starts_changes_nothing(basic_ticket, technician):
    with pytest.raises(ApplicationError):
        _record(basic_ticket, technician, ended_at=TUESDAY_11 - dt.timedelta(minutes=1))
    assert not RemoteSession.objects.exists()


def test_customers_cannot_record_sessions(basic_ticket, customer_a, technician):
    with pytest.raises(ApplicationError) as exc:
        _record(basic_ticket, technician, by=customer_a)
    assert exc.value.message == REMOTE_ONLY_STAFF


def test_form_without_consent_shows_the_rule(basic_ticket, technician):
    client = Client()
    client.force_login(technician)
    start = timezone.localtime(TUESDAY_11)
    response = client.post(reverse("worklog:remote_create", args=[basic_ticket.pk]), {
        "tool": "AnyDesk", "session_id": "1", "kind": "support",
        "started_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (start + dt.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M"),
    })
    assert response.status_code == 200
    assert "§2" in response.content.decode()
    assert not RemoteSession.objects.exists()
