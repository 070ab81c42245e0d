"""Customers, contracts with their balances, and statements (/api/v1/customers,
/api/v1/statements): the ``billing`` scope on top of read. Customers and contracts are for
staff (403 otherwise); a customer user reads its own company's issued statements, as in the
portal, and gets 404 for any other id."""

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from ninja import Field, Query, Router, Schema

from supportdesk.billing.documents import statement_csv, statement_filename, statement_pdf
from supportdesk.billing.selectors import statement_get_for_user, statement_lines
from supportdesk.common.permissions import ensure_staff
from supportdesk.contracts.selectors import contract_in_force
from supportdesk.entitlements.selectors import customer_balances

from .auth import api_auth
from .schemas import Cursor, Id, Limit, responses
from .selectors import (
    contract_list_for_customer,
    customer_get_for_staff,
    customer_page_for_staff,
    statement_page_for_user,
)

customers_router = Router(tags=["customers and contracts"], auth=api_auth(billing=True))
statements_router = Router(tags=["statements"], auth=api_auth(billing=True))


class CustomerOut(Schema):
    id: int
    name: str
    tax_number: str
    city: str
    email: str
    phone: str
    is_active: bool


class CustomerPageOut(Schema):
    items: list[CustomerOut]
    next_cursor: str | None


class AllowanceOut(Schema):
    channel: str
    contract_year: int
    year_starts_on: date
    year_ends_on: date
    granted_minutes: int
    used_minutes: int
    left_minutes: int


class ContractOut(Schema):
    id: int
    tier: str
    status: str
    starts_on: date
    ends_on: date
    annual_fee: Decimal | None
    is_in_force: bool


class CustomerDetailOut(CustomerOut):
    contracts: list[ContractOut]
    prepaid_bank_minutes: int
    allowances: list[AllowanceOut] = Field(
        ..., description="Included hours of the contract in force, per channel and year.")


def _customer_out(customer) -> dict:
    return {"id": customer.pk, "name": customer.name, "tax_number": customer.tax_number,
            "city": customer.city, "email": customer.email, "phone": customer.phone,
            "is_active": customer.is_active}


class CustomerFilters(Schema):
    q: str = Field("", max_length=100)
    cursor: Cursor = ""
    limit: Limit = 25


@customers_router.get("/", response=responses({200: CustomerPageOut}))
def customer_list(request, filters: Query[CustomerFilters]):
    ensure_staff(request.user)
    page = customer_page_for_staff(q=filters.q, cursor=filters.cursor or None,
                                   limit=filters.limit)
    return {"items": [_customer_out(c) for c in page.rows], "next_cursor": page.next_cursor}


@customers_router.get("/{customer_id}", response=responses({200: CustomerDetailOut}))
def customer_detail(request, customer_id: Id):
    """The customer, its contracts, its prepaid bank and the included hours left."""
    ensure_staff(request.user)
    customer = customer_get_for_staff(customer_id=customer_id)
    in_force = contract_in_force(customer_id=customer.pk, day=timezone.localdate())
    balances = customer_balances(customer_id=customer.pk, contract=in_force)
    contracts = [ContractOut(id=c.pk, tier=c.tier, status=c.status, starts_on=c.starts_on,
                             ends_on=c.ends_on, annual_fee=c.annual_fee,
                             is_in_force=in_force is not None and c.pk == in_force.pk)
                 for c in contract_list_for_customer(customer=customer)]
    allowances = [AllowanceOut(channel=a.channel, contract_year=a.contract_year,
                               year_starts_on=a.year_starts_on, year_ends_on=a.year_ends_on,
                               granted_minutes=a.granted_minutes, used_minutes=a.used_minutes,
                               left_minutes=a.left_minutes) for a in balances.allowances]
    return {**_customer_out(customer), "contracts": contracts,
            "prepaid_bank_minutes": balances.bank_minutes, "allowances": allowances}


# ----------------------------------------------------------------------------- statements


class StatementOut(Schema):
    id: int
    number: str
    kind: str
    status: str
    customer_id: int
    customer_name: str
    period_start: date | None
    period_end: date | None
    issued_at: datetime | None
    due_on: date | None
    paid_at: datetime | None
    net_total: Decimal
    vat_total: Decimal
    total: Decimal
    mark: str


class StatementLineOut(Schema):
    position: int
    kind: str
    description: str
    ticket_id: int | None
    minutes: int
    net_amount: Decimal
    vat_rate: Decimal


class StatementDetailOut(StatementOut):
    lines: list[StatementLineOut]


class StatementPageOut(Schema):
    items: list[StatementOut]
    next_cursor: str | None


class StatementFilters(Schema):
    status: str = Field("", max_length=16)
    kind: str = Field("", max_length=16)
    year: str = Field("", max_length=4)
    customer: str = Field("", max_length=100, description="staff: an id or a name")
    cursor: Cursor = ""
    limit: Limit = 25


def _statement_out(s) -> dict:
    return {"id": s.pk, "number": s.display_number, "kind": s.kind, "status": s.status,
            "customer_id": s.customer_id, "customer_name": s.customer_name,
            "period_start": s.period_start, "period_end": s.period_end,
            "issued_at": s.issued_at, "due_on": s.due_on, "paid_at": s.paid_at,
            "net_total": s.net_total, "vat_total": s.vat_total, "total": s.total,
            "mark": s.mark}


@statements_router.get("/", response=responses({200: StatementPageOut}))
def statement_list(request, filters: Query[StatementFilters]):
    """Staff: every statement (filters as on the billing page); a customer user: its
    company's issued statements. Newest first."""
    page = statement_page_for_user(
        user=request.user,
        filters={"status": filters.status, "kind": filters.kind, "year": filters.year,
                 "customer": filters.customer},
        cursor=filters.cursor or None, limit=filters.limit)
    return {"items": [_statement_out(s) for s in page.rows], "next_cursor": page.next_cursor}


@statements_router.get("/{statement_id}", response=responses({200: StatementDetailOut}))
def statement_detail(request, statement_id: Id):
    statement = statement_get_for_user(user=request.user, statement_id=statement_id)
    lines = [StatementLineOut(position=line.position, kind=line.kind,
                              description=line.description, ticket_id=line.ticket_id,
                              minutes=line.minutes, net_amount=line.net_amount,
                              vat_rate=line.vat_rate)
             for line in statement_lines(statement)]
    return {**_statement_out(statement), "lines": lines}


def _document(statement, body: bytes, content_type: str, ext: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=statement_filename(statement, ext))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@statements_router.get("/{statement_id}/pdf", response=responses({200: None}))
def statement_pdf_download(request, statement_id: Id):
    """The statement as the PDF the portal gives (Greek)."""
    statement = statement_get_for_user(user=request.user, statement_id=statement_id)
    return _document(statement, statement_pdf(statement), "application/pdf", "pdf")


@statements_router.get("/{statement_id}/csv", response=responses({200: None}))
def statement_csv_download(request, statement_id: Id):
    statement = statement_get_for_user(user=request.user, statement_id=statement_id)
    return _document(statement, statement_csv(statement), "text/csv; charset=utf-8", "csv")
