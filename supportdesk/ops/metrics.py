"""Prometheus metrics at ``/metrics`` (prometheus-client).

Two kinds of figures:

* **Requests**, counted by ``RequestMetricsMiddleware``: ``supportdesk_http_requests_total``
  and the latency histogram ``supportdesk_http_request_duration_seconds``, labelled by route
  name (the resolver's view name, ``unmatched`` for a 404 or a static file: never the raw
  path, whose ids would make a label per request), method and status. Under gunicorn with
  several workers set ``PROMETHEUS_MULTIPROC_DIR`` (``config/gunicorn.conf.py`` does, one
  directory per master, and marks dead workers in its ``child_exit`` hook): each worker
  writes its figures there and a scrape adds them up, whichever worker answers.
* **Business figures**, computed by the database when scraped (a few GROUP BY queries,
  cached ``SUPPORTDESK_METRICS_CACHE_SECONDS`` in the shared cache so that scrapes from
  several Prometheus servers or workers cost one computation): open requests by tier and SLA
  state, SLA breaches by tier, unbilled minutes, issued statements by kind and quarantined
  mail.

The page answers 404 (it does not say it exists) unless the request carries
``Authorization: Bearer <SUPPORTDESK_METRICS_TOKEN>`` or comes from an address of
``SUPPORTDESK_METRICS_ALLOWED_IPS`` (addresses or networks, matched against REMOTE_ADDR;
``X-Forwarded-For`` is read only when REMOTE_ADDR is one of
``SUPPORTDESK_METRICS_TRUSTED_PROXIES``). docs/security.md #52.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from supportdesk.billing.models import Statement
from supportdesk.common.choices import Tier
from supportdesk.common.request_logging import route_name
from supportdesk.domain.ticket_status import OPEN_STATUSES
from supportdesk.mail.models import InboundMessage
from supportdesk.tickets.models import Ticket
from supportdesk.worklog.models import WorkEntry

#: The request figures live in a registry of their own (not the global default one, which
#: would also collect this process's own figures and break the multiprocess sum).
REQUEST_REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter("supportdesk_http_requests", "HTTP requests answered, by route and status.",
                   ["route", "method", "status"], registry=REQUEST_REGISTRY)
LATENCY = Histogram(
    "supportdesk_http_request_duration_seconds",
    "Time from the request reaching Django to its response, by route.",
    ["route", "method"], registry=REQUEST_REGISTRY,
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
#: Methods outside this set are counted as "other" (a label per invented verb would grow
#: without bound).
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: SLA states of the open requests, as the SLA scan marked them (it runs every minute).
SLA_STATES = ("on_time", "warning", "breached")
BUSINESS_CACHE_KEY = "ops:metrics:business:v1"


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class RequestMetricsMiddleware:
    """Counts and times every request by route name, method and status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        route = route_name(request)
        method = request.method if request.method in METHODS else "other"
        LATENCY.labels(route, method).observe(time.perf_counter() - started)
        REQUESTS.labels(route, method, str(response.status_code)).inc()
        return response


# ----------------------------------------------------------------------------- business

def business_figures() -> dict:
    """The manager's figures, each one aggregate query (JSON-ready: cached as it is)."""
    open_rows = (
        Ticket.objects.filter(status__in=list(OPEN_STATUSES))
        .values("tier")
        .annotate(
            breached=Count("id", filter=Q(sla_outcome=Ticket.SlaOutcome.BREACHED)
                           | Q(first_response_at__isnull=True,
                               sla_breach_sent_at__isnull=False)),
            warning=Count("id", filter=Q(first_response_at__isnull=True,
                                         sla_breach_sent_at__isnull=True,
                                         sla_warning_sent_at__isnull=False)),
            total=Count("id"),
        )
        .order_by()
    )
    open_requests = {tier: dict.fromkeys(SLA_STATES, 0) for tier in Tier.values}
    for row in open_rows:
        cell = open_requests.setdefault(row["tier"], dict.fromkeys(SLA_STATES, 0))
        cell["breached"] = row["breached"]
        cell["warning"] = row["warning"]
        cell["on_time"] = row["total"] - row["breached"] - row["warning"]
    breaches = dict.fromkeys(Tier.values, 0)
    breach_rows = (
        Ticket.objects.filter(Q(sla_outcome=Ticket.SlaOutcome.BREACHED)
                              | Q(first_response_at__isnull=True,
                                  sla_breach_sent_at__isnull=False))
        .values("tier").annotate(n=Count("id")).order_by()
    )
    for row in breach_rows:
        breaches[row["tier"]] = row["n"]
    unbilled = WorkEntry.objects.filter(locked_at__isnull=True).aggregate(
        minutes=Sum("duration_minutes"), billable=Sum("billed_minutes"))
    statements = dict.fromkeys(Statement.Kind.values, 0)
    for row in (Statement.objects.filter(issued_at__isnull=False).values("kind")
                .annotate(n=Count("id")).order_by()):
        statements[row["kind"]] = row["n"]
    quarantined = InboundMessage.objects.filter(
        status=InboundMessage.Status.QUARANTINED).count()
    # E-invoices by hand-off status (docs/einvoicing.md "Hand-off"): rejected ones and those
    # left not sent need a manager.
    einvoices = dict.fromkeys(Statement.EinvoiceStatus.values, 0)
    for row in (Statement.objects.filter(issued_at__isnull=False).values("einvoice_status")
                .annotate(n=Count("id")).order_by()):
        einvoices[row["einvoice_status"]] = row["n"]
    return {
        "open_requests": open_requests,
        "sla_breaches": breaches,
        "unbilled_minutes": unbilled["minutes"] or 0,
        "unbilled_billable_minutes": unbilled["billable"] or 0,
        "statements_issued": statements,
        "quarantined_mail": quarantined,
        "einvoices": einvoices,
    }


def business_figures_cached() -> dict:
    seconds = settings.SUPPORTDESK_METRICS_CACHE_SECONDS
    if seconds <= 0:
        return business_figures()
    figures = cache.get(BUSINESS_CACHE_KEY)
    if figures is None:
        figures = business_figures()
        cache.set(BUSINESS_CACHE_KEY, figures, timeout=seconds)
    return figures


class BusinessCollector:
    """Gauges read from the database at scrape time (through the short cache)."""

    def __init__(self, figures: dict):
        self.figures = figures

    def collect(self) -> Iterable[GaugeMetricFamily]:
        f = self.figures
        open_requests = GaugeMetricFamily(
            "supportdesk_open_requests",
            "Open support requests by tier and SLA state (as the SLA scan marked them).",
            labels=["tier", "sla_state"])
        for tier, states in sorted(f["open_requests"].items()):
            for state in SLA_STATES:
                open_requests.add_metric([tier, state], states.get(state, 0))
        yield open_requests
        breaches = GaugeMetricFamily(
            "supportdesk_sla_breaches",
            "Requests whose response target was breached (answered late or still waiting).",
            labels=["tier"])
        for tier, n in sorted(f["sla_breaches"].items()):
            breaches.add_metric([tier], n)
        yield breaches
        yield GaugeMetricFamily("supportdesk_unbilled_minutes",
                                "Minutes of work not on a statement yet.",
                                value=f["unbilled_minutes"])
        yield GaugeMetricFamily("supportdesk_unbilled_billable_minutes",
                                "Of those, the minutes priced as billed (not included).",
                                value=f["unbilled_billable_minutes"])
        statements = GaugeMetricFamily("supportdesk_statements_issued",
                                       "Statements issued (numbered), by kind.",
                                       labels=["kind"])
        for kind, n in sorted(f["statements_issued"].items()):
            statements.add_metric([kind], n)
        yield statements
        yield GaugeMetricFamily("supportdesk_quarantined_mail",
                                "Inbound e-mails in quarantine.", value=f["quarantined_mail"])
        einvoices = GaugeMetricFamily("supportdesk_einvoices",
                                      "Issued statements by e-invoice status (not sent, sent, "
                                      "registered, rejected, cancelled).", labels=["status"])
        for status, n in sorted(f.get("einvoices", {}).items()):
            einvoices.add_metric([status], n)
        yield einvoices


# ----------------------------------------------------------------------------- access

def _networks(values: Iterable[str]) -> list:
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            continue  # a typo in the setting never opens the page
    return networks


def _in(address: str, networks: list) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR; behind a trusted proxy, the last X-Forwarded-For hop before it."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = _networks(settings.SUPPORTDESK_METRICS_TRUSTED_PROXIES)
    if not proxies or not _in(remote, proxies):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if h.strip()]
    for hop in reversed(hops):
        if not _in(hop, proxies):
            return hop
    return remote


def metrics_allowed(request: HttpRequest) -> bool:
    token = settings.SUPPORTDESK_METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer "):
        given = header.removeprefix("Bearer ").strip()
        if hmac.compare_digest(given.encode(), token.encode()):
            return True
    allowed = _networks(settings.SUPPORTDESK_METRICS_ALLOWED_IPS)
    return bool(allowed) and _in(client_address(request), allowed)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD") or not metrics_allowed(request):
        raise Http404
    if (path := multiprocess_dir()) is not None:
        requests_registry = CollectorRegistry()
        MultiProcessCollector(requests_registry, path=path)
    else:
        requests_registry = REQUEST_REGISTRY
    business = CollectorRegistry(auto_describe=False)
    business.register(BusinessCollector(business_figures_cached()))
    body = generate_latest(requests_registry) + generate_latest(business)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
