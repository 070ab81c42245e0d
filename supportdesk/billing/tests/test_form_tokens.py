"""Money forms posted twice, retried or posted at once do one thing (docs/security.md #41).

Each form carries a one-time token (``supportdesk.common.idempotency``): the first post
claims it in the transaction of its write, a repeat is redirected to the first result with
a message, and a token of another user or form is refused. The parallel test is real
threads, one database connection each, through the test client (PostgreSQL only).
"""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from supportdesk.accounts.tests.factories import ManagerFactory
from supportdesk.billing.models import BillingRun, HoldOverride, Statement
from supportdesk.billing.services import billing_run
from supportdesk.common import idempotency
from supportdesk.common.choices import Channel, Tier
from supportdesk.common.models import FormToken
from supportdesk.common.tests.helpers import in_threads
from supportdesk.contracts.services import calendar_seed_default, tariff_seed_default
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.entitlements.models import PrepaidPurchase
from supportdesk.tickets.tests.factories import TicketFactory
from supportdesk.worklog.services.entries import work_entry_create

from .conftest import at
from .factories import VendorProfileFactory

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def _token(response) -> str:
    found = TOKEN.findall(response.content.decode())
    assert found, "the form renders no token"
    return found[0]


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def manager_client(manager):
    client = Client()
    client.force_login(manager)
    return client


@pytest.fixture
def issued(config, org_a, technician, manager):
    """An issued November statement of org A (1 h on site, Basic)."""
    VendorProfileFactory()
    ContractFactory(customer=org_a, tier=Tier.BASIC)
    ticket = TicketFactory(customer=org_a)
    work_entry_create(ticket=ticket, technician=technician, channel=Channel.ONSITE,
                      started_at=at(2026, 11, 10, 11), ended_at=at(2026, 11, 10, 12),
                      by=technician)
    billing_run(period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30),
                by=manager, now=at(2026, 12, 1, 9))
    return Statement.objects.get()


def _prepaid_url(customer) -> str:
    return reverse("billing:prepaid_sale", args=[customer.pk])


@pytest.mark.django_db
def test_prepaid_sale_posted_twice_sells_once_and_the_repeat_shows_the_first(
        config, manager_client, org_a):
    token = _token(manager_client.get(_prepaid_url(org_a)))
    data = {"hours": "2", "on": "2026-11-20", "form_token": token}

    first = manager_client.post(_prepaid_url(org_a), data)
    second = manager_client.post(_prepaid_url(org_a), data, follow=True)

    assert first.status_code == 302
    assert first["Location"] == reverse("billing:usage", args=[org_a.pk])
    assert second.redirect_chain[-1][0] == first["Location"]
    assert str(idempotency.ALREADY_DONE) in _messages(second)
    assert PrepaidPurchase.objects.filter(customer=org_a).count() == 1
    assert Statement.objects.filter(customer=org_a, kind=Statement.Kind.PREPAID).count() == 1


@pytest.mark.django_db
def test_a_token_of_another_user_or_form_is_refused(config, manager_client, org_a, org_b):
    other = ManagerFactory()
    data = {"hours": "1", "on": "2026-11-20"}
    for token in (idempotency.issue(other, "billing.prepaid", org_a.pk),  # another user
                  idempotency.issue(other, "billing.prepaid", org_b.pk),
                  _token(manager_client.get(_prepaid_url(org_b))),  # another customer's form
                  "forged-token",
                  ""):  # none at all (an old page, a script): refused too
        response = manager_client.post(_prepaid_url(org_a), {**data, "form_token": token})
        assert response.status_code == 200
        assert str(idempotency.TOKEN_INVALID) in response.content.decode()
    assert not PrepaidPurchase.objects.exists() and not FormToken.objects.exists()


@pytest.mark.django_db
def test_a_refused_write_releases_its_token(config, manager_client, org_a):
    url = reverse("billing:hold", args=[org_a.pk])
    token = _token(manager_client.get(url))
    # more than a year ahead: the service refuses, nothing is kept, the token stays usable
    refused = manager_client.post(url, {"reason": "Πληρώνει αύριο", "until": "2099-01-01",
                                        "form_token": token})
    assert refused.status_code == 200 and not FormToken.objects.exists()
    until = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    ok = manager_client.post(url, {"reason": "Πληρώνει αύριο", "until": until,
                                   "form_token": token})
    again = manager_client.post(url, {"reason": "Πληρώνει αύριο", "until": until,
                                      "form_token": token}, follow=True)
    assert ok.status_code == 302 and HoldOverride.objects.filter(customer=org_a).count() == 1
    assert str(idempotency.ALREADY_DONE) in _messages(again)


@pytest.mark.django_db
def test_billing_run_posted_twice_runs_once(config, manager_client, org_a, technician):
    ticket = TicketFactory(customer=org_a)
    work_entry_create(ticket=ticket, technician=technician, channel=Channel.ONSITE,
                      started_at=at(2026, 11, 10, 11), ended_at=at(2026, 11, 10, 12),
                      by=technician)
    token = _token(manager_client.get(reverse("billing:home")))
    data = {"period_start": "2026-11-01", "period_end": "2026-11-30", "form_token": token}

    first = manager_client.post(reverse("billing:run"), data)
    second = manager_client.post(reverse("billing:run"), data, follow=True)

    assert first.status_code == 302
    assert BillingRun.objects.count() == 1 and Statement.objects.count() == 1
    assert str(idempotency.ALREADY_DONE) in _messages(second)


@pytest.mark.django_db
def test_credit_posted_twice_issues_one_credit_statement(issued, manager_client, manager):
    page = manager_client.get(reverse("billing:statement", args=[issued.pk]))
    tokens = TOKEN.findall(page.content.decode())
    assert len(tokens) == 3  # mark paid, ΜΑΡΚ, credit: one token each
    data = {"reason": "Διπλοχρέωση",
            "form_token": idempotency.issue(manager, "billing.credit", issued.pk)}

    first = manager_client.post(reverse("billing:credit", args=[issued.pk]), data)
    second = manager_client.post(reverse("billing:credit", args=[issued.pk]), data)

    credit = Statement.objects.get(kind=Statement.Kind.CREDIT, credits=issued)
    assert first["Location"] == reverse("billing:statement", args=[credit.pk])
    assert second["Location"] == first["Location"]  # the repeat shows the first credit


@pytest.mark.django_db
def test_mark_paid_and_mark_posted_twice_do_it_once(issued, manager_client, manager):
    url = reverse("billing:statement", args=[issued.pk])
    paid = {"form_token": idempotency.issue(manager, "billing.paid", issued.pk)}
    mark = {"mark": "400001234567890",
            "form_token": idempotency.issue(manager, "billing.mark", issued.pk)}
    for path, data in ((reverse("billing:paid", args=[issued.pk]), paid),
                       (reverse("billing:mark", args=[issued.pk]), mark)):
        first = manager_client.post(path, data, follow=True)
        second = manager_client.post(path, data, follow=True)
        assert first.redirect_chain[-1][0] == url == second.redirect_chain[-1][0]
        assert str(idempotency.ALREADY_DONE) in _messages(second)
        # without the token the second "mark paid" would be refused as already paid
        assert not [m for m in _messages(second) if "already" in m and m !=
                    str(idempotency.ALREADY_DONE)]
    issued.refresh_from_db()
    assert issued.status == Statement.Status.PAID and issued.mark == "400001234567890"
    assert FormToken.objects.count() == 2


def _sell_in_parallel(n: int) -> tuple[list, int, int]:
    tariff_seed_default()
    calendar_seed_default()
    manager = ManagerFactory()
    customer = CustomerFactory()
    token = idempotency.issue(manager, "billing.prepaid", customer.pk)

    def post(_i):
        client = Client()
        client.force_login(manager)
        return client.post(_prepaid_url(customer), {"hours": "3", "on": "2026-11-20",
                                                    "form_token": token}).status_code

    codes = in_threads(n, post)
    return (codes, PrepaidPurchase.objects.filter(customer=customer).count(),
            Statement.objects.filter(customer=customer, kind=Statement.Kind.PREPAID).count())


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_prepaid_sales_with_one_token_make_one_purchase_and_one_statement():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    codes, purchases, statements = _sell_in_parallel(20)
    assert codes == [302] * 20, codes  # every post answered, none failed
    assert purchases == 1 and statements == 1
    assert FormToken.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_five_parallel_prepaid_sales_with_one_token_make_one_purchase_on_any_database():
    # SQLite queues the writers (IMMEDIATE transactions, retried when busy); PostgreSQL
    # makes the later posts wait on the token's unique key.
    codes, purchases, statements = _sell_in_parallel(5)
    assert codes == [302] * 5, codes
    assert purchases == 1 and statements == 1
