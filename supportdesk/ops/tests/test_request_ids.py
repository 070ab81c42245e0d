"""The request id travels with the work it caused: into the Celery message headers and the
task's context (and so its log lines), and into the mails sent (``X-Request-ID``)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core import mail

from config import celery as celery_config
from supportdesk.common import request_id
from supportdesk.notifications.services import email_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def bound():
    token = request_id.bind("req-4711")
    yield "req-4711"
    request_id.reset(token)


def send(capture):
    with capture(execute=True):
        email_send(to=["shop@example.com"], subject="Θέμα", body="Κείμενο")
    return mail.outbox[-1]


def test_a_mail_sent_while_serving_a_request_carries_its_id(
        bound, django_capture_on_commit_callbacks):
    sent = send(django_capture_on_commit_callbacks)
    assert sent.extra_headers[request_id.HEADER] == "req-4711"


def test_a_mail_sent_outside_any_request_has_no_id_header(django_capture_on_commit_callbacks):
    assert request_id.current() is None
    assert request_id.HEADER not in send(django_capture_on_commit_callbacks).extra_headers


def test_the_id_goes_into_the_task_message_and_is_current_in_the_task(
        bound, django_capture_on_commit_callbacks):
    headers: dict = {}
    celery_config._send_the_request_id(headers=headers)
    assert headers == {request_id.TASK_HEADER: "req-4711"}

    # The worker: a task whose request carries that header, run in a context of its own.
    task = SimpleNamespace(name="notifications.deliver",
                           request=SimpleNamespace(is_eager=False, **headers))
    token = request_id.bind(None)
    try:
        celery_config._task_started(task_id="t1", task=task)
        assert request_id.current() == "req-4711"
        sent = send(django_capture_on_commit_callbacks)
        assert sent.extra_headers[request_id.HEADER] == "req-4711"
        celery_config._task_finished(task_id="t1", task=task, state="SUCCESS")
        assert request_id.current() is None
    finally:
        request_id.reset(token)


def test_a_task_sent_from_no_request_gets_an_id_of_its_own():
    task = SimpleNamespace(name="notifications.sweep", request=SimpleNamespace(is_eager=False))
    celery_config._task_started(task_id="t2", task=task)
    try:
        assert request_id.clean(request_id.current())
    finally:
        celery_config._task_finished(task_id="t2", task=task, state="SUCCESS")
    assert request_id.current() is None


def test_a_forged_id_in_the_message_is_not_taken():
    task = SimpleNamespace(name="x", request=SimpleNamespace(
        is_eager=False, **{request_id.TASK_HEADER: "bad id\r\nX-Evil: 1"}))
    celery_config._task_started(task_id="t3", task=task)
    try:
        assert request_id.current() != "bad id\r\nX-Evil: 1"
        assert request_id.clean(request_id.current())
    finally:
        celery_config._task_finished(task_id="t3", task=task, state="SUCCESS")
