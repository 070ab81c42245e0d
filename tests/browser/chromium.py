"""Headless Chromium (Debian's, through Playwright) for the browser tests."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: The marks of every browser test module: ``pytestmark = BROWSER``.
BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at "
                       "/usr/bin/chromium (apt-get install chromium)"),
]

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
# body are still synchronous, so allow them (test-only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def signed_in_page(browser, live_server, user, errors: list[str], *, width: int = 1280,
                   height: int = 900):
    """A Greek page in Athens time, signed in as ``user`` (a session made by the test client,
    so no login form and no MFA step), collecting JavaScript errors into ``errors``."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="el-GR", timezone_id="Europe/Athens",
                                  viewport={"width": width, "height": height})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page
