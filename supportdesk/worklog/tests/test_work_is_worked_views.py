"""Work is what was worked, through the staff pages (issue 9): the future and overlap
refusals on the entry form, the manager's overlap checkbox, and the running timer in the
header of every staff page with a link to its request."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from supportdesk.worklog.models import WorkEntry
from supportdesk.worklog.services.entries import work_entry_create
from supportdesk.worklog.services.timers import timer_start

from .conftest import TUESDAY_11

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _form(start=TUESDAY_11, minutes=90, **extra):
    return {"started_at": _local(start), "ended_at": _local(start + dt.timedelta(minutes=minutes)),
            "channel": "phone", "kind": "support", "description": "Κλήση", "flat_fee": "",
            "form_token": "", **extra}


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_the_form_refuses_an_entry_in_the_future_and_saves_nothing(technician, free_ticket):
    response = _client(technician).post(
        reverse("worklog:entry_create", args=[free_ticket.pk]),
        _form(start=timezone.now() + dt.timedelta(days=18)))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not WorkEntry.objects.exists()


def test_an_overlap_is_refused_and_only_a_manager_is_offered_the_checkbox(
        technician, manager, free_ticket):
    # given 10:00-11:30 of the technician recorded
    work_entry_create(ticket=free_ticket, technician=technician, channel="phone",
                      started_at=TUESDAY_11, ended_at=TUESDAY_11 + dt.timedelta(minutes=90),
                      by=technician)
    url = reverse("worklog:entry_create", args=[free_ticket.pk])
    # when the technician saves the same span again: refused, the clash named, no checkbox
    response = _client(technician).post(url, _form())
    page = response.content.decode()
    assert response.status_code == 200
    assert free_ticket.reference in page
    assert 'name="confirm_overlap"' not in page
    # and the checkbox sent anyway by a technician changes nothing
    _client(technician).post(url, _form(confirm_overlap="on"))
    assert WorkEntry.objects.count() == 1
    # a manager's blank form has no checkbox either
    assert 'name="confirm_overlap"' not in _client(manager).get(url).content.decode()


def test_a_manager_confirms_an_overlap_after_the_refusal(manager, free_ticket):
    boss = _client(manager)
    url = reverse("worklog:entry_create", args=[free_ticket.pk])
    work_entry_create(ticket=free_ticket, technician=manager, channel="phone",
                      started_at=TUESDAY_11, ended_at=TUESDAY_11 + dt.timedelta(minutes=90),
                      by=manager)
    # the refusal shows the manager the checkbox
    response = boss.post(url, _form())
    assert response.status_code == 200
    assert 'name="confirm_overlap"' in response.content.decode()
    assert WorkEntry.objects.count() == 1
    # ticked, the entry is saved
    assert boss.post(url, _form(confirm_overlap="on")).status_code == 302
    assert WorkEntry.objects.count() == 2


def test_the_edit_form_refuses_an_overlap(technician, free_ticket):
    work_entry_create(ticket=free_ticket, technician=technician, channel="phone",
                      started_at=TUESDAY_11, ended_at=TUESDAY_11 + dt.timedelta(minutes=60),
                      by=technician)
    later = work_entry_create(ticket=free_ticket, technician=technician, channel="phone",
                              started_at=TUESDAY_11 + dt.timedelta(hours=2),
                              ended_at=TUESDAY_11 + dt.timedelta(hours=3), by=technician)
    response = _client(technician).post(reverse("worklog:entry_edit", args=[later.pk]),
                                        _form(start=TUESDAY_11 + dt.timedelta(minutes=30)))
    assert response.status_code == 200
    later.refresh_from_db()
    assert later.started_at == TUESDAY_11 + dt.timedelta(hours=2)


def test_the_running_timer_is_in_the_header_of_every_staff_page(technician, basic_ticket,
                                                                free_ticket):
    client = _client(technician)
    queue = reverse("desk:queue")
    assert 'id="running-timer"' not in client.get(queue).content.decode()
    timer_start(ticket=basic_ticket, technician=technician, channel="phone")
    link = f'href="{reverse("desk:ticket", args=[basic_ticket.pk])}"'
    for url in (queue, reverse("worklog:visit_list"),
                reverse("worklog:ticket_work", args=[free_ticket.pk])):
        page = client.get(url).content.decode()
        assert 'id="running-timer"' in page, url
        assert link in page and basic_ticket.reference in page, url


def test_a_second_timer_is_refused_with_a_link_to_the_running_one(technician, basic_ticket,
                                                                  free_ticket):
    client = _client(technician)
    timer_start(ticket=basic_ticket, technician=technician, channel="phone")
    response = client.post(reverse("worklog:timer_start", args=[free_ticket.pk]),
                           {"channel": "phone"}, follow=True)
    page = response.content.decode()
    link = f'href="{reverse("desk:ticket", args=[basic_ticket.pk])}#timer-box"'
    assert link in page  # the message links to the running timer (rendered as HTML)
    assert not free_ticket.timers.exists()


def test_customers_see_no_timer_in_the_header(customer_b, free_ticket, technician):
    timer_start(ticket=free_ticket, technician=technician, channel="phone")
    page = _client(customer_b).get(reverse("portal:home")).content.decode()
    assert 'id="running-timer"' not in page


def test_the_live_preview_says_an_entry_in_the_future_cannot_be_saved(technician, free_ticket):
    data = _form(start=timezone.now() + dt.timedelta(days=18))
    response = _client(technician).get(
        reverse("worklog:entry_preview", args=[free_ticket.pk]),
        {k: data[k] for k in ("started_at", "ended_at", "channel", "kind", "flat_fee")})
    assert response.status_code == 400
    assert response.json()["errors"]["__all__"]
