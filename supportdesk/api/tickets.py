"""Support requests over the API (/api/v1/tickets): list, open, read, reply, status,
assignment, SLA state, attachments. Thin: validate, call one selector or service, serialise.

Input schemas list the only fields a caller may set: anything else (organisation,
assignee, status, billable, rate…) is ignored, never written (docs/security.md #4). A
customer user opens a request through the portal's own service (``portal_ticket_open``),
so the intake rules are the portal's: only a product it holds an active licence for.
"""

from datetime import datetime
from uuid import UUID

from django.http import Http404
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from supportdesk.catalog.models import Product
from supportdesk.common.choices import Priority
from supportdesk.common.downloads import private_file_response
from supportdesk.customers.models import Customer
from supportdesk.portal.services import portal_ticket_open
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.selectors import (
    attachment_get_for_user,
    attachment_list_for_user,
    message_list_for_user,
    queue_filters_from,
    ticket_get_for_user,
    ticket_sla_view,
)
from supportdesk.tickets.services import (
    attachment_add,
    ticket_assign,
    ticket_change_status,
    ticket_create,
    ticket_reply,
)
from supportdesk.worklog.selectors import staff_list

from .auth import api_auth
from .schemas import Cursor, Id, Limit, SlaOut, responses, sla_out
from .selectors import ticket_page_for_user

router = Router(tags=["support requests"], auth=api_auth())
attachments_router = Router(tags=["attachments"], auth=api_auth())


class CustomerRef(Schema):
    id: int
    name: str


class UserRef(Schema):
    id: int
    name: str


def _user_ref(user) -> UserRef | None:
    if user is None:
        return None
    return UserRef(id=user.pk, name=user.get_full_name() or user.username)


class TicketOut(Schema):
    id: int
    reference: str
    subject: str
    body: str
    status: str
    category: str
    priority: str
    tier: str
    received_via: str
    is_out_of_scope: bool
    received_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    response_due_at: datetime | None
    resolution_due_at: datetime | None
    customer: CustomerRef
    product_id: int | None
    assignee: UserRef | None


class TicketRowOut(TicketOut):
    sla: SlaOut


class TicketPageOut(Schema):
    items: list[TicketRowOut]
    next_cursor: str | None = Field(
        None, description="Pass as ?cursor= for the next page; null on the last page.")


def _ticket_out(ticket, *, sla=None) -> dict:
    data = {
        "id": ticket.pk, "reference": ticket.reference, "subject": ticket.subject,
        "body": ticket.body, "status": ticket.status, "category": ticket.category,
        "priority": ticket.priority, "tier": ticket.tier, "received_via": ticket.received_via,
        "is_out_of_scope": ticket.is_out_of_scope, "received_at": ticket.received_at,
        "first_response_at": ticket.first_response_at, "resolved_at": ticket.resolved_at,
        "response_due_at": ticket.response_due_at,
        "resolution_due_at": ticket.resolution_due_at,
        "customer": CustomerRef(id=ticket.customer_id, name=ticket.customer.name),
        "product_id": ticket.product_id, "assignee": _user_ref(ticket.assignee),
    }
    if sla is not None:
        data["sla"] = sla_out(sla)
    return data


class TicketIn(Schema):
    model_config = {"json_schema_extra": {"examples": [
        {"subject": "Η ζυγαριά δεν συνδέεται", "body": "Από σήμερα το πρωί, στο ταμείο 2.",
         "category": "program_fault", "product_id": 1},
        {"subject": "Κλήση: δεν τυπώνει αποδείξεις", "customer_id": 1,
         "received_via": "phone", "priority": "high", "contact_name": "Μαρία"},
    ]}}

    subject: str = Field(..., max_length=200)
    body: str = Field("", max_length=20000)
    category: str = Ticket.Category.PROGRAM_FAULT
    product_id: Id | None = None
    # Staff only (ignored for customers, who always file for themselves, as the portal):
    customer_id: Id | None = None
    received_via: str = Field(Ticket.ReceivedVia.PHONE, max_length=16)
    priority: str = Field(Priority.NORMAL, max_length=8)
    contact_name: str = Field("", max_length=120)


class TicketFilters(Schema):
    status: str = Field("all", max_length=20,
                        description="all (default), an open/closed status, or empty: open")
    assignee: str = Field("", max_length=20, description="a user id, me or none")
    tier: str = Field("", max_length=16)
    product: str = Field("", max_length=20)
    channel: str = Field("", max_length=16)
    q: str = Field("", max_length=200)
    cursor: Cursor = ""
    limit: Limit = 25


class MessageOut(Schema):
    id: int
    body: str
    is_internal: bool
    created_at: datetime
    author_name: str


class MessageIn(Schema):
    model_config = {"json_schema_extra": {"examples": [
        {"body": "Δοκιμάστε τώρα, παρακαλώ."},
        {"body": "Ο πελάτης έχει παλιό οδηγό.", "is_internal": True},
    ]}}

    body: str = Field(..., max_length=20000)
    is_internal: bool = False


class StatusIn(Schema):
    model_config = {"json_schema_extra": {"examples": [{"status": "waiting_customer"}]}}

    status: str = Field(..., max_length=20)


class AssignIn(Schema):
    assignee_id: Id | None = Field(None, description="A technician or manager; null unassigns.")


class AttachmentOut(Schema):
    uuid: str
    name: str
    content_type: str
    size_bytes: int
    sha256: str
    is_internal: bool
    created_at: datetime
    download_url: str


def _message_out(message) -> MessageOut:
    author = message.author
    name = (author.get_full_name() or author.username) if author else ""
    return MessageOut(id=message.pk, body=message.body, is_internal=message.is_internal,
                      created_at=message.created_at, author_name=name)


def _attachment_out(attachment) -> AttachmentOut:
    return AttachmentOut(
        uuid=str(attachment.uuid), name=attachment.original_name,
        content_type=attachment.content_type, size_bytes=attachment.size_bytes,
        sha256=attachment.sha256, is_internal=attachment.is_internal,
        created_at=attachment.created_at,
        download_url=f"/api/v1/attachments/{attachment.uuid}")


# ----------------------------------------------------------------------------- requests


@router.get("/", response=responses({200: TicketPageOut}))
def ticket_list(request, filters: Query[TicketFilters]):
    """Requests the caller may see, newest first, with their SLA state (customers: their
    company's only). Filters as on the desk queue; cursor pagination, at most 100 a page."""
    page = ticket_page_for_user(
        user=request.user, filters=queue_filters_from(filters.dict()),
        cursor=filters.cursor or None, limit=filters.limit)
    return {"items": [_ticket_out(t, sla=t.sla) for t in page.rows],
            "next_cursor": page.next_cursor}


@router.get("/{ticket_id}", response=responses({200: TicketOut}))
def ticket_detail(request, ticket_id: Id):
    return _ticket_out(ticket_get_for_user(user=request.user, ticket_id=ticket_id))


@router.get("/{ticket_id}/sla", response=responses({200: SlaOut}))
def ticket_sla(request, ticket_id: Id):
    """The response clock as the desk shows it: due moments, time used and left, state."""
    ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id)
    return sla_out(ticket_sla_view(ticket=ticket))


@router.post("/", response=responses({201: TicketOut}))
def ticket_open(request, payload: TicketIn):
    """Open a request. A customer files for its own company through the portal's intake
    (its licensed, active products only); staff log one for ``customer_id``."""
    user = request.user
    product = None
    if payload.product_id is not None:
        # The intake service decides whether the customer may file about it.
        product = Product.objects.filter(pk=payload.product_id).first()
        if product is None:
            raise Http404
    if not user.is_vendor_staff:
        ticket = portal_ticket_open(user=user, subject=payload.subject, body=payload.body,
                                    category=payload.category, product=product)
        return Status(201, _ticket_out(ticket))
    customer = Customer.objects.filter(pk=payload.customer_id).first()
    if customer is None:
        raise Http404
    ticket = ticket_create(
        customer=customer, subject=payload.subject, body=payload.body,
        received_via=payload.received_via, category=payload.category, product=product,
        priority=payload.priority, contact_name=payload.contact_name, by=user)
    return Status(201, _ticket_out(ticket))


@router.post("/{ticket_id}/status", response=responses({200: TicketOut}))
def ticket_status(request, ticket_id: Id, payload: StatusIn):
    """Staff: move the request to another status (waiting on the customer pauses the SLA)."""
    ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id)
    return _ticket_out(ticket_change_status(ticket=ticket, status=payload.status,
                                            by=request.user))


@router.post("/{ticket_id}/assign", response=responses({200: TicketOut}))
def ticket_assignment(request, ticket_id: Id, payload: AssignIn):
    """Staff: give the request to a technician or manager (null: nobody)."""
    ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id)
    assignee = None
    if payload.assignee_id is not None:
        assignee = staff_list().filter(pk=payload.assignee_id).first()
        if assignee is None:
            raise Http404
    return _ticket_out(ticket_assign(ticket=ticket, assignee=assignee, by=request.user))


# ----------------------------------------------------------------------------- conversation


@router.get("/{ticket_id}/messages", response=responses({200: list[MessageOut]}))
def message_list(request, ticket_id: Id):
    ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id)
    return [_message_out(m) for m in message_list_for_user(ticket=ticket, user=request.user)]


@router.post("/{ticket_id}/messages", response=responses({201: MessageOut}))
def message_add(request, ticket_id: Id, payload: MessageIn):
    """Reply (staff may add an internal note with ``is_internal``)."""
    ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id)
    # The service the portal's reply calls; it refuses an internal note from a customer.
    message = ticket_reply(ticket=ticket, body=payload.body, by=request.user,
                           is_internal=payload.is_internal)
    return Status(201, _message_out(message))


# ----------------------------------------------------------------------------- attachments


@router.get("/{ticket_id}/attachments", response=responses({200: list[AttachmentOut]}))
def attachment_list(request, ticket_id: Id):
    ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id)
    return [_attachment_out(a) for a in attachment_list_for_user(ticket=ticket,
                                                                 user=request.user)]


@router.post("/{ticket_id}/attachments", response=responses({201: AttachmentOut}))
def attachment_upload(request, ticket_id: Id, file: File[UploadedFile],
                      is_internal: Form[bool] = False):
    """Attach a file (multipart/form-data, field ``file``): size limit, allowed types and
    content sniffing as on the pages; staff may mark it staff-only."""
    ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id)
    attachment = attachment_add(ticket=ticket, uploaded_file=file, by=request.user,
                                is_internal=is_internal)
    return Status(201, _attachment_out(attachment))


@attachments_router.get("/{attachment_uuid}", response=responses({200: None}))
def attachment_download(request, attachment_uuid: UUID):
    """The file, always as a download (never rendered inline)."""
    attachment = attachment_get_for_user(user=request.user, attachment_uuid=attachment_uuid)
    return private_file_response(attachment.file, filename=attachment.original_name)
