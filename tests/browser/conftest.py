"""The browser tests' Chromium, launched once per test (tests/browser/chromium.py)."""

import pytest

from tests.browser.chromium import ARGS, CHROMIUM


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()
