"""Issue 9: the prepaid-hour sale in headless Chromium with the Greek locale.

The server used to fill ``01/11/2026`` into ``<input type="date">``, which Chromium leaves
empty, so the first submit failed with "this field is required". The date is ISO in the
HTML now and shown the Greek way by the browser; the sale goes through first time, and the
same rendered form sent again sells nothing more (docs/security.md #41, #43).

Run: ``.venv/bin/pytest tests/browser -m browser`` (Debian ``chromium`` at /usr/bin/chromium).
"""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from supportdesk.accounts.tests.factories import ManagerFactory
from supportdesk.billing.models import Statement
from supportdesk.contracts.services import calendar_seed_default, tariff_seed_default
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.entitlements.models import PrepaidPurchase
from tests.browser.chromium import ARGS, BROWSER, CHROMIUM

pytestmark = BROWSER



@pytest.mark.django_db(transaction=True)
def test_prepaid_sale_in_greek_chromium_has_its_date_and_sells_first_time(live_server):
    sync_api = pytest.importorskip("playwright.sync_api")
    # given the default tariff, a Free-tier shop and a manager signed in (session cookie)
    tariff_seed_default()
    calendar_seed_default()
    shop = CustomerFactory(name="Αρτοποιείο Δέλτα")
    client = Client()
    client.force_login(ManagerFactory())
    session = client.cookies[settings.SESSION_COOKIE_NAME].value

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        context = browser.new_context(locale="el-GR", timezone_id="Europe/Athens")
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session,
                              "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            # when the manager opens the sale page
            sale_url = live_server.url + reverse("billing:prepaid_sale", args=[shop.pk])
            page.goto(sale_url)
            # then the browser holds today's date in the date input (not an empty field)
            today = timezone.localdate().isoformat()
            assert page.input_value("#id_on") == today
            assert page.eval_on_selector("#id_on", "e => e.valueAsDate !== null")
            # and one click sells the hours first time
            page.fill("#id_hours", "2")
            sent = page.eval_on_selector("form.card", "f => [...new FormData(f)]")
            page.click("button[type=submit].primary")
            page.wait_for_url(re.compile(r"/usage/"))
            assert PrepaidPurchase.objects.filter(customer=shop).count() == 1
            # and the same rendered form sent again (a retry) sells nothing more and lands
            # on the first sale's result
            landed = page.evaluate("""async ([url, fields]) => {
                const body = new URLSearchParams(fields);
                const r = await fetch(url, {method: "POST", body, credentials: "same-origin"});
                return r.url; }""", [sale_url, sent])
            assert landed.endswith(reverse("billing:usage", args=[shop.pk]))
        finally:
            context.close()
            browser.close()
    assert errors == []
    assert PrepaidPurchase.objects.filter(customer=shop).count() == 1
    assert Statement.objects.filter(customer=shop, kind=Statement.Kind.PREPAID).count() == 1
