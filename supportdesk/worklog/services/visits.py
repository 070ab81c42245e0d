"""Visits at the customer's premises or at our offices (§1), out-of-town costs (§9), and the
per-technician iCalendar feed that phones subscribe to.

Scheduling books the technician's time (no two scheduled visits of one technician overlap).
Completing a visit records its work entry (channel on-site or office) through the entries
service and, for an out-of-town customer, the §9 expense lines (travel, out-of-base fee,
lodging for one person) through ``expense_create``; the form proposes the tariff's
out-of-town values and the technician confirms or corrects them. Completing is one
transaction and happens once: a second "done" is refused, so costs are never booked twice.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from supportdesk.accounts.models import User
from supportdesk.common.choices import Channel, WorkKind
from supportdesk.common.dates import ensure_dates_in_range
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import ensure_staff
from supportdesk.common.text import clean_text
from supportdesk.contracts.selectors import tariff_to_domain, tariff_version_in_force
from supportdesk.domain.pricing import out_of_town_proposal
from supportdesk.tickets.models import Ticket
from supportdesk.worklog.models import CalendarFeed, Expense, Visit
from supportdesk.worklog.selectors import feed_token_digest
from supportdesk.worklog.services.entries import (
    check_not_in_future,
    expense_create,
    work_entry_create,
)

VISIT_ONLY_STAFF = _("Only the vendor's staff schedule and complete visits.")
VISIT_TECHNICIAN_NOT_STAFF = _("Visits are assigned to an active technician or manager.")
VISIT_END_BEFORE_START = _("A visit must end after it starts.")
VISIT_TOO_LONG = _("A visit lasts at most 24 hours; schedule several visits for longer work.")
VISIT_OVERLAPS = _(
    "%(name)s already has a visit from %(start)s to %(end)s that overlaps this one."
)
VISIT_TICKET_CLOSED = _("This request is closed: reopen it before scheduling work on it.")
VISIT_NOT_SCHEDULED = _(
    "This visit is no longer scheduled (it was already completed or cancelled). "
    "Nothing was changed."
)
VISIT_BAD_LOCATION = _(
    "Choose where the visit takes place: at the customer's premises or at our offices."
)
VISIT_IN_THE_FUTURE = _(
    "A visit cannot be completed before it has ended: it ends at %(end)s and it is now "
    "%(now)s. Mark it done once the work is over (with its actual times). Nothing was "
    "changed."
)
VISIT_EXPENSE_NEGATIVE = _("Travel, out-of-base fee and lodging cannot be negative.")
VISIT_EXPENSES_ONLY_OUT_OF_TOWN = _(
    "Travel, out-of-base fee and lodging are charged only for visits to out-of-town "
    "customers (§9)."
)

MAX_VISIT_HOURS = 24



def _full_clean(obj, **kwargs) -> None:
    try:
        obj.full_clean(**kwargs)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), code="invalid") from exc


def _check_span(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ApplicationError(VISIT_END_BEFORE_START, code="end_before_start")
    if (ends_at - starts_at).total_seconds() > MAX_VISIT_HOURS * 3600:
        raise ApplicationError(VISIT_TOO_LONG, code="visit_too_long")


def _short(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "d/m/Y H:i")


def _check_no_overlap(*, technician: User, starts_at: datetime, ends_at: datetime,
                      exclude_pk: int | None = None) -> None:
    clash = (
        Visit.objects.filter(technician=technician, status=Visit.Status.SCHEDULED,
                             starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exclude(pk=exclude_pk)
        .order_by("starts_at")
        .first()
    )
    if clash is not None:
        raise ApplicationError(VISIT_OVERLAPS % {
            "name": technician.get_full_name() or technician.get_username(),
            "start": _short(clash.starts_at),
            "end": _short(clash.ends_at),
        }, code="visit_overlap")


def visit_schedule(
    *,
    ticket: Ticket,
    technician: User,
    location: str,
    starts_at: datetime,
    ends_at: datetime,
    notes: str = "",
    by: User,
) -> Visit:
    """Book ``technician`` for a visit; out-of-town is taken from the customer (§9)."""
    ensure_staff(by, VISIT_ONLY_STAFF)
    ensure_staff(technician, VISIT_TECHNICIAN_NOT_STAFF)
    if location not in Visit.Location.values:
        raise ApplicationError(VISIT_BAD_LOCATION, code="bad_location")
    ensure_dates_in_range(starts_at, ends_at)  # before anything is written (#43)
    _check_span(starts_at, ends_at)
    with transaction.atomic():
        # Lock the technician: two bookings racing for the same slot are serialised, so
        # the overlap check below sees the other one.
        User.objects.select_for_update().filter(pk=technician.pk).first()
        if Ticket.objects.filter(pk=ticket.pk, status=Ticket.Status.CLOSED).exists():
            raise ApplicationError(VISIT_TICKET_CLOSED, code="ticket_closed")
        _check_no_overlap(technician=technician, starts_at=starts_at, ends_at=ends_at)
        visit = Visit(
            ticket=ticket, technician=technician, location=location, starts_at=starts_at,
            ends_at=ends_at, notes=clean_text(notes).strip(),
            is_out_of_town=(location == Visit.Location.ONSITE
                            and ticket.customer.is_out_of_town),
        )
        _full_clean(visit)
        visit._history_user = by
        visit.save()
    return visit


def visit_reschedule(
    *, visit: Visit, starts_at: datetime, ends_at: datetime,
    technician: User | None = None, by: User,
) -> Visit:
    """Move a scheduled visit (or hand it to another technician)."""
    ensure_staff(by, VISIT_ONLY_STAFF)
    technician = technician or visit.technician
    ensure_staff(technician, VISIT_TECHNICIAN_NOT_STAFF)
    ensure_dates_in_range(starts_at, ends_at)  # before anything is written (#43)
    _check_span(starts_at, ends_at)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=technician.pk).first()
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if locked.status != Visit.Status.SCHEDULED:
            raise ApplicationError(VISIT_NOT_SCHEDULED, code="visit_not_scheduled")
        _check_no_overlap(technician=technician, starts_at=starts_at, ends_at=ends_at,
                          exclude_pk=locked.pk)
        locked.technician = technician
        locked.starts_at = starts_at
        locked.ends_at = ends_at
        _full_clean(locked)
        locked._history_user = by
        locked.save()
    return locked


def visit_cancel(*, visit: Visit, by: User) -> Visit:
    ensure_staff(by, VISIT_ONLY_STAFF)
    with transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if locked.status != Visit.Status.SCHEDULED:
            raise ApplicationError(VISIT_NOT_SCHEDULED, code="visit_not_scheduled")
        locked.status = Visit.Status.CANCELLED
        locked._history_user = by
        locked.save(update_fields=["status", "updated_at"])
    return locked


@dataclass(frozen=True)
class OutOfTownDefaults:
    """The tariff's §9 values proposed when an out-of-town visit is marked done (euros).

    Travel is proposed as the round trip (2 × the customer's one-way distance) at the
    tariff's rate per km; lodging is at cost (the receipt), so it is proposed empty. The
    technician confirms or corrects each amount before anything is booked. The arithmetic
    is the rules engine's (``domain.pricing.out_of_town_proposal``).
    """

    distance_km: int
    travel_rate_per_km: Decimal
    travel: Decimal
    out_of_base_fee: Decimal
    is_lodging_at_cost: bool


def visit_out_of_town_defaults(*, visit: Visit) -> OutOfTownDefaults:
    """What the tariff in force on the visit's day proposes for travel, fee and lodging."""
    day = timezone.localdate(visit.starts_at)
    tariff = tariff_to_domain(tariff_version_in_force(day))
    proposal = out_of_town_proposal(visit.ticket.customer.distance_km, tariff=tariff, on=day)
    return OutOfTownDefaults(
        distance_km=proposal.distance_km, travel_rate_per_km=proposal.travel_rate_per_km,
        travel=proposal.travel, out_of_base_fee=proposal.out_of_base_fee,
        is_lodging_at_cost=proposal.is_lodging_at_cost,
    )


def visit_complete(
    *,
    visit: Visit,
    by: User,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    description: str = "",
    kind: str = WorkKind.SUPPORT,
    record_work: bool = True,
    travel: Decimal | None = None,
    out_of_base_fee: Decimal | None = None,
    lodging: Decimal | None = None,
) -> Visit:
    """Mark a visit done: its work entry and, out of town, its §9 expenses; once only."""
    ensure_staff(by, VISIT_ONLY_STAFF)
    started_at = started_at or visit.starts_at
    ended_at = ended_at or visit.ends_at
    # Before the visit is marked done, its entry or expenses booked (#43); the range
    # message, not "in the future", for year 9999.
    ensure_dates_in_range(started_at, ended_at)
    _check_span(started_at, ended_at)
    # Work is what was worked (issue 9): a visit scheduled for next week is not done today.
    check_not_in_future(ended_at, message=VISIT_IN_THE_FUTURE)
    amounts = {Expense.Kind.TRAVEL: travel, Expense.Kind.OUT_OF_BASE: out_of_base_fee,
               Expense.Kind.LODGING: lodging}
    if any(a is not None and a < 0 for a in amounts.values()):
        raise ApplicationError(VISIT_EXPENSE_NEGATIVE, code="expense_negative")
    with transaction.atomic():
        locked = Visit.objects.select_for_update().select_related("ticket__customer").get(
            pk=visit.pk)
        if locked.status != Visit.Status.SCHEDULED:
            raise ApplicationError(VISIT_NOT_SCHEDULED, code="visit_not_scheduled")
        if not locked.is_out_of_town and any(a for a in amounts.values()):
            raise ApplicationError(VISIT_EXPENSES_ONLY_OUT_OF_TOWN, code="not_out_of_town")
        locked.status = Visit.Status.DONE
        locked._history_user = by
        locked.save(update_fields=["status", "updated_at"])
        channel = Channel.ONSITE if locked.location == Visit.Location.ONSITE else Channel.OFFICE
        if record_work:
            # The entry books the §9 costs the technician confirmed (an amount left empty
            # is not charged), linked to the visit and to the entry: once, even on an edit.
            confirmed = {name: amount if amount is not None else Decimal("0")
                         for name, amount in (("travel", travel), ("lodging", lodging),
                                              ("out_of_base_fee", out_of_base_fee))}
            work_entry_create(
                ticket=locked.ticket, technician=locked.technician, channel=channel,
                started_at=started_at, ended_at=ended_at, kind=kind,
                description=clean_text(description).strip() or str(
                    _("Visit: %(location)s") % {"location": locked.get_location_display()}),
                flat_fee=None, by=by, visit=locked, **confirmed,
            )
        elif locked.is_out_of_town:
            day = timezone.localdate(started_at)
            labels = {
                Expense.Kind.TRAVEL: _("Travel (§9)"),
                Expense.Kind.OUT_OF_BASE: _("Out-of-base fee (§9)"),
                Expense.Kind.LODGING: _("Lodging for one person (§9)"),
            }
            for kind_, amount in amounts.items():
                if amount:
                    expense_create(
                        ticket=locked.ticket, visit=locked, kind=kind_, amount=amount,
                        incurred_on=day, description=str(labels[kind_]), by=by,
                    )
    return locked


# --- iCalendar feed tokens -------------------------------------------------------------

def calendar_feed_regenerate(*, technician: User, by: User) -> str:
    """A new secret feed token for ``technician`` (the old URL stops working). Returns the
    token once: only its digest is stored, so it cannot be shown again later."""
    ensure_staff(by, VISIT_ONLY_STAFF)
    ensure_staff(technician, VISIT_TECHNICIAN_NOT_STAFF)
    if by.pk != technician.pk and not by.is_manager:
        raise ApplicationError(VISIT_ONLY_STAFF, code="not_allowed")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.update_or_create(
            technician=technician, defaults={"token_digest": feed_token_digest(token)})
    return token


def calendar_feed_revoke(*, technician: User, by: User) -> None:
    ensure_staff(by, VISIT_ONLY_STAFF)
    if by.pk != technician.pk and not by.is_manager:
        raise ApplicationError(VISIT_ONLY_STAFF, code="not_allowed")
    CalendarFeed.objects.filter(technician=technician).delete()
