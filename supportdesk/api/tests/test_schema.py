"""The API describes itself: the OpenAPI schema lists every operation of the route matrix,
and the interactive docs are served from the installed package, not a CDN.

The matrix itself (``API_OPERATIONS``) stays in tests/security/test_route_matrix.py, where
an operation missing from it fails the suite (docs/security.md #1, #5)."""

import pytest
from django.test import Client

from tests.security.test_route_matrix import API_OPERATIONS


@pytest.mark.django_db
def test_openapi_schema_is_served_and_lists_every_operation(technician):
    # Moved from tests/security/test_route_matrix.py.
    client = Client()
    client.force_login(technician)
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    listed = {(method.upper(), path.removeprefix("/api"))
              for path, ops in paths.items() for method in ops}
    assert listed == API_OPERATIONS
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"cdn." not in docs.content  # assets come from the installed package


@pytest.mark.django_db
def test_the_interactive_docs_are_for_staff(customer_a):
    # given a customer's session and no session at all
    client = Client()
    client.force_login(customer_a)
    # then the docs page is a 404 in the API's error shape for both
    for caller in (client, Client()):
        response = caller.get("/api/v1/docs")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_schema_names_the_bearer_scheme_on_every_operation():
    schema = Client().get("/api/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["TokenAuth"].items()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert {"TokenAuth": []} in operation["security"], (method, path)


@pytest.mark.django_db
def test_schema_documents_the_error_answers_of_every_operation(technician):
    # Clients (and the fuzzer, docs/security.md #37) learn the 4xx answers from the schema.
    client = Client()
    client.force_login(technician)
    paths = client.get("/api/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"400", "401", "403", "404", "422", "429"} <= codes, (method, path, codes)
