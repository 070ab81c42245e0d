"""Merging a duplicate request into another (docs/rules.md "Merging duplicates").

A shop that phones and e-mails about one fault makes two requests. Merging moves the
duplicate's conversation, attachments, pauses, work entries, expenses, visits, remote
sessions and running timers into the target, keeps the promise of the request received
first, closes the duplicate with a pointer, and routes its reply token to the target.

It lives here, not in ``tickets``, because the work it moves is the worklog's; the request's
own part is ``tickets.services.relations.ticket_absorb``. Money is untouched: entries keep
their pricing and their statement lines (a billed entry stays billed, on the statement that
billed it), so nothing is billed twice or lost. Requests under a §10 quote are not merged:
an agreement belongs to the request it was accepted for.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supportdesk.agreements.models import Quote
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import ensure_staff
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services.relations import ticket_absorb
from supportdesk.worklog.models import Expense, RemoteSession, Timer, Visit, WorkEntry

MERGE_ITSELF = _("A request cannot be merged into itself.")
MERGE_OTHER_CUSTOMER = _("Only requests of the same customer can be merged.")
MERGE_ALREADY = _("This request was already merged into %(reference)s.")
MERGE_TARGET_CLOSED = _("The request to merge into is closed: reopen it first.")
MERGE_SCOPE = _("One request is covered by support and the other needs a separate agreement "
                "(§10): classify them alike before merging.")
MERGE_QUOTE = _("A request with a §10 quote cannot be merged: the agreement belongs to it.")
MERGE_TIMER = _("%(name)s has a timer running on both requests: stop one first.")
MERGE_UNKNOWN = _("There is no such request.")


def ticket_merge(*, source: Ticket, target: Ticket | None, by,
                 now: datetime | None = None) -> Ticket:
    """Merge ``source`` (the duplicate) into ``target``; returns the target."""
    ensure_staff(by)
    now = now or timezone.now()
    if target is None:
        raise ApplicationError(MERGE_UNKNOWN, code="merge_unknown")
    if source.pk == target.pk:
        raise ApplicationError(MERGE_ITSELF, code="merge_itself")
    with transaction.atomic():
        # Both rows locked, always in the same order, so two merges cannot deadlock.
        locked = {t.pk: t for t in Ticket.objects.select_for_update()
                  .filter(pk__in=[source.pk, target.pk]).order_by("pk")}
        source, target = locked[source.pk], locked[target.pk]
        _check(source, target)
        _move_work(source, target)
        ticket_absorb(source=source, target=target, by=by, now=now)
    return target


def _check(source: Ticket, target: Ticket) -> None:
    if source.customer_id != target.customer_id:
        raise ApplicationError(MERGE_OTHER_CUSTOMER, code="merge_customer")
    for ticket in (source, target):
        if ticket.merged_into_id:
            raise ApplicationError(MERGE_ALREADY % {
                "reference": Ticket(pk=ticket.merged_into_id).reference},
                code="merge_already")
    if target.status == Ticket.Status.CLOSED:
        raise ApplicationError(MERGE_TARGET_CLOSED, code="merge_target_closed")
    if source.is_out_of_scope != target.is_out_of_scope:
        raise ApplicationError(MERGE_SCOPE, code="merge_scope")
    if Quote.objects.filter(ticket_id__in=[source.pk, target.pk]).exclude(
            status__in=[Quote.Status.WITHDRAWN, Quote.Status.DECLINED,
                        Quote.Status.EXPIRED]).exists():
        raise ApplicationError(MERGE_QUOTE, code="merge_quote")
    clash = (Timer.objects.filter(ticket=source, technician__timers__ticket=target)
             .select_related("technician").first())
    if clash is not None:
        name = clash.technician.get_full_name() or clash.technician.get_username()
        raise ApplicationError(MERGE_TIMER % {"name": name}, code="merge_timer")


def _move_work(source: Ticket, target: Ticket) -> None:
    """One UPDATE per kind of row, whatever their number (a request with 1,000 entries
    merges in well under a second: bench in tests/test_merge.py)."""
    for model in (WorkEntry, Expense, Visit, RemoteSession, Timer):
        model.objects.filter(ticket=source).update(ticket=target)
