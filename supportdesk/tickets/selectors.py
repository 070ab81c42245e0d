"""Reads of support requests: the SLA queue, one request for a user, its conversation.

The queue is bounded by the page: it walks the partial index ``ticket_queue_idx`` (open
requests by due moment) with keyset pagination, never counts the table, and asks the rules
engine for the SLA state of the page's rows only (issue 5: "work bounded by the page").
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from supportdesk.common.choices import Priority, Tier
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.text import clean_text, fold
from supportdesk.contracts.selectors import calendar_get_default
from supportdesk.domain.ticket_status import CLOCK_PAUSED_STATUSES, OPEN_STATUSES

from .models import Attachment, Message, Ticket, TicketEvent, TicketLink, TicketPause
from .services.sla import SlaView, resolution_view_for, sla_view_for

STATUS_OPEN = ""  # the default queue: every open request
STATUS_ALL = "all"
STATUS_OURS = "ours"  # open and waiting on us: new or open, not waiting on the customer
DUE_TODAY = "today"   # a running clock (response or resolution) is due by the end of today
ASSIGNEE_ME = "me"
ASSIGNEE_NONE = "none"
PAGE_SIZE = 25
PAGE_SIZE_MAX = 100
SEARCH_MAX_TERMS = 8
SEARCH_MAX_LENGTH = 200
_REFERENCE = re.compile(r"^#?0*(\d{1,12})$")
_CURSOR = re.compile(r"^([ndr])(-?\d{1,20})?_(\d{1,19})$")


@dataclass(frozen=True)
class QueueFilters:
    """Validated queue filters; unknown or malformed values are dropped, never used raw."""

    status: str = STATUS_OPEN
    assignee: int | str | None = None  # a user id, "me", "none" or None (anyone)
    tier: str = ""
    product: int | None = None
    channel: str = ""
    q: str = ""
    priority: str = ""
    sort: str = ""  # "" = the default order (due first for open requests, else newest)
    due: str = ""

    @property
    def is_open_queue(self) -> bool:
        return self.status in (STATUS_OPEN, STATUS_OURS) or self.status in OPEN_STATUSES

    @property
    def is_filtered(self) -> bool:
        return any([self.status, self.assignee, self.tier, self.product, self.channel, self.q,
                    self.priority, self.due])

    def as_params(self) -> dict[str, str]:
        """The filters as query parameters (what a saved view stores), empty ones left out."""
        values = {"status": self.status, "assignee": self.assignee, "tier": self.tier,
                  "product": self.product, "channel": self.channel, "q": self.q,
                  "priority": self.priority, "sort": self.sort, "due": self.due}
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


def _as_int(value) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def queue_filters_from(params) -> QueueFilters:
    """Parse request parameters (a QueryDict or dict) into filters (docs/security.md #24)."""
    status = params.get("status") or ""
    if status not in (STATUS_ALL, STATUS_OURS, *Ticket.Status.values):
        status = STATUS_OPEN
    raw_assignee = (params.get("assignee") or "").strip()
    assignee: int | str | None
    if raw_assignee in (ASSIGNEE_ME, ASSIGNEE_NONE):
        assignee = raw_assignee
    else:
        assignee = _as_int(raw_assignee) if raw_assignee else None
    tier = params.get("tier") or ""
    if tier not in Tier.values:
        tier = ""
    channel = params.get("channel") or ""
    if channel not in Ticket.ReceivedVia.values:
        channel = ""
    product = _as_int(params.get("product")) if params.get("product") else None
    priority = params.get("priority") or ""
    if priority not in Priority.values:
        priority = ""
    # NUL and control characters dropped: PostgreSQL refuses NUL in a text parameter.
    q = " ".join(clean_text(params.get("q") or "").split())[:SEARCH_MAX_LENGTH]
    sort = params.get("sort") or ""
    if sort not in SORTS:
        sort = ""
    due = params.get("due") or ""
    if due != DUE_TODAY:
        due = ""
    return QueueFilters(status=status, assignee=assignee, tier=tier, product=product,
                        channel=channel, q=q, priority=priority, sort=sort, due=due)


# ----------------------------------------------------------------------------- cursor


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _epoch_us(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def _from_epoch_us(value: int) -> datetime:
    return _EPOCH + value * _MICROSECOND


def _encode_cursor(ticket: Ticket, *, open_queue: bool) -> str:
    if open_queue:
        if ticket.response_due_at is None:
            return f"n_{ticket.pk}"
        return f"d{_epoch_us(ticket.response_due_at)}_{ticket.pk}"
    return f"r{_epoch_us(ticket.received_at)}_{ticket.pk}"


def _decode_cursor(raw: str | None, *, open_queue: bool) -> tuple[datetime | None, int] | None:
    """``(moment, id)`` or None for a missing, malformed or foreign cursor (first page)."""
    match = _CURSOR.match(raw or "")
    if not match:
        return None
    kind, number, pk = match.groups()
    if open_queue and kind == "n" and number is None:
        return None, int(pk)
    expected = "d" if open_queue else "r"
    if kind != expected or number is None:
        return None
    try:
        return _from_epoch_us(int(number)), int(pk)
    except (OverflowError, OSError, ValueError):
        return None


def _after(position: tuple[datetime | None, int], *, open_queue: bool, forward: bool) -> Q:
    """Rows strictly after (or before) ``position`` among those with a moment.

    Written as ``moment >= m AND (moment > m OR id > i)`` rather than an OR of ranges: the
    first term is an index range condition, so PostgreSQL starts the scan at the cursor
    instead of filtering the whole index (page 3 must cost what page 1 costs)."""
    moment, pk = position
    field_name = "response_due_at" if open_queue else "received_at"
    ascending = open_queue == forward
    if ascending:
        return Q(**{f"{field_name}__gte": moment}) & (
            Q(**{f"{field_name}__gt": moment}) | Q(pk__gt=pk))
    return Q(**{f"{field_name}__lte": moment}) & (
        Q(**{f"{field_name}__lt": moment}) | Q(pk__lt=pk))


def _ordering(*, open_queue: bool, forward: bool) -> list:
    if open_queue:
        if forward:
            return [F("response_due_at").asc(nulls_last=True), "pk"]
        return [F("response_due_at").desc(nulls_first=True), "-pk"]
    return ["-received_at", "-pk"] if forward else ["received_at", "pk"]


# ----------------------------------------------------------------------------- queue


@dataclass
class QueueRow:
    ticket: Ticket
    sla: SlaView
    resolution: SlaView | None = None


@dataclass
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None
    prev_cursor: str | None
    filters: QueueFilters
    now: datetime
    is_first: bool = True
    extra: dict = field(default_factory=dict)


def _search_q(q: str) -> Q:
    """Every word must occur in the folded subject + body + customer name; ``#123`` or a bare
    number also finds that request by reference."""
    condition = Q()
    for term in fold(q).split()[:SEARCH_MAX_TERMS]:
        condition &= Q(search_text__contains=term)
    reference = _REFERENCE.match(q.strip())
    if reference:
        condition = condition | Q(pk=int(reference.group(1)))
    return condition


def queue_condition(*, filters: QueueFilters, user=None, now: datetime | None = None) -> Q:
    """The filters as one condition: the queue's queryset and the sidebar's counts (one
    aggregate for every view) are built from it."""
    condition = Q()
    if filters.status in (STATUS_OPEN, STATUS_OURS):
        # Literally the partial index's predicate, so the planner can use it.
        condition &= Q(status__in=list(OPEN_STATUSES))
        if filters.status == STATUS_OURS:
            condition &= ~Q(status__in=sorted(CLOCK_PAUSED_STATUSES))
    elif filters.status != STATUS_ALL:
        condition &= Q(status=filters.status)
    if filters.assignee == ASSIGNEE_ME:
        condition &= Q(assignee_id=getattr(user, "pk", None))
    elif filters.assignee == ASSIGNEE_NONE:
        condition &= Q(assignee__isnull=True)
    elif filters.assignee:
        condition &= Q(assignee_id=filters.assignee)
    if filters.tier:
        condition &= Q(tier=filters.tier)
    if filters.product:
        condition &= Q(product_id=filters.product)
    if filters.channel:
        condition &= Q(received_via=filters.channel)
    if filters.priority:
        condition &= Q(priority=filters.priority)
    if filters.due == DUE_TODAY:
        end = _end_of_today(now)
        condition &= (Q(first_response_at__isnull=True, response_due_max_at__lte=end)
                      | Q(resolved_at__isnull=True, resolution_due_at__lte=end))
    if filters.q:
        condition &= _search_q(filters.q)
    return condition


def _end_of_today(now: datetime | None) -> datetime:
    local = timezone.localtime(now or timezone.now())
    return local.replace(hour=23, minute=59, second=59, microsecond=999999)


def ticket_queue_queryset(*, filters: QueueFilters, user=None) -> QuerySet[Ticket]:
    """The filtered requests, not yet ordered or cut (the page does that)."""
    return Ticket.objects.filter(queue_condition(filters=filters, user=user))


#: The views' counts are kept this long in the shared cache: a sidebar figure may be a few
#: seconds old, and the aggregate over every open request is then one query per half
#: minute and person, not one per page.
QUEUE_COUNTS_SECONDS = 30


def queue_counts(*, views: dict[str, QueueFilters], user=None, now: datetime | None = None
                 ) -> dict[str, int | None]:
    """How many requests each view holds, in one aggregate over the open requests (the
    partial index); a view of closed or all requests is not counted (None): counting a
    million closed requests on every page would cost what the queue saves."""
    counted = {key: f for key, f in views.items() if f.is_open_queue}
    result: dict[str, int | None] = dict.fromkeys(views)
    if not counted:
        return result
    signature = hashlib.sha256(repr(sorted(
        (key, sorted(f.as_params().items())) for key, f in counted.items())).encode()
    ).hexdigest()[:24]
    cache_key = f"queue-counts:{getattr(user, 'pk', None)}:{signature}"
    totals = cache.get(cache_key) if now is None else None
    if totals is None:
        aggregates = {f"v{n}": Count("pk", filter=queue_condition(filters=f, user=user, now=now))
                      for n, f in enumerate(counted.values())}
        totals = Ticket.objects.filter(status__in=list(OPEN_STATUSES)).aggregate(**aggregates)
        if now is None:
            cache.set(cache_key, totals, QUEUE_COUNTS_SECONDS)
    for n, key in enumerate(counted):
        result[key] = totals[f"v{n}"]
    return result


def queue_total(*, filters: QueueFilters, user=None, cap: int = 10_000) -> int:
    """How many requests the list holds, counted up to ``cap`` (shown as "10,000+")."""
    return ticket_queue_queryset(filters=filters, user=user)[:cap + 1].count()


# ----------------------------------------------------------------------------- sorting

_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)
_PRIORITY_RANK = Case(
    *(When(priority=value, then=Value(rank)) for rank, value in enumerate(Priority.values)),
    default=Value(len(Priority.values)), output_field=IntegerField())

#: The orders a technician may choose besides the default, each one key (never null) plus
#: the id, so that keyset pagination holds: ``(key, ascending)``.
SORTS: dict[str, tuple] = {
    "resolution": (Coalesce("resolution_due_at", Value(_FAR_FUTURE)), True),
    "priority": (_PRIORITY_RANK, True),
    "newest": (F("received_at"), False),
    "oldest": (F("received_at"), True),
    "activity": (F("updated_at"), False),
}
_SORT_CURSOR = re.compile(r"^s([a-z]{3,12})(-?\d{1,20})_(\d{1,19})$")


def _sort_cursor(sort: str, key, pk: int) -> str:
    value = _epoch_us(key) if isinstance(key, datetime) else int(key)
    return f"s{sort}{value}_{pk}"


def _sort_position(raw: str | None, sort: str):
    match = _SORT_CURSOR.match(raw or "")
    if not match or match.group(1) != sort:
        return None
    value, pk = int(match.group(2)), int(match.group(3))
    if sort == "priority":
        return value, pk
    try:
        return _from_epoch_us(value), pk
    except (OverflowError, OSError, ValueError):
        return None


def _sorted_page_ids(qs: QuerySet, *, sort: str, position, forward: bool, want: int
                     ) -> tuple[list[int], dict[int, object]]:
    """``want`` ids in the chosen order from after (or before) ``position``, and their keys."""
    expression, ascending = SORTS[sort]
    ascending = ascending == forward
    rows = qs.annotate(sort_key=expression)
    if position is not None:
        key, pk = position
        if ascending:
            rows = rows.filter(Q(sort_key__gt=key) | Q(sort_key=key, pk__gt=pk))
        else:
            rows = rows.filter(Q(sort_key__lt=key) | Q(sort_key=key, pk__lt=pk))
    order = [F("sort_key").asc(), "pk"] if ascending else [F("sort_key").desc(), "-pk"]
    pairs = list(rows.order_by(*order).values_list("pk", "sort_key")[:want])
    return [pk for pk, _ in pairs], dict(pairs)


def _calendar_or_none():
    """The working calendar read once per page (None: the views say "no target")."""
    try:
        return calendar_get_default()
    except ApplicationError:
        return None


def ticket_queue(
    *, filters: QueueFilters, user=None, cursor: str | None = None, before: str | None = None,
    page_size: int = PAGE_SIZE, now: datetime | None = None,
) -> QueuePage:
    """One page of the queue: open requests by SLA due moment (or, for closed/all, newest
    first), with the SLA state of just these rows. ``cursor`` continues after a row,
    ``before`` goes back from one; both come from a previous page."""
    now = now or timezone.now()
    page_size = max(1, min(page_size, PAGE_SIZE_MAX))
    open_queue = filters.is_open_queue
    qs = ticket_queue_queryset(filters=filters, user=user)
    forward = True
    position = _decode_cursor(cursor, open_queue=open_queue)
    if position is None and before:
        position = _decode_cursor(before, open_queue=open_queue)
        forward = position is None
    order = _ordering(open_queue=open_queue, forward=forward)
    want = page_size + 1  # LIMIT + 1 tells whether there is more without counting anything
    # Deferred join: the page's ids come from the index alone (no joins, so the planner
    # keeps the index order and stops after ``want`` rows whatever it estimates); the rows
    # and their customer/product/technician are then read by primary key.
    ids = qs.values_list("pk", flat=True)
    keys: dict[int, object] = {}
    if filters.sort:
        position = _sort_position(cursor, filters.sort)
        forward = True
        if position is None and before:
            position = _sort_position(before, filters.sort)
            forward = position is None
        page_ids, keys = _sorted_page_ids(qs, sort=filters.sort, position=position,
                                          forward=forward, want=want)
    elif position is None:
        page_ids = list(ids.order_by(*order)[:want])
    elif not open_queue:
        page_ids = list(ids.filter(_after(position, open_queue=False, forward=forward))
                        .order_by(*order)[:want])
    else:
        # The open queue sorts requests without a deadline last: two index segments,
        # the dated ones by (due, id) and the undated ones by id, read in order.
        moment, pk = position
        dated = ids.filter(response_due_at__isnull=False)
        undated = ids.filter(response_due_at__isnull=True)
        if forward:
            if moment is None:
                page_ids = list(undated.filter(pk__gt=pk).order_by("pk")[:want])
            else:
                page_ids = list(dated.filter(_after(position, open_queue=True, forward=True))
                                .order_by(*order)[:want])
                if len(page_ids) < want:
                    page_ids += list(undated.order_by("pk")[: want - len(page_ids)])
        elif moment is None:
            page_ids = list(undated.filter(pk__lt=pk).order_by("-pk")[:want])
            if len(page_ids) < want:
                page_ids += list(dated.order_by(*order)[: want - len(page_ids)])
        else:
            page_ids = list(dated.filter(_after(position, open_queue=True, forward=False))
                            .order_by(*order)[:want])
    rows = (
        Ticket.objects.filter(pk__in=page_ids[:page_size])
        .select_related("customer", "product", "assignee")
        .prefetch_related(Prefetch("pauses", queryset=TicketPause.objects.order_by("started_at")))
        .in_bulk()
    ) if page_ids else {}
    tickets = [rows[pk] for pk in page_ids[:page_size] if pk in rows]
    more = len(page_ids) > page_size
    if not forward:
        tickets.reverse()
    calendar = _calendar_or_none() if tickets else None
    views = sla_view_for(tickets, now=now, calendar=calendar) if tickets else {}
    resolutions = resolution_view_for(tickets, now=now, calendar=calendar) if tickets else {}
    rows = [QueueRow(ticket=t, sla=views[t.pk], resolution=resolutions[t.pk])
            for t in tickets]
    def encode(ticket: Ticket) -> str:
        if filters.sort:
            return _sort_cursor(filters.sort, keys[ticket.pk], ticket.pk)
        return _encode_cursor(ticket, open_queue=open_queue)

    if forward:
        next_cursor = encode(tickets[-1]) if more else None
        prev_cursor = encode(tickets[0]) if tickets and position is not None else None
    else:
        next_cursor = encode(tickets[-1]) if tickets else None
        prev_cursor = encode(tickets[0]) if more else None
    return QueuePage(rows=rows, next_cursor=next_cursor, prev_cursor=prev_cursor,
                     filters=filters, now=now, is_first=prev_cursor is None)


# ----------------------------------------------------------------------------- one request


def _visible_tickets(user) -> QuerySet[Ticket]:
    if user is None or not user.is_authenticated or not user.is_active:
        return Ticket.objects.none()
    if user.is_vendor_staff:
        return Ticket.objects.all()
    if user.is_customer_user and user.customer_id:
        return Ticket.objects.filter(customer_id=user.customer_id)
    return Ticket.objects.none()


def ticket_get_for_user(*, user, ticket_id) -> Ticket:
    """The request if ``user`` may see it: staff any, a customer user its company's only;
    otherwise Http404 (never 403: an id of another company must not be confirmed)."""
    pk = _as_int(ticket_id)
    if pk is None:
        raise Http404
    ticket = (
        _visible_tickets(user)
        # What every page of one request shows; the contract is read where it prices
        # something (a join more costs the ticket page more planning than its own query).
        .select_related("customer", "product", "assignee", "contact")
        .filter(pk=pk)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def ticket_find_by_reference(*, user, text: str) -> Ticket | None:
    """A request the user may see, from "#000123", "123" or "#123"; None otherwise."""
    match = _REFERENCE.match(clean_text(text or "").strip())
    if match is None:
        return None
    return _visible_tickets(user).select_related("customer").filter(
        pk=int(match.group(1))).first()


def ticket_links(*, ticket: Ticket) -> list[tuple[TicketLink, Ticket, str]]:
    """The request's links as ``(link, other request, how this one relates)``: "related",
    "caused_by" (this one was caused by the other) or "causes"."""
    rows = []
    for link in (TicketLink.objects.filter(Q(from_ticket=ticket) | Q(to_ticket=ticket))
                 .select_related("from_ticket__customer", "to_ticket__customer")
                 .order_by("created_at", "pk")):
        outgoing = link.from_ticket_id == ticket.pk
        other = link.to_ticket if outgoing else link.from_ticket
        relation = link.kind if link.kind == TicketLink.Kind.RELATED or outgoing else "causes"
        rows.append((link, other, relation))
    return rows


def message_list_for_user(*, ticket: Ticket, user) -> list[Message]:
    qs = ticket.messages.select_related("author").order_by("created_at", "id")
    if not user.is_vendor_staff:
        qs = qs.filter(is_internal=False)
    return list(qs)


def attachment_list_for_user(*, ticket: Ticket, user) -> list[Attachment]:
    qs = ticket.attachments.select_related("uploaded_by").order_by("created_at", "id")
    if not user.is_vendor_staff:
        qs = qs.filter(is_internal=False)
    return list(qs)


def event_list_for_user(*, ticket: Ticket, user, limit: int = 200) -> list[TicketEvent]:
    qs = ticket.events.select_related("actor").order_by("-created_at", "-id")
    if not user.is_vendor_staff:
        qs = qs.filter(is_internal=False)
    return list(qs[:limit])


def attachment_get_for_user(*, user, attachment_uuid) -> Attachment:
    """An attachment if ``user`` may download it (staff: any; a customer user: its company's
    and not staff-only); otherwise Http404."""
    visible = _visible_tickets(user)
    qs = Attachment.objects.select_related("ticket").filter(
        uuid=attachment_uuid, ticket__in=visible.values("pk")
    )
    if not (user.is_authenticated and user.is_vendor_staff):
        qs = qs.filter(is_internal=False)
    attachment = qs.first()
    if attachment is None:
        raise Http404
    return attachment


def ticket_sla_view(*, ticket: Ticket, now: datetime | None = None) -> SlaView:
    """The SLA state of one request, as the queue shows it."""
    return sla_view_for([ticket], now=now or timezone.now())[ticket.pk]


def ticket_clock_views(*, ticket: Ticket, now: datetime | None = None
                       ) -> tuple[SlaView, SlaView]:
    """The response and the resolution clock of one request, as the queue shows them (one
    calendar read for both)."""
    now = now or timezone.now()
    calendar = _calendar_or_none()
    return (sla_view_for([ticket], now=now, calendar=calendar)[ticket.pk],
            resolution_view_for([ticket], now=now, calendar=calendar)[ticket.pk])
