"""The notification events of other apps, told through the same mechanism (issue 10): a
statement issued (prepaid hours, a billing run) to the customer's active users, an
emergency recorded to the managers."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from supportdesk.accounts.tests.factories import ManagerFactory, TechnicianFactory, UserFactory
from supportdesk.billing.services.sales import prepaid_purchase_create
from supportdesk.notifications.models import Notification
from supportdesk.worklog.services.emergencies import emergency_intake


@pytest.fixture
def people(config, org_a):
    return {"maria": UserFactory(username="maria", email="maria@alfa.gr", customer=org_a),
            "old": UserFactory(username="old", email="old@alfa.gr", customer=org_a,
                               is_active=False),
            "tech": TechnicianFactory(username="tech", email="tech@jewelsoft.example"),
            "boss": ManagerFactory(username="boss", email="boss@jewelsoft.example"),
            "a": org_a}


def test_a_prepaid_statement_is_told_to_the_customers_active_users(
        people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        purchase = prepaid_purchase_create(customer=people["a"], hours=10,
                                           on=timezone.localdate(), by=people["boss"])
    rows = Notification.objects.filter(event="statement_issued")
    assert [r.user_id for r in rows] == [people["maria"].pk]
    assert [m.to for m in mail.outbox] == [["maria@alfa.gr"]]
    statement = purchase.statement if hasattr(purchase, "statement") else None
    assert "Εκδόθηκε το παραστατικό" in mail.outbox[0].subject
    assert "/portal/statements/" in mail.outbox[0].body
    if statement is not None:
        assert statement.display_number in mail.outbox[0].subject


def test_an_emergency_is_told_to_the_managers(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = emergency_intake(customer=people["a"], subject="Έπεσε ο server",
                                  body="Μήνυμα στο κινητό", contact_name="Κώστας",
                                  received_at=timezone.now() - dt.timedelta(minutes=5),
                                  by=people["tech"])
    told = [m for m in mail.outbox if m.to == ["boss@jewelsoft.example"]]
    assert any("Έκτακτο" in m.subject and ticket.reference in m.subject for m in told)
    assert not any("Έκτακτο" in m.subject for m in mail.outbox
                   if m.to == ["tech@jewelsoft.example"])
