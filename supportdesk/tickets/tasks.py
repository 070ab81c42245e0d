"""Periodic work on requests: SLA warning and breach notices of both clocks (§4 response
targets, docs/rules.md "Resolution targets", §6 calendar).

The same functions run under Celery beat (``config/celery.py``, when CELERY_BROKER_URL is set)
and under the in-process scheduler of the embedded install (``tickets/scheduler.py``,
``manage.py run_scheduler``): one code path.

Each notice is sent once per request, even with two scanners running at the same time: the
request row is marked with ``UPDATE ... WHERE sla_warning_sent_at IS NULL`` and only the
scanner whose update touched the row writes the notifications, in the same transaction
(``notifications.services.notify``: keys ``sla_warning:<ticket>``/``sla_breach:<ticket>``),
sent after it commits and retried with back-off (docs/notifications.md).
"""

import logging
from datetime import datetime

from celery import shared_task
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from supportdesk.accounts.models import User
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.text import clean_text
from supportdesk.contracts.selectors import (
    calendar_get_default,
    tariff_to_domain,
    tariff_version_in_force,
)
from supportdesk.domain.sla import DEFAULT_WARNING_SHARE, ClockKind, Priority
from supportdesk.domain.ticket_status import OPEN_STATUSES
from supportdesk.notifications.announcements import Happening, announce
from supportdesk.notifications.events import Event
from supportdesk.notifications.services import address_valid, notify
from supportdesk.tickets.models import Ticket, TicketEvent
from supportdesk.tickets.services.notices import local_text, ticket_context
from supportdesk.tickets.services.sla import (
    STATE_BREACHED,
    STATE_WARNING,
    resolution_view_for,
    sla_view_for,
)

logger = logging.getLogger(__name__)

#: A request is in the warning state once this share of its response target is used
#: (issue 5: "a warning state, e.g. 75% of the target used"); the queue shows the same.
SLA_WARNING_SHARE_PERCENT = int(DEFAULT_WARNING_SHARE * 100)
#: A floor for the longest expected response target, in working minutes (5 working days);
#: it bounds which requests can be near their warning moment, so a scan reads only requests
#: due within a quarter of it, never the whole table.
MAX_TARGET_WORKING_MINUTES = 5 * 8 * 60
#: The same floor for the resolution clock (the default low-priority Free target).
MAX_RESOLUTION_MINUTES = 20 * 8 * 60
#: Requests handled per scan; any left over are handled by the next minute's scan.
SCAN_BATCH = 500

WARNING = "warning"
BREACH = "breach"
RESPONSE = ClockKind.RESPONSE.value
RESOLUTION = ClockKind.RESOLUTION.value


def _as_datetime(now: datetime | str | None) -> datetime:
    if now is None:
        return timezone.now()
    if isinstance(now, str):  # Celery serialises arguments as JSON
        parsed = parse_datetime(now)
        if parsed is None or timezone.is_naive(parsed):
            raise ValueError(f"sla_scan: now must be an aware ISO datetime, got {now!r}")
        return parsed
    return now


def _unanswered():
    # Waiting-on-customer requests stay candidates: the rules engine knows the clock is
    # paused (an open pause counts nothing) and says whether the state still applies.
    return Ticket.objects.filter(
        status__in=list(OPEN_STATUSES),
        first_response_at__isnull=True,
        response_due_at__isnull=False,
    )


def _warning_horizon(now: datetime, calendar, clock: str = RESPONSE) -> datetime:
    """Requests due after this moment cannot have used 75% of their target yet: a target of
    T working minutes is 75% used only within its last T/4 working minutes. T is bounded by
    the longest target of the clock in the tariff in force (and 5 working days for the
    response, 20 for the resolution; docs/rules.md "Response targets", "Resolution
    targets")."""
    longest = MAX_TARGET_WORKING_MINUTES if clock == RESPONSE else MAX_RESOLUTION_MINUTES
    try:
        tariff = tariff_to_domain(tariff_version_in_force(timezone.localdate(now)))
        if clock == RESPONSE:
            longest = max([longest, *(t.targets(p).response.expected_minutes
                                      for t in tariff.tiers for p in Priority)])
        else:
            longest = max([longest, *(t.targets(p).resolution_minutes
                                      for t in tariff.tiers for p in Priority)])
    except ApplicationError:
        pass
    return calendar.add_working_minutes(now, longest * (100 - SLA_WARNING_SHARE_PERCENT) // 100)


def _recipients(ticket: Ticket) -> list[User]:
    """The assignee (if staff) and every active manager."""
    users: list[User] = []
    assignee = ticket.assignee
    if assignee is not None and assignee.is_vendor_staff:
        users.append(assignee)
    for manager in User.objects.filter(role=User.Role.MANAGER, is_active=True).order_by("pk"):
        if manager.pk not in {u.pk for u in users}:
            users.append(manager)
    return users


def _send_notice(ticket_id: int, notice: str, clock: str = RESPONSE) -> None:
    """Write the notice's notifications (in the claiming transaction; sent after commit)."""
    ticket = (
        Ticket.objects.select_related("customer", "assignee").filter(pk=ticket_id).first()
    )
    if ticket is None:
        return
    happening = Happening.TICKET_SLA_BREACH if notice == BREACH else Happening.TICKET_SLA_WARNING
    resolution = clock == RESOLUTION
    announce(happening, key=f"{happening}:resolution:{ticket.pk}" if resolution
             else f"{happening}:{ticket.pk}", customer_id=ticket.customer_id, subject=ticket,
             clock=clock)
    recipients = [u for u in _recipients(ticket) if address_valid(u.email)]
    if not recipients:
        logger.warning("SLA %s (%s) for %s: no recipient with an e-mail address", notice,
                       clock, ticket.reference)
        return
    assignee = ticket.assignee
    context = {
        **ticket_context(ticket, staff=True),  # the desk link: fails loudly without it
        "breach": notice == BREACH, "percent": SLA_WARNING_SHARE_PERCENT,
        "resolution": resolution,
        "due": local_text(ticket.resolution_due_at if resolution else ticket.response_due_at),
        "technician": clean_text(assignee.get_full_name() or assignee.get_username())
        if assignee else "",
    }
    event = Event.SLA_BREACH if notice == BREACH else Event.SLA_WARNING
    # The resolution notices are keyed by their target too: a changed priority is a new
    # promise, whose notices may be due again.
    key = (f"{event}:resolution:{ticket.pk}:{ticket.resolution_target_minutes}" if resolution
           else f"{event}:{ticket.pk}")
    notify(event=event, users=recipients, key=key,
           template="tickets/notifications/sla", context=context, customer_id=None,
           ticket_id=ticket.pk, link=reverse("desk:ticket", args=[ticket.pk]))


#: Per clock: the fields marking that a notice was sent, and the history event kinds.
_MARKS = {
    RESPONSE: ("sla_warning_sent_at", "sla_breach_sent_at",
               TicketEvent.Kind.SLA_WARNING, TicketEvent.Kind.SLA_BREACHED),
    RESOLUTION: ("resolution_warning_sent_at", "resolution_breach_sent_at",
                 TicketEvent.Kind.RESOLUTION_WARNING, TicketEvent.Kind.RESOLUTION_BREACHED),
}


def _mark(ticket_id: int, notice: str, now: datetime, clock: str = RESPONSE) -> bool:
    """Claim the notice for this scanner; True only for the one whose UPDATE hit the row."""
    warning_field, breach_field, warning_kind, breach_kind = _MARKS[clock]
    rows = Ticket.objects.filter(pk=ticket_id)
    if notice == BREACH:
        # A breach notice supersedes a warning never sent: mark both so none comes later.
        claimed = rows.filter(**{f"{breach_field}__isnull": True}).update(
            **{breach_field: now, warning_field: Coalesce(F(warning_field), now)})
    else:
        claimed = rows.filter(**{f"{warning_field}__isnull": True}).update(
            **{warning_field: now})
    if not claimed:
        return False
    TicketEvent.objects.create(
        ticket_id=ticket_id, kind=breach_kind if notice == BREACH else warning_kind,
        data={"at": now.isoformat()}, is_internal=True,
    )
    _send_notice(ticket_id, notice, clock)
    return True


def _unresolved():
    # Requests waiting on the customer stay candidates, as for the response clock.
    return Ticket.objects.filter(
        status__in=list(OPEN_STATUSES), resolved_at__isnull=True,
        resolution_due_at__isnull=False,
    )


def _scan_clock(clock: str, now: datetime, calendar, sent: dict[str, int]) -> None:
    """Breach first (the stored latest due moment has passed: a necessary condition, as an
    open pause only moves it later; the engine confirms), then warning (75% used, the state
    the queue shows)."""
    if clock == RESPONSE:
        breached = (_unanswered().filter(sla_breach_sent_at__isnull=True)
                    .annotate(due_last=Coalesce("response_due_max_at", "response_due_at")))
        warned = _unanswered().filter(sla_warning_sent_at__isnull=True)
        due_field, views_for = "response_due_at", sla_view_for
    else:
        breached = (_unresolved().filter(resolution_breach_sent_at__isnull=True)
                    .annotate(due_last=F("resolution_due_at")))
        warned = _unresolved().filter(resolution_warning_sent_at__isnull=True)
        due_field, views_for = "resolution_due_at", resolution_view_for
    breached = (breached.filter(due_last__lte=now).prefetch_related("pauses")
                .order_by("due_last")[:SCAN_BATCH])
    for pk, view in views_for(list(breached), now=now, calendar=calendar).items():
        if view.state == STATE_BREACHED:
            with transaction.atomic():
                sent[f"{clock}_{BREACH}" if clock == RESOLUTION else BREACH] += _mark(
                    pk, BREACH, now, clock)
    horizon = _warning_horizon(now, calendar, clock)
    warned = (warned.filter(**{f"{due_field}__lte": horizon}).prefetch_related("pauses")
              .order_by(due_field)[:SCAN_BATCH])
    for pk, view in views_for(list(warned), now=now, calendar=calendar).items():
        if view.state == STATE_WARNING:
            with transaction.atomic():
                sent[f"{clock}_{WARNING}" if clock == RESOLUTION else WARNING] += _mark(
                    pk, WARNING, now, clock)


@shared_task(name="supportdesk.tickets.tasks.sla_scan", ignore_result=True)
def sla_scan(now: datetime | str | None = None) -> dict[str, int]:
    """Send the SLA warning (75% used) and breach notices due at ``now``, once each, for
    both clocks: ``warning``/``breach`` count the response clock's,
    ``resolution_warning``/``resolution_breach`` the resolution clock's."""
    now = _as_datetime(now)
    calendar = calendar_get_default()
    sent = {WARNING: 0, BREACH: 0, f"{RESOLUTION}_{WARNING}": 0, f"{RESOLUTION}_{BREACH}": 0}
    _scan_clock(RESPONSE, now, calendar, sent)
    _scan_clock(RESOLUTION, now, calendar, sent)
    if any(sent.values()):
        logger.info("sla_scan at %s: %s", now.isoformat(), sent)
    return sent
