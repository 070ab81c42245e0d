"""The id of the request (or task) being served, for logs, task headers and outgoing mail.

One ``ContextVar``: the request-log middleware (``supportdesk.common.request_logging``) sets
it from a valid ``X-Request-ID`` header or a new uuid4, Celery tasks set it from the header
their sender put on the message (``config/celery.py``), and anything may read it with
``current()``, e.g. the one mail sender to add ``X-Request-ID`` to a mail. No Django here:
the settings import this module for the logging configuration.
"""

from __future__ import annotations

import contextvars
import re
import uuid

#: A header value we accept as an id: visible ASCII only (no space, no control character,
#: so it cannot break a log line or a mail header), at most 64 characters.
MAX_LENGTH = 64
_VALID = re.compile(rf"[\x21-\x7e]{{1,{MAX_LENGTH}}}")

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
#: The Celery message header the id travels in.
TASK_HEADER = "supportdesk_request_id"

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "supportdesk_request_id", default=None)


def clean(value: object) -> str | None:
    """``value`` when it is an acceptable id, else ``None`` (the caller makes a new one)."""
    if isinstance(value, bytes):
        try:
            value = value.decode("ascii")
        except UnicodeDecodeError:
            return None
    if not isinstance(value, str) or not _VALID.fullmatch(value):
        return None
    return value


def new() -> str:
    """A fresh id (32 hex digits)."""
    return uuid.uuid4().hex


def current() -> str | None:
    """The id of the request or task running in this context, or ``None`` outside one."""
    return _current.get()


def bind(value: str | None) -> contextvars.Token:
    """Make ``value`` the current id; give the token to ``reset`` when the work is done."""
    return _current.set(value)


def reset(token: contextvars.Token) -> None:
    _current.reset(token)


def add_to_event(logger, method_name: str, event_dict: dict) -> dict:
    """structlog processor: every log line written while an id is current carries it."""
    request_id = _current.get()
    if request_id is not None:
        event_dict.setdefault("request_id", request_id)
    return event_dict
