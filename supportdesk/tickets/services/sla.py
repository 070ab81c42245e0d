"""The two clocks of a request, response (§4 targets) and resolution (docs/rules.md
"Resolution targets"), on the §6 calendar, through the rules engine.

Nothing here counts working time itself: deadlines come from ``domain.sla.due_at`` and the
state shown in the queue from ``domain.sla.sla_state``, on the default working calendar.
Free has an expected target (2 working days) and a latest one (5); the other tiers have one,
stored twice. A request is *at risk* (warning) from 75% of the expected target used, or once
the expected target has passed while the latest has not; it is *breached* once the latest
target has passed. The targets are a snapshot taken when the request arrived, so a tariff
change never moves an existing promise.

The resolution clock has one target per tier and priority; it stops at the resolution, does
not run while the request waits on the customer or stands resolved (both are
``TicketPause`` rows), and resumes on a reopen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from supportdesk.common.exceptions import ApplicationError
from supportdesk.contracts.selectors import (
    calendar_get_default,
    tariff_to_domain,
    tariff_version_in_force,
)
from supportdesk.domain.calendar import BusinessCalendar
from supportdesk.domain.sla import (
    DEFAULT_WARNING_SHARE,
    ResponseTarget,
    ServiceTargets,
    due_at,
    sla_state,
)
from supportdesk.domain.tariff import Tier
from supportdesk.tickets.models import Ticket

# Display states (stable keys; templates translate them).
STATE_NONE = "none"          # no target (no deadline stored)
STATE_OK = "ok"
STATE_WARNING = "warning"    # at risk
STATE_BREACHED = "breached"
STATE_PAUSED = "paused"      # waiting on the customer: the clock does not run
STATE_ANSWERED = "answered"  # the first response stopped the clock
STATE_RESOLVED = "resolved"  # the resolution stopped the resolution clock

OUTCOME_MET = "met"
OUTCOME_LATE = "late"          # after the expected target, within the latest (Free)
OUTCOME_BREACHED = "breached"  # after the latest target


def service_targets(*, tier: str, priority: str, day: date) -> ServiceTargets:
    """The tier's response and resolution targets for ``priority`` in the tariff version in
    force on ``day``."""
    tariff = tariff_to_domain(tariff_version_in_force(day))
    return tariff.tier(Tier(tier)).targets(priority)


def response_target(*, tier: str, day: date, priority: str = "normal") -> ResponseTarget:
    """The tier's response target in the tariff version in force on ``day`` (§4)."""
    return service_targets(tier=tier, priority=priority, day=day).response


def _pauses(ticket: Ticket) -> list[tuple[datetime, datetime | None]]:
    # ``pauses.all()`` uses a prefetch when the caller made one (the queue does).
    return [(p.started_at, p.ended_at) for p in ticket.pauses.all()]


def deadlines(
    *, calendar: BusinessCalendar, received_at: datetime, expected_minutes: int,
    max_minutes: int, pauses: Iterable[tuple[datetime, datetime]] = (),
) -> tuple[datetime, datetime]:
    """``(response_due_at, response_due_max_at)`` with the closed pauses skipped."""
    closed = [(start, end) for start, end in pauses if end is not None]
    return (
        due_at(calendar, received_at, expected_minutes, closed),
        due_at(calendar, received_at, max_minutes, closed),
    )


def ticket_recompute_deadlines(ticket: Ticket, *, calendar: BusinessCalendar | None = None,
                               ) -> None:
    """Set the stored deadlines from the snapshot targets and the closed pauses (no save)."""
    if not ticket.response_target_minutes:
        return
    calendar = calendar or calendar_get_default()
    ticket.response_due_at, ticket.response_due_max_at = deadlines(
        calendar=calendar, received_at=ticket.received_at,
        expected_minutes=ticket.response_target_minutes,
        max_minutes=ticket.response_target_max_minutes or ticket.response_target_minutes,
        pauses=[(s, e) for s, e in _pauses(ticket) if e is not None],
    )


def ticket_recompute_resolution_due(ticket: Ticket, *,
                                    calendar: BusinessCalendar | None = None) -> None:
    """Set ``resolution_due_at`` from the snapshot target and the closed pauses (no save)."""
    if not ticket.resolution_target_minutes:
        return
    calendar = calendar or calendar_get_default()
    closed = [(s, e) for s, e in _pauses(ticket) if e is not None]
    ticket.resolution_due_at = due_at(calendar, ticket.received_at,
                                      ticket.resolution_target_minutes, closed)


def resolution_outcome(ticket: Ticket, *, resolved_at: datetime,
                       calendar: BusinessCalendar | None = None) -> str:
    """met / breached for a resolution at ``resolved_at`` (working minutes)."""
    if not ticket.resolution_target_minutes:
        return ""
    calendar = calendar or calendar_get_default()
    state = sla_state(calendar, ticket.received_at, ticket.resolution_target_minutes,
                      resolved_at, _pauses(ticket), stopped_at=resolved_at)
    return OUTCOME_BREACHED if state.is_breached else OUTCOME_MET


def response_outcome(ticket: Ticket, *, responded_at: datetime,
                     calendar: BusinessCalendar | None = None) -> str:
    """met / late / breached for a first response at ``responded_at`` (working minutes)."""
    if not ticket.response_target_minutes:
        return ""
    calendar = calendar or calendar_get_default()
    pauses = _pauses(ticket)
    late = sla_state(calendar, ticket.received_at, ticket.response_target_minutes,
                     responded_at, pauses, stopped_at=responded_at)
    if not late.is_breached:
        return OUTCOME_MET
    latest = sla_state(calendar, ticket.received_at,
                       ticket.response_target_max_minutes or ticket.response_target_minutes,
                       responded_at, pauses, stopped_at=responded_at)
    return OUTCOME_BREACHED if latest.is_breached else OUTCOME_LATE


@dataclass(frozen=True)
class SlaView:
    """What the desk shows about a request's response clock at one moment."""

    state: str
    due_at: datetime | None = None
    due_max_at: datetime | None = None
    target_minutes: int = 0
    used_minutes: int = 0
    left_minutes: int = 0
    overdue_minutes: int = 0
    share_used: Decimal = Decimal(0)
    outcome: str = ""
    is_paused: bool = False

    @property
    def percent_used(self) -> int:
        return int(self.share_used * 100)

    @property
    def percent_bar(self) -> int:
        """0-100 in steps of 10: a CSS class picks the bar width (no inline styles: CSP)."""
        return min(int(self.share_used * 10), 10) * 10


def sla_view(ticket: Ticket, *, now: datetime, calendar: BusinessCalendar) -> SlaView:
    expected = ticket.response_target_minutes
    if not expected or ticket.response_due_at is None:
        return SlaView(state=STATE_NONE, due_at=ticket.response_due_at)
    latest_minutes = ticket.response_target_max_minutes or expected
    pauses = _pauses(ticket)
    stopped_at = ticket.first_response_at
    first = sla_state(calendar, ticket.received_at, expected, now, pauses,
                      stopped_at=stopped_at, warning_share=DEFAULT_WARNING_SHARE)
    latest = (first if latest_minutes == expected else
              sla_state(calendar, ticket.received_at, latest_minutes, now, pauses,
                        stopped_at=stopped_at, warning_share=DEFAULT_WARNING_SHARE))
    is_paused = stopped_at is None and any(end is None for _, end in pauses)
    if stopped_at is not None:
        state = STATE_ANSWERED
        outcome = (OUTCOME_BREACHED if latest.is_breached else
                   OUTCOME_LATE if first.is_breached else OUTCOME_MET)
    else:
        outcome = ""
        if latest.is_breached:
            state = STATE_BREACHED
        elif first.is_warning or first.is_breached:
            state = STATE_WARNING
        elif is_paused:
            state = STATE_PAUSED
        else:
            state = STATE_OK
    # Time left runs to the expected target while it holds, then to the latest one.
    shown = latest if first.is_breached else first
    return SlaView(
        state=state, due_at=first.due_at, due_max_at=latest.due_at,
        target_minutes=expected, used_minutes=first.used_minutes,
        left_minutes=shown.left_minutes, overdue_minutes=latest.overdue_minutes,
        share_used=first.share_used, outcome=outcome, is_paused=is_paused,
    )


def resolution_view(ticket: Ticket, *, now: datetime, calendar: BusinessCalendar) -> SlaView:
    """What the desk shows about the resolution clock at ``now``."""
    target = ticket.resolution_target_minutes
    if not target or ticket.resolution_due_at is None:
        return SlaView(state=STATE_NONE)
    pauses = _pauses(ticket)
    stopped_at = ticket.resolved_at
    state_now = sla_state(calendar, ticket.received_at, target, now, pauses,
                          stopped_at=stopped_at, warning_share=DEFAULT_WARNING_SHARE)
    is_paused = stopped_at is None and any(end is None for _, end in pauses)
    if stopped_at is not None:
        state = STATE_RESOLVED
        outcome = OUTCOME_BREACHED if state_now.is_breached else OUTCOME_MET
    else:
        outcome = ""
        state = (STATE_BREACHED if state_now.is_breached else
                 STATE_WARNING if state_now.is_warning else
                 STATE_PAUSED if is_paused else STATE_OK)
    return SlaView(
        state=state, due_at=state_now.due_at, due_max_at=state_now.due_at,
        target_minutes=target, used_minutes=state_now.used_minutes,
        left_minutes=state_now.left_minutes, overdue_minutes=state_now.overdue_minutes,
        share_used=state_now.share_used, outcome=outcome, is_paused=is_paused,
    )


def _views_for(view, tickets: Iterable[Ticket], now: datetime,
               calendar: BusinessCalendar | None) -> dict[int, SlaView]:
    tickets = list(tickets)
    if not tickets:
        return {}
    if calendar is None:
        try:
            calendar = calendar_get_default()
        except ApplicationError:
            return {t.pk: SlaView(state=STATE_NONE) for t in tickets}
    return {t.pk: view(t, now=now, calendar=calendar) for t in tickets}


def sla_view_for(tickets: Iterable[Ticket], *, now: datetime,
                 calendar: BusinessCalendar | None = None) -> dict[int, SlaView]:
    """Response-clock views of a page of requests, one calendar read for all of them."""
    return _views_for(sla_view, tickets, now, calendar)


def resolution_view_for(tickets: Iterable[Ticket], *, now: datetime,
                        calendar: BusinessCalendar | None = None) -> dict[int, SlaView]:
    """Resolution-clock views of a page of requests, one calendar read for all of them."""
    return _views_for(resolution_view, tickets, now, calendar)
