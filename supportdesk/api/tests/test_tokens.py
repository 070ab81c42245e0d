"""API tokens (supportdesk/api/auth.py, services.py): the secret is shown once and stored
only as a digest; ``Authorization: Bearer`` authenticates without a session or CSRF token;
the scopes decide what a token may do; a revoked or expired token, a deactivated user and a
customer user moved to another company are refused on the very next call."""

import datetime as dt
import hashlib
import json

import pytest
from django.test import Client
from django.utils import timezone

from supportdesk.api.models import ApiToken
from supportdesk.api.services import (
    TOKEN_NOT_YOURS,
    api_token_create,
    api_token_revoke,
    integration_account_create,
)
from supportdesk.common.exceptions import ApplicationError
from supportdesk.customers.tests.factories import CustomerFactory

from .conftest import bearer_client

pytestmark = pytest.mark.django_db
TICKETS = "/api/v1/tickets/"


def _post(client, url, payload):
    return client.post(url, json.dumps(payload), content_type="application/json")


def _refused(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body


# --- the secret -----------------------------------------------------------------------------

def test_the_secret_is_stored_only_as_its_digest(customer_a):
    token, secret = api_token_create(user=customer_a, name="εξαγωγή", scopes=["read"],
                                     by=customer_a)
    row = ApiToken.objects.get(pk=token.pk)
    assert secret.startswith("sdk_") and len(secret) >= 40
    assert row.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in json.dumps([str(v) for v in row.__dict__.values()])
    assert secret.startswith("sdk_" + row.prefix)


def test_a_token_authenticates_without_session_or_csrf(world, customer_a, bearer):
    client = bearer(customer_a)
    assert client.get(TICKETS).status_code == 200
    created = _post(client, TICKETS, {"subject": "Από σενάριο"})
    assert created.status_code == 201
    assert created.json()["customer"]["id"] == world["a"]["org"].pk
    client.token.refresh_from_db()
    assert client.token.last_used_at is not None


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer sdk_", "Bearer nonsense",
                                    "Bearer sdk_" + "x" * 43, "Basic dXNlcjpwYXNz"])
def test_a_missing_or_wrong_token_is_a_401(config, header):
    client = Client(HTTP_AUTHORIZATION=header) if header else Client()
    response = client.get(TICKETS)
    _refused(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_with_a_wrong_secret_but_a_known_prefix_is_a_401(config, customer_a, bearer):
    good = bearer(customer_a)
    forged = good.secret[:-4] + ("AAAA" if not good.secret.endswith("AAAA") else "BBBB")
    _refused(bearer_client(forged).get(TICKETS), 401, "not_authenticated")


# --- refused on the next call ---------------------------------------------------------------

def test_a_revoked_token_is_refused_on_the_next_call(config, customer_a, bearer):
    client = bearer(customer_a)
    assert client.get(TICKETS).status_code == 200
    api_token_revoke(token=client.token, by=customer_a)
    _refused(client.get(TICKETS), 401, "not_authenticated")


def test_an_expired_token_is_refused(config, customer_a, bearer, frozen_now):
    client = bearer(customer_a, expires_at=timezone.now() + dt.timedelta(hours=1))
    assert client.get(TICKETS).status_code == 200
    ApiToken.objects.filter(pk=client.token.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1))
    _refused(client.get(TICKETS), 401, "not_authenticated")


def test_a_deactivated_user_is_refused_on_the_next_call(config, customer_a, bearer):
    client = bearer(customer_a)
    assert client.get(TICKETS).status_code == 200
    customer_a.is_active = False
    customer_a.save()
    _refused(client.get(TICKETS), 401, "not_authenticated")


def test_a_user_moved_to_another_customer_loses_its_tokens(world, customer_a, bearer):
    # given A's token, then the person moves to company C
    client = bearer(customer_a)
    assert client.get(TICKETS).json()["items"]
    customer_a.customer = CustomerFactory(name="Νέα εταιρεία")
    customer_a.save()
    # then the old token reads nothing at all: neither A's data nor C's
    _refused(client.get(TICKETS), 401, "not_authenticated")
    _refused(client.get(f"{TICKETS}{world['a']['ticket'].pk}"), 401, "not_authenticated")


def test_expiry_must_be_in_the_future_and_scopes_known(customer_a):
    with pytest.raises(ApplicationError) as past:
        api_token_create(user=customer_a, name="x", scopes=["read"], by=customer_a,
                         expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert past.value.code == "expiry_past"
    with pytest.raises(ApplicationError) as unknown:
        api_token_create(user=customer_a, name="x", scopes=["read", "admin"], by=customer_a)
    assert unknown.value.code == "scope_unknown"
    with pytest.raises(ApplicationError):
        api_token_create(user=customer_a, name="x", scopes=[], by=customer_a)


def test_only_the_owner_or_a_manager_for_an_integration_manages_tokens(
        config, customer_a, customer_b, technician, manager, org_a):
    with pytest.raises(ApplicationError) as other:
        api_token_create(user=customer_a, name="x", scopes=["read"], by=customer_b)
    assert other.value.message == TOKEN_NOT_YOURS
    # a manager may not mint tokens for a person, only for an integration account
    with pytest.raises(ApplicationError):
        api_token_create(user=customer_a, name="x", scopes=["read"], by=manager)
    account = integration_account_create(username="phone-system", customer=org_a,
                                         description="Τηλεφωνικό κέντρο", by=manager)
    token, _secret = api_token_create(user=account.user, name="pbx", scopes=["write"],
                                      by=manager)
    with pytest.raises(ApplicationError):
        api_token_revoke(token=token, by=technician)
    api_token_revoke(token=token, by=manager)
    with pytest.raises(ApplicationError):
        integration_account_create(username="other", by=technician)


def test_an_integration_account_sees_its_customer_only(world, manager, org_a):
    account = integration_account_create(username="erp-alfa", customer=org_a, by=manager)
    assert not account.user.has_usable_password()
    _token, secret = api_token_create(user=account.user, name="erp", scopes=["read"],
                                      by=manager)
    rows = bearer_client(secret).get(TICKETS).json()["items"]
    assert rows and {r["customer"]["id"] for r in rows} == {org_a.pk}
    assert bearer_client(secret).get(
        f"{TICKETS}{world['b']['ticket'].pk}").status_code == 404


# --- scopes ----------------------------------------------------------------------------------

def test_a_read_token_cannot_write(world, customer_a, bearer):
    client = bearer(customer_a, scopes=["read"])
    assert client.get(TICKETS).status_code == 200
    before = world["a"]["ticket"].messages.count()
    body = _refused(_post(client, f"{TICKETS}{world['a']['ticket'].pk}/messages",
                          {"body": "γεια"}), 403, "scope_required")
    assert "write" in body["error"]["message"]
    assert world["a"]["ticket"].messages.count() == before


def test_a_write_only_token_cannot_read(world, customer_a, bearer):
    client = bearer(customer_a, scopes=["write"])
    _refused(client.get(TICKETS), 403, "scope_required")
    assert _post(client, TICKETS, {"subject": "Γράφει μόνο"}).status_code == 201


def test_billing_needs_its_own_scope(world, customer_a, technician, bearer):
    statement = world["a"]["statement"]
    plain = bearer(customer_a, scopes=["read", "write"])
    _refused(plain.get("/api/v1/statements/"), 403, "scope_required")
    _refused(plain.get(f"/api/v1/statements/{statement.pk}/pdf"), 403, "scope_required")
    billing = bearer(customer_a, scopes=["read", "billing"])
    assert billing.get("/api/v1/statements/").status_code == 200
    staff = bearer(technician, scopes=["read"])
    _refused(staff.get("/api/v1/customers/"), 403, "scope_required")
    assert bearer(technician, scopes=["read", "billing"]).get(
        "/api/v1/customers/").status_code == 200


def test_a_scope_refusal_does_not_confirm_an_id(world, customer_a, bearer):
    # 403 for the missing scope is answered before any lookup: the same for any id
    client = bearer(customer_a, scopes=["read"])
    own = _post(client, f"{TICKETS}{world['a']['ticket'].pk}/messages", {"body": "x"})
    other = _post(client, f"{TICKETS}{world['b']['ticket'].pk}/messages", {"body": "x"})
    assert own.status_code == other.status_code == 403
    assert own.json() == other.json()
