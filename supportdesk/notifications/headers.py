"""Mail headers and addresses made safe (docs/security.md #7, #18): one line, no CR/LF,
bounded length, one plain valid address. Used by ``services.email_send`` and by the
notification delivery; re-exported by ``services``. Which headers a notification carries,
and why: docs/notifications.md "Headers"."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from supportdesk.common import request_id
from supportdesk.common.text import clean_text

#: Default bound of a header value made by ``safe_header``.
HEADER_LIMIT = 180
#: Bound of a subject (a reply's subject carries its token before "Re: <subject>").
SUBJECT_LIMIT = 240
#: Bound of the other header values: RFC 5322's line length.
LONG_HEADER_LIMIT = 998
#: Longest address accepted (RFC 5321 path length).
ADDRESS_LIMIT = 254

# RFC 5322 field names: printable ASCII except ":".
_HEADER_NAME_RE = re.compile(r"[!-9;-~]{1,76}")
# Set from email_send's own arguments (or by Django), never through ``headers``.
_OWN_HEADERS = frozenset({"from", "to", "cc", "bcc", "reply-to", "subject", "message-id",
                          "in-reply-to", "references", "content-type",
                          "content-transfer-encoding", "mime-version"})


def safe_header(text: str, limit: int = HEADER_LIMIT) -> str:
    """One line of header text: CR/LF and controls removed (no header injection), runs of
    white space made one space, cut to ``limit`` characters."""
    flat = clean_text(str(text)).replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return " ".join(flat.split())[:limit]


def address_valid(address: str) -> str:
    """``address`` if it is one plain, valid e-mail address, else ``""``."""
    address = (address or "").strip()
    if not address or any(c in address for c in "\r\n,;<>\"") or len(address) > ADDRESS_LIMIT:
        return ""
    try:
        validate_email(address)
    except ValidationError:
        return ""
    return address


def message_id_domain() -> str:
    """The domain of our Message-IDs: the intake address's (else the sender's)."""
    address = settings.SUPPORTDESK_INTAKE_ADDRESS or settings.DEFAULT_FROM_EMAIL
    return safe_header(address.rsplit("@", 1)[-1].strip(">")) or "supportdesk.invalid"


def addresses_checked(addresses: Sequence[str], field: str) -> list[str]:
    # An address is never flattened (a flattened address is another one): one that would
    # break the header is refused, as Django itself refuses it.
    if isinstance(addresses, str):
        raise TypeError(f"email_send: {field} must be a list of addresses, not a string")
    out = [str(address) for address in addresses]
    for address in out:
        if any(c in address for c in "\r\n\0"):
            raise ValueError(f"email_send: refused {field} address {address[:80]!r}")
    return out


def headers_checked(*, message_id: str, in_reply_to: str, references: str,
             headers: Mapping[str, str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in (("Message-ID", message_id), ("In-Reply-To", in_reply_to),
                        ("References", references)):
        if flat := safe_header(value, LONG_HEADER_LIMIT):
            out[name] = flat
    for name, value in (headers or {}).items():
        if not _HEADER_NAME_RE.fullmatch(name) or name.lower() in _OWN_HEADERS:
            raise ValueError(f"email_send: header {name!r} is not allowed in headers")
        out[name] = safe_header(value, LONG_HEADER_LIMIT)
    # The request (or task) that sends the mail, for tracing it through the logs; an id
    # is visible ASCII of at most 64 characters (supportdesk.common.request_id).
    if (current := request_id.current()) is not None:
        out.setdefault(request_id.HEADER, current)
    return out
