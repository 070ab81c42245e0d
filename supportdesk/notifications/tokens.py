"""Reply tokens (docs/security.md #17): ``[#000123-<hmac>]`` in subjects, ``ticket-000123-<hmac>``
in Message-ID / References.

The HMAC is ``django.utils.crypto.salted_hmac`` (SECRET_KEY, a salt of its own) over the
request id, cut to 12 hex digits: a sender cannot forge a reference to a request it has not
received mail about. The token only says *which* request; whether the sender may write to
it is decided separately (a participant check on the From address, ``mail.services``).

Outgoing mail puts them in (``tickets.services.notices``), mail intake reads them back
(``mail.services``): they live here, below both (docs/notifications.md "Headers").
"""

from __future__ import annotations

import re

from django.utils.crypto import constant_time_compare, salted_hmac

# The salt keeps the name of the module the tokens started in: another salt would invalidate
# every token already mailed (customers' answers would then open new requests).
_SALT = "supportdesk.mail.reply-token"
_DIGEST_LEN = 12

SUBJECT_TOKEN_RE = re.compile(r"\[#(\d{1,12})-([0-9A-Fa-f]{6,40})\]")
HEADER_TOKEN_RE = re.compile(r"ticket-(\d{1,12})-([0-9A-Fa-f]{6,40})[.@]")


def purpose_digest(purpose: str, *parts, length: int = _DIGEST_LEN) -> str:
    """The reply token's HMAC (same key, same salt) over ``purpose:part:...``, for another
    signed link about a request (the satisfaction survey's rating link, purpose ``rate``):
    one signing scheme, and a purpose prefix so one kind of token never passes for another."""
    message = ":".join([purpose, *(str(part) for part in parts)])
    return salted_hmac(_SALT, message, algorithm="sha256").hexdigest()[:length]


def token_digest(ticket_id: int) -> str:
    return purpose_digest("ticket", int(ticket_id))


def subject_token(ticket_id: int) -> str:
    return f"[#{int(ticket_id):06d}-{token_digest(ticket_id)}]"


def header_token(ticket_id: int) -> str:
    return f"ticket-{int(ticket_id):06d}-{token_digest(ticket_id)}"


def token_verify(ticket_id: int, digest: str) -> bool:
    return constant_time_compare(token_digest(ticket_id), digest.lower())


def tokens_find(subject: str, references: str) -> tuple[list[int], bool]:
    """Request ids whose token verifies, in order (subject first), and whether any token was
    present that failed its check."""
    valid: list[int] = []
    bad = False
    found = [*SUBJECT_TOKEN_RE.findall(subject or ""), *HEADER_TOKEN_RE.findall(references or "")]
    for number, digest in found:
        ticket_id = int(number)
        if token_verify(ticket_id, digest):
            if ticket_id not in valid:
                valid.append(ticket_id)
        else:
            bad = True
    return valid, bad


def subject_without_token(subject: str) -> str:
    return " ".join(SUBJECT_TOKEN_RE.sub(" ", subject or "").split())
