"""Work is what was worked (issue 9; docs/rules.md "Time is what was worked"): no work ends
in the future, and one technician's entries never overlap unless a manager confirms."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from supportdesk.accounts.tests.factories import TechnicianFactory
from supportdesk.common.choices import Tier
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.tests.helpers import in_threads
from supportdesk.contracts.services import calendar_seed_default, tariff_seed_default
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.tickets.models import TicketEvent
from supportdesk.tickets.tests.factories import TicketFactory
from supportdesk.worklog.models import Timer, Visit, WorkEntry
from supportdesk.worklog.selectors import timer_running_get
from supportdesk.worklog.services.entries import (
    FUTURE_TOLERANCE,
    work_entry_create,
    work_entry_update,
)
from supportdesk.worklog.services.timers import timer_start, timer_stop
from supportdesk.worklog.services.visits import visit_complete, visit_schedule

from .conftest import TUESDAY_11

pytestmark = pytest.mark.django_db


def _create(ticket, technician, start, minutes, *, by=None, **kwargs):
    return work_entry_create(ticket=ticket, technician=technician, channel="phone",
                             started_at=start, ended_at=start + dt.timedelta(minutes=minutes),
                             by=by or technician, **kwargs)


# --------------------------------------------------------------------------- the future


def test_an_entry_ending_in_the_future_is_refused_and_nothing_is_written(free_ticket,
                                                                         technician):
    # given a manual entry dated 18 days ahead (the 20 December typed on the 2nd)
    start = timezone.now() + dt.timedelta(days=18)
    # when it is saved, then a clear message and nothing written
    with pytest.raises(ApplicationError) as exc:
        _create(free_ticket, technician, start, 90)
    assert exc.value.code == "in_the_future"
    end = timezone.localtime(start + dt.timedelta(minutes=90))
    assert end.strftime("%d/%m/%Y %H:%M") in str(exc.value.message)  # names when it ends
    assert not WorkEntry.objects.exists()
    assert not TicketEvent.objects.filter(kind=TicketEvent.Kind.WORK_LOGGED).exists()


def test_an_entry_running_until_now_is_accepted_within_the_clock_skew(free_ticket, technician):
    assert dt.timedelta(minutes=5) == FUTURE_TOLERANCE
    now = timezone.now()
    # ends 2 minutes ahead (a browser clock slightly fast): accepted
    entry = _create(free_ticket, technician, now - dt.timedelta(minutes=30), 32)
    assert entry.pk
    # ends 10 minutes ahead: refused
    with pytest.raises(ApplicationError) as exc:
        _create(free_ticket, technician, now, 10)
    assert exc.value.code == "in_the_future"


def test_an_edit_into_the_future_is_refused_and_the_entry_is_unchanged(free_ticket,
                                                                       technician):
    entry = _create(free_ticket, technician, TUESDAY_11, 30)
    with pytest.raises(ApplicationError) as exc:
        work_entry_update(entry=entry, by=technician,
                          started_at=timezone.now() + dt.timedelta(days=1),
                          ended_at=timezone.now() + dt.timedelta(days=1, hours=1))
    assert exc.value.code == "in_the_future"
    entry.refresh_from_db()
    assert entry.started_at == TUESDAY_11 and entry.duration_minutes == 30


# --------------------------------------------------------------------------- overlaps


def test_an_identical_entry_of_one_technician_is_refused_naming_the_clash(free_ticket,
                                                                          technician):
    # given 10:00-11:30 recorded (the issue: two identical entries billed 37,50 € each)
    first = _create(free_ticket, technician, TUESDAY_11 - dt.timedelta(hours=1), 90)
    # when the same span is saved again
    with pytest.raises(ApplicationError) as exc:
        _create(free_ticket, technician, TUESDAY_11 - dt.timedelta(hours=1), 90)
    # then it is refused with the clashing entry named: its request and its times
    assert exc.value.code == "overlap"
    text = str(exc.value.message)
    assert free_ticket.reference in text
    assert "24/11/2026 10:00" in text and "24/11/2026 11:30" in text
    assert list(WorkEntry.objects.all()) == [first]


@pytest.mark.parametrize(("offset", "minutes", "clashes"), [
    (-30, 31, True),   # ends one minute into it
    (29, 30, True),    # starts in its last minute
    (10, 5, True),     # inside it
    (-60, 120, True),  # around it
    (-30, 30, False),  # ends when it starts
    (30, 30, False),   # starts when it ends
])
def test_overlap_is_any_shared_moment(free_ticket, technician, offset, minutes, clashes):
    _create(free_ticket, technician, TUESDAY_11, 30)
    start = TUESDAY_11 + dt.timedelta(minutes=offset)
    if clashes:
        with pytest.raises(ApplicationError) as exc:
            _create(free_ticket, technician, start, minutes)
        assert exc.value.code == "overlap"
    else:
        assert _create(free_ticket, technician, start, minutes).pk


def test_overlap_is_per_technician_across_customers(basic_ticket, free_ticket, technician):
    # given the technician's work on one customer's request
    _create(basic_ticket, technician, TUESDAY_11, 60)
    # then another technician may work at the same time
    assert _create(free_ticket, TechnicianFactory(), TUESDAY_11, 60).pk
    # but the same technician cannot be on another customer's request at once
    with pytest.raises(ApplicationError) as exc:
        _create(free_ticket, technician, TUESDAY_11 + dt.timedelta(minutes=30), 60)
    assert exc.value.code == "overlap"
    assert basic_ticket.reference in str(exc.value.message)


def test_a_manager_may_confirm_an_overlap_a_technician_may_not(free_ticket, technician,
                                                               manager):
    first = _create(free_ticket, technician, TUESDAY_11, 60)
    with pytest.raises(ApplicationError):
        _create(free_ticket, technician, TUESDAY_11, 60, confirm_overlap=True)
    second = _create(free_ticket, technician, TUESDAY_11, 60, by=manager, confirm_overlap=True)
    assert WorkEntry.objects.count() == 2
    event = TicketEvent.objects.get(kind=TicketEvent.Kind.WORK_LOGGED, data__entry=second.pk)
    assert (event.actor, event.data["overlap_confirmed_with"]) == (manager, first.pk)


def test_an_edit_into_another_entry_is_refused_unless_a_manager_confirms(free_ticket,
                                                                         technician, manager):
    _create(free_ticket, technician, TUESDAY_11, 60)
    later = _create(free_ticket, technician, TUESDAY_11 + dt.timedelta(hours=2), 30)
    with pytest.raises(ApplicationError) as exc:
        work_entry_update(entry=later, by=technician,
                          started_at=TUESDAY_11 + dt.timedelta(minutes=30))
    assert exc.value.code == "overlap"
    later.refresh_from_db()
    assert later.started_at == TUESDAY_11 + dt.timedelta(hours=2)
    # an edit of its own times (no other entry touched) is fine, and so is re-pricing
    work_entry_update(entry=later, by=technician,
                      ended_at=TUESDAY_11 + dt.timedelta(hours=2, minutes=45))
    work_entry_update(entry=later, by=technician)
    work_entry_update(entry=later, by=manager, confirm_overlap=True,
                      started_at=TUESDAY_11 + dt.timedelta(minutes=30))
    later.refresh_from_db()
    assert later.started_at == TUESDAY_11 + dt.timedelta(minutes=30)


# --------------------------------------------------------------------------- parallel saves


def _parallel_saves_on_two_customers():
    # given one technician and two customers (so the per-customer locks differ)
    tariff_seed_default()
    calendar_seed_default()
    tech = TechnicianFactory()
    tickets = [TicketFactory(customer=CustomerFactory(), tier=Tier.FREE) for _ in range(2)]

    # when the same hour is saved on both requests at the same moment, four times over
    def save(i):
        return _create(tickets[i % 2], tech, TUESDAY_11, 60)

    results = in_threads(4, save)
    # then exactly one is saved; the others were told which entry they clash with
    errors = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(e, ApplicationError) and e.code == "overlap" for e in errors), errors
    assert len(errors) == 3
    assert WorkEntry.objects.filter(technician=tech).count() == 1


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_parallel_overlapping_saves_record_one_on_postgresql():
    # The technician's row is locked (SELECT ... FOR UPDATE) beside the customer's.
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    _parallel_saves_on_two_customers()


@pytest.mark.django_db(transaction=True)
def test_parallel_overlapping_saves_record_one_on_sqlite():
    # SQLite's IMMEDIATE transactions serialise the writers (docs/security.md #26).
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    _parallel_saves_on_two_customers()


# --------------------------------------------------------------------------- timers, visits


def test_a_second_timer_on_another_request_is_refused_naming_the_running_one(
        basic_ticket, free_ticket, technician):
    # given the technician's timer running on one request
    timer_start(ticket=basic_ticket, technician=technician, channel="phone", now=TUESDAY_11)
    # when they start one on another request (another customer's, too)
    with pytest.raises(ApplicationError) as exc:
        timer_start(ticket=free_ticket, technician=technician, channel="phone",
                    now=TUESDAY_11 + dt.timedelta(minutes=5))
    # then it is refused, naming the running one, and its request is given for the link
    assert exc.value.code == "timer_running_elsewhere"
    assert exc.value.extra["ticket_id"] == basic_ticket.pk
    assert basic_ticket.reference in str(exc.value.message)
    assert list(Timer.objects.values_list("ticket_id", flat=True)) == [basic_ticket.pk]
    # and once it is stopped, the other request can be timed
    timer_stop(ticket=basic_ticket, technician=technician,
               now=TUESDAY_11 + dt.timedelta(minutes=20))
    timer_start(ticket=free_ticket, technician=technician, channel="phone",
                now=TUESDAY_11 + dt.timedelta(minutes=21))
    assert timer_running_get(technician=technician).ticket_id == free_ticket.pk


def test_a_timer_stopped_in_the_future_records_nothing_and_keeps_running(free_ticket,
                                                                        technician):
    now = timezone.now()
    timer_start(ticket=free_ticket, technician=technician, channel="phone",
                now=now - dt.timedelta(minutes=30))
    with pytest.raises(ApplicationError) as exc:
        timer_stop(ticket=free_ticket, technician=technician, now=now + dt.timedelta(hours=2))
    assert exc.value.code == "in_the_future"
    assert not WorkEntry.objects.exists()
    assert Timer.objects.filter(ticket=free_ticket).exists()
    # stopped now, it records the real half hour (rounded up to 31 at most)
    entry = timer_stop(ticket=free_ticket, technician=technician)
    assert entry.duration_minutes in (30, 31)


def test_a_timer_stopped_while_its_technician_logged_the_same_time_is_refused(free_ticket,
                                                                              technician):
    _create(free_ticket, technician, TUESDAY_11, 60)
    timer_start(ticket=free_ticket, technician=technician, channel="phone",
                now=TUESDAY_11 + dt.timedelta(minutes=30))
    with pytest.raises(ApplicationError) as exc:
        timer_stop(ticket=free_ticket, technician=technician,
                   now=TUESDAY_11 + dt.timedelta(minutes=50))
    assert exc.value.code == "overlap"
    assert Timer.objects.filter(ticket=free_ticket).exists()


def test_a_visit_scheduled_next_week_cannot_be_completed_today(free_ticket, technician):
    # given a visit scheduled for 6 days ahead (the issue: 8 December "completed" on the 2nd)
    start = timezone.now() + dt.timedelta(days=6)
    visit = visit_schedule(ticket=free_ticket, technician=technician, location="onsite",
                           starts_at=start, ends_at=start + dt.timedelta(hours=2),
                           by=technician)
    # when it is marked done with its scheduled times, then refused and nothing changes
    with pytest.raises(ApplicationError) as exc:
        visit_complete(visit=visit, by=technician)
    assert exc.value.code == "in_the_future"
    visit.refresh_from_db()
    assert visit.status == Visit.Status.SCHEDULED
    assert not WorkEntry.objects.exists()
    # and with actual times in the future too (nothing recorded)
    with pytest.raises(ApplicationError):
        visit_complete(visit=visit, by=technician, record_work=False,
                       started_at=timezone.now() - dt.timedelta(hours=1),
                       ended_at=timezone.now() + dt.timedelta(hours=1))
    # with the actual (past) times it is done
    done = visit_complete(visit=visit, by=technician,
                          started_at=timezone.now() - dt.timedelta(hours=2),
                          ended_at=timezone.now() - dt.timedelta(hours=1))
    assert done.status == Visit.Status.DONE
    assert WorkEntry.objects.count() == 1
