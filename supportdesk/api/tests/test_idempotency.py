"""``Idempotency-Key`` on the API's POSTs (docs/security.md #48;
supportdesk/common/api_idempotency.py, hooked in supportdesk/api/urls.py).

A repeat with the same key and body gets the first answer (same status and body, header
``Idempotent-Replayed: true``) and writes nothing; another body or path with the key is a
422; a refused write keeps nothing, so it can be retried; keys are per user; malformed keys
are a 400; no key behaves as before. The races run on PostgreSQL only (threads, one
connection each, as the other concurrency tests)."""

import datetime as dt
import json
import threading

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from supportdesk.accounts.tests.factories import UserFactory
from supportdesk.api import tickets as tickets_api
from supportdesk.api.urls import api
from supportdesk.catalog.tests.factories import ProductFactory
from supportdesk.common.api_idempotency import KEY_MAX_AGE
from supportdesk.common.models import IdempotencyKey
from supportdesk.common.tests.helpers import in_threads
from supportdesk.contracts.services import calendar_seed_default, tariff_seed_default
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.portal.services import portal_ticket_open
from supportdesk.tickets.models import Message, Ticket

TICKETS = "/api/v1/tickets/"


def _client_for(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def _post(client, url, payload, key=None):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    extra = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return client.post(url, body, content_type="application/json", **extra)


@pytest.fixture
def as_customer(customer_a):
    return _client_for(customer_a)


# --- replay ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_repeat_with_the_key_returns_the_same_ticket_and_creates_one(config, as_customer):
    payload = {"subject": "Η ταμειακή δεν τυπώνει", "body": "Από το πρωί"}
    first = _post(as_customer, TICKETS, payload, key="req-2026-0001")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    again = _post(as_customer, TICKETS, payload, key="req-2026-0001")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.content == first.content  # the stored body, byte for byte
    assert Ticket.objects.count() == 1
    row = IdempotencyKey.objects.get()
    assert (row.method, row.path, row.status_code) == ("POST", TICKETS, 201)


@pytest.mark.django_db
def test_the_same_json_reserialised_is_the_same_request(config, as_customer):
    first = _post(as_customer, TICKETS, '{"subject": "Θέμα", "body": "α"}', key="k-json")
    again = _post(as_customer, TICKETS, '{ "body":"α",\n "subject":"Θέμα" }', key="k-json")
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_a_message_posted_twice_with_the_key_is_added_once(config, ticket_a, as_customer):
    url = f"{TICKETS}{ticket_a.pk}/messages"
    before = Message.objects.count()
    first = _post(as_customer, url, {"body": "Ευχαριστώ"}, key="msg-1")
    again = _post(as_customer, url, {"body": "Ευχαριστώ"}, key="msg-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Message.objects.count() == before + 1


@pytest.mark.django_db
def test_without_a_key_every_post_writes_as_before(config, as_customer):
    for _ in range(2):
        response = _post(as_customer, TICKETS, {"subject": "Θέμα"})
        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response
    assert Ticket.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


# --- mismatches, users, refusals -------------------------------------------------------

@pytest.mark.django_db
def test_the_key_with_another_body_or_path_is_422_and_writes_nothing(config, ticket_a,
                                                                     as_customer):
    _post(as_customer, TICKETS, {"subject": "Πρώτο"}, key="k-1")
    tickets, messages = Ticket.objects.count(), Message.objects.count()
    other_body = _post(as_customer, TICKETS, {"subject": "Άλλο"}, key="k-1")
    assert other_body.status_code == 422
    assert other_body.json()["error"]["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in other_body.json()["error"]["message"]
    other_path = _post(as_customer, f"{TICKETS}{ticket_a.pk}/messages", {"subject": "Πρώτο"},
                       key="k-1")
    assert other_path.status_code == 422
    assert other_path.json()["error"]["code"] == "idempotency_key_reused"
    assert (Ticket.objects.count(), Message.objects.count()) == (tickets, messages)
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.django_db
def test_another_users_identical_key_is_independent(config, customer_a, customer_b, org_a,
                                                    org_b):
    payload = {"subject": "Ίδιο θέμα"}
    a = _post(_client_for(customer_a), TICKETS, payload, key="shared-key")
    b = _post(_client_for(customer_b), TICKETS, payload, key="shared-key")
    assert (a.status_code, b.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in b
    assert a.json()["id"] != b.json()["id"]
    assert (a.json()["customer"]["id"], b.json()["customer"]["id"]) == (org_a.pk, org_b.pk)
    assert Ticket.objects.count() == 2
    assert IdempotencyKey.objects.count() == 2


@pytest.mark.django_db
def test_a_refused_write_stores_nothing_and_can_be_retried_with_the_key(config, org_a,
                                                                       product, as_customer):
    # a rule refuses it (400): nothing kept, the same key then works with a fixed request
    unlicensed = ProductFactory()
    refused = _post(as_customer, TICKETS, {"subject": "Θέμα", "product_id": unlicensed.pk},
                    key="k-retry")
    assert refused.status_code == 400
    # the schema refuses it (422 before the view runs): nothing kept either
    invalid = _post(as_customer, TICKETS, {"body": "χωρίς θέμα"}, key="k-retry")
    assert invalid.status_code == 422
    assert invalid.json()["error"]["fields"]
    assert not IdempotencyKey.objects.exists() and not Ticket.objects.exists()
    fixed = _post(as_customer, TICKETS, {"subject": "Θέμα"}, key="k-retry")
    assert fixed.status_code == 201
    assert "Idempotent-Replayed" not in fixed
    assert Ticket.objects.count() == 1 and IdempotencyKey.objects.count() == 1


@pytest.mark.django_db
def test_a_write_that_fails_after_writing_rolls_back_with_its_claim(config, as_customer,
                                                                   monkeypatch):
    # the ticket row is written, then the view fails: neither the ticket nor the key stays
    real = tickets_api.portal_ticket_open

    def create_then_fail(**kwargs):
        real(**kwargs)
        raise tickets_api.Http404

    monkeypatch.setattr(tickets_api, "portal_ticket_open", create_then_fail)
    response = _post(as_customer, TICKETS, {"subject": "Θέμα"}, key="k-half")
    assert response.status_code == 404
    assert not Ticket.objects.exists() and not IdempotencyKey.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "κλειδί", "tab\there", "new\x7fline"])
def test_a_malformed_key_is_400_and_writes_nothing(config, as_customer, key):
    response = _post(as_customer, TICKETS, {"subject": "Θέμα"}, key=key)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_invalid"
    assert not Ticket.objects.exists() and not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_keys_of_255_printable_characters_and_the_quoted_form_are_accepted(config,
                                                                           as_customer):
    long_key = ("A-z0-9 ~!" * 40)[:255]
    assert _post(as_customer, TICKETS, {"subject": "Θέμα"}, key=long_key).status_code == 201
    # the draft's sf-string form "k" names the same key as k
    first = _post(as_customer, TICKETS, {"subject": "Άλλο"}, key='"8e03978e-40d5"')
    again = _post(as_customer, TICKETS, {"subject": "Άλλο"}, key="8e03978e-40d5")
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Ticket.objects.count() == 2


@pytest.mark.django_db
def test_the_session_and_csrf_are_checked_before_the_key(config, customer_a):
    no_csrf = _client_for(customer_a, enforce_csrf_checks=True)
    assert _post(no_csrf, TICKETS, {"subject": "Θέμα"}, key="k-csrf").status_code == 403
    assert _post(Client(), TICKETS, {"subject": "Θέμα"}, key="k-anon").status_code == 401
    # ... even a malformed key: the refusal is the session's, not the key's
    assert _post(Client(), TICKETS, {"subject": "Θέμα"}, key="").status_code == 401
    assert not Ticket.objects.exists() and not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_a_key_older_than_a_day_is_free_again_even_before_the_purge(config, as_customer):
    first = _post(as_customer, TICKETS, {"subject": "Θέμα"}, key="k-old")
    IdempotencyKey.objects.update(
        created_at=timezone.now() - dt.timedelta(seconds=KEY_MAX_AGE + 60))
    again = _post(as_customer, TICKETS, {"subject": "Θέμα"}, key="k-old")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert again.json()["id"] != first.json()["id"]
    assert IdempotencyKey.objects.count() == 1


def test_every_post_operation_of_the_api_honours_the_key():
    # one hook for the whole API: a new POST endpoint gets it without doing anything
    posts = [operation for bound in api._get_bound_routers()
             for view in bound.path_operations.values() for operation in view.operations
             if "POST" in operation.methods]
    assert len(posts) >= 2
    assert all(getattr(op.run, "idempotent", False) for op in posts), posts


@pytest.mark.django_db
def test_the_schema_lists_the_header_and_the_409_on_every_post_only(technician):
    paths = _client_for(technician).get("/api/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            headers = [p for p in operation.get("parameters", [])
                       if p["in"] == "header" and p["name"] == "Idempotency-Key"]
            if method == "post":
                assert len(headers) == 1 and headers[0]["required"] is False, path
                assert headers[0]["schema"]["maxLength"] == 255
                assert "409" in operation["responses"], path
            else:
                assert not headers and "409" not in operation["responses"], (method, path)


# --- races (PostgreSQL) ----------------------------------------------------------------

def _world():
    tariff_seed_default()
    calendar_seed_default()
    return UserFactory(customer=CustomerFactory())


@pytest.mark.pg
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_ten_parallel_posts_with_one_key_make_one_ticket():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    user = _world()
    payload = {"subject": "Δέκα φορές το ίδιο", "body": "retry storm"}

    def post(_i):
        response = _post(_client_for(user), TICKETS, payload, key="storm-1")
        return response.status_code, response.json(), response.get("Idempotent-Replayed")

    results = in_threads(10, post)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Ticket.objects.count() == 1
    ticket_id = Ticket.objects.get().pk
    assert {status for status, _body, _replayed in results} <= {201, 409}, results
    done = [(body, replayed) for status, body, replayed in results if status == 201]
    assert [replayed for _body, replayed in done].count(None) == 1  # one ran, others replayed
    assert all(body["id"] == ticket_id for body, _replayed in done)
    assert all(body["error"]["code"] == "idempotency_key_in_progress"
               for status, body, _replayed in results if status == 409)
    assert IdempotencyKey.objects.count() == 1
    # once the first has committed, every repeat is its answer
    repeat = _post(_client_for(user), TICKETS, payload, key="storm-1")
    assert (repeat.status_code, repeat.json()["id"]) == (201, ticket_id)


@pytest.mark.pg
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_repeat_while_the_first_is_still_running_is_409(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    user = _world()
    inside, release = threading.Event(), threading.Event()

    def slow_create(**kwargs):
        ticket = portal_ticket_open(**kwargs)
        inside.set()
        assert release.wait(30)
        return ticket

    monkeypatch.setattr(tickets_api, "portal_ticket_open", slow_create)
    payload = {"subject": "Αργό"}
    first: dict = {}

    def run_first():
        try:
            first["response"] = _post(_client_for(user), TICKETS, payload, key="slow-1")
        finally:
            connection.close()

    thread = threading.Thread(target=run_first)
    thread.start()
    try:
        assert inside.wait(30)
        during = _post(_client_for(user), TICKETS, payload, key="slow-1")
        assert during.status_code == 409
        assert during.json()["error"]["code"] == "idempotency_key_in_progress"
    finally:
        release.set()
        thread.join(30)
    assert first["response"].status_code == 201
    after = _post(_client_for(user), TICKETS, payload, key="slow-1")
    assert after["Idempotent-Replayed"] == "true"
    assert after.json()["id"] == first["response"].json()["id"]
    assert Ticket.objects.count() == 1
