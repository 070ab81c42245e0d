"""Schemathesis against the served schema with API tokens (issue 12), as the session fuzzer
of tests/fuzz/test_api_fuzz.py does with sessions (docs/security.md #37): a customer's
token and a technician's token, every scope, every operation. No 5xx, every answer true to
its declared status codes and schema, nothing of org B in any answer to customer A.

Examples per operation and role: ``FUZZ_EXAMPLES`` if set (100 for the full run), else 10
(the session fuzzer already runs 25 for each operation in ``make test``)."""

import os

import pytest
from hypothesis import HealthCheck, settings

from supportdesk.api.services import api_token_create
from tests.fuzz.test_api_fuzz import (
    CHECKS,
    _keep_test_connection,
    assert_nothing_of_org_b,
    schema,
)
from tests.fuzz.test_api_fuzz import world as fuzz_world  # noqa: F401 - a fixture

TOKEN_FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "10")), derandomize=True,
    database=None, deadline=None, suppress_health_check=list(HealthCheck),
)


def _bearer(user) -> dict:
    _token, secret = api_token_create(user=user, name="fuzz", by=user,
                                      scopes=["read", "write", "billing"])
    return {"headers": {"Authorization": f"Bearer {secret}"}}


@pytest.mark.django_db
@schema.parametrize()
@TOKEN_FUZZ
def test_fuzz_with_a_customer_token(case, fuzz_world, customer_a):  # noqa: F811
    with _keep_test_connection():
        response = case.call_and_validate(**_bearer(customer_a), checks=CHECKS)
    assert response.status_code != 401, "the token must authenticate every call"
    assert_nothing_of_org_b(response, fuzz_world)


@pytest.mark.django_db
@schema.parametrize()
@TOKEN_FUZZ
def test_fuzz_with_a_staff_token(case, fuzz_world, technician):  # noqa: F811
    with _keep_test_connection():
        response = case.call_and_validate(**_bearer(technician), checks=CHECKS)
    assert response.status_code != 401, "the token must authenticate every call"
    if response.status_code == 403:
        assert response.json()["error"]["code"] != "scope_required"
