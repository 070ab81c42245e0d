"""Visits (§1, §9) and the per-technician iCalendar feed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from supportdesk.accounts.tests.factories import TechnicianFactory
from supportdesk.common.exceptions import ApplicationError
from supportdesk.tickets.tests.factories import TicketFactory
from supportdesk.worklog.models import Expense, Visit, WorkEntry
from supportdesk.worklog.services.visits import (
    VISIT_EXPENSES_ONLY_OUT_OF_TOWN,
    VISIT_NOT_SCHEDULED,
    VISIT_TECHNICIAN_NOT_STAFF,
    calendar_feed_regenerate,
    calendar_feed_revoke,
    visit_cancel,
    visit_complete,
    visit_out_of_town_defaults,
    visit_reschedule,
    visit_schedule,
)

from .conftest import ATHENS

pytestmark = pytest.mark.django_db

THURSDAY_10 = dt.datetime(2026, 11, 26, 10, 0, tzinfo=ATHENS)


@pytest.fixture
def out_of_town_ticket(config, org_b):
    org_b.is_out_of_town = True
    org_b.distance_km = 120
    org_b.save()
    return TicketFactory(customer=org_b, tier="free", status="open", subject="Εγκατάσταση")


def _schedule(ticket, technician, start=THURSDAY_10, hours=2, location="onsite", **kw):
    return visit_schedule(ticket=ticket, technician=technician, location=location,
                          starts_at=start, ends_at=start + dt.timedelta(hours=hours),
                          by=kw.pop("by", technician), **kw)


def test_out_of_town_is_taken_from_the_customer(out_of_town_ticket, free_ticket, technician):
    assert _schedule(out_of_town_ticket, technician).is_out_of_town is True
    at_office = _schedule(out_of_town_ticket, technician, start=THURSDAY_10 + dt.timedelta(days=1),
                          location="office")
    assert at_office.is_out_of_town is False  # at our offices: no travel (§9)


def test_overlapping_visits_of_one_technician_are_refused(free_ticket, technician):
    _schedule(free_ticket, technician)
    with pytest.raises(ApplicationError) as exc:
        _schedule(free_ticket, technician, start=THURSDAY_10 + dt.timedelta(hours=1))
    assert exc.value.code == "visit_overlap"
    assert Visit.objects.count() == 1
    # back to back is fine, and another technician may go at the same time
    _schedule(free_ticket, technician, start=THURSDAY_10 + dt.timedelta(hours=2))
    _schedule(free_ticket, TechnicianFactory())
    assert Visit.objects.count() == 3


def test_visits_go_to_staff_only(free_ticket, technician, customer_b):
    with pytest.raises(ApplicationError) as exc:
        _schedule(free_ticket, customer_b, by=technician)
    assert exc.value.message == VISIT_TECHNICIAN_NOT_STAFF


def test_completing_an_out_of_town_visit_books_work_and_costs_once(out_of_town_ticket,
                                                                   technician):
    visit = _schedule(out_of_town_ticket, technician)
    defaults = visit_out_of_town_defaults(visit=visit)
    # tariff: 0,40 €/km, round trip of 2 × 120 km; out-of-base fee 30,00 €
    assert defaults.travel == Decimal("96.00")
    assert defaults.out_of_base_fee == Decimal("30.00")
    visit_complete(visit=visit, by=technician, travel=defaults.travel,
                   out_of_base_fee=defaults.out_of_base_fee, lodging=Decimal("55.00"))
    visit.refresh_from_db()
    assert visit.status == Visit.Status.DONE
    entry = WorkEntry.objects.get(ticket=out_of_town_ticket)
    assert (entry.channel, entry.duration_minutes) == ("onsite", 120)
    assert entry.net_amount == Decimal("100.00")  # Free: 2 h at 50 €/h
    costs = dict(Expense.objects.filter(visit=visit).values_list("kind", "amount"))
    assert costs == {"travel": Decimal("96.00"), "out_of_base": Decimal("30.00"),
                     "lodging": Decimal("55.00")}
    # a second "done" is refused: nothing booked twice
    with pytest.raises(ApplicationError) as exc:
        visit_complete(visit=visit, by=technician, travel=Decimal("96.00"))
    assert exc.value.message == VISIT_NOT_SCHEDULED
    assert Expense.objects.count() == 3
    assert WorkEntry.objects.count() == 1


def test_in_town_visit_takes_no_travel(free_ticket, technician):
    visit = _schedule(free_ticket, technician)
    with pytest.raises(ApplicationError) as exc:
        visit_complete(visit=visit, by=technician, travel=Decimal("10.00"))
    assert exc.value.message == VISIT_EXPENSES_ONLY_OUT_OF_TOWN
    visit.refresh_from_db()
    assert visit.status == Visit.Status.SCHEDULED
    assert not WorkEntry.objects.exists()


def test_negative_costs_are_refused(out_of_town_ticket, technician):
    visit = _schedule(out_of_town_ticket, technician)
    with pytest.raises(ApplicationError):
        visit_complete(visit=visit, by=technician, lodging=Decimal("-1"))
    assert not Expense.objects.exists()


def test_reschedule_and_cancel(free_ticket, technician):
    visit = _schedule(free_ticket, technician)
    other = TechnicianFactory()
    moved = visit_reschedule(visit=visit, starts_at=THURSDAY_10 + dt.timedelta(days=1),
                             ends_at=THURSDAY_10 + dt.timedelta(days=1, hours=1),
                             technician=other, by=technician)
    assert moved.technician == other
    visit_cancel(visit=visit, by=technician)
    with pytest.raises(ApplicationError):
        visit_cancel(visit=visit, by=technician)


def test_complete_page_prompts_for_out_of_town_costs(out_of_town_ticket, technician):
    visit = _schedule(out_of_town_ticket, technician)
    client = Client()
    client.force_login(technician)
    page = client.get(reverse("worklog:visit_complete", args=[visit.pk])).content.decode()
    assert 'id="out-of-town-prompt"' in page
    assert 'name="travel"' in page and 'value="96,00"' in page
    response = client.post(reverse("worklog:visit_complete", args=[visit.pk]), {
        "started_at": "2026-11-26T10:00", "ended_at": "2026-11-26T12:30", "record_work": "on",
        "kind": "support", "description": "", "travel": "96,00", "out_of_base_fee": "30,00",
        "lodging": "",
    })
    assert response.status_code == 302
    assert WorkEntry.objects.get().duration_minutes == 150
    assert Expense.objects.count() == 2


# --- iCalendar feed -----------------------------------------------------------------------

def test_feed_lists_only_that_technicians_visits_without_a_session(free_ticket, technician):
    # given visits of two technicians and a feed token for the first
    mine = _schedule(free_ticket, technician, notes="Φέρτε καλώδιο")
    _schedule(free_ticket, TechnicianFactory())
    token = calendar_feed_regenerate(technician=technician, by=technician)
    # when a phone fetches the feed, with no session
    response = Client().get(reverse("worklog:calendar_ics", args=[token]))
    # then it is iCalendar with that technician's visit only
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    events = list(cal.walk("VEVENT"))
    assert [str(e["uid"]) for e in events] == [f"visit-{mine.pk}@supportdesk"]
    assert events[0].decoded("dtstart") == THURSDAY_10
    description = str(events[0]["description"])
    assert "Φέρτε καλώδιο" in description
    # the request body is not part of what the technician needs on the road
    assert free_ticket.body not in description


def test_regenerating_or_revoking_kills_the_old_link(free_ticket, technician):
    old = calendar_feed_regenerate(technician=technician, by=technician)
    new = calendar_feed_regenerate(technician=technician, by=technician)
    client = Client()
    assert client.get(reverse("worklog:calendar_ics", args=[old])).status_code == 404
    assert client.get(reverse("worklog:calendar_ics", args=[new])).status_code == 200
    calendar_feed_revoke(technician=technician, by=technician)
    assert client.get(reverse("worklog:calendar_ics", args=[new])).status_code == 404


def test_feed_of_a_deactivated_technician_stops(technician):
    token = calendar_feed_regenerate(technician=technician, by=technician)
    technician.is_active = False
    technician.save()
    assert Client().get(reverse("worklog:calendar_ics", args=[token])).status_code == 404


def test_a_technician_cannot_make_a_link_for_someone_else(technician):
    with pytest.raises(ApplicationError):
        calendar_feed_regenerate(technician=TechnicianFactory(), by=technician)


def test_feed_page_shows_the_link_once(technician):
    client = Client()
    client.force_login(technician)
    response = client.post(reverse("worklog:calendar_feed"), {"action": "regenerate"})
    assert b'id="feed-url"' in response.content
    assert response["Cache-Control"] == "no-store"
    assert b'id="feed-url"' not in client.get(reverse("worklog:calendar_feed")).content
