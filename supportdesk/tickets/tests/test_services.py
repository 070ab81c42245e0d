"""Ticket services: intake, the SLA clock (§4 on the §6 calendar), replies, scope (§10), §11."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from supportdesk.accounts.tests.factories import UserFactory
from supportdesk.catalog.tests.factories import ProductFactory
from supportdesk.common.choices import Tier
from supportdesk.common.exceptions import ApplicationError
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.customers.tests.factories import LicenceFactory
from supportdesk.tickets.models import Message, Ticket, TicketEvent, TicketPause
from supportdesk.tickets.services import (
    lifecycle,
    ticket_assign,
    ticket_change_status,
    ticket_classify,
    ticket_create,
    ticket_record_prerequisites,
    ticket_reply,
)

ATH = ZoneInfo("Europe/Athens")
FRIDAY_EVENING = dt.datetime(2026, 11, 27, 19, 0, tzinfo=ATH)  # after 18:00 (§6)


def at(day, hour, minute=0, month=11):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=ATH)


@pytest.fixture
def business_a(config, org_a):
    return ContractFactory(customer=org_a, tier=Tier.BUSINESS)


def make(customer, by, *, now=FRIDAY_EVENING, **kw):
    data = {"subject": "Δεν τυπώνει η ταμειακή", "body": "Από το πρωί.",
            "received_via": Ticket.ReceivedVia.PHONE}
    data.update(kw)
    return ticket_create(customer=customer, by=by, now=now, **data)


class TestCreate:
    def test_friday_evening_business_request_is_due_monday_at_closing(
            self, business_a, org_a, technician):
        # Given a Business customer (§4: 24 h = one working day) calling on Friday at 19:00
        # When the call is logged
        ticket = make(org_a, technician)
        # Then the clock starts Monday 10:00 and the response is due Monday 18:00, not Saturday
        assert ticket.tier == Tier.BUSINESS
        assert ticket.contract == business_a
        assert ticket.response_target_minutes == 480
        assert ticket.response_due_at.astimezone(ATH) == at(30, 18)
        assert ticket.response_due_max_at == ticket.response_due_at
        assert ticket.status == Ticket.Status.NEW

    def test_without_contract_the_free_tier_has_an_expected_and_a_latest_target(
            self, config, org_a, technician):
        ticket = make(org_a, technician, now=at(23, 10))  # Monday 10:00
        assert ticket.tier == Tier.FREE
        assert ticket.response_due_at.astimezone(ATH) == at(24, 18)   # 2 working days
        assert ticket.response_due_max_at.astimezone(ATH) == at(27, 18)  # 5 working days

    def test_records_event_history_and_folded_search_text(self, config, org_a, technician):
        ticket = make(org_a, technician, subject="ΚΑΦΈ\x00 ΦΟΡΟΣ")
        assert ticket.subject == "ΚΑΦΈ ΦΟΡΟΣ"  # NUL dropped (PostgreSQL refuses it)
        assert "καφε φορσ" not in ticket.search_text
        assert "καφε" in ticket.search_text and "φοροσ" in ticket.search_text
        assert "κοσμηματα αλφα" in ticket.search_text  # the customer's name
        event = ticket.events.get()
        assert (event.kind, event.actor) == (TicketEvent.Kind.CREATED, technician)
        assert ticket.history.count() == 1
        assert ticket.history.first().history_user == technician

    @pytest.mark.parametrize(("field", "value", "message"), [
        ("subject", "   ", lifecycle.SUBJECT),
        ("subject", "x" * 201, lifecycle.SUBJECT),
        ("body", "x" * 50_001, lifecycle.DESCRIPTION),
        ("received_via", "pigeon", lifecycle.INVALID_CHANNEL),
        ("category", "astrology", lifecycle.INVALID_CATEGORY),
    ])
    def test_bad_input_is_refused_and_nothing_is_saved(
            self, config, org_a, technician, field, value, message):
        with pytest.raises(ApplicationError) as exc:
            make(org_a, technician, **{field: value})
        assert str(message) in str(exc.value)
        assert Ticket.objects.count() == 0

    def test_received_in_the_future_is_refused(self, config, org_a, technician):
        with pytest.raises(ApplicationError, match=re.escape(str(lifecycle.RECEIVED_IN_FUTURE))):
            make(org_a, technician, received_at=FRIDAY_EVENING + dt.timedelta(hours=1))
        assert not Ticket.objects.exists()

    def test_inactive_product_and_foreign_contact_are_refused(
            self, config, org_a, customer_b, technician):
        retired = ProductFactory(is_active=False)
        with pytest.raises(ApplicationError, match=re.escape(str(lifecycle.PRODUCT_UNKNOWN))):
            make(org_a, technician, product=retired)
        foreign = re.escape(str(lifecycle.CONTACT_NOT_OF_CUSTOMER))
        with pytest.raises(ApplicationError, match=foreign):
            make(org_a, technician, contact=customer_b)
        assert not Ticket.objects.exists()

    def test_a_customer_files_only_about_a_product_it_holds_an_active_licence_for(
            self, config, org_a, customer_a, technician):
        # §10: support covers the licensed products; every door (portal, API, mail) files
        # through this service, so the rule is here and not only in the portal's form.
        product = ProductFactory()
        lapsed = LicenceFactory(customer=org_a, product=product, is_active=False)
        refused = re.escape(str(lifecycle.PRODUCT_NOT_LICENSED))
        with pytest.raises(ApplicationError, match=refused):
            make(org_a, customer_a, product=product)
        assert not Ticket.objects.exists()
        # staff log a call about any active product (the caller may not know its licence)
        assert make(org_a, technician, product=product).product == product
        lapsed.is_active = True
        lapsed.save()
        assert make(org_a, customer_a, product=product).product == product

    def test_a_customer_user_files_only_for_its_own_company_through_the_portal(
            self, config, org_a, org_b, customer_a):
        own = make(org_a, customer_a, received_via=Ticket.ReceivedVia.PHONE, is_emergency=True)
        assert own.received_via == Ticket.ReceivedVia.PORTAL
        assert own.contact == customer_a
        assert own.emergency == Ticket.Emergency.NONE
        with pytest.raises(ApplicationError):
            make(org_b, customer_a)
        assert Ticket.objects.filter(customer=org_b).count() == 0


class TestPauseAndResume:
    def test_waiting_on_the_customer_pauses_the_clock_and_moves_the_deadline(
            self, business_a, org_a, technician):
        # Given a Business request received Monday 10:00, due Monday 18:00
        ticket = make(org_a, technician, now=at(23, 10))
        assert ticket.response_due_at.astimezone(ATH) == at(23, 18)
        # When it waits on the customer from 12:00 to 14:00
        ticket_change_status(ticket=ticket, status=Ticket.Status.WAITING_CUSTOMER,
                             by=technician, now=at(23, 12))
        pause = TicketPause.objects.get(ticket=ticket)
        assert pause.ended_at is None
        ticket_change_status(ticket=ticket, status=Ticket.Status.OPEN, by=technician,
                             now=at(23, 14))
        # Then the pause is closed and the deadline moves by the two paused working hours
        pause.refresh_from_db()
        assert pause.ended_at.astimezone(ATH) == at(23, 14)
        ticket.refresh_from_db()
        assert ticket.response_due_at.astimezone(ATH) == at(24, 12)
        kinds = list(ticket.events.values_list("kind", "data"))
        assert kinds[-1] == (TicketEvent.Kind.STATUS_CHANGED,
                             {"from": "waiting_customer", "to": "open"})

    def test_a_pause_over_the_weekend_costs_no_working_time(self, business_a, org_a,
                                                            technician):
        ticket = make(org_a, technician, now=at(27, 17))  # Friday 17:00, due Monday 17:00
        assert ticket.response_due_at.astimezone(ATH) == at(30, 17)
        ticket_change_status(ticket=ticket, status="waiting_customer", by=technician,
                             now=at(27, 18, 30))
        ticket_change_status(ticket=ticket, status="open", by=technician, now=at(30, 9))
        ticket.refresh_from_db()
        assert ticket.response_due_at.astimezone(ATH) == at(30, 17)

    def test_invalid_and_unchanged_statuses_are_refused(self, business_a, org_a, technician):
        ticket = make(org_a, technician)
        with pytest.raises(ApplicationError, match=re.escape(str(lifecycle.INVALID_STATUS))):
            ticket_change_status(ticket=ticket, status="lost", by=technician)
        with pytest.raises(ApplicationError):
            ticket_change_status(ticket=ticket, status="new", by=technician)
        ticket_change_status(ticket=ticket, status="closed", by=technician,
                             now=FRIDAY_EVENING + dt.timedelta(hours=1))
        with pytest.raises(ApplicationError):
            ticket_change_status(ticket=ticket, status="waiting_customer", by=technician)
        ticket.refresh_from_db()
        assert ticket.status == "closed"
        # The refused move opened no waiting pause (closing stands the resolution clock
        # still with a "resolved" one).
        assert list(TicketPause.objects.values_list("reason", flat=True)) == ["resolved"]

    def test_customers_cannot_change_status(self, business_a, org_a, customer_a, technician):
        ticket = make(org_a, technician)
        with pytest.raises(ApplicationError):
            ticket_change_status(ticket=ticket, status="closed", by=customer_a)
        ticket.refresh_from_db()
        assert ticket.status == "new"


class TestReplies:
    def test_first_public_staff_reply_stops_the_response_clock(self, business_a, org_a,
                                                               technician):
        ticket = make(org_a, technician, now=at(23, 10))
        ticket_reply(ticket=ticket, body="Σημείωση", by=technician, is_internal=True,
                     now=at(23, 11))
        ticket.refresh_from_db()
        assert ticket.first_response_at is None  # an internal note is not a response
        ticket_reply(ticket=ticket, body="Καλημέρα, το κοιτάμε.", by=technician,
                     now=at(23, 12))
        ticket.refresh_from_db()
        assert ticket.first_response_at.astimezone(ATH) == at(23, 12)
        assert ticket.sla_outcome == Ticket.SlaOutcome.MET
        assert ticket.status == Ticket.Status.OPEN
        ticket_reply(ticket=ticket, body="Και πάλι", by=technician, now=at(23, 13))
        ticket.refresh_from_db()
        assert ticket.first_response_at.astimezone(ATH) == at(23, 12)
        kinds = list(ticket.events.values_list("kind", "is_internal"))
        assert (TicketEvent.Kind.NOTE_ADDED, True) in kinds

    def test_response_at_next_opening_after_a_1800_deadline_is_in_time(
            self, business_a, org_a, technician):
        # docs/rules.md "Response targets": breaches are compared in working minutes:
        # 10:00 next morning == 18:00.
        ticket = make(org_a, technician, now=at(23, 10))  # due Monday 18:00
        ticket_reply(ticket=ticket, body="Απάντηση", by=technician, now=at(24, 10))
        ticket.refresh_from_db()
        assert ticket.sla_outcome == Ticket.SlaOutcome.MET
        other = make(org_a, technician, now=at(23, 10))
        ticket_reply(ticket=other, body="Απάντηση", by=technician, now=at(24, 10, 2))
        other.refresh_from_db()
        assert other.sla_outcome == Ticket.SlaOutcome.BREACHED

    def test_free_tier_reply_between_expected_and_latest_target_is_late(
            self, config, org_a, technician):
        ticket = make(org_a, technician, now=at(23, 10))
        ticket_reply(ticket=ticket, body="Απάντηση", by=technician, now=at(26, 10))
        ticket.refresh_from_db()
        assert ticket.sla_outcome == Ticket.SlaOutcome.LATE

    def test_customer_reply_to_a_waiting_request_reopens_it(self, business_a, org_a,
                                                            customer_a, technician):
        ticket = make(org_a, technician, now=at(23, 10))
        ticket_change_status(ticket=ticket, status="waiting_customer", by=technician,
                             now=at(23, 11))
        ticket_reply(ticket=ticket, body="Έστειλα το αρχείο", by=customer_a, now=at(23, 12))
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.OPEN
        assert ticket.first_response_at is None
        assert ticket.response_due_at.astimezone(ATH) == at(24, 11)  # one hour paused
        assert not ticket.pauses.filter(ended_at__isnull=True).exists()

    def test_customers_cannot_add_internal_notes_or_reply_to_others(
            self, business_a, org_a, org_b, customer_a, customer_b, technician):
        ticket = make(org_a, technician)
        with pytest.raises(ApplicationError):
            ticket_reply(ticket=ticket, body="x", by=customer_a, is_internal=True)
        with pytest.raises(ApplicationError):
            ticket_reply(ticket=ticket, body="x", by=customer_b)
        with pytest.raises(ApplicationError):
            ticket_reply(ticket=ticket, body="  \x00 ", by=technician)
        assert not Message.objects.exists()


class TestAssignClassifyPrerequisites:
    def test_assign_to_staff_only(self, business_a, org_a, customer_a, technician, manager):
        ticket = make(org_a, technician)
        with pytest.raises(ApplicationError, match=re.escape(str(lifecycle.ASSIGNEE_NOT_STAFF))):
            ticket_assign(ticket=ticket, assignee=customer_a, by=manager)
        ticket_assign(ticket=ticket, assignee=technician, by=manager)
        ticket.refresh_from_db()
        assert ticket.assignee == technician
        event = ticket.events.filter(kind=TicketEvent.Kind.ASSIGNED).get()
        assert event.data == {"from": None, "to": technician.pk}
        assert event.actor == manager
        with pytest.raises(ApplicationError, match=re.escape(str(lifecycle.ASSIGNEE_UNCHANGED))):
            ticket_assign(ticket=ticket, assignee=technician, by=manager)

    def test_classify_out_of_scope_is_recorded_as_such(self, business_a, org_a, technician):
        # §10: viruses are not covered by support.
        ticket = make(org_a, technician)
        ticket_classify(ticket=ticket, category=Ticket.Category.VIRUS, by=technician)
        ticket.refresh_from_db()
        assert ticket.is_out_of_scope
        event = ticket.events.get(kind=TicketEvent.Kind.CATEGORY_CHANGED)
        assert event.data == {"from": "program_fault", "to": "virus", "out_of_scope": True}
        assert ticket.history.count() == 2
        with pytest.raises(ApplicationError):
            ticket_classify(ticket=ticket, category="nonsense", by=technician)

    def test_prerequisites_are_recorded_with_an_event(self, business_a, org_a, technician):
        # §11: backups, equipment, instructions, no third-party interference.
        ticket = make(org_a, technician)
        ticket_record_prerequisites(ticket=ticket, by=technician, has_backups=False,
                                    equipment_ok=True, follows_instructions=None,
                                    no_third_party=True)
        ticket.refresh_from_db()
        assert (ticket.has_backups, ticket.equipment_ok, ticket.follows_instructions,
                ticket.no_third_party) == (False, True, None, True)
        event = ticket.events.get(kind=TicketEvent.Kind.PREREQUISITES_RECORDED)
        assert event.data == {"has_backups": False, "equipment_ok": True, "no_third_party": True}
        with pytest.raises(ApplicationError):
            ticket_record_prerequisites(ticket=ticket, by=technician, has_backups="maybe",
                                        equipment_ok=None, follows_instructions=None,
                                        no_third_party=None)

    def test_customers_cannot_assign_classify_or_record(self, business_a, org_a, technician):
        ticket = make(org_a, technician)
        user = UserFactory(customer=org_a)
        for call in (
            lambda: ticket_assign(ticket=ticket, assignee=technician, by=user),
            lambda: ticket_classify(ticket=ticket, category="virus", by=user),
            lambda: ticket_record_prerequisites(ticket=ticket, by=user, has_backups=True,
                                                equipment_ok=None, follows_instructions=None,
                                                no_third_party=None),
        ):
            with pytest.raises(ApplicationError):
                call()
        ticket.refresh_from_db()
        assert (ticket.assignee, ticket.category, ticket.has_backups) == (
            None, "program_fault", None)


@pytest.mark.django_db
@pytest.mark.parametrize(("asked", "stored"), [
    ("phone", "portal"), ("emergency_message", "portal"), ("email", "email"), ("portal", "portal"),
])
def test_customer_requests_come_by_portal_or_email_only(config, org_a, customer_a, asked, stored):
    ticket = ticket_create(customer=org_a, subject="Θέμα", received_via=asked, by=customer_a)
    assert ticket.received_via == stored
    assert ticket.contact_id == customer_a.pk
