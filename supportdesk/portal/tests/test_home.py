"""The portal home page: the customer's own requests, its contract and what is left of its
hours (§4), and the support hold when dues are overdue (§11).

That another company's requests and hold never show is checked in
tests/security/test_tenancy.py (docs/security.md #2)."""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from supportdesk.billing.services import prepaid_purchase_create
from supportdesk.common.tests.helpers import at
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.tickets.services import ticket_change_status, ticket_create
from supportdesk.worklog.services.entries import work_entry_create

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    """The page's text with tags dropped and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def _aside(response) -> str:
    html = response.content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", html[html.index("<aside>"):]).split())


def test_home_lists_the_customers_own_requests_newest_first(frozen_now, own_request, org_a,
                                                            customer_a, portal_client):
    # given a second, newer request filed by the customer itself
    newer = ticket_create(customer=org_a, subject="Δεύτερο αίτημα", received_via="portal",
                          by=customer_a)
    # when the customer opens the portal
    response = portal_client.get("/portal/")
    # then both are listed, with their reference, newest first, each linking to its page
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Δεύτερο αίτημα") < html.index(own_request.subject)
    for ticket in (own_request, newer):
        assert ticket.reference in html
        assert f'href="/portal/requests/{ticket.pk}/"' in html
    assert [t.pk for t in response.context["page"]] == [newer.pk, own_request.pk]


def test_home_filters_open_and_closed_requests(frozen_now, own_request, org_a, customer_a,
                                               technician, portal_client):
    done = ticket_create(customer=org_a, subject="Λυμένο αίτημα", received_via="portal",
                         by=customer_a)
    ticket_change_status(ticket=done, status="resolved", by=technician)
    open_page = portal_client.get("/portal/?status=open").content.decode()
    closed_page = portal_client.get("/portal/?status=closed").content.decode()
    assert own_request.subject in open_page
    assert "Λυμένο αίτημα" not in open_page
    assert "Λυμένο αίτημα" in closed_page
    assert own_request.subject not in closed_page


def test_home_without_requests_says_so(frozen_now, config, portal_client):
    assert "Δεν υπάρχουν ακόμη αιτήματα." in _text(portal_client.get("/portal/"))


def test_home_shows_the_contract_and_the_included_hours_left(
        frozen_now, basic_contract, own_request, technician, portal_client):
    # given org A's 2026 Basic contract (§4: 4 remote hours a year included), of which
    # 90 minutes of remote work were used
    start = at(2026, 11, 24, 11)
    work_entry_create(ticket=own_request, technician=technician, channel="remote",
                      started_at=start, ended_at=start + dt.timedelta(minutes=90),
                      by=technician)
    # when the customer opens the portal
    response = portal_client.get("/portal/")
    aside = _aside(response)
    # then its contract is shown: tier, period and that updated versions are included
    assert "Basic" in aside
    assert "01/01/2026 – 31/12/2026" in aside
    assert "Περιλαμβάνονται" in aside  # "Updated versions: included"
    # and what is left of the remote hours: 2.5 of 4
    assert "2,50 / 4,00 h" in aside
    usage = response.context["usage"]
    assert [(str(r.left_hours), str(r.granted_hours)) for r in usage.allowances] == [
        ("2.50", "4.00")]
    # a contract customer without prepaid hours sees no prepaid-bank line
    assert usage.bank_minutes is None


def test_home_shows_the_full_included_hours_before_any_work(frozen_now, basic_contract,
                                                            portal_client):
    # given org A's Basic contract and no work yet this contract year
    response = portal_client.get("/portal/")
    # then the customer sees all 4 remote hours left (§4)
    assert "4,00 / 4,00 h" in _aside(response)


def test_home_without_a_contract_shows_the_free_tier_and_the_prepaid_bank(
        frozen_now, config, org_a, manager, portal_client):
    # given org A has no contract and bought 3 prepaid hours
    prepaid_purchase_create(customer=org_a, hours=3, on=dt.date(2026, 11, 20), by=manager)
    response = portal_client.get("/portal/")
    aside = _aside(response)
    # then it is told it has no annual contract, and sees 3 prepaid hours left
    assert response.context["contract"].contract is None
    assert response.context["contract"].tier == "free"
    assert "Χωρίς ετήσιο συμβόλαιο" in aside  # "No annual contract: ... prepaid hours"
    assert "Υπόλοιπο προπληρωμένων ωρών 3,00 h" in aside
    assert response.context["usage"].bank_minutes == 180


def test_contract_that_ended_is_not_shown(config, org_a, customer_a):
    # given a Basic contract that ended yesterday
    ContractFactory(customer=org_a, tier="basic", starts_on=dt.date(2025, 1, 1),
                    ends_on=dt.date(2025, 12, 31))
    page = _home_on(at(2026, 1, 1, 12), customer_a)
    # then the portal shows no contract in force: the Free tier's text, not the old period
    assert "31/12/2025" not in page
    assert "Basic" not in page
    assert "Χωρίς ετήσιο συμβόλαιο" in page  # "No annual contract: ... prepaid hours"


def _home_on(moment, user) -> str:
    """The home page as ``user`` sees it at ``moment`` (logged in then: sessions expire)."""
    with time_machine.travel(moment, tick=False):
        client = Client()
        client.force_login(user)
        response = client.get("/portal/")
        assert response.status_code == 200
        return response.content.decode()


def test_customer_sees_its_own_support_hold(own_statement, customer_a):
    # Moved from tests/security/test_tenancy.py (the half about the customer's own hold;
    # that another company's hold never shows stays there).
    # given the customer's October statement, unpaid long after its due date
    later = dt.datetime.combine(own_statement.due_on + dt.timedelta(days=90), dt.time(12),
                                tzinfo=dt.UTC)
    page = _home_on(later, customer_a)
    # then it is told why support is on hold
    assert "hold-banner" in page
    assert "§11" in page


def test_no_hold_banner_while_the_statement_is_not_yet_due(own_statement, customer_a):
    # given the same statement, the day after it was issued (well before its due date)
    assert own_statement.due_on > dt.date(2026, 11, 3)
    page = _home_on(at(2026, 11, 3, 12), customer_a)
    # then support is not on hold
    assert "hold-banner" not in page
