"""Reads of the API app: tokens (a user's own; managers: the integration accounts') and the
token behind an ``Authorization: Bearer`` header, plus the few API-only reads (work entries
as a customer sees them)."""

import base64
import binascii
import hmac
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supportdesk.accounts.models import User
from supportdesk.agreements.models import Quote
from supportdesk.agreements.selectors import quotes_for_ticket
from supportdesk.billing.selectors import statement_list
from supportdesk.catalog.models import Release
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.text import clean_text, fold
from supportdesk.contracts.models import Contract
from supportdesk.customers.models import Customer
from supportdesk.portal.selectors import (
    quote_get_for_customer,
    quote_list_for_ticket,
    release_get_for_customer,
    release_list_for_customer,
    statement_list_for_customer,
)
from supportdesk.tickets.models import Ticket, TicketPause
from supportdesk.tickets.selectors import QueueFilters, ticket_queue_queryset
from supportdesk.tickets.services.sla import sla_view_for
from supportdesk.worklog.models import WorkEntry

from .models import ApiToken, IntegrationAccount
from .services import LOOKUP_LENGTH, TOKEN_PREFIX, secret_digest


def api_token_list_for_user(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def api_token_get_for_user(*, user: User, token_id: int) -> ApiToken:
    """One of the user's own tokens or, for a manager, one of an integration account;
    otherwise Http404."""
    qs = ApiToken.objects.select_related("user")
    token = qs.filter(pk=token_id, user=user).first()
    if token is None and user.is_manager:
        token = qs.filter(pk=token_id, user__integration__isnull=False).first()
    if token is None:
        raise Http404
    return token


def integration_account_list() -> QuerySet[IntegrationAccount]:
    return IntegrationAccount.objects.select_related("user", "user__customer").order_by(
        "user__username")


def integration_account_get(*, account_id: int) -> IntegrationAccount:
    account = integration_account_list().filter(pk=account_id).first()
    if account is None:
        raise Http404
    return account


def api_token_for_secret(secret: str, *, now=None) -> ApiToken | None:
    """The usable token whose secret this is, acting for a user who still may use it:
    None when unknown, revoked, expired, its user deactivated, or a customer user moved to
    another company since the token was made (checked on every call, never cached)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    prefix = secret[len(TOKEN_PREFIX):len(TOKEN_PREFIX) + LOOKUP_LENGTH]
    if len(prefix) != LOOKUP_LENGTH:
        return None
    token = ApiToken.objects.select_related("user", "user__customer").filter(
        prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.secret_sha256, secret_digest(secret)):
        return None
    user = token.user
    if not token.is_usable(now) or not user.is_active:
        return None
    if user.customer_id != token.customer_id:
        return None
    return token


def work_entry_list_for_user(*, user: User, ticket: Ticket) -> list[WorkEntry]:
    """The work recorded on a request the caller may see (``ticket`` was fetched scoped):
    staff see every entry; a customer user sees its own company's (the same it is billed)."""
    if not user.is_vendor_staff and ticket.customer_id != user.customer_id:
        raise Http404
    return list(WorkEntry.objects.filter(ticket=ticket).select_related("technician")
                .order_by("started_at", "pk")[:500])


# ----------------------------------------------------------------------------- pages of rows

def encode_cursor(moment, pk: int) -> str:
    """An opaque position after a row ordered by (moment desc, id desc)."""
    micro = 0 if moment is None else _epoch_us(moment)
    return base64.urlsafe_b64encode(f"{micro}_{pk}".encode()).decode().rstrip("=")


def decode_cursor(raw: str) -> tuple[datetime, int]:
    """The position a cursor names; ApplicationError ``invalid_cursor`` if it is not one
    this API made."""
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        micro, pk = (int(part) for part in text.split("_"))
        if not (0 <= micro < 2**62 and 0 < pk < 2**63):
            raise ValueError
        return _EPOCH + timedelta(microseconds=micro), pk
    except (ValueError, UnicodeDecodeError, binascii.Error, OverflowError) as exc:
        raise ApplicationError(CURSOR_INVALID, code="invalid_cursor",
                               extra={"field": "cursor"}) from exc


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _epoch_us(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


CURSOR_INVALID = _("This cursor is not one the API gave: start again without it.")


@dataclass(frozen=True)
class RowPage:
    rows: list
    next_cursor: str | None


def _keyset_page(qs: QuerySet, *, field: str, cursor: str | None, limit: int) -> RowPage:
    """Rows ordered by ``field`` desc then id desc, ``limit`` after ``cursor`` (no COUNT)."""
    if cursor:
        moment, pk = decode_cursor(cursor)
        qs = qs.filter(Q(**{f"{field}__lt": moment})
                       | Q(**{field: moment, "pk__lt": pk}))
    rows = list(qs.order_by(f"-{field}", "-pk")[:limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    return RowPage(rows=rows, next_cursor=encode_cursor(getattr(last, field), last.pk)
                   if more and last is not None else None)


def ticket_page_for_user(*, user: User, filters: QueueFilters, cursor: str | None,
                         limit: int) -> RowPage:
    """Requests the caller may see that match the queue's filters, newest first, with the
    SLA state of the page's rows (``row.sla``). Staff: every company; a customer user: its
    own (the same scope as ``ticket_get_for_user``)."""
    qs = ticket_queue_queryset(filters=filters, user=user)
    if not user.is_vendor_staff:
        qs = qs.filter(customer_id=user.customer_id) if user.customer_id else qs.none()
    qs = qs.select_related("customer", "product", "assignee").prefetch_related(
        Prefetch("pauses", queryset=TicketPause.objects.order_by("started_at")))
    page = _keyset_page(qs, field="received_at", cursor=cursor, limit=limit)
    views = sla_view_for(page.rows, now=timezone.now()) if page.rows else {}
    for ticket in page.rows:
        ticket.sla = views[ticket.pk]
    return page


def statement_page_for_user(*, user: User, filters: dict, cursor: str | None,
                            limit: int) -> RowPage:
    """Statements: staff any (the billing list's filters); a customer user its company's
    issued ones (the portal's list). Newest first by creation."""
    if user.is_vendor_staff:
        qs = statement_list(filters=filters)
    else:
        qs = statement_list_for_customer(user=user).paginator.object_list
    return _keyset_page(qs.select_related("customer"), field="created_at", cursor=cursor,
                        limit=limit)


def customer_page_for_staff(*, q: str, cursor: str | None, limit: int) -> RowPage:
    qs = Customer.objects.all()
    q = fold(" ".join(clean_text(q or "").split()))[:100]
    for term in q.split()[:8]:
        qs = qs.filter(search_text__contains=term)
    return _keyset_page(qs, field="created_at", cursor=cursor, limit=limit)


def customer_get_for_staff(*, customer_id: int) -> Customer:
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise Http404
    return customer


def contract_list_for_customer(*, customer: Customer) -> list[Contract]:
    return list(Contract.objects.filter(customer=customer).order_by("-starts_on", "-pk")[:50])


def quote_list_for_user(*, user: User, ticket: Ticket) -> list[Quote]:
    if user.is_vendor_staff:
        return list(quotes_for_ticket(ticket_id=ticket.pk))
    return quote_list_for_ticket(user=user, ticket=ticket)


def quote_get_for_user(*, user: User, quote_id: int) -> Quote:
    if not user.is_vendor_staff:
        return quote_get_for_customer(user=user, quote_id=quote_id)
    quote = Quote.objects.select_related("ticket").filter(pk=quote_id).first()
    if quote is None:
        raise Http404
    return quote


def release_list_for_user(*, user: User, today: date) -> list[Release]:
    if user.is_vendor_staff:
        return list(Release.objects.select_related("product").order_by("-released_on",
                                                                         "-pk")[:100])
    return release_list_for_customer(user=user, today=today)


def release_get_for_user(*, user: User, release_id: int, today: date) -> Release:
    """A release the caller may download: staff any with a file; a customer user one its
    contract entitles it to (§4, the portal's rule)."""
    if not user.is_vendor_staff:
        return release_get_for_customer(user=user, release_id=release_id, today=today)
    release = Release.objects.filter(pk=release_id).exclude(file="").first()
    if release is None:
        raise Http404
    return release
