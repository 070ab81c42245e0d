"""Year 1 and 9999 in every worklog service that takes a date or a moment from its caller:
the range refusal (``ApplicationError`` with code ``date_range`` and the range message)
before anything is written, so no row of any worklog table, history or request event
appears or changes (docs/security.md #43). The forms' checks are in test_date_range.py;
these call the services directly, as a script, the API or a future door would."""

import datetime as dt
from decimal import Decimal

import pytest

from supportdesk.common.dates import out_of_range_message
from supportdesk.common.exceptions import ApplicationError
from supportdesk.tickets.models import Ticket, TicketEvent
from supportdesk.worklog.models import Expense, RemoteSession, Timer, Visit, WorkEntry
from supportdesk.worklog.services.emergencies import emergency_intake
from supportdesk.worklog.services.entries import expense_create
from supportdesk.worklog.services.remote import remote_session_record
from supportdesk.worklog.services.timers import timer_start, timer_stop
from supportdesk.worklog.services.visits import (
    visit_complete,
    visit_reschedule,
    visit_schedule,
)

from .conftest import ATHENS
from .factories import TimerFactory, VisitFactory

pytestmark = pytest.mark.django_db

YEARS = [1, 9999]


def _moment(year: int) -> dt.datetime:
    return dt.datetime(year, 6 if year == 1 else 12, 1 if year == 1 else 30, 10, tzinfo=ATHENS)


def _counts() -> dict[str, int]:
    return {
        "entries": WorkEntry.objects.count(), "entry history": WorkEntry.history.count(),
        "expenses": Expense.objects.count(), "expense history": Expense.history.count(),
        "visits": Visit.objects.count(), "visit history": Visit.history.count(),
        "timers": Timer.objects.count(), "remote sessions": RemoteSession.objects.count(),
        "request events": TicketEvent.objects.count(),
    }


def _refused(call) -> None:
    """``call()`` is refused for its date range and leaves every count as it was."""
    before = _counts()
    with pytest.raises(ApplicationError) as err:
        call()
    assert err.value.code == "date_range"
    assert str(err.value.message) == str(out_of_range_message())
    assert _counts() == before


@pytest.fixture
def scheduled(free_ticket, technician):
    return VisitFactory(ticket=free_ticket, technician=technician)


# --- visits ----------------------------------------------------------------------------

@pytest.mark.parametrize("year", YEARS)
def test_visit_schedule_refuses_year_1_or_9999(free_ticket, technician, year):
    start = _moment(year)
    _refused(lambda: visit_schedule(ticket=free_ticket, technician=technician,
                                    location=Visit.Location.ONSITE, starts_at=start,
                                    ends_at=start + dt.timedelta(hours=1), by=technician))
    assert not Visit.objects.exists()


@pytest.mark.parametrize("year", YEARS)
def test_visit_reschedule_refuses_year_1_or_9999(scheduled, technician, year):
    start = _moment(year)
    was = (scheduled.starts_at, scheduled.ends_at)
    _refused(lambda: visit_reschedule(visit=scheduled, starts_at=start,
                                      ends_at=start + dt.timedelta(hours=1), by=technician))
    scheduled.refresh_from_db()
    assert (scheduled.starts_at, scheduled.ends_at) == was


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("record_work", [True, False])
def test_visit_complete_refuses_year_1_or_9999(scheduled, technician, year, record_work):
    start = _moment(year)
    _refused(lambda: visit_complete(visit=scheduled, by=technician, started_at=start,
                                    ended_at=start + dt.timedelta(hours=1),
                                    record_work=record_work))
    scheduled.refresh_from_db()
    assert scheduled.status == Visit.Status.SCHEDULED


@pytest.mark.parametrize("year", YEARS)
def test_visit_complete_refuses_a_visit_whose_own_times_are_out_of_range(free_ticket,
                                                                         technician, year):
    # a row that got in another way (the admin, an old import): its times are the default
    start = _moment(year)
    visit = VisitFactory(ticket=free_ticket, technician=technician, starts_at=start,
                         ends_at=start + dt.timedelta(hours=1))
    _refused(lambda: visit_complete(visit=visit, by=technician))
    visit.refresh_from_db()
    assert visit.status == Visit.Status.SCHEDULED


# --- timers ----------------------------------------------------------------------------

@pytest.mark.parametrize("year", YEARS)
def test_timer_start_refuses_a_moment_in_year_1_or_9999(free_ticket, technician, year):
    _refused(lambda: timer_start(ticket=free_ticket, technician=technician, channel="phone",
                                 now=_moment(year)))
    assert not Timer.objects.exists()


@pytest.mark.parametrize("year", YEARS)
def test_timer_stop_refuses_a_moment_in_year_1_or_9999_and_keeps_the_timer(
        free_ticket, technician, year):
    timer = TimerFactory(ticket=free_ticket, technician=technician)
    _refused(lambda: timer_stop(ticket=free_ticket, technician=technician, now=_moment(year)))
    assert Timer.objects.filter(pk=timer.pk).exists()  # still running
    assert not WorkEntry.objects.exists()


# --- expenses --------------------------------------------------------------------------

@pytest.mark.parametrize("day", [dt.date(1, 1, 1), dt.date(9999, 12, 31)])
@pytest.mark.parametrize(("kind", "amount"), [(Expense.Kind.TRAVEL, Decimal("12.00")),
                                              (Expense.Kind.OUT_OF_BASE, None)])
def test_expense_create_refuses_incurred_on_in_year_1_or_9999(free_ticket, technician, day,
                                                               kind, amount):
    # ``None``: the tariff's default amount would be looked up for that day; it is not
    _refused(lambda: expense_create(ticket=free_ticket, kind=kind, amount=amount,
                                    incurred_on=day, description="Διόδια", by=technician))
    assert not Expense.objects.exists()


def test_expense_create_in_range_still_works(free_ticket, technician):
    expense = expense_create(ticket=free_ticket, kind=Expense.Kind.TRAVEL,
                             amount=Decimal("12.00"), incurred_on=dt.date(2026, 11, 24),
                             by=technician)
    assert expense.incurred_on == dt.date(2026, 11, 24)


# --- remote sessions (the entry service's check, reached before the session is saved) --

@pytest.mark.parametrize("year", YEARS)
def test_remote_session_refuses_year_1_or_9999(free_ticket, technician, year):
    start = _moment(year)
    _refused(lambda: remote_session_record(
        ticket=free_ticket, technician=technician, tool="AnyDesk", session_id="123 456 789",
        started_at=start, ended_at=start + dt.timedelta(hours=1), has_customer_consent=True,
        consent_given_by="Μαρία", by=technician))
    assert not RemoteSession.objects.exists()


# --- emergencies ------------------------------------------------------------------------

@pytest.mark.parametrize("year", YEARS)
def test_emergency_intake_with_year_1_or_9999_writes_nothing(org_a, config, technician, year):
    before = _counts()
    with pytest.raises(ApplicationError) as exc:
        emergency_intake(customer=org_a, subject="Δεν ανοίγει", body="Βλάβη",
                         received_at=_moment(year), by=technician)
    assert exc.value.code == "date_range"
    assert _counts() == before
    assert not Ticket.objects.exists()
