"""Every staff, billing and admin route refuses a password-only staff session when two-factor
authentication is required (docs/security.md #15): found by walking the URL resolver, so a route
added later is covered without anyone remembering it."""

import re

import pytest
from django.contrib.admin.sites import site
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from supportdesk.accounts.tests.factories import confirmed_totp_device
from supportdesk.tickets.models import Ticket

PREFIXES = ("desk/", "billing/", "admin/", "api/")
VERIFY = "/accounts/mfa/verify/"


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if not isinstance(entry.pattern, RoutePattern):
                continue
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and isinstance(entry.pattern, RoutePattern):
            yield prefix + str(entry.pattern)


def _fill(route: str) -> str:
    route = re.sub(r"<uuid:[^>]+>", "00000000-0000-0000-0000-000000000000", route)
    route = re.sub(r"<int:[^>]+>", "1", route)
    route = re.sub(r"<path:[^>]+>", "1", route)
    return "/" + re.sub(r"<[^>]+>", "x", route)


def gated_paths() -> list[str]:
    site.get_urls()  # admin patterns are built lazily
    paths = sorted({_fill(route) for route in _walk(get_resolver().url_patterns)
                    if route.startswith(PREFIXES)})
    return [*paths, "/admin/accounts/", "/"]


PATHS = gated_paths()


def test_the_walk_covers_every_staff_area():
    for expected in ("/desk/", "/desk/work/", "/billing/", "/admin/", "/api/"):
        assert any(p.startswith(expected) for p in PATHS), expected
    assert len(PATHS) > 60


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["technician", "manager"])
def test_password_only_staff_session_reaches_no_route(role, request, staff_mfa, config):
    user = request.getfixturevalue(role)
    user.is_superuser = True  # the admin site would otherwise turn them away on its own
    user.is_staff = True
    user.save()
    confirmed_totp_device(user)
    client = Client()
    client.force_login(user)  # the password step: no device in the session
    tickets_before = Ticket.objects.count()
    for path in PATHS:
        for method in ("get", "post"):
            response = getattr(client, method)(path, {"subject": "x", "body": "x"})
            if path.startswith("/api/"):
                assert response.status_code in (401, 403), (method, path, response.status_code)
                continue
            assert response.status_code == 302, (method, path, response.status_code)
            assert response["Location"].startswith(VERIFY), (method, path)
    assert Ticket.objects.count() == tickets_before
