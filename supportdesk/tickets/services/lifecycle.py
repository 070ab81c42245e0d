"""Writes of a support request's life: intake, status, replies, assignment, scope, §11 checks.

Each use case is one transaction that locks the request row (so two technicians clicking at
once apply one after the other), validates, saves with ``full_clean()``, and appends a
``TicketEvent`` with a machine key; django-simple-history keeps every version of the row.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supportdesk.catalog.models import Product
from supportdesk.catalog.selectors import licensed_products
from supportdesk.common.choices import Priority, Tier
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.text import fold
from supportdesk.contracts.selectors import calendar_get_default, contract_in_force
from supportdesk.customers.models import Customer
from supportdesk.domain.sla import due_at
from supportdesk.domain.ticket_status import (
    CLOSED_STATUSES,
    INITIAL_STATUS,
    can_move,
    is_clock_paused,
    status_after_reply,
)
from supportdesk.notifications.announcements import Happening, announce
from supportdesk.tickets.models import Message, Ticket, TicketEvent, TicketPause

from . import notices, sla
from ._common import (
    BODY_MAX,
    SUBJECT_MAX,
    clean_field,
    ensure_can_act,
    ensure_staff,
    is_staff,
)

SUBJECT = _("Subject")
DESCRIPTION = _("Description")
MESSAGE = _("Message")
CUSTOMER_INACTIVE = _("This customer is not active.")
PRODUCT_UNKNOWN = _("Choose one of our active products (§10: support covers only them).")
PRODUCT_NOT_LICENSED = _(
    "Choose a product your company holds an active licence for (§10: support covers only "
    "them).")
CONTACT_NOT_OF_CUSTOMER = _("The contact person does not belong to this customer.")
RECEIVED_IN_FUTURE = _("The time received cannot be in the future.")
RECEIVED_NAIVE = _("The time received needs a time zone.")
INVALID_CHANNEL = _("Choose how the request was received.")
INVALID_CATEGORY = _("Choose a category.")
INVALID_PRIORITY = _("Choose a priority: low, normal, high or urgent.")
PRIORITY_UNCHANGED = _("The request already has this priority.")
INVALID_STATUS = _("Choose a valid status.")
STATUS_UNCHANGED = _("The request already has this status.")
STATUS_TRANSITION = _("A request cannot go from “%(from)s” to “%(to)s”.")
REPLY_ON_CLOSED = _("This request is closed; open a new request instead.")
NOTE_STAFF_ONLY = _("Only our staff can add internal notes.")
STALE = _("This request changed since you opened it: read what is new below, then send "
          "again. Nothing was saved; your text is kept.")
ASSIGNEE_NOT_STAFF = _("Requests can only be assigned to active staff.")
ASSIGNEE_UNCHANGED = _("The request is already assigned so.")
CATEGORY_UNCHANGED = _("The request already has this classification.")
PREREQUISITE_INVALID = _("Each prerequisite is yes, no or not checked.")

# Which status may follow which, and which pause the response clock, are the rules
# engine's (supportdesk.domain.ticket_status); this module applies their effects.
PREREQUISITE_FIELDS = ("has_backups", "equipment_ok", "follows_instructions", "no_third_party")
# A clock skew allowance for "received at" typed by a technician or sent by a client.
_FUTURE_TOLERANCE = timedelta(minutes=5)


def ticket_search_text(ticket: Ticket, customer_name: str | None = None) -> str:
    name = customer_name if customer_name is not None else ticket.customer.name
    return fold(" ".join([ticket.subject, ticket.body, name]))


def _event(ticket: Ticket, kind: str, by, *, internal: bool = False, **data) -> TicketEvent:
    return TicketEvent.objects.create(ticket=ticket, kind=kind, actor=by, data=data,
                                      is_internal=internal)


def _locked(ticket: Ticket) -> Ticket:
    """Re-read the request under a row lock; the caller's object is refreshed to match."""
    fresh = Ticket.objects.select_for_update().get(pk=ticket.pk)
    for f in Ticket._meta.concrete_fields:
        setattr(ticket, f.attname, getattr(fresh, f.attname))
    # Pauses may have changed since the caller read them.
    if hasattr(ticket, "_prefetched_objects_cache"):
        ticket._prefetched_objects_cache.pop("pauses", None)
    return ticket


def _ensure_fresh(ticket: Ticket, seen_version: int | None) -> None:
    """Refuse a change made on a page older than the request (the caller holds the lock)."""
    if seen_version is not None and ticket.version > seen_version:
        raise ApplicationError(STALE, code="stale")


def _save(ticket: Ticket, by) -> None:
    ticket._history_user = by if getattr(by, "pk", None) else None
    ticket.full_clean(exclude=["customer", "product", "contact", "assignee", "contract"])
    ticket.save()


# ----------------------------------------------------------------------------- intake


def ticket_create(
    *, customer: Customer, subject: str, body: str = "", received_via: str,
    category: str = Ticket.Category.PROGRAM_FAULT, product: Product | None = None,
    contact=None, contact_name: str = "", received_at: datetime | None = None,
    is_emergency: bool = False, priority: str = Priority.NORMAL, by,
    now: datetime | None = None,
) -> Ticket:
    """Record a request (a phone call as it happens, a portal form, an e-mail).

    The tier is the one of the contract in force on the day it arrived (no contract: Free),
    and its response target (§4) and resolution target (tier x priority) are counted on the
    working calendar (§6) from the next working moment; they are stored so the queue orders
    by an index. A customer cannot set the priority: staff judge it.
    """
    now = now or timezone.now()
    ensure_can_act(by, Ticket(customer=customer))
    if not is_staff(by):
        # A customer files for itself only, as its own contact, through the portal or by
        # e-mail (the mail intake acts as the sender's user); never a staff channel.
        if received_via != Ticket.ReceivedVia.EMAIL:
            received_via = Ticket.ReceivedVia.PORTAL
        contact, contact_name, received_at = by, "", None
        is_emergency = False
        priority = Priority.NORMAL
    if not customer.is_active:
        raise ApplicationError(CUSTOMER_INACTIVE, code="customer_inactive")
    subject = clean_field(subject, field=SUBJECT, max_length=SUBJECT_MAX, required=True)
    body = clean_field(body, field=DESCRIPTION, max_length=BODY_MAX, required=False)
    contact_name = clean_field(contact_name, field=_("Caller name"), max_length=120,
                               required=False)
    if received_via not in Ticket.ReceivedVia.values:
        raise ApplicationError(INVALID_CHANNEL, code="invalid_channel")
    if category not in Ticket.Category.values:
        raise ApplicationError(INVALID_CATEGORY, code="invalid_category")
    if priority not in Priority.values:
        raise ApplicationError(INVALID_PRIORITY, code="invalid_priority")
    if product is not None and not product.is_active:
        raise ApplicationError(PRODUCT_UNKNOWN, code="product_unknown")
    if product is not None and not is_staff(by) and not licensed_products(
            customer_id=customer.pk).filter(pk=product.pk).exists():
        # Staff may log a call about any active product; a customer only about its own.
        raise ApplicationError(PRODUCT_NOT_LICENSED, code="product_not_licensed")
    if contact is not None and contact.customer_id != customer.pk:
        raise ApplicationError(CONTACT_NOT_OF_CUSTOMER, code="contact_customer")
    if received_at is None:
        received_at = now
    elif timezone.is_naive(received_at):
        raise ApplicationError(RECEIVED_NAIVE, code="received_naive")
    elif received_at > now + _FUTURE_TOLERANCE:
        raise ApplicationError(RECEIVED_IN_FUTURE, code="received_future")

    day = timezone.localtime(received_at).date()
    contract = contract_in_force(customer_id=customer.pk, day=day)
    tier = contract.tier if contract else Tier.FREE
    targets = sla.service_targets(tier=tier, priority=priority, day=day)
    target = targets.response

    with transaction.atomic():
        ticket = Ticket(
            customer=customer, product=product, contact=contact, contact_name=contact_name,
            subject=subject, body=body, received_via=received_via, category=category,
            status=INITIAL_STATUS, tier=tier, contract=contract, received_at=received_at,
            emergency=Ticket.Emergency.PENDING if is_emergency else Ticket.Emergency.NONE,
            priority=priority,
            response_target_minutes=target.expected_minutes,
            response_target_max_minutes=target.max_minutes,
            resolution_target_minutes=targets.resolution_minutes,
        )
        calendar = calendar_get_default()
        ticket.response_due_at, ticket.response_due_max_at = sla.deadlines(
            calendar=calendar, received_at=received_at,
            expected_minutes=target.expected_minutes, max_minutes=target.max_minutes,
        )
        ticket.resolution_due_at = due_at(calendar, received_at, targets.resolution_minutes)
        ticket.search_text = ticket_search_text(ticket, customer.name)
        _save(ticket, by)
        _event(ticket, TicketEvent.Kind.CREATED, by, received_via=received_via, tier=tier,
               category=category, emergency=is_emergency, priority=priority)
        notices.ticket_created_notify(ticket, by=by)
        announce(Happening.TICKET_CREATED, key=f"ticket.created:{ticket.pk}",
                 customer_id=ticket.customer_id, subject=ticket)
    return ticket


# ----------------------------------------------------------------------------- status


def _stop_response_clock(ticket: Ticket, at: datetime) -> None:
    if ticket.first_response_at is None:
        at = max(at, ticket.received_at)
        ticket.first_response_at = at
        ticket.sla_outcome = sla.response_outcome(ticket, responded_at=at)


def _close_pause(ticket: Ticket, at: datetime) -> None:
    pause = ticket.pauses.filter(ended_at__isnull=True).first()
    if pause is not None:
        pause.ended_at = max(at, pause.started_at)
        pause.full_clean()
        pause.save()
    if hasattr(ticket, "_prefetched_objects_cache"):
        ticket._prefetched_objects_cache.pop("pauses", None)


def _stop_resolution_clock(ticket: Ticket, at: datetime) -> None:
    """Resolved (or closed from open): judge the outcome and stand the clock still until a
    reopen (a ``resolved`` pause)."""
    at = max(at, ticket.received_at)
    ticket.resolution_outcome = sla.resolution_outcome(ticket, resolved_at=at)
    TicketPause.objects.create(ticket=ticket, started_at=at,
                               reason=TicketPause.Reason.RESOLVED)


def _resume_resolution_clock(ticket: Ticket, at: datetime) -> None:
    """Reopened: the resolved span becomes a closed pause and the due moment moves by it."""
    _close_pause(ticket, at)
    ticket.resolution_outcome = ""
    sla.ticket_recompute_resolution_due(ticket)


def ticket_change_status(*, ticket: Ticket, status: str, by, now: datetime | None = None,
                         seen_version: int | None = None) -> Ticket:
    """Move a request to ``status``. Waiting on the customer pauses the response clock;
    leaving it ends the pause and moves the deadlines by the paused working time
    (docs/rules.md "Waiting on the customer pauses the clock").
    Resolving or closing an unanswered request counts as its response."""
    ensure_staff(by)
    now = now or timezone.now()
    if status not in Ticket.Status.values:
        raise ApplicationError(INVALID_STATUS, code="invalid_status")
    with transaction.atomic():
        _locked(ticket)
        _ensure_fresh(ticket, seen_version)
        old = ticket.status
        if status == old:
            raise ApplicationError(STATUS_UNCHANGED, code="status_unchanged")
        if not can_move(old, status):
            raise ApplicationError(
                STATUS_TRANSITION % {"from": Ticket.Status(old).label,
                                     "to": Ticket.Status(status).label},
                code="status_transition",
            )
        if is_clock_paused(old):
            _close_pause(ticket, now)
            if ticket.first_response_at is None:
                sla.ticket_recompute_deadlines(ticket)
            sla.ticket_recompute_resolution_due(ticket)
        if is_clock_paused(status):
            TicketPause.objects.create(ticket=ticket, started_at=max(now, ticket.received_at))
        if status == Ticket.Status.RESOLVED:
            _stop_response_clock(ticket, now)
            _stop_resolution_clock(ticket, now)
            ticket.resolved_at = now
        elif status == Ticket.Status.CLOSED:
            _stop_response_clock(ticket, now)
            if old not in CLOSED_STATUSES:
                _stop_resolution_clock(ticket, now)
            ticket.closed_at = now
            ticket.resolved_at = ticket.resolved_at or now
        elif status == Ticket.Status.OPEN and old in CLOSED_STATUSES:
            _resume_resolution_clock(ticket, now)
            ticket.resolved_at = None
            ticket.closed_at = None
        ticket.status = status
        _save(ticket, by)
        changed = _event(ticket, TicketEvent.Kind.STATUS_CHANGED, by,
                         **{"from": old, "to": status})
        notices.status_notify(ticket, old=old, new=status, event_id=changed.pk)
        announce(Happening.TICKET_STATUS_CHANGED,
                 key=f"ticket.status_changed:{ticket.pk}:{changed.pk}",
                 customer_id=ticket.customer_id, subject=ticket, old=old, new=status)
    return ticket


# ----------------------------------------------------------------------------- replies


def ticket_reply(*, ticket: Ticket, body: str, by, is_internal: bool = False,
                 now: datetime | None = None, seen_version: int | None = None) -> Message:
    """Add a reply (or a staff-only internal note). The first public staff reply stops the
    response clock; a customer's reply to a request waiting on it reopens it."""
    now = now or timezone.now()
    ensure_can_act(by, ticket)
    staff = is_staff(by)
    if is_internal and not staff:
        raise ApplicationError(NOTE_STAFF_ONLY, code="staff_only")
    body = clean_field(body, field=MESSAGE, max_length=BODY_MAX, required=True)
    with transaction.atomic():
        _locked(ticket)
        _ensure_fresh(ticket, seen_version)
        if ticket.status == Ticket.Status.CLOSED and not staff:
            raise ApplicationError(REPLY_ON_CLOSED, code="ticket_closed")
        before = ticket.status
        message = Message(ticket=ticket, author=by, body=body, is_internal=is_internal)
        message.full_clean()
        message.save()
        changed = False
        after = status_after_reply(ticket.status, by_staff=staff, is_internal=is_internal)
        if staff and not is_internal:
            notices.staff_reply_notify(message)
            if ticket.first_response_at is None:
                _stop_response_clock(ticket, now)
                changed = True
            if after != ticket.status:
                ticket.status = after
                changed = True
        elif not staff and after != ticket.status:
            old = ticket.status
            if is_clock_paused(old):
                _close_pause(ticket, now)
                if ticket.first_response_at is None:
                    sla.ticket_recompute_deadlines(ticket)
                sla.ticket_recompute_resolution_due(ticket)
            elif old in CLOSED_STATUSES:
                _resume_resolution_clock(ticket, now)
            ticket.status = after
            ticket.resolved_at = None
            changed = True
            _event(ticket, TicketEvent.Kind.STATUS_CHANGED, by, **{"from": old, "to": after})
        if changed:
            _save(ticket, by)
        else:
            # Keep updated_at honest for "last activity" without touching the history.
            Ticket.objects.filter(pk=ticket.pk).update(updated_at=now)
        _event(ticket, TicketEvent.Kind.NOTE_ADDED if is_internal else TicketEvent.Kind.REPLIED,
               by, internal=is_internal, message=message.pk)
        if not staff:
            notices.customer_reply_notify(message)
        if not is_internal:  # an internal note never leaves the desk
            announce(Happening.TICKET_REPLY_ADDED, key=f"ticket.reply_added:{message.pk}",
                     customer_id=ticket.customer_id, subject=message)
        if ticket.status != before:
            announce(Happening.TICKET_STATUS_CHANGED,
                     key=f"ticket.status_changed:{ticket.pk}:reply-{message.pk}",
                     customer_id=ticket.customer_id, subject=ticket, old=before,
                     new=ticket.status)
    return message


# ----------------------------------------------------------------------------- assignment


def ticket_assign(*, ticket: Ticket, assignee, by) -> Ticket:
    """Give the request to a technician (or to nobody with ``assignee=None``)."""
    ensure_staff(by)
    if assignee is not None:
        user = get_user_model().objects.filter(pk=assignee.pk).first()
        if user is None or not user.is_vendor_staff:
            raise ApplicationError(ASSIGNEE_NOT_STAFF, code="assignee_not_staff")
    with transaction.atomic():
        _locked(ticket)
        new_id = assignee.pk if assignee is not None else None
        if ticket.assignee_id == new_id:
            raise ApplicationError(ASSIGNEE_UNCHANGED, code="assignee_unchanged")
        old_id = ticket.assignee_id
        ticket.assignee = assignee
        _save(ticket, by)
        assigned = _event(ticket, TicketEvent.Kind.ASSIGNED, by,
                          **{"from": old_id, "to": new_id})
        notices.assigned_notify(ticket, assignee=assignee, by=by, event_id=assigned.pk)
    return ticket


def ticket_classify(*, ticket: Ticket, category: str, by) -> Ticket:
    """Classify the request's scope (§10): the seven out-of-scope kinds need a separate
    agreement before the work is billed as support."""
    ensure_staff(by)
    if category not in Ticket.Category.values:
        raise ApplicationError(INVALID_CATEGORY, code="invalid_category")
    with transaction.atomic():
        _locked(ticket)
        if ticket.category == category:
            raise ApplicationError(CATEGORY_UNCHANGED, code="category_unchanged")
        old = ticket.category
        ticket.category = category
        _save(ticket, by)
        _event(ticket, TicketEvent.Kind.CATEGORY_CHANGED, by, **{
            "from": old, "to": category,
            "out_of_scope": category in Ticket.OUT_OF_SCOPE_CATEGORIES,
        })
    return ticket


def ticket_set_priority(*, ticket: Ticket, priority: str, by) -> Ticket:
    """Change how urgent the request is. Its targets become those of the new priority in
    the tariff version in force when it arrived (docs/rules.md "Resolution targets"): the
    response clock's while it still runs, the resolution clock's while the request is not
    resolved; a clock that has stopped keeps the promise it was judged by."""
    ensure_staff(by)
    if priority not in Priority.values:
        raise ApplicationError(INVALID_PRIORITY, code="invalid_priority")
    with transaction.atomic():
        _locked(ticket)
        old = ticket.priority
        if old == priority:
            raise ApplicationError(PRIORITY_UNCHANGED, code="priority_unchanged")
        targets = sla.service_targets(tier=ticket.tier, priority=priority,
                                      day=timezone.localtime(ticket.received_at).date())
        ticket.priority = priority
        if ticket.first_response_at is None:
            ticket.response_target_minutes = targets.response.expected_minutes
            ticket.response_target_max_minutes = targets.response.max_minutes
            sla.ticket_recompute_deadlines(ticket)
            # A new target is a new promise: its notices may be due again.
            ticket.sla_warning_sent_at = ticket.sla_breach_sent_at = None
        if ticket.resolved_at is None:
            ticket.resolution_target_minutes = targets.resolution_minutes
            sla.ticket_recompute_resolution_due(ticket)
            ticket.resolution_warning_sent_at = ticket.resolution_breach_sent_at = None
        _save(ticket, by)
        _event(ticket, TicketEvent.Kind.PRIORITY_CHANGED, by, **{"from": old, "to": priority})
    return ticket


def ticket_record_prerequisites(
    *, ticket: Ticket, by, has_backups: bool | None, equipment_ok: bool | None,
    follows_instructions: bool | None, no_third_party: bool | None,
) -> Ticket:
    """Record the §11 prerequisites checked for this request (None = not checked).
    The fourth one, paid dues, is not typed: it is the customer's support-hold state."""
    ensure_staff(by)
    values = {"has_backups": has_backups, "equipment_ok": equipment_ok,
              "follows_instructions": follows_instructions, "no_third_party": no_third_party}
    if any(v not in (None, True, False) for v in values.values()):
        raise ApplicationError(PREREQUISITE_INVALID, code="prerequisite_invalid")
    with transaction.atomic():
        _locked(ticket)
        changes = {k: v for k, v in values.items() if getattr(ticket, k) is not v}
        if not changes:
            return ticket
        for name, value in changes.items():
            setattr(ticket, name, value)
        _save(ticket, by)
        _event(ticket, TicketEvent.Kind.PREREQUISITES_RECORDED, by, **changes)
    return ticket


def ticket_refresh_search_text(*, customer: Customer) -> int:
    """After a customer is renamed: refold its requests' search text (one pass per 1,000)."""
    count = 0
    batch: list[Ticket] = []
    for ticket in Ticket.objects.filter(customer=customer).only("pk", "subject", "body").iterator(
            chunk_size=1000):
        ticket.search_text = ticket_search_text(ticket, customer.name)
        batch.append(ticket)
        if len(batch) >= 1000:
            count += Ticket.objects.bulk_update(batch, ["search_text"])
            batch = []
    if batch:
        count += Ticket.objects.bulk_update(batch, ["search_text"])
    return count
