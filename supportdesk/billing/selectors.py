"""Reads of billing: hold state (§11), balances, statements, usage report.

Every balance shown is explained by its ledger; ``*_get_for_user`` raise Http404 for
another customer's rows (RELIABILITY #1), so a guessed id reveals nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from supportdesk.billing.models import HoldOverride, Quote, Statement
from supportdesk.common.choices import Channel
from supportdesk.common.permissions import is_vendor_staff
from supportdesk.common.text import fold
from supportdesk.contracts.selectors import contract_in_force, contract_list_ending_between
from supportdesk.entitlements.selectors import Balances, customer_balances
from supportdesk.worklog.models import WorkEntry

RENEWAL_WINDOW_DAYS = 60


# --------------------------------------------------------------------------- hold (§11)


@dataclass(frozen=True)
class HoldState:
    """§11 "settlement of outstanding financial obligations".

    ``is_on_hold``: an issued statement is unpaid past its due date plus the grace days and
    no override is in force. ``since``: the first day of the hold. ``override``: the
    override in force, if any (then ``is_on_hold`` is False but ``overdue_statements`` still
    lists what is owed).
    """

    is_on_hold: bool
    overdue_statements: tuple[Statement, ...] = ()
    since: date | None = None
    override: HoldOverride | None = None
    grace_days: int = 0

    @property
    def overdue_total(self) -> Decimal:
        return sum((s.total for s in self.overdue_statements), Decimal("0.00"))


def customer_hold_state(customer, today: date) -> HoldState:
    """Whether ``customer`` (a Customer or its id) is on support hold on ``today``."""
    from supportdesk.billing.services.statements import billing_settings

    customer_id = getattr(customer, "pk", customer)
    grace = billing_settings().grace_days
    overdue = tuple(
        Statement.objects.filter(customer_id=customer_id, status=Statement.Status.ISSUED,
                                 total__gt=0, due_on__lt=today - timedelta(days=grace))
        .exclude(kind=Statement.Kind.CREDIT)
        .annotate(n_credits=Count("credit_statements"))
        .order_by("due_on")
    )
    # A partly credited statement is overdue only for what is still owed.
    owed = []
    for statement in overdue:
        credited = Decimal("0.00")
        if statement.n_credits:
            credited = statement.credit_statements.aggregate(s=Sum("total"))["s"] or Decimal(0)
        if statement.total + credited > 0:
            owed.append(statement)
    if not owed:
        return HoldState(is_on_hold=False, grace_days=grace)
    since = owed[0].due_on + timedelta(days=grace + 1)
    override = (HoldOverride.objects.filter(customer_id=customer_id, until__gte=today,
                                            revoked_at__isnull=True)
                .select_related("created_by").order_by("-until").first())
    return HoldState(is_on_hold=override is None, overdue_statements=tuple(owed), since=since,
                     override=override, grace_days=grace)


# --------------------------------------------------------------------------- balances


# --------------------------------------------------------------------------- statements


def statement_list(*, filters: dict | None = None) -> QuerySet[Statement]:
    """Staff list with simple filters: customer (id or folded name), status, kind, year."""
    filters = filters or {}
    qs = Statement.objects.select_related("customer").order_by("-issued_at", "-id")
    if filters.get("status") in Statement.Status.values:
        qs = qs.filter(status=filters["status"])
    if filters.get("kind") in Statement.Kind.values:
        qs = qs.filter(kind=filters["kind"])
    year = str(filters.get("year") or "")
    if year.isdigit() and len(year) == 4:
        qs = qs.filter(year=int(year))
    customer = str(filters.get("customer") or "").strip()
    if customer.isdigit():
        qs = qs.filter(customer_id=int(customer))
    elif customer:
        qs = qs.filter(customer__search_text__contains=fold(customer))
    period_start = filters.get("period_start")
    period_end = filters.get("period_end")
    if isinstance(period_start, date):
        qs = qs.filter(Q(period_end__gte=period_start) | Q(period_end__isnull=True))
    if isinstance(period_end, date):
        qs = qs.filter(Q(period_start__lte=period_end) | Q(period_start__isnull=True))
    return qs


def statement_get_for_user(*, user, statement_id: int) -> Statement:
    """Staff: any statement; a customer user: only their own customer's; else 404."""
    qs = Statement.objects.select_related("customer", "credits", "contract")
    if is_vendor_staff(user):
        pass
    elif getattr(user, "is_customer_user", False) and user.customer_id:
        qs = qs.filter(customer_id=user.customer_id).exclude(status=Statement.Status.DRAFT)
    else:
        raise Http404
    statement = qs.filter(pk=statement_id).first()
    if statement is None:
        raise Http404
    return statement


def statement_lines(statement: Statement):
    return statement.lines.select_related("ticket").order_by("position", "id")


def quotes_for_ticket(*, ticket_id: int) -> QuerySet[Quote]:
    return Quote.objects.filter(ticket_id=ticket_id).order_by("-created_at")


def renewal_list(*, today: date, days: int = RENEWAL_WINDOW_DAYS):
    """Contracts ending in the next ``days`` days that were not renewed yet (§4)."""
    return contract_list_ending_between(today, today + timedelta(days=days))


# --------------------------------------------------------------------------- usage report


@dataclass(frozen=True)
class UsageRow:
    channel: str
    entries: int
    minutes: int
    billed_minutes: int
    net_amount: Decimal


@dataclass(frozen=True)
class UsageReport:
    customer: object
    period_start: date
    period_end: date
    rows: tuple[UsageRow, ...]
    contract: object | None
    balances: Balances

    @property
    def total_minutes(self) -> int:
        return sum(r.minutes for r in self.rows)

    @property
    def total_net(self) -> Decimal:
        return sum((r.net_amount for r in self.rows), Decimal("0.00"))


def usage_report(*, customer, period_start: date, period_end: date) -> UsageReport:
    """Hours by channel in the period (local days), allowance used/left, bank left."""
    from supportdesk.billing.services.statements import _tz, period_bounds

    start, end = period_bounds(period_start, period_end, _tz())
    agg = {
        r["channel"]: r
        for r in WorkEntry.objects.filter(ticket__customer_id=customer.pk,
                                          started_at__gte=start, started_at__lt=end)
        .values("channel").annotate(n=Count("id"), m=Sum("duration_minutes"),
                                    b=Sum("billed_minutes"), a=Sum("net_amount"))
    }
    rows = tuple(
        UsageRow(channel=c, entries=agg.get(c, {}).get("n") or 0,
                 minutes=agg.get(c, {}).get("m") or 0,
                 billed_minutes=agg.get(c, {}).get("b") or 0,
                 net_amount=agg.get(c, {}).get("a") or Decimal("0.00"))
        for c in Channel.values
    )
    contract = contract_in_force(customer_id=customer.pk, day=period_end)
    return UsageReport(customer=customer, period_start=period_start, period_end=period_end,
                       rows=rows, contract=contract,
                       balances=customer_balances(customer_id=customer.pk, contract=contract))
