"""The webhook deliveries' outbound HTTP: a POST to a subscriber through the shared
SSRF-guarded client ``supportdesk.common.outbound`` (docs/security.md #23, #46;
docs/webhooks.md "Where deliveries may go"), with the webhook settings as its policy:
https unless ``SUPPORTDESK_WEBHOOK_REQUIRE_HTTPS`` is off, the explicit allow-list
``SUPPORTDESK_WEBHOOK_ALLOWED_NETWORKS`` for addresses that are not public, and one
deadline of ``SUPPORTDESK_WEBHOOK_TIMEOUT`` seconds for the whole attempt. The settings are
read at each call (never at import), so a changed setting applies to the next attempt.
"""

from __future__ import annotations

import socket  # noqa: F401 - the tests stub its resolver here, as before the move
import ssl  # noqa: F401 - and its TLS context

from django.conf import settings

from supportdesk.common import outbound
from supportdesk.common.outbound import (  # noqa: F401 - this module's public names
    MAX_REDIRECTS,
    READ_LIMIT,
    Outcome,
    Policy,
    Refused,
)


def policy() -> Policy:
    return Policy.of(
        require_https=getattr(settings, "SUPPORTDESK_WEBHOOK_REQUIRE_HTTPS", True),
        allowed_networks=getattr(settings, "SUPPORTDESK_WEBHOOK_ALLOWED_NETWORKS", []),
        timeout=getattr(settings, "SUPPORTDESK_WEBHOOK_TIMEOUT", 10.0))


def address_refusal(text: str) -> str:
    """Why a connection to ``text`` (an IP address) is refused; ``""`` when it is allowed."""
    return outbound.address_refusal(text, policy())


def url_refusal(url: str) -> str:
    """Why ``url`` cannot be a webhook target at all (scheme, credentials, host)."""
    return outbound.url_refusal(url, policy())


def literal_address_refusal(url: str) -> str:
    """For the form: a URL whose host is a refused IP address literal is refused at once."""
    return outbound.literal_address_refusal(url, policy())


def post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """POST ``body`` to ``url`` and say what came back; never raises for the network."""
    return outbound.request("POST", url, body, headers, policy())
