"""Real mail servers on 127.0.0.1 for the end-to-end tests (docs/notifications.md).

- ``dovecot``: Debian's Dovecot (IMAP), the fixture of the mail app's tests
  (``supportdesk/mail/tests/dovecot.py``): one server for the session, an account per test;
  skipped when Dovecot is not installed (``.ci/run`` installs ``dovecot-imapd``).
- ``smtp``: an ``aiosmtpd`` server on a free port that keeps every message it accepts, by
  envelope recipient; it can refuse (a 451 to every DATA), hang (answer DATA late), or be
  stopped and started again on the same port (the mail server down). The app reaches it
  through its ordinary settings: Django's SMTP backend with ``EMAIL_HOST``/``EMAIL_PORT``
  pointing at it (``config/settings/base.py`` reads them from the environment).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from supportdesk.mail.tests.dovecot import Dovecot, dovecot_binary

SUPPORT = "support@jewelsoft.example"

# aiosmtpd logs every SMTP command at INFO: keep a failing test's output readable.
logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass
class Received:
    """One message as the SMTP server accepted it."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)

    @property
    def subject(self) -> str:
        # Django folds a long encoded subject after "Subject:" (an empty first line); the
        # modern parser keeps that fold's space, a mail program shows none.
        return str(self.message["Subject"]).strip()

    def header(self, name: str) -> str:
        return str(self.message[name] or "")

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)
    refusing: bool = False
    hang_seconds: float = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # the name aiosmtpd calls
        if self.hang_seconds:  # a server that stops answering, and never takes the message
            await asyncio.sleep(self.hang_seconds)
            return "451 4.4.2 Timed out"
        if self.refusing:
            return "451 4.3.0 Mailbox temporarily unavailable"
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          bytes(envelope.original_content or envelope.content)))
        return "250 2.0.0 OK"


class SmtpServer:
    host = "127.0.0.1"

    def __init__(self):
        with socket.socket() as s:
            s.bind((self.host, 0))
            self.port = s.getsockname()[1]
        self.handler = _Handler()
        self.controller: Controller | None = None

    def start(self) -> SmtpServer:
        self.controller = Controller(self.handler, hostname=self.host, port=self.port,
                                     ready_timeout=10)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def is_up(self) -> bool:
        return self.controller is not None

    def refuse(self, *, refusing: bool = True) -> None:
        self.handler.refusing = refusing

    def hang(self, seconds: float) -> None:
        self.handler.hang_seconds = seconds

    def clear(self) -> None:
        with self.handler.lock:
            self.handler.received.clear()

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def mailbox(self, address: str) -> list[Received]:
        """Every message delivered to ``address``, oldest first."""
        return [r for r in self.received if address.lower() in map(str.lower, r.rcpt_tos)]

    def wait_for(self, address: str, count: int, timeout: float = 10) -> list[Received]:
        # The app's send returns once the server has said 250 to DATA, and the handler
        # stores before it answers: this waits only as a guard against a slow machine.
        deadline = time.monotonic() + timeout
        while len(self.mailbox(address)) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.mailbox(address)


@pytest.fixture(scope="session")
def dovecot():
    binary = dovecot_binary()
    if binary is None:
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd; .ci/run does)")
    server = Dovecot(binary).start()
    yield server
    server.stop()


@pytest.fixture
def smtp(settings):
    """An SMTP server for this test, and the app's mail settings pointing at it."""
    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    settings.DEFAULT_FROM_EMAIL = settings.SERVER_EMAIL = SUPPORT
    settings.SUPPORTDESK_INTAKE_ADDRESS = SUPPORT
    settings.SUPPORTDESK_SITE_URL = "https://desk.jewelsoft.example"
    yield server
    server.stop()
