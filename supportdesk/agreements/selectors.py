"""Reads of §10 agreements: a request's quotes, the agreement work is priced under, the
staff list of open quotes."""

from __future__ import annotations

from django.db.models import QuerySet

from supportdesk.agreements.models import Quote


def quotes_for_ticket(*, ticket_id: int) -> QuerySet[Quote]:
    return Quote.objects.filter(ticket_id=ticket_id).select_related(
        "created_by", "decided_by").order_by("-created_at", "-pk")


def agreement_accepted(*, ticket_id: int) -> Quote | None:
    """The accepted agreement of a request (at most one: a UNIQUE constraint), or None."""
    return Quote.objects.filter(ticket_id=ticket_id, status=Quote.Status.ACCEPTED).first()


def agreements_accepted(*, ticket_ids) -> dict[int, Quote]:
    """``{ticket_id: accepted quote}`` for many requests in one query (the billing run)."""
    return {q.ticket_id: q for q in Quote.objects.filter(
        ticket_id__in=list(ticket_ids), status=Quote.Status.ACCEPTED)}


def quote_list(*, status: str | None = Quote.Status.PROPOSED, customer_id: int | None = None
               ) -> QuerySet[Quote]:
    """The staff list: proposed quotes by validity (soonest first), or one status."""
    found = Quote.objects.select_related("ticket", "ticket__customer", "created_by",
                                         "decided_by")
    if status:
        found = found.filter(status=status)
    if customer_id:
        found = found.filter(ticket__customer_id=customer_id)
    if status == Quote.Status.PROPOSED:
        return found.order_by("valid_until", "pk")
    return found.order_by("-decided_at", "-pk")
