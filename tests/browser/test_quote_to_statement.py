"""Issue 9, §10 end to end in headless Chromium with the Greek locale: a technician issues a
fixed-amount quote on an out-of-scope request, the customer accepts it in the portal, the
manager runs billing, and the statement's PDF has the agreed amount as one line.

Run: ``.venv/bin/pytest tests/browser -m browser`` (Debian ``chromium`` at /usr/bin/chromium).
"""

import datetime as dt
import io
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from supportdesk.accounts.tests.factories import ManagerFactory, TechnicianFactory, UserFactory
from supportdesk.agreements.models import Quote
from supportdesk.billing.models import Statement, StatementLine
from supportdesk.common.choices import Channel, Tier
from supportdesk.contracts.services import calendar_seed_default, tariff_seed_default
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.tests.factories import TicketFactory
from supportdesk.worklog.services.entries import work_entry_create
from tests.browser.chromium import ARGS, BROWSER, CHROMIUM

pytestmark = BROWSER


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.mark.django_db(transaction=True)
def test_quote_issued_accepted_in_the_portal_and_billed_once_on_the_pdf(live_server):
    sync_api = pytest.importorskip("playwright.sync_api")
    # given a Basic-contract shop with an out-of-scope request (an operating-system problem)
    # and two hours already logged on it, held until there is an agreement
    tariff_seed_default()
    calendar_seed_default()
    today = timezone.localdate()
    shop = CustomerFactory(name="Κοσμήματα Άλφα", tax_number="094014201")
    ContractFactory(customer=shop, tier=Tier.BASIC, starts_on=today.replace(month=1, day=1),
                    ends_on=today.replace(month=12, day=31))
    customer = UserFactory(customer=shop)
    technician = TechnicianFactory()
    manager = ManagerFactory()
    ticket = TicketFactory(customer=shop, tier=Tier.BASIC, category=Ticket.Category.OS,
                           subject="Επανεγκατάσταση Windows")
    start = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=1),
                                                    dt.time(3, 0)))
    entry = work_entry_create(ticket=ticket, technician=technician, channel=Channel.REMOTE,
                              started_at=start, ended_at=start + dt.timedelta(hours=2),
                              by=technician)
    assert entry.net_amount == 0 and entry.pricing["lines"][0]["kind"] == "held"

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        errors: list[str] = []

        def page_for(user):
            context = browser.new_context(locale="el-GR", timezone_id="Europe/Athens")
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                                  "value": _session(user), "url": live_server.url}])
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            return page

        try:
            # when the technician issues a fixed-amount quote from the ticket page
            tech = page_for(technician)
            tech.goto(live_server.url + reverse("desk:ticket", args=[ticket.pk]))
            form = tech.locator("form[action$='/quotes/']")
            # the validity date is filled (ISO in the input, shown the Greek way)
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", form.locator("#qi-valid").input_value())
            form.locator("#qi-description").fill("Επανεγκατάσταση λειτουργικού και "
                                                 "προγράμματος ταμείου")
            form.locator("#qi-amount").fill("250,00")
            form.locator("button[type=submit]").click()
            tech.wait_for_url(re.compile(rf"/desk/tickets/{ticket.pk}/$"))
            quote = Quote.objects.get(ticket=ticket)
            assert (quote.status, quote.kind, str(quote.amount)) == ("proposed", "fixed",
                                                                    "250.00")

            # and the customer accepts it in the portal
            shop_page = page_for(customer)
            shop_page.goto(live_server.url + reverse("portal:ticket", args=[ticket.pk]))
            assert "250,00" in shop_page.locator("[data-quote-amount]").inner_text()
            shop_page.locator("button[name=decision][value=accept]").click()
            shop_page.wait_for_url(re.compile(rf"/portal/requests/{ticket.pk}/$"))
            quote.refresh_from_db()
            assert quote.status == "accepted"
            # (the held work is now priced under the agreement: 0,00 "agreed" minutes)
            entry.refresh_from_db()
            assert entry.pricing["agreement_id"] == quote.pk

            # and the manager runs billing for this month so far
            boss = page_for(manager)
            boss.goto(live_server.url + reverse("billing:home"))
            boss.fill("#id_period_start",
                      (today - dt.timedelta(days=1)).replace(day=1).isoformat())
            boss.fill("#id_period_end", today.isoformat())
            boss.locator("form[action$='/run/'] button[type=submit]").click()
            boss.wait_for_load_state()
            statement = Statement.objects.get(customer=shop, kind=Statement.Kind.PERIOD)
            # then the statement has the agreed amount once, as its own line
            agreed = statement.lines.filter(kind=StatementLine.Kind.AGREEMENT)
            assert [(line.quote_id, str(line.net_amount)) for line in agreed] == [
                (quote.pk, "250.00")]
            assert str(statement.net_total) == "250.00"
            # and its PDF, downloaded by the manager, shows that line
            pdf = boss.request.get(live_server.url + reverse("billing:statement_pdf",
                                                             args=[statement.pk]))
            assert pdf.status == 200
            text = " ".join(" ".join(p.extract_text().split())
                            for p in PdfReader(io.BytesIO(pdf.body())).pages)
            assert "Επανεγκατάσταση λειτουργικού" in text
            assert "250,00 €" in text and "310,00 €" in text  # and 24% VAT on it
        finally:
            browser.close()
    assert errors == []
