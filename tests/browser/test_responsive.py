"""Issue 14, "What it must show": every staff and customer page at phone and desktop width.

Headless Chromium at 390 x 844 and 1366 x 900 over the demo company: no horizontal scrolling
(``document.documentElement.scrollWidth <= window.innerWidth``), the header's menu reachable
(collapsed behind a button on the phone, open on the desktop; without JavaScript always
shown), touch-sized controls (44 px) on the phone, the queue as cards and the ticket page's
timer above the side panels. Screenshots go to ``artifacts/screenshots/responsive/``
(gitignored; ``SUPPORTDESK_SCREENSHOTS=/tmp/x`` to put them elsewhere).

Run: ``.venv/bin/pytest tests/browser -m browser`` (Debian ``chromium`` at /usr/bin/chromium).
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from supportdesk.accounts.models import User
from supportdesk.accounts.tests.factories import ManagerFactory
from supportdesk.agreements.models import Quote
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.ops.demo import load_demo
from supportdesk.tickets.tests.factories import TicketFactory
from tests.browser.chromium import ARGS, BROWSER, CHROMIUM
from tests.demo_pages import customer_pages, staff_pages

SHOTS = Path(os.environ.get("SUPPORTDESK_SCREENSHOTS")
             or Path(__file__).resolve().parents[2] / "artifacts" / "screenshots" / "responsive")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
#: Controls smaller than this on the phone fail (WCAG 2.5.5, Apple's and Google's 44-48 px).
TOUCH_PX = 44

pytestmark = BROWSER

# Every element wider than the window, for a readable failure message.
OVERFLOW_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > window.innerWidth + 1) {
      out.push(`${el.tagName.toLowerCase()}.${el.className} right=${Math.round(r.right)}`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
          wide: out.slice(0, 8)};
}"""
# Visible controls in the page's header and main column smaller than TOUCH_PX either way.
SMALL_CONTROLS_JS = """(px) => {
  const out = [];
  const sel = 'main .btn, main button, main select, main input:not([type=hidden])' +
    ':not([type=checkbox]):not([type=radio]), header a, header button';
  for (const el of document.querySelectorAll(sel)) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || el.closest('.conversation .pre')) continue;
    if (r.height < px - 0.5 || r.width < px - 0.5) {
      const text = el.textContent.trim().slice(0, 30);
      out.push(`${el.tagName.toLowerCase()}.${el.className} "${text}" ` +
               `${Math.round(r.width)}x${Math.round(r.height)}`);
    }
  }
  return out;
}"""


def _session_cookie(user: User, url: str) -> dict:
    client = Client()
    client.force_login(user)
    return {"name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": url}


def _name(path: str) -> str:
    return path.strip("/").replace("/", "_") or "root"


def _check_menu(page, *, phone: bool) -> None:
    """The header's links are one click away on the phone and in sight on the desktop."""
    toggle = page.locator("#menu-toggle")
    first_link = page.locator(".mainnav a").first
    logout = page.locator("form[action$='/logout/'] button")
    if phone:
        assert toggle.is_visible()
        assert toggle.get_attribute("aria-expanded") == "false"
        assert not first_link.is_visible()
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"
        assert first_link.is_visible()
        assert logout.is_visible()
        box = logout.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert box["height"] >= TOUCH_PX - 0.5
        page.keyboard.press("Escape")
        assert not first_link.is_visible()
    else:
        assert not toggle.is_visible()
        assert first_link.is_visible()
        assert logout.is_visible()
        box = logout.bounding_box()
        assert box["x"] + box["width"] <= DESKTOP["width"]


@pytest.mark.django_db(transaction=True)
def test_every_staff_and_customer_page_fits_a_phone_and_a_desktop(live_server, config):
    sync_api = pytest.importorskip("playwright.sync_api")
    # given the demo company (a year of requests, statements, quotes, visits)
    load_demo(today=timezone.localdate())
    manager = User.objects.get(username="manager")
    shop = User.objects.get(username="shop01")
    assert Quote.objects.exists()
    runs = [("staff", manager, staff_pages()), ("customer", shop, customer_pages(shop))]
    url = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            for width_name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
                for who, user, paths in runs:
                    context = browser.new_context(locale="el-GR", timezone_id="Europe/Athens",
                                                  viewport=viewport)
                    context.add_cookies([_session_cookie(user, url)])
                    page = context.new_page()
                    page.set_default_timeout(15_000)
                    errors: list[str] = []
                    page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
                    for path in paths:
                        # when the page is opened at this width
                        response = page.goto(url + path)
                        assert response.status == 200, (path, response.status)
                        page.screenshot(path=str(SHOTS / f"{width_name}-{who}-{_name(path)}.png"),
                                        full_page=True)
                        # then nothing is wider than the window
                        seen = page.evaluate(OVERFLOW_JS)
                        if seen["scroll"] > seen["inner"]:
                            problems.append(f"{width_name} {path}: {seen}")
                        # and on the phone every control (outside the admin) is touch-sized
                        if viewport is PHONE and not path.startswith("/admin/"):
                            toggle = page.locator("#menu-toggle")
                            if not toggle.is_visible():
                                problems.append(f"{width_name} {path}: no menu button")
                                continue
                            toggle.click()
                            small = page.evaluate(SMALL_CONTROLS_JS, TOUCH_PX)
                            toggle.click()
                            if small:
                                problems.append(f"{width_name} {path}: small controls {small}")
                    # and the header's menu works (checked on the first page)
                    page.goto(url + paths[0])
                    _check_menu(page, phone=viewport is PHONE)
                    context.close()
                    assert errors == [], f"JavaScript errors: {errors}"
        finally:
            browser.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.django_db(transaction=True)
def test_phone_layout_queue_cards_ticket_timer_first_and_menu_without_javascript(live_server,
                                                                                  config):
    sync_api = pytest.importorskip("playwright.sync_api")

    # given a request in the queue and a manager signed in
    ticket = TicketFactory(customer=CustomerFactory(name="Κοσμήματα Ωμέγα"),
                           subject="Δεν τυπώνει η ταμειακή")
    manager = ManagerFactory()
    url = live_server.url
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            context = browser.new_context(locale="el-GR", viewport=PHONE)
            context.add_cookies([_session_cookie(manager, url)])
            page = context.new_page()
            # when the queue is opened on a phone
            page.goto(url + reverse("desk:queue"))
            # then each request is a card (rows as blocks, the column names as labels)
            row = page.locator("table.queue tbody tr").first
            assert row.evaluate("e => getComputedStyle(e).display") == "block"
            assert page.locator("table.queue thead").is_hidden()
            assert "Πελάτης" in page.locator("table.queue td[data-label]").first.evaluate(
                "e => getComputedStyle(e, '::before').content")
            # and on the ticket page the facts come first, then the timer, then the panels
            page.goto(url + reverse("desk:ticket", args=[ticket.pk]))
            tops = page.evaluate("""() =>
                ['.ticket-facts', '#work-panel', '.sla-box', 'aside .card']
                .map(s => document.querySelector(s).getBoundingClientRect().top)""")
            assert tops == sorted(tops), tops
            page.screenshot(path=str(SHOTS / "phone-ticket-order.png"), full_page=True)
            context.close()

            # and on a desktop the timer, then the response clock, head the sidebar (issue 13)
            context = browser.new_context(locale="el-GR", viewport=DESKTOP)
            context.add_cookies([_session_cookie(manager, url)])
            page = context.new_page()
            page.goto(url + reverse("desk:ticket", args=[ticket.pk]))
            boxes = page.evaluate("""() =>
                ['.ticket-facts', '#work-panel', '.sla-box', 'aside .card'].map(s => {
                  const r = document.querySelector(s).getBoundingClientRect();
                  return {left: r.left, right: r.right, top: r.top}; })""")
            facts, timer, sla, side = boxes
            assert timer["left"] >= facts["right"] and sla["left"] >= facts["right"], boxes
            assert abs(timer["top"] - facts["top"]) < 1, boxes
            assert timer["top"] < sla["top"] < side["top"], boxes
            context.close()

            # and without JavaScript the menu is simply shown, and still fits
            context = browser.new_context(locale="el-GR", viewport=PHONE, java_script_enabled=False)
            context.add_cookies([_session_cookie(manager, url)])
            page = context.new_page()
            page.goto(url + reverse("desk:queue"))
            assert page.locator("#menu-toggle").is_hidden()
            assert page.locator(".mainnav a").first.is_visible()
            assert page.locator("form[action$='/logout/'] button").is_visible()
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            page.screenshot(path=str(SHOTS / "phone-no-js-menu.png"), full_page=True)
            context.close()
        finally:
            browser.close()
