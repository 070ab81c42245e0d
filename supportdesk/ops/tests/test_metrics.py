"""/metrics (issue 11): hidden without the token or an allowed address; request counts per
route name; the manager's figures computed from the database."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from supportdesk.accounts.tests.factories import TechnicianFactory
from supportdesk.billing.models import Statement
from supportdesk.common.choices import Tier
from supportdesk.contracts.models import TariffVersion
from supportdesk.mail.models import InboundMessage
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.tests.factories import TicketFactory
from supportdesk.worklog.models import WorkEntry

TOKEN = "metrics-token-for-the-tests"
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


@pytest.fixture(autouse=True)
def _metrics_settings(settings):
    settings.SUPPORTDESK_METRICS_TOKEN = TOKEN
    settings.SUPPORTDESK_METRICS_ALLOWED_IPS = []
    settings.SUPPORTDESK_METRICS_TRUSTED_PROXIES = []
    settings.SUPPORTDESK_METRICS_CACHE_SECONDS = 0
    return settings


def _value(text: str, name: str, **labels) -> float:
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        metric, _, value = line.rpartition(" ")
        found = dict(re.findall(r'(\w+)="([^"]*)"', metric))
        if metric.split("{")[0] == name and found == {k: str(v) for k, v in labels.items()}:
            return float(value)
    raise AssertionError(f"{name}{labels} not in the exposition")


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [
    {}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": TOKEN},
    {"HTTP_AUTHORIZATION": f"Basic {TOKEN}"},
])
def test_metrics_is_404_without_the_token(headers):
    response = Client().get("/metrics", **headers)
    assert response.status_code == 404
    assert b"supportdesk_" not in response.content


@pytest.mark.django_db
def test_metrics_is_404_when_nothing_is_configured(settings):
    settings.SUPPORTDESK_METRICS_TOKEN = ""
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404
    assert Client().get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


@pytest.mark.django_db
def test_metrics_from_an_allowed_address_but_never_by_a_forwarded_header(settings):
    settings.SUPPORTDESK_METRICS_TOKEN = ""
    settings.SUPPORTDESK_METRICS_ALLOWED_IPS = ["10.9.0.0/24"]
    assert Client().get("/metrics", REMOTE_ADDR="10.9.0.7").status_code == 200
    assert Client().get("/metrics", REMOTE_ADDR="10.9.1.7").status_code == 404
    # a client cannot claim an allowed address
    assert Client().get("/metrics", REMOTE_ADDR="203.0.113.5",
                        HTTP_X_FORWARDED_FOR="10.9.0.7").status_code == 404
    # ... unless the peer is a trusted proxy, which appends the real client last
    settings.SUPPORTDESK_METRICS_TRUSTED_PROXIES = ["127.0.0.1"]
    assert Client().get("/metrics", REMOTE_ADDR="127.0.0.1",
                        HTTP_X_FORWARDED_FOR="10.9.0.7").status_code == 200
    assert Client().get("/metrics", REMOTE_ADDR="127.0.0.1",
                        HTTP_X_FORWARDED_FOR="10.9.0.7, 203.0.113.5").status_code == 404


@pytest.mark.django_db
def test_requests_are_counted_by_route_name_not_by_path(ticket_a):
    client = Client()
    text = client.get("/metrics", **AUTH).content.decode()
    before = _value(text, "supportdesk_http_requests_total", route="healthz", method="GET",
                    status="200") if 'route="healthz"' in text else 0
    client.get("/healthz")
    client.get("/healthz")
    client.get(f"/desk/tickets/{ticket_a.pk}/")  # anonymous: redirected to the login page
    client.get("/no/such/page/12345")
    response = client.get("/metrics", **AUTH)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert _value(text, "supportdesk_http_requests_total", route="healthz", method="GET",
                  status="200") == before + 2
    assert _value(text, "supportdesk_http_requests_total", route="desk:ticket", method="GET",
                  status="302") >= 1
    assert _value(text, "supportdesk_http_requests_total", route="unmatched", method="GET",
                  status="404") >= 1
    assert _value(text, "supportdesk_http_request_duration_seconds_count", route="healthz",
                  method="GET") >= 2
    # no label carries the raw path (a sample's timestamp may contain those digits)
    assert not re.search(r'\{[^}]*12345[^}]*\}', text)
    assert f"/desk/tickets/{ticket_a.pk}" not in text


@pytest.mark.django_db
def test_business_gauges_count_the_fixture(config, org_a, org_b):
    now = timezone.now()
    # open requests: basic on time, basic warned, business breached (unanswered), free
    # answered late (breached outcome), and one closed breached request (not open)
    TicketFactory(customer=org_a, tier=Tier.BASIC)
    TicketFactory(customer=org_a, tier=Tier.BASIC, sla_warning_sent_at=now)
    TicketFactory(customer=org_a, tier=Tier.BUSINESS, sla_warning_sent_at=now,
                  sla_breach_sent_at=now)
    TicketFactory(customer=org_b, tier=Tier.FREE, status=Ticket.Status.OPEN,
                  first_response_at=now, sla_outcome=Ticket.SlaOutcome.BREACHED)
    closed = TicketFactory(customer=org_b, tier=Tier.FREE, status=Ticket.Status.CLOSED,
                           first_response_at=now, sla_outcome=Ticket.SlaOutcome.BREACHED)
    technician = TechnicianFactory(username="metrics-tech")
    tariff = TariffVersion.objects.first()
    start = now - dt.timedelta(hours=3)
    for minutes, billed, locked in ((30, 0, None), (45, 45, None), (60, 60, now)):
        WorkEntry.objects.create(
            ticket=closed, technician=technician, channel="phone", started_at=start,
            ended_at=start + dt.timedelta(minutes=minutes), duration_minutes=minutes,
            billed_minutes=billed, tariff_version=tariff, locked_at=locked)
    for number, kind in ((1, "period"), (2, "period"), (3, "prepaid")):
        Statement.objects.create(kind=kind, series="ΠΑ", year=2026, number=number,
                                 customer=org_a, customer_name=org_a.name,
                                 customer_tax_number="094014201",
                                 status=Statement.Status.ISSUED, issued_at=now)
    Statement.objects.create(kind="period", series="ΠΑ", year=2026, customer=org_a,
                             customer_name=org_a.name, customer_tax_number="094014201")
    InboundMessage.objects.create(raw=b"x", status=InboundMessage.Status.QUARANTINED)
    InboundMessage.objects.create(raw=b"y", status=InboundMessage.Status.IGNORED)

    text = Client().get("/metrics", **AUTH).content.decode()

    def open_(tier, state):
        return _value(text, "supportdesk_open_requests", tier=tier, sla_state=state)

    assert (open_("basic", "on_time"), open_("basic", "warning"),
            open_("basic", "breached")) == (1, 1, 0)
    assert (open_("business", "on_time"), open_("business", "warning"),
            open_("business", "breached")) == (0, 0, 1)
    assert (open_("free", "on_time"), open_("free", "breached")) == (0, 1)
    assert _value(text, "supportdesk_sla_breaches", tier="free") == 2
    assert _value(text, "supportdesk_sla_breaches", tier="business") == 1
    assert _value(text, "supportdesk_sla_breaches", tier="basic") == 0
    assert _value(text, "supportdesk_unbilled_minutes") == 75
    assert _value(text, "supportdesk_unbilled_billable_minutes") == 45
    assert _value(text, "supportdesk_statements_issued", kind="period") == 2
    assert _value(text, "supportdesk_statements_issued", kind="prepaid") == 1
    assert _value(text, "supportdesk_statements_issued", kind="credit") == 0
    assert _value(text, "supportdesk_quarantined_mail") == 1


@pytest.mark.django_db
def test_business_figures_are_cached_between_scrapes(settings, django_assert_max_num_queries):
    settings.SUPPORTDESK_METRICS_CACHE_SECONDS = 60
    client = Client()
    client.get("/metrics", **AUTH)
    with django_assert_max_num_queries(0):
        assert client.get("/metrics", **AUTH).status_code == 200
