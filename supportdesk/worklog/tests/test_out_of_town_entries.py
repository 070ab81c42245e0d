"""§9 from the engine: an on-site entry at a customer out of town books its costs once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from supportdesk.billing.models import Statement, StatementLine
from supportdesk.billing.services import billing_run
from supportdesk.tickets.tests.factories import TicketFactory
from supportdesk.worklog.models import Expense
from supportdesk.worklog.services.entries import (
    work_entry_create,
    work_entry_delete,
    work_entry_preview,
    work_entry_update,
)

from .conftest import ATHENS

pytestmark = pytest.mark.django_db

THURSDAY_10 = dt.datetime(2026, 11, 26, 10, 0, tzinfo=ATHENS)
TWO_HOURS = {"started_at": THURSDAY_10, "ended_at": THURSDAY_10 + dt.timedelta(hours=2)}
# the shipped tariff: 0,40 €/km, 2 × 120 km = 96,00 €; out-of-base fee 30,00 €
FEE_AND_TRAVEL = {"out_of_base": Decimal("30.00"), "travel": Decimal("96.00")}


@pytest.fixture
def far_ticket(config, org_b):
    org_b.is_out_of_town = True
    org_b.distance_km = 120
    org_b.save()
    return TicketFactory(customer=org_b, tier="free", status="open", subject="Ταμείο")


def _costs(**filters) -> dict:
    return dict(Expense.objects.filter(**filters).values_list("kind", "amount"))


def _onsite(ticket, technician, **kw):
    return work_entry_create(ticket=ticket, technician=technician, channel="onsite",
                             by=technician, **{**TWO_HOURS, **kw})


def test_out_of_town_onsite_entry_shows_and_records_fee_and_round_trip(far_ticket,
                                                                        technician):
    preview = work_entry_preview(ticket=far_ticket, channel="onsite", **TWO_HOURS)
    assert {c.kind: c.amount for c in preview.out_of_town} == FEE_AND_TRAVEL
    travel = next(c for c in preview.out_of_town if c.kind == "travel")
    assert travel.round_trip_km == Decimal("240")
    assert preview.out_of_town_amount == Decimal("126.00")
    entry = _onsite(far_ticket, technician)
    assert entry.net_amount == Decimal("100.00")  # the work itself: Free, 2 h at 50 €/h
    assert _costs(work_entry=entry, ticket=far_ticket) == FEE_AND_TRAVEL
    assert [c["kind"] for c in entry.pricing["out_of_town"]] == ["out_of_base", "travel"]


def test_travel_and_lodging_at_cost_when_given(far_ticket, technician):
    entry = _onsite(far_ticket, technician, travel="80.00", lodging="55.00")
    assert _costs(work_entry=entry) == {"out_of_base": Decimal("30.00"),
                                        "travel": Decimal("80.00"),
                                        "lodging": Decimal("55.00")}


def test_in_town_onsite_entry_has_none(free_ticket, technician):
    preview = work_entry_preview(ticket=free_ticket, channel="onsite", **TWO_HOURS)
    assert preview.out_of_town == () and preview.out_of_town_amount == Decimal("0.00")
    entry = _onsite(free_ticket, technician)
    assert Expense.objects.count() == 0
    assert "out_of_town" not in entry.pricing


def test_remote_entry_at_an_out_of_town_customer_has_none(far_ticket, technician):
    assert work_entry_preview(ticket=far_ticket, channel="remote", **TWO_HOURS).out_of_town == ()
    work_entry_create(ticket=far_ticket, technician=technician, channel="remote",
                      by=technician, **TWO_HOURS)
    assert Expense.objects.count() == 0


def test_an_edit_replaces_the_costs_and_a_delete_removes_them(far_ticket, technician):
    entry = _onsite(far_ticket, technician, lodging="55.00")
    work_entry_update(entry=entry, by=technician,
                      ended_at=THURSDAY_10 + dt.timedelta(hours=3))
    work_entry_update(entry=entry, by=technician, description="Νέο ταμείο")
    # never doubled; the lodging given at cost is kept
    assert _costs() == {**FEE_AND_TRAVEL, "lodging": Decimal("55.00")}
    assert Expense.objects.count() == 3
    # turned into remote work: no §9 costs any more
    work_entry_update(entry=entry, by=technician, channel="remote")
    assert Expense.objects.count() == 0
    work_entry_update(entry=entry, by=technician, channel="onsite")
    assert _costs() == FEE_AND_TRAVEL
    work_entry_delete(entry=entry, by=technician)
    assert Expense.objects.count() == 0


def test_the_billing_run_bills_them_once(far_ticket, technician, manager):
    entry = _onsite(far_ticket, technician)
    work_entry_update(entry=entry, by=technician, description="Εγκατάσταση ταμείου")
    period = {"period_start": dt.date(2026, 11, 1), "period_end": dt.date(2026, 11, 30)}
    billing_run(**period, by=manager, now=dt.datetime(2026, 12, 1, 9, tzinfo=ATHENS))
    again = billing_run(**period, by=manager, now=dt.datetime(2026, 12, 1, 10, tzinfo=ATHENS))
    assert again.statements_issued == 0
    statement = Statement.objects.get()
    expenses = statement.lines.filter(kind=StatementLine.Kind.EXPENSE)
    assert sorted((x.data["expense_kind"], x.net_amount) for x in expenses) == [
        ("out_of_base", Decimal("30.00")), ("travel", Decimal("96.00"))]
    assert statement.net_total == Decimal("226.00")  # 100,00 work + 30,00 + 96,00
    assert Expense.objects.filter(locked_at__isnull=True).count() == 0


def test_the_preview_json_carries_them(far_ticket, technician):
    client = Client()
    client.force_login(technician)
    response = client.get(reverse("worklog:entry_preview", args=[far_ticket.pk]), {
        "channel": "onsite", "kind": "support",
        "started_at": "26/11/2026 10:00", "ended_at": "26/11/2026 12:00"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert {c["kind"]: Decimal(c["amount"]) for c in data["out_of_town"]} == FEE_AND_TRAVEL
    assert data["out_of_town_amount"] == "126.00"


def test_the_work_panel_shows_them(far_ticket, technician):
    _onsite(far_ticket, technician)
    client = Client()
    client.force_login(technician)
    page = client.get(reverse("worklog:ticket_work", args=[far_ticket.pk]),
                      HTTP_ACCEPT_LANGUAGE="el").content.decode()
    assert "Μετακίνηση (§9), 240 χλμ. μετ" in page and "96,00" in page
    assert "Αμοιβή εκτός έδρας (§9): 30,00" in page


def test_the_entry_form_takes_travel_and_lodging_at_cost(far_ticket, technician):
    client = Client()
    client.force_login(technician)
    form = {"channel": "onsite", "kind": "support", "started_at": "26/11/2026 10:00",
            "ended_at": "26/11/2026 12:00", "travel": "80,00", "lodging": "55,00"}
    preview = client.get(reverse("worklog:entry_preview", args=[far_ticket.pk]), form).json()
    assert preview["out_of_town_amount"] == "165.00"
    response = client.post(reverse("worklog:entry_create", args=[far_ticket.pk]),
                           {**form, "description": "Ταμείο"})
    assert response.status_code == 302, response.content
    assert _costs() == {"out_of_base": Decimal("30.00"), "travel": Decimal("80.00"),
                        "lodging": Decimal("55.00")}
    entry = far_ticket.work_entries.get()
    page = client.get(reverse("worklog:entry_edit", args=[entry.pk])).content.decode()
    assert 'value="80,00"' in page and 'value="55,00"' in page
    work_entry_update(entry=entry, by=technician, travel="70.00")
    assert _costs()["travel"] == Decimal("70.00") and Expense.objects.count() == 3


def test_a_second_entry_of_the_same_visit_adds_no_fee(far_ticket, technician):
    _onsite(far_ticket, technician)
    afternoon = {"started_at": THURSDAY_10 + dt.timedelta(hours=4),
                 "ended_at": THURSDAY_10 + dt.timedelta(hours=5)}
    assert work_entry_preview(ticket=far_ticket, channel="onsite", **afternoon).out_of_town == ()
    second = work_entry_create(ticket=far_ticket, technician=technician, channel="onsite",
                               by=technician, **afternoon)
    work_entry_update(entry=second, by=technician, description="Απόγευμα")
    assert _costs() == FEE_AND_TRAVEL and Expense.objects.count() == 2
    # the next day is another visit
    next_day = {k: v + dt.timedelta(days=1) for k, v in TWO_HOURS.items()}
    _onsite(far_ticket, technician, **next_day)
    assert Expense.objects.count() == 4
