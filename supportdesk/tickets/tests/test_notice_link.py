"""An SLA notice always carries the desk link: without the route it fails loudly instead of
mailing a notice nobody can open from."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import NoReverseMatch, include, path

from supportdesk.accounts.tests.factories import TechnicianFactory
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.tickets.services import ticket_assign, ticket_create
from supportdesk.tickets.tasks import BREACH, _send_notice

pytestmark = pytest.mark.django_db

# A site without the desk: this module is the URLconf of the second test.
urlpatterns = [path("portal/", include("supportdesk.portal.urls"))]

RECEIVED = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))


def _ticket():
    tech = TechnicianFactory(email="tech@example.com")
    ticket = ticket_create(customer=CustomerFactory(), subject="Σφάλμα", body="",
                           received_via="phone", received_at=RECEIVED, by=tech)
    ticket_assign(ticket=ticket, assignee=tech, by=tech)
    return ticket


def test_notice_links_to_the_desk(config, django_capture_on_commit_callbacks):
    ticket = _ticket()
    with django_capture_on_commit_callbacks(execute=True):
        _send_notice(ticket.pk, BREACH)
    assert f"http://127.0.0.1:8000/desk/tickets/{ticket.pk}/" in mail.outbox[0].body


def test_without_the_desk_route_the_notice_fails_loudly(config, settings,
                                                        django_capture_on_commit_callbacks):
    ticket = _ticket()
    settings.ROOT_URLCONF = __name__
    with pytest.raises(NoReverseMatch), django_capture_on_commit_callbacks(execute=True):
        _send_notice(ticket.pk, BREACH)
    assert mail.outbox == []
