"""API fuzzing against the served OpenAPI schema, as customer A and as staff (docs/security.md #37).

Schemathesis loads ``/api/openapi.json`` through the WSGI application (the schema the API
really serves) and generates requests for every operation from it. Each response must:

* never be a server error (``not_a_server_error``);
* have a status code the operation declares (``status_code_conformance``: the 4xx answers
  are documented too) and conform to its response schema (``response_schema_conformance``);
* for customer A, never carry anything of org B: no org-B ticket id, reference, subject,
  message body or customer id (the tenancy rule of docs/security.md #1, checked on every response).

Examples per operation and role: ``FUZZ_EXAMPLES`` (default 25 so ``make test`` stays fast;
run ``FUZZ_EXAMPLES=100 .venv/bin/pytest tests/fuzz -q`` for the docs/security.md #37 figure).
Generation is derandomised: the same code always runs the same examples.
"""

import json
import os
from contextlib import contextmanager

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.http import JsonResponse
from django.test import Client
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, status_code_conformance
from schemathesis.specs.openapi.checks import response_schema_conformance

from supportdesk.tickets.services import ticket_create, ticket_reply

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
B_SUBJECT = "Απόρρητο αίτημα του Βήτα 7f3c"
B_BODY = "Κείμενο που μόνο ο Βήτα βλέπει 91ad"
B_REPLY = "Απάντηση προς τον Βήτα 5e2b"

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
FUZZ_SETTINGS = settings(
    max_examples=FUZZ_EXAMPLES, derandomize=True, database=None, deadline=None,
    suppress_health_check=list(HealthCheck),
)


@contextmanager
def _keep_test_connection():
    """As Django's test client does: the WSGI handler must not close the test transaction's
    connection when a request starts or finishes."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def world(config, product, org_a, org_b, customer_a, customer_b, technician):
    """Two companies with requests and replies; org B's rows are what A must never see."""
    mine = ticket_create(customer=org_a, subject="Αίτημα του Άλφα", body="α",
                         received_via="phone", by=technician)
    ticket_reply(ticket=mine, body="Απάντηση προς τον Άλφα", by=technician)
    theirs = [
        ticket_create(customer=org_b, subject=f"{B_SUBJECT} {n}", body=B_BODY,
                      received_via="phone", by=technician)
        for n in range(3)
    ]
    for ticket in theirs:
        ticket_reply(ticket=ticket, body=B_REPLY, by=technician)
    return {"a": [mine], "b": theirs, "org_b": org_b}


@pytest.fixture
def as_customer_a(customer_a):
    return _session_of(customer_a)


@pytest.fixture
def as_staff(technician):
    return _session_of(technician)


def _session_of(user) -> dict:
    """The session cookie of a logged-in user, plus a CSRF cookie/header pair for writes.

    Cookies go through the WSGI client's cookie jar (a raw ``Cookie`` header is dropped).
    """
    client = Client()
    client.force_login(user)
    csrf = get_random_string(32)
    return {
        "cookies": {
            django_settings.SESSION_COOKIE_NAME:
                client.cookies[django_settings.SESSION_COOKIE_NAME].value,
            django_settings.CSRF_COOKIE_NAME: csrf,
        },
        "headers": {"X-CSRFToken": csrf},
    }


def _walk(node):
    """Every dict, list item and string inside a decoded JSON document."""
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        yield from _walk(child)


def assert_nothing_of_org_b(response, world) -> None:
    """No org-B ticket id/reference/subject/text and no org-B customer id in the response.

    JSON is decoded first: the API escapes non-ASCII, so Greek text is only visible there.
    """
    text = response.content.decode("utf-8", errors="replace")
    secrets = [B_SUBJECT, B_BODY, B_REPLY, world["org_b"].name]
    secrets += [ticket.reference for ticket in world["b"]]
    strings = [text]
    nodes = []
    if "json" in response.headers.get("Content-Type", "") and text:
        nodes = list(_walk(json.loads(text)))
        strings += [node for node in nodes if isinstance(node, str)]
    leaked = sorted({secret for secret in secrets for value in strings if secret in value})
    assert not leaked, f"org-B data in a response to customer A: {leaked}"
    b_ticket_ids = {ticket.pk for ticket in world["b"]}
    for node in nodes:
        if not isinstance(node, dict):
            continue
        if "reference" in node:  # a ticket
            assert node.get("id") not in b_ticket_ids, f"org-B ticket id in {node}"
        if isinstance(node.get("customer"), dict):
            assert node["customer"].get("id") != world["org_b"].pk, f"org-B customer in {node}"


@pytest.mark.django_db
@schema.parametrize()
@FUZZ_SETTINGS
def test_fuzz_as_customer_a(case, world, as_customer_a):
    """Given org A's customer user, every generated request gets a schema-true, non-5xx
    answer that carries nothing of org B."""
    with _keep_test_connection():
        response = case.call_and_validate(**as_customer_a, checks=CHECKS)
    assert response.status_code != 401, "the session cookie must authenticate every call"
    assert_nothing_of_org_b(response, world)


@pytest.mark.django_db
@schema.parametrize()
@FUZZ_SETTINGS
def test_fuzz_as_staff(case, world, as_staff):
    """Given a technician, every generated request gets a schema-true, non-5xx answer."""
    with _keep_test_connection():
        response = case.call_and_validate(**as_staff, checks=CHECKS)
    assert response.status_code not in (401, 403), "the staff session must authenticate"


@pytest.mark.django_db
def test_leak_check_catches_org_b_rows(world):
    """Given responses carrying org B's subject or ticket id, the leak check fails them
    (so a passing fuzz run means something)."""
    ticket_b = world["b"][0]
    by_subject = JsonResponse({"subject": ticket_b.subject}, safe=False)
    by_id = JsonResponse([{"id": ticket_b.pk, "reference": "x"}], safe=False)
    mine = JsonResponse([{"id": world["a"][0].pk, "reference": world["a"][0].reference}],
                        safe=False)
    for leaking in (by_subject, by_id):
        with pytest.raises(AssertionError):
            assert_nothing_of_org_b(leaking, world)
    assert_nothing_of_org_b(mine, world)
