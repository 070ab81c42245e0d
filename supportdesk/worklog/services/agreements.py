"""§10: what changes the price of work already logged on a request, in one transaction.

Accepting its agreement (:func:`agreement_accept`: the decision itself is
``agreements.services``'s) and changing its scope (:func:`ticket_scope_change`: the
classification is ``tickets.services``'s) both price the request's unbilled entries again,
so held work carries the agreement's price, work found out of scope gives its included
hours back, and work found in scope is priced as support; the ticket page and the next
billing run agree. The doors (desk, portal) call these.
"""

from django.db import transaction

from supportdesk.agreements.models import Quote
from supportdesk.agreements.services import quote_accept, quote_refuse_if_expired
from supportdesk.tickets.services import ticket_classify
from supportdesk.worklog.services.entries import work_entries_reprice


def agreement_accept(*, quote: Quote, by, note: str = "") -> Quote:
    quote_refuse_if_expired(quote)
    with transaction.atomic():
        accepted = quote_accept(quote=quote, by=by, note=note)
        work_entries_reprice(ticket_id=accepted.ticket_id, by=by)
    return accepted


def ticket_scope_change(*, ticket, category: str, by):
    with transaction.atomic():
        changed = ticket_classify(ticket=ticket, category=category, by=by)
        work_entries_reprice(ticket_id=changed.pk, by=by)
    return changed
