"""The SLA queue: order, filters, keyset pages, Greek search (docs/security.md #34), SLA states,
and per-user access (docs/security.md #1, #8)."""

import datetime as dt
import importlib
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db import connection as conn
from django.http import Http404

from supportdesk.accounts.tests.factories import TechnicianFactory
from supportdesk.catalog.tests.factories import ProductFactory
from supportdesk.common.choices import Tier
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.tickets.models import Attachment, Ticket
from supportdesk.tickets.selectors import (
    attachment_get_for_user,
    queue_filters_from,
    ticket_get_for_user,
    ticket_queue,
)
from supportdesk.tickets.services import ticket_change_status, ticket_create, ticket_reply
from supportdesk.tickets.tests.factories import TicketFactory

ATH = ZoneInfo("Europe/Athens")


def at(day, hour, minute=0):
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=ATH)


def make(customer, by, now, **kw):
    data = {"subject": "Πρόβλημα", "body": "", "received_via": "phone"}
    data.update(kw)
    return ticket_create(customer=customer, by=by, now=now, **data)


def queue(now, **params):
    return ticket_queue(filters=queue_filters_from(params), now=now)


def refs(page):
    return [row.ticket.pk for row in page.rows]


class TestOrderAndPages:
    def test_open_requests_by_due_moment_closed_ones_left_out(self, config, org_a, org_b,
                                                              technician):
        ContractFactory(customer=org_b, tier=Tier.BUSINESS)
        free = make(org_a, technician, at(23, 10))        # due Tue 18:00
        business = make(org_b, technician, at(23, 11))    # due Mon 19:00 → Tue 11:00
        closed = make(org_b, technician, at(23, 9))
        ticket_change_status(ticket=closed, status="closed", by=technician, now=at(23, 12))
        page = queue(at(23, 12))
        assert refs(page) == [business.pk, free.pk]
        assert refs(queue(at(23, 12), status="closed")) == [closed.pk]
        assert set(refs(queue(at(23, 12), status="all"))) == {free.pk, business.pk, closed.pk}

    @pytest.mark.parametrize(("with_nulls", "status"), [(False, ""), (True, ""), (True, "all")])
    def test_keyset_pages_cover_every_row_once_both_ways(self, config, org_a, technician,
                                                         with_nulls, status):
        made = [make(org_a, technician, at(2, 10) + dt.timedelta(minutes=7 * i))
                for i in range(23)]
        # Two requests at the very same due moment, ordered by id.
        made.append(make(org_a, technician, at(2, 10)))
        if with_nulls:  # bare rows without a deadline sort last
            made += [TicketFactory(customer=org_a) for _ in range(3)]
        if status == "all":  # newest first, same received moment ordered by id
            ticket_change_status(ticket=made[0], status="closed", by=technician, now=at(2, 11))
        filters = queue_filters_from({"status": status})
        seen, cursor, pages = [], None, []
        while True:
            page = ticket_queue(filters=filters, cursor=cursor, page_size=5, now=at(2, 12))
            pages.append(page)
            seen += refs(page)
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        assert sorted(seen) == sorted(t.pk for t in made)
        assert len(seen) == len(set(seen))
        # Going back from the last page gives exactly the previous page.
        back = ticket_queue(filters=filters, before=pages[-1].prev_cursor, page_size=5,
                            now=at(2, 12))
        assert refs(back) == refs(pages[-2])
        back = ticket_queue(filters=filters, before=pages[2].prev_cursor, page_size=5,
                            now=at(2, 12))
        assert refs(back) == refs(pages[1])

    def test_malformed_cursors_and_filters_are_ignored(self, config, org_a, technician):
        ticket = make(org_a, technician, at(23, 10))
        for bad in ["'; DROP TABLE x", "d9999999999999999999999_1", "r12_x", ""]:
            page = ticket_queue(filters=queue_filters_from({}), cursor=bad, now=at(23, 11))
            assert refs(page) == [ticket.pk]
        filters = queue_filters_from({"status": "x' OR 1=1", "tier": "gold", "product": "-3",
                                      "assignee": "user__password__startswith",
                                      "channel": "pigeon"})
        assert not filters.is_filtered
        assert refs(ticket_queue(filters=filters, now=at(23, 11))) == [ticket.pk]


class TestFilters:
    def test_filters_by_technician_tier_product_channel_status(self, config, org_a, org_b,
                                                               technician):
        ContractFactory(customer=org_b, tier=Tier.BUSINESS)
        other_tech = TechnicianFactory()
        pos = ProductFactory(name="POS")
        a = make(org_a, technician, at(23, 10), product=pos)
        b = make(org_b, technician, at(23, 10), received_via="email")
        c = make(org_a, technician, at(23, 10), received_via="remote")
        Ticket.objects.filter(pk=a.pk).update(assignee=technician)
        Ticket.objects.filter(pk=b.pk).update(assignee=other_tech)
        ticket_change_status(ticket=c, status="waiting_customer", by=technician, now=at(23, 11))
        now = at(23, 12)
        assert refs(queue(now, assignee=str(technician.pk))) == [a.pk]
        assert refs(ticket_queue(filters=queue_filters_from({"assignee": "me"}),
                                 user=other_tech, now=now)) == [b.pk]
        assert refs(queue(now, assignee="none")) == [c.pk]
        assert refs(queue(now, tier="business")) == [b.pk]
        assert refs(queue(now, product=str(pos.pk))) == [a.pk]
        assert refs(queue(now, channel="email")) == [b.pk]
        assert refs(queue(now, status="waiting_customer")) == [c.pk]


class TestSearch:
    @pytest.mark.parametrize(("stored", "typed"), [
        ("ΚΑΦΈ ΣΤΟ ΤΑΜΕΊΟ", "καφε"),
        ("καφές", "ΚΑΦΕΣ"),          # final sigma typed as capital
        ("Λογισμικό", "ΛΟΓΙΣΜΙΚΟ"),
        ("λογισμικο", "Λογισμικό"),
        ("Ο φόρος", "φοροσ"),        # ς stored, σ typed
        ("Printer ERROR", "printer error"),
    ])
    def test_greek_accent_case_and_final_sigma_insensitive(self, config, org_a, technician,
                                                           stored, typed):
        found = make(org_a, technician, at(23, 10), subject=stored)
        make(org_a, technician, at(23, 10), subject="Άσχετο θέμα")
        assert refs(queue(at(23, 11), q=typed)) == [found.pk]

    def test_search_covers_body_customer_name_and_reference(self, config, org_a, org_b,
                                                            technician):
        by_body = make(org_a, technician, at(23, 10), body="Η ΕΚΤΥΠΩΣΗ σταμάτησε")
        by_customer = make(org_b, technician, at(23, 10))  # Χρυσοχοΐα Βήτα
        assert refs(queue(at(23, 11), q="εκτυπωση σταματησε")) == [by_body.pk]
        assert refs(queue(at(23, 11), q="χρυσοχοια")) == [by_customer.pk]
        assert refs(queue(at(23, 11), q=f"#{by_customer.pk:06d}")) == [by_customer.pk]
        assert refs(queue(at(23, 11), q="ανύπαρκτο")) == []

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL trigram index")
    @pytest.mark.pg
    def test_trigram_index_serves_the_search_on_postgresql(self, config, org_a, technician):
        migration = importlib.import_module(
            "supportdesk.tickets.migrations.0003_search_trigram_index")
        with conn.schema_editor() as editor:
            migration.create(None, editor)
        make(org_a, technician, at(23, 10), subject="ΚΑΦΈ")
        qs = Ticket.objects.filter(search_text__contains="καφε").order_by()
        with conn.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            plan = qs.explain()
        assert "ticket_search_trgm_idx" in plan
        assert qs.count() == 1


class TestSlaStates:
    def test_warning_from_75_percent_breached_past_target(self, config, org_b, technician):
        ContractFactory(customer=org_b, tier=Tier.BUSINESS)   # 480 working minutes
        ticket = make(org_b, technician, at(23, 10))
        state = lambda now: queue(now).rows[0].sla  # noqa: E731
        assert state(at(23, 15)).state == "ok"               # 300/480 = 62%
        s = state(at(23, 16))                                  # 360/480 = 75%
        assert (s.state, s.percent_used, s.left_minutes) == ("warning", 75, 120)
        assert state(at(23, 19)).state == "warning"          # 18:00 due, compared in working
        assert state(at(24, 10)).state == "warning"          # minutes: not late yet
        s = state(at(24, 10, 30))
        assert (s.state, s.overdue_minutes) == ("breached", 30)
        ticket_reply(ticket=ticket, body="ok", by=technician, now=at(24, 11))
        assert queue(at(24, 12)).rows[0].sla.state == "answered"

    def test_paused_request_shows_paused_and_its_due_moment_moves(self, config, org_b,
                                                                  technician):
        ContractFactory(customer=org_b, tier=Tier.BUSINESS)
        ticket = make(org_b, technician, at(23, 10))
        ticket_change_status(ticket=ticket, status="waiting_customer", by=technician,
                             now=at(23, 11))
        sla = queue(at(23, 13)).rows[0].sla
        assert sla.state == "paused"
        assert sla.used_minutes == 60
        assert sla.due_at == at(24, 12)  # two paused hours so far push the due moment


class TestAccess:
    def test_customer_sees_only_its_own_requests(self, config, org_a, org_b, customer_a,
                                                 technician):
        mine = TicketFactory(customer=org_a)
        theirs = TicketFactory(customer=org_b)
        assert ticket_get_for_user(user=customer_a, ticket_id=mine.pk) == mine
        with pytest.raises(Http404):
            ticket_get_for_user(user=customer_a, ticket_id=theirs.pk)
        assert ticket_get_for_user(user=technician, ticket_id=theirs.pk) == theirs
        for bad in ["abc", "-1", None, "1 OR 1=1"]:
            with pytest.raises(Http404):
                ticket_get_for_user(user=technician, ticket_id=bad)

    def test_staff_only_attachments_are_hidden_from_customers(self, config, org_a, org_b,
                                                              customer_a, customer_b,
                                                              technician):
        ticket = TicketFactory(customer=org_a)
        public = Attachment.objects.create(ticket=ticket, file="x", original_name="a.pdf",
                                           content_type="application/pdf", size_bytes=1,
                                           sha256="0" * 64)
        internal = Attachment.objects.create(ticket=ticket, file="y", original_name="b.pdf",
                                             content_type="application/pdf", size_bytes=1,
                                             sha256="0" * 64, is_internal=True)
        assert attachment_get_for_user(user=customer_a, attachment_uuid=public.uuid) == public
        with pytest.raises(Http404):
            attachment_get_for_user(user=customer_a, attachment_uuid=internal.uuid)
        with pytest.raises(Http404):
            attachment_get_for_user(user=customer_b, attachment_uuid=public.uuid)
        assert attachment_get_for_user(user=technician, attachment_uuid=internal.uuid)
