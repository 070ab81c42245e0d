"""API fixtures: two companies' worlds built through the services (a request with a public
reply, an attachment, a work entry, a §10 quote on a second request, an issued statement,
a licence and a downloadable release of a product only that company holds), and clients
that call with an API token (``bearer(user, scopes=...)``), never with a session.

The clock is frozen on Wednesday 25 November 2026, 12:00 in Athens (inside both companies'
2026 Basic contracts, which entitle them to updated versions, §4).
"""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from supportdesk.agreements.services import quote_issue
from supportdesk.api.services import api_token_create
from supportdesk.billing.models import Statement
from supportdesk.billing.services import billing_run
from supportdesk.catalog.tests.factories import ProductFactory, ReleaseFactory
from supportdesk.common.choices import Tier
from supportdesk.common.tests.helpers import at
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.customers.tests.factories import LicenceFactory
from supportdesk.knowledge.services import article_create
from supportdesk.tickets.services import (
    attachment_add,
    ticket_classify,
    ticket_create,
    ticket_reply,
)
from supportdesk.worklog.services.entries import work_entry_create

NOW = at(2026, 11, 25, 12)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
ALL_SCOPES = ("read", "write", "billing")


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=True):
        yield NOW


def bearer_client(secret: str) -> Client:
    # enforce_csrf_checks: a token call must not need (nor get) a CSRF token
    return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def bearer():
    """``bearer(user, scopes=("read",), expires_at=None)``: a Client sending a new token of
    ``user`` (made by the user itself); the token row is ``client.token``."""

    def make(user, *, scopes=ALL_SCOPES, expires_at=None, name="script"):
        token, secret = api_token_create(user=user, name=name, scopes=list(scopes),
                                         expires_at=expires_at, by=user)
        client = bearer_client(secret)
        client.token, client.secret = token, secret
        return client

    return make


def _company(org, *, code, technician, secret, hour):
    product = ProductFactory(code=f"pos-{code}", name=f"POS {code}")
    LicenceFactory(customer=org, product=product)
    ContractFactory(customer=org, tier=Tier.BASIC, starts_on=dt.date(2026, 1, 1),
                    ends_on=dt.date(2026, 12, 31))
    ticket = ticket_create(customer=org, subject=f"Αίτημα {secret}", body=f"κείμενο {secret}",
                           received_via="phone", received_at=at(2026, 10, 5, 10),
                           product=product, by=technician)
    message = ticket_reply(ticket=ticket, body=f"απάντηση {secret}", by=technician)
    attachment = attachment_add(
        ticket=ticket, by=technician,
        uploaded_file=SimpleUploadedFile(f"{code}.pdf", PDF, content_type="application/pdf"))
    start = at(2026, 10, 6, hour)
    entry = work_entry_create(ticket=ticket, technician=technician, channel="phone",
                              started_at=start, ended_at=start + dt.timedelta(minutes=30),
                              description=f"δουλειά {secret}", by=technician)
    quoted = ticket_create(customer=org, subject=f"Ιοί {secret}", received_via="phone",
                           received_at=at(2026, 11, 2, 10), by=technician)
    ticket_classify(ticket=quoted, category="virus", by=technician)
    release = ReleaseFactory(product=product, version=f"9.{code}",
                             released_on=dt.date(2026, 11, 1),
                             file=SimpleUploadedFile(f"setup-{code}.zip", b"PK\x03\x04 zip"))
    article = article_create(by=technician, title_el=f"Οδηγός {secret}",
                             body_el=f"Βήματα {secret}", product=product,
                             visibility="customers", entitled_only=True)
    return {"org": org, "product": product, "ticket": ticket, "message": message,
            "attachment": attachment, "entry": entry, "quoted": quoted, "release": release,
            "article": article, "secret": secret}


@pytest.fixture
def world(config, org_a, org_b, customer_a, customer_b, technician, manager):
    a = _company(org_a, code="a", technician=technician, secret="ΑΛΦΑ-ΜΥΣΤΙΚΟ", hour=11)
    b = _company(org_b, code="b", technician=technician, secret="ΒΗΤΑ-ΜΥΣΤΙΚΟ", hour=13)
    billing_run(period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 10, 31),
                by=manager, now=at(2026, 11, 2, 9))
    for side in (a, b):
        side["statement"] = Statement.objects.get(customer=side["org"])
        side["quote"] = quote_issue(ticket=side["quoted"], by=manager,
                                    amount=Decimal("120.00"),
                                    description=f"Καθαρισμός {side['secret']}")
    return {"a": a, "b": b}
