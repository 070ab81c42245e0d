"""The generic HTTP adapter: one provider API described by a URL, credentials and the
payload format (docs/einvoicing.md "Hand-off", "The provider API").

    POST {url}/documents                   the document (XML), Idempotency-Key: <key>
    GET  {url}/documents/{key}             its status
    POST {url}/documents/{key}/cancel      cancel it (body: {"mark": ...})

An answer is JSON: ``{"status": "registered", "mark", "uid", "authentication_code",
"qr_url"}``, ``{"status": "pending"}``, ``{"status": "cancelled"}``, or for a refused
document (HTTP 400/422) ``{"status": "rejected", "errors": [{"code", "field", "message"}]}``;
404 on a status call means the provider has nothing under that key. :func:`map_answer` is
the one place that reads a provider's answer; a provider with other field names is a
mapping there, not a second adapter.

Every call goes through ``common.outbound`` with the e-invoicing policy (SSRF guard, one
deadline). The credentials travel only in the Authorization header: they are not in the
URL, the attempt log, the exceptions or the ``repr`` of the configuration.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from urllib.parse import quote

from django.conf import settings

from supportdesk.common import outbound

from .base import (
    CANCELLED,
    FAILED,
    NO_ANSWER,
    PENDING,
    REFUSED,
    REGISTERED,
    REJECTED,
    UNKNOWN,
    Answer,
    ProviderError,
)

USER_AGENT = "supportdesk-einvoicing/1"
CONTENT_TYPES = {"mydata": "application/xml", "ubl": "application/xml"}
MAX_ERRORS = 50


@dataclass(frozen=True)
class ProviderConfig:
    url: str
    payload_format: str = "mydata"
    token: str = field(default="", repr=False)
    username: str = field(default="", repr=False)
    password: str = field(default="", repr=False)
    policy: outbound.Policy = field(default_factory=outbound.Policy)

    @classmethod
    def from_settings(cls) -> ProviderConfig:
        return cls(
            url=(getattr(settings, "SUPPORTDESK_EINVOICE_PROVIDER_URL", "") or "").rstrip("/"),
            payload_format=getattr(settings, "SUPPORTDESK_EINVOICE_FORMAT", "mydata"),
            token=getattr(settings, "SUPPORTDESK_EINVOICE_PROVIDER_TOKEN", ""),
            username=getattr(settings, "SUPPORTDESK_EINVOICE_PROVIDER_USERNAME", ""),
            password=getattr(settings, "SUPPORTDESK_EINVOICE_PROVIDER_PASSWORD", ""),
            policy=outbound.Policy.of(
                require_https=getattr(settings, "SUPPORTDESK_EINVOICE_REQUIRE_HTTPS", True),
                allowed_networks=getattr(settings, "SUPPORTDESK_EINVOICE_ALLOWED_NETWORKS", []),
                timeout=getattr(settings, "SUPPORTDESK_EINVOICE_TIMEOUT", 30.0)))

    def authorization(self) -> str:
        if self.token:
            return f"Bearer {self.token}"
        if self.username or self.password:
            pair = f"{self.username}:{self.password}".encode()
            return "Basic " + base64.b64encode(pair).decode("ascii")
        return ""


def _text(value, limit: int) -> str:
    return str(value if value is not None else "")[:limit]


def _errors(data) -> tuple[ProviderError, ...]:
    raw = data.get("errors") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        return ()
    return tuple(ProviderError(code=_text(e.get("code"), 50), field=_text(e.get("field"), 200),
                               message=_text(e.get("message"), 500))
                 for e in raw[:MAX_ERRORS] if isinstance(e, dict))


def map_answer(outcome: outbound.Outcome, *, action: str) -> Answer:
    """What the provider's answer to ``action`` (send, status, cancel) meant."""
    base = {"http_status": outcome.status_code, "excerpt": outcome.excerpt,
            "duration_ms": outcome.duration_ms, "timed_out": outcome.timed_out}
    if outcome.refused:
        return Answer(REFUSED, error=outcome.error, **base)
    if outcome.status_code is None:
        return Answer(NO_ANSWER, error=outcome.error, **base)
    if action == "status" and outcome.status_code == 404:
        return Answer(UNKNOWN, **base)
    try:
        data = json.loads(outcome.content.decode("utf-8")) if outcome.content else {}
    except (UnicodeDecodeError, ValueError):
        data = None
    if not isinstance(data, dict):
        # A 2xx we cannot read may still be a registration: treat it as no answer, so the
        # next attempt asks for the status instead of sending twice.
        kind = NO_ANSWER if outcome.ok else FAILED
        return Answer(kind, error=outcome.error or "the answer is not a JSON object", **base)
    status = _text(data.get("status"), 20).lower()
    if outcome.status_code in (400, 422) or status == REJECTED:
        errors = _errors(data) or (ProviderError(message=outcome.error or "rejected"),)
        if action == "cancel":
            return Answer(FAILED, errors=errors, error=outcome.error or "cancel refused", **base)
        return Answer(REJECTED, errors=errors, error=outcome.error, **base)
    if not outcome.ok:
        return Answer(FAILED, errors=_errors(data), error=outcome.error, **base)
    if status == REGISTERED:
        mark = _text(data.get("mark"), 20)
        if not mark.isdigit():
            return Answer(NO_ANSWER, error="registered without a valid ΜΑΡΚ", **base)
        return Answer(REGISTERED, mark=mark, uid=_text(data.get("uid"), 100),
                      authentication_code=_text(data.get("authentication_code"), 200),
                      qr_url=_text(data.get("qr_url"), 500), **base)
    if status == CANCELLED:
        return Answer(CANCELLED, **base)
    if status in (PENDING, "received", "processing", "sent"):
        return Answer(PENDING, **base)
    return Answer(FAILED, error=f"unexpected status {status!r}", **base)


class GenericHttpAdapter:
    def __init__(self, config: ProviderConfig) -> None:
        self.config = config

    def __repr__(self) -> str:
        return f"GenericHttpAdapter({self.config.url!r}, {self.config.payload_format!r})"

    def _headers(self, key: str, content_type: str) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json",
                   "Idempotency-Key": key, "Content-Type": content_type}
        authorization = self.config.authorization()
        if authorization:
            headers["Authorization"] = authorization
        return headers

    def _call(self, method: str, path: str, body: bytes | None, headers: dict, action: str
              ) -> Answer:
        outcome = outbound.request(method, self.config.url + path, body, headers,
                                   self.config.policy)
        return map_answer(outcome, action=action)

    def send(self, document: bytes, *, key: str, payload_format: str) -> Answer:
        headers = self._headers(key, CONTENT_TYPES.get(payload_format, "application/xml")
                                + "; charset=utf-8")
        headers["X-Document-Format"] = payload_format
        return self._call("POST", "/documents", document, headers, "send")

    def status(self, *, key: str) -> Answer:
        headers = self._headers(key, "application/json")
        return self._call("GET", f"/documents/{quote(key, safe='')}", None, headers, "status")

    def cancel(self, *, key: str, mark: str) -> Answer:
        body = json.dumps({"mark": mark}).encode()
        headers = self._headers(key, "application/json")
        return self._call("POST", f"/documents/{quote(key, safe='')}/cancel", body, headers,
                          "cancel")
