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
from supportdesk.worklog.models import WorkEntry
from supportdesk.worklog.services.entries import (
    FUTURE_TOLERANCE,
    work_entry_create,
    work_entry_update,
)

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
