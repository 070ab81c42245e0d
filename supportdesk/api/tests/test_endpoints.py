"""The operations of v1 with tokens, as staff and as a customer: what they do, through the
pages' services. Intake is the portal's (a product with an inactive licence is refused,
exactly as the portal form refuses it); every POST that creates a request or moves money
is idempotent by key."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from supportdesk.agreements.models import Quote
from supportdesk.customers.models import Licence
from supportdesk.portal.forms import TicketNewForm
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services.lifecycle import PRODUCT_NOT_LICENSED
from supportdesk.worklog.models import WorkEntry

from .conftest import PDF

pytestmark = pytest.mark.django_db
TICKETS = "/api/v1/tickets/"


def _post(client, url, payload, **extra):
    return client.post(url, json.dumps(payload), content_type="application/json", **extra)


# --- intake, as the portal -------------------------------------------------------------------

def test_a_product_whose_licence_is_inactive_is_refused_as_by_the_portal(world, customer_a,
                                                                         bearer):
    # given A's licence of its product lapsed
    product = world["a"]["product"]
    Licence.objects.filter(customer=world["a"]["org"], product=product).update(
        is_active=False)
    before = Ticket.objects.count()
    # when A files about it over the API
    response = _post(bearer(customer_a), TICKETS, {"subject": "Θέμα", "product_id": product.pk})
    # then it is refused with the intake rule's code, and nothing is filed
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "product_not_licensed"
    assert response.json()["error"]["message"] == str(PRODUCT_NOT_LICENSED)
    assert Ticket.objects.count() == before
    # and the portal's form refuses the same product (it is not among its choices)
    form = TicketNewForm({"subject": "Θέμα", "body": "x", "category": "program_fault",
                          "product": product.pk}, customer_id=world["a"]["org"].pk)
    assert not form.is_valid() and "product" in form.errors


def test_a_customer_files_through_the_portal_intake(world, customer_a, bearer):
    response = _post(bearer(customer_a), TICKETS, {
        "subject": "Δεν τυπώνει", "product_id": world["a"]["product"].pk,
        "customer_id": world["b"]["org"].pk, "received_via": "phone", "priority": "urgent"})
    assert response.status_code == 201
    ticket = Ticket.objects.get(pk=response.json()["id"])
    # the staff-only fields are ignored: its own company, the portal channel, normal priority
    assert (ticket.customer_id, ticket.received_via, ticket.priority, ticket.contact_id) == (
        world["a"]["org"].pk, "portal", "normal", customer_a.pk)


# --- idempotent POSTs with a token ------------------------------------------------------------

def test_the_same_key_twice_files_one_request_and_repeats_the_answer(world, customer_a,
                                                                     bearer):
    client = bearer(customer_a)
    first = _post(client, TICKETS, {"subject": "Μία φορά"}, HTTP_IDEMPOTENCY_KEY="call-42")
    again = _post(client, TICKETS, {"subject": "Μία φορά"}, HTTP_IDEMPOTENCY_KEY="call-42")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Ticket.objects.filter(subject="Μία φορά").count() == 1
    # the key with another body: refused, nothing filed (422, as the IETF draft says)
    other = _post(client, TICKETS, {"subject": "Άλλο"}, HTTP_IDEMPOTENCY_KEY="call-42")
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert not Ticket.objects.filter(subject="Άλλο").exists()


def test_accepting_a_quote_twice_with_a_key_decides_once(world, customer_a, bearer):
    client = bearer(customer_a)
    url = f"/api/v1/quotes/{world['a']['quote'].pk}/accept"
    first = _post(client, url, {"note": "ναι"}, HTTP_IDEMPOTENCY_KEY="q-1")
    again = _post(client, url, {"note": "ναι"}, HTTP_IDEMPOTENCY_KEY="q-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and first.json()["status"] == "accepted"
    # without the key a second decision is refused by the service (already decided)
    assert _post(client, url, {"note": "ναι"}).status_code == 400
    assert Quote.objects.get(pk=world["a"]["quote"].pk).status == Quote.Status.ACCEPTED


def test_a_customer_declines_a_quote(world, customer_a, bearer):
    response = _post(bearer(customer_a), f"/api/v1/quotes/{world['a']['quote'].pk}/decline",
                     {"note": "όχι τώρα"})
    assert response.status_code == 200 and response.json()["status"] == "declined"


# --- staff -----------------------------------------------------------------------------------

def test_staff_change_status_assign_and_read_the_sla(world, technician, bearer):
    client = bearer(technician)
    ticket = world["a"]["ticket"]
    sla = client.get(f"{TICKETS}{ticket.pk}/sla")
    assert sla.status_code == 200 and sla.json()["state"]
    moved = _post(client, f"{TICKETS}{ticket.pk}/status", {"status": "waiting_customer"})
    assert moved.status_code == 200 and moved.json()["status"] == "waiting_customer"
    again = _post(client, f"{TICKETS}{ticket.pk}/status", {"status": "waiting_customer"})
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "status_unchanged"
    assigned = _post(client, f"{TICKETS}{ticket.pk}/assign", {"assignee_id": technician.pk})
    assert assigned.status_code == 200
    assert assigned.json()["assignee"]["id"] == technician.pk
    rows = client.get(TICKETS + "?assignee=me").json()["items"]
    assert [r["id"] for r in rows] == [ticket.pk]


def test_staff_record_work_once_per_key_and_customers_read_it(world, technician, customer_a,
                                                              bearer):
    client = bearer(technician)
    ticket = world["a"]["ticket"]
    payload = {"channel": "remote", "started_at": "2026-11-24T10:00:00+02:00",
               "ended_at": "2026-11-24T10:45:00+02:00", "description": "ρύθμιση"}
    url = f"{TICKETS}{ticket.pk}/work-entries"
    first = _post(client, url, payload, HTTP_IDEMPOTENCY_KEY="w-1")
    again = _post(client, url, payload, HTTP_IDEMPOTENCY_KEY="w-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and first.json()["duration_minutes"] == 45
    assert WorkEntry.objects.filter(ticket=ticket).count() == 2  # the fixture's + this one
    listed = bearer(customer_a, scopes=["read"]).get(url).json()
    assert {e["id"] for e in listed} == set(WorkEntry.objects.filter(ticket=ticket)
                                            .values_list("pk", flat=True))
    refused = _post(bearer(customer_a), url, payload)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "not_staff"


def test_staff_read_customers_contracts_and_balances(world, technician, bearer):
    client = bearer(technician, scopes=["read", "billing"])
    org = world["a"]["org"]
    page = client.get("/api/v1/customers/?q=Άλφα").json()
    assert [c["id"] for c in page["items"]] == [org.pk]
    detail = client.get(f"/api/v1/customers/{org.pk}").json()
    assert [c["is_in_force"] for c in detail["contracts"]] == [True]
    assert detail["contracts"][0]["tier"] == "basic"
    assert isinstance(detail["prepaid_bank_minutes"], int)
    assert all(a["left_minutes"] <= a["granted_minutes"] for a in detail["allowances"])


def test_statements_list_read_and_download(world, technician, customer_a, bearer):
    statement = world["a"]["statement"]
    staff = bearer(technician, scopes=["read", "billing"])
    rows = staff.get(f"/api/v1/statements/?customer={world['a']['org'].pk}").json()["items"]
    assert [r["id"] for r in rows] == [statement.pk]
    own = bearer(customer_a, scopes=["read", "billing"])
    detail = own.get(f"/api/v1/statements/{statement.pk}").json()
    assert detail["number"] == statement.display_number and detail["lines"]
    pdf = own.get(f"/api/v1/statements/{statement.pk}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"].startswith("attachment")
    csv = own.get(f"/api/v1/statements/{statement.pk}/csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")


def test_attachments_upload_list_and_download(world, customer_a, bearer):
    client = bearer(customer_a)
    ticket = world["a"]["ticket"]
    up = client.post(f"{TICKETS}{ticket.pk}/attachments",
                     {"file": SimpleUploadedFile("Τιμολόγιο.pdf", PDF)})
    assert up.status_code == 201, up.content
    download = client.get(up.json()["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment")
    names = {a["name"] for a in client.get(f"{TICKETS}{ticket.pk}/attachments").json()}
    assert "Τιμολόγιο.pdf" in names
    refused = client.post(f"{TICKETS}{ticket.pk}/attachments",
                          {"file": SimpleUploadedFile("run.exe", b"MZ\x90\x00" * 50)})
    assert refused.status_code == 400


def test_releases_by_entitlement(world, customer_a, bearer):
    client = bearer(customer_a)
    listed = client.get("/api/v1/releases/").json()
    assert [r["id"] for r in listed] == [world["a"]["release"].pk]
    download = client.get(listed[0]["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"PK")


def test_an_upload_with_a_key_and_a_session_csrf_token_is_stored_once(world, customer_a):
    # the CSRF check parses the multipart body: the key's fingerprint must still see it
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer_a)
    client.get("/accounts/api-tokens/")  # any page with a form sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    url = f"{TICKETS}{world['a']['ticket'].pk}/attachments"

    def upload():
        return client.post(url, {"file": SimpleUploadedFile("Δελτίο.pdf", PDF)},
                           HTTP_X_CSRFTOKEN=csrf, HTTP_IDEMPOTENCY_KEY="up-1")

    first, again = upload(), upload()
    assert first.status_code == again.status_code == 201, first.content
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert world["a"]["ticket"].attachments.filter(original_name="Δελτίο.pdf").count() == 1
