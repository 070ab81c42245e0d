"""§10: out-of-scope work needs a separate agreement: a quote the customer accepts.

Work on an out-of-scope request is recorded as usual but is not billed (the billing run
leaves it waiting, and says why) until a quote of that request is accepted.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supportdesk.billing.models import Quote
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.money import amount_or_none
from supportdesk.common.permissions import ensure_staff
from supportdesk.common.text import clean_text

QUOTE_ONLY_STAFF = _("Only the vendor's staff propose quotes.")
QUOTE_NEEDS_TEXT = _("Describe the work the quote covers.")
QUOTE_NEEDS_AMOUNT = _("Give an amount or an hours estimate (or both).")
QUOTE_BAD_AMOUNT = _("The amount must be in euros, at least 0,00.")
QUOTE_BAD_MINUTES = _("The estimate must be a whole number of minutes, at least 1.")
QUOTE_NOT_PROPOSED = _("This quote was already decided.")
QUOTE_AMOUNT_MAX_DIGITS = 12  # Quote.amount: max_digits=12, decimal_places=2
QUOTE_NOT_ALLOWED = _("Only the customer of this request or the vendor's staff decide a quote.")


def quote_create(*, ticket, description: str, by, amount=None,
                 estimated_minutes: int | None = None) -> Quote:
    ensure_staff(by, QUOTE_ONLY_STAFF)
    description = clean_text(description or "").strip()
    if not description:
        raise ApplicationError(QUOTE_NEEDS_TEXT, code="description_required")
    value = amount_or_none(amount, QUOTE_BAD_AMOUNT, max_digits=QUOTE_AMOUNT_MAX_DIGITS)
    if estimated_minutes is not None and (isinstance(estimated_minutes, bool) or not isinstance(
            estimated_minutes, int) or estimated_minutes < 1):
        raise ApplicationError(QUOTE_BAD_MINUTES, code="bad_minutes")
    if value is None and estimated_minutes is None:
        raise ApplicationError(QUOTE_NEEDS_AMOUNT, code="amount_required")
    with transaction.atomic():
        quote = Quote(ticket=ticket, description=description, amount=value,
                      estimated_minutes=estimated_minutes, created_by=by)
        quote.full_clean()
        quote._history_user = by
        quote.save()
    return quote


def _decide(*, quote: Quote, by, status: str) -> Quote:
    if by is None or not by.is_active:
        raise ApplicationError(QUOTE_NOT_ALLOWED, code="not_allowed")
    with transaction.atomic():
        current = Quote.objects.select_for_update().select_related("ticket").get(pk=quote.pk)
        is_own_customer = (getattr(by, "is_customer_user", False)
                           and by.customer_id == current.ticket.customer_id)
        if not (is_own_customer or by.is_vendor_staff):
            raise ApplicationError(QUOTE_NOT_ALLOWED, code="not_allowed")
        if current.status != Quote.Status.PROPOSED:
            raise ApplicationError(QUOTE_NOT_PROPOSED, code="decided")
        current.status = status
        current.decided_at = timezone.now()
        current.decided_by = by
        current._history_user = by
        current.save(update_fields=["status", "decided_at", "decided_by", "updated_at"])
    return current


def quote_accept(*, quote: Quote, by) -> Quote:
    """The customer (or staff recording the customer's written acceptance) accepts."""
    return _decide(quote=quote, by=by, status=Quote.Status.ACCEPTED)


def quote_decline(*, quote: Quote, by) -> Quote:
    return _decide(quote=quote, by=by, status=Quote.Status.DECLINED)
