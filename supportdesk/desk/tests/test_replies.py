"""Canned replies and macros (issue 13): contract-aware placeholders in the contact's
language, shared ones kept by managers, personal ones private, macros applied step by step
to one request or many with nothing half-done."""

import html

import pytest
from django.urls import reverse
from django.utils import timezone

from supportdesk.accounts.tests.factories import TechnicianFactory, UserFactory
from supportdesk.common.choices import Tier
from supportdesk.common.exceptions import ApplicationError
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.desk.models import CannedReply, Macro
from supportdesk.desk.placeholders import placeholders_render
from supportdesk.desk.services import (
    canned_reply_delete,
    canned_reply_save,
    macro_apply,
    macro_save,
)
from supportdesk.tickets.models import Message, Ticket
from supportdesk.tickets.services import ticket_change_status, ticket_create

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def basic(config, org_a):
    return ContractFactory(customer=org_a, tier=Tier.BASIC)


@pytest.fixture
def greek_contact(org_a):
    return UserFactory(username="maria", first_name="Μαρία", last_name="Π.", customer=org_a,
                       language="el")


@pytest.fixture
def english_contact(org_a):
    return UserFactory(username="john", first_name="John", last_name="S.", customer=org_a,
                       language="en")


def _ticket(org, by, contact=None, **kw):
    return ticket_create(customer=org, subject="Δεν τυπώνει", received_via="phone",
                         contact=contact, by=by, **kw)


def _reply(by, *, shared=False, **kw):
    data = {"title": "Υποδοχή", "body_el": "Καλημέρα {contact}, πακέτο {tier}.",
            "body_en": "Hello {contact}, tier {tier}."}
    data.update(kw)
    return canned_reply_save(reply=CannedReply(**data), by=by, shared=shared)


class TestPlaceholders:
    def test_contract_aware_values_in_the_contacts_language(self, basic, org_a, technician,
                                                            greek_contact):
        ticket = _ticket(org_a, technician, greek_contact)
        text = ("{customer} {reference} {tier} {response_due} {rate_phone} {rate_onsite} "
                "{included_hours_left} {prepaid_hours_left} {next_working_moment} {bogus}")
        out = placeholders_render(text, ticket=ticket, user=technician, language="el")
        due = timezone.localtime(ticket.response_due_at).strftime("%d/%m/%Y %H:%M")
        assert org_a.name in out.text and ticket.reference in out.text
        assert due in out.text
        # Basic (§4): phone included, on site 45 €/h, 4 h of remote included a year.
        assert "45,00" in out.text and "4:00" in out.text
        assert out.text.endswith("{bogus}") and out.unknown == ("bogus",)
        english = placeholders_render("{rate_onsite} {rate_phone}", ticket=ticket,
                                      user=technician, language="en")
        assert "€45.00" in english.text and "included" in english.text

    def test_no_attribute_access_or_format_tricks(self, basic, org_a, technician):
        ticket = _ticket(org_a, technician)
        text = "{ticket.customer.tax_number} {0} {{tier}} {customer.__class__}"
        out = placeholders_render(text, ticket=ticket, user=technician, language="el")
        assert "{ticket.customer.tax_number}" in out.text and "{0}" in out.text
        assert "__class__" in out.text and org_a.tax_number not in out.text


class TestKeeping:
    def test_shared_replies_are_a_managers(self, config, technician, manager):
        with pytest.raises(ApplicationError):
            _reply(technician, shared=True)
        shared = _reply(manager, shared=True)
        shared.title = "Άλλαξε"
        with pytest.raises(ApplicationError):
            canned_reply_save(reply=shared, by=technician, shared=True)
        assert CannedReply.objects.get(pk=shared.pk).title == "Υποδοχή"

    def test_personal_replies_are_private(self, config, technician, client):
        other = TechnicianFactory()
        mine = _reply(technician, title="Δική μου")
        with pytest.raises(ApplicationError):
            canned_reply_delete(reply=mine, by=other)
        client.force_login(other)
        page = text_of(client.get(reverse("desk:replies")))
        assert "Δική μου" not in page
        assert client.get(reverse("desk:replies"), {"reply": mine.pk}).status_code == 404
        assert client.post(reverse("desk:reply_delete", args=[mine.pk])).status_code == 404
        assert CannedReply.objects.filter(pk=mine.pk).exists()

    def test_a_bad_form_keeps_what_was_typed(self, config, technician, client):
        client.force_login(technician)
        response = client.post(reverse("desk:reply_new"), {
            "title": "", "body_el": "Κείμενο που δεν χάνεται"})
        assert response.status_code == 400
        assert "Κείμενο που δεν χάνεται" in text_of(response)
        assert not CannedReply.objects.exists()

    def test_an_empty_macro_is_refused(self, config, technician):
        with pytest.raises(ApplicationError):
            macro_save(macro=Macro(name="Τίποτα"), by=technician, shared=False)


class TestApplying:
    def test_insert_fills_the_reply_box_in_the_contacts_language(
            self, basic, org_a, technician, english_contact, client):
        reply = _reply(technician)
        ticket = _ticket(org_a, technician, english_contact)
        client.force_login(technician)
        page = text_of(client.get(reverse("desk:ticket", args=[ticket.pk]),
                                  {"canned": reply.pk}))
        assert "Hello John S., tier Basic." in page
        assert not Message.objects.exists()  # nothing sent until Send

    def test_a_macro_replies_sets_status_scope_and_assignment_in_one_step(
            self, basic, org_a, technician, greek_contact, client):
        reply = _reply(technician)
        macro = macro_save(macro=Macro(name="Αναμονή", reply=reply, status="waiting_customer",
                                       assign_to_me=True), by=technician, shared=False)
        ticket = _ticket(org_a, technician, greek_contact)
        client.force_login(technician)
        response = client.post(reverse("desk:ticket_macro", args=[ticket.pk]),
                               {"macro": macro.pk})
        assert response.status_code == 303
        ticket.refresh_from_db()
        assert (ticket.status, ticket.assignee) == ("waiting_customer", technician)
        assert ticket.messages.get().body == "Καλημέρα Μαρία Π., πακέτο Basic."
        assert ticket.first_response_at is not None

    def test_on_many_requests_a_refused_step_leaves_that_one_untouched(
            self, basic, org_a, technician):
        macro = macro_save(macro=Macro(name="Κλείσιμο", status="resolved", reply=_reply(
            technician)), by=technician, shared=False)
        good = [_ticket(org_a, technician) for _ in range(2)]
        closed = _ticket(org_a, technician)
        ticket_change_status(ticket=closed, status="closed", by=technician)
        results = macro_apply(macro=macro, tickets=[*good, closed], by=technician)
        assert [r.ok for r in results] == [True, True, False]
        assert all(Ticket.objects.get(pk=t.pk).status == "resolved" for t in good)
        closed.refresh_from_db()
        # The closed one kept nothing of the macro: no reply, still closed.
        assert closed.status == "closed" and not closed.messages.exists()
        assert results[2].message

    def test_someone_elses_personal_macro_cannot_be_applied(self, basic, org_a, technician,
                                                            client):
        other = TechnicianFactory()
        macro = macro_save(macro=Macro(name="Δική του", status="resolved"), by=other,
                           shared=False)
        ticket = _ticket(org_a, technician)
        client.force_login(technician)
        response = client.post(reverse("desk:ticket_macro", args=[ticket.pk]),
                               {"macro": macro.pk})
        assert response.status_code == 400
        assert Ticket.objects.get(pk=ticket.pk).status == "new"
