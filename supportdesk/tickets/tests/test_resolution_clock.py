"""The resolution clock of a request (docs/rules.md "Resolution targets"): a tier x priority
target snapshot at intake and on a priority change, paused while waiting on the customer
and while resolved, resumed by a reopen, judged at the resolution, warned and breached once."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from supportdesk.accounts.tests.factories import ManagerFactory
from supportdesk.common.choices import Tier
from supportdesk.common.exceptions import ApplicationError
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.notifications.models import Notification
from supportdesk.tickets.models import Ticket, TicketEvent, TicketPause
from supportdesk.tickets.services import (
    lifecycle,
    resolution_view_for,
    ticket_assign,
    ticket_change_status,
    ticket_create,
    ticket_reply,
    ticket_set_priority,
)
from supportdesk.tickets.tasks import sla_scan

ATH = ZoneInfo("Europe/Athens")
MONDAY_10 = dt.datetime(2026, 11, 30, 10, 0, tzinfo=ATH)


def at(day, hour, minute=0, month=11):
    return dt.datetime(2026 if month > 1 else 2027, month, day, hour, minute, tzinfo=ATH)


@pytest.fixture
def business_a(config, org_a):
    return ContractFactory(customer=org_a, tier=Tier.BUSINESS)


def make(customer, by, *, now=MONDAY_10, **kw):
    data = {"subject": "Δεν τυπώνει η ταμειακή", "body": "Από το πρωί.",
            "received_via": Ticket.ReceivedVia.PHONE, "received_at": now}
    data.update(kw)
    return ticket_create(customer=customer, by=by, now=now, **data)


@pytest.mark.django_db
class TestTargets:
    def test_a_normal_business_request_is_to_be_resolved_in_three_working_days(
            self, business_a, org_a, technician):
        ticket = make(org_a, technician)
        assert ticket.priority == "normal"
        assert ticket.resolution_target_minutes == 3 * 480
        # Monday 10:00 + 24 working hours: Wednesday 18:00.
        assert ticket.resolution_due_at.astimezone(ATH) == at(2, 18, month=12)
        assert ticket.response_due_at.astimezone(ATH) == at(30, 18)

    def test_staff_set_the_priority_at_intake(self, business_a, org_a, technician):
        ticket = make(org_a, technician, priority="urgent")
        assert (ticket.priority, ticket.resolution_target_minutes) == ("urgent", 480)
        assert ticket.resolution_due_at.astimezone(ATH) == at(30, 18)
        created = ticket.events.get(kind=TicketEvent.Kind.CREATED)
        assert created.data["priority"] == "urgent"

    def test_a_customer_cannot_choose_the_priority(self, business_a, org_a, customer_a):
        ticket = ticket_create(customer=org_a, subject="Βοήθεια", received_via="portal",
                               priority="urgent", by=customer_a, now=MONDAY_10)
        assert ticket.priority == "normal"

    def test_an_unknown_priority_is_refused_and_nothing_is_written(
            self, business_a, org_a, technician):
        with pytest.raises(ApplicationError, match=re.escape(str(lifecycle.INVALID_PRIORITY))):
            make(org_a, technician, priority="critical")
        assert not Ticket.objects.exists()


@pytest.mark.django_db
class TestPriorityChange:
    def test_raising_the_priority_shortens_both_running_clocks_and_is_recorded(
            self, business_a, org_a, technician):
        ticket = make(org_a, technician)
        ticket_set_priority(ticket=ticket, priority="urgent", by=technician)
        ticket.refresh_from_db()
        assert ticket.resolution_target_minutes == 480
        assert ticket.resolution_due_at.astimezone(ATH) == at(30, 18)
        event = ticket.events.get(kind=TicketEvent.Kind.PRIORITY_CHANGED)
        assert event.data == {"from": "normal", "to": "urgent"}
        assert event.actor == technician
        assert ticket.history.first().priority == "urgent"

    def test_an_answered_request_keeps_its_response_promise(self, org_a, technician, config):
        # A tariff that answers urgent Basic requests sooner than §4's table.
        ContractFactory(customer=org_a, tier=Tier.BASIC)
        ticket = make(org_a, technician)
        ticket_reply(ticket=ticket, body="Το κοιτάμε.", by=technician, now=at(30, 11))
        ticket_set_priority(ticket=ticket, priority="low", by=technician)
        ticket.refresh_from_db()
        assert ticket.response_target_minutes == 960
        assert ticket.sla_outcome == "met"
        assert ticket.resolution_target_minutes == 10 * 480

    def test_unchanged_invalid_and_customer_changes_are_refused(
            self, business_a, org_a, technician, customer_a):
        ticket = make(org_a, technician)
        with pytest.raises(ApplicationError,
                           match=re.escape(str(lifecycle.PRIORITY_UNCHANGED))):
            ticket_set_priority(ticket=ticket, priority="normal", by=technician)
        with pytest.raises(ApplicationError):
            ticket_set_priority(ticket=ticket, priority="asap", by=technician)
        with pytest.raises(ApplicationError):
            ticket_set_priority(ticket=ticket, priority="urgent", by=customer_a)
        ticket.refresh_from_db()
        assert ticket.priority == "normal"
        assert not ticket.events.filter(kind=TicketEvent.Kind.PRIORITY_CHANGED).exists()


@pytest.mark.django_db
class TestPausesAndReopen:
    def test_waiting_on_the_customer_moves_the_resolution_due_moment(
            self, business_a, org_a, technician):
        ticket = make(org_a, technician, priority="urgent")  # due Monday 18:00
        ticket_change_status(ticket=ticket, status="waiting_customer", by=technician,
                             now=at(30, 12))
        ticket_change_status(ticket=ticket, status="open", by=technician, now=at(1, 12, month=12))
        ticket.refresh_from_db()
        # Eight working hours waited: due one working day later.
        assert ticket.resolution_due_at.astimezone(ATH) == at(1, 18, month=12)

    def test_resolved_then_reopened_counts_the_time_before_and_after_only(
            self, business_a, org_a, technician):
        ticket = make(org_a, technician, priority="urgent")  # 480 working minutes
        ticket_change_status(ticket=ticket, status="resolved", by=technician, now=at(30, 12))
        ticket.refresh_from_db()
        assert ticket.resolution_outcome == "met"
        assert ticket.pauses.get().reason == TicketPause.Reason.RESOLVED
        # Reopened two days later: the clock resumes with 120 minutes used.
        ticket_change_status(ticket=ticket, status="open", by=technician,
                             now=at(2, 10, month=12))
        ticket.refresh_from_db()
        assert ticket.resolution_outcome == ""
        assert ticket.resolved_at is None
        assert ticket.resolution_due_at.astimezone(ATH) == at(2, 16, month=12)
        view = resolution_view_for([ticket], now=at(2, 15, month=12))[ticket.pk]
        assert (view.state, view.used_minutes) == ("warning", 420)
        # Resolved at 17:00: 480 + 60 used, one hour late.
        ticket_change_status(ticket=ticket, status="resolved", by=technician,
                             now=at(2, 17, month=12))
        ticket.refresh_from_db()
        assert ticket.resolution_outcome == "breached"

    def test_a_customer_reply_reopens_a_resolved_request_and_resumes_the_clock(
            self, business_a, org_a, technician, customer_a):
        ticket = ticket_create(customer=org_a, subject="Βοήθεια", received_via="portal",
                               by=customer_a, now=MONDAY_10)
        ticket_change_status(ticket=ticket, status="resolved", by=technician, now=at(30, 11))
        ticket_reply(ticket=ticket, body="Δεν λύθηκε.", by=customer_a, now=at(1, 10, month=12))
        ticket.refresh_from_db()
        assert ticket.status == "open"
        pause = ticket.pauses.get()
        assert (pause.reason, pause.ended_at.astimezone(ATH)) == ("resolved",
                                                                  at(1, 10, month=12))
        # 60 minutes used before: 1380 left from Tuesday 10:00.
        assert ticket.resolution_due_at.astimezone(ATH) == at(3, 17, month=12)

    def test_closing_a_resolved_request_keeps_the_outcome(self, business_a, org_a, technician):
        ticket = make(org_a, technician)
        ticket_change_status(ticket=ticket, status="resolved", by=technician, now=at(30, 12))
        ticket_change_status(ticket=ticket, status="closed", by=technician,
                             now=at(10, 12, month=12))
        ticket.refresh_from_db()
        assert ticket.resolution_outcome == "met"
        assert ticket.pauses.count() == 1


@pytest.mark.django_db
class TestNotices:
    @pytest.fixture
    def scan(self, django_capture_on_commit_callbacks):
        def run(now):
            with django_capture_on_commit_callbacks(execute=True):
                return sla_scan(now)
        return run

    def test_resolution_warning_and_breach_are_each_sent_once(
            self, business_a, org_a, technician, scan):
        ManagerFactory(email="boss@example.com")
        technician.email = "tech@example.com"
        technician.save()
        ticket = make(org_a, technician, priority="urgent")
        ticket_assign(ticket=ticket, assignee=technician, by=technician)
        ticket_reply(ticket=ticket, body="Το κοιτάμε.", by=technician, now=at(30, 11))
        # 80% of the resolution target (384 of 480): one warning, to technician and manager.
        sent = scan(at(30, 16, 24))
        scan(at(30, 16, 30))
        assert (sent["resolution_warning"], sent["warning"]) == (1, 0)
        assert sorted(to for m in mail.outbox for to in m.to) == [
            "boss@example.com", "tech@example.com"]
        assert "Resolution" in mail.outbox[0].subject or "επίλυσης" in mail.outbox[0].subject
        # Past the target: one breach notice each, recorded in the history.
        sent = scan(at(1, 10, 30, month=12))
        scan(at(1, 11, month=12))
        assert sent["resolution_breach"] == 1
        assert len(mail.outbox) == 4
        kinds = list(ticket.events.filter(kind__startswith="resolution").values_list(
            "kind", flat=True))
        assert kinds == ["resolution_warning", "resolution_breached"]
        assert Notification.objects.filter(key__startswith="sla_breach:resolution:").count() \
            == 2

    def test_a_resolved_or_waiting_request_is_not_warned(self, business_a, org_a, technician,
                                                          scan):
        ManagerFactory(email="boss@example.com")
        resolved = make(org_a, technician, priority="urgent")
        ticket_change_status(ticket=resolved, status="resolved", by=technician, now=at(30, 11))
        waiting = make(org_a, technician, priority="urgent")
        ticket_reply(ticket=waiting, body="Στείλτε μας φωτογραφία.", by=technician,
                     now=at(30, 10, 30))
        ticket_change_status(ticket=waiting, status="waiting_customer", by=technician,
                             now=at(30, 10, 30))
        sent = scan(at(1, 17, month=12))
        assert (sent["resolution_warning"], sent["resolution_breach"]) == (0, 0)
        assert mail.outbox == []

    def test_a_lower_priority_is_a_new_promise_with_its_own_notices(
            self, business_a, org_a, technician, scan):
        ManagerFactory(email="boss@example.com")
        ticket = make(org_a, technician, priority="urgent")
        ticket_reply(ticket=ticket, body="Το κοιτάμε.", by=technician, now=at(30, 10, 5))
        assert scan(at(1, 10, 30, month=12))["resolution_breach"] == 1
        ticket_set_priority(ticket=ticket, priority="low", by=technician)
        ticket.refresh_from_db()
        assert ticket.resolution_breach_sent_at is None
        assert scan(at(1, 10, 31, month=12))["resolution_breach"] == 0  # 5 days now

    def test_requests_from_before_the_clock_existed_are_left_alone(
            self, business_a, org_a, technician, scan):
        ticket = make(org_a, technician)
        Ticket.objects.filter(pk=ticket.pk).update(resolution_target_minutes=None,
                                                   resolution_due_at=None)
        ticket.refresh_from_db()
        assert resolution_view_for([ticket], now=at(20, 10, month=12))[ticket.pk].state == "none"
        assert scan(at(20, 10, month=12))["resolution_breach"] == 0
