"""§10: the life of an agreement for out-of-scope work (docs/rules.md "Agreements (§10)").

Staff issue a quote on an out-of-scope request (a fixed amount, or hours at a rate that
defaults to the tariff's standard rate; a validity date; the text the customer reads),
revise it (the revision number goes up and the customer is told again) or withdraw it while
it is proposed. The customer, or staff recording the customer's written answer, accepts or
declines it; a proposed quote past its validity date expires (daily job, and refused at
once when someone tries to accept it late). An accepted quote is binding and never edited.

Every change is one transaction under a row lock on the quote (two decisions at once: the
second finds it decided); the mails go after commit.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from supportdesk.agreements.models import Quote
from supportdesk.common.dates import ensure_dates_in_range
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.money import amount_or_none
from supportdesk.common.permissions import ensure_staff
from supportdesk.common.templatetags.supportdesk_format import eur, hours
from supportdesk.common.text import clean_text
from supportdesk.contracts.selectors import (
    contract_in_force,
    tariff_to_domain,
    tariff_version_for,
)
from supportdesk.notifications.announcements import Happening, announce
from supportdesk.notifications.events import Event
from supportdesk.notifications.services import notify
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services.notices import (
    customer_recipients,
    thread_mail,
    ticket_context,
)

logger = logging.getLogger(__name__)

QUOTE_ONLY_STAFF = _("Only the vendor's staff propose quotes.")
QUOTE_NOT_OUT_OF_SCOPE = _("A quote is for out-of-scope work (§10): this request is covered "
                           "by support. Change its category first if the work is out of "
                           "scope.")
QUOTE_TICKET_CLOSED = _("The request is closed: reopen it before quoting.")
QUOTE_NEEDS_TEXT = _("Describe the work the quote covers.")
QUOTE_BAD_KIND = _("Choose a fixed amount or hours at a rate.")
QUOTE_NEEDS_AMOUNT = _("Give the fixed amount in euros.")
QUOTE_BAD_AMOUNT = _("The amount must be in euros, at least 0,00.")
QUOTE_BAD_RATE = _("The rate must be in euros per hour, more than 0,00.")
QUOTE_BAD_MINUTES = _("The estimate must be a whole number of minutes, at least 1.")
QUOTE_NEEDS_VALIDITY = _("Give the date until which the quote is valid.")
QUOTE_VALIDITY_PAST = _("The quote must be valid until today or later.")
QUOTE_VALIDITY_TOO_LONG = _("A quote may be valid for at most one year.")
QUOTE_ALREADY_OPEN = _("This request already has a proposed quote: revise or withdraw it.")
QUOTE_ALREADY_AGREED = _("This request already has an accepted agreement.")
QUOTE_NOT_PROPOSED = _("This quote was already decided.")
QUOTE_EXPIRED = _("This quote expired on %(day)s: ask for a new one.")
QUOTE_NOT_ALLOWED = _("Only the customer of this request or the vendor's staff decide a quote.")
QUOTE_AMOUNT_MAX_DIGITS = 12  # Quote.amount: max_digits=12, decimal_places=2
RATE_MAX_DIGITS = 10  # Quote.rate_per_hour: max_digits=10, decimal_places=2
MAX_VALIDITY = timedelta(days=366)
DEFAULT_VALIDITY = timedelta(days=30)  # what the form proposes, and a quote without one gets


def _local_today() -> date:
    return timezone.localdate()


def standard_rate_for(ticket) -> Decimal:
    """The rate an hourly quote proposes by default: the standard rate of the tariff that
    prices today's work for the customer (the contract year keeps its tariff)."""
    today = _local_today()
    contract = contract_in_force(customer_id=ticket.customer_id, day=today)
    return tariff_to_domain(tariff_version_for(contract=contract, day=today)
                            ).standard_rate_per_hour


def _terms(*, ticket, kind, description, valid_until, amount, rate_per_hour,
           estimated_minutes) -> dict:
    """The checked terms of a quote (nothing is written when one is wrong)."""
    description = clean_text(description or "").strip()
    if not description:
        raise ApplicationError(QUOTE_NEEDS_TEXT, code="description_required")
    if kind not in Quote.Kind.values:
        raise ApplicationError(QUOTE_BAD_KIND, code="bad_kind")
    if valid_until is None or valid_until == "":
        valid_until = _local_today() + DEFAULT_VALIDITY
    if not isinstance(valid_until, date):
        raise ApplicationError(QUOTE_NEEDS_VALIDITY, code="validity_required")
    ensure_dates_in_range(valid_until)
    today = _local_today()
    if valid_until < today:
        raise ApplicationError(QUOTE_VALIDITY_PAST, code="validity_past")
    if valid_until > today + MAX_VALIDITY:
        raise ApplicationError(QUOTE_VALIDITY_TOO_LONG, code="validity_too_long")
    if estimated_minutes in ("", None):
        estimated_minutes = None
    elif (isinstance(estimated_minutes, bool) or not isinstance(estimated_minutes, int)
          or estimated_minutes < 1):
        raise ApplicationError(QUOTE_BAD_MINUTES, code="bad_minutes")
    if kind == Quote.Kind.FIXED:
        value = amount_or_none(amount, QUOTE_BAD_AMOUNT, max_digits=QUOTE_AMOUNT_MAX_DIGITS)
        if value is None:
            raise ApplicationError(QUOTE_NEEDS_AMOUNT, code="amount_required")
        rate = None
    else:
        value = None
        rate = amount_or_none(rate_per_hour, QUOTE_BAD_RATE, max_digits=RATE_MAX_DIGITS)
        if rate is None:
            rate = standard_rate_for(ticket)
        if rate <= 0:
            raise ApplicationError(QUOTE_BAD_RATE, code="bad_rate")
    return {"kind": kind, "description": description, "valid_until": valid_until,
            "amount": value, "rate_per_hour": rate, "estimated_minutes": estimated_minutes}


def quote_issue(*, ticket, by, description: str, kind: str = Quote.Kind.FIXED,
                valid_until: date | None = None, amount=None, rate_per_hour=None,
                estimated_minutes: int | None = None) -> Quote:
    """Propose an agreement on an out-of-scope request; the customer is mailed."""
    ensure_staff(by, QUOTE_ONLY_STAFF)
    if not ticket.is_out_of_scope:
        raise ApplicationError(QUOTE_NOT_OUT_OF_SCOPE, code="not_out_of_scope")
    if ticket.status == Ticket.Status.CLOSED:
        raise ApplicationError(QUOTE_TICKET_CLOSED, code="ticket_closed")
    terms = _terms(ticket=ticket, kind=kind, description=description, valid_until=valid_until,
                   amount=amount, rate_per_hour=rate_per_hour,
                   estimated_minutes=estimated_minutes)
    try:
        with transaction.atomic():
            # The ticket's row lock orders two staff quoting at once.
            Ticket.objects.select_for_update().filter(pk=ticket.pk).first()
            open_ = set(Quote.objects.filter(
                ticket=ticket, status__in=[Quote.Status.PROPOSED, Quote.Status.ACCEPTED])
                .values_list("status", flat=True))
            if Quote.Status.ACCEPTED in open_:
                raise ApplicationError(QUOTE_ALREADY_AGREED, code="already_agreed")
            if Quote.Status.PROPOSED in open_:
                raise ApplicationError(QUOTE_ALREADY_OPEN, code="already_open")
            quote = Quote(ticket=ticket, created_by=by, **terms)
            quote.full_clean()
            quote._history_user = by
            quote.save()
            _mail_customer(quote, issued=True)
    except IntegrityError:  # the partial UNIQUE constraint: someone quoted meanwhile
        raise ApplicationError(QUOTE_ALREADY_OPEN, code="already_open") from None
    return quote


def _locked_proposed(quote: Quote) -> Quote:
    current = Quote.objects.select_for_update().select_related("ticket").get(pk=quote.pk)
    if current.status != Quote.Status.PROPOSED:
        raise ApplicationError(QUOTE_NOT_PROPOSED, code="decided")
    return current


def quote_revise(*, quote: Quote, by, description: str, kind: str, valid_until: date | None,
                 amount=None, rate_per_hour=None, estimated_minutes: int | None = None
                 ) -> Quote:
    """Change a proposed quote's terms (a new revision; the customer is told again)."""
    ensure_staff(by, QUOTE_ONLY_STAFF)
    terms = _terms(ticket=quote.ticket, kind=kind, description=description,
                   valid_until=valid_until, amount=amount, rate_per_hour=rate_per_hour,
                   estimated_minutes=estimated_minutes)
    with transaction.atomic():
        current = _locked_proposed(quote)
        for field, value in terms.items():
            setattr(current, field, value)
        current.revision += 1
        current.full_clean()
        current._history_user = by
        current.save()
        _mail_customer(current, issued=False)
    return current


def quote_withdraw(*, quote: Quote, by, reason: str = "") -> Quote:
    """Take back a proposed quote (an accepted one binds both sides and stays)."""
    ensure_staff(by, QUOTE_ONLY_STAFF)
    with transaction.atomic():
        current = _locked_proposed(quote)
        return _close(current, by=by, status=Quote.Status.WITHDRAWN, note=reason)


def _close(current: Quote, *, by, status: str, note: str = "") -> Quote:
    current.status = status
    current.decided_at = timezone.now()
    current.decided_by = by
    current.decision_note = clean_text(note or "").strip()
    current._history_user = by
    current.save(update_fields=["status", "decided_at", "decided_by", "decision_note",
                                "updated_at"])
    return current


def quote_refuse_if_expired(quote: Quote) -> None:
    """Refuse a decision on a proposed quote past its validity date, recording the expiry
    (a fact to keep although the decision is refused: call it outside the decision's
    transaction, whose rollback would take the expiry with it)."""
    late = Quote.objects.filter(pk=quote.pk, status=Quote.Status.PROPOSED,
                                valid_until__lt=_local_today()).values_list(
        "valid_until", flat=True).first()
    if late is not None:
        quotes_expire(quote_ids=[quote.pk])
        raise ApplicationError(QUOTE_EXPIRED % {"day": late.strftime("%d/%m/%Y")},
                               code="expired")


def _decide(*, quote: Quote, by, status: str, note: str = "") -> Quote:
    if by is None or not by.is_active:
        raise ApplicationError(QUOTE_NOT_ALLOWED, code="not_allowed")
    quote_refuse_if_expired(quote)
    with transaction.atomic():
        current = Quote.objects.select_for_update().select_related("ticket").get(pk=quote.pk)
        is_own_customer = (getattr(by, "is_customer_user", False)
                           and by.customer_id == current.ticket.customer_id)
        if not (is_own_customer or by.is_vendor_staff):
            raise ApplicationError(QUOTE_NOT_ALLOWED, code="not_allowed")
        if current.status != Quote.Status.PROPOSED:
            raise ApplicationError(QUOTE_NOT_PROPOSED, code="decided")
        _close(current, by=by, status=status, note=note)
        _mail_staff(current)
        happening = (Happening.QUOTE_ACCEPTED if status == Quote.Status.ACCEPTED
                     else Happening.QUOTE_DECLINED)
        announce(happening, key=f"{happening}:{current.pk}",
                 customer_id=current.ticket.customer_id, subject=current)
    return current


def quote_accept(*, quote: Quote, by, note: str = "") -> Quote:
    """The customer (or staff recording the customer's written acceptance) accepts.

    The doors call ``worklog.services.agreement_accept``, which also prices the work
    already logged on the request under the agreement, in the same transaction.
    """
    return _decide(quote=quote, by=by, status=Quote.Status.ACCEPTED, note=note)


def quote_decline(*, quote: Quote, by, note: str = "") -> Quote:
    return _decide(quote=quote, by=by, status=Quote.Status.DECLINED, note=note)


def quotes_expire(*, today: date | None = None, quote_ids: list[int] | None = None) -> int:
    """Proposed quotes past their validity date become expired (daily job); returns how
    many. The customer's and the author's mails are not sent: nothing was decided."""
    today = today or _local_today()
    found = Quote.objects.filter(status=Quote.Status.PROPOSED, valid_until__lt=today)
    if quote_ids is not None:
        found = found.filter(pk__in=quote_ids)
    count = 0
    for pk in list(found.values_list("pk", flat=True)):
        with transaction.atomic():
            current = (Quote.objects.select_for_update()
                       .filter(pk=pk, status=Quote.Status.PROPOSED).first())
            if current is None:
                continue
            _close(current, by=None, status=Quote.Status.EXPIRED)
            count += 1
    return count


# ------------------------------------------------------------------------------ mails


def _site_link(name: str, *args) -> str:
    return settings.SUPPORTDESK_SITE_URL.rstrip("/") + reverse(name, args=args)


def quote_terms_text(quote: Quote) -> str:
    """The terms in one sentence, in the active language (mails, pages)."""
    if quote.kind == Quote.Kind.FIXED:
        return gettext("Fixed amount: %(amount)s excl. VAT, whatever the time it takes.") % {
            "amount": eur(quote.amount)}
    text = gettext("Hours at a rate: %(rate)s per hour excl. VAT, for the time "
                   "logged.") % {"rate": eur(quote.rate_per_hour)}
    if quote.estimated_minutes:
        text += " " + gettext("Estimate: %(hours)s hours.") % {
            "hours": hours(quote.estimated_minutes)}
    return text


def _mail_customer(quote: Quote, *, issued: bool) -> None:
    """The customer is told of a quote issued or revised (Event.QUOTE_ISSUED, mandatory):
    the terms, the validity and the portal link, in each recipient's language."""
    ticket = quote.ticket
    recipients = customer_recipients(ticket)
    if not recipients:
        logger.info("quote %s on %s: no customer to tell", quote.pk, ticket.reference)
        return
    context = {**ticket_context(ticket, staff=False), "quote": quote, "issued": issued,
               "description": clean_text(quote.description),
               "valid_until": quote.valid_until.strftime("%d/%m/%Y")}
    notify(event=Event.QUOTE_ISSUED, users=recipients,
           key=f"quote_issued:{ticket.pk}:{quote.pk}:{quote.revision}",
           template="agreements/notifications/quote_issued", context=context,
           customer_id=ticket.customer_id, ticket_id=ticket.pk,
           link=reverse("portal:ticket", args=[ticket.pk]), **thread_mail(ticket.pk))


def _mail_staff(quote: Quote) -> None:
    """The quote's author (and the request's assignee) learn the customer's decision
    (Event.QUOTE_DECIDED); never the one who decided."""
    users = [u for u in get_user_model().objects.filter(
        pk__in=[quote.created_by_id, quote.ticket.assignee_id], is_active=True).order_by("pk")
        if u.is_vendor_staff and u.pk != quote.decided_by_id]
    if not users:
        return
    ticket = quote.ticket
    context = {**ticket_context(ticket, staff=True), "quote": quote,
               "accepted": quote.status == Quote.Status.ACCEPTED,
               "note": clean_text(quote.decision_note or "")}
    notify(event=Event.QUOTE_DECIDED, users=users, key=f"quote_decided:{ticket.pk}:{quote.pk}",
           template="agreements/notifications/quote_decided", context=context,
           customer_id=None, ticket_id=ticket.pk,
           link=reverse("desk:ticket", args=[ticket.pk]))
