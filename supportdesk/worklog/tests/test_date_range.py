"""Year 1 or 9999 in the work forms and services: a clear message, never a 500, nothing
written (docs/security.md #43)."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from supportdesk.common.dates import out_of_range_message
from supportdesk.common.exceptions import ApplicationError
from supportdesk.worklog.models import Visit, WorkEntry
from supportdesk.worklog.services.entries import work_entry_create, work_entry_preview

from .conftest import ATHENS

pytestmark = pytest.mark.django_db

EDGES = [("0001-01-01T10:00", "0001-01-01T11:00"), ("9999-12-31T10:00", "9999-12-31T11:00")]


@pytest.fixture
def staff_client(technician):
    client = Client()
    client.force_login(technician)
    return client


def _fields(start, end):
    return {"started_at": start, "ended_at": end, "channel": "phone", "kind": "support"}


@pytest.mark.parametrize("start,end", EDGES)
def test_entry_preview_with_year_1_or_9999_is_a_message(staff_client, free_ticket, start, end):
    response = staff_client.get(reverse("worklog:entry_preview", args=[free_ticket.pk]),
                                _fields(start, end))
    assert response.status_code == 400
    assert response.json()["errors"]["started_at"] == [str(out_of_range_message())]


@pytest.mark.parametrize("start,end", EDGES)
def test_entry_create_with_year_1_or_9999_is_a_message(staff_client, free_ticket, start, end):
    response = staff_client.post(reverse("worklog:entry_create", args=[free_ticket.pk]),
                                 _fields(start, end), follow=True)
    assert response.status_code in (200, 400)
    assert str(out_of_range_message()) in response.content.decode()
    assert not WorkEntry.objects.exists()


@pytest.mark.parametrize("year", [1, 9999])
def test_entry_services_refuse_year_1_or_9999_before_writing(free_ticket, technician, year):
    start = dt.datetime(year, 6, 1, 10, tzinfo=ATHENS)
    for call in (lambda: work_entry_preview(ticket=free_ticket, channel="phone",
                                            started_at=start,
                                            ended_at=start + dt.timedelta(hours=1)),
                 lambda: work_entry_create(ticket=free_ticket, technician=technician,
                                           channel="phone", started_at=start,
                                           ended_at=start + dt.timedelta(hours=1),
                                           by=technician)):
        with pytest.raises(ApplicationError) as err:
            call()
        assert err.value.code == "date_range"
    assert not WorkEntry.objects.exists()


@pytest.mark.parametrize("start,end", EDGES)
def test_visit_create_with_year_1_or_9999_is_a_message(staff_client, free_ticket, technician,
                                                       start, end):
    response = staff_client.post(reverse("worklog:visit_create", args=[free_ticket.pk]), {
        "technician": technician.pk, "location": Visit.Location.ONSITE,
        "starts_at": start, "ends_at": end, "notes": ""}, follow=True)
    assert response.status_code in (200, 400)
    assert str(out_of_range_message()) in response.content.decode()
    assert not Visit.objects.exists()
