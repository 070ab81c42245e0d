"""Reads of measured work (§8), visits, remote sessions and calendar feeds.

Staff see all requests' work; every read here is for staff pages (customers read their
entries through the portal's own selectors). Every list is bounded so a page costs the
same number of queries whatever the size of the tables.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from supportdesk.accounts.models import User
from supportdesk.common.choices import Channel
from supportdesk.common.permissions import is_vendor_staff
from supportdesk.customers.models import Customer
from supportdesk.tickets.models import Ticket

from .models import CalendarFeed, RemoteSession, Timer, Visit, WorkEntry

PANEL_ENTRIES = 50
PANEL_VISITS = 10
PANEL_SESSIONS = 10
HISTORY_LIMIT = 100
UPCOMING_LIMIT = 200
FEED_PAST_DAYS = 30
FEED_AHEAD_DAYS = 180
FEED_LIMIT = 500


def ticket_get_for_staff(*, user, ticket_id: int) -> Ticket:
    """A request for a staff page; anyone else gets 404 (never a hint that it exists)."""
    if not is_vendor_staff(user):
        raise Http404
    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_id).first()
    if ticket is None:
        raise Http404
    return ticket


def work_entry_get_for_staff(*, user, entry_id: int) -> WorkEntry:
    if not is_vendor_staff(user):
        raise Http404
    entry = (
        WorkEntry.objects.select_related("ticket__customer", "technician", "tariff_version")
        .filter(pk=entry_id).first()
    )
    if entry is None:
        raise Http404
    return entry


def visit_get_for_staff(*, user, visit_id: int) -> Visit:
    if not is_vendor_staff(user):
        raise Http404
    visit = (
        Visit.objects.select_related("ticket__customer", "technician")
        .filter(pk=visit_id).first()
    )
    if visit is None:
        raise Http404
    return visit


def timer_running(*, technician: User, ticket: Ticket) -> Timer | None:
    return Timer.objects.filter(technician=technician, ticket=ticket).first()


def timer_running_get(*, technician: User) -> Timer | None:
    """The technician's one running timer (issue 9: one per technician), with its ticket."""
    return (Timer.objects.filter(technician=technician).select_related("ticket")
            .order_by("started_at").first())


def timers_for_ticket_page(*, technician: User, ticket: Ticket) -> tuple[Timer | None,
                                                                        Timer | None]:
    """The header's timer (the technician's earliest, as ``timer_running_get``) and the one on
    this ticket (the work panel's), in one query of at most two rows."""
    earliest = (Timer.objects.filter(technician=technician).order_by("started_at")
                .values("pk")[:1])
    rows = list(Timer.objects.filter(technician=technician)
                .filter(Q(ticket=ticket) | Q(pk__in=earliest))
                .select_related("ticket").order_by("started_at"))
    header = rows[0] if rows else None
    here = next((t for t in rows if t.ticket_id == ticket.pk), None)
    return header, here


def timer_list_for_technician(*, technician: User) -> QuerySet[Timer]:
    """A technician's running timers (a handful), newest first, with their requests."""
    return (
        Timer.objects.filter(technician=technician)
        .select_related("ticket__customer").order_by("-started_at")[:20]
    )


def work_entry_history(*, entry: WorkEntry) -> list:
    """Every saved version of an entry, newest first, with who made it (§8 audit)."""
    return list(
        entry.history.select_related("history_user").order_by("-history_date", "-history_id")
        [:HISTORY_LIMIT]
    )


@dataclass(frozen=True)
class WorkTotals:
    count: int
    minutes: int
    billed_minutes: int
    allowance_minutes: int
    bank_minutes: int
    net_amount: Decimal


def work_totals_for_ticket(*, ticket: Ticket) -> WorkTotals:
    agg = WorkEntry.objects.filter(ticket=ticket).aggregate(
        n=Count("id"), minutes=Sum("duration_minutes"), billed=Sum("billed_minutes"),
        allowance=Sum("allowance_drawn_minutes"), bank=Sum("bank_drawn_minutes"),
        net=Sum("net_amount"),
    )
    return WorkTotals(
        count=agg["n"] or 0, minutes=agg["minutes"] or 0, billed_minutes=agg["billed"] or 0,
        allowance_minutes=agg["allowance"] or 0, bank_minutes=agg["bank"] or 0,
        net_amount=agg["net"] or Decimal("0.00"),
    )


@dataclass
class TicketWorkPanel:
    ticket: Ticket
    timer: Timer | None
    entries: list[WorkEntry]
    has_more_entries: bool
    totals: WorkTotals
    visits: list[Visit]
    remote_sessions: list[RemoteSession]
    channels: list
    default_channel: str
    now: datetime


_UNKNOWN = object()


def ticket_work_panel(*, ticket: Ticket, user, timer=_UNKNOWN) -> TicketWorkPanel | None:
    """Everything the work panel of a ticket page shows, in five bounded queries (four when
    the caller already read the technician's ``timer`` on this ticket)."""
    if not is_vendor_staff(user):
        return None
    if timer is _UNKNOWN:
        timer = timer_running(technician=user, ticket=ticket)
    entries = list(
        WorkEntry.objects.filter(ticket=ticket).select_related("technician")
        .order_by("-started_at", "-id")[: PANEL_ENTRIES + 1]
    )
    visits = list(
        Visit.objects.filter(ticket=ticket).select_related("technician")
        .order_by("-starts_at")[:PANEL_VISITS]
    )
    sessions = list(
        RemoteSession.objects.filter(ticket=ticket).select_related("technician")
        .order_by("-started_at")[:PANEL_SESSIONS]
    )
    via = ticket.received_via
    return TicketWorkPanel(
        ticket=ticket, timer=timer, entries=entries[:PANEL_ENTRIES],
        has_more_entries=len(entries) > PANEL_ENTRIES,
        totals=work_totals_for_ticket(ticket=ticket), visits=visits,
        remote_sessions=sessions, channels=Channel.choices,
        default_channel=via if via in Channel.values else Channel.PHONE,
        now=timezone.now(),
    )


def visit_list_upcoming(*, technician: User | None = None, now: datetime | None = None,
                        include_done: bool = False) -> QuerySet[Visit]:
    """Scheduled visits from the start of today on, soonest first (bounded)."""
    now = now or timezone.now()
    start_of_today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    qs = Visit.objects.filter(ends_at__gte=start_of_today)
    if not include_done:
        qs = qs.filter(status=Visit.Status.SCHEDULED)
    if technician is not None:
        qs = qs.filter(technician=technician)
    return qs.select_related("ticket__customer", "technician").order_by("starts_at")[
        :UPCOMING_LIMIT]


def visit_list_for_feed(*, technician: User, now: datetime | None = None) -> list[Visit]:
    """The technician's visits for the iCalendar feed: a month back to six months ahead."""
    now = now or timezone.now()
    return list(
        Visit.objects.filter(
            technician=technician,
            starts_at__gte=now - timedelta(days=FEED_PAST_DAYS),
            starts_at__lte=now + timedelta(days=FEED_AHEAD_DAYS),
        )
        .select_related("ticket__customer")
        .order_by("starts_at")[:FEED_LIMIT]
    )


def staff_list() -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, role__in=[User.Role.TECHNICIAN, User.Role.MANAGER]
    ).order_by("first_name", "last_name", "username")


def feed_token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def calendar_feed_technician(*, token: str) -> User | None:
    """The active staff member a feed token belongs to, or None."""
    if not token or len(token) > 100:
        return None
    feed = (
        CalendarFeed.objects.select_related("technician")
        .filter(token_digest=feed_token_digest(token)).first()
    )
    if feed is None or not feed.technician.is_vendor_staff:
        return None
    return feed.technician


def calendar_feed_exists(*, technician: User) -> bool:
    return CalendarFeed.objects.filter(technician=technician).exists()


def emergency_list_pending() -> QuerySet[Ticket]:
    return (
        Ticket.objects.filter(emergency=Ticket.Emergency.PENDING)
        .exclude(status=Ticket.Status.CLOSED)
        .select_related("customer", "assignee").order_by("received_at")[:100]
    )


def customer_get_active(customer_id) -> Customer | None:
    """The active customer with this id (from a form value), or None."""
    if isinstance(customer_id, Customer):
        return customer_id
    try:
        pk = int(customer_id)
    except (TypeError, ValueError):
        return None
    if not 0 < pk < 2**63:
        return None
    return Customer.objects.filter(pk=pk, is_active=True).first()
