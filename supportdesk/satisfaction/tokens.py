"""The rating link's token (docs/satisfaction.md "The link"): the reply token's signing
(``notifications.tokens.purpose_digest``: SECRET_KEY, the reply token's salt) with a
purpose of its own, ``rate``, over the request, the recipient and the expiry.

``<request>.<user>.<expires>.<hmac>``: the request says what is rated, the user who rates
(the contact the survey was mailed to), the expiry (a Unix time) when the link stops
working; 32 hex digits of HMAC (128 bits: it is a capability, unlike the 12 digits that
only say which thread a mail belongs to). A changed digit anywhere is a forged token.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from django.utils.crypto import constant_time_compare

from supportdesk.notifications.tokens import purpose_digest

PURPOSE = "rate"
DIGEST_LEN = 32
#: How long the link in the survey mail works (the portal's form has no expiry).
VALID_DAYS = 30
_TOKEN_RE = re.compile(r"^(\d{1,12})\.(\d{1,12})\.(\d{1,12})\.([0-9a-f]{32})$")


@dataclass(frozen=True)
class RateToken:
    ticket_id: int
    user_id: int
    expires: int


def _digest(ticket_id: int, user_id: int, expires: int) -> str:
    return purpose_digest(PURPOSE, int(ticket_id), int(user_id), int(expires),
                          length=DIGEST_LEN)


def rate_token(*, ticket_id: int, user_id: int, now: float | None = None,
               days: int = VALID_DAYS) -> str:
    expires = int((time.time() if now is None else now) + days * 86400)
    return f"{int(ticket_id)}.{int(user_id)}.{expires}.{_digest(ticket_id, user_id, expires)}"


def rate_token_read(token: str, *, now: float | None = None) -> RateToken | None:
    """The token's request and user, or None when it is malformed, forged or expired."""
    match = _TOKEN_RE.match(token or "")
    if match is None:
        return None
    ticket_id, user_id, expires = (int(match.group(i)) for i in (1, 2, 3))
    if not constant_time_compare(_digest(ticket_id, user_id, expires), match.group(4)):
        return None
    if expires < (time.time() if now is None else now):
        return None
    return RateToken(ticket_id=ticket_id, user_id=user_id, expires=expires)
