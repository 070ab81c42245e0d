"""The one way out for e-mail: sent after commit, every header one line (docs/security.md #7)."""

import logging

import pytest
from django.core import mail
from django.db import transaction

from supportdesk.notifications.services import (
    address_valid,
    email_send,
    message_id_domain,
    safe_header,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("text", "expected"), [
    ("a\r\nb\tc", "a b c"),
    ("Βλάβη\r\nBcc: x@evil.example", "Βλάβη Bcc: x@evil.example"),
    ("  two   spaces\n\n", "two spaces"),
    ("nul\x00and\x07bell\x1b", "nulandbell"),
    ("line\u2028sep\x85nel", "line sep nel"),
    (12, "12"),
])
def test_safe_header_makes_one_clean_line(text, expected):
    assert safe_header(text) == expected


def test_safe_header_is_bounded():
    assert safe_header("α" * 500) == "α" * 180
    assert safe_header("α" * 500, limit=240) == "α" * 240


@pytest.mark.parametrize(("address", "expected"), [
    (" maria@alfa.gr ", "maria@alfa.gr"),
    ("maria@alfa.gr\r\nBcc: x@evil.example", ""),
    ("Maria <maria@alfa.gr>", ""),
    ("a@b.gr, c@d.gr", ""),
    ("not-an-address", ""),
    ("", ""),
    (None, ""),
])
def test_address_valid_takes_one_plain_address(address, expected):
    assert address_valid(address) == expected


def test_message_ids_use_the_intake_domain(settings):
    settings.SUPPORTDESK_INTAKE_ADDRESS = "support@jewelsoft.example"
    assert message_id_domain() == "jewelsoft.example"
    settings.SUPPORTDESK_INTAKE_ADDRESS = ""
    settings.DEFAULT_FROM_EMAIL = "desk@vendor.example"
    assert message_id_domain() == "vendor.example"


def _send(**kwargs):
    return email_send(**{"to": ["maria@alfa.gr"], "subject": "Θέμα", "body": "Κείμενο",
                         **kwargs})


def test_a_mail_goes_out_only_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            _send()
            assert mail.outbox == []
        assert mail.outbox == []  # the test's own transaction is still open
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1


def test_a_rolled_back_change_mails_nobody(django_capture_on_commit_callbacks):
    with (django_capture_on_commit_callbacks(execute=True) as callbacks,
          pytest.raises(RuntimeError), transaction.atomic()):
        _send()
        raise RuntimeError("rolled back")
    assert callbacks == []
    assert mail.outbox == []


def test_what_is_sent(settings, django_capture_on_commit_callbacks):
    settings.DEFAULT_FROM_EMAIL = "support@jewelsoft.example"
    with django_capture_on_commit_callbacks(execute=True):
        email_send(to=["maria@alfa.gr", "nikos@alfa.gr"], subject="Απάντηση", body="Γεια",
                   html="<p>Γεια</p>", reply_to=["support@jewelsoft.example"],
                   message_id="<m-1@jewelsoft.example>", in_reply_to="<t-1@jewelsoft.example>",
                   references="<t-1@jewelsoft.example>",
                   headers={"X-Auto-Response-Suppress": "All"})
    sent = mail.outbox[0]
    assert sent.from_email == "support@jewelsoft.example"
    assert sent.recipients() == ["maria@alfa.gr", "nikos@alfa.gr"]
    assert sent.cc == [] and sent.bcc == []
    assert sent.reply_to == ["support@jewelsoft.example"]
    assert (sent.subject, sent.body) == ("Απάντηση", "Γεια")
    assert sent.alternatives == [("<p>Γεια</p>", "text/html")]
    assert sent.extra_headers == {
        "Message-ID": "<m-1@jewelsoft.example>", "In-Reply-To": "<t-1@jewelsoft.example>",
        "References": "<t-1@jewelsoft.example>", "X-Auto-Response-Suppress": "All"}
    message = sent.message()
    assert message["Message-ID"] == "<m-1@jewelsoft.example>"
    assert message.get_content_type() == "multipart/alternative"


def test_a_text_mail_has_no_alternative(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _send()
    sent = mail.outbox[0]
    assert sent.alternatives == []
    assert sent.message().get_content_type() == "text/plain"
    assert "In-Reply-To" not in sent.extra_headers and "References" not in sent.extra_headers


def test_no_header_can_be_injected(django_capture_on_commit_callbacks):
    injected = "x\r\nBcc: evil@example.com"
    with django_capture_on_commit_callbacks(execute=True):
        _send(subject=f"Θέμα{injected}", message_id=f"<m@x>{injected}",
              in_reply_to=f"<t@x>{injected}", references=f"<t@x>{injected}",
              headers={"X-Note": f"note{injected}"})
    sent = mail.outbox[0]
    values = [sent.subject, *sent.extra_headers.values()]
    assert all("\r" not in v and "\n" not in v for v in values)
    raw = sent.message().as_bytes().split(b"\n\n", 1)[0]
    assert not any(line.lower().startswith(b"bcc:") for line in raw.splitlines())
    assert sent.bcc == [] and sent.recipients() == ["maria@alfa.gr"]


def test_the_subject_is_bounded(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _send(subject="α" * 500)
        _send(subject="α" * 500, subject_limit=180)
    assert [len(m.subject) for m in mail.outbox] == [240, 180]


@pytest.mark.parametrize("headers", [
    {"Bcc": "evil@example.com"}, {"to": "evil@example.com"}, {"Subject": "x"},
    {"Message-ID": "<m@x>"}, {"X-Bad\r\nBcc": "x"}, {"X Bad": "x"}, {"X:Bad": "x"}, {"": "x"},
])
def test_headers_cannot_set_what_email_send_sets_nor_break_the_header(headers):
    with pytest.raises(ValueError, match="not allowed"):
        _send(headers=headers)


@pytest.mark.parametrize(("field", "value"), [
    ("to", ["maria@alfa.gr\r\nBcc: evil@example.com"]),
    ("reply_to", ["support@jewelsoft.example\nBcc: evil@example.com"]),
])
def test_an_address_that_would_break_the_header_is_refused(field, value):
    with pytest.raises(ValueError, match="refused"):
        _send(**{field: value})


def test_addresses_are_lists(django_capture_on_commit_callbacks):
    with pytest.raises(TypeError):
        _send(to="maria@alfa.gr")


def test_without_recipients_nothing_is_sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _send(to=[])
    assert callbacks == [] and mail.outbox == []


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp down")


def test_a_failure_to_send_is_logged(settings, django_capture_on_commit_callbacks, caplog):
    settings.EMAIL_BACKEND = "supportdesk.notifications.tests.test_services.BrokenBackend"
    with (caplog.at_level(logging.ERROR, logger="supportdesk.notifications.services"),
          django_capture_on_commit_callbacks(execute=True)):
        _send()
    assert "not sent" in caplog.text and "smtp down" in caplog.text


def test_a_failure_to_send_is_raised_when_asked(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "supportdesk.notifications.tests.test_services.BrokenBackend"
    with pytest.raises(ConnectionRefusedError), django_capture_on_commit_callbacks(execute=True):
        _send(raise_errors=True)
