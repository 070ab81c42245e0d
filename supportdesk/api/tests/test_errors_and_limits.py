"""One error shape for every refusal (supportdesk/api/errors.py), bounded pages, and the
rate limit per token (django-ratelimit on the shared cache: 429 with Retry-After)."""

import json

import pytest
import redis
from django.core.cache import caches
from django.test import Client, override_settings

from supportdesk.api import tickets as tickets_api
from supportdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db
TICKETS = "/api/v1/tickets/"


def _shape(response, status, code=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def test_401_404_405_422_and_400_share_the_shape(world, customer_a, bearer):
    client = bearer(customer_a)
    _shape(Client().get(TICKETS), 401, "not_authenticated")
    _shape(client.get("/api/v1/no-such-thing"), 404, "not_found")
    _shape(client.get(f"{TICKETS}999999"), 404, "not_found")
    _shape(client.delete(TICKETS), 405, "method_not_allowed")
    invalid = _shape(client.post(TICKETS, json.dumps({"body": "x"}),
                                 content_type="application/json"), 422, "invalid_input")
    assert list(invalid["fields"]) == ["subject"]
    _shape(client.post(TICKETS, json.dumps({"subject": "  "}),
                       content_type="application/json"), 400, "required")
    _shape(client.post(TICKETS, "{not json", content_type="application/json"), 400,
           "bad_request")


def test_a_session_write_without_csrf_is_a_403_in_the_shape(world, customer_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer_a)
    _shape(client.post(TICKETS, json.dumps({"subject": "x"}),
                       content_type="application/json"), 403, "csrf_failed")


def test_the_two_factor_gate_answers_in_the_shape(config, technician, staff_mfa):
    client = Client()
    client.force_login(technician)  # password only, no second factor
    _shape(client.get(TICKETS), 403)


def test_an_unexpected_failure_is_a_500_in_the_shape(world, customer_a, bearer, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(tickets_api, "ticket_get_for_user", broken)
    client = bearer(customer_a)
    client.raise_request_exception = False
    error = _shape(client.get(f"{TICKETS}{world['a']['ticket'].pk}"), 500, "internal_error")
    assert "boom" not in json.dumps(error)  # no internals leak


def test_idempotency_refusals_share_the_shape(world, customer_a, bearer):
    client = bearer(customer_a)
    _shape(client.post(TICKETS, json.dumps({"subject": "x"}), content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY="κλειδί"), 400, "idempotency_key_invalid")


# --- bounded pages ------------------------------------------------------------------------------

def test_pages_are_bounded_and_cursors_checked(world, customer_a, bearer):
    client = bearer(customer_a)
    assert client.get(TICKETS + "?limit=100").status_code == 200
    assert "limit" in _shape(client.get(TICKETS + "?limit=101"), 422)["fields"]
    assert "limit" in _shape(client.get(TICKETS + "?limit=0"), 422)["fields"]
    _shape(client.get(TICKETS + "?cursor=%21%21"), 422)
    assert "cursor" in _shape(client.get(TICKETS + "?cursor=abc"), 400, "invalid_cursor")[
        "fields"]
    _shape(client.get("/api/v1/statements/?limit=1000"), 422)


def test_the_cursor_walks_every_row_once(world, customer_a, technician, bearer):
    client = bearer(customer_a)
    for n in range(5):
        client.post(TICKETS, json.dumps({"subject": f"Αίτημα {n}"}),
                    content_type="application/json")
    seen, cursor = [], ""
    while True:
        page = client.get(TICKETS + f"?limit=2&cursor={cursor}").json()
        seen += [row["id"] for row in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = page["next_cursor"]
    expected = list(Ticket.objects.filter(customer=world["a"]["org"])
                    .order_by("-received_at", "-pk").values_list("pk", flat=True))
    assert seen == expected


# --- rate limit ----------------------------------------------------------------------------------

def test_over_the_rate_a_token_gets_429_with_retry_after(world, customer_a, bearer, settings):
    settings.SUPPORTDESK_API_RATE = "3/m"
    client, other = bearer(customer_a), bearer(customer_a, name="another")
    assert [client.get(TICKETS).status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get(TICKETS)
    _shape(limited, 429, "rate_limited")
    assert 1 <= int(limited["Retry-After"]) <= 60
    # a write over the limit writes nothing
    before = Ticket.objects.count()
    _shape(client.post(TICKETS, json.dumps({"subject": "x"}),
                       content_type="application/json"), 429)
    assert Ticket.objects.count() == before
    # the limit is per token: another token of the same person is not held back
    assert other.get(TICKETS).status_code == 200


def test_a_post_with_an_idempotency_key_counts_once(world, customer_a, bearer, settings):
    # the key layer authenticates before the operation does: still one call, not two
    settings.SUPPORTDESK_API_RATE = "2/m"
    client = bearer(customer_a)
    created = client.post(TICKETS, json.dumps({"subject": "x"}),
                          content_type="application/json", HTTP_IDEMPOTENCY_KEY="once")
    assert created.status_code == 201
    assert client.get(TICKETS).status_code == 200
    _shape(client.get(TICKETS), 429)


def test_sessions_are_limited_per_user(world, customer_a, settings):
    settings.SUPPORTDESK_API_RATE = "2/m"
    client = Client()
    client.force_login(customer_a)
    assert [client.get(TICKETS).status_code for _ in range(3)] == [200, 200, 429]


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url("redis://127.0.0.1:6379/15",
                                         socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_the_count_lives_in_the_shared_cache(world, customer_a, bearer, settings):
    # given the production backend (Redis), which every web process reads and increments
    redis_cache = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                               "LOCATION": "redis://127.0.0.1:6379/15",
                               "KEY_PREFIX": f"sd-test-{customer_a.pk}-{id(settings)}"}}
    settings.SUPPORTDESK_API_RATE = "2/m"
    with override_settings(CACHES=redis_cache):
        caches["default"].clear()
        client = bearer(customer_a)
        assert [client.get(TICKETS).status_code for _ in range(2)] == [200, 200]
        # when the process's connection is dropped (as another process has its own)
        caches["default"].close()
        del caches["default"]
        # then the count is still there: the next call is refused
        _shape(client.get(TICKETS), 429)
        caches["default"].clear()


def test_a_rule_refusal_names_the_field_it_is_about(world, customer_a, technician, bearer):
    # given a product the customer holds no licence for
    response = bearer(customer_a).post(TICKETS, json.dumps(
        {"subject": "x", "product_id": world["b"]["product"].pk}),
        content_type="application/json")
    error = _shape(response, 400, "product_not_licensed")
    assert error["fields"] == {"product_id": [error["message"]]}
    status = bearer(technician).post(f"{TICKETS}{world['a']['ticket'].pk}/status",
                                     json.dumps({"status": "nonsense"}),
                                     content_type="application/json")
    assert list(_shape(status, 400, "invalid_status")["fields"]) == ["status"]
