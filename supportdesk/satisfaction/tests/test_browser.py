"""Issue 15 in headless Chromium with the Greek locale: a resolved request's rating link,
taken from the survey e-mail, records one rating; a second click changes nothing.

Run: ``pytest supportdesk/satisfaction/tests/test_browser.py -m browser`` (Debian
``chromium`` at /usr/bin/chromium).
"""

import pytest
from django.core import mail

from supportdesk.accounts.tests.factories import TechnicianFactory, UserFactory
from supportdesk.contracts.services import calendar_seed_default, tariff_seed_default
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.satisfaction.models import Rating
from tests.browser.chromium import ARGS, BROWSER, CHROMIUM

from .conftest import links_in, open_request, resolve

pytestmark = BROWSER


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.mark.django_db(transaction=True)
def test_the_mails_rating_link_records_one_rating(browser, live_server):
    tariff_seed_default()
    calendar_seed_default()
    shop = CustomerFactory(name="Κοσμήματα Άλφα")
    contact = UserFactory(customer=shop, email="maria@alfa.gr", language="el")
    technician = TechnicianFactory(first_name="Γιώργος")
    resolve(open_request(shop, contact, technician, subject="Η ζυγαριά δεν συνδέεται"),
            technician)
    [survey] = [m for m in mail.outbox if m.to == ["maria@alfa.gr"]
                and "/portal/rate/link/" in m.body]
    assert "Πώς τα πήγαμε;" in survey.subject
    links = links_in(survey.body)

    errors: list[str] = []
    context = browser.new_context(locale="el-GR", timezone_id="Europe/Athens")
    first, stale = context.new_page(), context.new_page()
    for page in (first, stale):
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Two tabs on the link, as a customer who clicked twice in the mail.
    first.goto(live_server.url + links["good"])
    stale.goto(live_server.url + links["good"])
    assert first.locator("input[name=score][value=good]").is_checked()
    assert Rating.objects.count() == 0  # opening the link recorded nothing
    first.fill("textarea[name=comment]", "Γρήγορη και σωστή λύση")
    first.click("#rating-confirm")
    first.wait_for_selector("#rating-given")
    assert "Σας ευχαριστούμε" in first.content()
    assert list(Rating.objects.values_list("score", "comment", "via")) == [
        ("good", "Γρήγορη και σωστή λύση", "mail")]

    # The second click, on the stale page with another choice: nothing changes.
    stale.check("input[name=score][value=poor]")
    stale.fill("textarea[name=comment]", "Άλλαξα γνώμη")
    stale.click("#rating-confirm")
    stale.wait_for_selector("#rating-given")
    assert "έχει ήδη αξιολογηθεί" in stale.content()
    assert list(Rating.objects.values_list("score", "comment")) == [
        ("good", "Γρήγορη και σωστή λύση")]
    # And the link again offers no form, only the rating given.
    first.goto(live_server.url + links["poor"])
    assert first.locator("#rating-form").count() == 0
    assert Rating.objects.count() == 1
    assert errors == []
    context.close()
