"""Issue 14: the working calendar's year view for managers (billing:calendar): twelve months
as the rules see them (Greek holidays, the stored closures, closed and opened dates), and
closures and special days added and removed there through the contracts services."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from supportdesk.common.exceptions import ApplicationError
from supportdesk.contracts import selectors, services
from supportdesk.contracts.models import CalendarDay, Closure

URL = reverse("billing:calendar")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _cell(page: str, day: dt.date) -> str:
    """The class of ``day``'s cell on the year page."""
    found = re.search(r'<td class="day-(\w+)"><span title="' + day.strftime("%d/%m/%Y"), page)
    assert found, day
    return found.group(1)


@pytest.mark.django_db
def test_the_year_shows_holidays_closures_weekends_and_working_days(config, manager):
    page = _client(manager).get(URL, {"year": 2026}).content.decode()
    # twelve months
    assert page.count('<section class="month"') == 12
    # Greek holidays from the calendar's rule, named in Greek
    assert _cell(page, dt.date(2026, 3, 25)) == "holiday"
    assert _cell(page, dt.date(2026, 4, 13)) == "holiday"  # Orthodox Easter Monday 2026
    assert "Δευτέρα του Πάσχα" in page or "Πάσχα" in page
    # the seeded summer closure, a weekend, a working day
    assert _cell(page, dt.date(2026, 8, 10)) == "closure"
    assert "Θερινή διακοπή" in page
    assert _cell(page, dt.date(2026, 1, 3)) == "rest"
    assert _cell(page, dt.date(2026, 1, 5)) == "work"


@pytest.mark.django_db
def test_a_manager_adds_and_removes_a_closure_and_the_rules_follow(config, manager):
    client = _client(manager)
    # when a closure is added from the page
    response = client.post(URL, {"form": "closure", "year": "2027",
                                 "closure-starts_on": "2027-12-27",
                                 "closure-ends_on": "2027-12-31",
                                 "closure-reason": "Απογραφή"}, follow=True)
    page = response.content.decode()
    closure = Closure.objects.get(reason="Απογραφή")
    # then the year shows it and the scheduling calendar has it (the cache was bumped)
    assert _cell(page, dt.date(2027, 12, 28)) == "closure"
    assert not selectors.calendar_get_default().is_working_day(dt.date(2027, 12, 28))
    # and an overlapping one is refused, shown again with what was typed
    refused = client.post(URL, {"form": "closure", "year": "2027",
                                "closure-starts_on": "2027-12-30",
                                "closure-ends_on": "2028-01-04",
                                "closure-reason": "Δεύτερη"})
    assert refused.status_code == 400
    assert "επικαλύπτει" in refused.content.decode()
    assert 'value="Δεύτερη"' in refused.content.decode()
    assert Closure.objects.filter(reason="Δεύτερη").count() == 0
    # when it is removed, the days work again
    client.post(reverse("billing:calendar_closure_remove", args=[closure.pk]))
    assert not Closure.objects.filter(pk=closure.pk).exists()
    assert selectors.calendar_get_default().is_working_day(dt.date(2027, 12, 28))


@pytest.mark.django_db
def test_a_manager_opens_a_holiday_and_closes_a_working_day(config, manager):
    client = _client(manager)
    client.post(URL, {"form": "day", "year": "2026", "day-day": "2026-10-28",
                      "day-is_working": "open", "day-opens_at": "10:00",
                      "day-closes_at": "14:00", "day-reason": "Έκτακτη εργασία"})
    client.post(URL, {"form": "day", "year": "2026", "day-day": "2026-11-02",
                      "day-is_working": "closed", "day-reason": "Μετακίνηση αργίας"})
    page = client.get(URL, {"year": 2026}).content.decode()
    assert _cell(page, dt.date(2026, 10, 28)) == "open"
    assert _cell(page, dt.date(2026, 11, 2)) == "closed"
    cal = selectors.calendar_get_default()
    assert cal.day_hours(dt.date(2026, 10, 28)) == ((dt.time(10), dt.time(14)),)
    assert not cal.is_working_day(dt.date(2026, 11, 2))
    day = CalendarDay.objects.get(date=dt.date(2026, 11, 2))
    client.post(reverse("billing:calendar_day_remove", args=[day.pk]))
    assert selectors.calendar_get_default().is_working_day(dt.date(2026, 11, 2))


@pytest.mark.django_db
@pytest.mark.parametrize("data", [
    {"day-day": "2026-11-03", "day-is_working": "open", "day-reason": "x"},  # no hours
    {"day-day": "2026-11-03", "day-is_working": "open", "day-opens_at": "14:00",
     "day-closes_at": "10:00", "day-reason": "x"},
    {"day-day": "2026-11-03", "day-is_working": "closed", "day-reason": "   "},
    {"day-day": "1999-12-31", "day-is_working": "closed", "day-reason": "x"},
    {"day-day": "2026-02-30", "day-is_working": "closed", "day-reason": "x"},
])
def test_a_bad_special_day_is_refused_and_nothing_is_saved(config, manager, data):
    response = _client(manager).post(URL, {"form": "day", "year": "2026", **data})
    assert response.status_code == 400
    assert CalendarDay.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(("first", "last"), [
    ("2026-12-10", "2026-12-01"), ("2026-01-01", "2027-06-01"), ("1990-01-01", "1990-01-02")])
def test_a_bad_closure_is_refused(config, manager, first, last):
    before = Closure.objects.count()
    response = _client(manager).post(URL, {"form": "closure", "closure-starts_on": first,
                                           "closure-ends_on": last, "closure-reason": "x"})
    assert response.status_code == 400
    assert Closure.objects.count() == before


@pytest.mark.django_db
def test_only_managers_see_or_change_the_calendar(config, technician, manager):
    assert _client(technician).get(URL).status_code in (302, 403)
    before = Closure.objects.count()
    _client(technician).post(URL, {"form": "closure", "closure-starts_on": "2026-12-28",
                                   "closure-ends_on": "2026-12-29", "closure-reason": "x"})
    assert Closure.objects.count() == before
    cal = selectors.calendar_default_row()
    with pytest.raises(ApplicationError):
        services.calendar_closure_add(calendar=cal, starts_on=dt.date(2026, 12, 28),
                                      ends_on=dt.date(2026, 12, 29), reason="x", by=technician)
    # a year out of range falls back to this year rather than failing
    assert _client(manager).get(URL, {"year": "99999"}).status_code == 200
