"""What an adapter to a certified e-invoicing provider does, whatever its API: send a
document, ask for its status, cancel it, each under the submission's idempotency key, and
say what the answer meant as an :class:`Answer` (docs/einvoicing.md "Hand-off")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

# What an answer meant. ``registered``: the provider holds it with a ΜΑΡΚ. ``rejected``:
# it refused the document (errors per field; nothing registered). ``pending``: received,
# not registered yet. ``unknown``: the provider has nothing under this key (safe to send).
# ``cancelled``: its cancellation is registered. ``no_answer``: timeout or connection lost
# (it may have been registered: ask before sending again). ``refused``: our SSRF guard
# stopped it before connecting. ``failed``: any other answer (credentials, server error).
REGISTERED = "registered"
REJECTED = "rejected"
PENDING = "pending"
UNKNOWN = "unknown"
CANCELLED = "cancelled"
NO_ANSWER = "no_answer"
REFUSED = "refused"
FAILED = "failed"


@dataclass(frozen=True)
class ProviderError:
    code: str = ""
    field: str = ""     # the provider's name of the field at fault, when it gives one
    message: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class Answer:
    outcome: str
    mark: str = ""
    uid: str = ""
    authentication_code: str = ""
    qr_url: str = ""
    errors: tuple[ProviderError, ...] = ()
    http_status: int | None = None
    error: str = ""           # why there is no usable answer (transport or parse), English
    excerpt: str = ""         # the start of the provider's answer, for the attempt log
    duration_ms: int = 0
    timed_out: bool = False
    extra: dict = field(default_factory=dict)


class Adapter(Protocol):
    """One provider. Implementations never raise for the network or the provider: every
    failure is an :class:`Answer`."""

    def send(self, document: bytes, *, key: str, payload_format: str) -> Answer: ...

    def status(self, *, key: str) -> Answer: ...

    def cancel(self, *, key: str, mark: str) -> Answer: ...
