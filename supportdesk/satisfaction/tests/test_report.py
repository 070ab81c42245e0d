"""The managers' report (docs/satisfaction.md "The report") on a small constructed world:
exact counts per tier, channel, SLA outcome, billed time and technician; the SVG is
well-formed XML with its text escaped; the CSV; who may see it."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from supportdesk.accounts.tests.factories import TechnicianFactory
from supportdesk.billing.models import Statement, StatementLine
from supportdesk.common.choices import Channel, Tier
from supportdesk.satisfaction.models import Rating
from supportdesk.satisfaction.selectors import satisfaction_report
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import ticket_create
from supportdesk.worklog.models import WorkEntry
from supportdesk.worklog.services.entries import work_entry_create

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 1, 1), dt.date(2026, 12, 31)


def _statement(org, number, status):
    return Statement.objects.create(
        series="ΣΤ", year=2026, number=number, customer=org, customer_name=org.name,
        customer_tax_number="094014201", status=status,
        issued_at=timezone.now() if number else None)


def _billed(ticket, tech, *, hours_ago, minutes, statement, credited=False):
    start = timezone.now() - dt.timedelta(hours=hours_ago)
    entry = work_entry_create(ticket=ticket, technician=tech, channel=Channel.PHONE,
                              started_at=start, ended_at=start + dt.timedelta(minutes=minutes),
                              by=tech)
    WorkEntry.objects.filter(pk=entry.pk).update(billed_minutes=minutes)
    if statement is not None:
        StatementLine.objects.create(
            statement=statement, kind=StatementLine.Kind.WORK, ticket=ticket, work_entry=entry,
            description=ticket.subject, minutes=minutes, net_amount=Decimal("37.50"),
            vat_rate=Decimal("0.24"), credited_at=timezone.now() if credited else None)
    return entry


@pytest.fixture
def world(config, basic_contract, org_a, customer_a, manager):
    tech1 = TechnicianFactory(first_name="Γιώργος", last_name="<script>&Νίκου")
    tech2 = TechnicianFactory(first_name="Ελένη", last_name="Κ.")
    received = timezone.now() - dt.timedelta(days=20)
    issued = _statement(org_a, 1, Statement.Status.ISSUED)
    paid = _statement(org_a, 2, Statement.Status.PAID)
    draft = _statement(org_a, None, Statement.Status.DRAFT)
    # (tier, channel, response, resolution, technician, score)
    rows = [
        (Tier.BASIC, "phone", "met", "met", tech1, "good"),
        (Tier.BASIC, "email", "late", "breached", tech1, "poor"),
        (Tier.BUSINESS, "portal", "breached", "met", tech2, "good"),
        (Tier.FREE, "phone", "met", "", None, "good"),
        (Tier.FREE, "phone", "met", "met", tech2, "poor"),
        (Tier.FREE, "phone", "met", "met", tech2, "poor"),  # rated before the period
    ]
    tickets = []
    for n, (tier, channel, response, resolution, tech, score) in enumerate(rows):
        ticket = ticket_create(customer=org_a, subject=f"Αίτημα {n}", received_via=channel,
                               contact=customer_a, received_at=received, by=manager,
                               now=received)
        Ticket.objects.filter(pk=ticket.pk).update(
            tier=tier, sla_outcome=response, resolution_outcome=resolution, assignee=tech,
            status=Ticket.Status.RESOLVED, resolved_at=received)
        rated_at = (dt.datetime(2025, 10, 1, 12, tzinfo=dt.UTC) if n == 5
                    else dt.datetime(2026, 6, 1 + n, 12, tzinfo=dt.UTC))
        Rating.objects.create(ticket=ticket, score=score, via="portal", rated_by=customer_a,
                              rated_at=rated_at, comment="Ευχαριστώ" if n == 0 else "")
        tickets.append(ticket)
    worker = tech1
    _billed(tickets[0], worker, hours_ago=100, minutes=45, statement=issued)
    _billed(tickets[1], worker, hours_ago=90, minutes=60, statement=paid)
    _billed(tickets[1], worker, hours_ago=80, minutes=30, statement=issued)
    _billed(tickets[1], worker, hours_ago=70, minutes=200, statement=issued, credited=True)
    _billed(tickets[2], worker, hours_ago=60, minutes=120, statement=draft)  # not issued
    _billed(tickets[2], worker, hours_ago=50, minutes=15, statement=None)    # not billed
    return {"tickets": tickets, "tech1": tech1, "tech2": tech2}


def _cross(report, key):
    [cross] = [c for c in report.crosses if c.key == key]
    return {g.key: (g.ratings, g.good, g.billed_minutes) for g in cross.groups}


def test_the_report_crosses_the_ratings_exactly(world):
    report = satisfaction_report(start=START, end=END)
    t1, t2 = str(world["tech1"].pk), str(world["tech2"].pk)
    assert (report.total.ratings, report.total.good, report.total.billed_minutes) == (5, 3, 135)
    assert report.total.good_share == Decimal("60.0")
    assert _cross(report, "tier") == {"free": (2, 1, 0), "basic": (2, 1, 135),
                                      "business": (1, 1, 0)}
    assert _cross(report, "channel") == {"phone": (3, 2, 45), "email": (1, 0, 90),
                                         "portal": (1, 1, 0)}
    assert _cross(report, "response") == {"met": (3, 2, 45), "late": (1, 0, 90),
                                          "breached": (1, 1, 0), "": (0, 0, 0)}
    assert _cross(report, "resolution") == {"met": (3, 2, 45), "breached": (1, 0, 90),
                                            "": (1, 1, 0)}
    assert _cross(report, "billed") == {"none": (3, 2, 0), "to60": (1, 1, 45),
                                        "to180": (1, 0, 90), "over180": (0, 0, 0)}
    assert _cross(report, "technician") == {t1: (2, 1, 135), t2: (2, 1, 0), "": (1, 1, 0)}
    assert [r.comment for r in report.comments] == ["Ευχαριστώ"]


def test_the_period_filters_by_the_day_of_rating(world):
    june_2nd = satisfaction_report(start=dt.date(2026, 6, 2), end=dt.date(2026, 6, 3))
    assert (june_2nd.total.ratings, june_2nd.total.good) == (2, 1)
    last_year = satisfaction_report(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    assert (last_year.total.ratings, last_year.total.good) == (1, 0)


def _svgs(html: str) -> list[ElementTree.Element]:
    return [ElementTree.fromstring(svg) for svg in
            re.findall(r'<svg xmlns="http://www.w3.org/2000/svg" viewBox.*?</svg>', html, re.S)]


def test_the_page_has_a_chart_and_a_table_per_cross(world, manager):
    client = Client()
    client.force_login(manager)
    response = client.get(reverse("satisfaction:report"), {"start": "2026-01-01",
                                                           "end": "2026-12-31"})
    assert response.status_code == 200
    html = response.content.decode()
    charts = _svgs(html)
    assert len(charts) == 6
    texts = ["".join(el.itertext()) for chart in charts for el in chart.iter()
             if el.tag.endswith("text")]
    assert "Γιώργος <script>&Νίκου" in texts  # escaped in the markup, text once parsed
    assert "<script>&" not in html
    assert "50,0% (1/2)" in texts and "100,0% (1/1)" in texts
    ns = "{http://www.w3.org/2000/svg}"
    tier_chart = charts[0]
    widths = {r.get("class"): int(r.get("width")) for r in tier_chart.iter(f"{ns}rect")}
    assert set(widths) == {"bar-good", "bar-poor"}
    for key in ("tier", "channel", "response", "resolution", "billed", "technician"):
        assert f'id="table-{key}"' in html


def test_a_bad_period_is_a_clear_400_that_keeps_what_was_typed(world, manager):
    client = Client()
    client.force_login(manager)
    for params in ({"start": "2026-12-31", "end": "2026-01-01"},
                   {"start": "0001-01-01", "end": "9999-12-31"},
                   {"start": "χθες", "end": "2026-01-01"}):
        response = client.get(reverse("satisfaction:report"), params)
        assert response.status_code == 400
        assert params["start"] in response.content.decode()
        assert client.get(reverse("satisfaction:export"), params).status_code == 400


def test_the_csv_export(world, manager):
    client = Client()
    client.force_login(manager)
    response = client.get(reverse("satisfaction:export"), {"start": "2026-01-01",
                                                           "end": "2026-12-31"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    by_group = {(r[0], r[1]): r[2:] for r in rows[1:]}
    assert by_group[("Πακέτο", "Basic")] == ["2", "1", "1", "50.0", "135"]
    assert rows[-1][2:] == ["5", "3", "2", "60.0", "135"]
    # a technician's name that starts like a formula is neutralised
    assert all(not cell.startswith("=") for row in rows for cell in row)


def test_only_managers_see_it(world, technician, customer_a):
    for user, statuses in ((technician, {403}), (customer_a, {403, 404})):
        client = Client()
        client.force_login(user)
        for name in ("satisfaction:report", "satisfaction:export"):
            assert client.get(reverse(name)).status_code in statuses
    assert Client().get(reverse("satisfaction:report")).status_code == 302


def test_the_dashboard_and_the_menu_link_to_it(manager):
    client = Client()
    client.force_login(manager)
    page = client.get(reverse("desk:dashboard")).content.decode()
    assert page.count(f'href="{reverse("satisfaction:report")}"') == 2
