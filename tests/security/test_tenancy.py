"""A customer never sees or changes another customer's data (docs/security.md #1-#4, #6,
#7), through the portal pages or the REST API.

Only the isolation checks live here; the features they guard are tested beside their code:
the portal's pages, statements, quotes and hold in supportdesk/portal/tests/, the release
entitlement (§4) in supportdesk/catalog/tests/, the API's operations and error answers in
supportdesk/api/tests/."""

import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from supportdesk.agreements.models import Quote
from supportdesk.agreements.services import quote_issue
from supportdesk.billing.models import Statement
from supportdesk.billing.selectors import customer_hold_state
from supportdesk.billing.services import billing_run
from supportdesk.tickets.models import Attachment, Message, Ticket
from supportdesk.tickets.services import (
    attachment_add,
    ticket_classify,
    ticket_create,
    ticket_reply,
)
from supportdesk.worklog.services.entries import work_entry_create

SECRET_SUBJECT = "Κρυφό θέμα του Βήτα"
INTERNAL_NOTE = "Εσωτερική σημείωση: μην το πεις στον πελάτη"


@pytest.fixture
def world(config, product, org_a, org_b, customer_a, customer_b, technician):
    ticket_a = ticket_create(customer=org_a, subject="Θέμα του Άλφα", body="α",
                             received_via="phone", by=technician)
    ticket_b = ticket_create(customer=org_b, subject=SECRET_SUBJECT, body="β",
                             received_via="phone", by=technician)
    ticket_reply(ticket=ticket_a, body=INTERNAL_NOTE, by=technician, is_internal=True)
    ticket_reply(ticket=ticket_a, body="Δημόσια απάντηση", by=technician)
    attachment_b = attachment_add(
        ticket=ticket_b, by=technician, is_internal=False,
        uploaded_file=SimpleUploadedFile("b.txt", b"secret of B", content_type="text/plain"),
    )
    return {"a": ticket_a, "b": ticket_b, "attachment_b": attachment_b}


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("path", [
    "/portal/requests/{b}/",
    "/api/v1/tickets/{b}",
    "/api/v1/tickets/{b}/messages",
    "/portal/attachments/{att}/",
])
def test_customer_a_gets_404_for_b_objects(world, customer_a, path):
    client = _client_for(customer_a)
    response = client.get(path.format(b=world["b"].pk, att=world["attachment_b"].uuid))
    assert response.status_code == 404
    assert SECRET_SUBJECT.encode() not in response.content
    assert b"secret of B" not in b"".join(getattr(response, "streaming_content", [b""]))


@pytest.mark.django_db
def test_lists_never_show_b_rows(world, customer_a):
    client = _client_for(customer_a)
    portal = client.get("/portal/")
    api = client.get("/api/v1/tickets/?status=all")
    assert portal.status_code == api.status_code == 200
    assert SECRET_SUBJECT not in portal.content.decode()
    ids = {row["id"] for row in api.json()["items"]}
    assert ids == {world["a"].pk}
    searched = client.get("/api/v1/tickets/?status=all&q=Κρυφό")
    assert searched.json()["items"] == []


@pytest.mark.django_db
def test_reply_to_b_ticket_is_refused_and_changes_nothing(world, customer_a):
    client = _client_for(customer_a)
    before = Message.objects.count()
    web = client.post(f"/portal/requests/{world['b'].pk}/reply/", {"body": "hi"})
    api = client.post(f"/api/v1/tickets/{world['b'].pk}/messages",
                      json.dumps({"body": "hi"}), content_type="application/json")
    assert web.status_code == 404
    assert api.status_code == 404
    assert Message.objects.count() == before


@pytest.mark.django_db
def test_api_create_ignores_mass_assigned_fields(world, customer_a, org_b, technician):
    client = _client_for(customer_a)
    payload = {
        "subject": "Νέο", "body": "x", "customer_id": org_b.pk, "organization": org_b.pk,
        "assignee": technician.pk, "status": "closed", "tier": "business", "billable": False,
        "rate": "0", "is_staff": True,
    }
    response = client.post("/api/v1/tickets/", json.dumps(payload),
                           content_type="application/json")
    assert response.status_code == 201
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert ticket.customer_id == customer_a.customer_id
    assert ticket.assignee_id is None
    assert ticket.status == Ticket.Status.NEW
    assert ticket.tier == "free"  # org A has no contract
    customer_a.refresh_from_db()
    assert customer_a.is_staff is False


@pytest.mark.django_db
def test_internal_notes_never_reach_the_customer(world, customer_a):
    client = _client_for(customer_a)
    page = client.get(f"/portal/requests/{world['a'].pk}/").content.decode()
    api = client.get(f"/api/v1/tickets/{world['a'].pk}/messages").json()
    assert INTERNAL_NOTE not in page
    assert "Δημόσια απάντηση" in page
    assert all(INTERNAL_NOTE not in m["body"] for m in api)
    assert all(not m["is_internal"] for m in api)


@pytest.mark.django_db
def test_customer_cannot_post_internal_notes_through_the_api(world, customer_a):
    client = _client_for(customer_a)
    response = client.post(f"/api/v1/tickets/{world['a'].pk}/messages",
                           json.dumps({"body": "sneaky", "is_internal": True}),
                           content_type="application/json")
    assert response.status_code == 400
    assert not Message.objects.filter(body="sneaky").exists()


@pytest.mark.django_db
def test_api_writes_need_the_csrf_token(world, customer_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer_a)
    response = client.post("/api/v1/tickets/", json.dumps({"subject": "x"}),
                           content_type="application/json")
    assert response.status_code == 403
    assert not Ticket.objects.filter(subject="x").exists()


@pytest.mark.django_db
def test_user_moved_to_another_company_sees_only_the_new_one(world, customer_a, org_b):
    client = _client_for(customer_a)
    assert client.get(f"/api/v1/tickets/{world['a'].pk}").status_code == 200
    customer_a.customer = org_b
    customer_a.save()
    assert client.get(f"/api/v1/tickets/{world['a'].pk}").status_code == 404
    assert client.get(f"/api/v1/tickets/{world['b'].pk}").status_code == 200


@pytest.mark.django_db
def test_deactivated_user_is_refused_at_once(world, customer_a):
    client = _client_for(customer_a)
    customer_a.is_active = False
    customer_a.save()
    assert client.get("/api/v1/tickets/").status_code == 401
    assert client.get("/portal/").status_code == 302


@pytest.mark.django_db
def test_portal_attachment_is_a_download_with_nosniff(world, customer_b):
    client = _client_for(customer_b)
    response = client.get(f"/portal/attachments/{world['attachment_b'].uuid}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert Attachment.objects.count() == 1


@pytest.fixture
def statement_b(world, org_b, technician, manager):
    athens = ZoneInfo("Europe/Athens")
    start = dt.datetime(2026, 10, 6, 11, 0, tzinfo=athens)
    work_entry_create(ticket=world["b"], technician=technician, channel="phone",
                      started_at=start, ended_at=start + dt.timedelta(minutes=30), by=technician)
    billing_run(period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 10, 31), by=manager)
    return Statement.objects.get(customer=org_b)


@pytest.mark.django_db
def test_customer_a_cannot_list_or_download_b_statements(statement_b, customer_a):
    # (That B itself gets its PDF as a download is
    # test_customer_downloads_its_own_statement_as_a_pdf in portal/tests/test_statements.py.)
    client_a = _client_for(customer_a)
    assert client_a.get(f"/portal/statements/{statement_b.pk}/pdf/").status_code == 404
    assert statement_b.customer_name not in client_a.get("/portal/statements/").content.decode()


@pytest.mark.django_db
def test_another_companys_support_hold_never_shows(statement_b, org_b, customer_a):
    # (That B is told why its support is on hold is test_customer_sees_its_own_support_hold
    # in supportdesk/portal/tests/test_home.py.)

    # given B's October statement, unpaid long after its due date (B is on hold)
    later = dt.datetime.combine(statement_b.due_on + dt.timedelta(days=90), dt.time(12),
                                tzinfo=dt.UTC)
    assert customer_hold_state(org_b, later.date()).is_on_hold
    with time_machine.travel(later, tick=False):
        page_a = _client_for(customer_a).get("/portal/").content.decode()
    # then A (who owes nothing) is not on hold
    assert "hold-banner" not in page_a


@pytest.fixture
def quotes(world, technician, manager):
    out = {}
    for key in ("a", "b"):
        ticket = world[key]
        ticket_classify(ticket=ticket, category="virus", by=technician)
        out[key] = quote_issue(ticket=ticket, by=manager, amount=Decimal("120.00"),
                                description=f"Καθαρισμός ιών {key}")
    return out


@pytest.mark.django_db
def test_ticket_page_never_shows_another_companys_quotes(quotes, world, customer_a):
    # (Accepting its own quote is test_customer_accepts_its_own_quote_in_the_portal in
    # supportdesk/portal/tests/test_quotes.py.)
    client = _client_for(customer_a)
    page = client.get(f"/portal/requests/{world['a'].pk}/").content.decode()
    assert "Καθαρισμός ιών a" in page
    assert "Καθαρισμός ιών b" not in page


@pytest.mark.django_db
def test_customer_cannot_decide_another_companys_quote(quotes, customer_a):
    client = _client_for(customer_a)
    response = client.post(f"/portal/quotes/{quotes['b'].pk}/decide/", {"decision": "accept"})
    assert response.status_code == 404
    assert Quote.objects.get(pk=quotes["b"].pk).status == Quote.Status.PROPOSED
