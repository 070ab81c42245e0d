"""Support requests over the REST API (/api/v1/tickets). Thin: validate, call one selector
or service, serialise.

Input schemas list the only fields a caller may set: anything else (organisation,
assignee, status, billable, rate…) is ignored, never written (docs/security.md #4).
"""

from datetime import datetime
from typing import Annotated

from django.http import Http404
from ninja import Field, Router, Schema, Status

from supportdesk.catalog.models import Product
from supportdesk.customers.models import Customer
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.selectors import (
    message_list_for_user,
    queue_filters_from,
    ticket_get_for_user,
    ticket_queue_queryset,
)
from supportdesk.tickets.services import ticket_create, ticket_reply

router = Router(tags=["support requests"])
MAX_PAGE = 100
# Ids the database can hold: anything else is a 422, never an overflow deep in the driver.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


# The 4xx answers every operation may give, documented so clients (and the fuzzer) know them.
ERRORS = frozenset({400, 401, 403, 404, 422})


class ErrorOut(Schema):
    """Every 4xx answer (400 refused by a rule, 401, 403 CSRF, 404, 422 invalid input)."""

    detail: str
    code: str | None = None
    errors: list[dict] | None = None


class CustomerOut(Schema):
    id: int
    name: str


class TicketOut(Schema):
    id: int
    reference: str
    subject: str
    body: str
    status: str
    category: str
    tier: str
    received_via: str
    is_out_of_scope: bool
    received_at: datetime
    first_response_at: datetime | None
    response_due_at: datetime | None
    customer: CustomerOut
    product_id: int | None


class TicketIn(Schema):
    subject: str = Field(..., max_length=200)
    body: str = Field("", max_length=20000)
    category: str = Ticket.Category.PROGRAM_FAULT
    product_id: Id | None = None
    # Staff only: the customer the request is for (customers always file for themselves).
    customer_id: Id | None = None


class MessageOut(Schema):
    id: int
    body: str
    is_internal: bool
    created_at: datetime
    author_name: str


class MessageIn(Schema):
    body: str = Field(..., max_length=20000)
    is_internal: bool = False


def _message_out(message) -> MessageOut:
    author = message.author
    name = (author.get_full_name() or author.username) if author else ""
    return MessageOut(id=message.pk, body=message.body, is_internal=message.is_internal,
                      created_at=message.created_at, author_name=name)


@router.get("/", response={200: list[TicketOut], ERRORS: ErrorOut})
def ticket_list(request, status: str = "all", q: str = "", limit: int = 50, offset: int = 0):
    """Requests the caller may see, newest first (customers: their company's only)."""
    limit = max(1, min(limit, MAX_PAGE))
    offset = max(0, min(offset, 10_000))
    filters = queue_filters_from({"status": status, "q": q})
    qs = ticket_queue_queryset(filters=filters, user=request.user).select_related("customer")
    if not request.user.is_vendor_staff:
        # The queue is a staff view: a customer user is cut to its own company here.
        qs = qs.filter(customer_id=request.user.customer_id)
    return list(qs.order_by("-received_at", "-id")[offset:offset + limit])


@router.get("/{ticket_id}", response={200: TicketOut, ERRORS: ErrorOut})
def ticket_detail(request, ticket_id: int):
    return ticket_get_for_user(user=request.user, ticket_id=ticket_id)


@router.post("/", response={201: TicketOut, ERRORS: ErrorOut})
def ticket_open(request, payload: TicketIn):
    user = request.user
    if user.is_vendor_staff:
        customer = Customer.objects.filter(pk=payload.customer_id, is_active=True).first()
        if customer is None:
            raise Http404
    else:
        customer = user.customer
    product = None
    if payload.product_id is not None:
        # The request service decides whether the customer may file about it (§10).
        product = Product.objects.filter(pk=payload.product_id).first()
        if product is None:
            raise Http404
    ticket = ticket_create(
        customer=customer, subject=payload.subject, body=payload.body,
        received_via="portal" if not user.is_vendor_staff else "email",
        category=payload.category, product=product, by=user,
        contact=user if not user.is_vendor_staff else None,
    )
    return Status(201, ticket)


@router.get("/{ticket_id}/messages",
            response={200: list[MessageOut], ERRORS: ErrorOut})
def message_list(request, ticket_id: int):
    ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id)
    return [_message_out(m) for m in message_list_for_user(ticket=ticket, user=request.user)]


@router.post("/{ticket_id}/messages", response={201: MessageOut, ERRORS: ErrorOut})
def message_add(request, ticket_id: int, payload: MessageIn):
    ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id)
    message = ticket_reply(ticket=ticket, body=payload.body, by=request.user,
                           is_internal=payload.is_internal)
    return Status(201, _message_out(message))
