"""Reads for customer users. Every query is scoped to ``user.customer_id``: a customer user
never reaches another company's rows, whatever id it sends (docs/security.md #1, #2)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404

from supportdesk.agreements.models import Quote
from supportdesk.billing.models import Statement
from supportdesk.catalog.models import Release
from supportdesk.contracts.models import Contract
from supportdesk.contracts.selectors import contract_in_force
from supportdesk.domain.ticket_status import CLOSED_STATUSES, OPEN_STATUSES
from supportdesk.entitlements.selectors import contract_has_updates, hours_left
from supportdesk.tickets.models import Ticket

PAGE_SIZE = 25


def ticket_list_for_customer(*, user, status: str = "", page: int | str = 1) -> Page:
    qs: QuerySet[Ticket] = (
        Ticket.objects.filter(customer_id=user.customer_id)
        .select_related("product")
        .only("id", "subject", "status", "received_at", "product__name", "category",
              "first_response_at", "updated_at")
        .order_by("-received_at", "-id")
    )
    if status == "open":
        qs = qs.filter(status__in=list(OPEN_STATUSES))
    elif status == "closed":
        qs = qs.filter(status__in=list(CLOSED_STATUSES))
    return Paginator(qs, PAGE_SIZE).get_page(page)


@dataclass(frozen=True)
class PortalContract:
    contract: Contract | None
    tier: str
    has_updates: bool


def portal_contract(*, user, today: date) -> PortalContract:
    contract = contract_in_force(customer_id=user.customer_id, day=today)
    if contract is None:
        return PortalContract(contract=None, tier="free", has_updates=False)
    return PortalContract(contract=contract, tier=contract.tier,
                          has_updates=contract_has_updates(contract=contract, day=today))


def release_list_for_customer(*, user, today: date) -> list[Release]:
    """§4: updated versions only for tiers entitled to them, of licensed products only."""
    if not portal_contract(user=user, today=today).has_updates:
        return []
    return list(
        Release.objects.filter(
            product__licences__customer_id=user.customer_id, product__licences__is_active=True
        ).select_related("product").order_by("-released_on")[:100]
    )


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class PortalAllowance:
    channel_label: str
    granted_hours: Decimal
    left_hours: Decimal


@dataclass(frozen=True)
class PortalUsage:
    allowances: tuple[PortalAllowance, ...]
    bank_minutes: int | None

    @property
    def bank_hours(self) -> Decimal | None:
        return None if self.bank_minutes is None else _hours(self.bank_minutes)


def portal_usage(*, user, today: date) -> PortalUsage:
    """What is left this contract year (§4 included hours) and in the prepaid bank."""
    contract = contract_in_force(customer_id=user.customer_id, day=today)
    left = hours_left(customer_id=user.customer_id, contract=contract, today=today)
    rows = tuple(PortalAllowance(channel_label=row.label,
                                 granted_hours=_hours(row.granted_minutes),
                                 left_hours=_hours(row.left_minutes))
                 for row in left.allowances)
    has_bank = contract is None or left.bank_minutes > 0
    return PortalUsage(allowances=rows, bank_minutes=left.bank_minutes if has_bank else None)


def statement_list_for_customer(*, user, page: int | str = 1):
    """Issued statements of the user's company, newest first (drafts are never shown)."""
    qs = (Statement.objects.filter(customer_id=user.customer_id)
          .exclude(status=Statement.Status.DRAFT)
          .order_by("-issued_at", "-id"))
    return Paginator(qs, PAGE_SIZE).get_page(page)


def quote_list_for_ticket(*, user, ticket) -> list[Quote]:
    """§10 quotes of one of the user's own requests (the ticket was fetched scoped)."""
    return list(Quote.objects.filter(ticket=ticket, ticket__customer_id=user.customer_id)
                .order_by("-created_at"))


def quote_get_for_customer(*, user, quote_id: int) -> Quote:
    quote = (Quote.objects.select_related("ticket")
             .filter(pk=quote_id, ticket__customer_id=user.customer_id).first())
    if quote is None:
        raise Http404
    return quote


def release_get_for_customer(*, user, release_id: int, today: date) -> Release:
    """A release the user's contract entitles it to download (§4); otherwise Http404."""
    if not portal_contract(user=user, today=today).has_updates:
        raise Http404
    release = (Release.objects.filter(
        pk=release_id, product__licences__customer_id=user.customer_id,
        product__licences__is_active=True).exclude(file="").first())
    if release is None:
        raise Http404
    return release
