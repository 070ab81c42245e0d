"""§10 quotes (/api/v1/quotes, /api/v1/tickets/{id}/quotes) and entitled releases
(/api/v1/releases). The customer accepts or declines a quote through the same services as
the portal's buttons; staff read every quote and may record the customer's answer, as on
the desk. A release is downloadable when the contract entitles the company to it (§4)."""

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from ninja import Field, Router, Schema

from supportdesk.agreements.services import quote_decline
from supportdesk.common.downloads import private_file_response
from supportdesk.tickets.selectors import ticket_get_for_user
from supportdesk.worklog.services.agreements import agreement_accept

from .auth import api_auth
from .schemas import Id, responses
from .selectors import (
    quote_get_for_user,
    quote_list_for_user,
    release_get_for_user,
    release_list_for_user,
)

quotes_router = Router(tags=["quotes"], auth=api_auth())
ticket_quotes_router = Router(tags=["quotes"], auth=api_auth())
releases_router = Router(tags=["releases"], auth=api_auth())


class QuoteOut(Schema):
    id: int
    ticket_id: int
    kind: str
    description: str
    amount: Decimal | None
    rate_per_hour: Decimal | None
    estimated_minutes: int | None
    valid_until: date | None
    revision: int
    status: str
    decided_at: datetime | None
    decision_note: str
    created_at: datetime


class DecisionIn(Schema):
    note: str = Field("", max_length=2000)


def _quote_out(q) -> QuoteOut:
    return QuoteOut(id=q.pk, ticket_id=q.ticket_id, kind=q.kind, description=q.description,
                    amount=q.amount, rate_per_hour=q.rate_per_hour,
                    estimated_minutes=q.estimated_minutes, valid_until=q.valid_until,
                    revision=q.revision, status=q.status, decided_at=q.decided_at,
                    decision_note=q.decision_note, created_at=q.created_at)


@ticket_quotes_router.get("/{ticket_id}/quotes", response=responses({200: list[QuoteOut]}))
def quote_list(request, ticket_id: Id):
    ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id)
    return [_quote_out(q) for q in quote_list_for_user(user=request.user, ticket=ticket)]


@quotes_router.get("/{quote_id}", response=responses({200: QuoteOut}))
def quote_detail(request, quote_id: Id):
    return _quote_out(quote_get_for_user(user=request.user, quote_id=quote_id))


@quotes_router.post("/{quote_id}/accept", response=responses({200: QuoteOut}))
def quote_accept(request, quote_id: Id, payload: DecisionIn):
    """Accept the quote: the out-of-scope work goes ahead and is billed under it."""
    quote = quote_get_for_user(user=request.user, quote_id=quote_id)
    return _quote_out(agreement_accept(quote=quote, by=request.user, note=payload.note))


@quotes_router.post("/{quote_id}/decline", response=responses({200: QuoteOut}))
def quote_decline_api(request, quote_id: Id, payload: DecisionIn):
    quote = quote_get_for_user(user=request.user, quote_id=quote_id)
    return _quote_out(quote_decline(quote=quote, by=request.user, note=payload.note))


# ----------------------------------------------------------------------------- releases


class ReleaseOut(Schema):
    id: int
    product_id: int
    product_name: str
    version: str
    released_on: date
    notes: str
    has_file: bool
    download_url: str | None


def _release_out(r) -> ReleaseOut:
    return ReleaseOut(id=r.pk, product_id=r.product_id, product_name=r.product.name,
                      version=r.version, released_on=r.released_on, notes=r.notes,
                      has_file=bool(r.file),
                      download_url=f"/api/v1/releases/{r.pk}/download" if r.file else None)


@releases_router.get("/", response=responses({200: list[ReleaseOut]}))
def release_list(request):
    """Customers: the updated versions their contract entitles them to (§4), of their
    licensed products; staff: the latest releases."""
    return [_release_out(r) for r in release_list_for_user(user=request.user,
                                                           today=timezone.localdate())]


@releases_router.get("/{release_id}/download", response=responses({200: None}))
def release_download(request, release_id: Id):
    release = release_get_for_user(user=request.user, release_id=release_id,
                                   today=timezone.localdate())
    return private_file_response(release.file, filename=release.file.name.rsplit("/", 1)[-1])
