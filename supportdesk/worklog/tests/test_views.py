"""Staff work pages: timer buttons, live price preview, manual entries, locks and history,
and that customers or visitors reach none of them (§8, docs/security.md #5, #12)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone

from supportdesk.tickets.tests.factories import TicketFactory
from supportdesk.worklog import urls as worklog_urls
from supportdesk.worklog.models import Timer, WorkEntry
from supportdesk.worklog.services.entries import ENTRY_LOCKED, work_entry_create
from supportdesk.worklog.services.timers import TIMER_NOT_RUNNING, timer_start
from supportdesk.worklog.tests.factories import VisitFactory

from .conftest import ATHENS, TUESDAY_11

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(technician):
    client = Client()
    client.force_login(technician)
    return client


def _entry(ticket, technician, *, minutes=45, start=TUESDAY_11, channel="phone"):
    return work_entry_create(
        ticket=ticket, technician=technician, channel=channel, started_at=start,
        ended_at=start + dt.timedelta(minutes=minutes), kind="support", description="",
        flat_fee=None, by=technician)


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- timers -------------------------------------------------------------------------------

def test_timer_start_and_stop_through_the_page(staff_client, free_ticket, technician):
    # given the work page of a request
    url = reverse("worklog:ticket_work", args=[free_ticket.pk])
    assert b'id="timer-start"' in staff_client.get(url).content
    # when the technician starts the timer
    response = staff_client.post(reverse("worklog:timer_start", args=[free_ticket.pk]),
                                 {"channel": "phone"}, follow=True)
    # then the page shows it running, with its start for the elapsed-time script
    assert b'data-started-at="' in response.content
    timer = Timer.objects.get(ticket=free_ticket, technician=technician)
    # when it is stopped after 4:58 (moved back in time rather than waiting): a started
    # minute is worked, so it records 5 (issue 9: it was 5:02 rounded to the nearest)
    Timer.objects.filter(pk=timer.pk).update(
        started_at=timezone.now() - dt.timedelta(minutes=4, seconds=58))
    response = staff_client.post(reverse("worklog:timer_stop", args=[free_ticket.pk]),
                                 {"kind": "support", "description": "Ρύθμιση εκτυπωτή"},
                                 follow=True)
    # then one 5-minute entry is listed with its price
    entry = WorkEntry.objects.get(ticket=free_ticket)
    assert entry.duration_minutes == 5
    assert "4,17 €" in response.content.decode()  # 5 min at 50 €/h, Greek format
    # and a second stop is a clear message that changes nothing
    response = staff_client.post(reverse("worklog:timer_stop", args=[free_ticket.pk]),
                                 {"kind": "support"}, follow=True)
    assert str(TIMER_NOT_RUNNING) in _messages(response)
    assert WorkEntry.objects.filter(ticket=free_ticket).count() == 1


def test_timer_survives_a_reload(staff_client, free_ticket, technician):
    timer_start(ticket=free_ticket, technician=technician, channel="remote", now=TUESDAY_11)
    # a fresh client (another device / after a restart) sees the same running timer
    other = Client()
    other.force_login(technician)
    body = other.get(reverse("worklog:ticket_work", args=[free_ticket.pk])).content.decode()
    assert 'id="timer-elapsed"' in body
    assert TUESDAY_11.isoformat().replace("+02:00", "") in body or "2026-11-24T09:00" in body


# --- live price preview -------------------------------------------------------------------

def _preview(client, ticket, *, minutes, channel="phone", start=TUESDAY_11, lang="el",
             **extra):
    end = start + dt.timedelta(minutes=minutes)
    params = {"started_at": _local(start), "ended_at": _local(end), "channel": channel,
              "kind": "support", **extra}
    return client.get(reverse("worklog:entry_preview", args=[ticket.pk]), params,
                      HTTP_ACCEPT_LANGUAGE=lang)


def test_preview_shows_billed_amount_in_greek_and_english(staff_client, free_ticket):
    # Free customer: 45 minutes at 50 €/h = 37,50 € (nothing saved)
    data = _preview(staff_client, free_ticket, minutes=45).json()
    assert data["ok"] is True
    assert data["net_amount"] == "37.50"
    assert "37,50 €" in data["label"]
    staff_client.cookies["django_language"] = "en"
    english = _preview(staff_client, free_ticket, minutes=45, lang="en").json()
    assert "€37.50" in english["label"]
    assert "billed" in english["label"]
    assert not WorkEntry.objects.exists()


def test_preview_shows_included_and_allowance(staff_client, basic_ticket):
    staff_client.cookies["django_language"] = "en"
    phone = _preview(staff_client, basic_ticket, minutes=30, lang="en").json()
    assert phone["label"] == "included"
    # Basic: remote has 4 h/year included (docs/rules.md "Tariff reading")
    remote = _preview(staff_client, basic_ticket, minutes=60, channel="remote", lang="en").json()
    assert remote["label"].startswith("from allowance 60 min")
    assert remote["net_amount"] == "0.00"


def test_preview_of_bad_input_is_a_clear_error(staff_client, free_ticket):
    response = _preview(staff_client, free_ticket, minutes=-30)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "ended_at" in errors


# --- manual entries -----------------------------------------------------------------------

def _entry_form(start=TUESDAY_11, minutes=30, **extra):
    return {"started_at": _local(start), "ended_at": _local(start + dt.timedelta(minutes=minutes)),
            "channel": "phone", "kind": "support", "description": "Κλήση", "flat_fee": "",
            "form_token": "", **extra}


def test_manual_entry_is_saved_and_priced(staff_client, free_ticket):
    response = staff_client.post(reverse("worklog:entry_create", args=[free_ticket.pk]),
                                 _entry_form(minutes=90))
    assert response.status_code == 302
    entry = WorkEntry.objects.get(ticket=free_ticket)
    assert (entry.duration_minutes, entry.net_amount) == (90, Decimal("75.00"))


def test_manual_entry_ending_before_it_starts_changes_nothing(staff_client, free_ticket):
    response = staff_client.post(reverse("worklog:entry_create", args=[free_ticket.pk]),
                                 _entry_form(minutes=-15))
    assert response.status_code == 200
    assert "The end must be after the start." in response.content.decode() or \
        "μετά την έναρξη" in response.content.decode()
    assert not WorkEntry.objects.exists()


def test_double_submit_of_one_form_records_one_entry(staff_client, free_ticket):
    form = _entry_form(form_token="a" * 32)
    url = reverse("worklog:entry_create", args=[free_ticket.pk])
    assert staff_client.post(url, form).status_code == 302
    assert staff_client.post(url, form).status_code == 302
    assert WorkEntry.objects.filter(ticket=free_ticket).count() == 1


def test_flat_fee_in_greek_format(staff_client, free_ticket):
    response = staff_client.post(reverse("worklog:entry_create", args=[free_ticket.pk]),
                                 _entry_form(flat_fee="120,00"))
    assert response.status_code == 302
    entry = WorkEntry.objects.get()
    assert entry.flat_fee == Decimal("120.00")
    assert entry.net_amount == Decimal("120.00")


def test_edit_keeps_history_and_reprices(staff_client, free_ticket, technician):
    entry = _entry(free_ticket, technician, minutes=30)
    response = staff_client.post(reverse("worklog:entry_edit", args=[entry.pk]),
                                 _entry_form(minutes=60, description="Διόρθωση"))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.duration_minutes, entry.net_amount) == (60, Decimal("50.00"))
    page = staff_client.get(reverse("worklog:entry_detail", args=[entry.pk]))
    history = page.context["history"]
    assert [h.history_type for h in history] == ["~", "+"]
    assert history[0].history_user == technician
    assert "25,00 €" in page.content.decode()  # the first version's amount, still shown


def test_billed_entry_is_locked(staff_client, free_ticket, technician):
    # given an entry a statement has billed
    entry = _entry(free_ticket, technician, minutes=30)
    WorkEntry.objects.filter(pk=entry.pk).update(locked_at=timezone.now())
    # then the edit page refuses with a clear message
    response = staff_client.get(reverse("worklog:entry_edit", args=[entry.pk]), follow=True)
    assert any("locked" in m or "κλειδω" in m for m in _messages(response))
    # and a forged POST changes nothing either
    response = staff_client.post(reverse("worklog:entry_edit", args=[entry.pk]),
                                 _entry_form(minutes=5), follow=True)
    entry.refresh_from_db()
    assert entry.duration_minutes == 30
    response = staff_client.post(reverse("worklog:entry_delete", args=[entry.pk]), follow=True)
    assert str(ENTRY_LOCKED) in _messages(response)
    assert WorkEntry.objects.filter(pk=entry.pk).exists()
    detail = staff_client.get(reverse("worklog:entry_detail", args=[entry.pk]))
    assert b'id="entry-locked"' in detail.content


def test_delete_unbilled_entry(staff_client, free_ticket, technician):
    entry = _entry(free_ticket, technician)
    response = staff_client.post(reverse("worklog:entry_delete", args=[entry.pk]))
    assert response.status_code == 302
    assert not WorkEntry.objects.filter(pk=entry.pk).exists()


def test_ticket_text_is_escaped_in_the_panel(staff_client, config, org_b):
    ticket = TicketFactory(customer=org_b, tier="free", status="open",
                           subject='"><img src=x onerror=alert(1)>')
    body = staff_client.get(reverse("worklog:ticket_work", args=[ticket.pk])).content.decode()
    assert "<img src=x onerror" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body


def test_panel_queries_do_not_grow_with_entries(staff_client, free_ticket, technician):
    url = reverse("worklog:ticket_work", args=[free_ticket.pk])
    _entry(free_ticket, technician, minutes=10)
    VisitFactory(ticket=free_ticket, technician=technician)
    staff_client.get(url)  # warm caches (calendar, tariff, session)
    with CaptureQueriesContext(connection) as few:
        staff_client.get(url)
    for n in range(1, 12):
        _entry(free_ticket, technician, minutes=10, start=TUESDAY_11 + dt.timedelta(hours=n))
        VisitFactory(ticket=free_ticket, technician=technician,
                     starts_at=TUESDAY_11 + dt.timedelta(days=n),
                     ends_at=TUESDAY_11 + dt.timedelta(days=n, hours=1))
    with CaptureQueriesContext(connection) as many:
        staff_client.get(url)
    assert len(many) == len(few)


# --- who may reach these pages ------------------------------------------------------------

def _worklog_paths(ticket_id, entry_id, visit_id):
    kwargs = {"ticket_id": ticket_id, "pk": entry_id, "token": "x" * 43}
    paths = []
    for pattern in worklog_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name == "calendar_ics":
            continue  # authorised by its secret token, tested in test_visits
        names = set(re.findall(r"<(?:\w+:)?(\w+)>", str(pattern.pattern)))
        args = {k: kwargs[k] for k in names}
        if pattern.name.startswith("visit_") and "pk" in args:
            args["pk"] = visit_id
        paths.append(reverse(f"worklog:{pattern.name}", kwargs=args))
    return paths


def test_every_worklog_route_is_in_the_matrix():
    # a new route must be added to _worklog_paths (or explicitly exempted like the feed)
    names = {p.name for p in worklog_urls.urlpatterns}
    assert "calendar_ics" in names
    assert len(_worklog_paths(1, 1, 1)) == len(names) - 1
    resolver = get_resolver()
    assert "worklog" in resolver.namespace_dict


@pytest.mark.parametrize("method", ["get", "post"])
def test_customers_and_visitors_reach_no_worklog_page(method, free_ticket, technician,
                                                       customer_b):
    entry = _entry(free_ticket, technician)
    visit = VisitFactory(ticket=free_ticket, technician=technician)
    timer_start(ticket=free_ticket, technician=technician, channel="phone", now=TUESDAY_11)
    customer = Client()
    customer.force_login(customer_b)  # even the request's own customer (§8)
    anonymous = Client()
    for path in _worklog_paths(free_ticket.pk, entry.pk, visit.pk):
        as_customer = getattr(customer, method)(path, {"channel": "phone", "decision": "accept",
                                                       "reason": "x", "action": "revoke"})
        assert as_customer.status_code in (403, 404, 405), path
        as_visitor = getattr(anonymous, method)(path)
        assert as_visitor.status_code in (302, 405), path
        if as_visitor.status_code == 302:
            assert as_visitor["Location"].startswith(reverse("login")), path
    # and nothing changed
    assert WorkEntry.objects.count() == 1
    assert Timer.objects.count() == 1


def test_state_changing_forms_need_the_csrf_token(free_ticket, technician):
    client = Client(enforce_csrf_checks=True)
    client.force_login(technician)
    for name, args, data in [
        ("worklog:timer_start", [free_ticket.pk], {"channel": "phone"}),
        ("worklog:entry_create", [free_ticket.pk], _entry_form()),
        ("worklog:remote_create", [free_ticket.pk], {}),
        ("worklog:emergency_decide", [free_ticket.pk], {"decision": "accept", "reason": "x"}),
        ("worklog:calendar_feed", [], {"action": "regenerate"}),
    ]:
        assert client.post(reverse(name, args=args), data).status_code == 403, name
    assert not Timer.objects.exists()
    assert not WorkEntry.objects.exists()


def test_greek_is_the_default_language(staff_client, free_ticket):
    body = staff_client.get(reverse("worklog:ticket_work", args=[free_ticket.pk])).content.decode()
    assert "Έναρξη χρονομέτρου" in body  # "Start timer"


def test_english_renders_in_english(staff_client, free_ticket):
    staff_client.cookies["django_language"] = "en"
    body = staff_client.get(reverse("worklog:ticket_work", args=[free_ticket.pk])).content.decode()
    assert "Start timer" in body


def test_dst_entry_duration_uses_absolute_time(staff_client, config, org_b, technician):
    # docs/security.md #36: 02:30-04:30 local on the last Sunday of October is 3 hours
    ticket = TicketFactory(customer=org_b, tier="free", status="open")
    start = dt.datetime(2026, 10, 25, 2, 30, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    end = dt.datetime(2026, 10, 25, 4, 30, tzinfo=ATHENS)
    entry = work_entry_create(ticket=ticket, technician=technician, channel="phone",
                              started_at=start, ended_at=end, kind="support", description="",
                              flat_fee=None, by=technician)
    assert entry.duration_minutes == 180
