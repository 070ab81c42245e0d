"""Issue 13 in headless Chromium with the Greek locale: the tools a technician lives in.

Set a priority and see both clocks; apply a macro to three requests from the queue; merge a
phoned and an e-mailed duplicate (the work entries, the SLA snapshot, a reply to the old
token landing on the target); save a view and see its count; two technicians on one
request see each other and the second reply is stopped for review.

Run: ``.venv/bin/pytest tests/browser -m browser`` (Debian ``chromium`` at /usr/bin/chromium).
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from supportdesk.accounts.tests.factories import TechnicianFactory, UserFactory
from supportdesk.common.choices import Channel, Tier
from supportdesk.contracts.services import calendar_seed_default, tariff_seed_default
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.desk.models import Macro, SavedView
from supportdesk.desk.services import macro_save
from supportdesk.mail.services import mail_ingest
from supportdesk.mail.tests.factories import raw_mail
from supportdesk.notifications.tokens import subject_token
from supportdesk.tickets.models import Message, Ticket
from supportdesk.tickets.services import ticket_create
from supportdesk.worklog.models import WorkEntry
from supportdesk.worklog.services.entries import work_entry_create
from tests.browser.chromium import BROWSER, signed_in_page

pytestmark = BROWSER


@pytest.fixture
def world(db):
    tariff_seed_default()
    calendar_seed_default()
    today = timezone.localdate()
    shop = CustomerFactory(name="Κοσμήματα Άλφα")
    ContractFactory(customer=shop, tier=Tier.BUSINESS, starts_on=today.replace(month=1, day=1),
                    ends_on=today.replace(month=12, day=31))
    contact = UserFactory(customer=shop, email="maria@alfa.gr", first_name="Μαρία",
                          language="el")
    technician = TechnicianFactory(first_name="Γιώργος", last_name="Τ.")
    return {"shop": shop, "contact": contact, "technician": technician}


@pytest.mark.django_db(transaction=True)
def test_priority_moves_both_clocks(world, browser, live_server):
    errors: list[str] = []
    ticket = ticket_create(customer=world["shop"], subject="Σταμάτησε η ταμειακή",
                           received_via="phone", by=world["technician"])
    page = signed_in_page(browser, live_server, world["technician"], errors)
    page.goto(live_server.url + reverse("desk:ticket", args=[ticket.pk]))
    before = page.locator(".resolution-due").inner_text()
    page.select_option("#id_priority", "urgent")
    page.locator("form[action$='/priority/'] button").click()
    page.wait_for_url(f"**/desk/tickets/{ticket.pk}/")
    after = page.locator(".resolution-due").inner_text()
    ticket.refresh_from_db()
    assert ticket.priority == "urgent" and before != after
    expected = timezone.localtime(ticket.resolution_due_at).strftime("%d/%m/%Y %H:%M")
    assert expected in after
    assert page.locator(".sla-due").inner_text()  # the response clock is shown beside it
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_a_macro_on_three_requests_from_the_queue(world, browser, live_server):
    errors: list[str] = []
    tech = world["technician"]
    macro = macro_save(macro=Macro(name="Επιλύθηκε", status="resolved", assign_to_me=True),
                       by=tech, shared=False)
    made = [ticket_create(customer=world["shop"], subject=f"Πρόβλημα {i}",
                          received_via="phone", by=tech) for i in range(4)]
    page = signed_in_page(browser, live_server, tech, errors)
    page.goto(live_server.url + reverse("desk:queue"))
    for ticket in made[:3]:
        page.check(f"input.bulk-pick[value='{ticket.pk}']")
    page.select_option("#bulk-action", "macro")
    page.select_option("#bulk-macro", str(macro.pk))
    page.locator("#bulk button[type=submit]").click()
    page.wait_for_load_state()
    statuses = dict(Ticket.objects.filter(pk__in=[t.pk for t in made])
                    .values_list("pk", "status"))
    assert [statuses[t.pk] for t in made] == ["resolved"] * 3 + ["new"]
    assert all(Ticket.objects.get(pk=t.pk).assignee_id == tech.pk for t in made[:3])
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_merge_a_phoned_and_a_mailed_duplicate(world, browser, live_server):
    errors: list[str] = []
    tech, shop = world["technician"], world["shop"]
    now = timezone.now()
    phoned = ticket_create(customer=shop, subject="Η ταμειακή δεν τυπώνει",
                           received_via="phone", received_at=now - dt.timedelta(hours=3),
                           by=tech)
    mailed = ticket_create(customer=shop, subject="Πρόβλημα ταμειακής", received_via="email",
                           by=world["contact"])
    start = now - dt.timedelta(hours=2, minutes=30)
    entry = work_entry_create(ticket=phoned, technician=tech, channel=Channel.PHONE,
                              started_at=start, ended_at=start + dt.timedelta(minutes=20),
                              by=tech)
    phoned_due = phoned.response_due_at
    page = signed_in_page(browser, live_server, tech, errors)
    page.goto(live_server.url + reverse("desk:ticket", args=[mailed.pk]))
    page.fill("#id_merge_target", phoned.reference)
    page.check("form[action$='/merge/'] input[name=confirm]")
    page.locator("form[action$='/merge/'] button").click()
    page.wait_for_url(f"**/desk/tickets/{phoned.pk}/")
    assert "Πρόβλημα ταμειακής" in page.content() or mailed.reference in page.content()
    entry.refresh_from_db()
    phoned.refresh_from_db()
    assert entry.ticket_id == phoned.pk
    assert phoned.response_due_at == phoned_due  # the earlier request's promise stands
    assert Ticket.objects.get(pk=mailed.pk).merged_into_id == phoned.pk
    # A reply to the mailed one's token lands on the target.
    mail_ingest(raw_mail(sender="maria@alfa.gr",
                         subject=f"Re: Πρόβλημα ταμειακής {subject_token(mailed.pk)}",
                         body="Τώρα τυπώνει.", message_id="<merge-browser@alfa.gr>"))
    assert Message.objects.filter(ticket=phoned, body__contains="Τώρα τυπώνει").exists()
    assert WorkEntry.objects.filter(ticket=mailed).count() == 0
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_save_a_view_and_see_its_count(world, browser, live_server):
    errors: list[str] = []
    tech = world["technician"]
    for i in range(3):
        ticket_create(customer=world["shop"], subject=f"Επείγον {i}", received_via="phone",
                      priority="urgent", by=tech)
    ticket_create(customer=world["shop"], subject="Απορία", received_via="phone", by=tech)
    page = signed_in_page(browser, live_server, tech, errors)
    page.goto(live_server.url + reverse("desk:queue") + "?priority=urgent")
    page.fill("#view-name", "Επείγοντα")
    page.locator("form[action$='/views/'] button").click()
    page.wait_for_load_state()
    assert SavedView.objects.get().params == {"priority": "urgent"}
    link = page.locator(".queue-views a", has_text="Επείγοντα")
    assert link.locator(".count").inner_text() == "3"
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_two_technicians_see_each_other_and_the_second_reply_waits(world, browser,
                                                                   live_server):
    errors: list[str] = []
    first, second = world["technician"], TechnicianFactory(first_name="Νίκος", last_name="Α.")
    ticket = ticket_create(customer=world["shop"], subject="Δεν ανοίγει", received_via="phone",
                           by=first)
    url = live_server.url + reverse("desk:ticket", args=[ticket.pk])
    one = signed_in_page(browser, live_server, first, errors)
    two = signed_in_page(browser, live_server, second, errors)
    one.goto(url)
    two.goto(url)
    two.fill("#id_body", "Το κοιτάω")  # typing
    one.reload()
    one.wait_for_selector("#presence:not([hidden])")
    assert "Νίκος Α." in one.locator("#presence").inner_text()
    # The first technician answers; the second one's reply, from the older page, waits.
    one.fill("#id_body", "Απάντηση του Γιώργου")
    one.locator("form.reply-form button[type=submit]").click()
    one.wait_for_load_state()
    two.fill("#id_body", "Απάντηση του Νίκου")
    two.locator("form.reply-form button[type=submit]").click()
    two.wait_for_load_state()
    assert two.locator("#id_body").input_value() == "Απάντηση του Νίκου"
    assert "Απάντηση του Γιώργου" in two.content()
    assert list(Message.objects.filter(ticket=ticket).values_list("body", flat=True)) == [
        "Απάντηση του Γιώργου"]
    # Sent again from the refreshed page, it goes through.
    two.locator("form.reply-form button[type=submit]").click()
    two.wait_for_load_state()
    assert Message.objects.filter(ticket=ticket).count() == 2
    assert errors == []
