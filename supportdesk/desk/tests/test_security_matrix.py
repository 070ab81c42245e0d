"""Every staff URL, found by walking the resolver (docs/security.md #1, #5, #9, #12).

For each pattern under desk/, desk/work/ and billing/: an anonymous visitor gets the login
page, a customer user gets 403/404, and nothing in the database changes, for GET and POST;
a POST without a CSRF token is refused even for staff. A route missing from ``KNOWN`` fails
the suite: whoever adds a staff route adds it here, so no route escapes the matrix.
"""

from __future__ import annotations

import html
import uuid
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.tickets.models import Attachment, Ticket
from supportdesk.tickets.services import attachment_add, ticket_create, ticket_reply

STAFF_PREFIXES = ("desk/", "billing/")

# name -> how to reach it. "staff": session login as staff (the default); "token": a
# capability URL (e.g. a phone's calendar feed) that answers 404 without a valid token.
KNOWN: dict[str, str] = {
    # knowledge base (issue 15)
    "knowledge:list": "staff",
    "knowledge:new": "staff",
    "knowledge:search_json": "staff",
    "knowledge:article": "staff",
    "knowledge:edit": "staff",
    "knowledge:history": "staff",
    "knowledge:revision": "staff",
    "knowledge:file_upload": "staff",
    "knowledge:link": "staff",
    "knowledge:file": "staff",
    # desk (part A)
    "desk:queue": "staff",
    "desk:ticket_new": "staff",
    "desk:customer_lookup": "staff",
    "desk:ticket": "staff",
    "desk:ticket_reply": "staff",
    "desk:ticket_status": "staff",
    "desk:ticket_assign": "staff",
    "desk:ticket_classify": "staff",
    "desk:ticket_priority": "staff",
    "desk:ticket_merge": "staff",
    "desk:ticket_link": "staff",
    "desk:ticket_unlink": "staff",
    "desk:ticket_macro": "staff",
    "desk:ticket_presence": "staff",
    "desk:customer": "staff",
    "desk:view_save": "staff",
    "desk:view_delete": "staff",
    "desk:bulk": "staff",
    "desk:export_csv": "staff",
    "desk:export_xlsx": "staff",
    "desk:replies": "staff",
    "desk:reply_new": "staff",
    "desk:reply_edit": "staff",
    "desk:reply_delete": "staff",
    "desk:macro_new": "staff",
    "desk:macro_edit": "staff",
    "desk:macro_delete": "staff",
    "desk:ticket_prerequisites": "staff",
    "desk:attachment_upload": "staff",
    "desk:attachment_download": "staff",
    "desk:dashboard": "staff",
    # §10 agreements
    "desk:quote_issue": "staff",
    "desk:quote_list": "staff",
    "desk:quote_revise": "staff",
    "desk:quote_withdraw": "staff",
    "desk:quote_decide": "staff",
    # worklog (part B): time, visits, remote sessions, emergencies
    "worklog:ticket_work": "staff",
    "worklog:timer_start": "staff",
    "worklog:timer_stop": "staff",
    "worklog:timer_discard": "staff",
    "worklog:entry_create": "staff",
    "worklog:entry_preview": "staff",
    "worklog:remote_create": "staff",
    "worklog:visit_create": "staff",
    "worklog:emergency_decide": "staff",
    "worklog:entry_detail": "staff",
    "worklog:entry_edit": "staff",
    "worklog:entry_delete": "staff",
    "worklog:visit_list": "staff",
    "worklog:visit_edit": "staff",
    "worklog:visit_cancel": "staff",
    "worklog:visit_complete": "staff",
    "worklog:calendar_feed": "staff",
    "worklog:calendar_ics": "token",  # a phone subscribes with a secret per-technician token
    "worklog:emergency_create": "staff",
    # billing
    "billing:home": "staff",
    "billing:run": "staff",
    "billing:export": "staff",
    "billing:statement": "staff",
    "billing:statement_pdf": "staff",
    "billing:statement_csv": "staff",
    "billing:statement_xlsx": "staff",
    "billing:credit": "staff",
    "billing:paid": "staff",
    "billing:mark": "staff",
    "billing:renewals": "staff",
    "billing:renew": "staff",
    "billing:usage": "staff",
    "billing:hold": "staff",
    "billing:hold_revoke": "staff",
    "billing:hold_shorten": "staff",
    "billing:tariff": "staff",
    "billing:calendar": "staff",
    "billing:calendar_closure_remove": "staff",
    "billing:calendar_day_remove": "staff",
    "billing:prepaid_sale": "staff",
    # the satisfaction report (managers)
    "satisfaction:report": "staff",
    "satisfaction:export": "staff",
    # einvoicing: the provider hand-off (staff read, managers act)
    "einvoicing:home": "staff",
    "einvoicing:send_month": "staff",
    "einvoicing:statement": "staff",
    "einvoicing:send": "staff",
    "einvoicing:refresh": "staff",
    "einvoicing:cancel": "staff",
    # einvoicing: the accountant's monthly files (managers)
    "einvoicing:accountant_csv": "staff",
    "einvoicing:accountant_zip": "staff",
}


def _walk(patterns, prefix="", namespace=None):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if namespace and entry.namespace:
                ns = f"{namespace}:{entry.namespace}"
            yield from _walk(entry.url_patterns, route, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            full = f"{namespace}:{entry.name}" if namespace else entry.name
            yield full, route, entry


def staff_routes() -> list[tuple[str, str, URLPattern]]:
    return sorted(
        (name, route, entry) for name, route, entry in _walk(get_resolver().url_patterns)
        if route.startswith(STAFF_PREFIXES)
    )


ROUTES = staff_routes()
ROUTE_IDS = [name for name, _, _ in ROUTES]


def test_every_staff_route_is_in_the_matrix():
    unknown = [name for name in ROUTE_IDS if name not in KNOWN]
    assert not unknown, f"add these routes to KNOWN in {__name__}: {unknown}"
    assert {"desk:queue", "desk:ticket", "desk:attachment_download"} <= set(ROUTE_IDS)


@pytest.mark.parametrize(("name", "route", "entry"), ROUTES, ids=ROUTE_IDS)
def test_every_session_route_is_behind_a_staff_decorator(name, route, entry):
    if KNOWN.get(name) == "token":
        pytest.skip("capability URL: checked by its own tests")
    assert getattr(entry.callback, "staff_only", False), (
        f"{name} ({route}) is not wrapped by staff_required/manager_required")


@pytest.fixture
def world(config, org_a, org_b, customer_a, technician):
    """Org B's request with a reply, a staff-only note and an attachment."""
    ticket = ticket_create(customer=org_b, subject="Μυστικό της Β", body="b",
                           received_via="phone", by=technician)
    ticket_reply(ticket=ticket, body="Σημείωση B", by=technician, is_internal=True)
    attachment = attachment_add(ticket=ticket, by=technician,
                                uploaded_file=SimpleUploadedFile("b.pdf", b"%PDF-1.4\n%%EOF"))
    return {"ticket": ticket, "attachment": attachment}


def _url(name: str, entry: URLPattern, world) -> str:
    kwargs = {}
    for key, converter in entry.pattern.converters.items():
        kind = type(converter).__name__
        if kind == "UUIDConverter":
            kwargs[key] = world["attachment"].uuid if "attachment" in name else uuid.uuid4()
        elif kind == "IntConverter":
            kwargs[key] = world["ticket"].pk
        else:
            kwargs[key] = "x"
    return reverse(name, kwargs=kwargs)


def _fingerprint() -> dict:
    """Row counts of every app that stores support data, and the state of the requests."""
    counts = {}
    for label in ("tickets", "worklog", "billing", "customers", "contracts", "desk"):
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            counts[model._meta.label] = model._default_manager.count()
    counts["tickets"] = list(Ticket.objects.order_by("pk").values_list(
        "pk", "status", "assignee_id", "category", "first_response_at", "subject"))
    return counts


FORM = {"body": "x", "status": "closed", "category": "virus", "subject": "x", "customer": "1",
        "received_via": "phone", "assignee": "", "has_backups": "no"}


@pytest.mark.parametrize(("name", "route", "entry"), ROUTES, ids=ROUTE_IDS)
def test_anonymous_visitor_gets_the_login_page_and_changes_nothing(name, route, entry, world,
                                                                   client):
    # A method the route does not accept may be refused first (405: nothing is revealed);
    # the method it accepts must send the visitor to the login page.
    url = _url(name, entry, world)
    before = _fingerprint()
    statuses = []
    for method in ("get", "post"):
        response = getattr(client, method)(url, FORM)
        statuses.append(response.status_code)
        if KNOWN.get(name) == "token":
            assert response.status_code in (403, 404, 405), (method, url)
        elif response.status_code != 405:
            assert response.status_code == 302, (method, url, response.status_code)
            assert response["Location"].startswith(reverse("login")), (method, url)
    if KNOWN.get(name) != "token":
        assert 302 in statuses, (url, statuses)
    assert _fingerprint() == before


@pytest.mark.parametrize(("name", "route", "entry"), ROUTES, ids=ROUTE_IDS)
def test_customer_user_gets_403_or_404_and_changes_nothing(name, route, entry, world,
                                                           customer_a, client):
    client.force_login(customer_a)
    url = _url(name, entry, world)
    before = _fingerprint()
    statuses = []
    for method in ("get", "post"):
        response = getattr(client, method)(url, FORM)
        statuses.append(response.status_code)
        assert response.status_code in (403, 404, 405), (method, url, response.status_code)
        assert "Μυστικό της Β" not in response.content.decode(errors="replace")
    assert set(statuses) & {403, 404}, (url, statuses)  # the accepted method is refused
    assert _fingerprint() == before


@pytest.mark.parametrize(("name", "route", "entry"), ROUTES, ids=ROUTE_IDS)
def test_post_without_csrf_token_is_refused_even_for_staff(name, route, entry, world,
                                                           technician):
    client = Client(enforce_csrf_checks=True)
    client.force_login(technician)
    url = _url(name, entry, world)
    before = _fingerprint()
    response = client.post(url, FORM)
    assert response.status_code == 403, (url, response.status_code)
    assert _fingerprint() == before


# ----------------------------------------------------------------------------- XSS

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<details open ontoggle=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
]


class _Inspector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.handlers: list[tuple[str, str]] = []
        self.js_links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes)
        for key, value in attrs:
            if key.lower().startswith("on"):
                self.handlers.append((tag, key))
            if key.lower() in ("href", "src", "action") and (value or "").strip().lower(
                    ).startswith("javascript:"):
                self.js_links.append(value)


def assert_inert(page: str) -> None:
    inspector = _Inspector()
    inspector.feed(page)
    # Only our own static scripts, never inline code.
    assert all(s.get("src", "").startswith("/static/") for s in inspector.scripts), (
        inspector.scripts)
    assert not inspector.handlers
    assert not inspector.js_links


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_subject_body_customer_name_and_file_name_are_inert(
        payload, config, technician, client):
    customer = CustomerFactory(name=f"Πελάτης {payload}")
    ticket = ticket_create(customer=customer, subject=f"Θέμα {payload}"[:200],
                           body=f"Σώμα {payload}", received_via="phone", by=technician)
    ticket_reply(ticket=ticket, body=payload, by=technician)
    attachment_add(ticket=ticket, by=technician, uploaded_file=SimpleUploadedFile(
        f"{payload}.pdf", b"%PDF-1.4\n%%EOF"))
    client.force_login(technician)
    for url in (reverse("desk:queue"), reverse("desk:ticket", args=[ticket.pk]),
                reverse("desk:ticket_new") + "?customer_q=Πελάτης"):
        response = client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        assert_inert(page)
        # The text itself is shown, escaped.
        assert "Θέμα" in page or "Πελάτης" in page
        assert html.escape(payload, quote=False)[:10] in page or "&lt;" in page
    lookup = client.get(reverse("desk:customer_lookup"), {"q": "πελατης"})
    assert lookup["Content-Type"] == "application/json"


def test_every_html_page_has_a_csp_without_unsafe_inline(config, technician, client,
                                                         manager):
    client.force_login(manager)
    for name in ("desk:queue", "desk:ticket_new", "desk:dashboard"):
        response = client.get(reverse(name))
        policy = response["Content-Security-Policy"]
        script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
        assert "unsafe-inline" not in script_src


def test_media_is_not_served_directly(world, client, technician):
    client.force_login(technician)
    attachment: Attachment = world["attachment"]
    assert client.get(f"/media/{attachment.file.name}").status_code == 404
    assert client.get(f"/{attachment.file.name}").status_code == 404
