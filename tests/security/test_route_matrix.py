"""Every portal and API route is in the access matrix; a new route without a row fails here
(docs/security.md #1, #5). Staff routes (desk/, desk/work/, billing/) have their own matrix in
supportdesk/desk/tests/test_security_matrix.py. That the OpenAPI schema lists exactly
``API_OPERATIONS`` is checked in supportdesk/api/tests/test_schema.py."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from supportdesk.api.urls import api

# route name -> whether it takes an object id (then customer A must get 404 for B's id)
PORTAL_ROUTES = {
    "portal:home": False,
    "portal:ticket_new": False,
    "portal:ticket": True,
    "portal:ticket_reply": True,
    "portal:attachment": True,
    "portal:releases": False,
    "portal:release_download": True,
    "portal:terms": False,
    "portal:statements": False,
    "portal:statement_pdf": True,
    "portal:quote_decide": True,
    "portal:kb:list": False,
    "portal:kb:article": True,
    "portal:kb:file": True,
    "portal:kb:suggest": False,
    "portal:kb:solved": False,
    # the satisfaction survey: the request page's rating form, the mail's signed link
    "portal:rate:ticket": True,
    "portal:rate:link": False,
}
# Reached without signing in: the terms, and the survey mail's rating link (a capability URL:
# its signed token admits; tested in supportdesk/satisfaction/tests/test_views.py).
PUBLIC_PORTAL_ROUTES = {"portal:terms", "portal:rate:link"}

API_OPERATIONS = {
    ("GET", "/v1/tickets/"),
    ("POST", "/v1/tickets/"),
    ("GET", "/v1/tickets/{ticket_id}"),
    ("GET", "/v1/tickets/{ticket_id}/sla"),
    ("POST", "/v1/tickets/{ticket_id}/status"),
    ("POST", "/v1/tickets/{ticket_id}/assign"),
    ("GET", "/v1/tickets/{ticket_id}/messages"),
    ("POST", "/v1/tickets/{ticket_id}/messages"),
    ("GET", "/v1/tickets/{ticket_id}/attachments"),
    ("POST", "/v1/tickets/{ticket_id}/attachments"),
    ("GET", "/v1/tickets/{ticket_id}/work-entries"),
    ("POST", "/v1/tickets/{ticket_id}/work-entries"),
    ("GET", "/v1/tickets/{ticket_id}/quotes"),
    ("GET", "/v1/attachments/{attachment_uuid}"),
    ("GET", "/v1/quotes/{quote_id}"),
    ("POST", "/v1/quotes/{quote_id}/accept"),
    ("POST", "/v1/quotes/{quote_id}/decline"),
    ("GET", "/v1/releases/"),
    ("GET", "/v1/releases/{release_id}/download"),
    ("GET", "/v1/customers/"),
    ("GET", "/v1/customers/{customer_id}"),
    ("GET", "/v1/statements/"),
    ("GET", "/v1/statements/{statement_id}"),
    ("GET", "/v1/statements/{statement_id}/pdf"),
    ("GET", "/v1/statements/{statement_id}/csv"),
    ("GET", "/v1/articles/"),
    ("GET", "/v1/articles/{article_id}"),
}


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern)


def portal_routes():
    return {name: path for name, path in _walk(get_resolver().url_patterns)
            if name.startswith("portal:")}


def test_every_portal_route_is_in_the_matrix():
    assert set(portal_routes()) == set(PORTAL_ROUTES)


def test_every_api_operation_is_in_the_matrix():
    found = set()
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                for method in operation.methods:
                    found.add((method, (prefix + path).replace("//", "/")))
    found = {(m, p if p.startswith("/") else "/" + p) for m, p in found}
    assert found == API_OPERATIONS


def _fill(path: str, pk: int, uuid: str) -> str:
    path = re.sub(r"<uuid:[^>]+>", uuid, path)
    return "/" + re.sub(r"<int:[^>]+>", str(pk), path)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(set(PORTAL_ROUTES) - PUBLIC_PORTAL_ROUTES))
def test_anonymous_visitors_are_sent_to_login(name):
    path = _fill(portal_routes()[name], 1, "00000000-0000-0000-0000-000000000000")
    response = Client().get(path)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(set(PORTAL_ROUTES) - PUBLIC_PORTAL_ROUTES))
def test_staff_sessions_do_not_use_the_customer_portal(name, technician):
    client = Client()
    client.force_login(technician)
    path = _fill(portal_routes()[name], 1, "00000000-0000-0000-0000-000000000000")
    assert client.get(path).status_code in (403, 404)


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), sorted(API_OPERATIONS))
def test_api_needs_a_session(method, path):
    path = path.replace("{attachment_uuid}", "00000000-0000-0000-0000-000000000000")
    url = "/api" + re.sub(r"\{\w+\}", "1", path)
    response = Client().generic(method, url, "{}", content_type="application/json")
    assert response.status_code == 401
