"""The e-invoice pages: the month with its statuses and its one button, a statement's
problems field by field and the provider's errors, and the billing pages' status."""

from __future__ import annotations

import pytest
from django.urls import reverse

from supportdesk.billing.models import Statement
from supportdesk.common.tests.helpers import page_form_token
from supportdesk.einvoicing.documents import schemas
from supportdesk.einvoicing.models import Submission


@pytest.fixture
def sent_after_commit(django_capture_on_commit_callbacks):
    """The hand-off runs after the commit (eagerly here, as in the embedded install)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(bool(schemas.schema_problems("mydata")),
                       reason="the official myDATA schema files are not laid out"),
]


def _month(statement) -> str:
    return statement.issued_at.strftime("%Y-%m")


def test_the_manager_sends_the_month_and_sees_it_registered(stand_in, statements, manager,
                                                             client, sent_after_commit):
    # given
    client.force_login(manager)
    page = reverse("einvoicing:home") + f"?month={_month(statements[0])}"
    token = page_form_token(client, page)
    # when: the button, twice (a double click posts the same token)
    data = {"month": _month(statements[0]), "form_token": token}
    with sent_after_commit():
        first = client.post(reverse("einvoicing:send_month"), data)
        second = client.post(reverse("einvoicing:send_month"), data)
    # then
    assert first.status_code == second.status_code == 302
    assert stand_in.registrations == 3
    assert set(Statement.objects.values_list("einvoice_status", flat=True)) == {"registered"}
    body = client.get(page).content.decode()
    for statement in Statement.objects.all():
        assert statement.mark in body


def test_the_rejection_is_shown_on_the_statements_page(stand_in, statement, manager, client,
                                                       sent_after_commit):
    stand_in.mode = "reject"
    client.force_login(manager)
    url = reverse("einvoicing:statement", args=[statement.pk])
    token = page_form_token(client, url)
    with sent_after_commit():
        response = client.post(reverse("einvoicing:send", args=[statement.pk]),
                               {"form_token": token})
    assert response.status_code == 302
    body = client.get(url).content.decode()
    assert "Ο ΑΦΜ του λήπτη δεν είναι καταχωρισμένος στο Μητρώο" in body
    assert "counterpart.vatNumber" in body
    assert "einvoice-rejected" in client.get(reverse("billing:home")).content.decode()


def test_the_problems_are_listed_field_by_field(stand_in, statement, manager, client,
                                                sent_after_commit):
    Statement.objects.filter(pk=statement.pk).update(customer_tax_number="123")
    client.force_login(manager)
    url = reverse("einvoicing:statement", args=[statement.pk])
    token = page_form_token(client, url)
    with sent_after_commit():
        client.post(reverse("einvoicing:send", args=[statement.pk]), {"form_token": token})
    submission = Submission.objects.get(statement=statement)
    response = client.get(url)
    rows = response.context["problems"]
    assert rows
    assert [r.field for r in rows] == [p["field"] for p in submission.problems]
    assert all(r.label and r.message for r in rows)
    body = response.content.decode()
    assert 'id="einvoice-problems"' in body
    for row in rows:
        assert str(row.label) in body
    assert stand_in.received == []


def test_technicians_read_but_cannot_send(stand_in, statement, technician, client):
    client.force_login(technician)
    url = reverse("einvoicing:statement", args=[statement.pk])
    assert client.get(url).status_code == 200
    response = client.post(reverse("einvoicing:send", args=[statement.pk]), {})
    assert response.status_code == 403
    assert stand_in.received == []


def test_customers_get_no_einvoice_page(statement, customer_a, client):
    client.force_login(customer_a)
    response = client.get(reverse("einvoicing:statement", args=[statement.pk]))
    assert response.status_code in (302, 403, 404)


def test_without_a_provider_the_pages_say_so_and_the_mark_can_be_typed(statement, manager,
                                                                       client):
    client.force_login(manager)
    body = client.get(reverse("einvoicing:home")).content.decode()
    assert 'id="no-provider"' in body and 'id="send-month"' not in body
    page = client.get(reverse("billing:statement", args=[statement.pk])).content.decode()
    assert reverse("billing:mark", args=[statement.pk]) in page
    assert "einvoice-draft" in page


def test_with_a_provider_the_mark_form_is_gone(stand_in, statement, manager, client):
    client.force_login(manager)
    page = client.get(reverse("billing:statement", args=[statement.pk])).content.decode()
    assert reverse("billing:mark", args=[statement.pk]) not in page
    assert reverse("einvoicing:statement", args=[statement.pk]) in page


def test_a_bad_month_is_a_clear_message_and_sends_nothing(stand_in, statement, manager,
                                                          client):
    client.force_login(manager)
    response = client.get(reverse("einvoicing:home") + "?month=9999-99")
    assert response.status_code == 200 and response.context["form"].errors
    response = client.post(reverse("einvoicing:send_month"), {"month": "0001-01"})
    assert response.status_code == 302
    assert stand_in.received == []
