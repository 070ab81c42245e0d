"""A customer's token never reads or writes another company's data, over every operation
of the API (docs/security.md #1, #37): customer A's token aimed at company B's objects gets
a 404 (or 403 where the operation is staff-only), lists show nothing of B, nothing of B
changes, and no answer carries B's text. The same calls on A's own objects succeed, so the
refusals are not an accident of a broken route. The parametrisation covers the whole route
matrix (``API_OPERATIONS``): a new operation without a row here fails."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from supportdesk.agreements.models import Quote
from supportdesk.tickets.models import Attachment, Message, Ticket
from supportdesk.worklog.models import WorkEntry
from tests.security.test_route_matrix import API_OPERATIONS

from .conftest import PDF

pytestmark = pytest.mark.django_db

LIST = "list"  # 200, and nothing of the other company in it
# (method, path) -> (answer to A's token on B's objects, answer on A's own objects)
EXPECTED = {
    ("GET", "/v1/tickets/"): (LIST, 200),
    ("POST", "/v1/tickets/"): (400, 201),  # B's product: not licensed to A (the portal rule)
    ("GET", "/v1/tickets/{ticket_id}"): (404, 200),
    ("GET", "/v1/tickets/{ticket_id}/sla"): (404, 200),
    ("POST", "/v1/tickets/{ticket_id}/status"): (404, 403),  # staff only
    ("POST", "/v1/tickets/{ticket_id}/assign"): (404, 403),  # staff only
    ("GET", "/v1/tickets/{ticket_id}/messages"): (404, 200),
    ("POST", "/v1/tickets/{ticket_id}/messages"): (404, 201),
    ("GET", "/v1/tickets/{ticket_id}/attachments"): (404, 200),
    ("POST", "/v1/tickets/{ticket_id}/attachments"): (404, 201),
    ("GET", "/v1/tickets/{ticket_id}/work-entries"): (404, 200),
    ("POST", "/v1/tickets/{ticket_id}/work-entries"): (403, 403),  # staff only
    ("GET", "/v1/tickets/{ticket_id}/quotes"): (404, 200),
    ("GET", "/v1/attachments/{attachment_uuid}"): (404, 200),
    ("GET", "/v1/quotes/{quote_id}"): (404, 200),
    ("POST", "/v1/quotes/{quote_id}/accept"): (404, 200),
    ("POST", "/v1/quotes/{quote_id}/decline"): (404, 200),
    ("GET", "/v1/releases/"): (LIST, 200),
    ("GET", "/v1/releases/{release_id}/download"): (404, 200),
    ("GET", "/v1/customers/"): (403, 403),  # staff only
    ("GET", "/v1/customers/{customer_id}"): (403, 403),
    ("GET", "/v1/statements/"): (LIST, 200),
    ("GET", "/v1/statements/{statement_id}"): (404, 200),
    ("GET", "/v1/statements/{statement_id}/pdf"): (404, 200),
    ("GET", "/v1/statements/{statement_id}/csv"): (404, 200),
    # an article of B's product only (A holds no licence for it), entitlement-only
    ("GET", "/v1/articles/"): (LIST, 200),
    ("GET", "/v1/articles/{article_id}"): (404, 200),
}


def test_every_operation_has_a_tenancy_row():
    assert set(EXPECTED) == API_OPERATIONS


def _call(client, method, template, side, *, product, technician):
    url = "/api" + template.format(
        ticket_id=side["ticket"].pk, attachment_uuid=side["attachment"].uuid,
        quote_id=side["quote"].pk, release_id=side["release"].pk,
        customer_id=side["org"].pk, statement_id=side["statement"].pk,
        article_id=side["article"].pk)
    if method == "GET":
        return client.get(url)
    if template.endswith("/attachments"):
        upload = SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf")
        return client.post(url, {"file": upload})
    body = {
        "/v1/tickets/": {"subject": "Από το σενάριο", "product_id": product.pk,
                         "customer_id": side["org"].pk},
        "/v1/tickets/{ticket_id}/status": {"status": "resolved"},
        "/v1/tickets/{ticket_id}/assign": {"assignee_id": technician.pk},
        "/v1/tickets/{ticket_id}/messages": {"body": "γεια"},
        "/v1/tickets/{ticket_id}/work-entries": {
            "channel": "phone", "started_at": "2026-11-24T10:00:00+02:00",
            "ended_at": "2026-11-24T10:30:00+02:00"},
    }.get(template, {})
    return client.post(url, json.dumps(body), content_type="application/json")


def _b_state(b):
    return (Message.objects.filter(ticket=b["ticket"]).count(),
            Attachment.objects.filter(ticket=b["ticket"]).count(),
            WorkEntry.objects.filter(ticket=b["ticket"]).count(),
            Ticket.objects.filter(customer=b["org"]).count(),
            Ticket.objects.get(pk=b["ticket"].pk).status,
            Ticket.objects.get(pk=b["ticket"].pk).assignee_id,
            Quote.objects.get(pk=b["quote"].pk).status)


def _text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


@pytest.mark.parametrize(("method", "template"), sorted(EXPECTED))
def test_customer_token_never_reaches_another_company(world, customer_a, technician, bearer,
                                                      method, template):
    # given customer A's token with every scope, and company B's objects
    a, b = world["a"], world["b"]
    client = bearer(customer_a)
    before = _b_state(b)
    # when A's token is aimed at B's objects (and, creating, at B's product)
    response = _call(client, method, template, b, product=b["product"],
                     technician=technician)
    # then it is refused (or, for a list, shows nothing of B), B is unchanged,
    # and nothing of B is in the answer
    expected = EXPECTED[(method, template)][0]
    assert response.status_code == (200 if expected == LIST else expected), _text(response)
    assert _b_state(b) == before
    text = _text(response)
    assert b["secret"] not in text and b["org"].name not in text
    if response.status_code >= 400:
        assert set(response.json()) == {"error"}
    if expected == LIST:
        data = response.json()
        ids = {row["id"] for row in (data["items"] if isinstance(data, dict) else data)}
        b_ids = {b["ticket"].pk, b["quoted"].pk, b["statement"].pk, b["release"].pk}
        own_ids = {a["ticket"].pk, a["quoted"].pk, a["statement"].pk, a["release"].pk}
        if template.startswith("/v1/articles"):  # ids of another table
            b_ids, own_ids = {b["article"].pk}, {a["article"].pk}
        assert ids and ids <= own_ids
        assert not ids & (b_ids - own_ids)


@pytest.mark.parametrize(("method", "template"), sorted(EXPECTED))
def test_the_same_calls_on_its_own_company_succeed(world, customer_a, technician, bearer,
                                                   method, template):
    a = world["a"]
    client = bearer(customer_a)
    response = _call(client, method, template, a, product=a["product"],
                     technician=technician)
    assert response.status_code == EXPECTED[(method, template)][1], _text(response)
    assert world["b"]["secret"] not in _text(response)
