"""Requests that belong together: links (related, caused by) and the request side of a merge
(docs/rules.md "Merging duplicates").

A merge moves work entries, visits and timers too; those belong to the worklog, so the use
case ``ticket_merge`` lives in ``supportdesk.worklog.services.merge`` and calls
:func:`ticket_absorb` here for what the request itself owns: its conversation, attachments,
waiting pauses, the earlier SLA snapshot, and the duplicate's closing pointer.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supportdesk.common.exceptions import ApplicationError
from supportdesk.tickets.models import (
    Attachment,
    Message,
    Ticket,
    TicketEvent,
    TicketLink,
    TicketPause,
)

from . import sla
from ._common import ensure_staff

LINK_TO_ITSELF = _("A request cannot be linked to itself.")
LINK_EXISTS = _("These requests are already linked.")
LINK_KIND = _("Choose how the requests are related.")
LINK_UNKNOWN = _("There is no such request.")

#: How far a reply token follows merges (a chain of duplicates merged one into the next).
MERGE_CHAIN_MAX = 10


def _event(ticket: Ticket, kind: str, by, **data) -> TicketEvent:
    return TicketEvent.objects.create(ticket=ticket, kind=kind, actor=by, data=data,
                                      is_internal=True)


def ticket_link(*, ticket: Ticket, other: Ticket | None, kind: str, by) -> TicketLink:
    """Relate two requests (shown on both). ``caused_by``: ``ticket`` was caused by
    ``other``."""
    ensure_staff(by)
    if other is None:
        raise ApplicationError(LINK_UNKNOWN, code="link_unknown")
    if kind not in TicketLink.Kind.values:
        raise ApplicationError(LINK_KIND, code="link_kind")
    if other.pk == ticket.pk:
        raise ApplicationError(LINK_TO_ITSELF, code="link_itself")
    with transaction.atomic():
        # Either direction counts: a link is one relation between two requests.
        if TicketLink.objects.filter(from_ticket=ticket, to_ticket=other).exists() or \
                TicketLink.objects.filter(from_ticket=other, to_ticket=ticket).exists():
            raise ApplicationError(LINK_EXISTS, code="link_exists")
        link = TicketLink.objects.create(from_ticket=ticket, to_ticket=other, kind=kind,
                                         created_by=by)
        _event(ticket, TicketEvent.Kind.LINKED, by, other=other.pk, relation=kind)
        _event(other, TicketEvent.Kind.LINKED, by, other=ticket.pk, relation=kind,
               inverse=True)
    return link


def ticket_unlink(*, link: TicketLink, by) -> None:
    ensure_staff(by)
    with transaction.atomic():
        _event(link.from_ticket, TicketEvent.Kind.UNLINKED, by, other=link.to_ticket_id)
        _event(link.to_ticket, TicketEvent.Kind.UNLINKED, by, other=link.from_ticket_id)
        link.delete()


def ticket_follow_merges(ticket: Ticket | None) -> Ticket | None:
    """The request a (possibly merged) request now lives in: where its reply token goes."""
    seen = 0
    while ticket is not None and ticket.merged_into_id and seen < MERGE_CHAIN_MAX:
        ticket = Ticket.objects.select_related("customer").filter(
            pk=ticket.merged_into_id).first()
        seen += 1
    return ticket


def ticket_absorb(*, source: Ticket, target: Ticket, by, now: datetime | None = None) -> None:
    """Move what ``source`` owns into ``target`` and close ``source`` with a pointer. The
    caller holds both rows locked, in one transaction, and has checked that they may merge.

    The request received first keeps its promise: the target takes the earlier received
    time with its tier, contract and targets; the first response is the earlier of the two;
    both clocks are recomputed with the pauses of both."""
    now = now or timezone.now()
    Message.objects.filter(ticket=source).update(ticket=target)
    Attachment.objects.filter(ticket=source).update(ticket=target)
    # A wait of the duplicate ends with it; the time it stood resolved is not the target's.
    TicketPause.objects.filter(ticket=source, ended_at__isnull=True).update(
        ended_at=max(now, source.received_at))
    TicketPause.objects.filter(ticket=source, reason=TicketPause.Reason.RESOLVED).delete()
    TicketPause.objects.filter(ticket=source).update(ticket=target)
    if hasattr(target, "_prefetched_objects_cache"):
        target._prefetched_objects_cache.pop("pauses", None)

    if source.received_at < target.received_at:
        for name in ("received_at", "tier", "contract_id", "response_target_minutes",
                     "response_target_max_minutes", "resolution_target_minutes"):
            setattr(target, name, getattr(source, name))
    responses = [t for t in (source.first_response_at, target.first_response_at) if t]
    if responses:
        target.first_response_at = max(min(responses), target.received_at)
        target.sla_outcome = sla.response_outcome(target,
                                                  responded_at=target.first_response_at)
    sla.ticket_recompute_deadlines(target)
    if target.resolved_at is None:
        sla.ticket_recompute_resolution_due(target)
    target._history_user = by
    target.full_clean(exclude=["customer", "product", "contact", "assignee", "contract"])
    target.save()

    source.merged_into = target
    source.status = Ticket.Status.CLOSED
    source.closed_at = now
    source.resolved_at = source.resolved_at or now
    source._history_user = by
    source.save()
    _event(source, TicketEvent.Kind.MERGED_INTO, by, target=target.pk,
           reference=target.reference)
    _event(target, TicketEvent.Kind.MERGED_FROM, by, source=source.pk,
           reference=source.reference)
