"""Issue 14, "Greek without slips": every staff and customer page, the admin's main screens
and every demo e-mail rendered in Greek, searched for a 12-hour time and for English words
that must never appear on a Greek page.

The demo company is the corpus (a year of requests, statements, quotes, visits, and the
thousands of notification mails its loading sends). Latin-script product names and loanwords
in the data ("Jewelsoft POS", "server", "barcode") are fine; the list below is of interface
words that slipped through before (the units, the closure, the admin's models, the error
page) and of the commonest labels, so that an untranslated template shows up here.
"""

import html
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from supportdesk.accounts.models import User
from supportdesk.ops.demo import load_demo
from tests.demo_pages import customer_pages, staff_pages

#: English that must never appear on a Greek page (whole words, case-sensitive).
ENGLISH = [
    "min", "Timers", "Timer", "Access attempts", "Access failures", "Access logs",
    "Summer closure", "Bad Request", "Not Found", "Server Error", "Forbidden",
    "Priority", "Normal", "Urgent", "Resolution", "Resolved", "Open", "Outbox", "Sent",
    "unread", "Send again", "Menu", "Change your password", "Page not found", "Two-factor",
    "Log out", "Notifications", "Queue", "Save", "Status", "Customer", "Technician",
    "Received", "Request", "Requests", "Statement", "Statements", "Quote", "Quotes",
    "Billing", "Dashboard", "Search", "Filter", "Previous", "Next", "Skip to main content",
    "Toggle theme", "Breadcrumbs", "Notification choices", "Your request was received",
    "A statement was issued", "hours", "minutes", "Tariff",
]
ENGLISH_RE = re.compile(r"(?<![\w/.#-])(" + "|".join(map(re.escape, ENGLISH)) + r")(?![\w/.-])")
#: A 12-hour time: "11 π.μ.", "2 μ.μ.", "11 πμ.", "4:40 PM", "10 a.m.".
TWELVE_HOUR_RE = re.compile(
    r"\b\d{1,2}(?::\d\d)?\s?(?:π\.?\s?μ\.?|μ\.?\s?μ\.?|[AaPp]\.?\s?[Mm]\.?)(?=\W|$)")
STAFF_ADMIN = ["admin:contracts_tariffversion_changelist",
               "admin:contracts_workingcalendar_changelist", "admin:customers_customer_changelist",
               "admin:tickets_ticket_changelist", "admin:billing_statement_changelist",
               "admin:accounts_user_changelist", "admin:worklog_timer_changelist",
               "admin:axes_accessattempt_changelist"]


def visible_text(page: str) -> str:
    """The words a reader sees: text outside tags, plus titles, placeholders and labels."""
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    attrs = re.findall(r'(?i)\b(?:title|placeholder|aria-label|alt|data-label)="([^"]*)"', page)
    text = re.sub(r"(?s)<[^>]+>", " ", page)
    return html.unescape(" ".join([text, *attrs]))


def slips(text: str) -> list[str]:
    found = [m.group(0) for m in ENGLISH_RE.finditer(text)]
    found += [f"12-hour {m.group(0)!r}" for m in TWELVE_HOUR_RE.finditer(text)]
    return sorted(set(found))


@pytest.mark.parametrize(("text", "expected"), [
    ("Έναρξη 11 πμ. – 2 μμ.", ["12-hour '11 πμ.'", "12-hour '2 μμ.'"]),
    ("στις 4:40 PM", ["12-hour '4:40 PM'"]),
    ("Ώρες (90 min)", ["min"]),
    ("Κωδικός #000245 Jewelsoft POS, /desk/ 14:30, 02/12/2026 16:28", []),
])
def test_the_checker_finds_twelve_hour_times_and_english(text, expected):
    assert slips(text) == expected


@pytest.mark.django_db
def test_greek_pages_and_mails_have_no_english_leftovers_and_no_12_hour_clock(
        config, settings, django_capture_on_commit_callbacks):
    # given the demo company, loaded in Greek (its mails, sent after commit, land in the
    # locmem outbox)
    settings.LANGUAGE_CODE = "el"
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        load_demo(today=timezone.localdate())
    manager = User.objects.get(username="manager")
    shop = User.objects.get(username="shop01")
    problems: dict[str, list[str]] = {}

    # when every staff, admin and customer page is rendered in Greek
    for user, paths in ((manager, staff_pages() + [reverse(n) for n in STAFF_ADMIN]),
                        (shop, customer_pages(shop))):
        client = Client(HTTP_ACCEPT_LANGUAGE="el")
        client.force_login(user)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            found = slips(visible_text(response.content.decode()))
            if found:
                problems[path] = found
    # and the error pages a visitor can meet
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="el", raise_request_exception=False)
    response = anonymous.get("/no-such-page/")
    assert response.status_code == 404
    assert "Η σελίδα δεν βρέθηκε" in response.content.decode()
    if found := slips(visible_text(response.content.decode())):
        problems["404"] = found

    # then none has a 12-hour time or an English leftover
    assert problems == {}
    # and neither has any mail the demo sent (SLA notices, replies, statements)
    assert len(mail.outbox) > 100
    mail_problems = {}
    with_times = 0
    for message in mail.outbox:
        bodies = [message.subject, message.body] + [
            visible_text(content) for content, mimetype in getattr(message, "alternatives", [])
            if mimetype == "text/html"]
        if message.extra_headers.get("Content-Language", "el") != "el":
            continue
        text = " ".join(bodies)
        with_times += bool(re.search(r"\b\d\d:\d\d\b", text))
        found = [s for s in slips(text) if s.startswith("12-hour")]
        if found:
            mail_problems[message.subject] = found
    assert mail_problems == {}
    assert with_times > 0  # the check had times to look at (SLA notices carry due moments)
