"""/api/v1/tickets (supportdesk/api/tickets.py) as a customer user and as staff: list,
read, open and reply, and the error answers of supportdesk/api/urls.py: 422 with the field
errors for input the schema refuses, 400 with the rule's code for an ApplicationError, 404
(the same body whether the id exists or not), 403 for a session write without its CSRF
token (docs/security.md #12).

Cross-customer isolation over the API (another company's rows, mass assignment, internal
notes) is checked in tests/security/test_tenancy.py; malformed bodies in
tests/security/test_bad_input.py."""

import json

import pytest
from django.test import Client
from django.utils import translation

from supportdesk.catalog.tests.factories import ProductFactory
from supportdesk.customers.tests.factories import LicenceFactory
from supportdesk.tickets.models import Message, Ticket
from supportdesk.tickets.services import ticket_change_status, ticket_create, ticket_reply
from supportdesk.tickets.services._common import TEXT_REQUIRED
from supportdesk.tickets.services.lifecycle import (
    PRODUCT_NOT_LICENSED,
    PRODUCT_UNKNOWN,
    REPLY_ON_CLOSED,
    SUBJECT,
)

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client, url, payload, **extra):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post(url, body, content_type="application/json", **extra)


def _el(text) -> str:
    with translation.override("el"):
        return str(text)


@pytest.fixture
def as_customer(customer_a):
    return _client_for(customer_a)


@pytest.fixture
def as_staff(technician):
    return _client_for(technician)


@pytest.fixture
def requests_(config, org_a, org_b, technician):
    """Two requests of org A (the second newer) and one of org B."""
    first = ticket_create(customer=org_a, subject="Πρώτο αίτημα Άλφα", body="α1",
                          received_via="phone", by=technician)
    second = ticket_create(customer=org_a, subject="Δεύτερο αίτημα Άλφα", body="α2",
                           received_via="phone", by=technician)
    other = ticket_create(customer=org_b, subject="Αίτημα Βήτα", body="β",
                          received_via="phone", by=technician)
    return {"first": first, "second": second, "b": other}


# --- as a customer user ------------------------------------------------------------------

def test_customer_lists_its_requests_newest_first(requests_, as_customer):
    response = as_customer.get(TICKETS)
    assert response.status_code == 200
    rows = response.json()["items"]
    assert [r["id"] for r in rows] == [requests_["second"].pk, requests_["first"].pk]
    assert rows[0]["subject"] == "Δεύτερο αίτημα Άλφα"
    assert rows[0]["reference"] == requests_["second"].reference


def test_customer_list_filters_searches_and_pages(requests_, as_customer, technician):
    ticket_change_status(ticket=requests_["first"], status="resolved", by=technician)
    def ids(query):
        return [r["id"] for r in as_customer.get(TICKETS + query).json()["items"]]

    assert ids("?status=new") == [requests_["second"].pk]
    assert ids("?q=Πρώτο") == [requests_["first"].pk]
    # cursor pagination: the next page continues after the last row, the last has no cursor
    first_page = as_customer.get(TICKETS + "?limit=1").json()
    assert [r["id"] for r in first_page["items"]] == [requests_["second"].pk]
    second_page = as_customer.get(TICKETS + f"?limit=1&cursor={first_page['next_cursor']}")
    assert [r["id"] for r in second_page.json()["items"]] == [requests_["first"].pk]
    assert second_page.json()["next_cursor"] is None


def test_customer_reads_its_request(requests_, org_a, as_customer):
    ticket = requests_["first"]
    response = as_customer.get(f"{TICKETS}{ticket.pk}")
    assert response.status_code == 200
    data = response.json()
    assert data["id"] == ticket.pk
    assert data["reference"] == ticket.reference
    assert (data["subject"], data["body"], data["status"]) == ("Πρώτο αίτημα Άλφα", "α1", "new")
    assert data["customer"] == {"id": org_a.pk, "name": org_a.name}
    assert data["tier"] == "free"
    assert data["received_via"] == "phone"
    assert data["response_due_at"] is not None


def test_customer_opens_a_request(config, org_a, customer_a, product, as_customer):
    LicenceFactory(customer=org_a, product=product)
    response = _post(as_customer, TICKETS, {
        "subject": "Νέο από το API", "body": "Περιγραφή", "category": "how_to",
        "product_id": product.pk})
    assert response.status_code == 201
    data = response.json()
    ticket = Ticket.objects.get(pk=data["id"])
    assert (data["subject"], data["category"], data["product_id"]) == (
        "Νέο από το API", "how_to", product.pk)
    assert data["customer"]["id"] == org_a.pk
    assert ticket.contact_id == customer_a.pk
    assert ticket.received_via == Ticket.ReceivedVia.PORTAL
    assert ticket.status == Ticket.Status.NEW


def test_customer_cannot_name_a_product_it_does_not_license(config, as_customer):
    # the same rule and message as the portal's form (§10); an unknown id is a 404
    other = ProductFactory()
    response = _post(as_customer, TICKETS, {"subject": "Θέμα", "product_id": other.pk})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "product_not_licensed"
    assert not Ticket.objects.exists()
    response = _post(as_customer, TICKETS, {"subject": "Θέμα", "product_id": other.pk + 999})
    assert response.status_code == 404
    assert not Ticket.objects.exists()


def test_customer_cannot_name_a_product_whose_licence_lapsed(config, org_a, product,
                                                              as_customer):
    LicenceFactory(customer=org_a, product=product, is_active=False)
    response = _post(as_customer, TICKETS, {"subject": "Θέμα", "product_id": product.pk})
    assert response.status_code == 400
    assert response.json() == {"error": {
        "message": _el(PRODUCT_NOT_LICENSED), "code": "product_not_licensed",
        "fields": {"product_id": [_el(PRODUCT_NOT_LICENSED)]}}}
    assert not Ticket.objects.exists()


def test_customer_replies_and_reads_the_conversation(requests_, customer_a, technician,
                                                     as_customer):
    ticket = requests_["first"]
    ticket_reply(ticket=ticket, body="Στείλτε φωτογραφία", by=technician)
    response = _post(as_customer, f"{TICKETS}{ticket.pk}/messages", {"body": "Την έστειλα"})
    assert response.status_code == 201
    reply = response.json()
    assert (reply["body"], reply["is_internal"]) == ("Την έστειλα", False)
    assert reply["author_name"] == customer_a.get_full_name()
    assert Message.objects.get(pk=reply["id"]).author_id == customer_a.pk
    conversation = as_customer.get(f"{TICKETS}{ticket.pk}/messages").json()
    assert [m["body"] for m in conversation] == ["Στείλτε φωτογραφία", "Την έστειλα"]


# --- as staff ------------------------------------------------------------------------------

def test_staff_list_and_read_every_customers_requests(requests_, as_staff):
    ids = {r["id"] for r in as_staff.get(TICKETS + "?status=all").json()["items"]}
    assert ids == {t.pk for t in requests_.values()}
    response = as_staff.get(f"{TICKETS}{requests_['b'].pk}")
    assert response.status_code == 200
    assert response.json()["subject"] == "Αίτημα Βήτα"


def test_staff_open_a_request_for_a_named_customer(config, org_b, as_staff):
    response = _post(as_staff, TICKETS, {"subject": "Για τον Βήτα", "customer_id": org_b.pk})
    assert response.status_code == 201
    data = response.json()
    assert data["customer"] == {"id": org_b.pk, "name": org_b.name}
    ticket = Ticket.objects.get(pk=data["id"])
    assert ticket.customer_id == org_b.pk
    assert ticket.contact_id is None


def test_staff_reply_is_the_first_response_and_opens_the_request(requests_, technician,
                                                                 as_staff):
    ticket = requests_["b"]
    assert ticket.first_response_at is None
    response = _post(as_staff, f"{TICKETS}{ticket.pk}/messages", {"body": "Το κοιτάμε"})
    assert response.status_code == 201
    assert response.json()["is_internal"] is False
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    assert ticket.status == Ticket.Status.OPEN
    read = as_staff.get(f"{TICKETS}{ticket.pk}").json()
    assert read["status"] == "open"
    assert read["first_response_at"] is not None


def test_staff_add_an_internal_note(requests_, as_staff):
    ticket = requests_["first"]
    response = _post(as_staff, f"{TICKETS}{ticket.pk}/messages",
                     {"body": "Σημείωση", "is_internal": True})
    assert response.status_code == 201
    assert response.json()["is_internal"] is True
    ticket.refresh_from_db()
    assert ticket.first_response_at is None  # a note is no response to the customer
    staff_view = as_staff.get(f"{TICKETS}{ticket.pk}/messages").json()
    assert [(m["body"], m["is_internal"]) for m in staff_view] == [("Σημείωση", True)]


# --- error answers -------------------------------------------------------------------------

def test_input_the_schema_refuses_is_a_422_with_the_field_errors(config, as_customer):
    response = _post(as_customer, TICKETS, {"body": "no subject", "product_id": 0})
    assert response.status_code == 422
    data = response.json()["error"]
    assert data["code"] == "invalid_input"
    assert set(data["fields"]) == {"subject", "product_id"}
    assert all(messages and all(messages) for messages in data["fields"].values())
    assert not Ticket.objects.exists()


def test_an_overlong_subject_is_a_422_naming_the_field(config, as_customer):
    response = _post(as_customer, TICKETS, {"subject": "x" * 201})
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["subject"]
    assert not Ticket.objects.exists()


def test_a_refused_rule_is_a_400_with_its_code(config, as_customer):
    # A subject of spaces passes the schema; the service refuses it (ApplicationError).
    response = _post(as_customer, TICKETS, {"subject": "   ", "body": "x"})
    assert response.status_code == 400
    data = response.json()["error"]
    assert data["code"] == "required"
    with translation.override("el"):
        assert data["message"] == str(TEXT_REQUIRED % {"field": SUBJECT})  # for people
    assert not Ticket.objects.exists()


def test_an_inactive_product_is_a_400_with_its_code(config, org_a, as_customer):
    retired = ProductFactory(is_active=False)
    LicenceFactory(customer=org_a, product=retired)
    response = _post(as_customer, TICKETS, {"subject": "Θέμα", "product_id": retired.pk})
    assert response.status_code == 400
    assert response.json()["error"] == {"message": _el(PRODUCT_UNKNOWN),
                                        "code": "product_unknown",
                                        "fields": {"product_id": [_el(PRODUCT_UNKNOWN)]}}
    assert not Ticket.objects.exists()


def test_reply_to_a_closed_request_is_a_400_with_its_code(requests_, technician, as_customer):
    ticket = requests_["first"]
    ticket_change_status(ticket=ticket, status="closed", by=technician)
    response = _post(as_customer, f"{TICKETS}{ticket.pk}/messages", {"body": "Ακόμα;"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "ticket_closed"
    assert response.json()["error"]["message"] == _el(REPLY_ON_CLOSED)
    assert not Message.objects.filter(ticket=ticket).exists()


@pytest.mark.parametrize(("method", "path"), [
    ("get", "{id}"), ("get", "{id}/messages"), ("post", "{id}/messages"),
])
def test_another_customers_id_is_a_404_like_an_id_that_does_not_exist(
        requests_, as_customer, method, path):
    def call(ticket_id):
        url = TICKETS + path.format(id=ticket_id)
        if method == "get":
            return as_customer.get(url)
        return _post(as_customer, url, {"body": "hi"})

    foreign = call(requests_["b"].pk)
    missing = call(999_999)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert foreign.json()["error"]["code"] == "not_found"
    assert not Message.objects.filter(body="hi").exists()


@pytest.fixture
def csrf_client(customer_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer_a)
    return client


def _csrf_token(client) -> str:
    client.get("/portal/requests/new/")  # any form page sets the cookie
    return client.cookies["csrftoken"].value


def test_session_writes_without_the_csrf_token_are_refused(requests_, csrf_client):
    ticket = requests_["first"]
    before = (Ticket.objects.count(), Message.objects.count())
    opened = _post(csrf_client, TICKETS, {"subject": "Χωρίς token"})
    replied = _post(csrf_client, f"{TICKETS}{ticket.pk}/messages", {"body": "Χωρίς token"})
    assert opened.status_code == replied.status_code == 403
    assert (Ticket.objects.count(), Message.objects.count()) == before
    # reads need no token
    assert csrf_client.get(f"{TICKETS}{ticket.pk}").status_code == 200


def test_session_writes_with_the_csrf_token_go_through(requests_, csrf_client):
    token = _csrf_token(csrf_client)
    opened = _post(csrf_client, TICKETS, {"subject": "Με token"}, HTTP_X_CSRFTOKEN=token)
    replied = _post(csrf_client, f"{TICKETS}{requests_['first'].pk}/messages",
                    {"body": "Με token"}, HTTP_X_CSRFTOKEN=token)
    assert opened.status_code == replied.status_code == 201
    assert Ticket.objects.filter(subject="Με token").exists()
    assert Message.objects.filter(body="Με token").exists()


def test_a_wrong_csrf_token_is_refused(requests_, csrf_client):
    _csrf_token(csrf_client)
    response = _post(csrf_client, TICKETS, {"subject": "Ξένο token"},
                     HTTP_X_CSRFTOKEN="x" * 64)
    assert response.status_code == 403
    assert not Ticket.objects.filter(subject="Ξένο token").exists()
