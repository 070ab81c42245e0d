"""The API-token pages (supportdesk/api/views.py): a user makes a token and sees its secret
once, lists and revokes its own; a manager makes integration accounts and their tokens;
nobody else reaches them. Greek by default, English on request."""

import re

import pytest
from django.test import Client

from supportdesk.api.models import ApiToken, IntegrationAccount
from supportdesk.api.services import (
    api_token_create,
    integration_account_create,
    secret_digest,
)

pytestmark = pytest.mark.django_db
PAGE = "/accounts/api-tokens/"
INTEGRATIONS = "/accounts/api-tokens/integrations/"
SECRET = re.compile(r"sdk_[A-Za-z0-9_-]{40,}")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("who", ["customer_a", "technician"])
def test_a_user_makes_a_token_and_sees_the_secret_once(request, who):
    user = request.getfixturevalue(who)
    client = _client(user)
    made = client.post(PAGE, {"name": "Λογιστήριο", "scopes": ["read", "billing"]})
    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    secret = SECRET.search(made.content.decode()).group(0)
    token = ApiToken.objects.get(user=user)
    assert token.secret_sha256 == secret_digest(secret)
    assert token.scopes == ["billing", "read"]
    # the next visit lists it by its prefix, never the secret
    listed = client.get(PAGE).content.decode()
    assert "Λογιστήριο" in listed and token.prefix in listed
    assert secret not in listed


def test_the_page_is_greek_by_default_and_english_on_request(customer_a):
    client = _client(customer_a)
    assert "Κλειδιά API" in client.get(PAGE).content.decode()
    client.cookies["django_language"] = "en"
    assert "API tokens" in client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_user_revokes_its_token_but_not_another_users(customer_a, customer_b):
    token, _secret = api_token_create(user=customer_a, name="x", scopes=["read"],
                                      by=customer_a)
    assert _client(customer_b).post(f"{PAGE}{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert _client(customer_a).post(f"{PAGE}{token.pk}/revoke/").status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_bad_input_is_shown_on_the_form(customer_a):
    response = _client(customer_a).post(PAGE, {"name": "x", "scopes": [],
                                               "expires_on": "2020-01-01"})
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


def test_managers_make_integration_accounts_and_their_tokens(config, manager, org_a):
    client = _client(manager)
    assert client.get(INTEGRATIONS).status_code == 200
    made = client.post(INTEGRATIONS, {"username": "phone-system", "customer": org_a.pk,
                                      "description": "Τηλεφωνικό κέντρο"})
    assert made.status_code == 302
    account = IntegrationAccount.objects.get(user__username="phone-system")
    assert account.user.customer_id == org_a.pk and not account.user.has_usable_password()
    issued = client.post(f"{INTEGRATIONS}{account.pk}/tokens/",
                         {"name": "pbx", "scopes": ["read", "write"]})
    secret = SECRET.search(issued.content.decode()).group(0)
    token = ApiToken.objects.get(user=account.user)
    assert token.secret_sha256 == secret_digest(secret) and token.created_by == manager
    assert client.post(f"{PAGE}{token.pk}/revoke/").status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


@pytest.mark.parametrize("who", ["customer_a", "technician"])
def test_only_managers_reach_the_integrations(request, who, config):
    client = _client(request.getfixturevalue(who))
    assert client.get(INTEGRATIONS).status_code == 403
    assert client.post(INTEGRATIONS, {"username": "sneaky"}).status_code == 403
    assert not IntegrationAccount.objects.exists()


def test_anonymous_visitors_are_sent_to_login():
    response = Client().get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_staff_reach_the_token_page_only_after_the_second_factor(technician, staff_mfa):
    # a token outlives the session that made it, so making one needs the verified session
    client = _client(technician)  # password only
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/mfa/" in response["Location"]
    assert client.post(PAGE, {"name": "x", "scopes": ["read"]}).status_code == 302
    assert not ApiToken.objects.exists()


def test_each_integrations_token_form_has_ids_of_its_own(config, manager, org_a):
    for name in ("erp-one", "erp-two"):
        integration_account_create(username=name, customer=org_a, by=manager)
    html = _client(manager).get(INTEGRATIONS).content.decode()
    ids = re.findall(r'id="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    # a refused token form is shown again with its error under its own account
    account = IntegrationAccount.objects.get(user__username="erp-two")
    refused = _client(manager).post(f"{INTEGRATIONS}{account.pk}/tokens/", {"name": "x"})
    assert refused.status_code == 200 and not ApiToken.objects.exists()
    assert f'id="id_account{account.pk}_name"' in refused.content.decode()
