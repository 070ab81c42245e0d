"""Start/stop timers (§8: the vendor alone measures support time).

A timer is a database row (one per technician and request), so it survives page reloads,
server restarts and a technician switching devices. Stopping it turns the elapsed time into
one work entry through the entries service, which prices it; nothing here prices anything.

Rounding is the rules engine's (``supportdesk.domain.timers.timer_span``, a documented
decision shown in the UI): the entry starts at the second the timer started and lasts the
elapsed time rounded up to a whole minute, the rule of every entry (``WorkItem.between``).
A timer that has run for less than one minute is not turned into an entry: the technician
gets a clear message and the timer keeps running (they may stop it later or discard it),
because the tariff's billing unit applies to real work, not to mis-clicks. A timer that
ran longer than ``TIMER_MAX_MINUTES`` (a forgotten timer overnight) is refused too: the
technician enters the real time as a manual entry and discards the timer, so a forgotten
click never bills a customer for a night.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from supportdesk.accounts.models import User
from supportdesk.common.choices import Channel, WorkKind
from supportdesk.common.dates import ensure_dates_in_range
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import ensure_staff
from supportdesk.domain.timers import TIMER_MAX_MINUTES, TimerTooLong, TimerTooShort, timer_span
from supportdesk.tickets.models import Ticket
from supportdesk.worklog.models import Timer, WorkEntry
from supportdesk.worklog.selectors import timer_running_get
from supportdesk.worklog.services.entries import check_not_in_future, work_entry_create

ONLY_STAFF_MEASURE = _("Only the vendor's staff measure support time (§8).")
TIMER_ALREADY_RUNNING = _("Your timer is already running on this request.")
TIMER_RUNNING_ELSEWHERE = _(
    "Your timer is already running on request %(reference)s since %(start)s: stop or "
    "discard it there before timing another request (one running timer per technician)."
)
TIMER_IN_THE_FUTURE = _(
    "A timer cannot be stopped in the future: it would end at %(end)s and it is now "
    "%(now)s. Nothing was recorded and the timer keeps running."
)
TIMER_NOT_RUNNING = _(
    "There is no running timer of yours on this request: it was already stopped. "
    "Nothing was changed."
)
TIMER_UNDER_ONE_MINUTE = _(
    "The timer has run for less than a minute, so nothing was recorded and it keeps running. "
    "Stop it later, or discard it."
)
TIMER_TOO_LONG = _(
    "The timer has run for more than %(hours)d hours, which looks like a forgotten timer. "
    "Nothing was recorded: enter the real time as a manual entry and discard the timer."
)
TIMER_TICKET_CLOSED = _("This request is closed: reopen it before timing work on it.")
TIMER_BAD_CHANNEL = _("Choose one of the four support channels (§1).")
TIMER_BAD_KIND = _("Choose the kind of work: support or training (§3).")


def timer_rounded_span(*, started_at: datetime, now: datetime) -> tuple[datetime, datetime]:
    """The whole-minute ``(started_at, ended_at)`` of the entry a timer stopped at ``now``.

    Raises ApplicationError under one minute or over ``TIMER_MAX_MINUTES`` (see module doc).
    """
    try:
        return timer_span(started_at=started_at, stopped_at=now)
    except TimerTooShort as exc:
        raise ApplicationError(TIMER_UNDER_ONE_MINUTE, code=exc.code) from exc
    except TimerTooLong as exc:
        raise ApplicationError(TIMER_TOO_LONG % {"hours": TIMER_MAX_MINUTES // 60},
                               code=exc.code) from exc


def timer_start(
    *, ticket: Ticket, technician: User, channel: str, now: datetime | None = None
) -> Timer:
    """Start ``technician``'s timer on ``ticket``; a second start is refused, not duplicated,
    and so is a timer while another of theirs runs on another request (issue 9).

    The technician's row is locked first, so two starts on two requests at once (two tabs)
    are serialised and the second sees the first timer."""
    ensure_staff(technician, ONLY_STAFF_MEASURE)
    ensure_dates_in_range(now)  # a caller's moment, checked before anything is written (#43)
    if channel not in Channel.values:
        raise ApplicationError(TIMER_BAD_CHANNEL, code="bad_channel")
    if ticket.status == Ticket.Status.CLOSED:
        raise ApplicationError(TIMER_TICKET_CLOSED, code="ticket_closed")
    timer = Timer(technician=technician, ticket=ticket, channel=channel,
                  started_at=now or timezone.now())
    timer.full_clean(validate_unique=False, validate_constraints=False)
    try:
        # The unique constraint decides between two concurrent starts (double click,
        # two tabs): the loser gets the message, never a second timer.
        with transaction.atomic():
            User.objects.select_for_update().filter(pk=technician.pk).first()
            running = timer_running_get(technician=technician)
            if running is not None and running.ticket_id == ticket.pk:
                raise ApplicationError(TIMER_ALREADY_RUNNING, code="timer_running")
            if running is not None:
                # ``extra["ticket_id"]``: the view links to the running timer's request.
                raise ApplicationError(TIMER_RUNNING_ELSEWHERE % {
                    "reference": running.ticket.reference,
                    "start": formats.date_format(timezone.localtime(running.started_at),
                                                 "d/m/Y H:i"),
                }, code="timer_running_elsewhere", extra={"ticket_id": running.ticket_id})
            timer.save()
    except IntegrityError as exc:
        raise ApplicationError(TIMER_ALREADY_RUNNING, code="timer_running") from exc
    return timer


@transaction.atomic
def timer_stop(
    *,
    ticket: Ticket,
    technician: User,
    description: str = "",
    kind: str = WorkKind.SUPPORT,
    channel: str | None = None,
    flat_fee=None,
    now: datetime | None = None,
) -> WorkEntry:
    """Stop the timer and record its work entry, priced by the entries service.

    The timer row is locked and deleted in the same transaction as the entry is created:
    two concurrent stops (double click, two tabs) make one entry; the second gets
    ``TIMER_NOT_RUNNING``. Any refusal rolls everything back (the timer keeps running).
    """
    ensure_staff(technician, ONLY_STAFF_MEASURE)
    # A caller's moment: the range message before the timer is read, rounded or stopped (#43).
    ensure_dates_in_range(now)
    if kind not in WorkKind.values:
        raise ApplicationError(TIMER_BAD_KIND, code="bad_kind")
    if channel is not None and channel not in Channel.values:
        raise ApplicationError(TIMER_BAD_CHANNEL, code="bad_channel")
    timer = (
        Timer.objects.select_for_update()
        .filter(technician=technician, ticket=ticket)
        .first()
    )
    if timer is None:
        raise ApplicationError(TIMER_NOT_RUNNING, code="timer_not_running")
    started_at, ended_at = timer_rounded_span(started_at=timer.started_at,
                                              now=now or timezone.now())
    # Work is what was worked: a stop "at" a later moment than the server's clock is refused
    # (the span ends less than a minute after ``now``, within the tolerance).
    check_not_in_future(ended_at, message=TIMER_IN_THE_FUTURE)
    entry = work_entry_create(
        ticket=ticket, technician=technician, channel=channel or timer.channel,
        started_at=started_at, ended_at=ended_at, kind=kind, description=description,
        flat_fee=flat_fee, by=technician,
    )
    timer.delete()
    return entry


@transaction.atomic
def timer_discard(*, ticket: Ticket, technician: User) -> None:
    """Throw a timer away without recording anything (a mis-click or a forgotten timer)."""
    ensure_staff(technician, ONLY_STAFF_MEASURE)
    deleted, _rows = Timer.objects.filter(technician=technician, ticket=ticket).delete()
    if not deleted:
        raise ApplicationError(TIMER_NOT_RUNNING, code="timer_not_running")
