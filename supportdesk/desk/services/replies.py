"""Canned replies and macros: keeping them, and applying a macro to requests.

Anyone on the staff keeps personal ones; shared ones are a manager's to change. A macro is
applied to each request in its own transaction, step by step through the ticket services
(scope, assignment, reply, status), so a request where a step is refused keeps nothing of
the macro and the others go on; the caller gets one line per request saying what happened.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import ensure_staff, is_manager
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import ticket_assign, ticket_change_status, ticket_reply
from supportdesk.worklog.services.agreements import ticket_scope_change

from ..models import CannedReply, Macro
from ..placeholders import placeholders_render, reply_language

SHARED_MANAGERS_ONLY = _("Only managers change shared replies and macros.")
NOT_YOURS = _("This is another technician's personal reply or macro.")
MACRO_EMPTY = _("A macro needs at least one step: a reply, a status, a scope or an "
                "assignment.")
MACRO_BAD_STATUS = _("Choose a valid status.")
MACRO_BAD_CATEGORY = _("Choose a category.")
MACRO_TOO_MANY = _("At most %(max)d requests at once.")
IN_USE = _("A macro uses this reply: change or delete the macro first.")

#: Bulk work is bounded: one request of the desk never runs for minutes.
MACRO_MAX_TICKETS = 100


def _may_change(item: CannedReply | Macro, by) -> None:
    ensure_staff(by)
    if item.owner_id is None and not is_manager(by):
        raise ApplicationError(SHARED_MANAGERS_ONLY, code="shared_managers_only")
    if item.owner_id is not None and item.owner_id != by.pk:
        raise ApplicationError(NOT_YOURS, code="not_yours")


def canned_reply_save(*, reply: CannedReply, by, shared: bool) -> CannedReply:
    """Create or change ``reply`` (its fields already set by the form)."""
    ensure_staff(by)
    if reply.pk:
        _may_change(CannedReply.objects.get(pk=reply.pk), by)
    reply.owner = None if shared else by
    _may_change(reply, by)
    reply.full_clean()
    reply.save()
    return reply


def canned_reply_delete(*, reply: CannedReply, by) -> None:
    _may_change(reply, by)
    if reply.macros.exists():
        raise ApplicationError(IN_USE, code="in_use")
    reply.delete()


def macro_save(*, macro: Macro, by, shared: bool) -> Macro:
    ensure_staff(by)
    if macro.pk:
        _may_change(Macro.objects.get(pk=macro.pk), by)
    macro.owner = None if shared else by
    _may_change(macro, by)
    if macro.status and macro.status not in Ticket.Status.values:
        raise ApplicationError(MACRO_BAD_STATUS, code="invalid_status")
    if macro.category and macro.category not in Ticket.Category.values:
        raise ApplicationError(MACRO_BAD_CATEGORY, code="invalid_category")
    if macro.reply_id and macro.reply.owner_id not in (None, by.pk):
        raise ApplicationError(NOT_YOURS, code="not_yours")
    if not (macro.reply_id or macro.status or macro.category or macro.assign_to_me
            or macro.assignee_id):
        raise ApplicationError(MACRO_EMPTY, code="macro_empty")
    macro.full_clean()
    macro.save()
    return macro


def macro_delete(*, macro: Macro, by) -> None:
    _may_change(macro, by)
    macro.delete()


@dataclass(frozen=True)
class MacroResult:
    ticket: Ticket
    ok: bool
    message: str = ""


def tickets_each(*, tickets: list[Ticket], step, by) -> list[MacroResult]:
    """Do ``step(ticket)`` on each request in its own transaction (bounded): a refused one
    keeps nothing of it, the others go on; one result per request."""
    ensure_staff(by)
    if len(tickets) > MACRO_MAX_TICKETS:
        raise ApplicationError(MACRO_TOO_MANY % {"max": MACRO_MAX_TICKETS}, code="too_many")
    results = []
    for ticket in tickets:
        try:
            with transaction.atomic():
                step(ticket)
        except ApplicationError as exc:
            results.append(MacroResult(ticket=ticket, ok=False, message=str(exc.message)))
        else:
            results.append(MacroResult(ticket=ticket, ok=True))
    return results


def macro_apply(*, macro: Macro, tickets: list[Ticket], by) -> list[MacroResult]:
    """Apply ``macro`` to each of ``tickets`` (one transaction each)."""
    return tickets_each(tickets=tickets, step=lambda t: _apply_one(macro, t, by), by=by)


def _apply_one(macro: Macro, ticket: Ticket, by) -> None:
    if macro.category and macro.category != ticket.category:
        ticket = ticket_scope_change(ticket=ticket, category=macro.category, by=by)
    assignee = by if macro.assign_to_me else macro.assignee
    if assignee is not None and assignee.pk != ticket.assignee_id:
        ticket_assign(ticket=ticket, assignee=assignee, by=by)
    if macro.reply_id:
        language = reply_language(ticket)
        body = placeholders_render(macro.reply.body_for(language), ticket=ticket, user=by,
                                   language=language).text
        ticket_reply(ticket=ticket, body=body, by=by)
        ticket.refresh_from_db()
    if macro.status and macro.status != ticket.status:
        ticket_change_status(ticket=ticket, status=macro.status, by=by)
