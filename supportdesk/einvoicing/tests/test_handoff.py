"""The generic HTTP adapter against the provider stand-in: what it sends (the document,
the idempotency key, the credentials in the header only) and how each answer is read."""

from __future__ import annotations

import pytest

from supportdesk.common import outbound
from supportdesk.einvoicing import documents, handoff
from supportdesk.einvoicing.documents import schemas
from supportdesk.einvoicing.handoff import base as meaning

DOCUMENT = b"<InvoicesDoc/>"  # for the calls the stand-in turns away before reading it


@pytest.fixture
def valid(statement) -> bytes:
    """A real document, as the validators accept it (the stand-in validates each one)."""
    if schemas.schema_problems("mydata"):
        pytest.skip("the official myDATA schema files are not laid out")
    return documents.render(documents.draft_for_statement(statement), "mydata")


def test_an_invalid_document_is_rejected_with_the_validators_words(stand_in, db):
    # (with the schema files missing, the stand-in's refusal says that instead)
    answer = handoff.adapter().send(DOCUMENT, key="k-0", payload_format="mydata")
    assert answer.outcome == meaning.REJECTED and answer.errors
    assert all(e.code == "XSD" and e.message for e in answer.errors)
    assert stand_in.registrations == 0


def test_a_document_is_registered_once_per_key(stand_in, valid):
    # given
    adapter = handoff.adapter()
    # when: the same key twice (a retry)
    first = adapter.send(valid, key="k-1", payload_format="mydata")
    again = adapter.send(valid, key="k-1", payload_format="mydata")
    # then: one registration, answered twice
    assert first.outcome == meaning.REGISTERED and first.mark.isdigit()
    assert (again.mark, again.uid, again.qr_url) == (first.mark, first.uid, first.qr_url)
    assert stand_in.registrations == 1
    sent = stand_in.sends()[0]
    assert sent.key == "k-1"
    assert sent.headers["Authorization"] == "Bearer stand-in-secret-token"
    assert sent.headers["X-Document-Format"] == "mydata"


def test_the_status_of_an_unknown_key_says_unknown_and_a_known_one_its_registration(stand_in,
                                                                                    valid):
    adapter = handoff.adapter()
    assert adapter.status(key="nobody").outcome == meaning.UNKNOWN
    sent = adapter.send(valid, key="k-2", payload_format="mydata")
    status = adapter.status(key="k-2")
    assert status.outcome == meaning.REGISTERED and status.mark == sent.mark


def test_wrong_credentials_are_a_failure_not_a_rejection(stand_in, settings):
    settings.SUPPORTDESK_EINVOICE_PROVIDER_TOKEN = "wrong"
    answer = handoff.adapter().send(DOCUMENT, key="k-3", payload_format="mydata")
    assert answer.outcome == meaning.FAILED and answer.http_status == 401
    assert stand_in.registrations == 0


def test_basic_credentials_when_there_is_no_token(settings):
    settings.SUPPORTDESK_EINVOICE_PROVIDER_TOKEN = ""
    settings.SUPPORTDESK_EINVOICE_PROVIDER_USERNAME = "jewelsoft"
    settings.SUPPORTDESK_EINVOICE_PROVIDER_PASSWORD = "s3cret"
    config = handoff.ProviderConfig.from_settings()
    assert config.authorization() == "Basic amV3ZWxzb2Z0OnMzY3JldA=="
    # The credentials are never in the configuration's repr (a log line, a traceback).
    assert "s3cret" not in repr(config) and "s3cret" not in repr(handoff.adapter())


def test_a_slow_provider_is_no_answer_within_the_deadline(stand_in, valid):
    stand_in.mode = "slow"
    answer = handoff.adapter().send(valid, key="k-4", payload_format="mydata")
    assert answer.outcome == meaning.NO_ANSWER and answer.timed_out
    assert answer.duration_ms < 2000


def test_the_provider_url_is_checked_against_ssrf(settings):
    settings.SUPPORTDESK_EINVOICE_ALLOWED_NETWORKS = []
    settings.SUPPORTDESK_EINVOICE_PROVIDER_URL = "http://169.254.169.254/latest"
    answer = handoff.adapter().send(DOCUMENT, key="k-5", payload_format="mydata")
    assert answer.outcome == meaning.REFUSED
    assert "link-local" in answer.error


def _outcome(status, body: bytes) -> outbound.Outcome:
    return outbound.Outcome(status_code=status, content=body, excerpt=body.decode()[:100])


@pytest.mark.parametrize(("status", "body", "action", "expected"), [
    (201, b'{"status":"registered","mark":"400001","uid":"U"}', "send", meaning.REGISTERED),
    (200, b'{"status":"registered","mark":"not digits"}', "send", meaning.NO_ANSWER),
    (200, b"<html>ok</html>", "send", meaning.NO_ANSWER),  # a 2xx we cannot read: ask later
    (422, b'{"status":"rejected","errors":[{"code":"1","field":"x","message":"m"}]}',
     "send", meaning.REJECTED),
    (400, b"not json", "send", meaning.FAILED),
    (202, b'{"status":"pending"}', "send", meaning.PENDING),
    (404, b"", "status", meaning.UNKNOWN),
    (503, b'{"status":"error"}', "send", meaning.FAILED),
    (200, b'{"status":"cancelled"}', "cancel", meaning.CANCELLED),
    (409, b'{"status":"error","errors":[{"message":"no"}]}', "cancel", meaning.FAILED),
    (422, b'{"status":"rejected","errors":[{"message":"no"}]}', "cancel", meaning.FAILED),
])
def test_answers_are_mapped(status, body, action, expected):
    assert handoff.map_answer(_outcome(status, body), action=action).outcome == expected


def test_rejection_errors_keep_code_field_and_message():
    answer = handoff.map_answer(_outcome(
        422, '{"status":"rejected","errors":[{"code":"102","field":"counterpart.vatNumber",'
             '"message":"Άγνωστος ΑΦΜ"}]}'.encode()), action="send")
    assert [e.as_dict() for e in answer.errors] == [
        {"code": "102", "field": "counterpart.vatNumber", "message": "Άγνωστος ΑΦΜ"}]
