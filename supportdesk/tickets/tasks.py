"""Periodic work on requests: SLA warning and breach notices (§4 response targets, §6 calendar).

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
from supportdesk.domain.sla import DEFAULT_WARNING_SHARE
from supportdesk.domain.ticket_status import OPEN_STATUSES
from supportdesk.notifications.events import Event
from supportdesk.notifications.services import address_valid, notify
from supportdesk.tickets.models import Ticket, TicketEvent
from supportdesk.tickets.services.notices import local_text, ticket_context
from supportdesk.tickets.services.sla import STATE_BREACHED, STATE_WARNING, sla_view_for

logger = logging.getLogger(__name__)

#: A request is in the warning state once this share of its response target is used
#: (issue 5: "a warning state, e.g. 75% of the target used"); the queue shows the same.
SLA_WARNING_SHARE_PERCENT = int(DEFAULT_WARNING_SHARE * 100)
#: A floor for the longest expected response target, in working minutes (5 working days);
#: it bounds which requests can be near their warning moment, so a scan reads only requests
#: due within a quarter of it, never the whole table.
MAX_TARGET_WORKING_MINUTES = 5 * 8 * 60
#: Requests handled per scan; any left over are handled by the next minute's scan.
SCAN_BATCH = 500

WARNING = "warning"
BREACH = "breach"


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


def _warning_horizon(now: datetime, calendar) -> datetime:
    """Requests due after this moment cannot have used 75% of their target yet: a target of
    T working minutes is 75% used only within its last T/4 working minutes. T is bounded by
    the longest expected target of the tariff in force (and 5 working days,
    docs/rules.md "Response targets")."""
    longest = MAX_TARGET_WORKING_MINUTES
    try:
        tariff = tariff_to_domain(tariff_version_in_force(timezone.localdate(now)))
        longest = max([longest, *(t.response.expected_minutes for t in tariff.tiers)])
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


def _send_notice(ticket_id: int, notice: str) -> None:
    """Write the notice's notifications (in the claiming transaction; sent after commit)."""
    ticket = (
        Ticket.objects.select_related("customer", "assignee").filter(pk=ticket_id).first()
    )
    if ticket is None:
        return
    recipients = [u for u in _recipients(ticket) if address_valid(u.email)]
    if not recipients:
        logger.warning("SLA %s for %s: no recipient with an e-mail address", notice,
                       ticket.reference)
        return
    assignee = ticket.assignee
    context = {
        **ticket_context(ticket, staff=True),  # the desk link: fails loudly without it
        "breach": notice == BREACH, "percent": SLA_WARNING_SHARE_PERCENT,
        "due": local_text(ticket.response_due_at),
        "technician": clean_text(assignee.get_full_name() or assignee.get_username())
        if assignee else "",
    }
    event = Event.SLA_BREACH if notice == BREACH else Event.SLA_WARNING
    notify(event=event, users=recipients, key=f"{event}:{ticket.pk}",
           template="tickets/notifications/sla", context=context, customer_id=None,
           ticket_id=ticket.pk, link=reverse("desk:ticket", args=[ticket.pk]))


def _mark(ticket_id: int, notice: str, now: datetime) -> bool:
    """Claim the notice for this scanner; True only for the one whose UPDATE hit the row."""
    rows = Ticket.objects.filter(pk=ticket_id)
    if notice == BREACH:
        # A breach notice supersedes a warning never sent: mark both so none comes later.
        claimed = rows.filter(sla_breach_sent_at__isnull=True).update(
            sla_breach_sent_at=now, sla_warning_sent_at=Coalesce(F("sla_warning_sent_at"), now))
    else:
        claimed = rows.filter(sla_warning_sent_at__isnull=True).update(sla_warning_sent_at=now)
    if not claimed:
        return False
    TicketEvent.objects.create(
        ticket_id=ticket_id,
        kind=TicketEvent.Kind.SLA_BREACHED if notice == BREACH else TicketEvent.Kind.SLA_WARNING,
        data={"at": now.isoformat()}, is_internal=True,
    )
    _send_notice(ticket_id, notice)
    return True


@shared_task(name="supportdesk.tickets.tasks.sla_scan", ignore_result=True)
def sla_scan(now: datetime | str | None = None) -> dict[str, int]:
    """Send the SLA warning (75% used) and breach notices due at ``now``, once each."""
    now = _as_datetime(now)
    calendar = calendar_get_default()
    sent = {WARNING: 0, BREACH: 0}

    # Breach: the latest allowed response moment stored on the row has passed (a
    # necessary condition: an open pause only moves it later); the engine confirms.
    breached = (
        _unanswered()
        .filter(sla_breach_sent_at__isnull=True)
        .annotate(due_last=Coalesce("response_due_max_at", "response_due_at"))
        .filter(due_last__lte=now)
        .prefetch_related("pauses")
        .order_by("due_last")[:SCAN_BATCH]
    )
    views = sla_view_for(list(breached), now=now, calendar=calendar)
    for pk, view in views.items():
        if view.state == STATE_BREACHED:
            with transaction.atomic():
                sent[BREACH] += _mark(pk, BREACH, now)

    # Warning: 75% of the expected target used (or, for Free, the expected target passed
    # while the latest holds): the same state the queue shows.
    candidates = (
        _unanswered()
        .filter(sla_warning_sent_at__isnull=True,
                response_due_at__lte=_warning_horizon(now, calendar))
        .prefetch_related("pauses")
        .order_by("response_due_at")[:SCAN_BATCH]
    )
    views = sla_view_for(list(candidates), now=now, calendar=calendar)
    for pk, view in views.items():
        if view.state == STATE_WARNING:
            with transaction.atomic():
                sent[WARNING] += _mark(pk, WARNING, now)
    if sent[WARNING] or sent[BREACH]:
        logger.info("sla_scan at %s: %s warnings, %s breaches", now.isoformat(),
                    sent[WARNING], sent[BREACH])
    return sent
