"""The signature of a delivery (docs/webhooks.md "Verifying a delivery").

``X-Supportdesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`` where the HMAC is keyed
with the subscription's secret over ``<t>.`` followed by the exact body bytes. The timestamp
is signed with the body, so a receiver that refuses a ``t`` older than a few minutes refuses
a replayed delivery, and one that remembers the payload's ``id`` refuses a duplicate.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

HEADER = "X-Supportdesk-Signature"
SECRET_PREFIX = "whsec_"  # noqa: S105 (a label, not a secret)
#: Receivers should refuse a timestamp further than this from their clock (seconds).
TOLERANCE_SECONDS = 300


def secret_new() -> str:
    """A new signing secret: 32 random bytes, URL-safe, with a recognisable prefix."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(int(timestamp)).encode("ascii") + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={int(timestamp)},v1={signature(secret, timestamp, body)}"


def signature_valid(secret: str, header: str, body: bytes, *, now: float,
                    tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver checks (the same as the example in docs/webhooks.md)."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(parts.get("v1", ""), signature(secret, timestamp, body))
