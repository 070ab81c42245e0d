"""The queue's daily tools (issue 13): views with counts, sorting with the keyset pages
kept, work on many requests, the bounded export."""

import csv
import datetime as dt
import html
import io
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from supportdesk.accounts.tests.factories import TechnicianFactory
from supportdesk.common.choices import Tier
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.desk import queue_tools
from supportdesk.desk.models import Macro, SavedView
from supportdesk.desk.services import macro_save
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.selectors import queue_filters_from, ticket_queue
from supportdesk.tickets.services import ticket_assign, ticket_create

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def tech_client(client, technician):
    client.force_login(technician)
    return client


def _tickets(org, by, n, **kw):
    base = timezone.now() - dt.timedelta(hours=n + 1)
    return [ticket_create(customer=org, subject=f"Αίτημα {i:02d}", received_via="phone",
                          received_at=base + dt.timedelta(hours=i), by=by, **kw)
            for i in range(n)]


class TestViews:
    def test_builtin_views_count_in_one_query_and_open_the_list(
            self, config, org_a, technician, tech_client):
        ContractFactory(customer=org_a, tier=Tier.BUSINESS)
        mine = _tickets(org_a, technician, 2)
        for t in mine:
            ticket_assign(ticket=t, assignee=technician, by=technician)
        _tickets(org_a, technician, 3)
        page = text_of(tech_client.get(reverse("desk:queue")))
        assert 'href="/desk/?assignee=me">' in page.replace("&amp;", "&") or "assignee=me" in page
        response = tech_client.get(reverse("desk:queue"), {"assignee": "me"})
        assert response.context["total"] == 2
        counts = {v["key"]: v["count"] for v in response.context["sidebar"]}
        assert counts["mine"] == 2 and counts["unassigned"] == 3
        assert counts["business_waiting"] == 5

    def test_save_a_view_and_see_its_count(self, config, org_a, technician, tech_client):
        _tickets(org_a, technician, 3, priority="urgent")
        _tickets(org_a, technician, 2)
        response = tech_client.post(reverse("desk:view_save"), {
            "name": "Επείγοντα", "priority": "urgent", "status": "", "bogus": "x"})
        assert response.status_code == 303
        view = SavedView.objects.get()
        assert view.params == {"priority": "urgent"} and view.owner == technician
        sidebar = tech_client.get(reverse("desk:queue")).context["sidebar"]
        assert [v["count"] for v in sidebar if v["saved"]] == [3]
        # Another technician does not see it; a shared one needs a manager.
        other = TechnicianFactory()
        tech_client.force_login(other)
        assert not [v for v in tech_client.get(reverse("desk:queue")).context["sidebar"]
                    if v["saved"]]
        tech_client.post(reverse("desk:view_save"), {"name": "Όλοι", "priority": "low",
                                                     "shared": "1"})
        assert SavedView.objects.count() == 1

    def test_a_view_of_nothing_or_without_a_name_is_refused(self, config, tech_client):
        tech_client.post(reverse("desk:view_save"), {"name": "Τίποτα"})
        tech_client.post(reverse("desk:view_save"), {"name": "  ", "priority": "low"})
        assert not SavedView.objects.exists()


class TestSorting:
    @pytest.mark.parametrize("sort", ["priority", "newest", "oldest", "resolution",
                                      "activity"])
    def test_every_page_of_a_sort_holds_each_request_once_in_order(
            self, config, org_a, technician, sort):
        made = _tickets(org_a, technician, 7)
        for i, t in enumerate(made):
            Ticket.objects.filter(pk=t.pk).update(
                priority=["urgent", "low", "normal", "high"][i % 4])
        filters = queue_filters_from({"sort": sort})
        seen, cursor = [], None
        for _ in range(10):
            page = ticket_queue(filters=filters, user=technician, cursor=cursor, page_size=3)
            seen += [row.ticket for row in page.rows]
            cursor = page.next_cursor
            if not cursor:
                break
        assert sorted(t.pk for t in seen) == sorted(t.pk for t in made)
        if sort == "priority":
            ranks = [["urgent", "high", "normal", "low"].index(t.priority) for t in seen]
            assert ranks == sorted(ranks)
        if sort == "newest":
            assert [t.received_at for t in seen] == sorted((t.received_at for t in seen),
                                                           reverse=True)
        # And back: the previous page of the last one is the one before it.
        last = ticket_queue(filters=filters, user=technician, cursor=None, page_size=3)
        second = ticket_queue(filters=filters, user=technician, cursor=last.next_cursor,
                              page_size=3)
        back = ticket_queue(filters=filters, user=technician, before=second.prev_cursor,
                            page_size=3)
        assert [r.ticket.pk for r in back.rows] == [r.ticket.pk for r in last.rows]

    def test_a_forged_sort_cursor_gives_the_first_page(self, config, org_a, technician,
                                                       tech_client):
        _tickets(org_a, technician, 2)
        for cursor in ("spriority99999999999999999999_1", "x", "snewest-1_0';--"):
            response = tech_client.get(reverse("desk:queue"), {"sort": "newest",
                                                              "after": cursor})
            assert response.status_code == 200

    def test_the_pager_says_page_n_of_m(self, config, org_a, technician, tech_client):
        _tickets(org_a, technician, 30)
        first = tech_client.get(reverse("desk:queue"))
        assert (first.context["page_number"], first.context["page_count"]) == (1, 2)
        query = parse_qs(urlparse(first.context["next_url"]).query)
        second = tech_client.get(reverse("desk:queue"), {k: v[0] for k, v in query.items()})
        assert second.context["page_number"] == 2
        assert len(second.context["page"].rows) == 5


class TestBulk:
    def test_assign_three_at_once(self, config, org_a, technician, tech_client):
        made = _tickets(org_a, technician, 3)
        other = TechnicianFactory()
        response = tech_client.post(reverse("desk:bulk"), {
            "ids": [t.pk for t in made], "action": "assign", "assignee": other.pk})
        assert response.status_code == 303
        assert set(Ticket.objects.values_list("assignee", flat=True)) == {other.pk}

    def test_a_macro_on_three_from_the_queue(self, config, org_a, technician, tech_client):
        macro = macro_save(macro=Macro(name="Λύθηκε", status="resolved", assign_to_me=True),
                           by=technician, shared=False)
        made = _tickets(org_a, technician, 3)
        tech_client.post(reverse("desk:bulk"), {"ids": [t.pk for t in made],
                                                "action": "macro", "macro": macro.pk})
        assert set(Ticket.objects.values_list("status", flat=True)) == {"resolved"}

    def test_too_many_or_unknown_ids_change_nothing(self, config, org_a, technician,
                                                    tech_client):
        made = _tickets(org_a, technician, 1)
        tech_client.post(reverse("desk:bulk"), {"ids": list(range(1, 150)),
                                                "action": "close"})
        assert Ticket.objects.get(pk=made[0].pk).status == "new"
        tech_client.post(reverse("desk:bulk"), {"ids": ["x", "999999"], "action": "close"})
        assert Ticket.objects.get(pk=made[0].pk).status == "new"

    def test_a_customer_cannot_use_bulk(self, config, org_a, technician, customer_a, client):
        made = _tickets(org_a, technician, 1)
        client.force_login(customer_a)
        response = client.post(reverse("desk:bulk"), {"ids": [made[0].pk], "action": "close"})
        assert response.status_code in (302, 403, 404)
        assert Ticket.objects.get(pk=made[0].pk).status == "new"


class TestExport:
    def test_export_is_bounded_streamed_and_neutralises_formulas(
            self, config, org_a, technician, tech_client, monkeypatch):
        ticket_create(customer=org_a, subject="=HYPERLINK(\"http://evil\")",
                      received_via="phone", by=technician)
        _tickets(org_a, technician, 4)
        monkeypatch.setattr(queue_tools, "EXPORT_MAX", 3)
        response = tech_client.get(reverse("desk:export_csv"))
        assert response.streaming
        body = b"".join(response.streaming_content).decode("utf-8")
        assert body.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
        assert len(rows) == 1 + 3
        assert all(not cell.startswith("=") for row in rows for cell in row)
        xlsx = tech_client.get(reverse("desk:export_xlsx"), {"priority": "normal"})
        sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
        values = [cell.value for row in sheet.iter_rows() for cell in row]
        assert "'=HYPERLINK(\"http://evil\")" in values
        assert not any(str(v).startswith("=") for v in values if v)
