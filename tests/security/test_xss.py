"""Stored XSS payloads are inert wherever a customer sees them (docs/security.md #9)."""

from html.parser import HTMLParser

import pytest
from django.test import Client

from supportdesk.customers.services import customer_update
from supportdesk.tickets.services import ticket_create, ticket_reply

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<details open ontoggle=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
]


class _ActiveContent(HTMLParser):
    """Collects what a browser would execute: inline scripts, on* handlers, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script" and not dict(attrs).get("src"):
            self.found.append("inline <script>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.found.append(f"<{tag} {name}=javascript:>")
        if tag in ("svg", "details", "img") and any(n.startswith("on") for n, _v in attrs):
            self.found.append(f"<{tag}> with handler")


def active_content(html: str) -> list[str]:
    parser = _ActiveContent()
    parser.feed(html)
    return parser.found


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_subject_body_reply_and_company_name_are_escaped(
        payload, config, org_a, customer_a, technician):
    customer_update(customer=org_a, name=f"Shop {payload}")
    ticket = ticket_create(customer=org_a, subject=f"S {payload}", body=f"B {payload}",
                           received_via="phone", by=technician)
    ticket_reply(ticket=ticket, body=f"R {payload}", by=technician)
    client = Client()
    client.force_login(customer_a)
    for url in ("/portal/", f"/portal/requests/{ticket.pk}/"):
        html = client.get(url).content.decode()
        assert payload not in html
        assert active_content(html) == []


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_detector_sees_each_raw_payload(payload):
    # The check above is only worth something if it catches the payload when unescaped.
    assert active_content(f"<p>{payload}</p>") != []
