"""Headless Chromium (Debian's, through Playwright) for the browser tests."""

import os
from pathlib import Path

import pytest

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
