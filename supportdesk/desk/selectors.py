"""Reads for the staff desk: the dashboard's figures, customer look-up, a customer's standing.

Every figure is an aggregate computed by the database (GROUP BY), never by loading rows
into Python; closed months come from the pre-aggregated ``SlaMonth``/``ChannelMonth`` tables,
the current month (and any month not refreshed yet) is summed live over its own rows only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from supportdesk.accounts.models import User
from supportdesk.billing import selectors as billing_selectors
from supportdesk.common.choices import Channel, Tier
from supportdesk.common.exceptions import ApplicationError
from supportdesk.contracts.models import Contract
from supportdesk.contracts.selectors import (
    calendar_get_default,
    contract_in_force,
)
from supportdesk.customers.models import Customer, Licence
from supportdesk.domain.ticket_status import CLOCK_PAUSED_STATUSES, OPEN_STATUSES
from supportdesk.entitlements.selectors import AllowanceLeft, hours_left
from supportdesk.tickets.models import Ticket
from supportdesk.worklog.models import Visit, WorkEntry

from .models import CannedReply, ChannelMonth, Macro, SavedView, SlaMonth

ATHENS = ZoneInfo("Europe/Athens")
DASHBOARD_MONTHS = 12
# Unanswered requests whose clock is paused are never late (their target is not counted).
_CLOCK_RUNS = ~Q(status__in=sorted(CLOCK_PAUSED_STATUSES))
#: The figures kept per month and tier (``SlaMonth``'s columns, ``SlaCell``'s fields).
SLA_FIGURES = ("received", "met", "late", "breached", "resolved_met", "resolved_breached")


# ----------------------------------------------------------------------------- months


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """Aware [start, end) of a local (Europe/Athens) month."""
    start = datetime(month.year, month.month, 1, tzinfo=ATHENS)
    nxt = add_months(month, 1)
    return start, datetime(nxt.year, nxt.month, 1, tzinfo=ATHENS)


def dashboard_months(now: datetime) -> list[date]:
    current = month_start(timezone.localtime(now, ATHENS).date())
    return [add_months(current, -n) for n in range(DASHBOARD_MONTHS - 1, -1, -1)]


def breach_cutoff(now: datetime, calendar=None) -> datetime:
    """A due moment at or before this one is breached at ``now``: at least one working
    minute has passed since it (docs/rules.md "Response targets": breaches are compared in
    working minutes, so a request due at 18:00 is not late at 19:00, only from 10:01 the next
    working day)."""
    calendar = calendar or calendar_get_default()
    intervals = calendar.working_intervals(now - timedelta(days=40), now)
    if not intervals:
        return now - timedelta(days=40)
    return intervals[-1][1] - timedelta(minutes=1)


# ----------------------------------------------------------------------------- aggregates


def sla_month_aggregates(*, start: datetime, end: datetime, cutoff: datetime
                         ) -> dict[tuple[date, str], dict[str, int]]:
    """Per (month, tier): received, met, late, breached, for requests received in
    [start, end). Unanswered requests past their latest target count as breached, unless
    they wait on the customer (their clock is paused)."""
    unanswered_breached = Q(
        first_response_at__isnull=True, response_due_max_at__lte=cutoff,
    ) & _CLOCK_RUNS
    # The same for the resolution clock (docs/rules.md "Resolution targets").
    unresolved_breached = Q(
        status__in=list(OPEN_STATUSES), resolved_at__isnull=True,
        resolution_due_at__lte=cutoff,
    ) & _CLOCK_RUNS
    rows = (
        Ticket.objects.filter(received_at__gte=start, received_at__lt=end)
        .annotate(m=TruncMonth("received_at", tzinfo=ATHENS))
        .values("m", "tier")
        .annotate(
            received=Count("id"),
            met=Count("id", filter=Q(sla_outcome=Ticket.SlaOutcome.MET)),
            late=Count("id", filter=Q(sla_outcome=Ticket.SlaOutcome.LATE)),
            breached=Count("id", filter=Q(sla_outcome=Ticket.SlaOutcome.BREACHED)
                           | unanswered_breached),
            resolved_met=Count("id", filter=Q(
                resolution_outcome=Ticket.ResolutionOutcome.MET)),
            resolved_breached=Count("id", filter=Q(
                resolution_outcome=Ticket.ResolutionOutcome.BREACHED) | unresolved_breached),
        )
        .order_by()
    )
    result: dict[tuple[date, str], dict[str, int]] = {}
    for row in rows:
        month = row["m"].date() if isinstance(row["m"], datetime) else row["m"]
        result[(month, row["tier"])] = {k: row[k] for k in SLA_FIGURES}
    return result


def channel_month_aggregates(*, start: datetime, end: datetime
                             ) -> dict[tuple[date, str], dict[str, int]]:
    rows = (
        WorkEntry.objects.filter(started_at__gte=start, started_at__lt=end)
        .annotate(m=TruncMonth("started_at", tzinfo=ATHENS))
        .values("m", "channel")
        .annotate(minutes=Sum("duration_minutes"), entries=Count("id"))
        .order_by()
    )
    result: dict[tuple[date, str], dict[str, int]] = {}
    for row in rows:
        month = row["m"].date() if isinstance(row["m"], datetime) else row["m"]
        result[(month, row["channel"])] = {"minutes": row["minutes"] or 0,
                                           "entries": row["entries"]}
    return result


# ----------------------------------------------------------------------------- dashboard


@dataclass
class SlaCell:
    received: int = 0
    met: int = 0
    late: int = 0
    breached: int = 0
    resolved_met: int = 0
    resolved_breached: int = 0

    @property
    def decided(self) -> int:
        return self.met + self.late + self.breached

    @property
    def pending(self) -> int:
        return max(self.received - self.decided, 0)

    @property
    def compliance(self) -> Decimal | None:
        """Share of decided responses within the latest target (met or late), in %."""
        if not self.decided:
            return None
        return (Decimal(100) * (self.met + self.late) / self.decided).quantize(Decimal("0.1"))

    @property
    def resolution_compliance(self) -> Decimal | None:
        """Share of decided resolutions within their target, in %."""
        decided = self.resolved_met + self.resolved_breached
        if not decided:
            return None
        return (Decimal(100) * self.resolved_met / decided).quantize(Decimal("0.1"))


@dataclass
class LoadRow:
    assignee_id: int | None
    name: str
    open: int
    waiting: int
    overdue: int


@dataclass
class Dashboard:
    months: list[date]
    sla: dict[str, dict[date, SlaCell]]  # tier -> month -> cell
    channels: dict[str, dict[date, int]]  # channel -> month -> minutes
    load: list[LoadRow]
    refreshed_at: datetime | None
    now: datetime
    live_months: list[date] = field(default_factory=list)

    def channel_totals(self) -> dict[str, int]:
        return {ch: sum(by_month.values()) for ch, by_month in self.channels.items()}


def dashboard_get(*, now: datetime | None = None) -> Dashboard:
    """SLA compliance by tier and month, open load per technician, hours by channel."""
    now = now or timezone.now()
    months = dashboard_months(now)
    current = months[-1]
    try:
        cutoff = breach_cutoff(now)
    except ApplicationError:
        cutoff = now
    past = months[:-1]
    sla: dict[str, dict[date, SlaCell]] = {t: {m: SlaCell() for m in months} for t in Tier.values}
    channels: dict[str, dict[date, int]] = {c: dict.fromkeys(months, 0) for c in Channel.values}
    refreshed: list[datetime] = []

    stored_sla_months: set[date] = set()
    for row in SlaMonth.objects.filter(month__in=past):
        stored_sla_months.add(row.month)
        refreshed.append(row.refreshed_at)
        if row.tier in sla:
            sla[row.tier][row.month] = SlaCell(**{k: getattr(row, k) for k in SLA_FIGURES})
    stored_channel_months: set[date] = set()
    for row in ChannelMonth.objects.filter(month__in=past):
        stored_channel_months.add(row.month)
        refreshed.append(row.refreshed_at)
        if row.channel in channels:
            channels[row.channel][row.month] = row.minutes

    live_sla = [m for m in past if m not in stored_sla_months] + [current]
    start = month_bounds(live_sla[0])[0]
    end = month_bounds(current)[1]
    for (month, tier), values in sla_month_aggregates(start=start, end=end,
                                                      cutoff=cutoff).items():
        if month in live_sla and tier in sla:
            sla[tier][month] = SlaCell(**values)
    live_channels = [m for m in past if m not in stored_channel_months] + [current]
    start = month_bounds(live_channels[0])[0]
    for (month, channel), values in channel_month_aggregates(start=start, end=end).items():
        if month in live_channels and channel in channels:
            channels[channel][month] = values["minutes"]

    return Dashboard(
        months=months, sla=sla, channels=channels, load=open_load(cutoff=cutoff),
        refreshed_at=min(refreshed) if refreshed else None, now=now,
        live_months=sorted(set(live_sla) | set(live_channels)),
    )


def open_load(*, cutoff: datetime) -> list[LoadRow]:
    """Open requests per technician (unassigned first), waiting and overdue among them."""
    rows = (
        Ticket.objects.filter(status__in=list(OPEN_STATUSES))
        .values("assignee_id", "assignee__username", "assignee__first_name",
                "assignee__last_name")
        .annotate(
            open=Count("id"),
            waiting=Count("id", filter=Q(status=Ticket.Status.WAITING_CUSTOMER)),
            overdue=Count("id", filter=Q(first_response_at__isnull=True,
                                         response_due_max_at__lte=cutoff)
                          & _CLOCK_RUNS),
        )
        .order_by()
    )
    result = []
    for row in rows:
        name = " ".join(filter(None, [row["assignee__first_name"], row["assignee__last_name"]]))
        result.append(LoadRow(assignee_id=row["assignee_id"],
                              name=name or row["assignee__username"] or "",
                              open=row["open"], waiting=row["waiting"], overdue=row["overdue"]))
    result.sort(key=lambda r: (r.assignee_id is not None, -r.open, r.name))
    return result


# ----------------------------------------------------------------------------- standing


@dataclass
class Standing:
    """What a technician needs to see about the customer while handling a request: the
    contract in force, the yearly included hours left per channel (§4), the prepaid hours
    left (Free, §4) and the support hold (§11), all read from billing's ledgers."""

    contract: object | None
    tier: str
    allowance: list[AllowanceLeft] = field(default_factory=list)
    bank_minutes: int | None = None
    uses_bank: bool = False
    hold: object | None = None


def customer_standing(*, customer: Customer, today: date) -> Standing:
    contract = contract_in_force(customer_id=customer.pk, day=today)
    left = hours_left(customer_id=customer.pk, contract=contract, today=today)
    return Standing(contract=contract, tier=contract.tier if contract else Tier.FREE,
                    allowance=list(left.allowances), bank_minutes=left.bank_minutes,
                    uses_bank=left.uses_bank,
                    hold=billing_selectors.customer_hold_state(customer, today))


# ----------------------------------------------------------------------------- replies


def canned_replies_for(*, user) -> QuerySet[CannedReply]:
    """The shared replies and the user's own, by title."""
    return CannedReply.objects.filter(Q(owner__isnull=True) | Q(owner=user)).order_by(
        "title", "pk")


def macros_for(*, user) -> QuerySet[Macro]:
    return (Macro.objects.filter(Q(owner__isnull=True) | Q(owner=user))
            .select_related("reply", "assignee").order_by("name", "pk"))


def canned_reply_get_for(*, user, reply_id) -> CannedReply | None:
    try:
        pk = int(reply_id)
    except (TypeError, ValueError):
        return None
    return canned_replies_for(user=user).filter(pk=pk).first()


def macro_get_for(*, user, macro_id) -> Macro | None:
    try:
        pk = int(macro_id)
    except (TypeError, ValueError):
        return None
    return macros_for(user=user).filter(pk=pk).first()


def saved_views_for(*, user) -> QuerySet[SavedView]:
    return SavedView.objects.filter(Q(owner__isnull=True) | Q(owner=user)).order_by(
        "name", "pk")


# ----------------------------------------------------------------------------- customer page

CUSTOMER_PAGE_ROWS = 20


@dataclass
class CustomerPage:
    """Everything the staff customer page shows, each list bounded."""

    customer: Customer
    standing: Standing
    contacts: list
    licences: list
    contracts: list
    open_requests: list
    recent_requests: list
    open_count: int
    statements: list
    visits: list


def customer_page(*, customer_id: int, today: date) -> CustomerPage:
    """The customer, its people, licences, contracts, balances, requests, statements and
    visits, in a fixed number of queries whatever the customer's history."""
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise Http404
    from_db = Ticket.objects.filter(customer=customer).select_related("assignee")
    open_qs = from_db.filter(status__in=list(OPEN_STATUSES))
    return CustomerPage(
        customer=customer,
        standing=customer_standing(customer=customer, today=today),
        contacts=list(User.objects.filter(customer=customer).order_by(
            "-is_active", "first_name", "last_name", "username")[:CUSTOMER_PAGE_ROWS]),
        licences=list(Licence.objects.filter(customer=customer).select_related("product")
                      .order_by("-is_active", "product__name")[:CUSTOMER_PAGE_ROWS]),
        contracts=list(Contract.objects.filter(customer=customer).order_by("-starts_on")
                       [:CUSTOMER_PAGE_ROWS]),
        open_requests=list(open_qs.order_by(F("response_due_at").asc(nulls_last=True), "pk")
                           [:CUSTOMER_PAGE_ROWS]),
        recent_requests=list(from_db.exclude(status__in=list(OPEN_STATUSES))
                             .order_by("-received_at", "-pk")[:10]),
        open_count=open_qs.count(),
        statements=list(billing_selectors.statement_list(filters={"customer": customer.pk})
                        [:CUSTOMER_PAGE_ROWS]),
        visits=list(Visit.objects.filter(ticket__customer=customer)
                    .select_related("technician", "ticket").order_by("-starts_at")[:10]),
    )
