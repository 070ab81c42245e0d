"""One JSON log line per request and per task, and the request id (issue 11)."""

import io
import json
import logging

import pytest
from celery import shared_task
from django.conf import settings
from django.http import HttpResponse
from django.test import Client, RequestFactory

from config.celery import _send_the_request_id
from supportdesk.accounts.tests.factories import TechnicianFactory
from supportdesk.common import request_id
from supportdesk.common.request_logging import RequestLogMiddleware

FIELDS = {"request_id", "user_id", "route", "method", "status", "duration_ms"}


@pytest.fixture
def json_lines():
    """What the production formatter (settings.LOGGING "json") writes, line by line."""
    spec = dict(settings.LOGGING["formatters"]["json"])
    formatter = spec.pop("()")(**spec)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    loggers = [logging.getLogger(n) for n in ("supportdesk.request", "supportdesk.task")]
    for each in loggers:
        each.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for each in loggers:
        each.removeHandler(handler)


@pytest.mark.django_db
def test_a_request_logs_one_json_line_with_its_fields(json_lines, ticket_a):
    user = TechnicianFactory(username="logtech")
    client = Client()
    client.force_login(user)
    response = client.get(f"/desk/tickets/{ticket_a.pk}/")
    assert response.status_code == 200
    lines = [line for line in json_lines() if line.get("event") == "request"]
    assert len(lines) == 1
    line = lines[0]
    assert set(line) >= FIELDS
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] == user.pk
    assert line["route"] == "desk:ticket"
    assert (line["method"], line["status"]) == ("GET", 200)
    assert isinstance(line["duration_ms"], float)
    assert line["level"] == "info"
    assert "timestamp" in line


def test_the_request_id_round_trips(json_lines):
    response = Client().get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a-0001")
    assert response["X-Request-ID"] == "lb-7f3a-0001"
    assert json_lines()[-1]["request_id"] == "lb-7f3a-0001"
    assert json_lines()[-1]["user_id"] is None


@pytest.mark.parametrize("bad", ["", "x" * 65, "two words", "nl\r\nInjected: 1", "κλειδί",
                                 "tab\tid"])
def test_an_invalid_request_id_is_replaced(bad):
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=bad)
    given = response["X-Request-ID"]
    assert given != bad
    assert request_id.clean(given) == given
    assert len(given) == 32


def test_the_id_is_current_while_the_request_runs_and_gone_after():
    seen = []

    def view(request):
        seen.append(request_id.current())
        return HttpResponse("ok")

    middleware = RequestLogMiddleware(view)
    response = middleware(RequestFactory().get("/", HTTP_X_REQUEST_ID="abc-123"))
    assert seen == ["abc-123"]
    assert response["X-Request-ID"] == "abc-123"
    assert request_id.current() is None


@shared_task(name="supportdesk.ops.tests.echo_request_id")
def echo_request_id():
    return request_id.current()


def test_a_task_logs_one_line_and_carries_the_request_id(json_lines):
    token = request_id.bind("req-42")
    try:
        # eager here (no broker): the task runs with the sender's id
        assert echo_request_id.delay().get() == "req-42"
        # on a broker, the id travels in the message headers
        headers = {}
        _send_the_request_id(headers=headers)
        assert headers == {request_id.TASK_HEADER: "req-42"}
    finally:
        request_id.reset(token)
    tasks = [line for line in json_lines() if line.get("event") == "task"]
    assert len(tasks) == 1
    assert tasks[0]["task"] == "supportdesk.ops.tests.echo_request_id"
    assert tasks[0]["state"] == "SUCCESS"
    assert tasks[0]["request_id"] == "req-42"
    assert isinstance(tasks[0]["duration_ms"], float)
