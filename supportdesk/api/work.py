"""Work entries over the API (/api/v1/tickets/{id}/work-entries): staff record measured
work through the desk's own service (priced and drawn from the ledgers, all or nothing);
a customer user reads the entries of its own company's requests and cannot write (403)."""

from datetime import datetime
from decimal import Decimal

from ninja import Field, Router, Schema, Status

from supportdesk.common.choices import WorkKind
from supportdesk.common.permissions import ensure_staff
from supportdesk.tickets.selectors import ticket_get_for_user
from supportdesk.worklog.services.entries import ENTRY_ONLY_STAFF, work_entry_create

from .auth import api_auth
from .schemas import Id, responses
from .selectors import work_entry_list_for_user

router = Router(tags=["work entries"], auth=api_auth())


class WorkEntryOut(Schema):
    id: int
    ticket_id: int
    technician_name: str
    channel: str
    kind: str
    started_at: datetime
    ended_at: datetime
    duration_minutes: int
    billed_minutes: int
    allowance_drawn_minutes: int
    bank_drawn_minutes: int
    net_amount: Decimal
    description: str
    is_billed: bool


class WorkEntryIn(Schema):
    channel: str = Field(..., max_length=16, description="phone, remote, office or onsite")
    kind: str = Field(WorkKind.SUPPORT, max_length=16)
    started_at: datetime
    ended_at: datetime
    description: str = Field("", max_length=5000)


def _entry_out(entry) -> WorkEntryOut:
    technician = entry.technician
    return WorkEntryOut(
        id=entry.pk, ticket_id=entry.ticket_id,
        technician_name=technician.get_full_name() or technician.username,
        channel=entry.channel, kind=entry.kind, started_at=entry.started_at,
        ended_at=entry.ended_at, duration_minutes=entry.duration_minutes,
        billed_minutes=entry.billed_minutes,
        allowance_drawn_minutes=entry.allowance_drawn_minutes,
        bank_drawn_minutes=entry.bank_drawn_minutes, net_amount=entry.net_amount,
        description=entry.description, is_billed=entry.locked_at is not None)


@router.get("/{ticket_id}/work-entries", response=responses({200: list[WorkEntryOut]}))
def work_entry_list(request, ticket_id: Id):
    ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id)
    return [_entry_out(e) for e in work_entry_list_for_user(user=request.user, ticket=ticket)]


@router.post("/{ticket_id}/work-entries", response=responses({201: WorkEntryOut}))
def work_entry_add(request, ticket_id: Id, payload: WorkEntryIn):
    """Staff: record work done by the caller (refused with 403 for customer users)."""
    ensure_staff(request.user, ENTRY_ONLY_STAFF)
    ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id)
    entry = work_entry_create(
        ticket=ticket, technician=request.user, channel=payload.channel, kind=payload.kind,
        started_at=payload.started_at, ended_at=payload.ended_at,
        description=payload.description, by=request.user)
    return Status(201, _entry_out(entry))
