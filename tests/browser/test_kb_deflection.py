"""Issue 15 in headless Chromium with the Greek locale: a shop starts a request, is shown an
article for its product and problem, marks it as what solved it, no request is opened, and
the manager's dashboard counts one deflection (docs/knowledge.md "Deflection at intake").

Run: ``.venv/bin/pytest tests/browser -m browser`` (Debian ``chromium`` at /usr/bin/chromium).
"""

import re

import pytest
from django.conf import settings

from supportdesk.accounts.tests.factories import ManagerFactory, TechnicianFactory, UserFactory
from supportdesk.catalog.tests.factories import ProductFactory
from supportdesk.contracts.services import calendar_seed_default, tariff_seed_default
from supportdesk.customers.tests.factories import CustomerFactory, LicenceFactory
from supportdesk.knowledge.models import Deflection, Suggestion
from supportdesk.knowledge.services import article_create
from supportdesk.tickets.models import Ticket
from tests.browser.chromium import BROWSER, signed_in_page

pytestmark = BROWSER
SHOTS = settings.BASE_DIR / "artifacts" / "screenshots"


@pytest.mark.django_db(transaction=True)
def test_a_shop_is_shown_an_article_marks_it_solved_and_the_dashboard_counts_it(
        browser, live_server):
    # given a Free shop holding a licence for the POS, and a published article about its
    # printer problem
    tariff_seed_default()
    calendar_seed_default()
    shop = CustomerFactory(name="Ασήμι Ιωαννίνων")
    pos = ProductFactory(code="jewel-pos", name="Jewelsoft Λιανική (POS)")
    LicenceFactory(customer=shop, product=pos)
    owner = UserFactory(customer=shop, first_name="Υπεύθυνος", language="el")
    technician = TechnicianFactory()
    manager = ManagerFactory()
    article = article_create(
        by=technician, title_el="Ο εκτυπωτής αποδείξεων δεν τυπώνει μετά την ενημέρωση",
        body_el="1. Ανοίξτε **Ρυθμίσεις → Εκτυπωτές**\n2. Επιλέξτε ξανά τον οδηγό",
        visibility="customers", product=pos, category="program_fault")
    errors: list[str] = []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = signed_in_page(browser, live_server, owner, errors)

    # when the shop starts a request, picks the product and the kind, and types the subject
    page.goto(f"{live_server.url}/portal/requests/new/")
    page.select_option("#id_product", str(pos.pk))
    page.select_option("#id_category", "program_fault")
    page.fill("#id_subject", "Δεν τυπώνει ο ΕΚΤΥΠΩΤΗΣ")
    # then the article is suggested, its match marked
    panel = page.locator("#kb-suggest")
    panel.wait_for(state="visible")
    assert "εκτυπωτής αποδείξεων" in panel.inner_text()
    assert page.locator("#kb-suggest mark").first.inner_text().lower().startswith("εκτυπωτ")
    page.screenshot(path=str(SHOTS / "kb-suggestions.png"), full_page=True)
    # and opening it (a new tab) counts as opened
    with page.context.expect_page() as opened:
        page.locator("#kb-suggest .kb-title").first.click()
    article_tab = opened.value
    article_tab.wait_for_load_state()
    assert "Ρυθμίσεις → Εκτυπωτές" in article_tab.locator(".kb-article").inner_text()
    article_tab.close()

    # when it marks the suggestion as what solved it (twice: a double click)
    page.locator("#kb-suggest .kb-solved-btn").first.dblclick()
    page.wait_for_url(re.compile(r"/portal/$"))
    # then it is back home, told no request was opened, and none was
    assert "Δεν ανοίχτηκε αίτημα" in page.locator(".messages").inner_text()
    assert Ticket.objects.count() == 0
    assert Deflection.objects.filter(customer=shop, article=article).count() == 1
    assert Suggestion.objects.get(article=article).opened_at is not None

    # and the manager's dashboard counts one deflection for the article
    board = signed_in_page(browser, live_server, manager, errors)
    board.goto(f"{live_server.url}/desk/dashboard/")
    card = board.locator("section[aria-labelledby=kb-defl-h]")
    row = card.locator("tbody tr", has_text="εκτυπωτής αποδείξεων")
    assert row.locator("td.kb-solved").inner_text() == "1"
    assert card.locator("#kb-solved-total").inner_text() == "1"
    board.screenshot(path=str(SHOTS / "kb-dashboard.png"), full_page=True)
    assert errors == []
