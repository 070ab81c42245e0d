"""§10: accepting an agreement prices the work already logged under it, in one transaction.

The decision itself is ``agreements.services``'s; the doors (desk, portal) call
:func:`agreement_accept` so that the request's unbilled entries, held until now, carry the
agreement's price the moment it is accepted (the ticket page and the next billing run agree).
"""

from django.db import transaction

from supportdesk.agreements.models import Quote
from supportdesk.agreements.services import quote_accept, quote_refuse_if_expired
from supportdesk.worklog.services.entries import work_entries_reprice


def agreement_accept(*, quote: Quote, by, note: str = "") -> Quote:
    quote_refuse_if_expired(quote)
    with transaction.atomic():
        accepted = quote_accept(quote=quote, by=by, note=note)
        work_entries_reprice(ticket_id=accepted.ticket_id, by=by)
    return accepted
